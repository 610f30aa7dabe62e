"""Pol.is' subgroups: the second level of clusters, inside each opinion group (Pol.is mode).

Pol.is' ``conversation.clj`` runs the opinion-group step again inside each group (``:subgroup-clusterings``,
``:subgroup-k-smoother``, ``:subgroup-clusters``). The five fixtures' ``math-pca2.json`` do not carry Pol.is'
subgroups (the served math leaves them out), so these tests check the rule itself, on Pol.is' own base and
group clusters from the fixtures and on hand-made points.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from tests.analysis.test_polis_fixtures import FIXTURES, fixture_and_result

from commonweal.analysis import AnalysisOptions, AnalysisState, analyse, polis

QUIET = AnalysisOptions(beyond_polis=False)


def test_two_blobs_in_one_group_become_two_subgroups() -> None:
    rng = np.random.default_rng(0)
    left = rng.normal([-5.0, 0.0], 0.1, size=(8, 2))
    right = rng.normal([5.0, 0.0], 0.1, size=(8, 2))
    other = rng.normal([0.0, 20.0], 0.1, size=(3, 2))
    centres = np.vstack([left, right, other])
    sizes = np.full(centres.shape[0], 3.0)
    group_of_base = np.array([0] * 16 + [1] * 3)
    found, by_group, smoothers = polis.choose_subgroups(centres, sizes, group_of_base, robust=False)
    assert [s.group for s in found] == [0, 1]
    first = found[0]
    assert first.k == 2
    assert sorted(first.sizes.tolist()) == [24, 24]
    assert len(set(first.of_base[:8].tolist())) == 1 and len(set(first.of_base[8:].tolist())) == 1
    assert first.of_base[0] != first.of_base[8]
    # Candidate k runs from 2 to min(5, 2 + n // 12) per group: 16 base clusters -> 2..3; 3 -> 2.
    assert sorted(first.silhouettes) == [2, 3]
    assert sorted(found[1].silhouettes) == [2]
    assert set(by_group) == {0, 1} and set(by_group[0]) == {2, 3}
    assert smoothers[0].last_k == first.best_k and smoothers[0].last_k_count == 1


def test_subgroup_k_is_smoothed_per_group() -> None:
    rng = np.random.default_rng(1)
    centres = np.vstack(
        [rng.normal([-5.0, 0.0], 0.1, size=(12, 2)), rng.normal([5.0, 0.0], 0.1, size=(12, 2))]
    )
    sizes = np.ones(centres.shape[0])
    group_of_base = np.zeros(centres.shape[0], dtype=np.int64)
    # The previous updates showed 3 subgroups; a new best k of 2 must win 4 updates in a row.
    smoother = {0: polis.KSmoother(last_k=3, last_k_count=5, smoothed_k=3)}
    previous = None
    shown = []
    for _ in range(4):
        found, previous, smoother = polis.choose_subgroups(
            centres,
            sizes,
            group_of_base,
            previous_centres=previous,
            previous_smoothers=smoother,
            robust=False,
        )
        assert found[0].best_k == 2
        shown.append(found[0].k)
    assert shown == [3, 3, 3, 2]


@pytest.mark.parametrize("name", FIXTURES)
def test_subgroups_of_polis_own_groups(polis_math_fixtures: Path, name: str) -> None:
    # Pol.is' base clusters and groups from math-pca2.json: each group's subgroups partition its base
    # clusters, and each is Pol.is' opinion-group rule (weighted k-means, silhouette) on that group alone.
    math = json.loads((polis_math_fixtures / name / "math-pca2.json").read_text())
    base = math["base-clusters"]
    centres = np.column_stack([base["x"], base["y"]]).astype(np.float64)
    sizes = np.array([len(m) for m in base["members"]], dtype=np.float64)
    index = {bid: i for i, bid in enumerate(base["id"])}
    group_of_base = np.full(len(base["id"]), -1, dtype=np.int64)
    for g, group in enumerate(math["group-clusters"]):
        group_of_base[[index[b] for b in group["members"]]] = g
    found, _, _ = polis.choose_subgroups(centres, sizes, group_of_base, robust=False)
    assert [s.group for s in found] == list(range(len(math["group-clusters"])))
    for sub in found:
        members = np.flatnonzero(group_of_base == sub.group)
        assert np.array_equal(sub.base, members)
        assert sub.of_base.shape == members.shape
        assert set(sub.of_base.tolist()) == set(range(sub.k))
        assert int(sub.sizes.sum()) == int(sizes[members].sum())
        assert sorted(sub.silhouettes) == list(range(2, min(5, 2 + members.size // 12) + 1))
        clusterings, sils, best = polis.choose_groups(centres[members], sizes[members], robust=False)
        assert best == sub.best_k and sils == pytest.approx(sub.silhouettes)
        assert np.array_equal(clusterings[sub.k].labels, sub.of_base)


@pytest.mark.parametrize("name", FIXTURES)
def test_result_carries_subgroups(polis_math_fixtures: Path, name: str) -> None:
    _, result = fixture_and_result(polis_math_fixtures, name)
    assert len(result.subgroups) == result.k
    for sub in result.subgroups:
        in_group = result.group_labels == sub.group
        assert (result.subgroup_labels[in_group] >= 0).all()
        assert np.bincount(result.subgroup_labels[in_group], minlength=sub.k).tolist() == sub.sizes.tolist()
        assert np.array_equal(result.group_of_base[sub.base], np.full(sub.base.size, sub.group))
    assert np.array_equal(result.subgroup_labels >= 0, result.in_conv)
    d = result.to_dict()
    json.dumps(d)
    assert len(d["subgroups"]) == result.k and len(d["subgroup_labels"]) == result.participant_ids.size


def test_state_carries_subgroups_through_json(polis_math_fixtures: Path) -> None:
    fx, result = fixture_and_result(polis_math_fixtures, "150ptpt-3gp-no-strict-no-meta")
    state = AnalysisState.from_dict(json.loads(json.dumps(result.state.to_dict())))
    assert state.subgroup_smoothers == result.state.subgroup_smoothers
    for g, by_k in result.state.subgroup_centres.items():
        for k, c in by_k.items():
            np.testing.assert_allclose(state.subgroup_centres[g][k], c)
    again = analyse(fx.matrix, state, options=QUIET)
    for sub, before in zip(again.subgroups, result.subgroups, strict=True):
        smoother = again.state.subgroup_smoothers[sub.group]
        if sub.best_k == before.best_k:
            assert smoother.last_k_count == 2
    # A state stored before subgroups existed reads with none carried.
    old = result.state.to_dict()
    del old["subgroup_centres"], old["subgroup_smoothers"]
    assert AnalysisState.from_dict(old).subgroup_centres == {}


def test_commonweal_mode_has_no_polis_subgroups(polis_math_fixtures: Path) -> None:
    fx, _ = fixture_and_result(polis_math_fixtures, "150ptpt-3gp-no-strict-no-meta")
    r = analyse(fx.matrix, options=AnalysisOptions(beyond_polis=False, grouping="commonweal"))
    assert r.subgroups == []
    assert (r.subgroup_labels == -1).all()
