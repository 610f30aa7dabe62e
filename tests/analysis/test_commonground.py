"""Common ground across opinion groups and sectors; divisive statements."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import sparse

from commonweal.analysis.commonground import (
    GROUP_DIMENSION,
    as_vote_csr,
    category_tallies,
    common_ground,
    divisive_statements,
    tallies_from_counts,
    vote_indicators,
)
from commonweal.analysis.errors import AnalysisInputError
from commonweal.analysis.simulate import simulate_conversation

SEEDS = range(5)


def _sim(seed: int, **kw: object):  # type: ignore[no-untyped-def]
    params: dict[str, object] = {
        "n_groups": 3,
        "votes_per_participant": 30,
        "n_sectors": 4,
        "n_sector_rejected": 3,
        "sector_correlation": 0.3,
        "random_state": seed,
    }
    params.update(kw)
    return simulate_conversation(600, 80, **params)  # type: ignore[arg-type]


@pytest.mark.parametrize("seed", SEEDS)
def test_planted_common_ground_found_with_precision_and_recall(seed: int) -> None:
    sim = _sim(seed)
    result = common_ground(sim.to_csr(), sim.group, labels={"sector": sim.sector_labels()})
    found, truth = result.is_common_ground, sim.is_common_ground
    tp = int((found & truth).sum())
    assert tp / max(int(found.sum()), 1) >= 0.9
    assert tp / int(truth.sum()) >= 0.9
    # Ranked by GIC, best first.
    assert np.all(np.diff(result.gic[result.statements]) <= 0)


@pytest.mark.parametrize("seed", SEEDS)
def test_agreed_by_every_group_but_rejected_by_one_sector_is_not_common_ground(seed: int) -> None:
    # Sectors independent of groups, so the rejecting sector is a minority inside every group.
    sim = _sim(seed, n_sectors=6, sector_correlation=0.0, votes_per_participant=40)
    votes = sim.to_csr()
    rejected = np.flatnonzero(sim.is_sector_rejected)
    by_groups_only = common_ground(votes, sim.group)
    # The planted statements (mostly: they are random draws) hold in every opinion group ...
    assert by_groups_only.is_common_ground[rejected].mean() >= 0.6
    # ... but not across the system once sectors are checked, and the blocking sector is named.
    result = common_ground(votes, sim.group, labels={"sector": sim.sector_labels()})
    assert not result.is_common_ground[rejected].any()
    for j in rejected:
        assert sim.sector_names[sim.rejecting_sector[j]] in result.blocking(int(j))["sector"]


def test_small_groups_are_not_judged_and_are_named() -> None:
    # Two big groups agree; a third group has only 3 voters, who disagree.
    n = 43
    groups = np.array([0] * 20 + [1] * 20 + [2] * 3)
    votes = np.full((n, 2), np.nan)
    votes[:40, 0] = 1
    votes[40:, 0] = -1
    votes[:40, 1] = 1  # statement 1: group 2 did not vote at all
    sectors = np.array(["acute"] * 30 + ["VCSE"] * 9 + [None] * 4, dtype=object)
    result = common_ground(votes, groups, labels={"sector": sectors})
    assert result.is_common_ground.tolist() == [True, True]
    assert result.too_small(0) == {GROUP_DIMENSION: [2], "sector": []}
    assert result.too_small(1)[GROUP_DIMENSION] == [2]
    assert result.never_judged()[GROUP_DIMENSION] == [2]
    d = result.to_dict()
    json.dumps(d)
    assert d["common_ground"][0]["too_small"][GROUP_DIMENSION] == [2]


def test_a_statement_needs_two_judged_opinion_groups() -> None:
    groups = np.array([0] * 10 + [1] * 10)
    votes = np.full((20, 1), np.nan)
    votes[:10, 0] = 1  # only group 0 voted
    assert not common_ground(votes, groups).is_common_ground[0]
    assert common_ground(votes, groups, min_judged_groups=1).is_common_ground[0]


def test_an_active_sector_dimension_must_be_heard_on_the_statement() -> None:
    groups = np.array([0] * 10 + [1] * 10)
    sectors = np.array(["a"] * 10 + [None] * 10, dtype=object)
    votes = np.full((20, 2), np.nan)
    votes[:, 0] = 1  # everyone, sector "a" judged
    votes[10:, 1] = 1  # only undeclared people ... and only group 1
    votes[:4, 1] = 1  # 4 people of sector a and group 0: too few to judge either
    result = common_ground(votes, groups, labels={"sector": sectors}, min_judged_groups=1)
    assert result.active["sector"]
    assert result.is_common_ground.tolist() == [True, False]
    # An inactive dimension (nobody judged anywhere) does not block.
    result2 = common_ground(votes[:, 1:], groups, labels={"sector": sectors}, min_judged_groups=1)
    assert not result2.active["sector"]
    assert result2.is_common_ground.tolist() == [True]


def test_wilson_threshold_is_strict_at_small_samples() -> None:
    groups = np.array([0] * 5 + [1] * 5)
    votes = np.ones((10, 1))
    votes[0, 0] = -1  # 4/5 agree in group 0: 90% lower bound is 0.48 < 0.5
    assert not common_ground(votes, groups).is_common_ground[0]
    votes[0, 0] = 1
    assert common_ground(votes, groups).is_common_ground[0]


def test_eligible_mask_excludes_rejected_statements() -> None:
    groups = np.array([0] * 10 + [1] * 10)
    votes = np.ones((20, 2))
    result = common_ground(votes, groups, eligible=np.array([True, False]))
    assert result.is_common_ground.tolist() == [True, False]


def test_gic_over_the_union_of_categories() -> None:
    groups = np.array([0] * 6 + [1] * 6)
    sectors = np.array(["x"] * 3 + ["y"] * 9, dtype=object)
    votes = np.ones((12, 1))
    votes[0, 0] = 0
    result = common_ground(votes, groups, labels={"sector": sectors})
    expected = (5 + 1) / (6 + 2) * (6 + 1) / (6 + 2) * (2 + 1) / (3 + 2) * (9 + 1) / (9 + 2)
    assert result.gic[0] == pytest.approx(expected)


@pytest.mark.parametrize("seed", SEEDS)
def test_divisive_statements(seed: int) -> None:
    sim = _sim(seed)
    votes = sim.to_csr()
    div = divisive_statements(votes, sim.group)
    assert div.is_divisive[sim.is_divisive].mean() >= 0.9
    assert not div.is_divisive[sim.is_common_ground].any()
    assert np.all(div.spread[div.statements] > 0)
    assert np.all(np.diff(div.spread[div.statements]) <= 0)
    j = int(div.statements[0])
    sides = div.sides(j)
    assert sides["agree"] and sides["disagree"] and not set(sides["agree"]) & set(sides["disagree"])
    json.dumps(div.to_dict())


def test_vote_input_forms_and_validation() -> None:
    dense = np.array([[1, np.nan], [0, -1]])
    ind = vote_indicators(dense)
    assert ind.voted.nnz == 3 and ind.agree.nnz == 1 and ind.disagree.nnz == 1
    coo = sparse.coo_matrix(([1.0, 0.0, -1.0], ([0, 1, 1], [0, 0, 1])), shape=(2, 2))
    assert as_vote_csr(coo).nnz == 3  # the stored zero (a pass) is kept
    with pytest.raises(AnalysisInputError, match="participant row 1"):
        as_vote_csr(sparse.csr_matrix(np.array([[1, 0], [0, 2]])))
    with pytest.raises(AnalysisInputError, match="one entry per participant"):
        common_ground(dense, np.array([0, 1, 1]))
    with pytest.raises(AnalysisInputError, match="opinion groups or at least one"):
        common_ground(dense, None)


def test_tallies_count_every_kind_of_vote_per_category() -> None:
    # The one-pass count against the indicator matrices, category by category.
    sim = simulate_conversation(300, 40, n_groups=3, n_sectors=4, votes_per_participant=15, random_state=5)
    votes = sim.to_csr()
    ind = vote_indicators(votes)
    codes = np.where(np.arange(300) % 7 == 0, -1, sim.group)
    t = category_tallies(ind, codes, [0, 1, 2], "opinion group")
    for g in range(3):
        member = (codes == g).astype(float)
        np.testing.assert_array_equal(t.agree[g], ind.agree.T @ member)
        np.testing.assert_array_equal(t.disagree[g], ind.disagree.T @ member)
        np.testing.assert_array_equal(t.voters[g], ind.voted.T @ member)
    np.testing.assert_array_equal(t.members, np.bincount(codes[codes >= 0], minlength=3))
    counts = ind.statement_counts()
    np.testing.assert_array_equal(counts[:, 2], np.asarray(ind.agree.sum(axis=0)).ravel())
    np.testing.assert_array_equal(counts.sum(axis=1), np.asarray(ind.voted.sum(axis=0)).ravel())


def test_precomputed_group_tallies_give_the_same_answer() -> None:
    sim = simulate_conversation(400, 60, n_groups=3, n_sectors=3, votes_per_participant=25, random_state=3)
    votes = sim.to_csr()
    groups = np.where(np.arange(400) % 11 == 0, -1, sim.group)
    plain = common_ground(votes, groups, labels={"sector": sim.sector})
    counted = category_tallies(vote_indicators(votes), groups, [0, 1, 2], "opinion group")
    pre = tallies_from_counts(
        "opinion group", [0, 1, 2], counted.members, counted.agree, counted.disagree, counted.voters
    )
    again = common_ground(votes, groups, labels={"sector": sim.sector}, group_tallies=pre)
    np.testing.assert_array_equal(plain.statements, again.statements)
    np.testing.assert_array_equal(plain.gic, again.gic)
    div = divisive_statements(votes, groups)
    div_again = divisive_statements(votes, groups, tallies=pre)
    np.testing.assert_array_equal(div.statements, div_again.statements)
    np.testing.assert_array_equal(div.spread, div_again.spread)
    with pytest.raises(AnalysisInputError, match="precomputed tallies"):
        common_ground(votes, np.where(groups == 2, 1, groups), group_tallies=pre)
