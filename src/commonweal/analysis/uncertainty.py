"""Uncertainty: Wilson intervals on shares and the stability of opinion groups.

Everything here is vectorised. :func:`wilson_interval` works on arrays of counts of any shape;
:func:`group_stability` resamples statements (columns of the sparse vote matrix), re-clusters and
reports how often each participant keeps their group, without ever densifying the vote matrix.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import sparse
from scipy.special import ndtri

from commonweal.analysis.errors import AnalysisInputError
from commonweal.analysis.matrix import as_vote_csr

__all__ = [
    "ClusterFunction",
    "WeightedClusterFunction",
    "GroupStability",
    "ShareIntervals",
    "group_stability",
    "share_intervals",
    "wilson_interval",
    "z_for_confidence",
    "polis_projection",
    "kmeans_on_projection",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: A clustering function for :func:`group_stability`: ``(votes, n_groups, seed) -> labels``.
#: ``votes`` is a CSR matrix (rows: the participants being checked; stored entries are votes
#: +1/-1/0), ``n_groups`` the number of groups to find and ``seed`` an ``int`` for any randomness.
#: It returns one integer label per row (labels need not match the reference labels; they are
#: aligned by Hungarian matching).
ClusterFunction = Callable[[sparse.csr_matrix, int, int], ArrayLike]

#: A clustering of a resample given as column multiplicities, for :func:`group_stability`:
#: ``(column_counts, n_groups, seed) -> labels``. ``column_counts[j]`` is how many times
#: statement ``j`` was drawn (the resampled matrix is the vote matrix with column ``j`` repeated
#: that many times); labels are one per grouped participant, in row order. It lets a caller
#: cluster a resample without building the resampled matrix (see
#: :class:`commonweal.analysis.beyond.ResampleClusterer`).
WeightedClusterFunction = Callable[[NDArray[np.int64], int, int], ArrayLike]


def z_for_confidence(confidence: float) -> float:
    """Two-sided normal quantile for a confidence level.

    Parameters
    ----------
    confidence : float
        Confidence level in (0, 1), e.g. 0.9.

    Returns
    -------
    float
        ``z`` such that a standard normal lies in ``[-z, z]`` with probability ``confidence``
        (1.6449 for 0.9).
    """
    if not (0.0 < float(confidence) < 1.0):
        raise AnalysisInputError(f"confidence must be strictly between 0 and 1, got {confidence!r}")
    # ndtri is the standard normal quantile (what scipy.stats.norm.ppf computes), without
    # importing scipy.stats: half a second at the first analysis of a process.
    return float(ndtri(0.5 + float(confidence) / 2.0))


def wilson_interval(
    successes: ArrayLike, trials: ArrayLike, confidence: float = 0.9
) -> tuple[FloatArray, FloatArray]:
    """Wilson score interval for binomial proportions, vectorised.

    Parameters
    ----------
    successes : array_like
        Number of successes (e.g. agrees); any shape, broadcast against ``trials``.
    trials : array_like
        Number of trials (e.g. voters, passes included). Where it is 0 the interval is [0, 1].
    confidence : float, default 0.9
        Two-sided confidence level.

    Returns
    -------
    lower, upper : ndarray of float
        The interval ends, clipped to [0, 1], with the broadcast shape of the inputs.

    Raises
    ------
    AnalysisInputError
        If counts are negative, non-finite, or successes exceed trials.

    Examples
    --------
    >>> lo, hi = wilson_interval(8, 10, confidence=0.95)
    >>> round(float(lo), 4), round(float(hi), 4)
    (0.4902, 0.9433)
    """
    k = np.asarray(successes, dtype=np.float64)
    n = np.asarray(trials, dtype=np.float64)
    if not (np.all(np.isfinite(k)) and np.all(np.isfinite(n))):
        raise AnalysisInputError("wilson_interval: counts must be finite")
    if np.any(k < 0) or np.any(n < 0):
        raise AnalysisInputError("wilson_interval: counts must be non-negative")
    k, n = np.broadcast_arrays(k, n)
    if np.any(k > n):
        raise AnalysisInputError("wilson_interval: successes exceed trials")
    z = z_for_confidence(confidence)
    z2 = z * z
    safe_n = np.where(n > 0, n, 1.0)
    p = k / safe_n
    denom = 1.0 + z2 / safe_n
    centre = (p + z2 / (2.0 * safe_n)) / denom
    half = z * np.sqrt(np.maximum(p * (1.0 - p) / safe_n + z2 / (4.0 * safe_n * safe_n), 0.0)) / denom
    lower = np.where(n > 0, np.clip(centre - half, 0.0, 1.0), 0.0)
    upper = np.where(n > 0, np.clip(centre + half, 0.0, 1.0), 1.0)
    return lower.astype(np.float64), upper.astype(np.float64)


@dataclass(frozen=True)
class ShareIntervals:
    """Shares with their Wilson intervals.

    Attributes
    ----------
    share : ndarray
        ``count / total`` (NaN where ``total`` is 0).
    lower, upper : ndarray
        Wilson interval ends at ``confidence``.
    count, total : ndarray
        The counts the shares come from.
    confidence : float
        The confidence level.
    """

    share: FloatArray
    lower: FloatArray
    upper: FloatArray
    count: FloatArray
    total: FloatArray
    confidence: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dictionary (NaN becomes ``None``)."""
        return {
            "share": _json_list(self.share),
            "lower": _json_list(self.lower),
            "upper": _json_list(self.upper),
            "count": _json_list(self.count),
            "total": _json_list(self.total),
            "confidence": self.confidence,
        }


def share_intervals(count: ArrayLike, total: ArrayLike, confidence: float = 0.9) -> ShareIntervals:
    """Shares ``count / total`` with Wilson intervals.

    Parameters
    ----------
    count : array_like
        Numerators (e.g. agrees per statement).
    total : array_like
        Denominators (e.g. voters per statement, passes included).
    confidence : float, default 0.9
        Two-sided confidence level.

    Returns
    -------
    ShareIntervals
        Share (NaN where the total is 0), lower and upper interval ends.
    """
    lower, upper = wilson_interval(count, total, confidence)
    k = np.asarray(count, dtype=np.float64)
    n = np.asarray(total, dtype=np.float64)
    k, n = np.broadcast_arrays(k, n)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(n > 0, k / np.where(n > 0, n, 1.0), np.nan)
    return ShareIntervals(
        share=share.astype(np.float64),
        lower=lower,
        upper=upper,
        count=np.array(k, dtype=np.float64),
        total=np.array(n, dtype=np.float64),
        confidence=float(confidence),
    )


def _json_list(values: NDArray[Any]) -> list[Any]:
    out: list[Any] = []
    for v in np.asarray(values).ravel().tolist():
        out.append(None if isinstance(v, float) and not np.isfinite(v) else v)
    return out


# --------------------------------------------------------------------------------------------------
# Group stability
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupStability:
    """How often participants keep their opinion group when statements are resampled.

    Attributes
    ----------
    overall : float
        Mean over the grouped participants of :attr:`participant`; 1 means every participant
        kept their group in every resample. With ``k`` groups of equal size, pure chance
        gives about ``1/k``.
    per_group : ndarray, shape (n_groups,)
        Mean stability of each group's members (group order as in :attr:`groups`).
    groups : ndarray, shape (n_groups,)
        The reference group labels.
    participant : ndarray, shape (n_participants,)
        For each participant, the share of resamples in which they were put in the group matched
        to their reference group; NaN for participants without a group.
    n_resamples : int
        Number of bootstrap resamples of the statements.
    standard_error : float
        Monte-Carlo standard error of :attr:`overall` (standard deviation of the per-resample
        overall stability over ``sqrt(n_resamples)``; NaN with a single resample).
    """

    overall: float
    per_group: FloatArray
    groups: IntArray
    participant: FloatArray
    n_resamples: int
    standard_error: float = float("nan")

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dictionary."""
        se = self.standard_error
        return {
            "overall": self.overall,
            "per_group": {int(g): float(s) for g, s in zip(self.groups, self.per_group, strict=True)},
            "n_resamples": self.n_resamples,
            "standard_error": float(se) if np.isfinite(se) else None,
        }


def _check_random_state(
    random_state: int | np.random.Generator | np.random.RandomState | None,
) -> np.random.Generator:
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(0, 2**31 - 1))
    if random_state is None or isinstance(random_state, int | np.integer):
        return np.random.default_rng(random_state)
    raise AnalysisInputError(
        f"random_state must be None, an int or a numpy Generator, got {type(random_state).__name__}"
    )


def polis_projection(votes: sparse.csr_matrix, n_components: int = 2, random_state: int = 0) -> FloatArray:
    """Project participants on the leading principal components, Pol.is style, sparsely.

    Missing cells take their column mean, so after centring they are exactly zero and the centred
    matrix keeps the sparsity of the votes. The components come from a randomised SVD of that
    sparse matrix; each participant's coordinates are scaled by ``sqrt(n_statements / n_votes)`` as
    Pol.is does, so people who voted on few statements are not pulled into the centre.

    Parameters
    ----------
    votes : scipy.sparse.csr_matrix
        Participants x statements; stored entries are votes (+1, -1, 0 for pass).
    n_components : int, default 2
        Number of components.
    random_state : int, default 0
        Seed for the randomised SVD.

    Returns
    -------
    ndarray, shape (n_participants, n_components)
    """
    # scikit-learn takes about half a second to import, and only this default clustering of
    # group_stability needs it (the engine passes its own): deferred for start-up cost
    from sklearn.utils.extmath import randomized_svd

    x = sparse.csr_matrix(votes, dtype=np.float64, copy=True)
    n_rows, n_cols = x.shape
    ones = sparse.csr_matrix((np.ones_like(x.data), x.indices, x.indptr), shape=x.shape)
    counts = np.asarray(ones.sum(axis=0)).ravel()
    sums = np.asarray(x.sum(axis=0)).ravel()
    means = np.divide(sums, counts, out=np.zeros(n_cols), where=counts > 0)
    x.data = x.data - means[x.indices]
    k = min(n_components, n_rows, n_cols)
    if k <= 0:
        return np.zeros((n_rows, n_components))
    if min(n_rows, n_cols) <= n_components + 1:
        # Tiny matrix (a handful of statements): a dense SVD of it is linear in participants.
        dense = x.toarray()
        _, s, vt = np.linalg.svd(dense, full_matrices=False)
        comps = vt[:k]
    else:
        _, s, comps = randomized_svd(x, k, n_iter=7, random_state=random_state)
    proj = np.asarray(x @ comps.T)
    n_votes = np.diff(x.indptr).astype(np.float64)
    proj *= np.sqrt(n_cols / np.maximum(n_votes, 1.0))[:, None]
    if k < n_components:
        proj = np.hstack([proj, np.zeros((n_rows, n_components - k))])
    return np.asarray(proj, dtype=np.float64)


def kmeans_on_projection(votes: sparse.csr_matrix, n_groups: int, seed: int) -> IntArray:
    """Built-in clustering for :func:`group_stability`: k-means on a 2-D Pol.is-style projection.

    Parameters
    ----------
    votes : scipy.sparse.csr_matrix
        Participants x statements; stored entries are votes.
    n_groups : int
        Number of groups.
    seed : int
        Seed for the SVD and k-means initialisation.

    Returns
    -------
    ndarray of int, shape (n_participants,)
    """
    # scikit-learn takes about half a second to import, and only this default clustering of
    # group_stability needs it (the engine passes its own): deferred for start-up cost
    from sklearn.cluster import KMeans

    # deferred with scikit-learn for start-up cost: threadpoolctl comes with it and only this function uses it
    from threadpoolctl import threadpool_limits

    proj = polis_projection(votes, 2, random_state=seed)
    n_groups = max(1, min(n_groups, proj.shape[0]))
    km = KMeans(n_clusters=n_groups, n_init=4, random_state=seed)
    # k-means on 2-D points is cheap; OpenMP threads only add overhead and contend under load.
    with threadpool_limits(limits=1, user_api="openmp"):
        labels = km.fit_predict(proj)
    return np.asarray(labels, dtype=np.int64)


def _align(reference: IntArray, found: IntArray, n_ref: int) -> IntArray:
    """Relabel ``found`` to best match ``reference`` (labels 0..n_ref-1) by Hungarian matching."""
    # scipy.optimize adds a fifth to the engine's import time and only group stability needs it (importing
    # the engine, as every command and test run does, need not pay): deferred for start-up cost
    from scipy.optimize import linear_sum_assignment

    found_codes, found_inv = np.unique(found, return_inverse=True)
    n_found = found_codes.size
    confusion = sparse.coo_matrix(
        (np.ones(reference.size), (reference, found_inv)), shape=(n_ref, n_found)
    ).toarray()
    rows, cols = linear_sum_assignment(confusion, maximize=True)
    mapping = np.full(n_found, -1, dtype=np.int64)
    mapping[cols] = rows
    return mapping[found_inv]


def group_stability(
    votes: Any,
    groups: ArrayLike,
    *,
    n_resamples: int = 50,
    cluster: ClusterFunction | None = None,
    weighted_cluster: WeightedClusterFunction | None = None,
    min_resamples: int | None = None,
    target_se: float = 0.0,
    random_state: int | np.random.Generator | None = None,
    n_jobs: int = 1,
) -> GroupStability:
    """Group stability under bootstrap resampling of statements.

    Each resample draws the statements (columns) with replacement, clusters the grouped
    participants again into the same number of groups and aligns the new groups with the reference
    by Hungarian matching; a participant scores 1 when they land in the group matched to their own
    (docs/analysis.md, "Uncertainty"). Each resample costs O(votes) plus the clustering.

    Parameters
    ----------
    votes : scipy.sparse matrix or VoteMatrix
        Participants x statements; stored entries are votes (+1, -1, 0 for pass).
    groups : array_like of int, shape (n_participants,)
        Reference opinion group of each participant; negative for those not grouped (left out).
    n_resamples : int, default 50
        Number of bootstrap resamples (at most, with ``min_resamples``).
    cluster : callable, optional
        ``cluster(votes, n_groups, seed) -> labels`` (:data:`ClusterFunction`); defaults to
        :func:`kmeans_on_projection`.
    weighted_cluster : callable, optional
        ``weighted_cluster(column_counts, n_groups, seed) -> labels``
        (:data:`WeightedClusterFunction`), used instead of ``cluster`` when given: it gets how often
        each statement was drawn, so the resample is never built.
    min_resamples : int, optional
        After at least this many resamples, stop as soon as the standard error of the overall
        stability is at most ``target_se``. ``None`` (default) runs all ``n_resamples``.
    target_se : float, default 0
        Standard error to stop at (with ``min_resamples``); 0 never stops early.
    random_state : int, Generator or None
        Seed for resampling and clustering.
    n_jobs : int, default 1
        With ``weighted_cluster``, resamples run this many at a time on threads, drawn and used in
        the one-at-a-time order, so the outcome equals ``n_jobs=1`` (with adaptive stopping, up to
        ``n_jobs - 1`` resamples past the stopping point are computed and discarded).

    Returns
    -------
    GroupStability

    Raises
    ------
    AnalysisInputError
        If shapes disagree, fewer than two groups are given, or ``n_resamples < 1``.
    """
    # With a weighted clustering only the shape of the votes is needed: skip the O(votes) copy.
    x = as_vote_csr(votes) if weighted_cluster is None or not hasattr(votes, "shape") else None
    n_rows, n_cols = (int(d) for d in (x.shape if x is not None else votes.shape))
    g = _checked_groups(groups, n_rows, n_resamples)
    rng = _check_random_state(random_state)
    members = np.flatnonzero(g >= 0)
    group_ids, ref = np.unique(g[members], return_inverse=True)
    n_groups = group_ids.size
    _check_stopping(n_groups, min_resamples, target_se, n_jobs)
    resample: Callable[[IntArray, int], IntArray]
    if weighted_cluster is not None:
        resample, width = _weighted_resample(weighted_cluster, n_cols, n_groups), n_jobs
    else:
        assert x is not None  # built above whenever there is no weighted clustering
        clusterer = cluster if cluster is not None else kmeans_on_projection
        resample, width = _copied_resample(clusterer, x[members], n_groups), 1
    kept, per_resample = _run_resamples(
        resample, rng, n_cols, ref, n_groups, n_resamples, width, min_resamples, target_se
    )
    return _summary(kept, per_resample, members, ref, group_ids, n_rows)


def _summary(
    kept: FloatArray,
    per_resample: list[float],
    members: IntArray,
    ref: IntArray,
    group_ids: IntArray,
    n_rows: int,
) -> GroupStability:
    """The stability of each member, group and overall, from the resamples that kept each member in their group."""
    n_groups = group_ids.size
    n_done = len(per_resample)
    kept /= n_done
    se = float(np.std(per_resample, ddof=1) / np.sqrt(n_done)) if n_done > 1 else float("nan")
    participant = np.full(n_rows, np.nan)
    participant[members] = kept
    per_group = np.bincount(ref, weights=kept, minlength=n_groups) / np.bincount(ref, minlength=n_groups)
    return GroupStability(
        overall=float(kept.mean()),
        per_group=per_group.astype(np.float64),
        groups=group_ids.astype(np.int64),
        participant=participant,
        n_resamples=int(n_done),
        standard_error=se,
    )


def _checked_groups(groups: ArrayLike, n_rows: int, n_resamples: int) -> NDArray[np.integer[Any]]:
    g = np.asarray(groups)
    if g.ndim != 1 or g.shape[0] != n_rows:
        raise AnalysisInputError(
            f"groups must have one entry per participant ({n_rows}), got shape {g.shape}"
        )
    if not np.issubdtype(g.dtype, np.integer):
        raise AnalysisInputError("groups must be integers (negative for participants without a group)")
    if n_resamples < 1:
        raise AnalysisInputError(f"n_resamples must be at least 1, got {n_resamples}")
    return g


def _check_stopping(n_groups: int, min_resamples: int | None, target_se: float, n_jobs: int) -> None:
    if n_groups < 2:
        raise AnalysisInputError("group stability needs at least two groups")
    if min_resamples is not None and min_resamples < 1:
        raise AnalysisInputError(f"min_resamples must be at least 1, got {min_resamples}")
    if not target_se >= 0.0:
        raise AnalysisInputError(f"target_se must be non-negative, got {target_se!r}")
    if n_jobs < 1:
        raise AnalysisInputError(f"n_jobs must be at least 1, got {n_jobs}")


def _weighted_resample(
    weighted_cluster: WeightedClusterFunction, n_cols: int, n_groups: int
) -> Callable[[IntArray, int], IntArray]:
    """One resample's labels from how often each statement was drawn."""

    def resample(cols: IntArray, seed: int) -> IntArray:
        counts = np.bincount(cols, minlength=n_cols).astype(np.int64)
        return np.asarray(weighted_cluster(counts, n_groups, seed)).astype(np.int64).ravel()

    return resample


def _copied_resample(
    clusterer: ClusterFunction, sub: sparse.csr_matrix, n_groups: int
) -> Callable[[IntArray, int], IntArray]:
    """One resample's labels from a copy of the grouped participants' votes on the drawn statements."""

    def resample(cols: IntArray, seed: int) -> IntArray:
        found = clusterer(sparse.csr_matrix(sub[:, cols]), n_groups, seed)
        return np.asarray(found).astype(np.int64).ravel()

    return resample


def _run_resamples(
    resample: Callable[[IntArray, int], IntArray],
    rng: np.random.Generator,
    n_cols: int,
    ref: IntArray,
    n_groups: int,
    n_resamples: int,
    width: int,
    min_resamples: int | None,
    target_se: float,
) -> tuple[FloatArray, list[float]]:
    """How many resamples kept each member in their group, and the share kept in each resample.

    Runs ``width`` resamples at a time; stops after ``n_resamples``, or earlier once the standard
    error is at most ``target_se`` (after ``min_resamples``).
    """
    pool = ThreadPoolExecutor(max_workers=width) if width > 1 else None
    kept = np.zeros(ref.size, dtype=np.float64)
    per_resample: list[float] = []
    try:
        stop = False
        while not stop and len(per_resample) < n_resamples:
            # Draw a batch in the order a one-at-a-time loop would, then use it in that order.
            batch = min(width, n_resamples - len(per_resample))
            draws = []
            for _ in range(batch):
                cols = rng.integers(0, n_cols, size=n_cols)
                draws.append((cols, int(rng.integers(0, 2**31 - 1))))
            if pool is not None:
                found_all = list(pool.map(lambda d: resample(*d), draws))
            else:
                found_all = [resample(*d) for d in draws]
            for labels in found_all:
                if labels.shape[0] != ref.size:
                    raise AnalysisInputError(
                        f"cluster function returned {labels.shape[0]} labels for {ref.size} participants"
                    )
                hit = _align(ref, labels, n_groups) == ref
                kept += hit
                per_resample.append(float(hit.mean()))
                if _precise_enough(per_resample, min_resamples, target_se):
                    stop = True
                    break
    finally:
        if pool is not None:
            pool.shutdown(wait=True)
    return kept, per_resample


def _precise_enough(per_resample: list[float], min_resamples: int | None, target_se: float) -> bool:
    """Whether adaptive stopping may stop: enough resamples, and the standard error at most ``target_se``."""
    done = len(per_resample)
    return (
        min_resamples is not None
        and done >= max(min_resamples, 2)
        and float(np.std(per_resample, ddof=1)) / np.sqrt(done) <= target_se
    )
