"""The arithmetic of representation, pure numpy: participation ratios with intervals, their plain words, raking
weights per stratum, and agreement reweighted with them.

**Ratio.** In one dimension (say age band), of the ``n`` participants who gave an answer, ``x`` gave category
``c``; ``c``'s share of the population is ``pi``. The participation ratio is ``(x / n) / pi``: 1 means they took
part in proportion, 1/3 "at a third of their share". The interval is the Wilson score interval of ``x / n``
divided by ``pi``. The population share is treated as known: it comes from the Census (thousands of people per
place), so its error is small beside the participants' (tens or hundreds); the Wilson interval stays inside
[0, 1], is good for small and zero counts (a category with nobody gets an upper bound above 0, not a point at
0), and dividing by a constant keeps its coverage. docs/communities.md says why not a log-ratio interval.

**Raking.** The weights come from the engine (:func:`commonweal.analysis.representation.rake_weights`). Everyone
in one stratum (the same answer in every raked dimension) gets the same weight, so the people are counted per
stratum in one query and expanded to one entry each only here; the votes are counted per stratum and statement
the same way, and the weighted agreement sums over strata. That is exactly the engine's
:func:`~commonweal.analysis.representation.reweighted_agreement` on the same people (a test checks it), in
O(strata x statements) instead of O(votes).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from commonweal.analysis.representation import rake_weights
from commonweal.analysis.uncertainty import wilson_interval

__all__ = [
    "CONFIDENCE",
    "MIN_EFFECTIVE",
    "Agreement",
    "Raking",
    "Ratio",
    "rake_strata",
    "ratio_words",
    "participation_ratio",
    "weighted_agreement",
]

#: Two-sided confidence of the ratios' and the agreements' intervals.
CONFIDENCE = 0.95
#: A statement's reweighted agreement is shown only where its voters' effective sample size is at least this.
MIN_EFFECTIVE = 30

Stratum = tuple[Hashable, ...]


@dataclass(frozen=True)
class Ratio:
    """A participation ratio and its interval (None where the population share is 0)."""

    ratio: float | None
    lower: float | None
    upper: float | None

    @property
    def below(self) -> bool:
        """The whole interval is under 1: fewer took part than their share, beyond chance."""
        return self.upper is not None and self.upper < 1

    @property
    def above(self) -> bool:
        return self.lower is not None and self.lower > 1


def participation_ratio(x: int, n: int, share: float, confidence: float = CONFIDENCE) -> Ratio:
    """``(x / n) / share`` with the Wilson interval of ``x / n`` divided by ``share``."""
    if share <= 0 or n <= 0:
        return Ratio(None, None, None)
    lo, hi = wilson_interval(np.array([x]), np.array([n]), confidence)
    return Ratio((x / n) / share, (0.0 if x == 0 else float(lo[0])) / share, min(1.0, float(hi[0])) / share)


_FRACTIONS = (
    (Fraction(1, 10), "a tenth of"),
    (Fraction(1, 5), "a fifth of"),
    (Fraction(1, 4), "a quarter of"),
    (Fraction(1, 3), "a third of"),
    (Fraction(1, 2), "half"),
    (Fraction(2, 3), "two thirds of"),
    (Fraction(3, 4), "three quarters of"),
)
_MULTIPLES = ((1.5, "one and a half times"), (2, "twice"), (3, "three times"), (4, "four times"))


def ratio_words(ratio: float) -> str:
    """The ratio in plain words, as in "took part at ___ their share": "a third of", "half", "about", "twice"."""
    if ratio <= 0:
        return "none of"
    if 0.9 <= ratio <= 1.1:
        return "about"
    if ratio < 1:
        if ratio < 0.075:
            return "less than a tenth of"
        return min(_FRACTIONS, key=lambda f: abs(float(f[0]) - ratio))[1]
    if ratio > 4.5:
        return f"{round(ratio)} times"
    return min(_MULTIPLES, key=lambda m: abs(m[0] - ratio))[1]


@dataclass(frozen=True)
class Raking:
    """Weights per stratum toward the population's margins, and how well they did."""

    dimensions: tuple[str, ...]
    weights: dict[Stratum, float]  # stratum -> each of its people's weight (0: left out)
    effective_sample_size: float
    weighted: int
    excluded: int
    converged: bool
    max_margin_error: float


def rake_strata(
    people: Mapping[Stratum, int], dimensions: Sequence[str], targets: Mapping[str, Mapping[Hashable, float]]
) -> Raking:
    """Raking weights for the people of each stratum (a tuple of answers, one per dimension in order; None for
    no answer). People with no answer, or one outside the targets, in a raked dimension carry no weight.

    Raises :class:`~commonweal.analysis.errors.AnalysisInputError` when the targets cannot be reached (no one
    took part from any category with a target, say)."""
    strata = [s for s, n in people.items() if n > 0]
    sizes = np.array([people[s] for s in strata], dtype=np.int64)
    labels = {
        dim: np.repeat(np.array([_label(s[i]) for s in strata], dtype=object), sizes)
        for i, dim in enumerate(dimensions)
    }
    result = rake_weights(
        labels,
        {dim: {str(k): v for k, v in targets[dim].items()} for dim in dimensions},
        on_empty="renormalise",
        unlisted="exclude",
    )
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1])) if sizes.size else np.array([], dtype=np.int64)
    weights = {s: float(result.weights[start]) for s, start in zip(strata, starts, strict=True)}
    return Raking(
        dimensions=tuple(dimensions),
        weights=weights,
        effective_sample_size=result.effective_sample_size,
        weighted=int(result.included.sum()),
        excluded=result.n_excluded,
        converged=result.converged,
        max_margin_error=result.max_margin_error,
    )


def _label(value: Hashable) -> str | None:
    return None if value in (None, "") else str(value)


@dataclass(frozen=True)
class Agreement:
    """One statement's agreement: raw, and reweighted with its voters' effective sample size and interval."""

    statement: int
    voters: int
    agree: int
    share: float | None
    weighted_share: float | None
    effective_voters: float
    lower: float | None
    upper: float | None

    @property
    def enough(self) -> bool:
        """Whether the reweighted figure may be shown (effective sample of :data:`MIN_EFFECTIVE` or more)."""
        return self.weighted_share is not None and self.effective_voters >= MIN_EFFECTIVE


def weighted_agreement(
    votes: Mapping[tuple[int, Stratum], tuple[int, int]],
    weights: Mapping[Stratum, float],
    statements: Sequence[int],
    confidence: float = CONFIDENCE,
) -> list[Agreement]:
    """Each statement's agreement from its votes per stratum, ``(statement, stratum) -> (agrees, voters)``
    (passes count as voters), raw and with each stratum's weight: the weighted share, the Kish effective
    number of its voters ``(sum w)^2 / sum w^2`` and the Wilson interval at that size, as the engine does."""
    index = {s: i for i, s in enumerate(statements)}
    k = len(statements)
    agree, voted, w_agree, w_voted, w2_voted = (np.zeros(k) for _ in range(5))
    for (statement, stratum), (agrees, voters) in votes.items():
        i = index.get(statement)
        if i is None:
            continue
        w = weights.get(stratum, 0.0)
        agree[i] += agrees
        voted[i] += voters
        w_agree[i] += w * agrees
        w_voted[i] += w * voters
        w2_voted[i] += w * w * voters
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(voted > 0, agree / np.maximum(voted, 1), np.nan)
        wshare = np.where(w_voted > 0, w_agree / np.where(w_voted > 0, w_voted, 1), np.nan)
        ess = np.where(w2_voted > 0, w_voted**2 / np.where(w2_voted > 0, w2_voted, 1), 0.0)
    lo, hi = wilson_interval(np.nan_to_num(wshare) * ess, ess, confidence)
    return [
        Agreement(
            statement=statement,
            voters=int(voted[i]),
            agree=int(agree[i]),
            share=_num(share[i]),
            weighted_share=_num(wshare[i]),
            effective_voters=float(ess[i]),
            lower=_num(lo[i]) if ess[i] > 0 else None,
            upper=_num(hi[i]) if ess[i] > 0 else None,
        )
        for statement, i in index.items()
    ]


def _num(value: float) -> float | None:
    return None if not np.isfinite(value) else float(value)
