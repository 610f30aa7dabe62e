""" "A year later": whether things moved, over time. The relationship measures of each survey round (density,
reciprocity, intensity, trust, value, ties across sectors, centralisation), the pulse's three dimensions over its
rounds with the change between each round and the next, the commitments by status at the end of each month, and
who took part round by round (:mod:`commonweal.strategy.participation.build`).

Numbers about people come through the disclosure layer as on the pages they come from: the people answering a
survey round as the network page shows them (under 5: "fewer than 5"), the pulse's respondents and means as its
results page shows them. A round's mean trust and value are the mean over its ties of each rater's median, shown
only when 5 or more organisations (the small-number threshold) rated partners on them, as the map shows an
organisation's median trust only from 5 raters: fewer would let one organisation's answers be read off.
Commitments are not people and are counted as they are.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from statistics import fmean
from typing import Any

from django.db import connections
from django.db.models import QuerySet
from django.utils import timezone

from commonweal.analysis.network.measures import NetworkMeasures, summarise
from commonweal.analysis.network.types import RoundNetwork
from commonweal.core.small_numbers import Cell, fewer_than, suppress_count, threshold
from commonweal.network.graph import round_network
from commonweal.network.map.rounds import rounds_of
from commonweal.pulse.models import DIMENSION_LABELS, DIMENSIONS
from commonweal.pulse.queries import Change, RoundResults, change_between
from commonweal.strategy.models import Commitment, ProgressStatus, ProgressUpdate
from commonweal.strategy.participation.build import Participation, build_participation
from commonweal.systems.models import System

STATUS_LABELS = {k: str(v) for k, v in ProgressStatus.choices}
#: Months of commitments by status shown: the last two years at most.
MONTHS_SHOWN = 24


# Measures of a large round take a second or two; a round whose ratings have not changed gives the same
# RoundNetwork (frozen, so it can be the key), and its measures are kept.
@lru_cache(maxsize=32)
def _summarise(net: RoundNetwork) -> NetworkMeasures:
    return summarise(net)


@dataclass(frozen=True)
class RelationshipRound:
    """One survey round's measures, each as a figure and in words ("–" when it cannot be computed)."""

    name: str
    opened: date
    measures: NetworkMeasures
    people: Cell
    trust: float | None  # None: not computed, or too few organisations to show
    value: float | None
    trust_raters: int
    value_raters: int

    def shown(self, key: str) -> float | None:
        m = self.measures
        if key == "trust":
            return self.trust
        if key == "value":
            return self.value
        if key == "crossing":
            return None if m.ei_index is None else (1 + m.ei_index) / 2
        return getattr(m, key)  # type: ignore[no-any-return]


def _mean_of_ties(net: RoundNetwork, attr: str) -> tuple[float | None, int]:
    """The mean of the ties' ``attr`` (each the rater's median) and how many organisations gave one; the mean is
    None unless at least the small-number threshold of organisations did."""
    values = [(t.rater, getattr(t, attr)) for t in net.ties if getattr(t, attr) is not None]
    raters = len({r for r, _ in values})
    if raters < threshold():
        return None, raters
    return fmean(v for _, v in values), raters


def relationship_rounds(system: System) -> list[RelationshipRound]:
    """Every survey round with any answer, oldest first, with its measures."""
    out = []
    for r in rounds_of(system):
        net = round_network(r)
        if not net.responded:
            continue
        trust, trust_raters = _mean_of_ties(net, "trust")
        value, value_raters = _mean_of_ties(net, "value")
        out.append(
            RelationshipRound(
                r.name,
                timezone.localtime(r.opened_at).date(),
                _summarise(net),
                Cell(r.name, suppress_count(_people(r))),
                trust,
                value,
                trust_raters,
                value_raters,
            )
        )
    return out


def _people(survey_round: Any) -> int:
    """People who answered the round (rated at least one partner), counted and never named."""
    return int(
        survey_round.invitations.filter(responses__ratings__intensity__isnull=False)
        .values("responses")
        .distinct()
        .count()
    )


def _share(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _score(value: float | None, raters: int) -> str:
    if value is not None:
        return f"{value:.1f} of 4"
    if raters:
        return f"Not shown: {fewer_than('organisations')} answered"
    return "–"


#: The rows of the table of relationship measures over rounds: (label, the round's figure in words).
MEASURE_ROWS: list[tuple[str, Any]] = [
    ("Organisations answering", lambda r: f"{r.measures.n_responded:,} of {r.measures.n_organisations:,}"),
    ("People answering", lambda r: r.people.display),
    ("Ties", lambda r: f"{r.measures.n_ties:,}"),
    ("Density (0 to 1)", lambda r: _share(r.measures.density)),
    ("Reciprocity (0 to 1)", lambda r: _share(r.measures.reciprocity)),
    ("Share of ties across sectors (0 to 1)", lambda r: _share(r.shown("crossing"))),
    ("Centralisation (0 to 1)", lambda r: _share(r.measures.centralisation)),
    (
        "Average intensity (0 to 4)",
        lambda r: "–" if r.measures.mean_intensity is None else f"{r.measures.mean_intensity:.1f}",
    ),
    ("Average trust (1 to 4)", lambda r: _score(r.trust, r.trust_raters)),
    ("Average value of the relationship (1 to 4)", lambda r: _score(r.value, r.value_raters)),
    ("Isolated organisations", lambda r: f"{len(r.measures.isolated):,}"),
]

#: The measures on a 0 to 1 scale, and those on the 1 to 4 (0 to 4) scale of the survey's answers.
SHARE_SERIES = [
    ("density", "Density"),
    ("reciprocity", "Reciprocity"),
    ("crossing", "Share of ties across sectors"),
    ("centralisation", "Centralisation"),
]
SCORE_SERIES = [("mean_intensity", "Intensity"), ("trust", "Trust"), ("value", "Value")]


# --- The pulse over rounds ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PulseRow:
    name: str
    opened: date
    respondents: int
    means: dict[str, float | None]
    change: Change | None  # from the round before


def pulse_rows(results: list[RoundResults]) -> list[PulseRow]:
    """Each opened round's respondents and mean per dimension (as its results page shows them), oldest first,
    with the change from the round before."""
    out = []
    for i, res in enumerate(results):
        change = None
        if i and res.respondents and results[i - 1].respondents:
            change = change_between(results[i - 1].round, res.round, after_scores=res.scores.by_dimension)
        means = {d.dimension: d.mean for d in res.dimensions}
        opened = res.round.opened_at or res.round.created_at
        out.append(
            PulseRow(res.round.name, timezone.localtime(opened).date(), res.respondents, means, change)
        )
    return out


PULSE_SERIES = [(d, str(DIMENSION_LABELS[d])) for d in DIMENSIONS]


# --- Commitments by status over time ----------------------------------------------------------------------------


@dataclass(frozen=True)
class StatusMonth:
    month: date  # the month's first day; counted as at its last
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _next_month(d: date) -> date:
    return date(d.year + d.month // 12, d.month % 12 + 1, 1)


def _fetch(qs: QuerySet[Any]) -> list[tuple[Any, ...]]:
    """The rows of a ``values_list`` query as the database driver gives them: for 50,000 progress updates, a
    fraction of the time Django's conversion of each date takes."""
    sql, params = qs.query.sql_with_params()
    with connections[qs.db].cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def _day(value: Any) -> str:
    """A date or a time as the driver gives it (a string on SQLite, a date or datetime on PostgreSQL) as its ISO
    day, "2026-01-31": days as strings compare as dates do."""
    return str(value)[:10]


def commitments_by_status(system: System, today: date | None = None) -> list[StatusMonth]:
    """How many of the system's commitments stood at each status at the end of each month (today for this
    month), from the first commitment's month, the last ``MONTHS_SHOWN`` months at most. A commitment counts
    from the day it was made (UTC), at the status of its latest update by then ("not started" before any). Two
    queries, whatever the number of commitments and updates."""
    today = today or timezone.localdate()
    made = {
        pk: _day(at)
        for pk, at in _fetch(Commitment.objects.filter(aim__system=system).values_list("pk", "created_at"))
    }
    if not made:
        return []
    updates: dict[int, list[tuple[str, str]]] = defaultdict(list)
    rows = (
        ProgressUpdate.objects.filter(commitment__aim__system=system)
        .order_by("commitment_id", "on", "pk")
        .values_list("commitment_id", "on", "status")
    )
    for commitment, on, status in _fetch(rows):
        updates[commitment].append((_day(on), status))
    first = date.fromisoformat(min(made.values()))
    months = []
    at = date(first.year, first.month, 1)
    while at <= today:
        months.append(at)
        at = _next_month(at)
    months = months[-MONTHS_SHOWN:]
    ends = [min(_next_month(m) - timedelta(days=1), today).isoformat() for m in months]
    counts: list[dict[str, int]] = [dict.fromkeys(STATUS_LABELS, 0) for _ in months]
    for pk, created in made.items():
        timeline, i, status = updates.get(pk, []), 0, "not_started"
        for j, end in enumerate(ends):
            while i < len(timeline) and timeline[i][0] <= end:
                status = timeline[i][1]
                i += 1
            if created <= end:
                counts[j][status] = counts[j].get(status, 0) + 1
    return [StatusMonth(m, c) for m, c in zip(months, counts, strict=True)]


@dataclass
class YearLater:
    system: System
    participation: Participation
    relationships: list[RelationshipRound] = field(default_factory=list)
    pulse: list[PulseRow] = field(default_factory=list)
    statuses: list[StatusMonth] = field(default_factory=list)


def build_year_later(system: System, participation: Participation | None = None) -> YearLater:
    """Everything "a year later" shows; ``participation``: the dashboard's, when the caller has built it."""
    p = participation if participation is not None else build_participation(system)
    return YearLater(
        system=system,
        relationships=relationship_rounds(system),
        pulse=pulse_rows(p.pulse_results),
        statuses=commitments_by_status(system),
        participation=p,
    )
