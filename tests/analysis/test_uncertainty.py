"""Wilson intervals and group stability."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commonweal.analysis.errors import AnalysisInputError
from commonweal.analysis.simulate import simulate_conversation
from commonweal.analysis.uncertainty import (
    group_stability,
    share_intervals,
    wilson_interval,
    z_for_confidence,
)


def _wilson_by_hand(k: int, n: int, z: float) -> tuple[float, float]:
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


@pytest.mark.parametrize(
    ("k", "n", "confidence", "expected"),
    [
        # Published 95% Wilson intervals (e.g. Newcombe 1998, table I; Brown, Cai & DasGupta 2001).
        (8, 10, 0.95, (0.4902, 0.9433)),
        (0, 10, 0.95, (0.0, 0.2775)),
        (10, 10, 0.95, (0.7225, 1.0)),
        (81, 263, 0.95, (0.2553, 0.3662)),
        (15, 148, 0.95, (0.0624, 0.1605)),
    ],
)
def test_wilson_matches_published_values(
    k: int, n: int, confidence: float, expected: tuple[float, float]
) -> None:
    lo, hi = wilson_interval(k, n, confidence)
    assert float(lo) == pytest.approx(expected[0], abs=1e-4)
    assert float(hi) == pytest.approx(expected[1], abs=1e-4)


def test_wilson_90_percent_by_hand_and_vectorised() -> None:
    z = z_for_confidence(0.9)
    assert z == pytest.approx(1.644854, abs=1e-6)
    k = np.array([[1, 5], [9, 30]])
    n = np.array([[2, 10], [10, 31]])
    lo, hi = wilson_interval(k, n)
    assert lo.shape == (2, 2)
    for idx in np.ndindex(k.shape):
        a, b = _wilson_by_hand(int(k[idx]), int(n[idx]), z)
        assert lo[idx] == pytest.approx(a, abs=1e-12)
        assert hi[idx] == pytest.approx(b, abs=1e-12)


def test_wilson_zero_trials_is_uninformative() -> None:
    lo, hi = wilson_interval([0, 3], [0, 4])
    assert lo[0] == 0.0 and hi[0] == 1.0


@settings(max_examples=200, deadline=None)
@given(n=st.integers(1, 10_000), data=st.data(), confidence=st.floats(0.5, 0.999))
def test_wilson_properties(n: int, data: st.DataObject, confidence: float) -> None:
    k = data.draw(st.integers(0, n))
    lo, hi = wilson_interval(k, n, confidence)
    assert 0.0 <= lo <= k / n + 1e-12
    assert k / n <= hi + 1e-12
    assert hi <= 1.0
    if k < n:  # more successes never lowers the bound
        lo2, _ = wilson_interval(k + 1, n, confidence)
        assert lo2 >= lo


@pytest.mark.parametrize(
    ("k", "n", "conf"), [(-1, 3, 0.9), (4, 3, 0.9), (1, 3, 1.0), (1, 3, 0.0), (float("nan"), 3, 0.9)]
)
def test_wilson_rejects_bad_input(k: float, n: int, conf: float) -> None:
    with pytest.raises(AnalysisInputError):
        wilson_interval(k, n, conf)


def test_share_intervals() -> None:
    s = share_intervals([3, 0], [4, 0])
    assert s.share[0] == 0.75 and math.isnan(s.share[1])
    d = s.to_dict()
    assert d["share"][1] is None and d["upper"][1] == 1.0


@pytest.mark.parametrize("seed", range(5))
def test_clear_groups_are_stable(seed: int) -> None:
    sim = simulate_conversation(
        300, 40, n_groups=3, votes_per_participant=30, n_divisive=25, random_state=seed
    )
    result = group_stability(sim.to_csr(), sim.group, n_resamples=6, random_state=seed)
    assert result.overall > 0.9
    assert result.per_group.shape == (3,)
    assert np.all(result.per_group > 0.8)


def test_structureless_groups_are_unstable() -> None:
    rng = np.random.default_rng(0)
    sim = simulate_conversation(300, 40, n_groups=1, n_divisive=0, votes_per_participant=25, random_state=0)
    arbitrary = rng.integers(0, 3, size=300)
    result = group_stability(sim.to_csr(), arbitrary, n_resamples=4, random_state=0)
    assert result.overall < 0.6


def test_custom_cluster_function_and_alignment() -> None:
    sim = simulate_conversation(120, 20, n_groups=2, votes_per_participant=15, random_state=1)

    def planted_swapped(votes: object, k: int, seed: int) -> np.ndarray:
        return 1 - sim.group  # same partition, labels swapped: alignment must undo it

    result = group_stability(sim.to_csr(), sim.group, n_resamples=3, cluster=planted_swapped, random_state=0)
    assert result.overall == 1.0
    assert result.to_dict()["per_group"] == {0: 1.0, 1: 1.0}


def test_group_stability_validates() -> None:
    sim = simulate_conversation(50, 10, n_groups=2, random_state=0)
    with pytest.raises(AnalysisInputError, match="one entry per participant"):
        group_stability(sim.to_csr(), sim.group[:-1])
    with pytest.raises(AnalysisInputError, match="two groups"):
        group_stability(sim.to_csr(), np.zeros(50, dtype=int))
