"""commonweal mode: the opinion groups that are there, in as many dimensions as the votes support.

Pol.is clusters participants on the first two principal components, which merges four or more opinion groups
(``benchmarks/groups.py``). Here:

1. **Dimensions.** The leading principal components of the centred vote matrix (the same matrix as Pol.is' PCA),
   up to ``max_dims``; a component is kept when its eigenvalue exceeds the largest eigenvalue of the same matrix
   with each statement's centred votes shuffled among its voters (parallel analysis, one shuffle, seeded): what
   sparse random votes alone would give. At least two are kept.
2. **Points.** Each participant is projected on those components the way Pol.is projects on two (the sum over
   their votes, scaled by ``sqrt(N / n_p)``).
3. **Groups.** k-means (scikit-learn, ``n_init`` starts, seeded) for each k from 2 to
   ``min(max_k, dims + 1)`` on the in-conv participants (a seeded sample of at most ``sample`` of them; everyone
   is then given the nearest centre), and the k with the best score: the mean silhouette (on a sample of at most
   2,000) by default; ``"gmm-bic"`` and ``"kmeans-bic"`` are the alternatives compared on the suite
   (docs/analysis.md, "commonweal mode").
4. **Finer groups.** k-means at ``fine_k(k)`` on the same points: the finer structure that common ground must
   also hold in, so merged groups never hide a minority.

Everything is linear in the votes (two sparse eigen-solves of a few components) plus k-means on at most
``sample`` points of at most ``max_dims`` coordinates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from commonweal.analysis import polis
from commonweal.analysis.errors import AnalysisInputError

__all__ = [
    "GroupingOptions",
    "OpinionSpace",
    "FoundGroups",
    "opinion_space",
    "find_groups",
    "fine_groups",
    "fine_k",
    "map_overlap",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

Method = Literal["kmeans-silhouette", "gmm-bic", "kmeans-bic", "latent-class"]
METHODS: tuple[str, ...] = ("latent-class", "kmeans-silhouette", "gmm-bic", "kmeans-bic")


@dataclass(frozen=True)
class GroupingOptions:
    """How commonweal mode finds its groups (the defaults are the method defended in docs/analysis.md).

    Attributes
    ----------
    method : {"latent-class", "kmeans-silhouette", "gmm-bic", "kmeans-bic"}
        How the number of groups is chosen and who is in them: ``"latent-class"`` chooses k as
        ``"kmeans-silhouette"`` does, then refines the groups with a latent-class model of the votes themselves
        (:func:`latent_class`); the others keep k-means' groups, with k by silhouette or by BIC.
    max_dims : int
        Most principal components clustered on (10).
    max_k : int
        Most opinion groups (8).
    sample : int
        k-means runs on at most this many in-conv participants (a seeded sample); the rest get the nearest centre.
    n_init : int
        k-means starts per k.
    em_iters : int
        Iterations of the latent-class model's EM.
    seed : int
        Seeds the shuffle, the samples and the k-means starts (the result is deterministic).
    """

    method: Method = "latent-class"
    max_dims: int = 10
    max_k: int = 8
    sample: int = 5000
    n_init: int = 4
    em_iters: int = 25
    seed: int = 0

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise AnalysisInputError(
                f"grouping method must be one of {', '.join(METHODS)}, got {self.method!r}"
            )
        if self.max_dims < 2 or self.max_k < 2 or self.sample < 10 or self.n_init < 1:
            raise AnalysisInputError(
                "max_dims and max_k must be at least 2, sample at least 10, n_init at least 1"
            )


@dataclass(frozen=True)
class OpinionSpace:
    """The participants in the dimensions the votes support.

    Attributes
    ----------
    points : numpy.ndarray, shape (n_participants, dims)
    dims : int
        Components kept.
    eigenvalues : numpy.ndarray
        Of every component computed (``max_dims``, or fewer for a small matrix).
    noise_eigenvalue : float
        The largest eigenvalue of the shuffled matrix: components above it are kept.
    """

    points: FloatArray
    dims: int
    eigenvalues: FloatArray
    noise_eigenvalue: float


@dataclass(frozen=True)
class FoundGroups:
    """The groups commonweal mode found.

    Attributes
    ----------
    labels : numpy.ndarray of int
        Group of each participant, -1 when not clustered (not in-conv); groups numbered by size, largest first.
    k : int
    scores : dict
        k -> the selection score (silhouette: higher is better; BIC: lower is better).
    centres : numpy.ndarray, shape (k, dims)
    """

    labels: IntArray
    k: int
    scores: dict[int, float] = field(default_factory=dict)
    centres: FloatArray = field(default_factory=lambda: np.zeros((0, 2)))


def _shuffled_within_columns(centred: Any, rng: np.random.Generator) -> Any:
    """The centred matrix with each column's stored values permuted among its rows (sparsity kept)."""
    csc = sp.csc_matrix(centred)
    cols = np.repeat(np.arange(csc.shape[1]), np.diff(csc.indptr))
    order = np.lexsort((rng.random(csc.data.size), cols))
    shuffled = sp.csc_matrix((csc.data[order], csc.indices, csc.indptr), shape=csc.shape)
    return shuffled.tocsr()


def opinion_space(
    centred: Any,
    columns: BoolArray,
    n_cast: IntArray,
    n_columns: int,
    *,
    max_dims: int = 10,
    seed: int = 0,
) -> OpinionSpace:
    """Project the participants on the principal components the votes support (parallel analysis).

    Parameters
    ----------
    centred : scipy.sparse.csr_matrix
        Pol.is' centred matrix (:func:`commonweal.analysis.polis.centred_matrix`).
    columns : numpy.ndarray of bool
        Informative columns (:func:`commonweal.analysis.polis.informative_columns`).
    n_cast : numpy.ndarray of int
        Each participant's ``n_p`` (as in Pol.is' projection).
    n_columns : int
        Pol.is' N.
    max_dims : int
    seed : int

    Returns
    -------
    OpinionSpace
    """
    comps, evals = polis.pca_components(centred, max_dims, method="lanczos", columns=columns)
    noise = 0.0
    if evals[0] > 0:
        shuffled = _shuffled_within_columns(centred, np.random.default_rng(seed))
        _, noise_evals = polis.pca_components(shuffled, 1, method="lanczos", columns=columns)
        noise = float(noise_evals[0])
    dims = max(2, int(np.count_nonzero(evals > noise)))
    dims = min(dims, comps.shape[0])
    points = polis.project_participants(centred, comps[:dims], n_cast, n_columns)
    return OpinionSpace(points=points, dims=dims, eigenvalues=evals, noise_eigenvalue=noise)


def _kmeans(points: FloatArray, k: int, n_init: int, seed: int) -> Any:
    # scikit-learn takes about half a second to import and only commonweal mode's clustering needs it here:
    # deferred for start-up cost
    from sklearn.cluster import KMeans

    # deferred with scikit-learn for start-up cost: threadpoolctl comes with it
    from threadpoolctl import threadpool_limits

    # On at most `sample` points of a few coordinates OpenMP threads only add overhead and contend under load.
    with threadpool_limits(limits=1, user_api="openmp"):
        return KMeans(n_clusters=k, n_init=n_init, random_state=seed).fit(points)


def _score(method: str, points: FloatArray, km: Any, seed: int) -> float:
    """The selection score of one clustering (silhouette: higher is better; BIC: lower is better)."""
    labels = km.labels_
    if method in ("kmeans-silhouette", "latent-class"):
        # deferred with scikit-learn for start-up cost (see _kmeans)
        from sklearn.metrics import silhouette_score

        n = points.shape[0]
        # The silhouette is defined for 2 to n - 1 groups: with one group, or everyone in a group of their
        # own, it has no value, and such a k is never chosen over one that has.
        if not 2 <= np.unique(labels).size <= n - 1:
            return -1.0
        return float(silhouette_score(points, labels, sample_size=min(2000, n), random_state=seed))
    if method == "kmeans-bic":
        return _spherical_bic(points, labels, float(km.inertia_))
    # deferred with scikit-learn for start-up cost (see _kmeans)
    from sklearn.mixture import GaussianMixture

    gmm = GaussianMixture(
        n_components=int(km.n_clusters),
        covariance_type="spherical",
        means_init=km.cluster_centers_,
        random_state=seed,
    ).fit(points)
    return float(gmm.bic(points))


def _spherical_bic(points: FloatArray, labels: IntArray, inertia: float) -> float:
    """BIC of k-means read as a mixture of spherical Gaussians with one shared variance (X-means)."""
    n, d = points.shape
    k = int(labels.max()) + 1
    var = max(inertia / max(n * d, 1), 1e-12)
    sizes = np.bincount(labels, minlength=k)
    sizes = sizes[sizes > 0]
    loglik = float(np.sum(sizes * np.log(sizes / n))) - n * d / 2 * np.log(2 * np.pi * var) - n * d / 2
    params = k * d + (k - 1) + 1
    return float(-2 * loglik + params * np.log(n))


def _sample(n: int, size: int, seed: int) -> IntArray:
    if n <= size:
        return np.arange(n, dtype=np.int64)
    return np.sort(np.random.default_rng(seed).choice(n, size=size, replace=False)).astype(np.int64)


def _by_size(labels: IntArray, centres: FloatArray) -> tuple[IntArray, FloatArray]:
    """Renumber groups largest first (ties by the lower old number)."""
    k = centres.shape[0]
    sizes = np.bincount(labels, minlength=k)
    order = np.lexsort((np.arange(k), -sizes))
    rank = np.empty(k, dtype=np.int64)
    rank[order] = np.arange(k)
    return rank[labels], centres[order]


def _nearest(points: FloatArray, centres: FloatArray) -> IntArray:
    d2 = (points**2).sum(axis=1)[:, None] - 2 * points @ centres.T + (centres**2).sum(axis=1)[None, :]
    return np.asarray(d2.argmin(axis=1), dtype=np.int64)


def find_groups(
    points: FloatArray, in_conv: BoolArray, options: GroupingOptions, dims: int, votes: Any = None
) -> FoundGroups:
    """Choose the number of groups and cluster the in-conv participants (step 3 of the module docstring).

    Parameters
    ----------
    points : numpy.ndarray, shape (n_participants, dims)
    in_conv : numpy.ndarray of bool
    options : GroupingOptions
    dims : int
        Dimensions of ``points`` (caps k at ``dims + 1``).
    votes : scipy.sparse.csr_matrix, optional
        Participants x statements, passes stored as explicit zeros (``VoteMatrix.votes``), for the
        ``"latent-class"`` refinement (without it the k-means groups are kept).

    Returns
    -------
    FoundGroups
    """
    labels = np.full(points.shape[0], -1, dtype=np.int64)
    idx = np.flatnonzero(in_conv)
    pts = points[idx]
    distinct = np.unique(pts, axis=0).shape[0] if pts.shape[0] else 0
    top = min(options.max_k, dims + 1, distinct)
    if top < 2:
        if idx.size:
            labels[idx] = 0
        return FoundGroups(
            labels, 1 if idx.size else 0, {}, pts.mean(axis=0, keepdims=True) if idx.size else points[:0]
        )
    sample = pts[_sample(pts.shape[0], options.sample, options.seed)]
    higher_better = options.method in ("kmeans-silhouette", "latent-class")
    best: tuple[float, Any] | None = None
    scores: dict[int, float] = {}
    for k in range(2, top + 1):
        km = _kmeans(sample, k, options.n_init, options.seed)
        scores[k] = _score(options.method, sample, km, options.seed)
        better = best is None or (scores[k] > best[0] if higher_better else scores[k] < best[0])
        if better:
            best = (scores[k], km)
    assert best is not None
    centres = np.asarray(best[1].cluster_centers_, dtype=np.float64)
    found = _nearest(pts, centres)
    if options.method == "latent-class" and votes is not None:
        found = latent_class(sp.csr_matrix(votes)[idx], found, centres.shape[0], options)
        # The groups' centres in the space of the points, for the record (the model has no centres there).
        counts = np.bincount(found, minlength=centres.shape[0]).astype(np.float64)
        sums = np.stack(
            [np.bincount(found, weights=pts[:, i], minlength=centres.shape[0]) for i in range(dims)]
        )
        centres = (sums / np.maximum(counts, 1.0)).T
    kept = np.unique(found)  # a centre may be nobody's nearest once everyone is assigned
    centres = centres[kept]
    found = np.searchsorted(kept, found)
    found, centres = _by_size(found, centres)
    labels[idx] = found
    return FoundGroups(labels, int(centres.shape[0]), scores, centres)


def latent_class(votes: Any, start: IntArray, k: int, options: GroupingOptions) -> IntArray:
    """Refine groups with a latent-class model of the votes (EM), started from ``start``.

    The model is the plainest one of opinion groups: each group g has, for each statement s, probabilities of
    agreeing, disagreeing and passing, and a participant's votes are independent given their group. Only the
    votes cast enter the likelihood (an unvoted statement says nothing, where PCA imputes the column mean), so it
    uses everything a sparse voter said. EM with add-one (Dirichlet) smoothing of each group's probabilities,
    ``em_iters`` iterations on at most ``sample`` participants, then everyone in the group of highest posterior.
    Each iteration is ``2k`` weighted counts over the sample's votes.

    Parameters
    ----------
    votes : scipy.sparse.csr_matrix
        The in-conv participants' rows, passes as explicit zeros.
    start : numpy.ndarray of int
        Initial group of each row (k-means').
    k : int
    options : GroupingOptions

    Returns
    -------
    numpy.ndarray of int
        The group of each row (0..k-1; a group may end empty).
    """
    n = votes.shape[0]
    n_s = votes.shape[1]
    rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(votes.indptr))
    key = votes.indices.astype(np.int64) * 3 + (np.sign(votes.data).astype(np.int64) + 1)
    fit = _sample(n, options.sample, options.seed + 1)
    in_fit = np.zeros(n, dtype=bool)
    in_fit[fit] = True
    vote_in_fit = in_fit[rows]
    fit_pos = np.cumsum(in_fit) - 1
    f_rows, f_key = fit_pos[rows[vote_in_fit]], key[vote_in_fit]
    resp = np.zeros((fit.size, k))
    resp[np.arange(fit.size), start[fit]] = 1.0
    for _ in range(options.em_iters):
        log_theta, log_pi = _m_step(resp, f_rows, f_key, n_s, k)
        resp = _posterior(_log_likelihood(log_theta, log_pi, f_rows, f_key, fit.size))
    log_theta, log_pi = _m_step(resp, f_rows, f_key, n_s, k)
    return np.asarray(_log_likelihood(log_theta, log_pi, rows, key, n).argmax(axis=1), dtype=np.int64)


def _m_step(
    resp: FloatArray, rows: IntArray, key: IntArray, n_s: int, k: int
) -> tuple[FloatArray, FloatArray]:
    """Each group's log probabilities of agree/pass/disagree per statement (add-one smoothed) and log share."""
    pi = resp.sum(axis=0) + 1.0
    log_pi = np.log(pi / pi.sum())
    log_theta = np.empty((k, n_s * 3))
    for g in range(k):
        counts = np.bincount(key, weights=resp[rows, g], minlength=n_s * 3).reshape(n_s, 3) + 1.0
        log_theta[g] = np.log(counts / counts.sum(axis=1, keepdims=True)).ravel()
    return log_theta, log_pi


def _log_likelihood(
    log_theta: FloatArray, log_pi: FloatArray, rows: IntArray, key: IntArray, n: int
) -> FloatArray:
    """Log prior plus log likelihood of each participant's votes under each group, shape (n, k)."""
    cols = [np.bincount(rows, weights=log_theta[g][key], minlength=n) for g in range(log_theta.shape[0])]
    return np.column_stack(cols) + log_pi[None, :]


def _posterior(loglik: FloatArray) -> FloatArray:
    shifted = np.exp(loglik - loglik.max(axis=1, keepdims=True))
    return np.asarray(shifted / shifted.sum(axis=1, keepdims=True), dtype=np.float64)


def fine_k(k: int, n_in_conv: int) -> int:
    """How many finer groups common ground is checked in: twice the groups, at least 8, at most 16, and no more
    than one per 20 in-conv participants (but at least ``k``)."""
    return max(k, min(16, max(2 * k, 8), n_in_conv // 20))


def fine_groups(
    points: FloatArray, in_conv: BoolArray, k: int, options: GroupingOptions, votes: Any = None
) -> IntArray:
    """The finer structure (step 4): k-means at ``fine_k`` on the in-conv participants, refined by the latent-class
    model when ``votes`` are given and the method is ``"latent-class"``; -1 for the others.

    Parameters
    ----------
    points : numpy.ndarray, shape (n_participants, dims)
    in_conv : numpy.ndarray of bool
    k : int
        The groups found (or shown).
    options : GroupingOptions
    votes : scipy.sparse.csr_matrix, optional

    Returns
    -------
    numpy.ndarray of int
    """
    labels = np.full(points.shape[0], -1, dtype=np.int64)
    idx = np.flatnonzero(in_conv)
    if idx.size == 0:
        return labels
    pts = points[idx]
    n_fine = min(fine_k(k, idx.size), np.unique(pts, axis=0).shape[0])
    if n_fine < 2:
        labels[idx] = 0
        return labels
    sample = pts[_sample(pts.shape[0], options.sample, options.seed)]
    km = _kmeans(sample, n_fine, 1, options.seed)
    found = _nearest(pts, np.asarray(km.cluster_centers_, dtype=np.float64))
    if options.method == "latent-class" and votes is not None:
        found = latent_class(sp.csr_matrix(votes)[idx], found, n_fine, options)
    labels[idx] = found
    return labels


def map_overlap(points2d: FloatArray, labels: IntArray, *, share: float = 0.1) -> bool:
    """Whether the groups overlap on the two-dimensional opinion map.

    True when more than ``share`` of the grouped participants are nearer, on the map, to another group's centre
    (the mean of its members' map positions) than to their own group's: the page then says that the map does
    not separate the groups it colours.

    Parameters
    ----------
    points2d : numpy.ndarray, shape (n_participants, 2)
    labels : numpy.ndarray of int
        -1 for participants not in a group.
    share : float

    Returns
    -------
    bool
    """
    grouped = labels >= 0
    if not grouped.any():
        return False
    lab = labels[grouped]
    pts = points2d[grouped]
    k = int(lab.max()) + 1
    if k < 2:
        return False
    counts = np.bincount(lab, minlength=k).astype(np.float64)
    centres = np.column_stack(
        [np.bincount(lab, weights=pts[:, i], minlength=k) / np.maximum(counts, 1.0) for i in range(2)]
    )
    present = np.flatnonzero(counts > 0)
    nearest = present[_nearest(pts, centres[present])]
    return bool(np.mean(nearest != lab) > share)
