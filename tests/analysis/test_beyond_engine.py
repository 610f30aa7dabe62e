"""The beyond-Pol.is step of ``analyse``: warm bridging carried in the state, fast group stability."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import numpy as np
import pytest

from commonweal.analysis import AnalysisOptions, AnalysisState, VoteMatrix, analyse, polis
from commonweal.analysis.beyond import ResampleClusterer, bridging_init
from commonweal.analysis.bridging import BridgingModel
from commonweal.analysis.errors import AnalysisInputError
from commonweal.analysis.simulate import simulate_conversation
from commonweal.analysis.uncertainty import group_stability


def planted(
    seed: int, n_participants: int = 400, n_statements: int = 50, votes_per_participant: int = 20
) -> VoteMatrix:
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 3, n_participants)
    stance = rng.choice([-1, 1], size=(3, n_statements))
    rows = np.repeat(np.arange(n_participants), votes_per_participant)
    cols = np.concatenate(
        [rng.choice(n_statements, votes_per_participant, replace=False) for _ in range(n_participants)]
    )
    vals = stance[truth[rows], cols] * np.where(rng.random(rows.size) < 0.9, 1, -1)
    vals[rng.random(rows.size) < 0.05] = 0
    return VoteMatrix.from_events(rows, cols, vals, participant_ids=np.arange(n_participants))


def more_votes(m: VoteMatrix, seed: int, share: float = 0.02) -> VoteMatrix:
    rng = np.random.default_rng(seed)
    n = max(1, int(m.n_votes * share))
    return m.with_votes(
        m.participant_ids[rng.integers(0, m.n_participants, n)],
        m.statement_ids[rng.integers(0, m.n_statements, n)],
        rng.choice(np.array([-1, 0, 1]), n),
    )


# --------------------------------------------------------------------------- bridging warm start
def test_state_carries_bridging_and_round_trips_through_json() -> None:
    m = planted(0)
    r = analyse(m, random_state=0)
    st = r.state
    assert st.bridging_mu == pytest.approx(r.bridging.mu)
    np.testing.assert_array_equal(st.bridging_participant[:, 0], r.bridging.participant_intercept)
    np.testing.assert_array_equal(st.bridging_statement[:, 1], r.bridging.statement_factor)
    back = AnalysisState.from_dict(json.loads(json.dumps(st.to_dict())))
    assert back.bridging_mu == pytest.approx(st.bridging_mu)
    np.testing.assert_allclose(back.bridging_participant, st.bridging_participant)
    np.testing.assert_allclose(back.bridging_statement, st.bridging_statement)
    # A state without a bridging fit (Pol.is mode) round-trips too.
    polis_only = analyse(m, options=AnalysisOptions(beyond_polis=False)).state
    assert AnalysisState.from_dict(json.loads(json.dumps(polis_only.to_dict()))).bridging_mu is None


def test_warm_bridging_matches_cold_in_fewer_sweeps() -> None:
    m = planted(1)
    cold = analyse(m, random_state=0)
    m2 = more_votes(m, 2)
    warm = analyse(m2, cold.state, random_state=0)
    refit = BridgingModel().fit(m2.votes)
    assert warm.bridging.n_iter < refit.n_iter
    np.testing.assert_allclose(warm.bridging.statement_intercept, refit.statement_intercept, atol=2e-2)
    assert warm.bridging.loss <= refit.loss * (1 + 1e-4)
    # Same from a state that went through JSON.
    back = AnalysisState.from_dict(json.loads(json.dumps(cold.state.to_dict())))
    again = analyse(m2, back, random_state=0)
    np.testing.assert_allclose(again.bridging.statement_intercept, warm.bridging.statement_intercept)


def test_bridging_init_follows_ids_and_starts_new_ones_at_zero() -> None:
    m = planted(2, n_participants=60, n_statements=12, votes_per_participant=8)
    st = analyse(m, random_state=0).state
    # Reverse participants and statements, and add a statement and a participant.
    p_order, s_order = m.participant_ids[::-1], m.statement_ids[::-1]
    rows = np.repeat(np.arange(m.n_participants), np.diff(m.votes.indptr))
    m2 = VoteMatrix.from_events(
        np.concatenate([m.participant_ids[rows], [999]]),
        np.concatenate([m.statement_ids[m.votes.indices], [77]]),
        np.concatenate([m.votes.data, [1]]),
        participant_ids=np.concatenate([p_order, [999]]),
        statement_ids=np.concatenate([s_order, [77]]),
    )
    init = bridging_init(st, m2)
    assert init is not None
    np.testing.assert_array_equal(
        init.participant_factor[: m.n_participants], st.bridging_participant[::-1, 1]
    )
    np.testing.assert_array_equal(init.statement_intercept[: m.n_statements], st.bridging_statement[::-1, 0])
    assert init.participant_factor[-1] == 0.0 and init.statement_factor[-1] == 0.0
    assert bridging_init(None, m2) is None


# --------------------------------------------------------------------------- group stability
def test_resample_of_every_statement_once_gives_back_the_groups() -> None:
    m = planted(3)
    r = analyse(m, options=AnalysisOptions(beyond_polis=False))
    c = ResampleClusterer(m, r)
    labels = c(np.ones(m.n_statements, dtype=np.int64), r.k, 0)
    assert np.mean(labels == r.group_labels[r.group_labels >= 0]) >= 0.99


def test_column_weights_equal_repeated_columns() -> None:
    """Counting a statement w times projects participants as repeating its column w times."""
    m = planted(4, n_participants=120, n_statements=20, votes_per_participant=12)
    r = analyse(m, options=AnalysisOptions(beyond_polis=False))
    c = ResampleClusterer(m, r, pca_tol=1e-10, pca_iters=500)
    rng = np.random.default_rng(0)
    cols = rng.integers(0, m.n_statements, m.n_statements)
    counts = np.bincount(cols, minlength=m.n_statements)
    vecs = c.components(counts)
    raw = np.asarray(c.c @ (np.sqrt(counts[c.cols])[:, None] * vecs))
    _, usable, _ = polis.statement_columns(m)
    dense = polis.centred_matrix(m.votes, r.pca_center, usable).toarray()[:, cols]
    u, s, _ = np.linalg.svd(dense, full_matrices=False)
    exact = u[:, :2] * s[:2]
    # Same 2-D projection up to the sign of each axis.
    for i in range(2):
        assert abs(np.dot(raw[:, i], exact[:, i])) == pytest.approx(
            np.linalg.norm(raw[:, i]) * np.linalg.norm(exact[:, i]), rel=1e-6
        )


def test_adaptive_resamples_stop_at_the_target_standard_error() -> None:
    sim = simulate_conversation(200, 30, n_groups=3, votes_per_participant=20, random_state=0)
    full = group_stability(sim.to_csr(), sim.group, n_resamples=6, random_state=0)
    assert full.n_resamples == 6 and np.isfinite(full.standard_error)
    early = group_stability(
        sim.to_csr(), sim.group, n_resamples=6, min_resamples=3, target_se=1.0, random_state=0
    )
    assert early.n_resamples == 3
    assert early.to_dict()["standard_error"] is not None
    with pytest.raises(AnalysisInputError, match="min_resamples"):
        group_stability(sim.to_csr(), sim.group, min_resamples=0)


def test_engine_stability_is_fast_path_bounded_and_carried() -> None:
    m = planted(5)
    opts = AnalysisOptions(stability_resamples=8, stability_min_resamples=4, stability_every=3)
    cold = analyse(m, options=opts, random_state=0)
    gs = cold.group_stability
    assert gs is not None and 4 <= gs.n_resamples <= 8 and gs.overall > 0.9
    assert cold.state.extra["group_stability"]["overall"] == pytest.approx(gs.overall)
    # Tick 2: carried from the state (through JSON), not recomputed.
    state = AnalysisState.from_dict(json.loads(json.dumps(cold.state.to_dict())))
    m2 = more_votes(m, 6, share=0.01)
    warm = analyse(m2, state, options=opts, random_state=1)
    assert warm.k == cold.k
    assert warm.group_stability.overall == pytest.approx(gs.overall)
    assert warm.state.extra["group_stability"]["tick"] == 1
    # Every update when asked.
    every = analyse(
        m2, state, options=AnalysisOptions(stability_every=1, stability_resamples=4), random_state=1
    )
    assert every.state.extra["group_stability"]["tick"] == 2
    # The vote budget bounds the resamples (never below the minimum).
    tight = analyse(m, options=AnalysisOptions(stability_vote_budget=1, stability_min_resamples=2))
    assert tight.group_stability.n_resamples == 2
    assert json.loads(json.dumps(warm.to_dict()))["group_stability"]["n_resamples"] == gs.n_resamples


def _without_timings(result: Any) -> str:
    d = result.to_dict()
    d.pop("timings", None)
    return json.dumps(d, sort_keys=True)


def test_threads_change_nothing_but_the_schedule() -> None:
    # threads=2 runs the bridging fit beside Pol.is mode and resamples two at a time; the
    # draws and their order are the same, so every output is identical to threads=1.
    m = planted(7)
    m2 = more_votes(m, 8)
    for opts in (
        AnalysisOptions(stability_min_resamples=3, stability_resamples=7, stability_target_se=0.02),
        AnalysisOptions(stability_min_resamples=5, stability_resamples=5),
    ):
        one = analyse(m, options=dataclasses.replace(opts, threads=1), random_state=3)
        two = analyse(m, options=dataclasses.replace(opts, threads=2), random_state=3)
        assert _without_timings(one) == _without_timings(two)
        np.testing.assert_array_equal(one.group_stability.participant, two.group_stability.participant)
        warm_one = analyse(
            m2, one.state, options=dataclasses.replace(opts, threads=1, stability_every=1), random_state=5
        )
        warm_two = analyse(
            m2, two.state, options=dataclasses.replace(opts, threads=2, stability_every=1), random_state=5
        )
        assert _without_timings(warm_one) == _without_timings(warm_two)


def test_group_stability_in_parallel_batches_equals_one_at_a_time() -> None:
    m = planted(9)
    r = analyse(m, options=AnalysisOptions(beyond_polis=False))
    for target in (0.0, 0.05):
        runs = [
            group_stability(
                m.votes,
                r.group_labels,
                n_resamples=7,
                weighted_cluster=ResampleClusterer(m, r),
                min_resamples=3,
                target_se=target,
                random_state=11,
                n_jobs=jobs,
            )
            for jobs in (1, 2, 3)
        ]
        for other in runs[1:]:
            assert other.n_resamples == runs[0].n_resamples
            assert other.overall == runs[0].overall
            np.testing.assert_array_equal(other.participant, runs[0].participant)
    with pytest.raises(AnalysisInputError, match="n_jobs"):
        group_stability(m.votes, r.group_labels, n_jobs=0)
