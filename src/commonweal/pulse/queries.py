"""Read-only lookups of the pulse, and its results through the disclosure layer.

Two functions are for other apps as well as this one's pages (the strategy app's "a year later" page reads
them): :func:`round_results` (one round's distributions and medians by sector and place, every count through
:mod:`commonweal.core.small_numbers`) and :func:`change_between` (each dimension's change from one round to
another, with its interval and in plain words). Both return frozen dataclasses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
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
    """One round's responses as arrays, one entry per respondent."""

    sector: np.ndarray
    place: np.ndarray  # place id, 0 when not said
    link: np.ndarray  # organisation id of the link used, 0 for the public link
    by_dimension: dict[str, np.ndarray]

    @property
    def n(self) -> int:
        return int(self.sector.size)


def load_scores(pulse_round: PulseRound) -> Scores:
    rows = list(
        PulseResponse.objects.filter(round=pulse_round)
        .order_by()
        .values_list("sector", "place_id", "link__organisation_id", *DIMENSIONS)
    )
    if not rows:
        empty = np.zeros(0)
        return Scores(
            np.array([], dtype=object), empty.astype(int), empty.astype(int), dict.fromkeys(DIMENSIONS, empty)
        )
    columns = list(zip(*rows, strict=True))
    return Scores(
        sector=np.array(columns[0], dtype=object),
        place=np.array([p or 0 for p in columns[1]], dtype=int),
        link=np.array([o or 0 for o in columns[2]], dtype=int),
        by_dimension={d: np.array(columns[3 + i], dtype=float) for i, d in enumerate(DIMENSIONS)},
    )


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


def _labels(system: System) -> tuple[dict[Any, str], dict[Any, str], dict[Any, str]]:
    sectors: dict[Any, str] = {key: str(label) for key, label in Sector.choices}
    places: dict[Any, str] = dict(system.places.order_by("name").values_list("pk", "name"))
    places[0] = "Not said"
    links: dict[Any, str] = dict(
        PulseLink.objects.filter(round__system=system)
        .order_by("organisation__name")
        .values_list("organisation_id", "organisation__name")
        .distinct()
    )
    links[0] = "Public link"
    return sectors, places, links


def _counts(values: np.ndarray, keys: Sequence[Any]) -> dict[Any, int]:
    found, counts = np.unique(values, return_counts=True) if values.size else (np.array([]), np.array([]))
    by = {k: int(n) for k, n in zip(found.tolist(), counts.tolist(), strict=True)}
    return {k: by.get(k, 0) for k in keys}


def _register(d: Disclosure, s: Scores, dims: dict[str, dict[Any, str]]) -> None:
    everyone = d.total(RESPONDENTS, s.n)
    tables = {
        name: d.table(name, _counts(getattr(s, name), list(labels)), total=everyone)
        for name, labels in dims.items()
    }
    for dim in DIMENSIONS:
        scores = s.by_dimension[dim]
        rounded = np.floor(scores + 0.5).astype(int).clip(1, 5) if scores.size else scores.astype(int)
        dist = d.table(dim, stats.bands(scores), total=everyone, people=False)
        for name in ("sector", "place"):
            keys = list(dims[name])
            groups = getattr(s, name)
            cells = {
                (k, b): int(np.count_nonzero((groups == k) & (rounded == b)))
                for k in keys
                for b in stats.BANDS
            }
            d.cross(f"{dim} by {name}", cells, rows=tables[name], cols=dist, people=False)


def _rows(p: Publication, s: Scores, dim: str, name: str, labels: dict[Any, str]) -> list[GroupRow]:
    table = p[name]
    groups = getattr(s, name)
    cross = p[f"{dim} by {name}"]
    out = []
    for key, label in labels.items():
        cell = table.cells[key]
        shown = cell.status == SHOWN and cell.count
        out.append(
            GroupRow(
                key=key,
                label=label,
                people=cell,
                median=stats.median(s.by_dimension[dim][groups == key]) if shown else None,
                distribution={b: cross.cells[(key, b)] for b in stats.BANDS},
            )
        )
    return out


def publish(s: Scores, system: System) -> tuple[Publication, dict[str, dict[Any, str]]]:
    sectors, places, links = _labels(system)
    dims = {"sector": sectors, "place": places, "link": links}
    d = Disclosure()
    _register(d, s, dims)
    return d.publish(), dims


def round_results(pulse_round: PulseRound) -> RoundResults:
    """One round's results: per dimension the mean, the median and the distribution (1 to 5), and the same by
    sector and by place, all counts through one publication (small cells "fewer than 5", complementary
    suppression across every table of the round)."""
    s = load_scores(pulse_round)
    p, dims = publish(s, pulse_round.system)
    dimensions = [
        DimensionResult(
            dimension=dim,
            label=str(DIMENSION_LABELS[dim]),
            mean=stats.mean(s.by_dimension[dim]),
            median=stats.median(s.by_dimension[dim]),
            distribution={b: p[dim].cells[b] for b in stats.BANDS},
            by_sector=_rows(p, s, dim, "sector", dims["sector"]),
            by_place=_rows(p, s, dim, "place", dims["place"]),
            notes=tuple(dict.fromkeys(p[f"{dim} by sector"].notes + p[f"{dim} by place"].notes)),
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


def change_between(before: PulseRound, after: PulseRound) -> Change:
    """How each dimension's mean score changed from ``before`` to ``after``: Welch's difference of means with a
    95% interval (docs/pulse.md says why), and in plain words ("Direction rose from 2.9 to 3.4; alignment did
    not change")."""
    a, b = load_scores(before), load_scores(after)
    changes = []
    for dim in DIMENSIONS:
        label = str(DIMENSION_LABELS[dim])
        diff = stats.welch(a.by_dimension[dim], b.by_dimension[dim])
        changes.append(DimensionChange(dim, label, diff, _sentence(label, diff)))
    summary = "; ".join(_short(c.label, c.difference, i == 0) for i, c in enumerate(changes)) + "."
    return Change(before, after, changes, summary)
