"""Fixed-window rate limits kept in the database, so every app server behind a load balancer shares them."""

from __future__ import annotations

import time

from django.db import IntegrityError, transaction
from django.db.models import F

from .errors import RateLimited
from .models import RateLimitBucket


def parse_rate(rate: str) -> tuple[int, int]:
    """``"120/60"`` -> (120, 60): at most 120 events in each 60-second window."""
    try:
        count, seconds = rate.split("/")
        return int(count), int(seconds)
    except ValueError as exc:  # a misconfigured setting must fail loudly, not disable the limit
        raise ValueError(f"A rate must look like '120/60' (count/seconds), not {rate!r}.") from exc


def hit(key: str, rate: str, *, what: str) -> None:
    """Count one event for ``key``; raise :class:`RateLimited` when the window's allowance is used up.

    ``what`` names the thing limited, for the message ("votes", "statements", "new participants").
    """
    limit, seconds = parse_rate(rate)
    now = int(time.time())
    window = now - now % seconds
    with transaction.atomic():
        updated = RateLimitBucket.objects.filter(key=key, window_start=window).update(count=F("count") + 1)
        if not updated:
            try:
                with transaction.atomic():
                    RateLimitBucket.objects.create(key=key, window_start=window, count=1)
            except IntegrityError:
                RateLimitBucket.objects.filter(key=key, window_start=window).update(count=F("count") + 1)
        count = (
            RateLimitBucket.objects.filter(key=key, window_start=window)
            .values_list("count", flat=True)
            .first()
        )
    if count is not None and count > limit:
        retry = window + seconds - now
        raise RateLimited(
            f"Too many {what} in a short time: the limit is {limit} every {seconds // 60 or seconds} "
            f"{'minutes' if seconds >= 120 else 'minute' if seconds >= 60 else 'seconds'}. "
            f"Wait {retry} seconds and try again; nothing you already sent was lost.",
            retry_after=max(retry, 1),
        )


def purge_old(older_than_seconds: int = 86400) -> int:
    cutoff = int(time.time()) - older_than_seconds
    deleted, _ = RateLimitBucket.objects.filter(window_start__lt=cutoff).delete()
    return deleted
