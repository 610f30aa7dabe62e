"""Lookups the strategy's pages, API and exports share, each with one not-found message."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from commonweal.core.errors import NotFound
from commonweal.network.models import SurveyInvitation
from commonweal.strategy.models import Aim, Commitment, ProgressUpdate, StrategySettings
from commonweal.systems.models import Organisation, System


def get_aim(system: System, pk: int) -> Aim:
    aim = Aim.objects.filter(system=system, pk=pk).first()
    if aim is None:
        raise NotFound("That aim is not in this system: check the address, or go back to the strategy page.")
    return aim


def get_commitment(system: System, pk: int) -> Commitment:
    commitment = (
        Commitment.objects.filter(aim__system=system, pk=pk)
        .select_related("aim", "organisation", "community")
        .first()
    )
    if commitment is None:
        raise NotFound("That commitment is not in this system: check the address, or go back to its aim.")
    return commitment


def organisation_of_link(token: str) -> Organisation:
    """The organisation whose survey link (of any round) is ``token``; :class:`NotFound` otherwise."""
    invitation = SurveyInvitation.objects.filter(token=token).select_related("organisation__system").first()
    if invitation is None:
        raise NotFound(
            "This link does not work: check it was copied in full, or ask the facilitator for your "
            "organisation's link."
        )
    return invitation.organisation


def settings_of(system: System) -> StrategySettings:
    """The system's strategy settings (the defaults when it has none saved)."""
    found = StrategySettings.objects.filter(system=system).first()
    return found or StrategySettings(system=system)


def stale_days() -> int:
    return int(settings.STRATEGY_STALE_DAYS)


def stale_before(today: date | None = None) -> date:
    """A commitment whose latest update is older than this (or which has none and began before it) shows as
    "no update since"."""
    return (today or timezone.localdate()) - timedelta(days=stale_days())


def is_stale(commitment: Commitment, today: date | None = None) -> bool:
    if commitment.status in ("done", "withdrawn"):
        return False
    last = commitment.last_update_on or (commitment.created_at.date() if commitment.created_at else None)
    return last is not None and last < stale_before(today)


def aims_with_everything(system: System, statuses: list[str] | None = None) -> QuerySet[Aim]:
    """The system's aims with their evidence, measures, commitments (owners, partners, resources) and progress,
    in a fixed number of queries whatever their number."""
    aims = Aim.objects.filter(system=system)
    if statuses is not None:
        aims = aims.filter(status__in=statuses)
    commitments = Commitment.objects.select_related(
        "organisation", "community", "interdependency"
    ).prefetch_related("partners", "resources")
    return aims.prefetch_related(
        "evidence",
        "measures",
        "places",
        "communities",
        Prefetch("commitments", queryset=commitments),
    )


def latest_updates(commitments: list[Commitment]) -> dict[int, ProgressUpdate]:
    """The latest progress update of each commitment, in one query."""
    ids = [c.pk for c in commitments]
    found: dict[int, ProgressUpdate] = {}
    for update in ProgressUpdate.objects.filter(commitment_id__in=ids).order_by("commitment_id", "on", "pk"):
        found[update.commitment_id] = update
    return found
