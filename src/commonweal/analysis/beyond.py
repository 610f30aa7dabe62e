"""Wiring of the beyond-Pol.is measures into :func:`commonweal.analysis.analyse`.

The measures themselves live in ``commonground``, ``bridging`` and ``uncertainty``; this
module only calls them with the Pol.is-mode result and collects their outputs.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import numpy.typing as npt

from commonweal.analysis import polis
from commonweal.analysis.matrix import REJECTED, VoteMatrix
from commonweal.analysis.result import AnalysisResult

__all__ = ["compute", "polis_clustering"]


def polis_clustering(votes: Any, n_groups: int, seed: int) -> npt.NDArray[np.int64]:
    """Group participants the way Pol.is mode does, with the number of groups fixed.

    Used as the clustering of :func:`commonweal.analysis.uncertainty.group_stability`, so
    stability measures exactly the procedure that made the groups: sparse PCA, sparsity-aware
    projection, 100 base clusters, weighted k-means of their centres into ``n_groups``.

    Parameters
    ----------
    votes : scipy.sparse matrix
        Participants x statements (stored zeros are passes).
    n_groups : int
    seed : int
        Unused: the procedure is deterministic.

    Returns
    -------
    numpy.ndarray of int
        Group of each row.
    """
    m = VoteMatrix.from_csr(votes)
    _, usable, n_columns = polis.statement_columns(m)
    means = polis.column_means(m.votes, usable)
    centred = polis.centred_matrix(m.votes, means, usable)
    comps, _ = polis.pca_components(centred, 2)
    proj = polis.project_participants(centred, comps, m.participant_vote_counts(), n_columns)
    base = polis.kmeans(proj, polis.init_clusters(proj, 100))
    if base.centres.shape[0] == 0:
        return np.zeros(m.n_participants, dtype=np.int64)
    weights = base.sizes.astype(np.float64)
    init = polis._farthest_first(base.centres, weights, n_groups, from_heaviest=True)
    groups = polis.kmeans(base.centres, init, weights=weights, max_iter=20)
    return np.asarray(groups.labels[base.labels], dtype=np.int64)


def compute(
    result: AnalysisResult,
    matrix: VoteMatrix,
    random_state: Any,
    timings: dict[str, float],
    *,
    stability_resamples: int = 30,
) -> dict[str, Any]:
    """Compute the beyond-Pol.is fields of a result.

    Parameters
    ----------
    result : AnalysisResult
        The Pol.is-mode result.
    matrix : VoteMatrix
        The votes it was computed from.
    random_state : Any
        Seed for resampling.
    timings : dict
        Filled with seconds per measure.
    stability_resamples : int
        Bootstrap resamples for group stability (0 skips it).

    Returns
    -------
    dict
        Field name -> value, for :meth:`AnalysisResult.with_extras`.
    """
    from commonweal.analysis import bridging, commonground, uncertainty

    out: dict[str, Any] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = now - clock
        clock = now

    votes = matrix.votes
    active = matrix.statement_vote_counts() > 0
    eligible = active & (matrix.moderation != REJECTED) & ~matrix.is_meta
    labels = {name: arr for name, arr in matrix.participant_labels.items() if arr is not None}
    groups = result.group_labels if result.k > 0 else None
    if groups is not None or labels:
        out["common_ground"] = commonground.common_ground(
            votes, groups, labels=labels or None, eligible=eligible
        )
    if result.k >= 2:
        out["divisive"] = commonground.divisive_statements(votes, result.group_labels, eligible=eligible)
    lap("common_ground")
    if matrix.n_votes > 0:
        out["bridging"] = bridging.bridging_scores(votes)
    lap("bridging")
    n_s = matrix.n_statements
    seen = np.bincount(votes.indices, minlength=n_s)
    agree = np.bincount(votes.indices[votes.data > 0], minlength=n_s)
    disagree = np.bincount(votes.indices[votes.data < 0], minlength=n_s)
    out["intervals"] = {
        "agree": uncertainty.share_intervals(agree, seen),
        "disagree": uncertainty.share_intervals(disagree, seen),
        "group_agree": uncertainty.share_intervals(result.group_agree, result.group_seen),
        "group_disagree": uncertainty.share_intervals(result.group_disagree, result.group_seen),
    }
    lap("intervals")
    if result.k >= 2 and stability_resamples > 0:
        out["group_stability"] = uncertainty.group_stability(
            votes,
            result.group_labels,
            n_resamples=stability_resamples,
            cluster=polis_clustering,
            random_state=random_state,
        )
    lap("group_stability")
    return out
