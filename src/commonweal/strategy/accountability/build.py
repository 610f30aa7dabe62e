"""What the strategy page, the public accountability page and the exports show: each aim with its evidence,
measures and commitments, read in a fixed number of queries whatever the number of aims, commitments and
updates (the commitment keeps its latest status and date, so no update is read to show where it stands)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from commonweal.strategy.models import Aim, Commitment, ProgressStatus, Resource
from commonweal.strategy.queries import aims_with_everything, stale_before
from commonweal.systems.models import System

STATUS_LABELS = dict(ProgressStatus.choices)
RESOURCE_LABELS = dict(Resource.Kind.choices)
_UNITS = {"money": "£{}", "wte": "{} WTE", "hours": "{} hours", "volunteers": "{} volunteers"}


def _number(value: Decimal) -> str:
    """``Decimal("30.00")`` -> "30", ``Decimal("2.50")`` -> "2.5", ``Decimal("900000")`` -> "900,000"."""
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value.normalize():,f}"


def resource_words(resource: Resource) -> str:
    """For example "£250,000", "2.5 WTE", "Space: a room at the hospital"."""
    if resource.amount is not None and resource.kind in _UNITS:
        words = _UNITS[resource.kind].format(_number(resource.amount))
        return f"{words} ({resource.description})" if resource.description else words
    label = str(RESOURCE_LABELS.get(resource.kind, resource.kind))
    return f"{label}: {resource.description}" if resource.description else label


@dataclass
class CommitmentRow:
    commitment: Commitment
    owner: str
    partners: list[str]
    resources: list[str]
    status: str
    status_label: str
    stale: bool

    @property
    def no_update_since(self) -> date | None:
        c = self.commitment
        return c.last_update_on or c.created_at.date() if self.stale else None


@dataclass
class AimCard:
    aim: Aim
    commitments: list[CommitmentRow] = field(default_factory=list)

    @property
    def by_status(self) -> list[tuple[str, int]]:
        counts = Counter(row.status for row in self.commitments)
        return [(str(label), counts[key]) for key, label in ProgressStatus.choices if counts[key]]

    @property
    def stale_count(self) -> int:
        return sum(1 for row in self.commitments if row.stale)


@dataclass(frozen=True)
class Filters:
    place: int | None = None
    sector: str = ""
    organisation: int | None = None

    @property
    def active(self) -> bool:
        return bool(self.place or self.sector or self.organisation)


def _keep(c: Commitment, f: Filters, places: set[int]) -> bool:
    """Whether the commitment passes the filters (``places``: the aim's and its organisation's)."""
    org = c.organisation
    if (
        f.organisation
        and c.organisation_id != f.organisation
        and f.organisation not in {p.pk for p in c.partners.all()}
    ):
        return False
    if f.sector and (org is None or org.sector != f.sector):
        return False
    return not f.place or f.place in places


def _row(c: Commitment, cutoff: date) -> CommitmentRow:
    last = c.last_update_on or c.created_at.date()
    stale = c.status not in ("done", "withdrawn") and last < cutoff
    return CommitmentRow(
        commitment=c,
        owner=c.owner_name,
        partners=[p.name for p in c.partners.all()],
        resources=[resource_words(r) for r in c.resources.all()],
        status=c.status,
        status_label=str(STATUS_LABELS.get(c.status, c.status)),
        stale=stale,
    )


def board(system: System, statuses: list[str] | None = None, filters: Filters | None = None) -> list[AimCard]:
    """Each aim (of ``statuses``, all when None) with its commitments as rows, filtered by place, sector and
    organisation (an aim with none left is kept only when no filter is set)."""
    f = filters or Filters()
    cutoff = stale_before(timezone.localdate())
    cards = []
    for aim in aims_with_everything(system, statuses).prefetch_related("commitments__organisation__places"):
        aim_places = {p.pk for p in aim.places.all()}
        rows = []
        for c in aim.commitments.all():
            places = aim_places | ({p.pk for p in c.organisation.places.all()} if c.organisation else set())
            if _keep(c, f, places):
                rows.append(_row(c, cutoff))
        if f.active and not rows and not (f.place and f.place in aim_places):
            continue
        cards.append(AimCard(aim, rows))
    return cards


def commitments_of_organisation(system: System, organisation_id: int) -> list[CommitmentRow]:
    cutoff = stale_before(timezone.localdate())
    found = (
        Commitment.objects.filter(aim__system=system)
        .filter(Q(organisation_id=organisation_id) | Q(partners__id=organisation_id))
        .distinct()
        .select_related("aim", "organisation", "community")
        .prefetch_related("partners", "resources")
    )
    return [_row(c, cutoff) for c in found]
