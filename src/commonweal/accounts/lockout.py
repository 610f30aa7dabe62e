"""Sign-in lock-out after repeated failures, kept in the database so that every app server agrees.

A username, and separately an address, is locked out once it has ``settings.LOGIN_MAX_FAILURES`` failed
sign-ins within ``settings.LOGIN_LOCKOUT_MINUTES``; the lock-out lasts that many minutes from the failure that
triggered it. Attempts made while locked out are refused without checking the password and are not counted,
so an attacker cannot keep a person locked out for longer than one period from a single burst. A successful
sign-in clears the username's failures.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from commonweal.accounts.models import LoginFailure
from commonweal.core import audit


def normalise_username(username: str) -> str:
    return username.strip().casefold()[:150]


def _window() -> timedelta:
    return timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)


@dataclass(frozen=True)
class LockOut:
    """A lock-out in force: by username or by address, and until when."""

    by: str  # "username" or "address"
    until: datetime

    @property
    def minutes_left(self) -> int:
        return max(1, math.ceil((self.until - timezone.now()).total_seconds() / 60))

    @property
    def seconds_left(self) -> int:
        return max(1, math.ceil((self.until - timezone.now()).total_seconds()))

    @property
    def message(self) -> str:
        n = self.minutes_left
        wait = f"{n} minute{'s' if n != 1 else ''}"
        who = "this username" if self.by == "username" else "this network address"
        return (
            f"There have been too many failed attempts to sign in with {who}, so signing in is paused. "
            f"Wait {wait} and try again. If you have forgotten your password, ask an administrator to reset it."
        )


def _lock_from(failures: list[datetime], now: datetime) -> datetime | None:
    if len(failures) >= settings.LOGIN_MAX_FAILURES:
        until = max(failures) + _window()
        if until > now:
            return until
    return None


def current_lockout(username: str, ip: str | None) -> LockOut | None:
    """The lock-out in force for this username or address, if any."""
    now = timezone.now()
    since = now - _window()
    name = normalise_username(username)
    if name:
        times = list(LoginFailure.objects.filter(username=name, at__gt=since).values_list("at", flat=True))
        until = _lock_from(times, now)
        if until:
            return LockOut("username", until)
    if ip:
        times = list(LoginFailure.objects.filter(ip=ip, at__gt=since).values_list("at", flat=True))
        until = _lock_from(times, now)
        if until:
            return LockOut("address", until)
    return None


def record_failure(username: str, ip: str | None) -> LockOut | None:
    """Count a failed sign-in. Returns the lock-out it triggers (and audits it), if it triggers one."""
    with transaction.atomic():
        now = timezone.now()
        # Failures too old to count are of no use: drop them here (failures are rare, the delete is indexed).
        LoginFailure.objects.filter(at__lt=now - _window()).delete()
        failure = LoginFailure.objects.create(username=normalise_username(username), ip=ip, at=now)
        lockout = current_lockout(username, ip)
        if lockout:
            audit.record(
                None,
                "account.locked_out",
                failure,
                after={
                    "username": failure.username,
                    "ip": ip,
                    "by": lockout.by,
                    "until": lockout.until.isoformat(),
                    "failures": settings.LOGIN_MAX_FAILURES,
                    "minutes": settings.LOGIN_LOCKOUT_MINUTES,
                },
            )
    return lockout


def clear_failures(username: str) -> None:
    LoginFailure.objects.filter(username=normalise_username(username)).delete()


def purge_old() -> int:
    """Delete failures too old to count (a housekeeping task)."""
    deleted, _ = LoginFailure.objects.filter(at__lt=timezone.now() - _window()).delete()
    return deleted
