"""The strategy report's secret links: create, revoke (audited), and open one (rate-limited per address, so
tokens cannot be guessed by trying many)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from commonweal.core import audit
from commonweal.core.errors import NotFound, field_error
from commonweal.core.ratelimit import hit
from commonweal.core.text import clean_text
from commonweal.strategy.models import StrategyShare
from commonweal.systems.models import System

LABEL_MAX = 200
LINK_NOT_FOUND = (
    "This link does not open a strategy report: it may have been revoked, or not copied in full. "
    "Ask whoever sent it for a new one."
)


def check_create_share(actor: Any, system: System, label: str) -> StrategyShare:
    """A new secret link to ``system``'s strategy report, labelled with who it is for (audited)."""
    cleaned = clean_text(label)
    if not cleaned:
        raise field_error("label", "Say who the link is for, for example 'ICP board, May'")
    if len(cleaned) > LABEL_MAX:
        raise field_error("label", f"Keep it to {LABEL_MAX} characters or fewer")
    with transaction.atomic():
        share = StrategyShare.objects.create(system=system, label=cleaned, created_by=actor)
        audit.record(actor, "strategy.share", share, after={"label": share.label}, system=system)
    return share


def do_revoke_share(actor: Any, share: StrategyShare) -> StrategyShare:
    """Revoke the link (audited): it opens nothing from now on. Revoking a revoked link changes nothing."""
    with transaction.atomic():
        if share.revoked_at is None:
            share.revoked_at = timezone.now()
            share.save(update_fields=["revoked_at"])
            audit.record(
                actor, "strategy.share_revoke", share, after={"label": share.label}, system=share.system
            )
    return share


def open_share(token: str, *, ip: str | None) -> StrategyShare:
    """The live link of ``token`` (its last opening noted); :class:`NotFound` for a revoked or unknown one."""
    hit(f"report-links:ip:{ip or 'unknown'}", settings.RATE_REPORT_LINKS, what="report links opened")
    share = (
        StrategyShare.objects.filter(token=token, revoked_at__isnull=True).select_related("system").first()
        if token
        else None
    )
    if share is None:
        raise NotFound(LINK_NOT_FOUND)
    StrategyShare.objects.filter(pk=share.pk).update(last_opened_at=timezone.now())
    return share
