"""What the strategy page, the public accountability page, the API and the exports show: each aim with its
evidence, measures and commitments.

Read in a fixed number of flat queries (``values()``, no model instances) whatever the number of aims,
commitments and updates: a commitment keeps its latest status and date (the progress action keeps them), so no
update is read to show where it stands. Building thousands of model instances and their prefetched relations
cost seconds at 5,000 commitments (benchmarks/strategy.py); these plain rows cost a fraction of that.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from commonweal.strategy.models import Aim, Commitment, Evidence, Measure, ProgressStatus, Resource
from commonweal.strategy.queries import stale_before
from commonweal.systems.models import Organisation, System

STATUS_LABELS = dict(ProgressStatus.choices)
AIM_STATUS_LABELS = dict(Aim.Status.choices)
RESOURCE_LABELS = dict(Resource.Kind.choices)
_SMALL_WORDS = re.compile(r"(?P<words>fewer than|about) (?P<n>[\d,]+)")


def _number(value: Decimal) -> str:
    """``Decimal("30.00")`` -> "30", ``Decimal("2.50")`` -> "2.5", ``Decimal("900000")`` -> "900,000"."""
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value.normalize():,f}"


def _amount_words(kind: str, amount: Decimal) -> str | None:
    """ "£250,000", "2.5 WTE", "30 hours", "1 volunteer", in the language of the page; None for a kind that is not
    counted. A fraction takes the plural that zero does (the general one)."""
    n = _number(amount)
    count = int(amount) if amount == amount.to_integral_value() else 0
    if kind == "money":
        return _("£%(n)s") % {"n": n}
    if kind == "wte":
        return _("%(n)s WTE") % {"n": n}
    if kind == "hours":
        return ngettext("%(n)s hour", "%(n)s hours", count) % {"n": n}
    if kind == "volunteers":
        return ngettext("%(n)s volunteer", "%(n)s volunteers", count) % {"n": n}
    return None


def percent(share: float) -> str:
    """``0.823`` -> ``"82%"``."""
    return f"{round(share * 100)}%"


def resource_words(resource: Any) -> str:
    """For example "£250,000", "2.5 WTE", "Space: a room at the hospital" (a Resource or a row with its fields), in
    the language of the page."""
    kind, amount, description = _fields(resource)
    words = _amount_words(kind, Decimal(amount)) if amount is not None else None
    if words is not None:
        return f"{words} ({description})" if description else words
    label = str(RESOURCE_LABELS.get(kind, kind))
    return f"{label}: {description}" if description else label


def _fields(resource: Any) -> tuple[str, Any, str]:
    if isinstance(resource, dict):
        return resource["kind"], resource["amount"], resource["description"]
    return resource.kind, resource.amount, resource.description


@dataclass
class EvidenceView:
    statement_id: int | None
    text: str
    conversation_title: str
    common_ground: bool
    snapshot_tick: int | None
    figures: dict[str, Any]

    @property
    def agreement(self) -> str:
        """ "82% agree, 10% disagree" from the frozen shares, in the language of the page ("not shown" when the
        disclosure layer gave no share; empty for evidence frozen without figures)."""
        overall = self.figures.get("overall") or {}
        if not overall:
            return ""
        agree, disagree = overall.get("agree"), overall.get("disagree")
        if agree is None:
            return _("not shown")
        if disagree is None:
            return _("%(agree)s agree") % {"agree": percent(agree)}
        return _("%(agree)s agree, %(disagree)s disagree") % {
            "agree": percent(agree),
            "disagree": percent(disagree),
        }

    @property
    def voters(self) -> str:
        """How many voted, as the disclosure layer published it when the figures were frozen ("120", "fewer than
        5", "about 80", "not shown"), its words in the language of the page."""
        shown = str((self.figures.get("overall") or {}).get("voters") or "")
        if shown == "not shown":
            return _("not shown")
        words = _SMALL_WORDS.fullmatch(shown)
        if words is None:
            return shown
        if words["words"] == "about":
            return _("about %(n)s") % {"n": words["n"]}
        return _("fewer than %(n)s") % {"n": words["n"]}


@dataclass
class AimView:
    """An aim as the pages show it (the fields they read, and its evidence, places, communities and measures)."""

    pk: int
    title: str
    meaning: str
    outcome: str
    status: str
    agreed_on: date | None
    agreed_by: str
    retired_reason: str
    evidence: list[EvidenceView] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    place_ids: set[int] = field(default_factory=set)
    communities: list[str] = field(default_factory=list)
    measures: list[dict[str, Any]] = field(default_factory=list)

    def get_status_display(self) -> str:
        return str(AIM_STATUS_LABELS.get(self.status, self.status))


@dataclass
class CommitmentView:
    """A commitment as the pages show it."""

    pk: int
    aim_id: int
    aim_title: str
    organisation_id: int | None
    community_id: int | None
    owner: str
    sector: str
    what: str
    lead_role: str
    starts_on: date | None
    ends_on: date | None
    interdependency_id: int | None
    interdependency_text: str
    status: str
    last_update_on: date | None
    created_at: datetime
    partner_ids: list[int] = field(default_factory=list)
    partners: list[str] = field(default_factory=list)
    resources: list[dict[str, Any]] = field(default_factory=list)
    place_ids: set[int] = field(default_factory=set)  # its organisation's places


@dataclass
class CommitmentRow:
    commitment: CommitmentView
    owner: str
    partners: list[str]
    resources: list[str]
    status: str
    status_label: str
    stale: bool

    @property
    def no_update_since(self) -> date | None:
        c = self.commitment
        return (c.last_update_on or c.created_at.date()) if self.stale else None


@dataclass
class AimCard:
    aim: AimView
    commitments: list[CommitmentRow] = field(default_factory=list)

    @property
    def evidence(self) -> list[EvidenceView]:
        return self.aim.evidence

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


# --- Reading -----------------------------------------------------------------------------------------------------


def _aims(system: System, statuses: list[str] | None, ids: list[int] | None = None) -> dict[int, AimView]:
    found = Aim.objects.filter(system=system)
    if statuses is not None:
        found = found.filter(status__in=statuses)
    if ids is not None:
        found = found.filter(pk__in=ids)
    names = ("pk", "title", "meaning", "outcome", "status", "agreed_on", "agreed_by", "retired_reason")
    return {row["pk"]: AimView(**row) for row in found.order_by("created_at", "pk").values(*names)}


def _aim_details(aims: dict[int, AimView]) -> None:
    ids = list(aims)
    evidence: Any = Evidence.objects.filter(aim_id__in=ids).order_by("aim_id", "position", "pk")
    fields = (
        "aim_id",
        "statement_id",
        "text",
        "conversation_title",
        "common_ground",
        "snapshot_tick",
        "figures",
    )
    for row in evidence.values(*fields):
        aims[row.pop("aim_id")].evidence.append(EvidenceView(**row))
    for aim_id, place_id, name in Aim.places.through.objects.filter(aim_id__in=ids).values_list(
        "aim_id", "place_id", "place__name"
    ):
        aims[aim_id].places.append(name)
        aims[aim_id].place_ids.add(place_id)
    for aim_id, name in Aim.communities.through.objects.filter(aim_id__in=ids).values_list(
        "aim_id", "community__name"
    ):
        aims[aim_id].communities.append(name)
    measures: Any = Measure.objects.filter(aim_id__in=ids)
    for row in measures.values("aim_id", "pk", "name", "unit", "baseline", "target", "target_date"):
        aims[row.pop("aim_id")].measures.append(row)


_COMMITMENT_FIELDS = {
    "pk": "pk",
    "aim_id": "aim_id",
    "aim_title": "aim__title",
    "organisation_id": "organisation_id",
    "community_id": "community_id",
    "organisation_name": "organisation__name",
    "community_name": "community__name",
    "sector": "organisation__sector",
    "what": "what",
    "lead_role": "lead_role",
    "starts_on": "starts_on",
    "ends_on": "ends_on",
    "interdependency_id": "interdependency_id",
    "interdependency_text": "interdependency__description",
    "status": "status",
    "last_update_on": "last_update_on",
    "created_at": "created_at",
}


def _commitments(where: Q) -> dict[int, CommitmentView]:
    """The commitments ``where`` selects, with their partners, resources and organisations' places."""
    rows = Commitment.objects.filter(where).order_by("aim_id", "pk").values(*_COMMITMENT_FIELDS.values())
    found: dict[int, CommitmentView] = {}
    for row in rows:
        values = {name: row[path] for name, path in _COMMITMENT_FIELDS.items()}
        org, community = values.pop("organisation_name"), values.pop("community_name")
        values["owner"] = org or community or ""
        values["sector"] = values["sector"] or ""
        values["interdependency_text"] = values["interdependency_text"] or ""
        found[values["pk"]] = CommitmentView(**values)
    _commitment_details(found, where)
    return found


def _commitment_details(found: dict[int, CommitmentView], where: Q) -> None:
    # The same selection as a subquery: an IN list of thousands of ids costs more to build than to run.
    ids = Commitment.objects.filter(where).values("pk")
    through = Commitment.partners.through
    for cid, oid, name in (
        through.objects.filter(commitment_id__in=ids)
        .order_by("organisation__name")
        .values_list("commitment_id", "organisation_id", "organisation__name")
    ):
        found[cid].partner_ids.append(oid)
        found[cid].partners.append(name)
    resources: Any = Resource.objects.filter(commitment_id__in=ids).order_by("pk")
    for row in resources.values("commitment_id", "kind", "amount", "description"):
        found[row.pop("commitment_id")].resources.append(row)
    owners = Commitment.objects.filter(where).values("organisation_id")
    places: dict[int, set[int]] = defaultdict(set)
    for oid, pid in Organisation.places.through.objects.filter(organisation_id__in=owners).values_list(
        "organisation_id", "place_id"
    ):
        places[oid].add(pid)
    for c in found.values():
        if c.organisation_id:
            c.place_ids = places[c.organisation_id]


def _row(c: CommitmentView, cutoff: date, labels: dict[str, str]) -> CommitmentRow:
    last = c.last_update_on or c.created_at.date()
    stale = c.status not in ("done", "withdrawn") and last < cutoff
    return CommitmentRow(
        commitment=c,
        owner=c.owner,
        partners=c.partners,
        resources=[resource_words(r) for r in c.resources],
        status=c.status,
        status_label=labels.get(c.status, c.status),
        stale=stale,
    )


def _labels() -> dict[str, str]:
    """The progress statuses' labels, translated once per page rather than once per commitment."""
    return {key: str(label) for key, label in STATUS_LABELS.items()}


def _keep(c: CommitmentView, f: Filters, aim_places: set[int]) -> bool:
    """Whether the commitment passes the filters (a place: the aim's or its organisation's)."""
    if f.organisation and c.organisation_id != f.organisation and f.organisation not in c.partner_ids:
        return False
    if f.sector and c.sector != f.sector:
        return False
    return not f.place or f.place in aim_places or f.place in c.place_ids


def board(
    system: System,
    statuses: list[str] | None = None,
    filters: Filters | None = None,
    aim_ids: list[int] | None = None,
) -> list[AimCard]:
    """Each aim (of ``statuses``, all when None; only ``aim_ids`` when given) with its commitments as rows,
    filtered by place, sector and organisation (with a filter set, an aim is kept when a commitment passes, or
    the place is the aim's)."""
    f = filters or Filters()
    cutoff, labels = stale_before(timezone.localdate()), _labels()
    aims = _aims(system, statuses, aim_ids)
    _aim_details(aims)
    where = Q(aim__system=system) if aim_ids is None and statuses is None else Q(aim_id__in=list(aims))
    cards = {pk: AimCard(aim) for pk, aim in aims.items()}
    for c in _commitments(where).values():
        if c.aim_id in aims and _keep(c, f, aims[c.aim_id].place_ids):
            cards[c.aim_id].commitments.append(_row(c, cutoff, labels))
    return [
        card
        for card in cards.values()
        if not f.active or card.commitments or (f.place and f.place in card.aim.place_ids)
    ]


def aims_matching(system: System, statuses: list[str], f: Filters) -> list[int]:
    """The ids of the aims (of ``statuses``, in order) that :func:`board` keeps for the filters, found in the
    database, so that a page of them can be built without reading every commitment."""
    aims = Aim.objects.filter(system=system, status__in=statuses).order_by("created_at", "pk")
    if not f.active:
        return list(aims.values_list("pk", flat=True))
    match = Q(aim__system=system)
    if f.organisation:
        match &= Q(organisation_id=f.organisation) | Q(partners__id=f.organisation)
    if f.sector:
        match &= Q(organisation__sector=f.sector)
    if f.place:
        match &= Q(aim__places__id=f.place) | Q(organisation__places__id=f.place)
    with_commitments = Commitment.objects.filter(match).values("aim_id")
    keep = Q(pk__in=with_commitments) | (Q(places__id=f.place) if f.place else Q(pk__in=[]))
    return list(aims.filter(keep).distinct().values_list("pk", flat=True))


@dataclass
class AimSummary:
    """An aim on the strategy page: counts of its evidence and of its commitments by status."""

    aim: AimView
    evidence: int
    commitments: int
    by_status: list[tuple[str, int]]
    stale_count: int


def summaries(system: System) -> list[AimSummary]:
    """Every aim of the system with its counts (the strategy page), in a few aggregate queries."""
    aims = _aims(system, None, None)
    evidence = Counter(
        dict(Evidence.objects.filter(aim__system=system).values_list("aim_id").annotate(n=Count("id")))
    )
    by_aim: dict[int, Counter[str]] = defaultdict(Counter)
    for aim_id, status, n in (
        Commitment.objects.filter(aim__system=system).values_list("aim_id", "status").annotate(n=Count("id"))
    ):
        by_aim[aim_id][status] = n
    cutoff = stale_before(timezone.localdate())
    late = (
        Commitment.objects.filter(aim__system=system)
        .exclude(status__in=["done", "withdrawn"])
        .filter(Q(last_update_on__lt=cutoff) | Q(last_update_on__isnull=True, created_at__date__lt=cutoff))
    )
    stale = Counter(dict(late.values_list("aim_id").annotate(n=Count("id"))))
    labels = _labels()
    return [
        AimSummary(
            aim=aim,
            evidence=evidence[pk],
            commitments=sum(by_aim[pk].values()),
            by_status=[(labels[key], by_aim[pk][key]) for key in labels if by_aim[pk][key]],
            stale_count=stale[pk],
        )
        for pk, aim in aims.items()
    ]


def commitments_of_organisation(system: System, organisation_id: int) -> list[CommitmentRow]:
    """The organisation's commitments and those that name it as a partner."""
    cutoff = stale_before(timezone.localdate())
    where = Q(aim__system=system) & (
        Q(organisation_id=organisation_id)
        | Q(
            pk__in=Commitment.partners.through.objects.filter(organisation_id=organisation_id).values(
                "commitment_id"
            )
        )
    )
    return [_row(c, cutoff, _labels()) for c in _commitments(where).values()]
