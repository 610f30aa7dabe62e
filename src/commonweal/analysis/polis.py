"""Pol.is mode, step by step: the math of Pol.is' Clojure worker, on sparse matrices.

Every function here is one step of "Pol.is mode, step by step" in the engine reference
(``docs/analysis.md``, which names the Pol.is worker's source files) and follows Pol.is' math
detail for detail, except where a docstring says otherwise.

Signs: our votes are +1 agree, -1 disagree, 0 pass. Pol.is' math uses agree = -1. Every
quantity here is in *our* sign; Pol.is' PCA centre and projections are the negatives of ours
(components are only defined up to sign anyway), and counts are sign-free.

Nothing here densifies a participants x statements matrix: the centred matrix keeps the
sparsity of the votes (after centring, a missing cell imputed with its column mean is exactly
zero), PCA uses a sparse eigen-solver on ``X^T X``, and every count is a ``bincount`` over the
stored cells. Cost is linear in the number of votes, plus k-means on 2-D points.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from scipy.spatial import cKDTree

from commonweal.analysis.matrix import VoteMatrix

__all__ = [
    "Z_90",
    "ConsensusStatement",
    "KMeansResult",
    "KSmoother",
    "RepStatement",
    "Subgroups",
    "Tallies",
    "centred_matrix",
    "choose_groups",
    "choose_subgroups",
    "column_means",
    "informative_columns",
    "consensus",
    "group_informed_consensus",
    "group_tallies",
    "in_conv",
    "init_clusters",
    "kmeans",
    "pca_components",
    "priorities",
    "project_participants",
    "project_statements",
    "sparse_times_block",
    "prop_test",
    "repness",
    "silhouette",
    "smooth_k",
    "statement_columns",
    "two_prop_test",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

Z_90 = 1.2816
"""One-sided 90% critical value of the standard normal, as Pol.is' ``z-sig-90?``."""


# --------------------------------------------------------------------------- 1. matrix
def statement_columns(matrix: VoteMatrix) -> tuple[BoolArray, BoolArray, int]:
    """Which columns Pol.is would see, and which it zeroes out.

    Pol.is' rating matrix has a column only for statements that received at least one vote
    ("active"); rejected and meta statements ("mod-out") become columns of zeros for every
    participant.

    Parameters
    ----------
    matrix : VoteMatrix
        The votes.

    Returns
    -------
    active : numpy.ndarray of bool
        Statement has at least one vote (a column of Pol.is' matrix).
    usable : numpy.ndarray of bool
        Active and not mod-out: the columns that carry information into PCA.
    n_columns : int
        Number of active statements, Pol.is' ``n-cmts`` (the N of the projection).
    """
    active = matrix.statement_vote_counts() > 0
    usable = active & ~matrix.mod_out
    return active, usable, int(active.sum())


# --------------------------------------------------------------------------- 2. in-conv
def in_conv(
    vote_counts: IntArray,
    n_columns: int,
    previous: BoolArray | None = None,
    *,
    min_votes: int = 7,
    greedy_n: int = 15,
) -> BoolArray:
    """Participants who are clustered ("in-conv"), as Pol.is' ``:in-conv``.

    A participant with at least ``min(min_votes, n_columns)`` votes (passes count) is in;
    once in, always in (``previous``), as long as they have a vote: a participant whose votes
    are all gone (erased) is out, never grouped at the centre of the map. If fewer than
    ``greedy_n`` are in, the participants with most votes are added until there are
    ``greedy_n``. Pol.is breaks ties among equal vote counts by the iteration order of a
    Clojure hash map; here ties go to the earlier row.

    Parameters
    ----------
    vote_counts : numpy.ndarray of int
        Votes per participant (all votes, on every statement, passes included).
    n_columns : int
        Number of statements with at least one vote.
    previous : numpy.ndarray of bool, optional
        In-conv mask of the previous update, aligned with ``vote_counts`` (new participants
        appended as ``False``).
    min_votes, greedy_n : int
        Pol.is' 7 and 15.

    Returns
    -------
    numpy.ndarray of bool
    """
    counts = np.asarray(vote_counts, dtype=np.int64)
    mask = counts >= min(min_votes, n_columns)
    mask &= counts > 0
    if previous is not None:
        prev = np.asarray(previous, dtype=np.bool_)
        if prev.shape[0] > counts.shape[0]:
            raise ValueError("previous in-conv mask is longer than the vote counts")
        mask[: prev.shape[0]] |= prev
        # Pol.is never removes votes, so this changes nothing there.
        mask &= counts > 0
    have = int(mask.sum())
    if have < greedy_n:
        candidates = np.flatnonzero(~mask & (counts > 0))
        order = candidates[np.argsort(-counts[candidates], kind="stable")]
        mask[order[: greedy_n - have]] = True
    return mask


# --------------------------------------------------------------------------- 3. PCA
def column_means(votes: Any, usable: BoolArray, *, kind_counts: IntArray | None = None) -> FloatArray:
    """Mean of each column over its voted cells (passes count as 0); 0 where not usable.

    Parameters
    ----------
    votes : scipy.sparse.csr_matrix
        The vote matrix (stored zeros are passes).
    usable : numpy.ndarray of bool
        Columns that take part (active, not mod-out).
    kind_counts : numpy.ndarray, optional
        Disagrees, passes and agrees per statement (:meth:`VoteMatrix.vote_kind_counts`), if
        already counted; the sums of the votes follow exactly (integers).

    Returns
    -------
    numpy.ndarray of float
    """
    n_s = votes.shape[1]
    counts: FloatArray
    sums: FloatArray
    if kind_counts is not None:
        counts = kind_counts.sum(axis=1).astype(np.float64)
        sums = (kind_counts[:, 2] - kind_counts[:, 0]).astype(np.float64)
    else:
        counts = np.bincount(votes.indices, minlength=n_s).astype(np.float64)
        sums = np.asarray(
            np.bincount(votes.indices, weights=votes.data.astype(np.float64), minlength=n_s), dtype=np.float64
        )
    means = np.zeros(n_s, dtype=np.float64)
    ok = usable & (counts > 0)
    means[ok] = sums[ok] / counts[ok]
    return means


def centred_matrix(votes: Any, means: FloatArray, usable: BoolArray, *, keys: Any = None) -> Any:
    """The column-centred vote matrix, with the sparsity of the votes.

    Missing cells take their column's mean, so after centring they are exactly zero and need
    not be stored. Columns that are not usable (mod-out) are zero for everyone.

    Parameters
    ----------
    votes : scipy.sparse.csr_matrix
    means : numpy.ndarray
    usable : numpy.ndarray of bool
    keys : numpy.ndarray of int, optional
        ``3 * column + (vote + 1)`` per stored vote (:meth:`VoteMatrix.vote_keys`), if built.

    Returns
    -------
    scipy.sparse.csr_matrix of float64
    """
    # The three possible values of every column (-1, 0, +1 minus its mean; 0 if not usable),
    # looked up per vote: one gather from a small table instead of gathering the means and
    # masking the unusable columns over every vote. Same subtraction, same result.
    n_s = votes.shape[1]
    table = np.zeros((n_s, 3), dtype=np.float64)
    levels = np.array([-1.0, 0.0, 1.0])
    table[usable] = levels[None, :] - means[usable, None]
    if keys is None:
        keys = np.asarray(votes.indices, dtype=np.intp) * 3 + (np.asarray(votes.data, dtype=np.intp) + 1)
    data = table.ravel()[keys]
    return sp.csr_matrix((data, votes.indices, votes.indptr), shape=votes.shape)


def informative_columns(kind_counts: IntArray, usable: BoolArray) -> BoolArray:
    """Columns of the centred matrix with a non-zero entry: usable and not unanimous.

    A column whose votes are all the same equals its mean everywhere, so it centres to
    exactly zero; any other usable column has no vote equal to its mean.

    Parameters
    ----------
    kind_counts : numpy.ndarray, shape (n_statements, 3)
        Disagrees, passes and agrees per statement.
    usable : numpy.ndarray of bool

    Returns
    -------
    numpy.ndarray of bool
    """
    return np.asarray(usable & ((kind_counts > 0).sum(axis=1) >= 2), dtype=np.bool_)


def sparse_times_block(matrix: Any, block: FloatArray) -> FloatArray:
    """``matrix @ block`` for a sparse matrix and a thin dense block (a few columns).

    scipy's CSR kernel for a block (``csr_matvecs``) costs about as much for two or three
    columns as for four, several times a single product; below four columns, one product per
    column is faster. Other formats (the CSC view of a transpose, whose block
    kernel is fast) use ``@``.
    """
    if sp.issparse(matrix) and matrix.format == "csr" and block.ndim == 2 and block.shape[1] <= 3:
        out = np.empty((matrix.shape[0], block.shape[1]), dtype=np.float64)
        for j in range(block.shape[1]):
            out[:, j] = matrix @ np.ascontiguousarray(block[:, j])
        return out
    return np.asarray(matrix @ block, dtype=np.float64)


def _fix_signs(components: FloatArray) -> FloatArray:
    """Make the largest-magnitude entry of every component positive (first one on ties)."""
    out = components.copy()
    for i in range(out.shape[0]):
        j = int(np.argmax(np.abs(out[i])))
        if out[i, j] < 0:
            out[i] = -out[i]
    return out


def pca_components(
    centred: Any,
    n_components: int = 2,
    *,
    start: FloatArray | None = None,
    method: Literal["auto", "gram", "lanczos"] = "auto",
    gram_budget: float = 4e7,
    columns: BoolArray | None = None,
) -> tuple[FloatArray, FloatArray]:
    """First principal components of the centred matrix, without densifying it.

    The components are the leading eigenvectors of ``X^T X`` (statements x statements).
    ``"gram"`` forms ``X^T X`` from the sparse matrix and solves it exactly with LAPACK;
    ``"lanczos"`` runs ARPACK (``scipy.sparse.linalg.eigsh``) on a ``LinearOperator``
    ``v -> X^T (X v)``, each step two sparse products (linear in the votes). With the
    previous update's components (``start``), a warm LOBPCG-style block iteration
    (:func:`lobpcg_largest`) runs first and usually converges in a few steps; Lanczos is the fallback. ``"auto"`` picks the Gram matrix when
    forming it costs less than ``gram_budget`` multiply-adds (sum over participants of their
    votes squared) and fits in memory, else Lanczos. Pol.is runs 100 warm-started power
    iterations to the same eigenvectors.

    Sign rule (Pol.is has none): each component is flipped so that its largest-magnitude
    entry is positive.

    Parameters
    ----------
    centred : scipy.sparse.csr_matrix
        Output of :func:`centred_matrix`.
    n_components : int
        Number of components (Pol.is: 2).
    start : numpy.ndarray, optional
        Previous components (``n_components x n_statements``), for a warm start.
    method : {"auto", "gram", "lanczos"}
    gram_budget : float
    columns : numpy.ndarray of bool, optional
        The columns with a non-zero centred value, if known (usable and not unanimous, see
        :func:`informative_columns`); otherwise found from the matrix.

    Returns
    -------
    components : numpy.ndarray, shape (n_components, n_statements)
        Unit vectors; a component is all zeros when the data have no variance left for it.
    eigenvalues : numpy.ndarray, shape (n_components,)
        The variance along each (sum of squares, not divided by n).
    """
    n, m = centred.shape
    comps = np.zeros((n_components, m), dtype=np.float64)
    evals = np.zeros(n_components, dtype=np.float64)
    if n == 0 or m == 0 or centred.nnz == 0:
        return comps, evals
    # Only columns with any non-zero centred value can carry a component; solving on them
    # alone keeps the Gram matrix small when many statements are mod-out or unanimous.
    if columns is not None:
        col_nz = np.asarray(columns, dtype=bool)
    else:
        col_nz = np.bincount(centred.indices[centred.data != 0.0], minlength=m) > 0
    cols = np.flatnonzero(col_nz)
    k = min(n_components, cols.size, n)
    if k == 0:
        return comps, evals
    sub = centred[:, cols] if cols.size < m else centred
    row_nnz = np.diff(sub.indptr).astype(np.float64)
    gram_cost = float(np.dot(row_nnz, row_nnz))
    use_gram = method == "gram" or (method == "auto" and cols.size <= 200 and gram_cost <= gram_budget)
    if use_gram or cols.size <= k + 1:
        vecs, vals = _gram_eigenpairs(sub, k)
    else:
        sub_t = sub.T  # CSC view: its products scatter in the same order, no copy
        warm = None
        if start is not None and start.shape[1] == m and k == n_components:
            warm = _subspace_iteration(sub, sub_t, start[:, cols].T, k)
        vecs, vals = warm if warm is not None else _lanczos_eigenpairs(sub, sub_t, start, cols, m, k)
    for i in range(k):
        if vals[i] > 1e-12 * max(1.0, float(vals[0])):
            comps[i, cols] = vecs[i]
            evals[i] = vals[i]
    return _fix_signs(comps), evals


def _gram_eigenpairs(sub: Any, k: int) -> tuple[FloatArray, FloatArray]:
    """The leading ``k`` eigenpairs of ``X^T X``, formed and solved exactly (LAPACK); vectors as rows."""
    gram = (sub.T @ sub).toarray()
    w, v = np.linalg.eigh(gram)
    order = np.argsort(w)[::-1][:k]
    return v[:, order].T, w[order]


def _lanczos_eigenpairs(
    sub: Any, sub_t: Any, start: FloatArray | None, cols: IntArray, m: int, k: int
) -> tuple[FloatArray, FloatArray]:
    """The leading ``k`` eigenpairs of ``X^T X`` by ARPACK on ``v -> X^T (X v)``; vectors as rows."""

    def matvec(x: FloatArray) -> FloatArray:
        return np.asarray(sub_t @ (sub @ x), dtype=np.float64)

    op = spla.LinearOperator((cols.size, cols.size), matvec=matvec, dtype=np.float64)
    v0 = None
    if start is not None and start.shape[1] == m and np.any(start[0, cols]):
        v0 = start[0, cols] + (start[1, cols] if start.shape[0] > 1 else 0.0)
        if not np.any(v0):
            v0 = None
    if v0 is None:
        # Deterministic start (ARPACK would otherwise draw a random one).
        v0 = np.ones(cols.size) + np.linspace(0.0, 1.0, cols.size)
    w, v = spla.eigsh(op, k=k, which="LA", v0=v0, tol=1e-12, maxiter=max(1000, 20 * cols.size))
    order = np.argsort(w)[::-1]
    return v[:, order].T, w[order]


def lobpcg_largest(
    apply: Callable[[FloatArray], FloatArray],
    start: FloatArray,
    k: int,
    *,
    tol: float,
    max_steps: int,
) -> tuple[FloatArray, FloatArray, int, bool]:
    """Leading ``k`` eigenpairs of a symmetric positive semi-definite operator, warm-started.

    A locally optimal block iteration (LOBPCG without preconditioner): each step takes the
    Rayleigh-Ritz solution over the current block, the residuals of the ``k`` wanted vectors
    and the previous step's update. Only the residuals are multiplied by the operator; the
    images of the block and of the update follow every linear combination. It needs about half
    the operator products of plain block power iteration for the same residual.

    Parameters
    ----------
    apply : callable
        ``block -> operator @ block`` for an ``(n, b)`` array.
    start : numpy.ndarray, shape (n, b)
        Starting block, ``b >= k`` (e.g. the previous solution plus a guard vector).
    k : int
        Number of wanted eigenpairs.
    tol : float
        Stop when every wanted Ritz residual ``|A y - w y|`` is at most ``tol`` times the
        largest Ritz value.
    max_steps : int
        Most operator products (the first, on the starting block, counts as one).

    Returns
    -------
    vectors : numpy.ndarray, shape (n, k)
    values : numpy.ndarray, shape (k,)
    steps : int
        Operator products used.
    converged : bool
    """
    k = min(k, start.shape[1])
    x, _ = np.linalg.qr(start)
    ax = apply(x)
    steps = 1
    p_blk: FloatArray | None = None
    ap_blk: FloatArray | None = None
    while True:
        h = x.T @ ax
        w, u = np.linalg.eigh((h + h.T) / 2.0)
        order = np.argsort(w)[::-1]
        w, u = w[order], u[:, order]
        x, ax = x @ u, ax @ u
        resid = ax - x * w
        norms = np.linalg.norm(resid, axis=0)
        converged = bool(np.all(norms[:k] <= tol * max(float(w[0]), 1e-300)))
        if converged or steps >= max_steps:
            break
        nx = x.shape[1]
        q, aq, n_old, m = _search_basis(x, ax, resid[:, :k], p_blk, ap_blk)
        if m == n_old:
            break
        aq[:, n_old:m] = apply(q[:, n_old:m])
        steps += 1
        q, aq = q[:, :m], aq[:, :m]
        h = q.T @ aq
        w2, u2 = np.linalg.eigh((h + h.T) / 2.0)
        top = np.argsort(w2)[::-1][:nx]
        c = u2[:, top]
        p_blk = q[:, nx:] @ c[nx:]
        ap_blk = aq[:, nx:] @ c[nx:]
        x, ax = q @ c, aq @ c
    return x[:, :k].copy(), w[:k].copy(), steps, converged


def _search_basis(
    x: FloatArray, ax: FloatArray, resid: FloatArray, p_blk: FloatArray | None, ap_blk: FloatArray | None
) -> tuple[FloatArray, FloatArray, int, int]:
    """The block, then the last update, then the residuals, as an orthonormal basis ``q`` with the images
    ``aq`` known for all but the residuals; returns ``q``, ``aq``, where the residuals start, and the size.

    The last update's image under the operator is known and follows every linear combination; the
    residuals are multiplied once, after orthogonalisation.
    """
    nx = x.shape[1]
    width = nx + (p_blk.shape[1] if p_blk is not None else 0) + resid.shape[1]
    # Column-major, so every leading block of columns is contiguous for BLAS.
    q = np.empty((x.shape[0], width), order="F")
    aq = np.empty((x.shape[0], width), order="F")
    q[:, :nx], aq[:, :nx] = x, ax
    m = nx
    if p_blk is not None and ap_blk is not None:
        m = _add_updates(q, aq, m, p_blk, ap_blk)
    n_old = m
    return q, aq, n_old, _add_residuals(q, m, resid)


def _add_updates(q: FloatArray, aq: FloatArray, m: int, p_blk: FloatArray, ap_blk: FloatArray) -> int:
    """Append the last update's directions (and their images) to the basis ``q[:, :m]``; the new size.

    Classical Gram-Schmidt, twice, each new vector projected against the whole basis at once (two
    matrix-vector products instead of a loop over the basis vectors: the same projections).
    """
    for i in range(p_blk.shape[1]):
        v, av = p_blk[:, i], ap_blk[:, i]
        size = float(np.linalg.norm(v))
        if size == 0.0:
            continue
        v, av = v / size, av / size
        for _ in range(2):
            coef = q[:, :m].T @ v
            v, av = v - q[:, :m] @ coef, av - aq[:, :m] @ coef
        norm = float(np.linalg.norm(v))
        if norm > 1e-6:
            q[:, m], aq[:, m] = v / norm, av / norm
            m += 1
    return m


def _add_residuals(q: FloatArray, m: int, resid: FloatArray) -> int:
    """Append the residuals, orthogonalised (twice) against the basis ``q[:, :m]``; the new size."""
    for i in range(resid.shape[1]):
        v = resid[:, i]
        size = float(np.linalg.norm(v))
        if size == 0.0:
            continue
        v = v / size
        for _ in range(2):
            v = v - q[:, :m] @ (q[:, :m].T @ v)
        norm = float(np.linalg.norm(v))
        if norm > 1e-8:
            q[:, m] = v / norm
            m += 1
    return m


def _subspace_iteration(
    sub: Any, sub_t: Any, start: FloatArray, k: int, *, tol: float = 1e-6, max_iter: int = 30
) -> tuple[FloatArray, FloatArray] | None:
    """Warm-started block iteration (:func:`lobpcg_largest`; Pol.is runs a warm power
    iteration), for both components at once, plus one guard vector.

    Stops when every Ritz pair's residual ``|A y - w y|`` is below ``tol`` times the largest
    eigenvalue; returns ``None`` if that does not happen in ``max_iter`` steps (the caller then
    runs Lanczos). Each step is two sparse products with a block of two vectors: linear in the votes.
    """
    n = start.shape[0]
    if n <= k + 1 or not np.all(np.isfinite(start)) or np.linalg.matrix_rank(start) < k:
        return None
    guard = np.cos(np.arange(n, dtype=np.float64) * 1.618033988749895)  # deterministic extra direction

    def apply(block: FloatArray) -> FloatArray:
        return np.asarray(sub_t @ sparse_times_block(sub, block), dtype=np.float64)

    vecs, vals, _, converged = lobpcg_largest(
        apply, np.column_stack([start, guard]), k, tol=tol, max_steps=max_iter
    )
    if not converged:
        return None
    return vecs.T.copy(), vals.copy()


# --------------------------------------------------------------------------- 4. projection
def project_participants(
    centred: Any, components: FloatArray, n_cast: IntArray, n_columns: int
) -> FloatArray:
    """Pol.is' sparsity-aware projection of every participant.

    ``(x, y) = sqrt(N / max(n_p, 1)) * sum_j (v_pj - c_j) * (pc1_j, pc2_j)`` over the cells p
    voted on, with N the number of active statements and ``n_p`` p's non-empty cells in
    Pol.is' rating matrix (mod-out columns count as voted, for everyone).

    Parameters
    ----------
    centred : scipy.sparse.csr_matrix
    components : numpy.ndarray, shape (2, n_statements)
    n_cast : numpy.ndarray of int
        ``n_p`` per participant.
    n_columns : int
        N.

    Returns
    -------
    numpy.ndarray, shape (n_participants, 2)
    """
    raw = sparse_times_block(centred, np.ascontiguousarray(components.T))
    scale = np.sqrt(n_columns / np.maximum(n_cast, 1).astype(np.float64))
    return raw * scale[:, None]


def project_statements(
    means: FloatArray, components: FloatArray, n_columns: int, usable: BoolArray
) -> tuple[FloatArray, FloatArray]:
    """Project each statement as a participant who agreed with it alone; its extremity.

    Parameters
    ----------
    means : numpy.ndarray
        Column means (our sign).
    components : numpy.ndarray, shape (2, n_statements)
    n_columns : int
        N, as in :func:`project_participants`.
    usable : numpy.ndarray of bool

    Returns
    -------
    projections : numpy.ndarray, shape (n_statements, 2)
    extremity : numpy.ndarray, shape (n_statements,)
        Length of each projection.
    """
    proj = (math.sqrt(n_columns) * (1.0 - means))[:, None] * components.T
    proj[~usable] = 0.0
    return proj, np.sqrt((proj**2).sum(axis=1))


# --------------------------------------------------------------------------- 5-6. k-means
@dataclass(frozen=True)
class KMeansResult:
    """Result of :func:`kmeans`.

    Attributes
    ----------
    labels : numpy.ndarray of int
        Cluster (index into ``centres``) of each point.
    centres : numpy.ndarray, shape (n_clusters, dims)
        Non-empty clusters only, in the order of the initial centres they grew from.
    sizes : numpy.ndarray of int
        Number of points in each cluster.
    weights : numpy.ndarray of float
        Total weight in each cluster (equals ``sizes`` when unweighted).
    n_iter : int
        Steps run.
    """

    labels: IntArray
    centres: FloatArray
    sizes: IntArray
    weights: FloatArray
    n_iter: int


def init_clusters(points: FloatArray, k: int) -> FloatArray:
    """Pol.is' cold start: the first ``k`` distinct points, in order.

    Parameters
    ----------
    points : numpy.ndarray, shape (n, d)
    k : int

    Returns
    -------
    numpy.ndarray, shape (min(k, n_distinct), d)
    """
    n = points.shape[0]
    if n == 0:
        return points[:0].copy()
    # The first k distinct points of a prefix that holds at least k distinct points are the
    # first k of the whole array (first occurrences in the prefix are first occurrences), so
    # a short prefix usually suffices; it doubles until it does (at most the whole array).
    m = min(n, 4 * max(k, 1))
    while True:
        _, first = np.unique(points[:m], axis=0, return_index=True)
        if first.size >= k or m == n:
            break
        m = min(n, 2 * m)
    first.sort()
    return np.asarray(points[first[:k]], dtype=np.float64).copy()


def _nearest(points: FloatArray, centres: FloatArray, chunk: int = 1 << 16) -> tuple[IntArray, FloatArray]:
    """Index of and squared distance to the nearest centre, in chunks to bound memory."""
    n = points.shape[0]
    labels = np.empty(n, dtype=np.int64)
    dist2 = np.empty(n, dtype=np.float64)
    c_sq = (centres**2).sum(axis=1)
    ct2 = -2.0 * centres.T
    for start in range(0, n, chunk):
        block = points[start : start + chunk]
        d = block @ ct2
        d += c_sq
        lab = np.argmin(d, axis=1)
        labels[start : start + chunk] = lab
        best = d[np.arange(block.shape[0]), lab] + (block**2).sum(axis=1)
        dist2[start : start + chunk] = np.maximum(best, 0.0)
    return labels, dist2


def _nearest2(points: FloatArray, centres: FloatArray) -> tuple[IntArray, FloatArray, FloatArray]:
    """Nearest centre, distance to it and distance to the second nearest (inf if none).

    A k-d tree over the centres (at most ``base_k`` of them) answers both in O(log k) per
    point, with distances computed directly rather than through ``|x|^2 - 2 x.c + |c|^2``.
    """
    n = points.shape[0]
    k = centres.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0)
    tree = cKDTree(centres)
    # Threads pay off only on many points: starting them costs more than a small query, and
    # far more on a loaded machine (group stability runs many small k-means).
    workers = -1 if n >= 200_000 else 1
    if k == 1:
        d, i = tree.query(points, k=1, workers=workers)
        return np.asarray(i, dtype=np.int64), np.asarray(d, dtype=np.float64), np.full(n, np.inf)
    d, i = tree.query(points, k=2, workers=workers)
    return (
        np.asarray(i[:, 0], dtype=np.int64),
        np.asarray(d[:, 0], dtype=np.float64),
        np.asarray(d[:, 1], dtype=np.float64),
    )


def _nearest2_local(
    points: FloatArray,
    own: IntArray,
    own_dist: FloatArray,
    centres: FloatArray,
    *,
    centre_dist: FloatArray | None = None,
    max_candidates: int = 24,
    chunk: int = 1 << 15,
    min_points: int = 1024,
) -> tuple[IntArray, FloatArray, FloatArray]:
    """:func:`_nearest2` for points that know their current centre and exact distance to it.

    By the triangle inequality a centre ``j`` farther than ``2 r_a`` from a point's centre
    ``a`` (``r_a`` the largest such distance among the points of ``a`` searched) is strictly
    farther from the point than ``a``, so only the few centres within ``2 r_a`` of ``a`` are
    compared. The nearest centre is the one a full search finds (bar exact ties); the second
    distance is a lower bound on the true one (the smaller of the second nearest candidate
    and ``min_j d(a, j) - d(x, a)`` over the other centres), which is all the k-means bounds
    need. Points whose centre has more than ``max_candidates`` candidates, and calls with fewer
    than ``min_points`` points (where the tree is as fast), go to the k-d tree.
    """
    k = centres.shape[0]
    m = points.shape[0]
    if k <= 2 or m < min_points:
        return _nearest2(points, centres)
    cd = _centre_distances(centres) if centre_dist is None else centre_dist
    radius = np.zeros(k)
    np.maximum.at(radius, own, own_dist)
    cand = cd <= 2.0 * radius[:, None]
    cand[np.arange(k), np.arange(k)] = True
    n_cand = cand.sum(axis=1)
    out_min = np.where(cand, np.inf, cd).min(axis=1)
    labels = np.empty(m, dtype=np.int64)
    d1 = np.empty(m)
    d2 = np.empty(m)
    wide = n_cand[own] > max_candidates
    if wide.any():
        w_idx = np.flatnonzero(wide)
        labels[w_idx], d1[w_idx], d2[w_idx] = _nearest2(points[w_idx], centres)
    narrow = np.flatnonzero(~wide)
    if narrow.size:
        width = int(n_cand[own[narrow]].max())
        # Candidates of each centre in index order, padded with a sentinel centre at infinity.
        order = np.argsort(~cand, axis=1, kind="stable")[:, :width]
        table = np.where(np.arange(width)[None, :] < n_cand[:, None], order, k)
        ext = np.vstack([centres, np.full((1, centres.shape[1]), np.inf)])
        for start in range(0, narrow.size, chunk):
            idx = narrow[start : start + chunk]
            rows = table[own[idx]]
            # Squared distances, one coordinate at a time (a reduction over a short last axis
            # is slow in numpy).
            sq = np.zeros(rows.shape)
            for dim in range(points.shape[1]):
                delta = points[idx, dim][:, None] - ext[:, dim][rows]
                sq += delta * delta
            j1 = np.argmin(sq, axis=1)
            r = np.arange(idx.size)
            labels[idx] = rows[r, j1]
            d1[idx] = np.sqrt(sq[r, j1])
            sq[r, j1] = np.inf
            second = np.sqrt(sq.min(axis=1)) if width > 1 else np.full(idx.size, np.inf)
            d2[idx] = np.minimum(second, out_min[own[idx]] - own_dist[idx])
    return labels, d1, d2


def _centre_distances(centres: FloatArray) -> FloatArray:
    """Pairwise distances between centres (k x k, zero diagonal)."""
    sq = np.zeros((centres.shape[0], centres.shape[0]))
    for dim in range(centres.shape[1]):
        delta = centres[:, dim][:, None] - centres[:, dim][None, :]
        sq += delta * delta
    return np.sqrt(sq)


def _half_gaps(centre_dist: FloatArray) -> FloatArray:
    """Half the distance from each centre to its nearest other centre (inf if it is alone)."""
    k = centre_dist.shape[0]
    if k < 2:
        return np.full(k, np.inf)
    d = centre_dist.copy()
    d[np.arange(k), np.arange(k)] = np.inf
    return np.asarray(d.min(axis=1) / 2.0, dtype=np.float64)


def _same_clustering(old: FloatArray, new: FloatArray, threshold: float) -> bool:
    """Pol.is' ``same-clustering?``: sorted centres pairwise closer than the threshold."""
    if old.shape[0] == 0 or new.shape[0] == 0:
        return bool(old.shape[0] == new.shape[0])
    a = old[np.lexsort(old.T[::-1])]
    b = new[np.lexsort(new.T[::-1])]
    m = min(a.shape[0], b.shape[0])
    return bool(np.all(np.sqrt(((a[:m] - b[:m]) ** 2).sum(axis=1)) < threshold))


def kmeans(
    points: FloatArray,
    init: FloatArray,
    *,
    weights: FloatArray | None = None,
    max_iter: int = 100,
    threshold: float = 0.01,
) -> KMeansResult:
    """Pol.is' k-means: Lloyd steps from given centres, empty clusters dropped.

    Each step assigns every point to its nearest centre, drops clusters left empty and moves
    each centre to the (weighted) mean of its points. It stops after the step whose centres
    (sorted) are each closer than ``threshold`` to the previous step's, or after
    ``max_iter + 1`` steps (Pol.is counts its iterations down from ``max_iter`` to 0).

    Parameters
    ----------
    points : numpy.ndarray, shape (n, d)
    init : numpy.ndarray, shape (k, d)
        Initial centres (see :func:`init_clusters`).
    weights : numpy.ndarray, optional
        Point weights (base-cluster sizes for opinion groups).
    max_iter : int
        Pol.is: 100 for base clusters; 20 for opinion groups (``kmeans``' default, since
        ``conversation.clj`` passes ``:cluster-iters``, which ``kmeans`` ignores).
    threshold : float
        Pol.is: 0.01.

    Returns
    -------
    KMeansResult
    """
    pts = np.asarray(points, dtype=np.float64)
    n = pts.shape[0]
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
    centres = np.asarray(init, dtype=np.float64).copy()
    if n == 0 or centres.shape[0] == 0:
        return KMeansResult(np.zeros(n, dtype=np.int64), centres[:0], np.zeros(0, np.int64), np.zeros(0), 0)
    # Assignments use Hamerly's bounds: a point whose upper bound on the distance to its centre
    # is below its lower bound on the distance to any other centre keeps its centre, exactly
    # as a full nearest-centre search would decide (bar exact ties). Once the centres move
    # little, as they do near convergence and after a warm start, few points are searched.
    labels, upper, lower = _nearest2(pts, centres)
    weighted_cols = [
        np.ascontiguousarray(pts[:, dim]) if weights is None else w * pts[:, dim]
        for dim in range(pts.shape[1])
    ]
    steps = 0
    for it in range(max_iter + 1):
        steps += 1
        if it > 0:
            _reassign(pts, centres, labels, upper, lower)
        new, keep = _recentre(pts, labels, centres.shape[0], w, weighted_cols, weighted=weights is not None)
        moves = np.sqrt(((new[keep] - centres[keep]) ** 2).sum(axis=1))
        new = new[keep]
        if not keep.all():
            remap = np.cumsum(keep) - 1
            labels = remap[labels]
        done = _same_clustering(centres, new, threshold)
        centres = new
        if done:
            break
        _loosen_bounds(upper, lower, moves, labels)
    sizes = np.bincount(labels, minlength=centres.shape[0]).astype(np.int64)
    wts = np.bincount(labels, weights=w, minlength=centres.shape[0]).astype(np.float64)
    return KMeansResult(labels, centres, sizes, wts, steps)


def _reassign(
    pts: FloatArray, centres: FloatArray, labels: IntArray, upper: FloatArray, lower: FloatArray
) -> None:
    """Move the points whose bounds allow a nearer centre to their nearest one (in place)."""
    # Hamerly's second test: a point closer to its centre than half the distance from that
    # centre to any other centre keeps it.
    centre_dist = _centre_distances(centres)
    half_gap = _half_gaps(centre_dist)
    bound = np.maximum(lower, half_gap[labels])
    check = upper > bound
    if not check.any():
        return
    idx = np.flatnonzero(check)
    upper[idx] = np.sqrt(((pts[idx] - centres[labels[idx]]) ** 2).sum(axis=1))
    still = idx[upper[idx] > bound[idx]]
    if still.size:
        lab, d1, d2 = _nearest2_local(
            pts[still], labels[still], upper[still], centres, centre_dist=centre_dist
        )
        labels[still] = lab
        upper[still] = d1
        lower[still] = d2


def _recentre(
    pts: FloatArray,
    labels: IntArray,
    k: int,
    w: FloatArray,
    weighted_cols: list[FloatArray],
    *,
    weighted: bool,
) -> tuple[FloatArray, BoolArray]:
    """The (weighted) mean of each cluster's points, and which clusters have points."""
    count = np.bincount(labels, minlength=k)
    wsum = np.bincount(labels, weights=w, minlength=k) if weighted else count.astype(np.float64)
    keep = count > 0
    new = np.empty((k, pts.shape[1]))
    for dim in range(pts.shape[1]):
        new[:, dim] = np.bincount(labels, weights=weighted_cols[dim], minlength=k)
    with np.errstate(invalid="ignore", divide="ignore"):
        new = new / wsum[:, None]
    # Zero-weight clusters with members: fall back to the plain mean.
    zero_w = keep & (wsum == 0)
    if zero_w.any():
        for dim in range(pts.shape[1]):
            plain = np.bincount(labels, weights=pts[:, dim], minlength=k)
            new[zero_w, dim] = plain[zero_w] / count[zero_w]
    return new, keep


def _loosen_bounds(upper: FloatArray, lower: FloatArray, moves: FloatArray, labels: IntArray) -> None:
    """Hamerly's bounds after the centres moved (in place)."""
    upper += moves[labels]
    if moves.size > 1:
        # A point's lower bound drops by the largest move of the *other* centres, which for the
        # members of the centre that moved most is the second largest move.
        top = int(np.argmax(moves))
        second = float(np.max(np.delete(moves, top)))
        drop = np.full(moves.size, float(moves[top]))
        drop[top] = second
        lower -= drop[labels]
    elif moves.size:
        lower -= float(moves[0])


def fill_clusters(points: FloatArray, centres: FloatArray, k: int) -> FloatArray:
    """Add centres at the most distant points until there are ``min(k, n_distinct)``.

    Pol.is' ``clean-start-clusters`` does this when warm-starting from fewer clusters than
    wanted (e.g. new participants arrived): repeatedly, the point farthest from its nearest
    centre becomes a new centre. Pol.is also re-centres all clusters after each addition;
    here the k-means steps that follow do that.

    Parameters
    ----------
    points : numpy.ndarray, shape (n, d)
    centres : numpy.ndarray, shape (m, d)
    k : int

    Returns
    -------
    numpy.ndarray
        The centres, possibly extended.
    """
    if points.shape[0] == 0:
        return centres
    if centres.shape[0] == 0:
        return init_clusters(points, k)
    out = list(centres)
    if len(out) >= k:
        return np.asarray(out[:k])
    n_distinct = np.unique(points, axis=0).shape[0]
    target = min(k, n_distinct)
    _, d2 = _nearest(points, np.asarray(out))
    while len(out) < target:
        j = int(np.argmax(d2))
        if d2[j] <= 0.0:
            break
        c = points[j].copy()
        out.append(c)
        d2 = np.minimum(d2, ((points - c) ** 2).sum(axis=1))
    return np.asarray(out)


def silhouette(points: FloatArray, labels: IntArray) -> float:
    """Mean silhouette of a clustering of a few points (Pol.is: of base-cluster centres).

    Unweighted mean over points; a point alone in its cluster scores 0; a clustering with a
    single cluster scores 0 (Pol.is would fail there).

    Parameters
    ----------
    points : numpy.ndarray, shape (n, d)
    labels : numpy.ndarray of int

    Returns
    -------
    float
    """
    n = points.shape[0]
    if n == 0:
        return 0.0
    uniq = np.unique(labels)
    if uniq.size < 2:
        return 0.0
    d = np.sqrt(((points[:, None, :] - points[None, :, :]) ** 2).sum(axis=2))
    onehot = labels[:, None] == uniq[None, :]
    sums = d @ onehot.astype(np.float64)  # n x clusters
    sizes = onehot.sum(axis=0).astype(np.float64)
    # Vectorised over points, the same operations per point as the definition: a = mean
    # distance to the own cluster's other members, b = the smallest mean distance to another
    # cluster, (b - a) / max(a, b); 0 for a point alone in its cluster or when a = b = 0.
    rows = np.arange(n)
    own = np.searchsorted(uniq, labels)
    alone = sizes[own] <= 1
    with np.errstate(invalid="ignore", divide="ignore"):
        a = sums[rows, own] / (sizes[own] - 1)
    to_other = sums / sizes[None, :]
    to_other[rows, own] = np.inf
    b = to_other.min(axis=1)
    denom = np.maximum(a, b)
    with np.errstate(invalid="ignore", divide="ignore"):
        scores = np.where(alone | (denom == 0), 0.0, (b - a) / np.where(denom == 0, 1.0, denom))
    return float(scores.mean())


def _inertia(points: FloatArray, weights: FloatArray, res: KMeansResult) -> float:
    diff = points - res.centres[res.labels]
    return float(np.dot(weights, (diff**2).sum(axis=1)))


def _farthest_first(points: FloatArray, weights: FloatArray, k: int, *, from_heaviest: bool) -> FloatArray:
    """Deterministic maximin start: the heaviest point (or the one farthest from the weighted
    mean), then repeatedly the point farthest from the centres chosen so far."""
    if points.shape[0] == 0:
        return points[:0].copy()
    if from_heaviest:
        first = int(np.argmax(weights))
    else:
        mean = (points * weights[:, None]).sum(axis=0) / max(float(weights.sum()), 1e-300)
        first = int(np.argmax(((points - mean) ** 2).sum(axis=1)))
    chosen = [first]
    d2 = ((points - points[first]) ** 2).sum(axis=1)
    while len(chosen) < k:
        j = int(np.argmax(d2))
        if d2[j] <= 0:
            break
        chosen.append(j)
        d2 = np.minimum(d2, ((points - points[j]) ** 2).sum(axis=1))
    return np.asarray(points[chosen], dtype=np.float64).copy()


@dataclass(frozen=True)
class KSmoother:
    """Pol.is' ``group-k-smoother``: the shown k changes only after a new best k wins
    ``buffer`` updates in a row.

    Attributes
    ----------
    last_k : int or None
        Best k of the last update.
    last_k_count : int
        Updates in a row that ``last_k`` has been best.
    smoothed_k : int or None
        The k shown.
    """

    last_k: int | None = None
    last_k_count: int = 0
    smoothed_k: int | None = None


def smooth_k(previous: KSmoother, this_k: int, buffer: int = 4) -> KSmoother:
    """One update of the k smoother.

    Parameters
    ----------
    previous : KSmoother
    this_k : int
        The best k of this update (highest silhouette).
    buffer : int
        Pol.is' ``group-k-buffer``, 4.

    Returns
    -------
    KSmoother
    """
    same = previous.last_k is not None and previous.last_k == this_k
    count = previous.last_k_count + 1 if same else 1
    if count >= buffer:
        smoothed = this_k
    else:
        smoothed = previous.smoothed_k if previous.smoothed_k is not None else this_k
    return KSmoother(last_k=this_k, last_k_count=count, smoothed_k=smoothed)


def choose_groups(
    base_centres: FloatArray,
    base_sizes: FloatArray,
    *,
    previous_centres: dict[int, FloatArray] | None = None,
    max_k: int = 5,
    max_iter: int = 20,
    threshold: float = 0.01,
    robust: bool = True,
) -> tuple[dict[int, KMeansResult], dict[int, float], int]:
    """Opinion groups for every candidate k, their silhouettes and the best k.

    Weighted k-means (weight = member count) on the base-cluster centres for each k from 2
    to ``min(max_k, 2 + n_base // 12)``; cold start from the first k distinct centres,
    warm start from the previous centres for that k. The best k has the highest silhouette;
    ties go to the larger k (Clojure's ``max-key`` keeps the last).

    Parameters
    ----------
    base_centres : numpy.ndarray, shape (n_base, 2)
    base_sizes : numpy.ndarray
    previous_centres : dict, optional
        k -> centres of the previous update.
    max_k, max_iter, threshold
        Pol.is: 5, 20, 0.01.
    robust : bool
        Also try two deterministic farthest-first starts per k and keep the clustering
        with the least weighted within-group sum of squares (``False``: Pol.is' start only).

    Returns
    -------
    clusterings : dict
        k -> :class:`KMeansResult` over base clusters.
    silhouettes : dict
        k -> silhouette.
    best_k : int
    """
    n_base = base_centres.shape[0]
    top = min(max_k, 2 + n_base // 12)
    clusterings: dict[int, KMeansResult] = {}
    sils: dict[int, float] = {}
    for k in range(2, top + 1):
        prev = None if previous_centres is None else previous_centres.get(k)
        if prev is not None and prev.shape[0] > 0:
            init = fill_clusters(base_centres, np.asarray(prev, dtype=np.float64), k)
        else:
            init = init_clusters(base_centres, k)
        res = kmeans(base_centres, init, weights=base_sizes, max_iter=max_iter, threshold=threshold)
        if robust:
            # Pol.is' start (first k distinct centres, or last update's) can leave k-means in a
            # poor local optimum; also try two deterministic farthest-first starts and keep
            # the clustering with the least weighted within-group sum of squares. Pol.is'
            # own start wins ties, so when it is best the result is Pol.is'.
            best_cost = _inertia(base_centres, base_sizes, res)
            for alt_init in (
                _farthest_first(base_centres, base_sizes, k, from_heaviest=True),
                _farthest_first(base_centres, base_sizes, k, from_heaviest=False),
            ):
                alt = kmeans(
                    base_centres, alt_init, weights=base_sizes, max_iter=max_iter, threshold=threshold
                )
                cost = _inertia(base_centres, base_sizes, alt)
                if cost < best_cost * (1 - 1e-9) and alt.centres.shape[0] >= res.centres.shape[0]:
                    res, best_cost = alt, cost
        clusterings[k] = res
        sils[k] = silhouette(base_centres, res.labels)
    best = 2
    best_s = -math.inf
    for k in sorted(sils):
        if sils[k] >= best_s:
            best, best_s = k, sils[k]
    return clusterings, sils, best


@dataclass(frozen=True)
class Subgroups:
    """Pol.is' second level of clusters inside one opinion group (``:subgroup-clusters``).

    Attributes
    ----------
    group : int
        The opinion group (index into the result's groups).
    base : numpy.ndarray of int
        The group's base clusters (indices into the base centres), in order.
    of_base : numpy.ndarray of int
        Subgroup of each of ``base`` (``0..k-1``).
    centres : numpy.ndarray, shape (k, 2)
        Weighted centres of the subgroups.
    sizes : numpy.ndarray of int
        Participants in each subgroup.
    k : int
        Subgroups shown (after the group's own k smoothing).
    best_k : int
        Best silhouette at this update.
    silhouettes : dict
        k -> silhouette of the group's base centres.
    """

    group: int
    base: IntArray
    of_base: IntArray
    centres: FloatArray
    sizes: IntArray
    k: int
    best_k: int
    silhouettes: dict[int, float]


def choose_subgroups(
    base_centres: FloatArray,
    base_sizes: FloatArray,
    group_of_base: IntArray,
    *,
    previous_centres: dict[int, dict[int, FloatArray]] | None = None,
    previous_smoothers: dict[int, KSmoother] | None = None,
    max_k: int = 5,
    max_iter: int = 20,
    threshold: float = 0.01,
    k_buffer: int = 4,
    robust: bool = True,
) -> tuple[list[Subgroups], dict[int, dict[int, FloatArray]], dict[int, KSmoother]]:
    """Pol.is' subgroups (``conversation.clj``, ``:subgroup-clusterings``, ``:subgroup-k-smoother``): the
    opinion-group step (:func:`choose_groups`, :func:`smooth_k`) run again on each group's base centres, for
    k = 2 .. ``min(max_k, 2 + n // 12)`` (n = the group's base clusters), warm-started per group and k. Groups
    are keyed by index as Pol.is keys them by id (when k changes, a group may start from another's centres).

    Parameters
    ----------
    base_centres : numpy.ndarray, shape (n_base, 2)
    base_sizes : numpy.ndarray
        Members of each base cluster.
    group_of_base : numpy.ndarray of int
        Opinion group of each base cluster.
    previous_centres : dict, optional
        group -> k -> centres of the previous update.
    previous_smoothers : dict, optional
        group -> :class:`KSmoother` of the previous update.
    max_k, max_iter, threshold, k_buffer, robust
        As for the opinion groups.

    Returns
    -------
    subgroups : list of Subgroups
        One per group, in group order.
    centres : dict
        group -> k -> centres, for the next update's warm start.
    smoothers : dict
        group -> KSmoother.
    """
    out: list[Subgroups] = []
    centres_out: dict[int, dict[int, FloatArray]] = {}
    smoothers: dict[int, KSmoother] = {}
    n_groups = int(group_of_base.max()) + 1 if group_of_base.size else 0
    for g in range(n_groups):
        members = np.flatnonzero(group_of_base == g)
        if members.size == 0:
            continue
        pts = base_centres[members]
        wts = np.asarray(base_sizes, dtype=np.float64)[members]
        clusterings, sils, best_k = choose_groups(
            pts,
            wts,
            previous_centres=None if previous_centres is None else previous_centres.get(g),
            max_k=max_k,
            max_iter=max_iter,
            threshold=threshold,
            robust=robust,
        )
        previous = KSmoother() if previous_smoothers is None else previous_smoothers.get(g, KSmoother())
        smoother = smooth_k(previous, best_k, k_buffer)
        shown = smoother.smoothed_k if smoother.smoothed_k in clusterings else best_k
        chosen = clusterings[int(shown)]
        sizes = np.bincount(chosen.labels, weights=wts, minlength=chosen.centres.shape[0])
        out.append(
            Subgroups(
                group=g,
                base=members.astype(np.int64),
                of_base=np.asarray(chosen.labels, dtype=np.int64),
                centres=chosen.centres,
                sizes=np.rint(sizes).astype(np.int64),
                k=int(chosen.centres.shape[0]),
                best_k=int(best_k),
                silhouettes={int(k): float(v) for k, v in sils.items()},
            )
        )
        centres_out[g] = {int(k): c.centres for k, c in clusterings.items()}
        smoothers[g] = smoother
    return out, centres_out, smoothers


# --------------------------------------------------------------------------- 7. tallies
@dataclass(frozen=True)
class Tallies:
    """Votes per opinion group and statement.

    Attributes
    ----------
    agree, disagree, seen : numpy.ndarray of int, shape (n_groups, n_statements)
        A, D and S (all votes, passes included).
    n_members : numpy.ndarray of int, shape (n_groups,)
    """

    agree: IntArray
    disagree: IntArray
    seen: IntArray
    n_members: IntArray


def group_tallies(
    votes: Any, group_of: IntArray, n_groups: int, *, rows: IntArray | None = None, keys: Any = None
) -> Tallies:
    """Count A, D and S for every group and statement, in one pass over the votes.

    Parameters
    ----------
    votes : scipy.sparse.csr_matrix
        All votes (mod-out statements included, as Pol.is' ``raw-rating-mat``).
    group_of : numpy.ndarray of int
        Group of each participant; -1 for none.
    n_groups : int
    rows : numpy.ndarray of int, optional
        The row of every stored vote (:meth:`VoteMatrix.vote_rows`), if already built.
    keys : numpy.ndarray of int, optional
        ``3 * column + (sign + 1)`` per stored vote (:meth:`VoteMatrix.vote_keys`), if built.

    Returns
    -------
    Tallies
    """
    n_p, n_s = votes.shape
    if rows is None:
        rows = np.repeat(np.arange(n_p, dtype=np.int64), np.diff(votes.indptr))
    g = np.asarray(group_of, dtype=np.int64)[rows]
    keep = g >= 0
    # One pass: each vote counts in cell (group, statement, sign), sign 0/1/2 for -/pass/+.
    if keys is None:
        keys = votes.indices.astype(np.int64) * 3 + (np.sign(votes.data).astype(np.int64) + 1)
    key = g * (3 * n_s) + keys
    if not keep.all():
        key = key[keep]
    counts = np.bincount(key, minlength=n_groups * n_s * 3).reshape(n_groups, n_s, 3)
    disagree, agree = counts[:, :, 0], counts[:, :, 2]
    seen = counts.sum(axis=2)
    members = np.bincount(np.asarray(group_of)[np.asarray(group_of) >= 0], minlength=n_groups)
    return Tallies(
        agree.astype(np.int64), disagree.astype(np.int64), seen.astype(np.int64), members.astype(np.int64)
    )


# --------------------------------------------------------------------------- 8. GIC
def group_informed_consensus(tallies: Tallies) -> FloatArray:
    """GIC(j) = product over groups of (A_g + 1) / (S_g + 2).

    Parameters
    ----------
    tallies : Tallies

    Returns
    -------
    numpy.ndarray, shape (n_statements,)
    """
    probs = (tallies.agree + 1.0) / (tallies.seen + 2.0)
    out = np.ones(tallies.agree.shape[1])
    for g in range(probs.shape[0]):  # in group order, as Pol.is' reduce
        out = out * probs[g]
    return out


# --------------------------------------------------------------------------- 9. repness
def prop_test(success: Any, n: Any) -> Any:
    """Pol.is' one-proportion test: ``2 * sqrt(n + 1) * ((success + 1) / (n + 1) - 1/2)``.

    Parameters
    ----------
    success, n : array-like

    Returns
    -------
    numpy.ndarray or float
    """
    s1 = np.asarray(success, dtype=np.float64) + 1.0
    n1 = np.asarray(n, dtype=np.float64) + 1.0
    return 2.0 * np.sqrt(n1) * (s1 / n1 - 0.5)


def two_prop_test(succ_in: Any, succ_out: Any, pop_in: Any, pop_out: Any) -> Any:
    """Pol.is' two-proportion z test, with 1 added to every count; 0 when the pooled share is 1.

    Parameters
    ----------
    succ_in, succ_out, pop_in, pop_out : array-like

    Returns
    -------
    numpy.ndarray or float
    """
    s1 = np.asarray(succ_in, dtype=np.float64) + 1.0
    s2 = np.asarray(succ_out, dtype=np.float64) + 1.0
    n1 = np.asarray(pop_in, dtype=np.float64) + 1.0
    n2 = np.asarray(pop_out, dtype=np.float64) + 1.0
    pooled_num = s1 + s2
    pooled_den = n1 + n2
    pi_hat = pooled_num / pooled_den
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (s1 / n1 - s2 / n2) / np.sqrt(pi_hat * (1.0 - pi_hat) * (1.0 / n1 + 1.0 / n2))
    return np.where(pooled_num == pooled_den, 0.0, z)


@dataclass(frozen=True)
class RepStatement:
    """A representative statement of an opinion group (Pol.is' ``finalize-cmt-stats``).

    Attributes
    ----------
    statement : int
        Column index of the statement.
    statement_id : Any
        Its id.
    repful_for : {"agree", "disagree"}
        Whether the group stands out by agreeing or disagreeing (``rat > rdt``).
    n_success, n_trials : int
        Agrees (or disagrees) and all votes of the group on it.
    p_success, p_test : float
        ``pa`` / ``pat`` (or ``pd`` / ``pdt``).
    repness, repness_test : float
        ``ra`` / ``rat`` (or ``rd`` / ``rdt``). Pol.is rounds ``repness_test`` to single
        precision; ``repness_test`` here is the double, ``repness_test_f32`` Pol.is' value.
    best_agree : bool
        The statement is the group's best agree statement, placed first.
    n_agree : int or None
        For the best agree statement: the group's agree count.
    """

    statement: int
    statement_id: Any
    repful_for: str
    n_success: int
    n_trials: int
    p_success: float
    p_test: float
    repness: float
    repness_test: float
    best_agree: bool = False
    n_agree: int | None = None

    @property
    def repness_test_f32(self) -> float:
        """``repness_test`` rounded to single precision, as Pol.is stores it."""
        return float(np.float32(self.repness_test))

    @property
    def metric(self) -> float:
        """Pol.is' ranking metric ``repness * repness_test * p_success * p_test``."""
        return self.repness * self.repness_test_f32 * self.p_success * self.p_test


def _finalize(j: int, sid: Any, st: dict[str, float]) -> RepStatement:
    if st["rat"] > st["rdt"]:
        return RepStatement(
            j, sid, "agree", int(st["na"]), int(st["ns"]), st["pa"], st["pat"], st["ra"], st["rat"]
        )
    return RepStatement(
        j, sid, "disagree", int(st["nd"]), int(st["ns"]), st["pd"], st["pdt"], st["rd"], st["rdt"]
    )


def repness(
    tallies: Tallies,
    *,
    eligible: BoolArray,
    statement_ids: npt.NDArray[Any] | None = None,
    order: Sequence[int] | None = None,
    max_statements: int = 5,
) -> dict[int, list[RepStatement]]:
    """Representative statements of every group against the rest (Pol.is' ``repness.clj``).

    For group g, "the rest" is the members of all other groups. Statistics:
    ``pa = (na + 1) / (ns + 2)``, ``pat = prop_test(na, ns)``, ``ra = pa / ((na_rest + 1) /
    (ns_rest + 2))``, ``rat = two_prop_test(na, na_rest, ns, ns_rest)``, and likewise with
    disagrees. A statement qualifies if (``rat`` and ``pat`` > 1.2816) or (``rdt`` and ``pdt`` >
    1.2816); its side is agree when ``rat > rdt``. The group's best agree statement is
    tracked with Pol.is' ``beats-best-agr?`` rule; the qualifying statements without it are
    sorted by ``repness * repness_test * p_success * p_test`` (``repness_test`` in single
    precision, as Pol.is), the best agree statement put first, the first 5 kept, and agrees
    put before disagrees. If none qualifies: the best agree statement, or else the statement
    with the highest ``max(rat, rdt)``.

    Parameters
    ----------
    tallies : Tallies
        Group tallies (in-conv members of each group).
    eligible : numpy.ndarray of bool
        Statements that may appear (active, not rejected, not meta).
    statement_ids : numpy.ndarray, optional
        Ids to put into the result.
    order : sequence of int, optional
        Column order in which Pol.is would scan the statements (its matrix column order);
        it only matters for ties. Default: column order.
    max_statements : int
        5.

    Returns
    -------
    dict
        Group index -> list of :class:`RepStatement`.
    """
    n_groups, n_s = tallies.agree.shape
    sids = statement_ids if statement_ids is not None else np.arange(n_s)
    cols = [int(j) for j in (order if order is not None else range(n_s)) if eligible[int(j)]]
    cols_arr = np.asarray(cols, dtype=np.int64)
    totals = (tallies.agree.sum(axis=0), tallies.disagree.sum(axis=0), tallies.seen.sum(axis=0))
    return {
        g: _group_repness(_repness_stats(tallies, g, totals), cols_arr, sids, max_statements)
        for g in range(n_groups)
    }


def _repness_stats(tallies: Tallies, g: int, totals: tuple[Any, Any, Any]) -> dict[str, FloatArray]:
    """Group ``g``'s statistics against the rest, per statement (see :func:`repness`)."""
    tot_a, tot_d, tot_s = totals
    na = tallies.agree[g].astype(np.float64)
    nd = tallies.disagree[g].astype(np.float64)
    ns = tallies.seen[g].astype(np.float64)
    ra_n = (tot_a - tallies.agree[g]).astype(np.float64)
    rd_n = (tot_d - tallies.disagree[g]).astype(np.float64)
    rs_n = (tot_s - tallies.seen[g]).astype(np.float64)
    pa = (na + 1) / (ns + 2)
    pd = (nd + 1) / (ns + 2)
    return {
        "na": na,
        "nd": nd,
        "ns": ns,
        "pa": pa,
        "pd": pd,
        "pat": prop_test(na, ns),
        "pdt": prop_test(nd, ns),
        "ra": pa / ((ra_n + 1) / (rs_n + 2)),
        "rd": pd / ((rd_n + 1) / (rs_n + 2)),
        "rat": two_prop_test(na, ra_n, ns, rs_n),
        "rdt": two_prop_test(nd, rd_n, ns, rs_n),
    }


def _group_repness(
    stats: dict[str, FloatArray], cols_arr: IntArray, sids: Any, max_statements: int
) -> list[RepStatement]:
    """One group's representative statements, from its statistics (see :func:`repness`)."""
    sufficient = _sufficient(stats, cols_arr, sids, max_statements)
    best: RepStatement | None = None
    if not sufficient:
        # Only then does Pol.is' running "best by test" matter (it stops updating once a
        # statement qualifies); compared against the stored single-precision value.
        top = np.maximum(stats["rat"], stats["rdt"])
        for j in cols_arr.tolist():
            if best is None or float(top[j]) > best.repness_test_f32:
                best = _finalize(j, sids[j], _column(stats, j))
    best_agree_j = _best_agree_index(stats, cols_arr)
    best_agree: RepStatement | None = None
    if best_agree_j is not None:
        ba = _column(stats, best_agree_j)
        fin = _finalize(best_agree_j, sids[best_agree_j], ba)
        best_agree = dataclasses.replace(fin, best_agree=True, n_agree=int(ba["na"]))
    if not sufficient:
        return [best_agree] if best_agree is not None else ([best] if best is not None else [])
    rest = [r for r in sufficient if best_agree is None or r.statement != best_agree.statement]
    chosen = ([best_agree] if best_agree is not None else []) + rest
    chosen = chosen[:max_statements]
    return [r for r in chosen if r.repful_for == "agree"] + [r for r in chosen if r.repful_for == "disagree"]


def _sufficient(
    stats: dict[str, FloatArray], cols_arr: IntArray, sids: Any, max_statements: int
) -> list[RepStatement]:
    """The statements that qualify, best first by Pol.is' ranking metric (the first few only)."""
    passes_all = ((stats["rat"] > Z_90) & (stats["pat"] > Z_90)) | (
        (stats["rdt"] > Z_90) & (stats["pdt"] > Z_90)
    )
    passing = cols_arr[passes_all[cols_arr]] if cols_arr.size else cols_arr
    # Pol.is' ranking metric, with repness-test in single precision as Pol.is stores it;
    # only the top few need building (stable sort, as Clojure's sort-by).
    agree_side = stats["rat"][passing] > stats["rdt"][passing]
    r_val = np.where(agree_side, stats["ra"][passing], stats["rd"][passing])
    r_test = np.where(agree_side, stats["rat"][passing], stats["rdt"][passing]).astype(np.float32)
    p_val = np.where(agree_side, stats["pa"][passing], stats["pd"][passing])
    p_test = np.where(agree_side, stats["pat"][passing], stats["pdt"][passing])
    metric = r_val * r_test.astype(np.float64) * p_val * p_test
    ranked = passing[np.argsort(-metric, kind="stable")][: max_statements + 1]
    return [_finalize(int(j), sids[j], _column(stats, int(j))) for j in ranked]


def _column(stats: dict[str, FloatArray], j: int) -> dict[str, float]:
    return {k: float(v[j]) for k, v in stats.items()}


def _best_agree_index(stats: dict[str, FloatArray], cols: IntArray) -> int | None:
    """Pol.is' running ``best-agree`` over the statements in scan order, vectorised.

    The sequential rule (see :func:`_beats_best_agree`) keeps a current best and replaces it
    by the first later statement that beats it; that later statement is found with one
    vectorised comparison per replacement, so the cost is O(n) per record, not per statement.
    """
    if cols.size == 0:
        return None
    na, nd = stats["na"][cols], stats["nd"][cols]
    ra, rat, pa, pat = stats["ra"][cols], stats["rat"][cols], stats["pa"][cols], stats["pat"][cols]
    voted = ~((na == 0) & (nd == 0))
    m_rep = ra * rat * pa * pat
    m_prob = pa * pat
    first_ok = voted & ((pat > Z_90) | ((ra > 1.0) & (pa > 0.5)))
    if not first_ok.any():
        return None
    cur = int(np.argmax(first_ok))
    while True:
        metric = m_rep if ra[cur] > 1.0 else m_prob
        later = voted[cur + 1 :] & (metric[cur + 1 :] > metric[cur])
        if not later.any():
            return int(cols[cur])
        cur = cur + 1 + int(np.argmax(later))


def _beats_best_agree(st: dict[str, float], current: dict[str, float] | None) -> bool:
    """Pol.is' ``beats-best-agr?``."""
    if st["na"] == 0 and st["nd"] == 0:
        return False
    if current is not None and current["ra"] > 1.0:
        return st["ra"] * st["rat"] * st["pa"] * st["pat"] > (
            current["ra"] * current["rat"] * current["pa"] * current["pat"]
        )
    if current is not None:
        return st["pa"] * st["pat"] > current["pa"] * current["pat"]
    return st["pat"] > Z_90 or (st["ra"] > 1.0 and st["pa"] > 0.5)


# --------------------------------------------------------------------------- 10. consensus
@dataclass(frozen=True)
class ConsensusStatement:
    """A statement of the overall consensus lists (Pol.is' ``select-consensus-comments``).

    Attributes
    ----------
    statement : int
        Column index.
    statement_id : Any
    n_success, n_trials : int
        Agrees (or disagrees) and all votes, over every participant.
    p_success, p_test : float
        ``pa`` and ``pat`` (or ``pd`` and ``pdt``).
    """

    statement: int
    statement_id: Any
    n_success: int
    n_trials: int
    p_success: float
    p_test: float


def consensus(
    votes: Any,
    *,
    eligible: BoolArray,
    statement_ids: npt.NDArray[Any] | None = None,
    order: Sequence[int] | None = None,
    top: int = 5,
    kind_counts: IntArray | None = None,
) -> dict[str, list[ConsensusStatement]]:
    """Overall consensus over all participants: statements most agreed (and disagreed) on.

    Agree list: statements with ``pa > 0.5`` and ``pat > 1.2816``, sorted by ``pa * pat``
    (stable, in column order), top 5; disagree list likewise.

    Parameters
    ----------
    votes : scipy.sparse.csr_matrix
    eligible : numpy.ndarray of bool
        Active statements that are neither rejected nor meta.
    statement_ids : numpy.ndarray, optional
    order : sequence of int, optional
        Column order for ties (see :func:`repness`).
    top : int
    kind_counts : numpy.ndarray, optional
        Disagrees, passes and agrees per statement, if already counted.

    Returns
    -------
    dict
        ``{"agree": [...], "disagree": [...]}``.
    """
    n_s = votes.shape[1]
    sids = statement_ids if statement_ids is not None else np.arange(n_s)
    if kind_counts is not None:
        signed = kind_counts
    else:
        signed = np.bincount(
            votes.indices.astype(np.int64) * 3 + (np.sign(votes.data).astype(np.int64) + 1), minlength=3 * n_s
        ).reshape(n_s, 3)
    ns = signed.sum(axis=1).astype(np.float64)
    na = signed[:, 2].astype(np.float64)
    nd = signed[:, 0].astype(np.float64)
    col_order = np.arange(n_s) if order is None else np.asarray(order, dtype=np.int64).ravel()
    cols = col_order[np.asarray(eligible, dtype=bool)[col_order]] if col_order.size else col_order
    result: dict[str, list[ConsensusStatement]] = {}
    for side, n_succ in (("agree", na), ("disagree", nd)):
        p = (n_succ + 1) / (ns + 2)
        t = prop_test(n_succ, ns)
        ok = cols[(p[cols] > 0.5) & (t[cols] > Z_90)] if cols.size else cols
        metric = p[ok] * t[ok]
        chosen = ok[np.argsort(-metric, kind="stable")][:top]
        result[side] = [
            ConsensusStatement(int(j), sids[j], int(n_succ[j]), int(ns[j]), float(p[j]), float(t[j]))
            for j in chosen
        ]
    return result


# --------------------------------------------------------------------------- 11. priorities
def priorities(
    tallies: Tallies, extremity: FloatArray, is_meta: BoolArray, *, meta_priority: float = 7.0
) -> FloatArray:
    """Pol.is' comment priorities: which statement to show a participant next.

    With A, D, S summed over the groups and P = S - A - D, E the statement's extremity:
    ``importance = (1 - (P + 1) / (S + 2)) * (E + 1) * (A + 1) / (S + 2)`` and
    ``priority = (importance * (1 + 8 * 2^(-S / 5)))^2``; meta statements get ``7^2 = 49``.

    Parameters
    ----------
    tallies : Tallies
        Group tallies (Pol.is uses the previous update's; see ``docs/analysis.md``).
    extremity : numpy.ndarray
    is_meta : numpy.ndarray of bool
    meta_priority : float

    Returns
    -------
    numpy.ndarray, shape (n_statements,)
    """
    a = tallies.agree.sum(axis=0).astype(np.float64)
    d = tallies.disagree.sum(axis=0).astype(np.float64)
    s = tallies.seen.sum(axis=0).astype(np.float64)
    p = s - (a + d)
    importance = (1.0 - (p + 1.0) / (s + 2.0)) * (extremity + 1.0) * ((a + 1.0) / (s + 2.0))
    pri = (importance * (1.0 + 8.0 * np.power(2.0, s / -5.0))) ** 2
    return np.where(is_meta, meta_priority**2, pri)
