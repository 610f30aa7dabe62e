"""commonweal mode (``opinion_groups``): groups in as many dimensions as the votes support, and common ground that
also holds in the finer groups."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse
from sklearn.metrics import adjusted_rand_score

from commonweal.analysis import AnalysisInputError, AnalysisOptions, VoteMatrix, analyse
from commonweal.analysis import opinion_groups as og
from commonweal.analysis.commonground import common_ground
from commonweal.analysis.simulate import simulate_conversation

QUICK = {"stability_resamples": 0, "threads": 1}


def _matrix(sim):  # type: ignore[no-untyped-def]
    return VoteMatrix.from_events(
        sim.participant,
        sim.statement,
        sim.vote,
        sim.time,
        participant_ids=np.arange(sim.n_participants),
        statement_ids=np.arange(sim.n_statements),
    )


@pytest.fixture(scope="module")
def five_groups():  # type: ignore[no-untyped-def]
    return simulate_conversation(
        800,
        100,
        n_groups=5,
        votes_per_participant=25,
        strength=0.9,
        pass_rate=0.06,
        n_divisive=0.4,
        random_state=3,
    )


def test_polis_mode_is_the_default() -> None:
    assert AnalysisOptions().grouping == "polis"
    sim = simulate_conversation(200, 30, n_groups=3, votes_per_participant=20, random_state=0)
    result = analyse(_matrix(sim), options=AnalysisOptions(beyond_polis=False))
    assert result.grouping == "polis"
    assert result.grouping_detail == {"mode": "polis"}
    assert result.map_overlap is False


def test_commonweal_mode_finds_five_groups_that_polis_mode_merges(five_groups) -> None:  # type: ignore[no-untyped-def]
    m = _matrix(five_groups)
    ours = analyse(m, options=AnalysisOptions(grouping="commonweal", beyond_polis=False))
    polis = analyse(m, options=AnalysisOptions(beyond_polis=False))
    clustered = ours.group_labels >= 0
    ari = adjusted_rand_score(five_groups.group[clustered], ours.group_labels[clustered])
    polis_ari = adjusted_rand_score(five_groups.group[clustered], polis.group_labels[clustered])
    assert ours.k == 5
    assert ari >= 0.85
    assert ari > polis_ari + 0.2
    assert ours.grouping == "commonweal"
    detail = ours.grouping_detail
    assert detail["method"] == "latent-class" and detail["dimensions"] >= 4 and detail["polis_k"] == polis.k
    # The map stays two-dimensional; the groups found in more dimensions overlap on it, and the result says so.
    assert ours.participant_projections.shape[1] == 2 and ours.group_centres.shape == (5, 2)
    assert ours.map_overlap is True
    # Groups are numbered largest first and their tallies follow the new membership.
    assert list(ours.group_sizes) == sorted(ours.group_sizes, reverse=True)
    assert ours.group_sizes.sum() == clustered.sum()


def test_commonweal_mode_is_deterministic(five_groups) -> None:  # type: ignore[no-untyped-def]
    m = _matrix(five_groups)
    opts = AnalysisOptions(grouping="commonweal", beyond_polis=False)
    assert np.array_equal(analyse(m, options=opts).group_labels, analyse(m, options=opts).group_labels)


@pytest.mark.parametrize("method", og.METHODS)
def test_every_method_runs_and_numbers_groups_from_zero(five_groups, method: str) -> None:  # type: ignore[no-untyped-def]
    m = _matrix(five_groups)
    result = analyse(
        m, options=AnalysisOptions(grouping="commonweal", group_method=method, beyond_polis=False)
    )
    labels = result.group_labels[result.group_labels >= 0]
    assert set(np.unique(labels)) == set(range(result.k))
    assert result.k >= 2


def test_options_are_checked() -> None:
    with pytest.raises(AnalysisInputError, match="grouping"):
        AnalysisOptions(grouping="other")  # type: ignore[arg-type]
    with pytest.raises(AnalysisInputError, match="group_method"):
        AnalysisOptions(group_method="other")  # type: ignore[arg-type]
    with pytest.raises(AnalysisInputError):
        og.GroupingOptions(max_k=1)


def test_parallel_analysis_keeps_only_the_dimensions_above_noise() -> None:
    two = simulate_conversation(600, 60, n_groups=2, votes_per_participant=30, strength=0.9, random_state=1)
    six = simulate_conversation(
        600, 60, n_groups=6, votes_per_participant=30, strength=0.9, n_divisive=0.4, random_state=1
    )
    dims = []
    for sim in (two, six):
        result = analyse(_matrix(sim), options=AnalysisOptions(grouping="commonweal", beyond_polis=False))
        dims.append(result.grouping_detail["dimensions"])
    assert dims[0] <= 3 < dims[1]


def test_latent_class_repairs_a_noisy_start() -> None:
    sim = simulate_conversation(400, 60, n_groups=3, votes_per_participant=25, strength=0.9, random_state=4)
    votes = sparse.csr_matrix(_matrix(sim).votes)
    rng = np.random.default_rng(0)
    start = np.where(rng.random(sim.n_participants) < 0.3, rng.integers(0, 3, sim.n_participants), sim.group)
    refined = og.latent_class(votes, start.astype(np.int64), 3, og.GroupingOptions())
    assert adjusted_rand_score(sim.group, refined) > adjusted_rand_score(sim.group, start) + 0.2


def test_map_overlap() -> None:
    rng = np.random.default_rng(0)
    pts = rng.normal(size=(200, 2))
    apart = np.where(pts[:, 0] > 0, 0, 1).astype(np.int64)
    mixed = rng.integers(0, 2, 200).astype(np.int64)
    assert og.map_overlap(pts, apart) is False
    assert og.map_overlap(pts, mixed) is True
    assert og.map_overlap(pts, np.full(200, -1, dtype=np.int64)) is False


def test_common_ground_never_hides_a_minority_its_finer_groups_reject() -> None:
    """Two opinion groups agree with statement 0; inside group 0 a minority of 20 rejects it. Counted by opinion
    group it holds everywhere; with the finer groups it is not common ground, and it is named."""
    n = 220
    groups = np.where(np.arange(n) < 120, 0, 1)
    finer = np.where(np.arange(n) < 20, 2, groups)
    votes = np.ones((n, 2))
    votes[:20, 0] = -1  # the minority rejects statement 0
    plain = common_ground(sparse.csr_matrix(votes), groups)
    checked = common_ground(sparse.csr_matrix(votes), groups, finer=finer)
    assert plain.is_common_ground.tolist() == [True, True]
    assert checked.is_common_ground.tolist() == [False, True]
    assert checked.hidden_minority().tolist() == [0]
    assert checked.to_dict()["hidden_minority"] == [0]
    assert checked.to_dict()["finer_groups"] == 3


def test_analyse_checks_common_ground_in_the_finer_groups_in_either_mode(five_groups) -> None:  # type: ignore[no-untyped-def]
    m = _matrix(five_groups)
    for grouping in ("polis", "commonweal"):
        result = analyse(m, options=AnalysisOptions(grouping=grouping, **QUICK))  # type: ignore[arg-type]
        assert result.common_ground is not None and result.common_ground.finer is not None
    off = analyse(m, options=AnalysisOptions(finer_common_ground=False, **QUICK))
    assert off.common_ground is not None and off.common_ground.finer is None


def test_result_to_dict_says_which_method(five_groups) -> None:  # type: ignore[no-untyped-def]
    m = _matrix(five_groups)
    out = analyse(m, options=AnalysisOptions(grouping="commonweal", beyond_polis=False)).to_dict()
    assert out["grouping"] == "commonweal" and out["map_overlap"] is True
    assert out["grouping_detail"]["dimensions"] >= 4
