"""Community asset mapping: residents and groups add the assets they know through a system's (or a place's)
public link, with no account; what they add waits for moderation.

- :func:`check_submit_asset`: a resident's asset, checked like any other (``assets.actions.check_asset``), then
  counted against the address's rate limit (``COMMONWEAL_RATE_ASSET_SUBMISSIONS``), then saved as pending and
  recorded as ``asset.submit``.
- :func:`check_moderate_assets`: accept or reject pending assets (one or many), recorded as ``asset.accept`` /
  ``asset.reject`` each.
- :func:`do_open_link`, :func:`do_close_link`: the facilitators' switch for each link.
- :func:`queue_entries`: a page of the moderation queue with likely duplicates grouped by name.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from commonweal.analysis.similar import SimilarityIndex, group_duplicates
from commonweal.communities.assets.actions import AssetInput, check_asset, do_save_asset
from commonweal.communities.models import Asset, MappingLink, Source, Status
from commonweal.core import audit
from commonweal.core.errors import InvalidInput
from commonweal.core.ratelimit import hit
from commonweal.systems.models import Place, System

__all__ = [
    "DUPLICATE_THRESHOLD",
    "QUEUE_VIEWS",
    "ModerationResult",
    "QueueEntry",
    "check_moderate_assets",
    "check_submit_asset",
    "do_close_link",
    "do_moderate_assets",
    "do_open_link",
    "moderation_counts",
    "moderation_queue",
    "queue_entries",
]

#: Name similarity from which two assets count as likely duplicates (character n-grams; see analysis.similar).
DUPLICATE_THRESHOLD = 0.6

#: The queue's views: what each shows.
QUEUE_VIEWS = {
    "to_review": "To review",
    "accepted": "Accepted from the link",
    "rejected": "Rejected",
}


def _rate_key(address: str | None) -> str:
    # The address is hashed: the rate-limit table should not become a list of residents' addresses.
    digest = hashlib.sha256((address or "unknown").encode()).hexdigest()[:32]
    return f"assets:ip:{digest}"


def check_submit_asset(link: MappingLink, data: AssetInput, *, address: str | None) -> Asset:
    """A resident's asset through ``link``: checked, counted against the rate limit, saved as pending.

    Raises :class:`InvalidInput` naming each field at fault (nothing is counted then), or
    :class:`~commonweal.core.errors.RateLimited`."""
    if link.place is not None:
        data.places = [link.place]
    checked = check_asset(link.system, data)
    with transaction.atomic():
        hit(_rate_key(address), settings.RATE_ASSET_SUBMISSIONS, what="assets added from your network")
        return do_save_asset(
            None, link.system, checked, status=Status.PENDING, source=Source.MAPPING, link=link
        )


@dataclass
class ModerationResult:
    count: int
    assets: list[Asset] = field(default_factory=list)


def check_moderate_assets(actor: Any, system: System, ids: Iterable[Any], decision: str) -> ModerationResult:
    """Accept or reject the assets ``ids`` of ``system`` (any status: a decision can be changed)."""
    if decision not in ("accept", "reject"):
        raise InvalidInput("Choose accept or reject.")
    wanted = {int(i) for i in ids if str(i).isdigit()}
    if not wanted:
        raise InvalidInput("Select at least one asset first.")
    assets = list(Asset.objects.filter(system=system, pk__in=wanted))
    if len(assets) != len(wanted):
        raise InvalidInput(
            "Some of those assets are not in this system's queue: reload the queue and try again."
        )
    return do_moderate_assets(
        actor, system, assets, Status.ACCEPTED if decision == "accept" else Status.REJECTED
    )


def do_moderate_assets(actor: Any, system: System, assets: Sequence[Asset], status: str) -> ModerationResult:
    """Give ``assets`` the ``status`` and record each change, in one transaction."""
    now = timezone.now()
    action = "asset.accept" if status == Status.ACCEPTED else "asset.reject"
    with transaction.atomic():
        for asset in assets:
            before = asset.status
            asset.status, asset.moderated_by, asset.moderated_at = status, actor, now
            asset.save(update_fields=["status", "moderated_by", "moderated_at", "updated_at"])
            audit.record(
                actor, action, asset, before={"status": before}, after={"status": status}, system=system
            )
    return ModerationResult(len(assets), list(assets))


def do_open_link(actor: Any, system: System, place: Place | None = None) -> MappingLink:
    """Open the system's mapping link (or ``place``'s), making it if there is none; recorded as
    ``asset_link.open``."""
    with transaction.atomic():
        link, _ = MappingLink.objects.get_or_create(system=system, place=place)
        link.is_active = True
        link.save(update_fields=["is_active"])
        audit.record(
            actor, "asset_link.open", link, after={"place": place.name if place else None}, system=system
        )
    return link


def do_close_link(actor: Any, link: MappingLink) -> MappingLink:
    """Close ``link``: it stops taking assets (what it brought in stays); recorded as ``asset_link.close``."""
    with transaction.atomic():
        link.is_active = False
        link.save(update_fields=["is_active"])
        audit.record(actor, "asset_link.close", link, system=link.system)
    return link


# --- The queue ----------------------------------------------------------------------------------------------


def moderation_queue(system: System, view: str) -> Any:
    """The assets of one view of the queue: to review (pending, oldest first), or the link's accepted or
    rejected ones (most recently moderated first)."""
    found = (
        Asset.objects.filter(system=system).select_related("mapping_link__place").prefetch_related("places")
    )
    if view == "to_review":
        return found.filter(status=Status.PENDING).order_by("created_at", "pk")
    status = Status.ACCEPTED if view == "accepted" else Status.REJECTED
    return found.filter(status=status, source=Source.MAPPING).order_by("-moderated_at", "-pk")


def moderation_counts(system: System) -> dict[str, int]:
    mapped = Asset.objects.filter(system=system)
    return {
        "to_review": mapped.filter(status=Status.PENDING).count(),
        "accepted": mapped.filter(status=Status.ACCEPTED, source=Source.MAPPING).count(),
        "rejected": mapped.filter(status=Status.REJECTED, source=Source.MAPPING).count(),
    }


@dataclass(frozen=True)
class QueueEntry:
    """One entry of a page of the queue: an asset, or a group of likely duplicates (with the accepted assets of
    the register they resemble)."""

    assets: list[Asset]
    existing: list[str] = field(default_factory=list)

    @property
    def is_duplicates(self) -> bool:
        return len(self.assets) > 1 or bool(self.existing)


def _accepted_index(system: System) -> SimilarityIndex | None:
    rows = list(Asset.objects.filter(system=system, status=Status.ACCEPTED).values_list("pk", "name"))
    if not rows:
        return None
    return SimilarityIndex([name for _, name in rows], [pk for pk, _ in rows])


def queue_entries(system: System, assets: Sequence[Asset]) -> list[QueueEntry]:
    """A page of the queue with likely duplicates gathered (names alike, or alike an accepted asset's), each
    group where its first asset was; everything else keeps its place."""
    assets = list(assets)
    pending = [a for a in assets if a.status == Status.PENDING]
    if not pending:
        return [QueueEntry([a]) for a in assets]
    groups = group_duplicates(
        [a.name for a in pending],
        [a.pk for a in pending],
        threshold=DUPLICATE_THRESHOLD,
        against=_accepted_index(system),
    )
    by_id = {a.pk: a for a in assets}
    grouped: dict[int, QueueEntry] = {}
    for group in groups:
        members = [by_id[int(i)] for i in group.ids]
        existing = [m.text for m in group.existing]
        if len(members) > 1 or existing:
            group_entry = QueueEntry(members, existing)
            for member in members:
                grouped[member.pk] = group_entry
    entries: list[QueueEntry] = []
    placed: set[int] = set()
    for asset in assets:
        entry = grouped.get(asset.pk)
        if entry is None:
            entries.append(QueueEntry([asset]))
        elif id(entry) not in placed:
            placed.add(id(entry))
            entries.append(entry)
    return entries
