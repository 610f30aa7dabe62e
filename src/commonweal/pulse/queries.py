"""Read-only lookups of the pulse, and its results through the disclosure layer.

Two functions are for other apps as well as this one's pages (the strategy app's "a year later" page reads
them): :func:`round_results` (one round's distributions and medians by sector and place, every count through
:mod:`commonweal.core.small_numbers`) and :func:`change_between` (each dimension's change from one round to
another, with its interval and in plain words). Both return frozen dataclasses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import connections
from django.db.models import Count, Q, QuerySet

from commonweal.core.errors import NotFound
from commonweal.core.small_numbers import SHOWN, Cell, Disclosure, Publication, PublishedTable
from commonweal.pulse import stats
from commonweal.pulse.models import DIMENSION_LABELS, DIMENSIONS, PulseLink, PulseResponse, PulseRound
from commonweal.systems.models import Sector, System

#: The key of people who did not say their place (or came through the public link, in the links table).
NOT_SAID = "not said"
PUBLIC_LINK = "public link"
RESPONDENTS = "respondents"


def get_round(system: System, round_id: int) -> PulseRound:
    found = PulseRound.objects.filter(system=system, pk=round_id).select_related("system").first()
    if found is None:
        raise NotFound("That pulse round is not in this system: it may have been deleted.")
    return found


def rounds_of(system: System) -> QuerySet[PulseRound]:
    """The system's rounds, newest first, each with ``n_responses`` and ``n_pending`` (texts to moderate)."""
    return (
        PulseRound.objects.filter(system=system)
        .annotate(
            n_responses=Count("responses"),
            n_pending=Count("responses", filter=Q(responses__moderation=PulseResponse.Moderation.PENDING)),
        )
        .order_by("-created_at", "-pk")
    )


def previous_round(pulse_round: PulseRound) -> PulseRound | None:
    """The round of the same system opened most recently before this one (None for the first)."""
    if pulse_round.opened_at is None:
        return None
    return (
        PulseRound.objects.filter(system_id=pulse_round.system_id, opened_at__lt=pulse_round.opened_at)
        .order_by("-opened_at", "-pk")
        .first()
    )


def link_for(token: str) -> tuple[PulseRound, PulseLink | None]:
    """The round (and organisation link, when it is one) of a respondent's link; :class:`NotFound` if none."""
    found = PulseRound.objects.select_related("system").filter(token=token).first()
    if found is not None:
        return found, None
    link = PulseLink.objects.select_related("round__system", "organisation").filter(token=token).first()
    if link is None:
        raise NotFound(
            "We could not find a pulse survey at this link. Check the link or QR code you were given, or ask "
            "the person who sent it."
        )
    return link.round, link


def pending_texts(pulse_round: PulseRound) -> QuerySet[PulseResponse]:
    """The "what would help" answers waiting for a facilitator, oldest first."""
    return pulse_round.responses.filter(moderation=PulseResponse.Moderation.PENDING).order_by(
        "submitted_at", "pk"
    )


def accepted_texts(pulse_round: PulseRound) -> list[str]:
    """The "what would help" answers a facilitator accepted: the only ones anyone else may see (no sector,
    organisation or place beside them)."""
    return list(
        pulse_round.responses.filter(moderation=PulseResponse.Moderation.ACCEPTED)
        .order_by("submitted_at", "pk")
        .values_list("what_would_help", flat=True)
    )


# --- Results -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scores:
    """One round's responses as arrays, one entry per respondent: each breakdown's code (an index into its
    ``keys``) and each dimension's score."""

    keys: dict[str, list[Any]]  # breakdown ("sector", "place", "link") -> its keys, in the order shown
    codes: dict[str, np.ndarray]
    by_dimension: dict[str, np.ndarray]

    @property
    def n(self) -> int:
        return int(next(iter(self.by_dimension.values())).size)


def _fetch(qs: QuerySet[Any]) -> list[tuple[Any, ...]]:
    """The rows of a ``values_list`` query as the database driver gives them: for 20,000 rows, a fraction of the
    time Django's row-by-row iteration takes."""
    sql, params = qs.query.sql_with_params()
    with connections[qs.db].cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def _dimension_scores(pulse_round: PulseRound) -> dict[str, np.ndarray]:
    rows = _fetch(PulseResponse.objects.filter(round=pulse_round).order_by().values_list(*DIMENSIONS))
    table = np.array(rows, dtype=float).reshape(-1, len(DIMENSIONS))
    return {d: table[:, i] for i, d in enumerate(DIMENSIONS)}


def load_scores(pulse_round: PulseRound, labels: dict[str, dict[Any, str]] | None = None) -> Scores:
    """A round's responses as arrays; ``labels`` (breakdown -> key -> label) are the system's by default."""
    labels = labels or breakdowns(pulse_round.system)
    qs = PulseResponse.objects.filter(round=pulse_round).order_by()
    rows = _fetch(qs.values_list("sector", "place_id", "link__organisation_id", *DIMENSIONS))
    n = len(rows)
    columns = list(zip(*rows, strict=True)) if rows else [()] * (3 + len(DIMENSIONS))
    keys = {name: list(labels[name]) for name in ("sector", "place", "link")}
    codes = {}
    for j, name in enumerate(("sector", "place", "link")):
        index = {k: i for i, k in enumerate(keys[name])}
        missing = index.get(0, 0)  # no place, or the public link
        codes[name] = np.fromiter((index.get(v or 0, missing) for v in columns[j]), dtype=np.int64, count=n)
    by_dimension = {d: np.fromiter(columns[3 + i], dtype=float, count=n) for i, d in enumerate(DIMENSIONS)}
    return Scores(keys, codes, by_dimension)


@dataclass(frozen=True)
class GroupRow:
    """One sector or place: how many answered, the median on the dimension (only when that count is shown
    exactly) and the distribution's cells (withheld with the group)."""

    key: Any
    label: str
    people: Cell
    median: float | None
    distribution: dict[int, Cell]

    @property
    def bands(self) -> list[Cell]:
        return [self.distribution[b] for b in stats.BANDS]

    @property
    def answered(self) -> bool:
        """Whether anyone of this group answered (zero rows are left out of the pages' tables)."""
        return self.people.count != 0


@dataclass(frozen=True)
class DimensionResult:
    dimension: str
    label: str
    mean: float | None
    median: float | None
    distribution: dict[int, Cell]
    by_sector: list[GroupRow]
    by_place: list[GroupRow]
    notes: tuple[str, ...]

    @property
    def bands(self) -> list[Cell]:
        return [self.distribution[b] for b in stats.BANDS]


@dataclass(frozen=True)
class RoundResults:
    """One round's results as published: every count is a :class:`Cell` of ``publication``."""

    round: PulseRound
    respondents: int
    sector: PublishedTable
    place: PublishedTable
    links: list[tuple[str, Cell]]  # (the organisation, or "Public link"; people who used it)
    link_notes: tuple[str, ...]
    dimensions: list[DimensionResult]
    publication: Publication
    texts: list[str]
    scores: Scores


def breakdowns(system: System) -> dict[str, dict[Any, str]]:
    """The keys and labels of each breakdown of a round of ``system``: sector, place (0: not said) and the link
    used (an organisation's id; 0: the public link)."""
    places: dict[Any, str] = dict(system.places.order_by("name").values_list("pk", "name"))
    places[0] = "Not said"
    links: dict[Any, str] = dict(
        PulseLink.objects.filter(round__system=system)
        .order_by("organisation__name")
        .values_list("organisation_id", "organisation__name")
        .distinct()
    )
    links[0] = "Public link"
    return {"sector": {key: str(label) for key, label in Sector.choices}, "place": places, "link": links}


def _register(d: Disclosure, s: Scores) -> None:
    everyone = d.total(RESPONDENTS, s.n)
    tables = {}
    for name, keys in s.keys.items():
        counts = np.bincount(s.codes[name], minlength=len(keys))
        tables[name] = d.table(name, dict(zip(keys, counts.tolist(), strict=True)), total=everyone)
    for dim in DIMENSIONS:
        scores = s.by_dimension[dim]
        band = np.floor(scores + 0.5).astype(np.int64).clip(1, 5) - 1
        dist = d.table(dim, stats.bands(scores), total=everyone, people=False)
        for name in ("sector", "place"):
            keys = s.keys[name]
            grid = np.bincount(s.codes[name] * 5 + band, minlength=len(keys) * 5).reshape(len(keys), 5)
            cells = {(k, b): int(grid[i, b - 1]) for i, k in enumerate(keys) for b in stats.BANDS}
            d.cross(f"{dim} by {name}", cells, rows=tables[name], cols=dist, people=False)


def _rows(p: Publication, s: Scores, dim: str, name: str, labels: dict[Any, str]) -> list[GroupRow]:
    table = p[name]
    cross = p[f"{dim} by {name}"]
    scores, codes = s.by_dimension[dim], s.codes[name]
    out = []
    for i, (key, label) in enumerate(labels.items()):
        cell = table.cells[key]
        shown = cell.status == SHOWN and cell.count
        out.append(
            GroupRow(
                key=key,
                label=label,
                people=cell,
                median=stats.median(scores[codes == i]) if shown else None,
                distribution={b: cross.cells[(key, b)] for b in stats.BANDS},
            )
        )
    return out


def _notes(p: Publication, dim: str) -> tuple[str, ...]:
    """What to say under a dimension's tables by sector and place (each note once)."""
    names = ("sector", "place", f"{dim} by sector", f"{dim} by place")
    return tuple(dict.fromkeys(note for name in names for note in p[name].notes))


def publish(s: Scores) -> Publication:
    """Every table of a round through one :class:`Disclosure`: respondents by sector, place and link, and each
    dimension's distribution overall and by sector and place (two-way, hidden with their groups)."""
    d = Disclosure()
    _register(d, s)
    return d.publish()


def round_results(pulse_round: PulseRound) -> RoundResults:
    """One round's results: per dimension the mean, the median and the distribution (1 to 5), and the same by
    sector and by place, all counts through one publication (small cells "fewer than 5", complementary
    suppression across every table of the round)."""
    dims = breakdowns(pulse_round.system)
    s = load_scores(pulse_round, dims)
    p = publish(s)
    dimensions = [
        DimensionResult(
            dimension=dim,
            label=str(DIMENSION_LABELS[dim]),
            mean=stats.mean(s.by_dimension[dim]),
            median=stats.median(s.by_dimension[dim]),
            distribution={b: p[dim].cells[b] for b in stats.BANDS},
            by_sector=_rows(p, s, dim, "sector", dims["sector"]),
            by_place=_rows(p, s, dim, "place", dims["place"]),
            notes=_notes(p, dim),
        )
        for dim in DIMENSIONS
    ]
    return RoundResults(
        round=pulse_round,
        respondents=s.n,
        sector=p["sector"],
        place=p["place"],
        links=[(label, p["link"].cells[key]) for key, label in dims["link"].items()],
        link_notes=p["link"].notes,
        dimensions=dimensions,
        publication=p,
        texts=accepted_texts(pulse_round),
        scores=s,
    )


# --- Change between rounds -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DimensionChange:
    dimension: str
    label: str
    difference: stats.Difference | None  # None: too few answers in a round to judge
    sentence: str


@dataclass(frozen=True)
class Change:
    """Each dimension's change from round ``before`` to round ``after``, and the whole in one sentence."""

    before: PulseRound
    after: PulseRound
    dimensions: list[DimensionChange]
    summary: str


def _sentence(label: str, diff: stats.Difference | None) -> str:
    if diff is None:
        return f"{label}: too few answers in one of the rounds to say whether it changed"
    span = f"95% interval {diff.low:+.1f} to {diff.high:+.1f} points"
    if diff.direction == "rose":
        return f"{label} rose from {diff.before:.1f} to {diff.after:.1f} ({span})"
    if diff.direction == "fell":
        return f"{label} fell from {diff.before:.1f} to {diff.after:.1f} ({span})"
    return f"{label} did not change ({diff.before:.1f} then {diff.after:.1f}; {span})"


def _short(label: str, diff: stats.Difference | None, first: bool) -> str:
    name = label if first else label.lower()
    if diff is None:
        return f"{name} had too few answers to judge"
    if diff.direction == "no_change":
        return f"{name} did not change"
    verb = "rose" if diff.direction == "rose" else "fell"
    return f"{name} {verb} from {diff.before:.1f} to {diff.after:.1f}"


def change_between(
    before: PulseRound, after: PulseRound, *, after_scores: dict[str, np.ndarray] | None = None
) -> Change:
    """How each dimension's mean score changed from ``before`` to ``after``: Welch's difference of means with a
    95% interval (docs/pulse.md says why), and in plain words ("Direction rose from 2.9 to 3.4; alignment did
    not change"). ``after_scores``: ``after``'s scores when the caller has read them (``RoundResults.scores``)."""
    a = _dimension_scores(before)
    b = after_scores if after_scores is not None else _dimension_scores(after)
    changes = []
    for dim in DIMENSIONS:
        label = str(DIMENSION_LABELS[dim])
        diff = stats.welch(a[dim], b[dim])
        changes.append(DimensionChange(dim, label, diff, _sentence(label, diff)))
    summary = "; ".join(_short(c.label, c.difference, i == 0) for i, c in enumerate(changes)) + "."
    return Change(before, after, changes, summary)


def latest_change(system: System) -> Change | None:
    """The change from the round before to the most recently opened round of ``system`` (open or closed); None
    with fewer than two rounds opened. (``rounds_of`` lists rounds newest first.)"""
    latest = (
        PulseRound.objects.filter(system=system, opened_at__isnull=False)
        .order_by("-opened_at", "-pk")
        .first()
    )
    before = previous_round(latest) if latest is not None else None
    if latest is None or before is None:
        return None
    return change_between(before, latest)
