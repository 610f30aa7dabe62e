"""The participation dashboard: who took part in the system's conversations, relationship survey rounds, pulse
rounds and commitments, by sector, place, community and organisation, round by round, and which organisations
never took part in anything.

Every count of people is a cell the disclosure layer (:mod:`commonweal.core.small_numbers`) published, and each
source's cells are the ones its own pages show, so reading this page beside them gives nothing more away:

- a conversation's people by sector, place and community come from its one publication
  (:func:`commonweal.conversations.disclosure.conversation_publication`, with its latest analysis, as its
  dashboard builds it); its people by organisation (asked only when the conversation asks it) are one more
  :class:`~commonweal.core.small_numbers.Disclosure` of that table and the headline count;
- a pulse round's people by sector, place and the link they used (each organisation's) come from the round's
  publication (:func:`commonweal.pulse.queries.round_results`);
- a survey round's people on each organisation's link are the round page's cells
  (:func:`commonweal.network.survey.queries.round_links`), the round's people in all as the network page shows
  them; which organisations answered is known there by name, so organisations (not people) are counted as they
  are, by sector and place.

No count is added up across conversations or rounds: a sector's people summed over two conversations would give
away a cell that one conversation's own tables hide. Commitments and organisations are not people and are counted
as they are.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count

from commonweal.conversations.disclosure import NOT_SAID, conversation_publication
from commonweal.conversations.models import Conversation, Participant
from commonweal.conversations.queries import latest_snapshot
from commonweal.core.small_numbers import (
    Cell,
    CellRef,
    Disclosure,
    Publication,
    fewer_than,
    suppress_count,
    threshold,
)
from commonweal.network.models import SurveyRound
from commonweal.network.survey.queries import round_links
from commonweal.pulse.models import PulseRound
from commonweal.pulse.queries import RoundResults, round_results
from commonweal.strategy.models import Commitment
from commonweal.systems.models import Community, Organisation, Place, Sector, System

CONVERSATION, SURVEY, PULSE = "conversation", "survey", "pulse"
KIND_LABELS = {CONVERSATION: "Conversation", SURVEY: "Relationship survey", PULSE: "Pulse"}
#: The cell of a source that does not break people down this way (not asked, or not a thing it records).
NOT_ASKED = "–"


@dataclass
class Activity:
    """One conversation, survey round or pulse round: when it opened, its people as published, and its people
    by each breakdown it has (category key -> published cell)."""

    kind: str
    pk: int
    name: str
    on: date
    people: Cell
    by: dict[str, dict[Any, Cell]] = field(default_factory=dict)
    #: Organisations (ids) that took part: for a survey round, those that answered on their link.
    organisations: dict[Any, Cell] = field(default_factory=dict)
    #: Organisations counted as they are (a survey round's, by sector and place: not people).
    organisations_by: dict[str, dict[Any, int]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    #: A survey round's organisations that answered (not people: counted as they are).
    organisations_answering: int = 0

    @property
    def label(self) -> str:
        return f"{self.name} ({KIND_LABELS[self.kind].lower()}, {self.on:%b %Y})"

    @property
    def short(self) -> str:
        return f"{self.name} ({self.on:%b %Y})"


def _month(value: Any) -> date:
    return date(value.year, value.month, 1)


def _withheld(keys: list[Any]) -> dict[Any, Cell]:
    return {k: Cell(str(k), None, withheld=True) for k in keys}


def publish_organisations(counts: dict[int, int], everyone: int) -> Publication:
    """People who joined a conversation by the organisation they named (``counts``: organisation id -> people;
    the rest, ``everyone`` less those, said none) as one publication: the headline count ``participants`` and the
    table ``organisation`` (its cells keyed by id, and "not said")."""
    d = Disclosure()
    total = d.total("participants", everyone)
    cells: dict[Any, int] = {k: int(n) for k, n in counts.items()}
    cells[NOT_SAID] = everyone - sum(cells.values())
    d.table("organisation", cells, total=total)
    return d.publish()


def _conversation_organisations(
    conversation: Conversation, everyone: int, orgs: list[int]
) -> dict[Any, Cell]:
    """The people who joined ``conversation`` by the organisation they named (asked only when it asks it)."""
    named = dict(
        Participant.objects.filter(participations__conversation=conversation, organisation__in=orgs)
        .values("organisation")
        .annotate(n=Count("id", distinct=True))
        .values_list("organisation", "n")
    )
    if everyone < threshold():
        return _withheld(list(orgs))
    published = publish_organisations({k: int(named.get(k, 0)) for k in orgs}, everyone)
    return {k: published.cell(CellRef("organisation", k)) for k in orgs}


def _conversations(system: System, orgs: list[int]) -> list[Activity]:
    conversations = (
        Conversation.objects.filter(system=system)
        .exclude(status=Conversation.Status.DRAFT)
        .order_by("opened_at", "created_at", "pk")
    )
    out = []
    for c in conversations:
        numbers = conversation_publication(c, latest_snapshot(c, defer=("state", "priorities")))
        n = numbers.participants
        a = Activity(CONVERSATION, c.pk, c.title, _month(c.opened_at or c.created_at), Cell(c.title, n))
        for key in ("sector", "place", "community"):
            dim = numbers.dimensions.get(key)
            if dim is None or not dim.asked:
                continue
            if n < threshold():
                a.by[key] = _withheld(list(dim.labels))
            else:
                a.by[key] = dict(numbers.table(key).cells)
        if c.ask_organisation:
            a.organisations = _conversation_organisations(c, n, orgs)
            a.by["organisation"] = dict(a.organisations)
        if n and n < threshold():
            a.notes.append(f"{c.title}: {fewer_than('people')} joined, too few to break down.")
        out.append(a)
    return out


def _pulse(system: System) -> tuple[list[Activity], list[RoundResults]]:
    rounds = PulseRound.objects.filter(system=system, opened_at__isnull=False).order_by("opened_at", "pk")
    out, results = [], []
    for r in rounds:
        res = round_results(r)
        results.append(res)
        a = Activity(PULSE, r.pk, r.name, _month(r.opened_at), Cell(r.name, res.respondents))
        a.by["sector"] = dict(res.sector.cells)
        a.by["place"] = {NOT_SAID if k == 0 else k: c for k, c in res.place.cells.items()}
        links = res.publication["link"].cells
        a.organisations = {k: c for k, c in links.items() if k != 0}
        a.by["organisation"] = dict(a.organisations)
        out.append(a)
    return out, results


def _survey(system: System, org_sector: dict[int, str], org_places: dict[int, set[Any]]) -> list[Activity]:
    rounds = SurveyRound.objects.filter(system=system).order_by("opened_at", "pk")
    out = []
    for r in rounds:
        links = round_links(r)
        answered = {row.invitation.organisation_id: row.answered for row in links.rows}
        answers = {
            row.invitation.organisation_id: int(getattr(row.invitation, "n_answered", 0))
            for row in links.rows
        }
        people = sum(answers.values())
        a = Activity(SURVEY, r.pk, r.name, _month(r.opened_at), Cell(r.name, suppress_count(people)))
        a.organisations = answered
        a.by["organisation"] = dict(answered)
        responded = [o for o, n in answers.items() if n]
        by_sector: dict[Hashable, int] = defaultdict(int)
        by_place: dict[Hashable, int] = defaultdict(int)
        for o in responded:
            by_sector[org_sector.get(o, "")] += 1
            for p in org_places.get(o, set()) or {NOT_SAID}:
                by_place[p] += 1
        a.organisations_by = {"sector": dict(by_sector), "place": dict(by_place)}
        a.organisations_answering = len(responded)
        out.append(a)
    return out


@dataclass(frozen=True)
class Row:
    """One category's row of a breakdown: a cell per activity (its ``display``, or "–" where not asked)."""

    label: str
    cells: list[str]


@dataclass(frozen=True)
class Breakdown:
    key: str
    title: str
    columns: list[str]
    rows: list[Row]
    note: str = ""


@dataclass(frozen=True)
class OrganisationRow:
    """One organisation: its people in each round (as each round's page shows them; "–" where the round does not
    record organisations) and the commitments it made or joined."""

    organisation: str
    sector: str
    cells: list[str]
    commitments: int


@dataclass
class Participation:
    system: System
    activities: list[Activity]
    people_by: list[Breakdown]
    organisations_by: list[Breakdown]
    organisations: list[OrganisationRow]
    organisation_columns: list[str]
    never: list[str]
    not_known: list[str]
    commitments_by_month: list[
        tuple[date, int, int]
    ]  # month, commitments made, organisations first committing
    owners_by: list[Breakdown]
    pulse_results: list[RoundResults] = field(default_factory=list)
    n_organisations: int = 0

    @property
    def conversations(self) -> list[Activity]:
        return [a for a in self.activities if a.kind == CONVERSATION]

    @property
    def surveys(self) -> list[Activity]:
        return [a for a in self.activities if a.kind == SURVEY]

    @property
    def pulses(self) -> list[Activity]:
        return [a for a in self.activities if a.kind == PULSE]


def _labels(system: System) -> dict[str, dict[Hashable, str]]:
    sectors: dict[Hashable, str] = {k: str(v) for k, v in Sector.choices}
    places: dict[Hashable, str] = dict(
        Place.objects.filter(system=system).order_by("name").values_list("pk", "name")
    )
    communities: dict[Hashable, str] = dict(
        Community.objects.filter(system=system).order_by("name").values_list("pk", "name")
    )
    return {
        "sector": {**sectors, NOT_SAID: "Not said"},
        "place": {**places, NOT_SAID: "Not said"},
        "community": communities,
    }


_TITLES = {
    "sector": "By sector",
    "place": "By place",
    "community": "By community",
    "organisation": "By organisation",
}


def _people_breakdowns(activities: list[Activity], labels: dict[str, dict[Hashable, str]]) -> list[Breakdown]:
    """People by sector, place and community: one column per conversation and pulse round that asks it."""
    out = []
    for key in ("sector", "place", "community"):
        columns = [a for a in activities if key in a.by]
        if not columns:
            continue
        rows = []
        for k, label in labels[key].items():
            cells = [a.by[key][k].display if k in a.by[key] else NOT_ASKED for a in columns]
            if all(a.by[key].get(k) is not None and a.by[key][k].count == 0 for a in columns):
                continue  # nobody of this category in any of them
            rows.append(Row(label, cells))
        note = (
            "People can belong to several communities, or none, so a column does not add up to its total."
            if key == "community"
            else ""
        )
        out.append(Breakdown(key, _TITLES[key], [a.short for a in columns], rows, note))
    return out


def _organisation_breakdowns(
    activities: list[Activity], labels: dict[str, dict[Hashable, str]]
) -> list[Breakdown]:
    """Organisations that answered each survey round, by sector and place (organisations: counted as they are)."""
    surveys = [a for a in activities if a.kind == SURVEY]
    out = []
    for key in ("sector", "place"):
        if not surveys:
            break
        rows = []
        for k, label in labels[key].items():
            counts = [a.organisations_by.get(key, {}).get(k, 0) for a in surveys]
            if any(counts):
                rows.append(Row(label, [f"{n:,}" for n in counts]))
        out.append(Breakdown(key, _TITLES[key], [a.short for a in surveys], rows))
    return out


def _commitment_rows(system: System) -> tuple[list[tuple[Any, Any, Any]], dict[int, int]]:
    """Each commitment's owner (organisation, community group) and when it was made; and how many commitments
    each organisation made or joined. Two queries, whatever the number of commitments."""
    owners: list[tuple[Any, Any, Any]] = list(
        Commitment.objects.filter(aim__system=system)
        .order_by("created_at", "pk")
        .values_list("organisation_id", "community_id", "created_at")
    )
    by_org: dict[int, int] = defaultdict(int)
    for org, _community, _at in owners:
        if org is not None:
            by_org[org] += 1
    partners = Commitment.partners.through.objects.filter(commitment__aim__system=system).values_list(
        "organisation_id", flat=True
    )
    for org in partners:
        by_org[org] += 1
    return owners, dict(by_org)


def _by_month(owners: list[tuple[int | None, int | None, Any]]) -> list[tuple[date, int, int]]:
    """Per month from the first commitment: commitments made, and organisations or groups making their first."""
    if not owners:
        return []
    made: dict[date, int] = defaultdict(int)
    first: dict[date, int] = defaultdict(int)
    seen: set[tuple[int | None, int | None]] = set()
    for org, community, at in owners:
        month = _month(at)
        made[month] += 1
        if (org, community) not in seen:
            seen.add((org, community))
            first[month] += 1
    months = []
    at, last = min(made), max(made)
    while at <= last:
        months.append((at, made.get(at, 0), first.get(at, 0)))
        at = date(at.year + at.month // 12, at.month % 12 + 1, 1)
    return months


def _owners_by(
    owners: list[tuple[int | None, int | None, Any]],
    org_sector: dict[int, str],
    org_places: dict[int, set[Any]],
    labels: dict[str, dict[Hashable, str]],
) -> list[Breakdown]:
    """Commitments and the organisations or community groups making them, by sector, place and community group
    (organisations and commitments are not people: counted as they are)."""
    tallies: dict[str, dict[Any, list[Any]]] = {
        "sector": defaultdict(lambda: [set(), 0]),
        "place": defaultdict(lambda: [set(), 0]),
        "community": defaultdict(lambda: [set(), 0]),
    }
    for org, community, _at in owners:
        if org is not None:
            keys = {
                "sector": [org_sector.get(org, "")],
                "place": list(org_places.get(org, set()) or {NOT_SAID}),
            }
            for key, values in keys.items():
                for k in values:
                    tallies[key][k][0].add(org)
                    tallies[key][k][1] += 1
        elif community is not None:
            tallies["community"][community][0].add(community)
            tallies["community"][community][1] += 1
    out = []
    for key in ("sector", "place", "community"):
        rows = [
            Row(label, [f"{len(tallies[key][k][0]):,}", f"{tallies[key][k][1]:,}"])
            for k, label in labels[key].items()
            if k in tallies[key]
        ]
        if rows:
            who = "Community groups" if key == "community" else "Organisations"
            out.append(Breakdown(key, _TITLES[key], [who, "Commitments"], rows))
    return out


def _took_part(cell: Cell | None) -> bool | None:
    """True: someone took part; False: nobody (a zero shown); None: not known (withheld)."""
    if cell is None or cell.count == 0:
        return False
    if cell.status == "withheld":
        return None
    return True


def _organisations(
    system: System, activities: list[Activity], by_org: dict[int, int]
) -> tuple[list[OrganisationRow], list[str], list[str]]:
    orgs = (
        Organisation.objects.filter(system=system).order_by("name", "pk").values_list("pk", "name", "sector")
    )
    sectors = {k: str(v) for k, v in Sector.choices}
    rows: list[OrganisationRow] = []
    never: list[str] = []
    not_known: list[str] = []
    for pk, name, sector in orgs:
        seen = [_took_part(a.organisations.get(pk)) for a in activities if a.organisations]
        if by_org.get(pk):
            seen.append(True)
        if not any(s is True for s in seen):
            (not_known if any(s is None for s in seen) else never).append(name)
        cells = [a.organisations[pk].display if pk in a.organisations else NOT_ASKED for a in activities]
        rows.append(OrganisationRow(name, sectors.get(sector, sector), cells, by_org.get(pk, 0)))
    return rows, never, not_known


def _org_places(system: System) -> dict[int, set[Any]]:
    places: dict[int, set[Any]] = defaultdict(set)
    for org, place in Organisation.places.through.objects.filter(organisation__system=system).values_list(
        "organisation_id", "place_id"
    ):
        places[org].add(place)
    return dict(places)


def build_participation(system: System) -> Participation:
    """Everything the dashboard shows. Its queries grow with the conversations and rounds (each read through its
    own publication), never with the aims, commitments or progress updates."""
    labels = _labels(system)
    org_sector = dict(Organisation.objects.filter(system=system).values_list("pk", "sector"))
    org_places = _org_places(system)
    org_ids = sorted(org_sector)
    pulses, results = _pulse(system)
    activities = sorted(
        [*_conversations(system, org_ids), *_survey(system, org_sector, org_places), *pulses],
        key=lambda a: (a.on, list(KIND_LABELS).index(a.kind), a.pk),
    )
    owners, by_org = _commitment_rows(system)
    rows, never, not_known = _organisations(system, activities, by_org)
    return Participation(
        system=system,
        activities=activities,
        people_by=_people_breakdowns(activities, labels),
        organisations_by=_organisation_breakdowns(activities, labels),
        organisations=rows,
        organisation_columns=[a.label for a in activities],
        never=never,
        not_known=not_known,
        commitments_by_month=_by_month(owners),
        owners_by=_owners_by(owners, org_sector, org_places, labels),
        pulse_results=results,
        n_organisations=len(org_ids),
    )
