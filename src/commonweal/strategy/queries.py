"""Lookups the strategy's pages, API and exports share, each with one not-found message."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from commonweal.communities import queries as community_queries
from commonweal.communities.models import Asset
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


# --- Community assets: the ids from the strategy's own link tables, the assets through communities.queries ---------


def aim_asset_ids(aim: Aim) -> list[int]:
    """The ids of the assets ``aim`` builds on, in order."""
    through = Aim.assets.through.objects.filter(aim_id=aim.pk)
    return sorted(through.values_list("asset_id", flat=True))


def commitment_asset_ids(commitment: Commitment) -> list[int]:
    """The ids of the assets ``commitment`` uses, in order."""
    through = Commitment.assets.through.objects.filter(commitment_id=commitment.pk)
    return sorted(through.values_list("asset_id", flat=True))


def assets_of_aim(aim: Aim) -> list[Asset]:
    """The accepted assets ``aim`` builds on, by name (one set back to pending or rejected is not shown)."""
    return community_queries.assets_by_ids(aim.system, aim_asset_ids(aim))


def _assets_by_owner(system: System, pairs: list[tuple[int, int]]) -> dict[int, list[Asset]]:
    """(owner id, asset id) pairs as each owner's accepted assets, by name (one query for the assets)."""
    found = community_queries.assets_by_ids(system, {asset for _, asset in pairs})
    order = {asset.pk: i for i, asset in enumerate(found)}
    by_id = {asset.pk: asset for asset in found}
    out: dict[int, list[Asset]] = defaultdict(list)
    for owner, asset in sorted(pairs, key=lambda p: (p[0], order.get(p[1], 0))):
        if asset in by_id:
            out[owner].append(by_id[asset])
    return dict(out)


def assets_of_commitments(system: System, commitments: Iterable[int]) -> dict[int, list[Asset]]:
    """The accepted assets each of ``commitments`` (ids) uses, by name, in two queries."""
    through = Commitment.assets.through.objects.filter(commitment_id__in=list(commitments))
    return _assets_by_owner(system, list(through.values_list("commitment_id", "asset_id")))


def assets_of_aims(system: System, aims: Iterable[int]) -> dict[int, list[Asset]]:
    """The accepted assets each of ``aims`` (ids) builds on, by name, in two queries."""
    through = Aim.assets.through.objects.filter(aim_id__in=list(aims))
    return _assets_by_owner(system, list(through.values_list("aim_id", "asset_id")))
