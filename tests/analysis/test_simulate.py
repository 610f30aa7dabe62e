"""The simulator: planted structure, sparsity, determinism."""

from __future__ import annotations

import numpy as np
import pytest

from commonweal.analysis.errors import AnalysisInputError
from commonweal.analysis.simulate import simulate_conversation


def test_shapes_and_no_repeated_cells() -> None:
    sim = simulate_conversation(400, 50, n_groups=3, votes_per_participant=20, random_state=0)
    keys = sim.participant.astype(np.int64) * sim.n_statements + sim.statement
    assert np.unique(keys).size == keys.size == sim.n_votes
    assert set(np.unique(sim.vote)) <= {-1, 0, 1}
    assert sim.n_votes == pytest.approx(400 * 20, rel=0.05)
    assert sim.to_csr().shape == (400, 50) and sim.to_csr().nnz == sim.n_votes
    df = sim.to_dataframe()
    assert list(df.columns) == ["participant", "statement", "vote", "time"]
    assert np.bincount(sim.group).tolist() == [134, 133, 133]
    assert sim.is_common_ground.sum() == 5 and sim.is_divisive.sum() == 10
    assert not (sim.is_common_ground & sim.is_divisive).any()


def test_same_seed_same_conversation() -> None:
    a = simulate_conversation(200, 30, random_state=3)
    b = simulate_conversation(200, 30, random_state=3)
    c = simulate_conversation(200, 30, random_state=4)
    np.testing.assert_array_equal(a.vote, b.vote)
    np.testing.assert_array_equal(a.statement, b.statement)
    assert not np.array_equal(a.group, c.group) or not np.array_equal(a.vote[:50], c.vote[:50])


def test_planted_probabilities_show_in_the_votes() -> None:
    sim = simulate_conversation(3000, 40, n_groups=2, votes_per_participant=20, random_state=1)
    votes = sim.to_csr()
    agree = (votes == 1).astype(float)
    voted = sim.to_csr().copy()
    voted.data[:] = 1
    for g in range(2):
        rows = sim.group == g
        share = np.asarray(agree[rows].sum(0)).ravel() / np.asarray(voted[rows].sum(0)).ravel()
        np.testing.assert_allclose(share, sim.agree_probability[g], atol=0.12)


def test_sectors_follow_groups_when_correlated() -> None:
    sim = simulate_conversation(500, 20, n_groups=3, n_sectors=3, sector_correlation=1.0, random_state=0)
    np.testing.assert_array_equal(sim.sector, sim.group % 3)
    partly = simulate_conversation(500, 20, n_sectors=4, sector_declared=0.5, random_state=0)
    assert 0.4 < (partly.sector == -1).mean() < 0.6
    assert partly.sector_labels()[partly.sector == -1][0] is None


def test_sector_rejected_statements() -> None:
    sim = simulate_conversation(800, 30, n_sectors=3, n_sector_rejected=2, random_state=0)
    j = int(np.flatnonzero(sim.is_sector_rejected)[0])
    s = sim.rejecting_sector[j]
    on_j = sim.statement == j
    in_sector = sim.sector[sim.participant] == s
    assert (sim.vote[on_j & in_sector] == -1).mean() > 0.6
    assert (sim.vote[on_j & ~in_sector] == 1).mean() > 0.6


def test_priority_routing_skews_towards_divisive_statements() -> None:
    sim = simulate_conversation(
        3000, 60, n_divisive=20, routing="priority", votes_per_participant=10, random_state=0
    )
    counts = np.bincount(sim.statement, minlength=60)
    assert counts[sim.is_divisive].mean() > 1.2 * counts[~sim.is_divisive].mean()


def test_dense_participants_get_exact_subsets() -> None:
    sim = simulate_conversation(50, 10, votes_per_participant=9, min_votes_per_participant=8, random_state=0)
    per = np.bincount(sim.participant, minlength=50)
    assert per.min() >= 8 and per.max() <= 10


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_common_ground": 40, "n_divisive": 30}, "exceed"),
        ({"n_sector_rejected": 1}, "n_sectors"),
        ({"routing": "fancy"}, "routing"),
        ({"strength": 1.5}, "strength"),
        ({"n_groups": 1, "n_divisive": 3}, "two groups"),
    ],
)
def test_validation(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(AnalysisInputError, match=message):
        simulate_conversation(100, 60, **kwargs)  # type: ignore[arg-type]
