"""The Community Notes bridging model fitted by ALS."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import sparse

from commonweal.analysis.bridging import BridgingModel, bridging_loss, bridging_scores, ratings_matrix
from commonweal.analysis.errors import AnalysisInputError
from commonweal.analysis.matrix import VoteMatrix
from commonweal.analysis.simulate import simulate_conversation

SEEDS = range(5)


def _two_sides(seed: int):  # type: ignore[no-untyped-def]
    return simulate_conversation(
        800, 60, n_groups=2, votes_per_participant=30, n_common_ground=10, n_divisive=20, random_state=seed
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_loss_never_increases_and_gradient_vanishes(seed: int) -> None:
    sim = _two_sides(seed)
    votes = sim.to_csr()
    result = BridgingModel(tol=1e-13, max_iter=5000).fit(votes)
    history = np.array(result.loss_history)
    assert np.all(np.diff(history) <= 1e-12 * history[1:])
    assert result.converged
    loss, grad = bridging_loss(votes, result)
    assert loss == pytest.approx(result.loss, rel=1e-12)
    assert abs(grad["mu"]) < 1e-6
    for name in ("participant_intercept", "participant_factor", "statement_intercept", "statement_factor"):
        assert np.max(np.abs(grad[name])) < 1e-6, name


def test_loss_matches_the_definition() -> None:
    sim = simulate_conversation(60, 12, n_groups=2, votes_per_participant=8, random_state=0)
    votes = sim.to_csr()
    r = BridgingModel(max_iter=3).fit(votes)
    rat = ratings_matrix(votes).tocoo()
    pred = (
        r.mu
        + r.participant_intercept[rat.row]
        + r.statement_intercept[rat.col]
        + r.participant_factor[rat.row] * r.statement_factor[rat.col]
    )
    has_p = np.bincount(rat.row, minlength=60) > 0
    has_s = np.bincount(rat.col, minlength=12) > 0
    expected = (
        np.mean((rat.data - pred) ** 2)
        + 0.15
        * (
            np.mean(r.participant_intercept[has_p] ** 2)
            + np.mean(r.statement_intercept[has_s] ** 2)
            + r.mu**2
        )
        + 0.03 * (np.mean(r.participant_factor[has_p] ** 2) + np.mean(r.statement_factor[has_s] ** 2))
    )
    assert bridging_loss(votes, r)[0] == pytest.approx(expected, rel=1e-12)
    assert r.loss == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_bridging_recovers_planted_structure(seed: int) -> None:
    sim = _two_sides(seed)
    r = bridging_scores(sim.to_csr())
    cg, div = sim.is_common_ground, sim.is_divisive
    # Common ground has the highest intercepts and sits on no side of the divide ...
    assert r.statement_intercept[cg].min() > np.median(r.statement_intercept[~cg])
    assert np.abs(r.statement_factor[cg]).mean() < 0.25 * np.abs(r.statement_factor[div]).mean()
    # ... and the factor separates the two planted groups.
    assert abs(np.corrcoef(r.participant_factor, sim.group)[0, 1]) > 0.9


def test_bridging_beats_partisan_approval() -> None:
    # A 70/30 divide. Statement 0 (bridging): 70% of each side agrees. Statement 1 (partisan): the
    # whole majority side agrees and the minority rejects it, so the same 70% approval. Statement 2
    # and more like it (the same split) define the axis.
    n = 400
    idx = np.arange(n)
    majority = idx % 10 < 7
    within = (idx // 10) % 10
    votes = np.zeros((n, 10))
    votes[:, 0] = np.where(within < 7, 1, -1)
    votes[:, 1] = np.where(majority, 1, -1)
    votes[:, 2:] = np.where(majority, 1, -1)[:, None]
    r = bridging_scores(votes)
    assert r.approval[0] == pytest.approx(r.approval[1])
    assert r.statement_intercept[0] > r.statement_intercept[1] + 0.05
    assert abs(r.statement_factor[0]) < abs(r.statement_factor[1])
    d = r.to_dict()
    json.dumps(d)
    assert set(d["statements"][0]) >= {"intercept", "approval", "factor"}


def test_fit_is_deterministic_and_warm_start_is_fast() -> None:
    sim = _two_sides(7)
    votes = sim.to_csr()
    a = bridging_scores(votes)
    b = bridging_scores(votes)
    np.testing.assert_array_equal(a.statement_intercept, b.statement_intercept)
    warm = BridgingModel().fit(votes, init=a)
    assert warm.n_iter < a.n_iter
    np.testing.assert_allclose(warm.statement_intercept, a.statement_intercept, atol=5e-3)


def test_approval_is_plain_agree_share() -> None:
    votes = np.array([[1, 0], [-1, np.nan], [1, 1], [0, -1]], dtype=float)
    r = bridging_scores(votes)
    np.testing.assert_allclose(r.approval, [2 / 4, 1 / 3])
    np.testing.assert_array_equal(r.voters, [4, 3])


def test_validation() -> None:
    with pytest.raises(AnalysisInputError, match="at least one vote"):
        bridging_scores(np.full((2, 2), np.nan))
    with pytest.raises(AnalysisInputError):
        BridgingModel(intercept_reg=0).fit(np.ones((2, 2)))


@pytest.mark.parametrize("seed", SEEDS)
def test_accelerated_fit_reaches_the_plain_als_minimiser(seed: int) -> None:
    # Anderson extrapolation changes the path, not the objective: run to convergence, the accelerated
    # and the plain ALS fits agree, and the accelerated one needs fewer sweeps.
    votes = _two_sides(seed).to_csr()
    fast = BridgingModel(tol=1e-13, max_iter=5000).fit(votes)
    plain = BridgingModel(tol=1e-13, max_iter=5000, anderson=0).fit(votes)
    assert fast.converged and plain.converged
    assert fast.n_iter < plain.n_iter
    assert fast.loss == pytest.approx(plain.loss, rel=1e-10)
    for name in ("statement_intercept", "statement_factor", "participant_intercept", "participant_factor"):
        np.testing.assert_allclose(getattr(fast, name), getattr(plain, name), atol=1e-5, err_msg=name)
    assert fast.mu == pytest.approx(plain.mu, abs=1e-6)


def test_default_tolerance_is_close_to_the_minimiser() -> None:
    # Three opinion groups make the factor direction weakly determined (plain ALS is slow there);
    # at the default tolerance the fit is still within 1e-6 (relative) of the minimum loss.
    sim = simulate_conversation(1500, 300, n_groups=3, votes_per_participant=60, random_state=3)
    votes = sim.to_csr()
    exact = BridgingModel(tol=1e-13, max_iter=5000).fit(votes)
    default = BridgingModel().fit(votes)
    assert default.converged
    assert 0.0 <= default.loss - exact.loss <= 1e-6 * exact.loss
    np.testing.assert_allclose(default.statement_intercept, exact.statement_intercept, atol=5e-3)
    history = np.array(default.loss_history)
    assert np.all(np.diff(history) <= 1e-12 * history[1:])


def test_warm_start_after_new_votes_matches_a_cold_fit() -> None:
    votes = simulate_conversation(1000, 80, n_groups=3, votes_per_participant=30, random_state=11).to_csr()
    # The last 50 participants arrive after the first fit (stored zeros are passes, so slice rows).
    before = sparse.vstack([votes[:950], sparse.csr_matrix((50, 80))]).tocsr()
    assert before.nnz == votes[:950].nnz
    prev = BridgingModel().fit(before)
    warm = BridgingModel(tol=1e-12, max_iter=5000).fit(votes, init=prev)
    cold = BridgingModel(tol=1e-12, max_iter=5000).fit(votes)
    assert warm.loss == pytest.approx(cold.loss, rel=1e-9)
    np.testing.assert_allclose(warm.statement_intercept, cold.statement_intercept, atol=1e-4)


def test_anderson_must_be_non_negative() -> None:
    with pytest.raises(AnalysisInputError, match="anderson"):
        BridgingModel(anderson=-1).fit(np.ones((2, 2)))


@pytest.mark.parametrize("n_groups", [3, 4])
@pytest.mark.parametrize("seed", SEEDS)
def test_default_fit_matches_a_tightly_converged_reference(seed: int, n_groups: int) -> None:
    # Three or four opinion groups make the factor direction weakly determined (plain ALS needs
    # 100-300 sweeps here). The reference is run until its sweeps change nothing (tol 1e-12) and
    # its gradient, computed vote by vote, vanishes; the default fit must agree with it far below
    # the precision a bridging score is shown at (two decimals).
    votes = simulate_conversation(
        1500, 300, n_groups=n_groups, votes_per_participant=60, random_state=seed
    ).to_csr()
    reference = BridgingModel(tol=1e-12, max_iter=5000).fit(votes)
    assert reference.converged
    _, grad = bridging_loss(votes, reference)
    assert max(float(np.max(np.abs(g))) for g in grad.values()) < 1e-10
    fit = BridgingModel().fit(votes)
    assert fit.converged
    assert fit.n_iter <= 20
    assert 0.0 <= fit.loss - reference.loss <= 1e-9 * reference.loss
    np.testing.assert_allclose(fit.statement_intercept, reference.statement_intercept, atol=1e-5, rtol=0)
    np.testing.assert_allclose(fit.statement_factor, reference.statement_factor, atol=1e-4, rtol=0)
    np.testing.assert_allclose(fit.participant_intercept, reference.participant_intercept, atol=1e-5, rtol=0)
    np.testing.assert_allclose(fit.participant_factor, reference.participant_factor, atol=1e-4, rtol=0)
    assert fit.mu == pytest.approx(reference.mu, abs=1e-6)
    history = np.array(fit.loss_history)
    assert np.all(np.diff(history) <= 1e-12 * history[1:])


def test_fit_of_a_vote_matrix_equals_fit_of_its_csr() -> None:
    # A VoteMatrix skips the validation copy; the answer is the same.
    sim = simulate_conversation(300, 40, n_groups=3, votes_per_participant=15, random_state=2)
    m = VoteMatrix.from_csr(sim.to_csr())
    a = BridgingModel().fit(m)
    b = BridgingModel().fit(sim.to_csr())
    np.testing.assert_array_equal(a.statement_intercept, b.statement_intercept)
    np.testing.assert_array_equal(a.participant_factor, b.participant_factor)
    np.testing.assert_array_equal(a.agrees, b.agrees)


def test_tiny_conversations_fit() -> None:
    # One statement, two statements, one participant: the start and the gauge step have no
    # plane or spread to work with and must still give a finite, converged fit.
    for votes in (
        np.array([[1.0], [-1.0], [0.0]]),
        np.array([[1.0, -1.0]]),
        np.array([[1.0, 1.0], [1.0, 1.0]]),
    ):
        r = BridgingModel(tol=1e-12, max_iter=2000).fit(votes)
        assert r.converged
        for name in (
            "statement_intercept",
            "statement_factor",
            "participant_intercept",
            "participant_factor",
        ):
            assert np.all(np.isfinite(getattr(r, name))), name
        _, grad = bridging_loss(votes, r)
        assert max(float(np.max(np.abs(g))) for g in grad.values()) < 1e-8
