"""What facilitators do with a report's secret links, and what opening one does.

Callers check permissions first (``reports.permissions.require``); these functions check the input, change the
database atomically and write the audit log in the same transaction. The token is a secret: it is never written
to the audit log.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from commonweal.conversations.models import Conversation
from commonweal.core import audit
from commonweal.core.errors import Conflict, InvalidInput, NotFound
from commonweal.core.ratelimit import hit
from commonweal.reports.models import ReportShare

LABEL_MAX_LENGTH = ReportShare._meta.get_field("label").max_length or 200

LINK_NOT_FOUND = (
    "This report link does not work. It may have been revoked, or not copied in full: ask whoever sent it to "
    "you for a new one."
)


def _share_record(share: ReportShare) -> dict[str, Any]:
    return {"label": share.label, "conversation": share.conversation.slug}


def check_create_share(actor: Any, conversation: Conversation, label: str) -> ReportShare:
    """Validate the link's label (who it is for: required, at most 200 characters), then create the link."""
    label = " ".join((label or "").split())
    if not label:
        raise InvalidInput(
            "Say who the link is for, for example 'ICP board, 4 December'.",
            detail={"fields": [{"field": "label", "problem": "Enter who the link is for"}]},
        )
    if len(label) > LABEL_MAX_LENGTH:
        raise InvalidInput(
            detail={
                "fields": [
                    {"field": "label", "problem": f"Keep it to {LABEL_MAX_LENGTH} characters or fewer"}
                ]
            }
        )
    return do_create_share(actor, conversation, label)


@transaction.atomic
def do_create_share(actor: Any, conversation: Conversation, label: str) -> ReportShare:
    """Create a secret, read-only link to the conversation's report, and record who created it for whom."""
    share = ReportShare.objects.create(
        conversation=conversation,
        label=label,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit.record(actor, "report.share_created", share, after=_share_record(share), system=conversation.system)
    return share


def check_revoke_share(actor: Any, share: ReportShare) -> ReportShare:
    """Refuse to revoke a link twice (:class:`Conflict`), then revoke it."""
    if not share.is_active:
        raise Conflict(
            "This link was already revoked: nobody can open the report with it.", code="report_link_revoked"
        )
    return do_revoke_share(actor, share)


@transaction.atomic
def do_revoke_share(actor: Any, share: ReportShare) -> ReportShare:
    """Revoke a link: from now on it opens nothing (a plain "not found" page). The row stays, for the record."""
    share.revoked_at = timezone.now()
    share.revoked_by = actor if getattr(actor, "is_authenticated", False) else None
    share.save(update_fields=["revoked_at", "revoked_by"])
    audit.record(
        actor,
        "report.share_revoked",
        share,
        before={"active": True},
        after={**_share_record(share), "active": False},
        system=share.conversation.system,
    )
    return share


def open_share(token: str, *, ip: str | None) -> ReportShare:
    """The active link with this token, for someone without an account; records when it was last opened.

    Every lookup counts against the address's limit (``COMMONWEAL_RATE_REPORT_LINKS``), found or not, so tokens
    cannot be guessed by trying many. An unknown or revoked token is :class:`NotFound` (the same for both, so
    the page does not tell a revoked link from a mistyped one).
    """
    hit(f"report-links:ip:{ip or 'unknown'}", settings.RATE_REPORT_LINKS, what="report links opened")
    share = (
        ReportShare.objects.filter(token=token, revoked_at__isnull=True)
        .select_related("conversation__system")
        .first()
        if token
        else None
    )
    if share is None:
        raise NotFound(LINK_NOT_FOUND, code="report_link_not_found")
    now = timezone.now()
    ReportShare.objects.filter(pk=share.pk).update(last_opened_at=now)
    share.last_opened_at = now
    return share


def active_shares(conversation: Conversation) -> list[ReportShare]:
    return list(
        ReportShare.objects.filter(conversation=conversation, revoked_at__isnull=True).select_related(
            "created_by"
        )
    )
