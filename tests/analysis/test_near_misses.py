"""Near misses: the statements closest to common ground that are not, with what held each back (issue 14, 18)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from commonweal.analysis.commonground import common_ground


def _conversation() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two opinion groups of 12; three of each group from the acute sector, the rest from the VCSE sector.

    Statement 0: everyone agrees (common ground). Statement 1: the acute sector disagrees, everyone else agrees.
    Statement 2: group 0 agrees, group 1 disagrees. Statement 3: nobody voted.
    """
    n = 24
    groups = np.repeat([0, 1], 12)
    sectors = np.array((["acute"] * 3 + ["vcse"] * 9) * 2, dtype=object)
    votes = np.zeros((n, 4))
    votes[:, 0] = 1
    votes[:, 1] = np.where(sectors == "acute", -1, 1)
    votes[:, 2] = np.where(groups == 0, 1, -1)
    votes[:, 3] = np.nan
    return votes, groups, sectors


def test_near_misses_say_which_group_or_sector_held_a_statement_back() -> None:
    votes, groups, sectors = _conversation()
    matrix = sp.csr_matrix(np.nan_to_num(votes, nan=0.0))
    matrix.eliminate_zeros()  # no passes here: an unvoted cell is no vote
    found = common_ground(matrix, groups, labels={"sector": sectors})
    assert found.statements.tolist() == [0]
    misses = found.near_misses()
    # Statement 1 has the higher group-informed consensus (both groups mostly agree), so it comes first.
    assert [m["statement"] for m in misses] == [1, 2]
    assert misses[0]["blocking"] == {"sector": ["acute"]} and not misses[0]["finer"]
    assert misses[1]["blocking"] == {"opinion group": [1], "sector": ["acute", "vcse"]}
    # The summary keeps them, JSON-safe.
    assert [m["statement"] for m in found.to_dict()["near_misses"]] == [1, 2]


def test_a_statement_only_too_few_voted_on_is_no_near_miss() -> None:
    votes, groups, sectors = _conversation()
    matrix = sp.csr_matrix(np.nan_to_num(votes, nan=0.0))
    matrix.eliminate_zeros()
    found = common_ground(matrix, groups, labels={"sector": sectors}, eligible=np.array([1, 0, 1, 1], bool))
    assert [m["statement"] for m in found.near_misses()] == [2]  # 1 is not eligible, 3 has no voters
    assert found.near_misses(limit=0) == []
