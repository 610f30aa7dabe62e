"""Reports: the secret links that share a conversation's report read-only."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models

from commonweal.conversations.models import Conversation


def new_share_token() -> str:
    return secrets.token_urlsafe(24)


class ReportShare(models.Model):
    """A secret link to a conversation's report, for a board that has no accounts. Revoked links stay, for
    the record of who shared what, but open nothing."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="report_shares")
    token = models.CharField(max_length=64, unique=True, default=new_share_token)
    label = models.CharField(
        max_length=200, blank=True, help_text="Who the link is for, e.g. 'ICP board, May'."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_opened_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
