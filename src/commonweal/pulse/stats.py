"""The pulse's statistics, on plain numpy arrays (no database): docs/pulse.md works an example by hand.

- A respondent's score on a dimension is the mean of their answers to its items (1 to 5).
- A round's distribution counts respondents by their score rounded to the nearest whole point (halves up), so
  it reads on the 1 to 5 scale people answered.
- The change between two rounds is the difference of the mean scores, with Welch's t interval (95%): the two
  rounds are different people (answers are anonymous, so nobody can be paired), of different sizes and
  spreads. A change is called a rise or a fall only when the whole interval is on one side of zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats as sps

BANDS = (1, 2, 3, 4, 5)
#: The confidence of the intervals of change.
CONFIDENCE = 0.95
#: Fewer respondents than this in either round and the change is not judged (the interval would mean little).
MIN_FOR_CHANGE = 10


def bands(scores: ArrayLike) -> dict[int, int]:
    """How many scores round (halves up) to each of 1..5."""
    values = np.asarray(scores, dtype=float)
    rounded = np.floor(values + 0.5).astype(int).clip(1, 5)
    counts = np.bincount(rounded, minlength=6)
    return {b: int(counts[b]) for b in BANDS}


def median(scores: ArrayLike) -> float | None:
    values = np.asarray(scores, dtype=float)
    return float(np.median(values)) if values.size else None


def mean(scores: ArrayLike) -> float | None:
    values = np.asarray(scores, dtype=float)
    return float(values.mean()) if values.size else None


@dataclass(frozen=True)
class Difference:
    """The change of a mean from one round (``before``) to the next (``after``), with its interval."""

    before: float
    after: float
    difference: float
    low: float
    high: float
    df: float
    n_before: int
    n_after: int

    @property
    def direction(self) -> str:
        """``rose``, ``fell`` or ``no_change`` (the interval includes zero)."""
        if self.low > 0:
            return "rose"
        if self.high < 0:
            return "fell"
        return "no_change"


def welch(before: ArrayLike, after: ArrayLike, confidence: float = CONFIDENCE) -> Difference | None:
    """The difference of means ``after - before`` with Welch's t interval; None with fewer than
    :data:`MIN_FOR_CHANGE` scores in either round."""
    a = np.asarray(before, dtype=float)
    b = np.asarray(after, dtype=float)
    n1, n2 = a.size, b.size
    if n1 < MIN_FOR_CHANGE or n2 < MIN_FOR_CHANGE:
        return None
    m1, m2 = float(a.mean()), float(b.mean())
    v1, v2 = float(a.var(ddof=1)) / n1, float(b.var(ddof=1)) / n2
    se = math.sqrt(v1 + v2)
    diff = m2 - m1
    if se == 0:  # everyone answered alike in both rounds: the difference is exact
        return Difference(m1, m2, diff, diff, diff, float(n1 + n2 - 2), n1, n2)
    df = (v1 + v2) ** 2 / (v1**2 / (n1 - 1) + v2**2 / (n2 - 1))
    half = float(sps.t.ppf(0.5 + confidence / 2, df)) * se
    return Difference(m1, m2, diff, diff - half, diff + half, df, n1, n2)
