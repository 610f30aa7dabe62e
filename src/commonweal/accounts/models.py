"""The accounts app's data: API tokens, failed sign-ins and the mark of an administrator-issued password.

Users themselves are Django's ``auth.User``. These models were first made in the ``core`` app; they keep their
tables (``core_apitoken``, ``core_loginfailure``, ``core_onetimepassword``), so moving them changed no data (see
``migrations/0001_initial.py``).
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models


def hash_token(raw: str) -> str:
    """The SHA-256 fingerprint (hex) under which a bearer token is stored: API tokens and participant tokens."""
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for the facilitator API. Only its hash is stored; the raw token is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "core_apitoken"

    @classmethod
    def issue(cls, user: object, name: str) -> tuple[ApiToken, str]:
        """Create a token for ``user``; returns it and the raw token, which is not kept anywhere."""
        raw = "cw_" + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, token_hash=hash_token(raw), prefix=raw[:8])
        return token, raw

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class LoginFailure(models.Model):
    """A failed sign-in, kept in the database so every app server sees the same lock-out.

    A username (or an address) is locked out while it has ``LOGIN_MAX_FAILURES`` failures within the last
    ``LOGIN_LOCKOUT_MINUTES``; a successful sign-in deletes the username's failures.
    """

    username = models.CharField(max_length=150, db_index=True, help_text="As typed, case-folded.")
    ip = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    at = models.DateTimeField(db_index=True)

    class Meta:
        db_table = "core_loginfailure"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} from {self.ip}"


class OneTimePassword(models.Model):
    """Marks an account whose password an administrator issued (a new account, or a reset): its owner must choose
    their own password at the next sign-in. Deleted when they do."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="one_time_password"
    )
    issued_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "core_onetimepassword"

    def __str__(self) -> str:
        return f"one-time password of user #{self.user_id}"
