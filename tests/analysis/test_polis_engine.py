"""Pol.is mode on synthetic data: the vote matrix, each step, warm starts and the estimator."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from commonweal.analysis import (
    AnalysisInputError,
    AnalysisOptions,
    AnalysisState,
    PolisAnalysis,
    VoteMatrix,
    analyse,
    polis,
)

SEEDS = [0, 1, 2, 3, 4]
POLIS_ONLY = AnalysisOptions(beyond_polis=False)


def adjusted_rand_score(truth: np.ndarray, labels: np.ndarray) -> float:
    """scikit-learn's adjusted Rand index: 1 when the groups found are the planted ones, 0 for chance."""
    # deferred for start-up cost: scikit-learn takes about half a second to import, paid by every test collection
    from sklearn.metrics import adjusted_rand_score as ari

    return float(ari(truth, labels))


def planted(
    seed: int,
    n_participants: int = 600,
    n_statements: int = 60,
    n_groups: int = 3,
    votes_per_participant: int = 25,
    clarity: float = 0.9,
) -> tuple[VoteMatrix, np.ndarray]:
    """A conversation with planted opinion groups: each group agrees with a random half of the
    statements with probability ``clarity`` and disagrees with the rest likewise."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, n_groups, n_participants)
    stance = rng.choice([-1, 1], size=(n_groups, n_statements))
    rows, cols, vals = [], [], []
    for p in range(n_participants):
        seen = rng.choice(n_statements, size=votes_per_participant, replace=False)
        s = stance[truth[p], seen]
        flip = rng.random(seen.size) > clarity
        v = np.where(flip, -s, s)
        v[rng.random(seen.size) < 0.05] = 0
        rows += [p] * seen.size
        cols += seen.tolist()
        vals += v.tolist()
    m = VoteMatrix.from_events(rows, cols, vals, participant_ids=np.arange(n_participants))
    return m, truth


# --------------------------------------------------------------------------- the package
def test_engine_imports_nothing_from_django() -> None:
    code = (
        "import sys, commonweal.analysis as a, commonweal.analysis.polis, commonweal.analysis.engine;"
        "print(sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == "[]"


# --------------------------------------------------------------------------- VoteMatrix
def test_latest_vote_wins_and_pass_is_not_missing() -> None:
    m = VoteMatrix.from_events(
        ["a", "a", "b", "a", "b"],
        ["s1", "s2", "s1", "s1", "s2"],
        [1, -1, 0, -1, 1],
        [1.0, 2.0, 3.0, 4.0, 0.5],
    )
    # Order of first vote in time: b (t=0.5) before a.
    assert m.participant_ids.tolist() == ["b", "a"]
    dense = {(m.participant_ids[i], m.statement_ids[j]): v for i, j, v in zip(*sp.find(m.votes), strict=True)}
    assert m.n_votes == 4
    assert m.votes[1, m.statement_index().get_loc("s1")] == -1  # a's later vote wins
    assert m.participant_vote_counts().tolist() == [2, 2]
    # b's pass on s1 is a stored cell with value 0, distinct from "not voted".
    coo = m.votes.tocoo()
    stored = {(int(r), int(c)): int(v) for r, c, v in zip(coo.row, coo.col, coo.data, strict=True)}
    assert stored[(0, m.statement_index().get_loc("s1"))] == 0
    assert len(dense) <= 4


def test_from_dataframe_and_metadata() -> None:
    df = pd.DataFrame(
        {
            "participant": [1, 2, 2, 3],
            "statement": [10, 10, 11, 12],
            "vote": [1, -1, 0, 1],
            "time": [1, 2, 3, 4],
        }
    )
    m = VoteMatrix.from_dataframe(
        df,
        statement_ids=[10, 11, 12, 13],
        moderation={11: "rejected", 13: "pending"},
        is_meta=[12],
        participant_labels={"sector": {1: "health", 3: "care"}, "place": None},
    )
    assert m.shape == (3, 4)
    assert m.moderation.tolist() == [1, -1, 1, 0]
    assert m.is_meta.tolist() == [False, False, True, False]
    assert m.mod_out.tolist() == [False, True, True, False]
    labels = m.participant_labels["sector"]
    assert labels is not None and labels.tolist() == ["health", None, "care"]
    assert m.participant_labels["place"] is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"participants": [1, 2], "statements": [1], "values": [1, 1]}, "same length"),
        ({"participants": [1], "statements": [1], "values": [2]}, "must be \\+1"),
        ({"participants": [None], "statements": [1], "values": [1]}, "missing"),
        ({"participants": [1], "statements": [1], "values": [1], "times": [float("nan")]}, "NaN"),
        (
            {"participants": [1], "statements": [1], "values": [1], "moderation": {1: "hidden"}},
            "moderation state",
        ),
        ({"participants": [1], "statements": [1], "values": [1], "is_meta": [7]}, "unknown statements"),
    ],
)
def test_validation_says_what_is_wrong(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(AnalysisInputError, match=message):
        VoteMatrix.from_events(**kwargs)  # type: ignore[arg-type]


def test_dataframe_missing_column_is_named() -> None:
    with pytest.raises(AnalysisInputError, match="lacks column"):
        VoteMatrix.from_dataframe(pd.DataFrame({"who": [1], "statement": [1], "vote": [1]}))


def test_with_votes_keeps_indices() -> None:
    m, _ = planted(0, n_participants=50, n_statements=10, votes_per_participant=5)
    m2 = m.with_votes([1000, 3], [2, 99], [1, -1])
    assert np.array_equal(m2.participant_ids[: m.n_participants], m.participant_ids)
    assert np.array_equal(m2.statement_ids[: m.n_statements], m.statement_ids)
    assert m2.participant_ids[-1] == 1000 and m2.statement_ids[-1] == 99
    assert m2.n_votes == m.n_votes + 2 - int(
        m.votes[3, 2] != 0 or (3, 2) in zip(*m.votes.nonzero(), strict=True)
    )


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 8), st.integers(0, 6), st.sampled_from([-1, 0, 1])),
        min_size=1,
        max_size=40,
    ),
    st.lists(
        st.tuples(st.integers(0, 10), st.integers(0, 8), st.sampled_from([-1, 0, 1])),
        min_size=0,
        max_size=30,
    ),
)
def test_with_votes_equals_building_from_all_events(
    first: list[tuple[int, int, int]], later: list[tuple[int, int, int]]
) -> None:
    p, s, v = (list(x) for x in zip(*first, strict=True))
    m = VoteMatrix.from_events(p, s, v, is_meta=[s[0]])
    lp, ls, lv = (list(x) for x in zip(*later, strict=True)) if later else ([], [], [])
    got = m.with_votes(
        np.asarray(lp, dtype=np.int64), np.asarray(ls, dtype=np.int64), np.asarray(lv, dtype=np.int64)
    )
    want = VoteMatrix.from_events(p + lp, s + ls, v + lv, is_meta=[s[0]])
    order_p = pd.Index(want.participant_ids).get_indexer(got.participant_ids)
    order_s = pd.Index(want.statement_ids).get_indexer(got.statement_ids)
    assert sorted(order_p.tolist()) == list(range(want.n_participants))
    assert sorted(order_s.tolist()) == list(range(want.n_statements))
    expected = want.votes[order_p][:, order_s].tocoo()
    actual = got.votes.tocoo()
    assert got.votes.has_canonical_format
    assert sorted(zip(actual.row, actual.col, actual.data, strict=True)) == sorted(
        zip(expected.row, expected.col, expected.data, strict=True)
    )
    np.testing.assert_array_equal(got.is_meta, want.is_meta[order_s])


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 6), st.integers(0, 4), st.sampled_from([-1, 0, 1])),
        min_size=1,
        max_size=60,
    )
)
def test_latest_wins_property(events: list[tuple[int, int, int]]) -> None:
    p, s, v = zip(*events, strict=True)
    m = VoteMatrix.from_events(list(p), list(s), list(v))
    expected = {}
    for pi, si, vi in events:
        expected[(pi, si)] = vi
    coo = m.votes.tocoo()
    got = {
        (int(m.participant_ids[r]), int(m.statement_ids[c])): int(x)
        for r, c, x in zip(coo.row, coo.col, coo.data, strict=True)
    }
    assert got == expected


# --------------------------------------------------------------------------- steps
@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(0, 30), min_size=1, max_size=60),
    st.integers(1, 40),
    st.lists(st.booleans(), max_size=60),
)
def test_in_conv_rules(counts: list[int], n_columns: int, prev: list[bool]) -> None:
    c = np.asarray(counts, dtype=np.int64)
    previous = np.asarray((prev + [False] * len(counts))[: len(counts)], dtype=np.bool_)
    previous &= c > 0
    mask = polis.in_conv(c, n_columns, previous)
    assert np.all(mask[previous])  # once in, always in
    assert np.all(mask[c >= min(7, n_columns)])
    assert not np.any(mask[c == 0])
    assert mask.sum() >= min(15, int((c > 0).sum()))
    if mask.sum() > max(15, int((previous | (c >= min(7, n_columns))).sum())):
        pytest.fail("greedy top-up added more than needed")


def test_two_prop_test_matches_definition() -> None:
    z = polis.two_prop_test(8, 2, 10, 10)
    p1, p2, p = 9 / 11, 3 / 11, 12 / 22
    assert z == pytest.approx((p1 - p2) / np.sqrt(p * (1 - p) * (2 / 11)))
    assert polis.two_prop_test(5, 5, 5, 5) == 0.0  # pooled share 1
    assert polis.prop_test(3, 4) == pytest.approx(2 * np.sqrt(5) * (4 / 5 - 0.5))


@pytest.mark.parametrize("seed", SEEDS)
def test_sparse_pca_equals_dense_pca(seed: int) -> None:
    m, _ = planted(seed, n_participants=300, n_statements=40, votes_per_participant=12)
    _, usable, _ = polis.statement_columns(m)
    means = polis.column_means(m.votes, usable)
    centred = polis.centred_matrix(m.votes, means, usable)
    gram, _ = polis.pca_components(centred, method="gram")
    lanczos, _ = polis.pca_components(centred, method="lanczos")
    # Dense reference: impute missing with the column mean, centre, SVD.
    dense = np.tile(means, (m.n_participants, 1))
    coo = m.votes.tocoo()
    dense[coo.row, coo.col] = coo.data
    _, _, vt = np.linalg.svd(dense - means, full_matrices=False)
    for i in range(2):
        assert abs(gram[i] @ vt[i]) == pytest.approx(1.0, abs=1e-9)
        assert abs(lanczos[i] @ vt[i]) == pytest.approx(1.0, abs=1e-9)
        # Deterministic sign: largest-magnitude entry positive.
        assert gram[i][np.argmax(np.abs(gram[i]))] > 0
        np.testing.assert_allclose(gram[i], lanczos[i], atol=1e-8)


def test_kmeans_cold_start_and_empty_clusters() -> None:
    pts = np.array([[0.0, 0.0], [0.0, 0.0], [1.0, 0.0], [10.0, 0.0], [11.0, 0.0]])
    init = polis.init_clusters(pts, 3)
    assert init.tolist() == [[0.0, 0.0], [1.0, 0.0], [10.0, 0.0]]  # first distinct points in order
    # A centre far from every point goes empty and is dropped.
    res = polis.kmeans(pts, np.array([[0.0, 0.0], [10.5, 0.0], [100.0, 100.0]]))
    assert res.centres.shape[0] == 2
    assert res.sizes.tolist() == [3, 2]
    assert res.labels.tolist() == [0, 0, 0, 1, 1]


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 8))
def test_kmeans_fixed_point_property(seed: int, k: int) -> None:
    rng = np.random.default_rng(seed)
    pts = rng.normal(size=(60, 2))
    res = polis.kmeans(pts, polis.init_clusters(pts, k), max_iter=200, threshold=1e-12)
    d = ((pts[:, None, :] - res.centres[None, :, :]) ** 2).sum(axis=2)
    assert np.all(d[np.arange(60), res.labels] <= d.min(axis=1) + 1e-9)
    for c in range(res.centres.shape[0]):
        np.testing.assert_allclose(res.centres[c], pts[res.labels == c].mean(axis=0), atol=1e-6)


def test_silhouette_singletons_score_zero() -> None:
    pts = np.array([[0.0, 0.0], [0.1, 0.0], [5.0, 0.0]])
    s = polis.silhouette(pts, np.array([0, 0, 1]))
    a, b0, b1 = 0.1, 5.0, 4.9
    assert s == pytest.approx(((b0 - a) / b0 + (b1 - a) / b1 + 0.0) / 3)


def _silhouette_by_definition(points: np.ndarray, labels: np.ndarray) -> float:
    uniq = np.unique(labels)
    if points.shape[0] == 0 or uniq.size < 2:
        return 0.0
    d = np.sqrt(((points[:, None, :] - points[None, :, :]) ** 2).sum(axis=2))
    onehot = labels[:, None] == uniq[None, :]
    sums = d @ onehot.astype(np.float64)
    sizes = onehot.sum(axis=0).astype(np.float64)
    scores = np.zeros(points.shape[0])
    for i in range(points.shape[0]):
        own = int(np.searchsorted(uniq, labels[i]))
        if sizes[own] <= 1:
            continue
        a = sums[i, own] / (sizes[own] - 1)
        other = np.delete(np.arange(uniq.size), own)
        b = float(np.min(sums[i, other] / sizes[other]))
        denom = max(a, b)
        scores[i] = 0.0 if denom == 0 else (b - a) / denom
    return float(scores.mean())


@settings(max_examples=200, deadline=None)
@given(
    n=st.integers(1, 40),
    k=st.integers(1, 5),
    grid=st.booleans(),
    seed=st.integers(0, 2**31 - 1),
)
def test_vectorised_silhouette_equals_the_point_by_point_definition(
    n: int, k: int, grid: bool, seed: int
) -> None:
    # Bit for bit: the silhouette picks Pol.is' k, so no rounding may differ. Integer grids
    # give coincident points and exact ties.
    rng = np.random.default_rng(seed)
    pts = rng.integers(0, 3, size=(n, 2)).astype(float) if grid else rng.normal(size=(n, 2))
    labels = rng.integers(0, k, n) * 2
    assert polis.silhouette(pts, labels) == _silhouette_by_definition(pts, labels)


def test_k_smoother_switches_after_four_wins_in_a_row() -> None:
    state = polis.KSmoother()
    shown = []
    for best in [2, 3, 3, 3, 2, 3, 3, 3, 3, 3]:
        state = polis.smooth_k(state, best)
        shown.append(state.smoothed_k)
    assert shown == [2, 2, 2, 2, 2, 2, 2, 2, 3, 3]


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000))
def test_tallies_add_up(seed: int) -> None:
    m, _ = planted(seed % 7, n_participants=80, n_statements=12, votes_per_participant=6)
    rng = np.random.default_rng(seed)
    labels = rng.integers(-1, 3, m.n_participants)
    t = polis.group_tallies(m.votes, labels, 3)
    assert np.all(t.agree + t.disagree <= t.seen)
    clustered = m.votes[labels >= 0]
    np.testing.assert_array_equal(
        t.seen.sum(axis=0), np.bincount(clustered.indices, minlength=m.n_statements)
    )
    np.testing.assert_array_equal(t.n_members, np.bincount(labels[labels >= 0], minlength=3))


# --------------------------------------------------------------------------- end to end
@pytest.mark.parametrize("seed", SEEDS)
def test_planted_groups_are_recovered(seed: int) -> None:
    m, truth = planted(seed)
    r = analyse(m, options=POLIS_ONLY)
    assert r.in_conv.all()
    assert r.k == 3
    assert adjusted_rand_score(truth, r.group_labels) >= 0.95
    # Every group has representative statements, and they are the planted stances.
    assert all(len(r.repness[g]) >= 1 for g in range(r.k))
    json.dumps(r.to_dict(include_state=True))


@pytest.mark.parametrize("seed", SEEDS[:3])
def test_planted_two_groups(seed: int) -> None:
    m, truth = planted(seed, n_groups=2, n_participants=400)
    r = analyse(m, options=POLIS_ONLY)
    assert r.best_k == 2
    assert adjusted_rand_score(truth, r.group_labels) >= 0.95


def test_warm_start_carries_state_and_tick_grows() -> None:
    m, truth = planted(0)
    r1 = analyse(m, options=POLIS_ONLY)
    rng = np.random.default_rng(9)
    new_p = rng.integers(0, m.n_participants, 300)
    new_s = rng.integers(0, m.n_statements, 300)
    m2 = m.with_votes(np.concatenate([new_p, [5000]]), np.concatenate([new_s, [0]]), np.ones(301, dtype=int))
    r2 = analyse(m2, r1.state, options=POLIS_ONLY)
    assert r2.tick == r1.tick + 1 == 2
    assert r2.state.tick == 2
    # PCA warm start lands on the same components.
    for i in range(2):
        assert abs(r1.pca_components[i] @ r2.pca_components[i]) > 0.99
    assert adjusted_rand_score(truth, r2.group_labels[: m.n_participants]) >= 0.95
    # Once in, always in: a participant with one vote stays in-conv if the state says so.
    forced = AnalysisState(**{**r2.state.__dict__, "in_conv": np.ones(m2.n_participants, dtype=np.bool_)})
    r3 = analyse(m2, forced, options=POLIS_ONLY)
    assert r3.in_conv[-1]
    assert r3.tick == 3
    # The state survives a JSON round trip.
    restored = AnalysisState.from_dict(json.loads(json.dumps(r3.state.to_dict())))
    r4 = analyse(m2, restored, options=POLIS_ONLY)
    assert r4.tick == 4 and r4.in_conv[-1]


def test_k_switch_waits_for_four_updates() -> None:
    two, _ = planted(1, n_groups=2, n_participants=400)
    three, _ = planted(1, n_groups=3, n_participants=400)
    r = analyse(two, options=POLIS_ONLY)
    assert r.k == 2
    ks = []
    state = r.state
    for _ in range(5):
        r = analyse(three, state, options=POLIS_ONLY)
        state = r.state
        ks.append((r.best_k, r.k))
    assert [b for b, _ in ks] == [3] * 5
    assert [k for _, k in ks] == [2, 2, 2, 3, 3]


def test_estimator_contract() -> None:
    m, truth = planted(2)
    est = PolisAnalysis(options=POLIS_ONLY, random_state=0)
    assert est.get_params() == {"options": POLIS_ONLY, "random_state": 0}
    assert not hasattr(est, "result_")
    r = est.fit(m)
    assert r is est.result_ and r.tick == 1
    assert est.update(m).tick == 2
    frame = pd.DataFrame(
        {
            "participant": np.repeat(np.arange(3), 2),
            "statement": [0, 1, 0, 1, 0, 1],
            "vote": [1, -1, 1, 1, 0, -1],
        }
    )
    assert PolisAnalysis(options=POLIS_ONLY).fit(frame).n_participants == 3
    with pytest.raises(AnalysisInputError):
        est.fit(np.zeros((3, 3)))


def test_rejected_and_meta_statements_are_zero_columns() -> None:
    m, _ = planted(3, n_participants=200, n_statements=30, votes_per_participant=15)
    m2 = m.with_statement_metadata(moderation={0: "rejected"}, is_meta=[1])
    r = analyse(m2, options=POLIS_ONLY)
    cols = [m2.statement_index().get_loc(0), m2.statement_index().get_loc(1)]
    assert np.all(r.pca_components[:, cols] == 0)
    assert np.all(r.statement_projections[cols] == 0)
    assert r.priorities[cols[1]] == 49
    for reps in r.repness.values():
        assert all(s.statement_id not in (0, 1) for s in reps)
    for side in r.consensus.values():
        assert all(s.statement_id not in (0, 1) for s in side)
    # Tallies use every vote, mod-out statements included.
    assert r.group_seen[:, cols[0]].sum() > 0


def test_degenerate_inputs() -> None:
    empty = VoteMatrix.from_events([], [], [])
    r = analyse(empty, options=POLIS_ONLY)
    assert r.k == 0 and r.n_participants == 0
    json.dumps(r.to_dict())
    one = VoteMatrix.from_events([1], ["a"], [1])
    r1 = analyse(one, options=POLIS_ONLY)
    assert r1.in_conv.tolist() == [True]
    with pytest.raises(AnalysisInputError, match="VoteMatrix"):
        analyse("votes")  # type: ignore[arg-type]
    with pytest.raises(AnalysisInputError, match="max_k"):
        AnalysisOptions(max_k=1)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 100_000), st.integers(1, 40))
def test_vectorised_best_agree_equals_polis_sequential_rule(seed: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    na = rng.integers(0, 6, n).astype(float)
    nd = rng.integers(0, 6, n).astype(float)
    ns = na + nd + rng.integers(0, 3, n)
    rest_a, rest_s = rng.integers(0, 20, n).astype(float), rng.integers(20, 40, n).astype(float)
    pa = (na + 1) / (ns + 2)
    stats = {
        "na": na,
        "nd": nd,
        "ns": ns,
        "pa": pa,
        "pat": polis.prop_test(na, ns),
        "ra": pa / ((rest_a + 1) / (rest_s + 2)),
        "rat": polis.two_prop_test(na, rest_a, ns, rest_s),
    }
    order = rng.permutation(n)
    current: dict[str, float] | None = None
    expected = None
    for j in order.tolist():
        st_j = {k: float(v[j]) for k, v in stats.items()}
        if polis._beats_best_agree(st_j, current):
            current, expected = st_j, j
    assert polis._best_agree_index(stats, order.astype(np.int64)) == expected


def _reference_kmeans(pts: np.ndarray, init: np.ndarray, max_iter: int, threshold: float) -> np.ndarray:
    """Plain Lloyd steps with a full search every step (Pol.is' ``kmeans``), for comparison."""
    centres = init.copy()
    labels = np.zeros(len(pts), dtype=int)
    for _ in range(max_iter + 1):
        labels = np.argmin(((pts[:, None, :] - centres[None]) ** 2).sum(axis=2), axis=1)
        keep = np.bincount(labels, minlength=len(centres)) > 0
        new = np.array([pts[labels == c].mean(axis=0) for c in range(len(centres)) if keep[c]])
        labels = (np.cumsum(keep) - 1)[labels]
        a = centres[np.lexsort(centres.T[::-1])]
        b = new[np.lexsort(new.T[::-1])]
        m = min(len(a), len(b))
        done = bool(np.all(np.sqrt(((a[:m] - b[:m]) ** 2).sum(axis=1)) < threshold))
        centres = new
        if done:
            break
    return labels


@pytest.mark.parametrize("seed", SEEDS)
def test_bounded_kmeans_equals_full_search(seed: int) -> None:
    rng = np.random.default_rng(seed)
    pts = np.concatenate([rng.normal(c, 0.7, size=(300, 2)) for c in ([0, 0], [4, 1], [1, 5])])
    init = polis.init_clusters(pts, 40)
    res = polis.kmeans(pts, init, max_iter=100, threshold=0.01)
    np.testing.assert_array_equal(res.labels, _reference_kmeans(pts, init, 100, 0.01))


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_bounded_kmeans_equals_full_search_many_points(seed: int) -> None:
    # Enough points and centres that the candidate-restricted search does the work.
    rng = np.random.default_rng(seed)
    pts = np.concatenate([rng.normal(c, 1.0, size=(1000, 2)) for c in ([0, 0], [5, 1], [1, 6])])
    init = polis.init_clusters(pts, 100)
    res = polis.kmeans(pts, init, max_iter=100, threshold=0.01)
    np.testing.assert_array_equal(res.labels, _reference_kmeans(pts, init, 100, 0.01))


def test_local_nearest_search_agrees_with_the_tree() -> None:
    rng = np.random.default_rng(3)
    centres = rng.normal(0, 3, size=(60, 2))
    pts = rng.normal(0, 3, size=(5000, 2))
    # Assign each point to a centre that is near but not always the nearest.
    lab, d1, d2 = polis._nearest2(pts, centres)
    own = np.where(
        rng.random(pts.shape[0]) < 0.3,
        np.argsort(((pts[:, None, :] - centres[None]) ** 2).sum(axis=2), axis=1)[:, 1],
        lab,
    )
    own_dist = np.sqrt(((pts - centres[own]) ** 2).sum(axis=1))
    got, g1, g2 = polis._nearest2_local(pts, own, own_dist, centres, max_candidates=20, min_points=256)
    np.testing.assert_array_equal(got, lab)
    np.testing.assert_allclose(g1, d1, rtol=1e-12)
    assert np.all(g2 <= d2 + 1e-12)


def test_beyond_polis_fields_are_filled_and_json_safe() -> None:
    m, truth = planted(1, n_participants=300, n_statements=30, votes_per_participant=15)
    sectors = np.where(truth == 0, "health", "care").astype(object)
    m = VoteMatrix.from_events(
        *[
            np.repeat(np.arange(m.n_participants), np.diff(m.votes.indptr)),
            m.statement_ids[m.votes.indices],
            m.votes.data,
        ],
        participant_ids=m.participant_ids,
        participant_labels={"sector": list(sectors)},
    )
    r = analyse(m, options=AnalysisOptions(stability_resamples=3), random_state=0)
    for name in ("common_ground", "divisive", "bridging", "intervals", "group_stability"):
        assert getattr(r, name) is not None, name
    d = json.loads(json.dumps(r.to_dict()))
    assert set(d["intervals"]) == {"agree", "disagree", "group_agree", "group_disagree"}
    assert {"common_ground", "bridging", "group_stability", "timings"} <= set(d)


# --------------------------------------------------------------------------- shared counts
@pytest.mark.parametrize("seed", SEEDS)
def test_counts_shared_between_steps_equal_their_definitions(seed: int) -> None:
    m, _ = planted(seed, n_participants=200, n_statements=40, votes_per_participant=10)
    # Statement 5 made unanimous (every vote on it an agree).
    v = m.votes.tolil()
    for r in np.flatnonzero(np.diff(m.votes[:, [5]].tocsr().indptr) > 0):
        v[r, 5] = 1
    m = VoteMatrix.from_csr(v.tocsr())
    counts = m.vote_kind_counts()
    coo = m.votes.tocoo()
    for kind, value in enumerate((-1, 0, 1)):
        expected = np.bincount(coo.col[coo.data == value], minlength=m.n_statements)
        np.testing.assert_array_equal(counts[:, kind], expected)
    np.testing.assert_array_equal(m.vote_rows(), coo.row)
    np.testing.assert_array_equal(m.vote_keys(), m.votes.indices * 3 + m.votes.data.astype(np.int64) + 1)
    labels = np.where(np.arange(m.n_participants) % 5 == 0, -1, np.arange(m.n_participants) % 3)
    shared = polis.group_tallies(m.votes, labels, 3, rows=m.vote_rows(), keys=m.vote_keys())
    alone = polis.group_tallies(m.votes, labels, 3)
    for name in ("agree", "disagree", "seen", "n_members"):
        np.testing.assert_array_equal(getattr(shared, name), getattr(alone, name))
    _, usable, _ = polis.statement_columns(m)
    np.testing.assert_array_equal(
        polis.column_means(m.votes, usable, kind_counts=counts), polis.column_means(m.votes, usable)
    )
    centred = polis.centred_matrix(m.votes, polis.column_means(m.votes, usable), usable)
    keyed = polis.centred_matrix(m.votes, polis.column_means(m.votes, usable), usable, keys=m.vote_keys())
    np.testing.assert_array_equal(keyed.data, centred.data)
    nonzero = np.bincount(centred.indices[centred.data != 0.0], minlength=m.n_statements) > 0
    np.testing.assert_array_equal(polis.informative_columns(counts, usable), nonzero)
    assert not nonzero[5]
    block = np.random.default_rng(seed).normal(size=(m.n_statements, 3))
    for width in (1, 2, 3):
        np.testing.assert_allclose(
            polis.sparse_times_block(centred, block[:, :width]), centred @ block[:, :width], rtol=1e-13
        )


@settings(max_examples=100, deadline=None)
@given(
    n=st.integers(1, 300), k=st.integers(1, 120), distinct=st.integers(1, 40), seed=st.integers(0, 2**31 - 1)
)
def test_cold_start_centres_are_the_first_distinct_points(n: int, k: int, distinct: int, seed: int) -> None:
    # Few distinct points among many rows make the prefix search grow; the answer must be the
    # first k distinct rows in row order, as over the whole array.
    rng = np.random.default_rng(seed)
    pts = rng.normal(size=(distinct, 2))[rng.integers(0, distinct, n)]
    _, first = np.unique(pts, axis=0, return_index=True)
    expected = pts[np.sort(first)[:k]]
    np.testing.assert_array_equal(polis.init_clusters(pts, k), expected)
