"""Post-stratification, raking, Kish effective sample size and representation gaps."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commonweal.analysis.errors import AnalysisInputError
from commonweal.analysis.representation import (
    kish_effective_sample_size,
    poststratification_weights,
    rake_weights,
    representation_gaps,
    reweighted_agreement,
)


@pytest.mark.parametrize(
    ("weights", "expected"),
    [
        ([1, 1, 1, 1], 4.0),
        ([1, 1, 2], 16 / 6),  # (1+1+2)^2 / (1+1+4)
        ([2, 2, 2], 3.0),
        ([1, 3], 16 / 10),
        ([5, 0, 0], 1.0),
        ([0.5, 1.5, 1.0, 1.0], 16 / 4.5),
    ],
)
def test_kish_by_hand(weights: list[float], expected: float) -> None:
    assert kish_effective_sample_size(weights) == pytest.approx(expected)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(0.01, 100), min_size=1, max_size=50))
def test_kish_bounds(weights: list[float]) -> None:
    ess = kish_effective_sample_size(weights)
    assert 1.0 - 1e-9 <= ess <= len(weights) + 1e-9


def test_poststratification_hits_targets() -> None:
    labels = np.array(["north"] * 60 + ["south"] * 30 + ["east"] * 10 + [None] * 5, dtype=object)
    w = poststratification_weights(labels, {"north": 0.4, "south": 0.4, "east": 0.2}, dimension="place")
    assert w.n_excluded == 5 and w.weights[-1] == 0
    assert w.weights[0] == pytest.approx(0.4 / 0.6)
    assert w.weights[60] == pytest.approx(0.4 / 0.3)
    assert w.weights[90] == pytest.approx(0.2 / 0.1)
    assert w.weights[w.included].mean() == pytest.approx(1.0)
    assert w.max_margin_error < 1e-12
    assert w.effective_sample_size == pytest.approx(kish_effective_sample_size(w.weights))


@pytest.mark.parametrize("seed", range(5))
def test_raking_hits_every_margin(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 2000
    place = rng.choice(["a", "b", "c"], n, p=[0.6, 0.3, 0.1])
    sector = np.where(
        rng.random(n) < 0.5,
        np.where(place == "a", "acute", "vcse"),
        rng.choice(["acute", "vcse", "council"], n),
    )
    targets = {
        "place": {"a": 0.3, "b": 0.3, "c": 0.4},
        "sector": {"acute": 0.5, "vcse": 0.2, "council": 0.3},
    }
    w = rake_weights({"place": place, "sector": sector}, targets)
    assert w.converged
    for dim, labels in (("place", place), ("sector", sector)):
        for cat, share in targets[dim].items():
            assert w.weights[labels == cat].sum() / w.weights.sum() == pytest.approx(share, abs=1e-7)
    assert 1 <= w.effective_sample_size < n


def test_target_errors_are_clear() -> None:
    labels = np.array(["a", "b", "b"])
    with pytest.raises(AnalysisInputError, match="sum to 1"):
        poststratification_weights(labels, {"a": 0.5, "b": 0.4})
    with pytest.raises(AnalysisInputError, match="non-negative"):
        poststratification_weights(labels, {"a": 1.5, "b": -0.5})
    with pytest.raises(AnalysisInputError, match=r"no participants in .*\['c'\]"):
        poststratification_weights(labels, {"a": 0.4, "b": 0.4, "c": 0.2})
    with pytest.raises(AnalysisInputError, match="no target"):
        poststratification_weights(labels, {"a": 1.0})
    w = poststratification_weights(labels, {"a": 0.4, "b": 0.4, "c": 0.2}, on_empty="renormalise")
    assert w.dropped_categories == {"category": ["c"]}
    assert w.weights[0] == pytest.approx(0.5 / (1 / 3))
    w2 = poststratification_weights(labels, {"a": 1.0}, unlisted="exclude")
    assert w2.weights.tolist() == [1.0, 0.0, 0.0]
    with pytest.raises(AnalysisInputError, match="same dimensions"):
        rake_weights({"place": labels}, {"sector": {"a": 1.0}})


def test_reweighted_agreement_by_hand() -> None:
    votes = np.array([[1, np.nan], [-1, 1], [0, 1], [1, -1]])
    w = np.array([2.0, 1.0, 1.0, 0.0])
    r = reweighted_agreement(votes, w)
    assert r.share[0] == pytest.approx(2 / 4)
    assert r.weighted_share[0] == pytest.approx(2 / 4)  # (2*1 + 0*1) / (2+1+1+0)
    # Statement 1: voters 1, 2, 3 with weights 1, 1, 0; the two who agree carry all the weight.
    assert r.share[1] == pytest.approx(2 / 3)
    assert r.weighted_share[1] == pytest.approx(1.0)
    assert r.effective_voters[0] == pytest.approx(16 / 6)
    assert r.effective_voters[1] == pytest.approx(2.0)
    assert np.all(r.lower <= r.weighted_share) and np.all(r.weighted_share <= r.upper)


def test_representation_gaps() -> None:
    labels = ["a"] * 50 + ["b"] * 3 + ["c"] * 40 + ["z"] * 7
    gaps = {g.category: g for g in representation_gaps(labels, {"a": 0.3, "b": 0.2, "c": 0.3, "d": 0.2})}
    assert gaps["d"].status == "missing"
    assert gaps["b"].status == "thin"
    assert gaps["a"].status == "ok" and gaps["a"].share == pytest.approx(0.5)
    assert gaps["z"].status == "unlisted"
    assert gaps["c"].to_dict()["ratio"] == pytest.approx(0.4 / 0.3)
