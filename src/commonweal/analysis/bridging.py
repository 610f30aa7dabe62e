"""Bridging scores: the Community Notes matrix-factorisation model, fitted by alternating least squares.

Each vote becomes a rating ``r`` (agree 1, pass 0.5, disagree 0), modelled as

    r_ps = mu + i_p + i_s + f_p * f_s

with one-dimensional factors ``f``. The loss, as in Community Notes, is

    L = (1/N) sum_votes (r - r_hat)^2
        + lambda_i * (mean_p i_p^2 + mean_s i_s^2 + mu^2)
        + lambda_f * (mean_p f_p^2 + mean_s f_s^2)

with ``lambda_i = 0.15`` and ``lambda_f = 0.03``; ``N`` is the number of votes, and the means run
over the ``P`` participants and ``S`` statements with at least one vote.

Normal equations. Multiply L by N. The penalty on one participant's intercept becomes
``(N lambda_i / P) i_p^2``: the regularisation is on the *mean* of squares, so each parameter's
ridge strength is ``N lambda / n_params`` relative to the sum of squared errors. With every other
parameter fixed, participant ``p``'s pair ``(i_p, f_p)`` minimises

    sum_{s in votes(p)} (y_ps - i_p - f_p f_s)^2 + a_P i_p^2 + b_P f_p^2,
    y_ps = r_ps - mu - i_s,  a_P = N lambda_i / P,  b_P = N lambda_f / P,

whose unique minimiser solves the 2x2 system (solved in closed form for every participant at once)

    [ n_p + a_P          sum f_s        ] [i_p]   [ sum y_ps       ]
    [ sum f_s       sum f_s^2 + b_P     ] [f_p] = [ sum y_ps f_s   ]

(positive definite because ``a_P, b_P > 0``). Statements are symmetric with ``a_S = N lambda_i / S``
and ``b_S = N lambda_f / S``, and ``mu = sum (r - i_p - i_s - f_p f_s) / (N (1 + lambda_i))``.
Each step is the exact minimiser of L over one block, so L never increases. The sums are sparse
matrix-vector products (five per side): one sweep costs O(votes).

The iteration runs on the statement side ``x = (i_s, f_s, mu)``. The participants' parameters
are the exact minimiser given ``x``, so the loss of ``x`` is ``phi(x) = min over participants of L``,
computed with the participant solve from the same sums (no extra pass over the votes). A sweep
``G`` solves the participants given ``x``, then the statements, then ``mu``, then applies the gauge
step below; the minimiser is the fixed point of ``G``, and ``phi(G(x)) <= phi(x)``.

Gauge step. The fit to the data is unchanged by a family of transformations of the parameters:
``i_p -> i_p - a``, ``mu + i_s -> mu + i_s + a`` (moving agreement between the intercepts);
``f_s -> f_s + c``, ``i_p -> i_p - c f_p`` and ``f_p -> f_p + d``, ``mu + i_s -> mu + i_s - d f_s``
(shifting a factor into the other side's intercepts, with ``mu + i_s`` also losing ``c d``);
``f_p -> s f_p``, ``f_s -> f_s / s`` (scale); and splitting ``mu + i_s`` between ``mu`` and ``i_s``.
Only the penalty decides among them, and alternating block minimisation moves along these
directions very slowly (each block sees the data term, which is flat there). After each sweep the
penalty is minimised over ``(a, c, d, s)`` exactly, from sums over participants and statements:
``s`` and the split in closed form, ``(a, c, d)`` by a safeguarded Newton iteration on a
three-variable function (accepted only if the penalty decreases). The result has the same fit
and a penalty no larger, so the loss still never increases, and at the minimiser the step is
the identity.

Acceleration. The remaining slow direction is a rotation of the factor: with three or more
opinion groups the main divide is weakly determined, and plain ALS then converges linearly and
slowly. Anderson acceleration (type II, depth ``anderson``) proposes the combination of the last
few ``G(x_k)`` whose residuals ``G(x_k) - x_k`` cancel best. A proposal ``x'`` is kept only if
``phi(x') <= phi(x_k)``, which the participant solve of the next sweep computes anyway; otherwise
the sweep continues from ``G(x_k)``, which cannot increase the loss. A rejected proposal costs
half a sweep. So the recorded loss never increases and the minimiser is that of plain ALS.

Start. ``mu`` is the mean rating and the intercepts are ridge-shrunk row and column means. The
factor comes from the residual ``E`` after them (on the votes' pattern): at an ALS fixed point
without penalty, ``f_s`` is proportional to ``D_s^-1 E^T D_p^-1 E f_s`` (``D`` the vote counts),
so ``f_s = D_s^-1/2 v`` with ``v`` the leading eigenvector of ``D_s^-1/2 E^T D_p^-1 E D_s^-1/2``.
With three groups the two leading eigenvalues can be close (docs/analysis.md, "Bridging score",
gives the figures) and the model's own best direction in their plane can differ from the first; a
start near the second direction sits near a saddle of the loss, where ALS stalls for dozens to
hundreds of sweeps. So the two leading eigenvectors are computed (a few steps of a block iteration, linear in
the votes) and the start is the direction in their plane with the lowest loss after the
participant solve, evaluated for many angles from ten sums over the votes. The sign is a
convention (flipping every ``f`` leaves the model unchanged): the statement factor with the
largest magnitude is made positive. There is no randomness anywhere.

Stopping. The fit stops when the estimated distance of ``x`` from the fixed point,
``|G(x) - x| / (1 - rho)`` (largest absolute entry; ``rho`` the larger of the last two ratios of
successive steps, i.e. the observed rate of convergence), is at most ``tol`` (default 1e-5, on
the scale of the ratings): a slow, steady stretch (``rho`` near 1) does not stop the fit, a fast
one does. The criterion is on the reported parameters, not on the loss, whose relative change
is tiny along the weakly determined direction even when the factors are still far off. How close
the default stops to a tightly converged fit is measured by ``benchmarks/bridging.py`` and
reported in docs/analysis.md.

The statement intercept ``i_s`` is agreement that the main divide (the factor) does not explain: a
bridging score. It correlates strongly with the plain approval rate, so the result carries both
side by side, and a reader must be shown both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

from commonweal.analysis.errors import AnalysisInputError
from commonweal.analysis.matrix import VoteMatrix, as_vote_csr
from commonweal.analysis.polis import lobpcg_largest

__all__ = ["BridgingModel", "BridgingResult", "bridging_loss", "bridging_scores", "ratings_matrix"]

FloatArray = NDArray[np.float64]

#: Angles tried in the plane of the two leading directions for the start (over half a turn).
_START_ANGLES = 24
#: Up to this many statements with votes, the start's eigenvectors come from a dense solve.
_DENSE_START = 200


def ratings_matrix(votes: Any, pass_value: float = 0.5) -> sparse.csr_matrix:
    """Ratings (agree 1, pass ``pass_value``, disagree 0) on the pattern of the votes.

    Parameters
    ----------
    votes : scipy.sparse matrix, VoteMatrix or dense array
        Participants x statements, +1/-1/0; see :func:`commonweal.analysis.matrix.as_vote_csr`.
    pass_value : float, default 0.5
        Rating of a pass.

    Returns
    -------
    scipy.sparse.csr_matrix
        Same pattern as the votes (disagrees are stored zeros).
    """
    csr = as_vote_csr(votes)
    return _ratings_from_csr(csr, _vote_codes(csr), pass_value)


def _vote_codes(csr: sparse.csr_matrix) -> NDArray[np.intp]:
    """0, 1, 2 for disagree, pass, agree, per stored vote (values already validated)."""
    return np.asarray(csr.data, dtype=np.intp) + 1


def _ratings_from_csr(
    csr: sparse.csr_matrix, codes: NDArray[np.intp], pass_value: float
) -> sparse.csr_matrix:
    """:func:`ratings_matrix` of a canonical vote CSR, sharing its index arrays."""
    table = np.array([0.0, float(pass_value), 1.0])
    return sparse.csr_matrix((table[codes], csr.indices, csr.indptr), shape=csr.shape)


@dataclass(frozen=True)
class BridgingResult:
    """A fitted bridging model.

    Attributes
    ----------
    mu : float
        Global intercept.
    participant_intercept, participant_factor : ndarray, shape (n_participants,)
        ``i_p`` and ``f_p`` (0 for participants without votes).
    statement_intercept, statement_factor : ndarray, shape (n_statements,)
        ``i_s`` (the bridging score) and ``f_s`` (position on the main divide); 0 without votes.
    approval : ndarray, shape (n_statements,)
        Plain approval rate: agrees / votes (passes included); NaN without votes.
    agrees, voters : ndarray, shape (n_statements,)
        The counts behind ``approval``.
    loss : float
        Final value of the loss.
    loss_history : list of float
        Loss at the start and after each sweep (never increasing).
    n_iter : int
        Sweeps run (each: the participants, then the statements, then ``mu``).
    converged : bool
        Whether the stopping rule was met before ``max_iter``.
    n_rejected : int
        Extrapolations rejected because they would have raised the loss (each cost half a sweep).
    """

    mu: float
    participant_intercept: FloatArray
    participant_factor: FloatArray
    statement_intercept: FloatArray
    statement_factor: FloatArray
    approval: FloatArray
    agrees: FloatArray
    voters: FloatArray
    loss: float
    loss_history: list[float] = field(repr=False)
    n_iter: int
    converged: bool
    n_rejected: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe per-statement scores, the intercept next to the plain approval rate."""
        return {
            "mu": self.mu,
            "statements": [
                {
                    "statement": j,
                    "intercept": float(self.statement_intercept[j]),
                    "factor": float(self.statement_factor[j]),
                    "approval": None if not np.isfinite(self.approval[j]) else float(self.approval[j]),
                    "voters": int(self.voters[j]),
                }
                for j in range(self.statement_intercept.size)
            ],
            "loss": self.loss,
            "n_iter": self.n_iter,
            "converged": self.converged,
        }


class _Problem:
    """Sparse structures and sufficient statistics for one fit, built once (O(votes)).

    The participant side reads the CSR matrices; the statement side reads their transposes as
    CSC views (no copy), whose matrix-vector products scatter into the short statement vector.
    ``b`` shares the index arrays of ``r`` with unit data, so ``b @ x`` sums ``x`` over each row's
    votes.
    """

    def __init__(
        self,
        csr: sparse.csr_matrix,
        codes: NDArray[np.intp],
        pass_value: float,
        kind_counts: NDArray[np.int64] | None = None,
    ) -> None:
        ratings = _ratings_from_csr(csr, codes, pass_value)
        n_p, n_s = ratings.shape
        self.r = ratings
        self.b = sparse.csr_matrix(
            (np.ones(ratings.nnz), ratings.indices, ratings.indptr), shape=ratings.shape, copy=False
        )
        self.rt = ratings.T
        self.bt = self.b.T
        self.n = float(ratings.nnz)
        # Disagrees, passes and agrees per statement, in one counting pass unless given.
        if kind_counts is None:
            kind_counts = np.bincount(np.asarray(csr.indices, dtype=np.intp) * 3 + codes, minlength=3 * n_s)
        by_kind = np.asarray(kind_counts, dtype=np.float64).reshape(n_s, 3)
        self.agrees = np.ascontiguousarray(by_kind[:, 2])
        self.n_col = by_kind.sum(axis=1)
        pv = float(pass_value)
        self.r_col = by_kind[:, 2] + pv * by_kind[:, 1]
        self.r2_col = by_kind[:, 2] + pv * pv * by_kind[:, 1]
        self.n_row = np.diff(ratings.indptr).astype(np.float64)
        self.r_row = np.asarray(ratings @ np.ones(n_s), dtype=np.float64)
        self.voted_p = self.n_row > 0
        self.voted_s = self.n_col > 0
        self.p = float(np.count_nonzero(self.voted_p))
        self.s = float(np.count_nonzero(self.voted_s))
        self.sum_r = float(self.r_col.sum())
        self.sum_r2 = float(self.r2_col.sum())

    def rows(self) -> NDArray[np.intp]:
        """Participant index of every vote (CSR order)."""
        return np.repeat(np.arange(self.r.shape[0]), np.diff(self.r.indptr))

    @property
    def cols(self) -> NDArray[np.int32]:
        """Statement index of every vote (CSR order)."""
        return np.asarray(self.r.indices)


def _dot(a: FloatArray, b: FloatArray) -> float:
    """Dot product of two vectors by numpy's own loop, not BLAS.

    On a busy two-core machine a BLAS call can cost milliseconds in thread hand-off for a
    vector of a few thousand entries; ``einsum`` runs single-threaded in microseconds.
    """
    return float(np.einsum("i,i->", a, b))


def _loss(
    pb: _Problem,
    mu: float,
    ip: FloatArray,
    fp: FloatArray,
    is_: FloatArray,
    fs: FloatArray,
    lam_i: float,
    lam_f: float,
) -> float:
    """The loss, evaluated vote by vote (the reference the fast bookkeeping is checked against)."""
    rows, cols = pb.rows(), pb.cols
    pred = mu + ip[rows] + is_[cols] + fp[rows] * fs[cols]
    mse = float(np.mean((pb.r.data - pred) ** 2))
    reg_i = float(np.sum(ip**2) / pb.p + np.sum(is_**2) / pb.s + mu * mu)
    reg_f = float(np.sum(fp**2) / pb.p + np.sum(fs**2) / pb.s)
    return mse + lam_i * reg_i + lam_f * reg_f


def _solve_block(
    b: Any,
    r: Any,
    n_row: FloatArray,
    r_row: FloatArray,
    mu: float,
    other_i: FloatArray,
    other_f: FloatArray,
    a: float,
    c: float,
    with_sse: bool,
) -> tuple[FloatArray, FloatArray, float, FloatArray]:
    """Exact minimiser of the loss over every (intercept, factor) pair of one side, vectorised.

    Five sparse matrix-vector products (O(votes)); the rest is O(rows). Also returns (when
    ``with_sse``) the part of the sum of squared errors at the minimiser that the sufficient
    statistics give (the sum of ``y^2`` is added by the caller) and ``sum f_other`` per row,
    which the ``mu`` update reuses.
    """
    sf = np.asarray(b @ other_f, dtype=np.float64)
    sff = b @ (other_f * other_f)
    y = r_row - n_row * mu - b @ other_i
    yf = r @ other_f - mu * sf - b @ (other_i * other_f)
    a11 = n_row + a
    a22 = sff + c
    det = a11 * a22 - sf * sf
    intercept = np.asarray((a22 * y - sf * yf) / det, dtype=np.float64)
    factor = np.asarray((a11 * yf - sf * y) / det, dtype=np.float64)
    partial = 0.0
    if with_sse:
        # SSE = sum y^2 - 2 i.y - 2 f.yf + n i^2 + 2 i f sf + f^2 sff; sum y^2 is added by the caller.
        partial = float(
            np.sum(
                -2.0 * intercept * y
                - 2.0 * factor * yf
                + n_row * intercept**2
                + 2.0 * intercept * factor * sf
                + factor**2 * sff
            )
        )
    return intercept, factor, partial, sf


class _Sweeper:
    """The two halves of an ALS sweep on the statement-side state ``x = (i_s, f_s, mu)``.

    :meth:`participants` solves every participant given ``x`` and returns the loss of the full
    parameter set, ``phi(x)`` (from sufficient statistics, O(participants + statements) beyond
    the five matrix-vector products); :meth:`statements` solves the statements and ``mu`` given
    the participants and applies the gauge step. Together they are the map ``G``.
    """

    def __init__(self, pb: _Problem, lam_i: float, lam_f: float) -> None:
        self.pb = pb
        self.lam_i, self.lam_f = lam_i, lam_f
        self.a_p, self.c_p = pb.n * lam_i / pb.p, pb.n * lam_f / pb.p
        self.a_s, self.c_s = pb.n * lam_i / pb.s, pb.n * lam_f / pb.s
        self.n_s = pb.r.shape[1]
        self.sweeps = 0
        self.participant_solves = 0

    def split(self, x: FloatArray) -> tuple[FloatArray, FloatArray, float]:
        n_s = self.n_s
        return x[:n_s], x[n_s : 2 * n_s], float(x[2 * n_s])

    def join(self, is_: FloatArray, fs: FloatArray, mu: float) -> FloatArray:
        x = np.empty(2 * self.n_s + 1)
        x[: self.n_s] = is_
        x[self.n_s : 2 * self.n_s] = fs
        x[2 * self.n_s] = mu
        return x

    def participants(self, x: FloatArray) -> tuple[FloatArray, FloatArray, float]:
        """``(i_p, f_p)`` minimising the loss given ``x``, and the loss there."""
        pb = self.pb
        self.participant_solves += 1
        is_, fs, mu = self.split(x)
        ip, fp, partial, _ = _solve_block(
            pb.b, pb.r, pb.n_row, pb.r_row, mu, is_, fs, self.a_p, self.c_p, with_sse=True
        )
        # Sum over votes of y^2 with y = r - mu - i_s, from per-statement sums.
        sum_y2 = (
            pb.sum_r2
            - 2.0 * mu * pb.sum_r
            - 2.0 * _dot(is_, pb.r_col)
            + pb.n * mu * mu
            + 2.0 * mu * _dot(is_, pb.n_col)
            + _dot(pb.n_col * is_, is_)
        )
        sse = max(sum_y2 + partial, 0.0)
        reg = self.lam_i * (_dot(ip, ip) / pb.p + _dot(is_, is_) / pb.s + mu * mu)
        reg += self.lam_f * (_dot(fp, fp) / pb.p + _dot(fs, fs) / pb.s)
        return ip, fp, sse / pb.n + reg

    def statements(self, ip: FloatArray, fp: FloatArray, mu: float) -> FloatArray:
        """The statements' pairs, then ``mu``, given the participants; then the gauge step."""
        pb = self.pb
        self.sweeps += 1
        is_, fs, _, sf_s = _solve_block(
            pb.bt, pb.rt, pb.n_col, pb.r_col, mu, ip, fp, self.a_s, self.c_s, with_sse=False
        )
        # sum over votes of f_p f_s = sum_s f_s (sum of f_p over the statement's voters).
        resid_sum = pb.sum_r - _dot(pb.n_row, ip) - _dot(pb.n_col, is_) - _dot(fs, sf_s)
        new_mu = float(resid_sum / (pb.n * (1.0 + self.lam_i)))
        return _gauge(pb, self, is_, fs, new_mu, ip, fp)


def _gauge(
    pb: _Problem, sw: _Sweeper, is_: FloatArray, fs: FloatArray, mu: float, ip: FloatArray, fp: FloatArray
) -> FloatArray:
    """The statement side after the gauge step (see the module docstring).

    With ``v = mu + i_s`` and means over participants and statements with votes, the
    transformation ``(a, c, d, s)`` leaves every prediction unchanged and changes the penalty to

        lambda_i [mean (i_p - a - c f_p)^2 + var(v - d f_s) + m^2 / 2]
        + lambda_f [s^2 mean (f_p + d)^2 + mean (f_s + c)^2 / s^2],
        m = mean(v) + a - d mean(f_s) - c d,

    where ``mu = m / 2`` and ``i_s = v' - m / 2`` split ``v'`` optimally. The optimal ``s`` gives
    ``2 lambda_f sqrt(Fp Fs)`` for the last term; ``(a, c, d)`` is found by Newton's method
    with a backtracking line search from the identity, so the penalty never increases.
    """
    pen = _GaugePenalty.of(pb, sw, is_, fs, mu, ip, fp)
    z = _least_penalty(pen)
    a, c, d = float(z[0]), float(z[1]), float(z[2])
    m = pen.vm + a - d * pen.vf - c * d
    new_mu = m / 2.0
    new_is = np.where(pb.voted_s, mu + is_ + a - d * fs - c * d - new_mu, 0.0)
    new_fs = fs
    if pen.with_factors:
        fp_end, fs_end = pen.mff + 2.0 * d * pen.mf + d * d, pen.vff + 2.0 * c * pen.vf + c * c
        if fp_end > 0.0 and fs_end > 0.0:
            new_fs = np.where(pb.voted_s, (fs + c) / (fs_end / fp_end) ** 0.25, 0.0)
        else:
            # Every shifted factor of one side is 0, so no product of factors changes a
            # prediction (the intercepts took the shift) and the penalty's least value has the
            # statements' factors at 0 too (the limit of the optimal scale s).
            new_fs = np.zeros_like(fs)
    return sw.join(new_is, new_fs, new_mu)


@dataclass(frozen=True)
class _GaugePenalty:
    """The penalty after the gauge transformation ``z = (a, c, d)`` (see :func:`_gauge`), as a function of
    ``z``, from means over the participants (``m*``) and statements (``v*``; ``s*`` are variances and
    covariances) with votes: ``i`` intercepts, ``f`` factors, ``v = mu + i_s``."""

    lam_i: float
    lam_f: float
    mi: float
    mf: float
    mff: float
    mif: float
    mii: float
    vm: float
    vf: float
    vff: float
    svv: float
    svf: float
    sff: float
    with_factors: bool

    @classmethod
    def of(
        cls,
        pb: _Problem,
        sw: _Sweeper,
        is_: FloatArray,
        fs: FloatArray,
        mu: float,
        ip: FloatArray,
        fp: FloatArray,
    ) -> _GaugePenalty:
        vp, vs = pb.voted_p, pb.voted_s
        i_p, f_p = ip[vp], fp[vp]
        v, g = mu + is_[vs], fs[vs]
        n_p, n_s = float(i_p.size), float(v.size)
        mi, mf = float(i_p.sum()) / n_p, float(f_p.sum()) / n_p
        mff, mif, mii = _dot(f_p, f_p) / n_p, _dot(i_p, f_p) / n_p, _dot(i_p, i_p) / n_p
        vm, vf = float(v.sum()) / n_s, float(g.sum()) / n_s
        vff, vvf, vvv = _dot(g, g) / n_s, _dot(v, g) / n_s, _dot(v, v) / n_s
        svv, svf, sff = vvv - vm * vm, vvf - vm * vf, vff - vf * vf
        with_factors = mff > 0.0 and vff > 0.0
        return cls(sw.lam_i, sw.lam_f, mi, mf, mff, mif, mii, vm, vf, vff, svv, svf, sff, with_factors)

    def __call__(self, z: FloatArray) -> float:
        a, c, d = float(z[0]), float(z[1]), float(z[2])
        ipart = (
            self.mii
            + a * a
            + c * c * self.mff
            - 2.0 * a * self.mi
            - 2.0 * c * self.mif
            + 2.0 * a * c * self.mf
        )
        var = self.svv - 2.0 * d * self.svf + d * d * self.sff
        m = self.vm + a - d * self.vf - c * d
        fpart = 0.0
        if self.with_factors:
            fp_ = self.mff + 2.0 * d * self.mf + d * d
            fs_ = self.vff + 2.0 * c * self.vf + c * c
            fpart = 2.0 * self.lam_f * float(np.sqrt(max(fp_ * fs_, 0.0)))
        return self.lam_i * (ipart + var + m * m / 2.0) + fpart

    def newton_step(self, z: FloatArray) -> FloatArray:
        """Newton's step from ``z`` (a scaled gradient step where the penalty is not convex); NaN where the
        factor term has no derivative."""
        lam_i = self.lam_i
        mi, mf, mff, mif, vf, svf, sff = self.mi, self.mf, self.mff, self.mif, self.vf, self.svf, self.sff
        a, c, d = float(z[0]), float(z[1]), float(z[2])
        m = self.vm + a - d * vf - c * d
        grad = np.array(
            [
                lam_i * (2.0 * a - 2.0 * mi + 2.0 * c * mf + m),
                lam_i * (2.0 * c * mff - 2.0 * mif + 2.0 * a * mf - d * m),
                lam_i * (-2.0 * svf + 2.0 * d * sff - (vf + c) * m),
            ]
        )
        hess = np.empty((3, 3))
        hess[0, 0] = 3.0 * lam_i
        hess[0, 1] = hess[1, 0] = lam_i * (2.0 * mf - d)
        hess[0, 2] = hess[2, 0] = -lam_i * (vf + c)
        hess[1, 1] = lam_i * (2.0 * mff + d * d)
        hess[2, 2] = lam_i * (2.0 * sff + (vf + c) ** 2)
        hess[1, 2] = hess[2, 1] = lam_i * (d * (vf + c) - m)
        if self.with_factors and not self._add_factor_term(grad, hess, c, d):
            return np.full(3, np.nan)
        try:
            np.linalg.cholesky(hess)
            return np.asarray(-np.linalg.solve(hess, grad), dtype=np.float64)
        except np.linalg.LinAlgError:
            # Not convex here: a scaled gradient step (the line search keeps it safe).
            return np.asarray(-grad / max(float(np.max(np.abs(np.diag(hess)))), 1e-300), dtype=np.float64)

    def _add_factor_term(self, grad: FloatArray, hess: FloatArray, c: float, d: float) -> bool:
        """Add the derivatives of ``2 lambda_f sqrt(Fp(d) Fs(c))``; False where it has none."""
        lam_f = self.lam_f
        fp_, fs_ = self.mff + 2.0 * d * self.mf + d * d, self.vff + 2.0 * c * self.vf + c * c
        q = float(np.sqrt(max(fp_ * fs_, 0.0)))
        if q**3 == 0.0:
            # One side's factors are all equal after the shift (e.g. a single statement with
            # votes): the factor term is 0, its least value, and has no derivative there (nor
            # a representable one when q**3 underflows). The search stops (at a non-finite step).
            return False
        fp_d, fs_c = 2.0 * (self.mf + d), 2.0 * (self.vf + c)
        grad[1] += lam_f * fp_ * fs_c / q
        grad[2] += lam_f * fs_ * fp_d / q
        hess[1, 1] += 2.0 * lam_f * (fp_ / q - fp_ * fp_ * fs_c * fs_c / (4.0 * q**3))
        hess[2, 2] += 2.0 * lam_f * (fs_ / q - fs_ * fs_ * fp_d * fp_d / (4.0 * q**3))
        hess[1, 2] += 2.0 * lam_f * fp_d * fs_c / (4.0 * q)
        hess[2, 1] = hess[1, 2]
        return True


def _least_penalty(pen: _GaugePenalty) -> FloatArray:
    """The gauge transformation ``(a, c, d)`` of least penalty: Newton's method with a backtracking line
    search from the identity, so the penalty never increases."""
    z = np.zeros(3)
    if not pen.with_factors:
        # No factor to move: only the intercepts are rebalanced (c = d = 0, s = 1), in closed form.
        z[0] = (2.0 * pen.mi - pen.vm) / 3.0
        if pen(z) > pen(np.zeros(3)):
            z[0] = 0.0
    best = pen(z)
    for _ in range(30 if pen.with_factors else 0):
        step = pen.newton_step(z)
        if not np.all(np.isfinite(step)):
            break
        t = 1.0
        while t > 1e-6:
            trial = z + t * step
            value = pen(trial)
            if value <= best:
                break
            t *= 0.5
        else:
            break
        moved = float(np.max(np.abs(trial - z)))
        z, best = trial, value
        if moved <= 1e-15 * (1.0 + float(np.max(np.abs(z)))):
            break
    return z


class BridgingModel:
    """The Community Notes model ``r = mu + i_p + i_s + f_p f_s``, fitted by alternating least squares.

    Parameters
    ----------
    intercept_reg : float, default 0.15
        ``lambda_i``, on the means of squared intercepts and on ``mu^2``.
    factor_reg : float, default 0.03
        ``lambda_f``, on the means of squared factors.
    pass_value : float, default 0.5
        Rating of a pass (agree 1, disagree 0).
    max_iter : int, default 500
        Maximum ALS sweeps.
    tol : float, default 1e-5
        Stop when the estimated distance of the statement parameters and ``mu`` from the
        minimiser (the last sweep's largest change, divided by one minus the observed rate of
        convergence) is at most ``tol``, on the scale of the ratings (docs/analysis.md, "Bridging
        score", gives the accuracy this buys); tighten it for checks of the fit itself.
    anderson : int, default 5
        Number of previous sweeps the Anderson extrapolation combines; 0 turns it off (plain ALS
        with the gauge step).

    Notes
    -----
    There is no randomness: the fit is a deterministic function of the votes (see the module
    docstring for the normal equations, the start, the gauge step and the acceleration).
    """

    def __init__(
        self,
        intercept_reg: float = 0.15,
        factor_reg: float = 0.03,
        pass_value: float = 0.5,
        max_iter: int = 500,
        tol: float = 1e-5,
        anderson: int = 5,
    ) -> None:
        self.intercept_reg = intercept_reg
        self.factor_reg = factor_reg
        self.pass_value = pass_value
        self.max_iter = max_iter
        self.tol = tol
        self.anderson = anderson

    def fit(self, votes: Any, init: BridgingResult | None = None) -> BridgingResult:
        """Fit the model to votes.

        Parameters
        ----------
        votes : scipy.sparse matrix, VoteMatrix or dense array
            Participants x statements, +1 agree, -1 disagree, 0 pass (stored entries are votes).
        init : BridgingResult, optional
            A previous fit to warm-start from, e.g. the last update of the same conversation.
            Participants and statements are matched by index; new ones (beyond the previous
            shape) start at zero. A warm start after a small batch of new votes converges in a
            few sweeps.

        Returns
        -------
        BridgingResult

        Raises
        ------
        AnalysisInputError
            If there are no votes or a parameter is out of range.
        """
        if self.intercept_reg <= 0 or self.factor_reg <= 0:
            raise AnalysisInputError("intercept_reg and factor_reg must be positive")
        if self.max_iter < 1:
            raise AnalysisInputError(f"max_iter must be at least 1, got {self.max_iter}")
        if not 0.0 <= self.pass_value <= 1.0:
            raise AnalysisInputError(f"pass_value must be in [0, 1], got {self.pass_value}")
        if self.anderson < 0:
            raise AnalysisInputError(f"anderson must be non-negative, got {self.anderson}")
        if not self.tol >= 0:
            raise AnalysisInputError(f"tol must be non-negative, got {self.tol!r}")
        # A VoteMatrix is canonical int8 +1/-1/0 by construction: no validation copy.
        csr = votes.votes if isinstance(votes, VoteMatrix) else as_vote_csr(votes)
        if csr.nnz == 0:
            raise AnalysisInputError("bridging needs at least one vote")
        kind_counts = votes.vote_kind_counts() if isinstance(votes, VoteMatrix) else None
        pb = _Problem(csr, _vote_codes(csr), self.pass_value, kind_counts)
        lam_i, lam_f = float(self.intercept_reg), float(self.factor_reg)
        sweep = _Sweeper(pb, lam_i, lam_f)
        n_p, n_s = pb.r.shape

        if init is not None and np.any(init.statement_factor != 0):
            if init.statement_factor.size > n_s or init.participant_factor.size > n_p:
                raise AnalysisInputError(
                    "init comes from a larger conversation than the votes; warm starts only grow"
                )
            is_ = np.zeros(n_s)
            is_[: init.statement_intercept.size] = init.statement_intercept
            fs = np.zeros(n_s)
            fs[: init.statement_factor.size] = init.statement_factor
            x = sweep.join(np.where(pb.voted_s, is_, 0.0), np.where(pb.voted_s, fs, 0.0), float(init.mu))
        else:
            x = _cold_start(pb, sweep)
        x, ip, fp, history, converged, rejected = _anderson_als(
            sweep, x, self.max_iter, float(self.tol), int(self.anderson)
        )
        is_arr, fs_arr, mu = x[:n_s].copy(), x[n_s : 2 * n_s].copy(), float(x[2 * n_s])
        if fs_arr.size and fs_arr[np.argmax(np.abs(fs_arr))] < 0:
            fs_arr, fp = -fs_arr, -fp
        voters = pb.n_col
        with np.errstate(invalid="ignore", divide="ignore"):
            approval = np.where(voters > 0, pb.agrees / np.where(voters > 0, voters, 1.0), np.nan)
        return BridgingResult(
            mu=mu,
            participant_intercept=ip,
            participant_factor=fp,
            statement_intercept=is_arr,
            statement_factor=fs_arr,
            approval=approval,
            agrees=pb.agrees,
            voters=voters,
            loss=history[-1],
            loss_history=history,
            n_iter=sweep.sweeps,
            converged=converged,
            n_rejected=rejected,
        )


def _anderson_als(
    sweep: _Sweeper, x: FloatArray, max_iter: int, tol: float, depth: int
) -> tuple[FloatArray, FloatArray, FloatArray, list[float], bool, int]:
    """ALS sweeps with safeguarded Anderson extrapolation.

    ``x`` is the starting statement side. Returns the final statement side, the participants'
    parameters that minimise the loss given it, the loss history (the loss of every accepted
    point, never increasing), whether the stopping rule was met and how many extrapolations
    were rejected.
    """
    ip, fp, loss = sweep.participants(x)
    history = [loss]
    g = sweep.statements(ip, fp, float(x[-1]))
    f = g - x
    d_g: list[FloatArray] = []
    d_f: list[FloatArray] = []
    steps: list[float] = []
    rejected = 0
    while True:
        steps.append(float(np.max(np.abs(f))))
        if _converged(steps, tol):
            return x, ip, fp, history, True, rejected
        if sweep.sweeps >= max_iter:
            return x, ip, fp, history, False, rejected
        x_new: FloatArray | None = None
        if d_f:
            # Type-II Anderson: the combination of the last sweeps whose residuals cancel best.
            gamma = _small_least_squares(d_f, f)
            x_new = g.copy()
            for coef, dg in zip(gamma, d_g, strict=True):
                x_new -= coef * dg
            ip_new, fp_new, loss_new = sweep.participants(x_new)
            if not loss_new <= loss:
                # Rejected (half a sweep spent); the plain sweep from G(x) cannot raise the loss.
                rejected += 1
                x_new = None
        if x_new is None:
            x_new = g
            ip_new, fp_new, loss_new = sweep.participants(x_new)
        g_new = sweep.statements(ip_new, fp_new, float(x_new[-1]))
        f_new = g_new - x_new
        if depth > 0:
            d_g.append(g_new - g)
            d_f.append(f_new - f)
            if len(d_g) > depth:
                del d_g[0], d_f[0]
        x, g, f, ip, fp, loss = x_new, g_new, f_new, ip_new, fp_new, loss_new
        history.append(loss)


def _converged(steps: list[float], tol: float) -> bool:
    """The stopping rule: estimated distance to the fixed point ``step / (1 - rho)`` at most ``tol``.

    ``rho`` is the larger of the last two ratios of successive steps (the observed rate of
    convergence), so a long, slow stretch, where the step is small but the distance is not, does
    not stop the fit, and neither does one sharp drop right after a stall. (The geometric mean of
    the two ratios saves a sweep now and then, but stopped a benchmark fit well short of the
    minimiser: docs/analysis.md.) At least three sweeps are needed to observe a rate, unless a
    step is 0.
    """
    step = steps[-1]
    if step == 0.0:
        return True
    if len(steps) < 3 or step > tol:
        return False
    rho = max(steps[-1] / max(steps[-2], 1e-300), steps[-2] / max(steps[-3], 1e-300))
    return rho < 1.0 and step / (1.0 - rho) <= tol


def _small_least_squares(columns: list[FloatArray], target: FloatArray) -> FloatArray:
    """Coefficients ``gamma`` minimising ``|target - sum_k gamma_k columns[k]|``.

    Through the k x k normal equations (k is the Anderson depth, a handful): O(k^2 n) and no
    SVD of a tall matrix. Columns are scaled to unit norm and a relative ridge of 1e-10 keeps
    the solve defined when two differences are (nearly) parallel.
    """
    norms = np.sqrt([_dot(c, c) for c in columns])
    norms[norms == 0.0] = 1.0
    k = len(columns)
    gram = np.empty((k, k))
    rhs = np.empty(k)
    for i in range(k):
        rhs[i] = _dot(columns[i], target) / norms[i]
        for j in range(i, k):
            gram[i, j] = gram[j, i] = _dot(columns[i], columns[j]) / (norms[i] * norms[j])
    gram[np.diag_indices(k)] += 1e-10
    return np.asarray(np.linalg.solve(gram, rhs) / norms, dtype=np.float64)


def _cold_start(pb: _Problem, sweep: _Sweeper) -> FloatArray:
    """Deterministic start (module docstring): shrunk means, and the best factor direction in
    the plane of the two leading eigenvectors of the count-normalised residual.
    """
    n_p, n_s = pb.r.shape
    mu = pb.sum_r / pb.n
    is_ = np.asarray((pb.r_col - pb.n_col * mu) / (pb.n_col + sweep.a_s), dtype=np.float64)
    ip = np.asarray((pb.r_row - pb.n_row * mu - pb.b @ is_) / (pb.n_row + sweep.a_p), dtype=np.float64)
    resid = pb.r.data - is_[pb.cols] - np.repeat(mu + ip, np.diff(pb.r.indptr))
    centred = sparse.csr_matrix((resid, pb.r.indices, pb.r.indptr), shape=pb.r.shape)
    w_p = 1.0 / np.maximum(pb.n_row, 1.0)
    w_s = np.where(pb.voted_s, 1.0 / np.sqrt(np.maximum(pb.n_col, 1.0)), 0.0)
    vecs, vals = _leading_pair(centred, w_p, w_s, pb)
    sigma = float(np.sqrt(max(float(vals[0]), 0.0)))
    directions = []
    for j in range(vecs.shape[1]):
        u = w_s * vecs[:, j]
        # Scale so that sum_s n_s f_s^2 / N = sigma: at an unpenalised fixed point the two sides'
        # vote-weighted mean squares multiply to sigma^2; the gauge step balances them after.
        norm = _dot(pb.n_col * u, u) / pb.n
        directions.append(u * np.sqrt(sigma / norm) if norm > 0 and sigma > 0 else u)
    if sigma == 0.0 or not directions:
        # No structure beyond the intercepts: a small fixed factor, so ALS is not stuck at f = 0.
        fs = 0.1 * np.where(pb.voted_s, 1.0 + np.linspace(0.0, 1.0, n_s), 0.0)
        return sweep.join(is_, fs, mu)
    fs = (
        directions[0]
        if len(directions) == 1
        else _best_in_plane(pb, sweep, mu, is_, directions[0], directions[1])
    )
    return sweep.join(is_, fs, mu)


def _leading_pair(
    centred: sparse.csr_matrix, w_p: FloatArray, w_s: FloatArray, pb: _Problem
) -> tuple[FloatArray, FloatArray]:
    """Two leading eigenpairs of ``W_s E^T W_p E W_s`` (``W_p = D_p^-1``, ``W_s = D_s^-1/2``).

    Dense for a few statements; otherwise a block iteration (:func:`polis.lobpcg_largest`) from
    a fixed block, to a residual of 1e-2 of the largest eigenvalue: the start only needs the
    plane, the angle in it is chosen by the loss.
    """
    n_s = centred.shape[1]
    voted = np.flatnonzero(pb.voted_s)
    if voted.size <= _DENSE_START:
        sub = (centred[:, voted] @ sparse.diags(w_s[voted])).tocsc()
        gram = np.asarray((sub.T @ sparse.diags(w_p) @ sub).toarray(), dtype=np.float64)
        vals, vecs = np.linalg.eigh((gram + gram.T) / 2.0)
        order = np.argsort(vals)[::-1][: min(2, voted.size)]
        full = np.zeros((n_s, order.size))
        full[voted] = vecs[:, order]
        return full, np.asarray(vals[order], dtype=np.float64)
    ct = centred.T

    def apply(block: FloatArray) -> FloatArray:
        # Column by column: scipy's sparse-times-block kernel is slower than separate products
        # for two or three columns.
        out = np.empty_like(block)
        for j in range(block.shape[1]):
            out[:, j] = w_s * (ct @ (w_p * (centred @ (w_s * block[:, j]))))
        return out

    idx = np.arange(n_s, dtype=np.float64)
    start = (
        np.column_stack(
            [
                (1.0 + idx / max(n_s - 1, 1)) / np.where(w_s > 0, w_s, 1.0),
                np.cos(idx * 1.618033988749895),
                np.sin(idx * 2.718281828459045),
            ]
        )
        * pb.voted_s[:, None]
    )
    vecs, vals, _, _ = lobpcg_largest(apply, start, 2, tol=1e-2, max_steps=20)
    return np.asarray(vecs, dtype=np.float64), np.asarray(vals, dtype=np.float64)


def _best_in_plane(
    pb: _Problem, sweep: _Sweeper, mu: float, is_: FloatArray, u1: FloatArray, u2: FloatArray
) -> FloatArray:
    """The factor ``cos t u1 + sin t u2`` whose participant solve gives the lowest loss.

    The participant solve needs five sums per participant; for the family they are
    combinations of ten sparse products, so every angle costs O(participants). Angles over
    half a turn (the sign is free), then a parabola through the best and its neighbours.
    """
    b, r = pb.b, pb.r
    s1, s2 = b @ u1, b @ u2
    s11, s12, s22 = b @ (u1 * u1), b @ (u1 * u2), b @ (u2 * u2)
    r1, r2 = r @ u1, r @ u2
    q1, q2 = b @ (is_ * u1), b @ (is_ * u2)
    y = (pb.r_row - pb.n_row * mu - b @ is_)[:, None]
    n_row = pb.n_row[:, None]
    a11 = n_row + sweep.a_p
    u11, u12, u22 = _dot(u1, u1), _dot(u1, u2), _dot(u2, u2)

    def objective(angles: FloatArray) -> FloatArray:
        # The loss up to terms that do not depend on the angle.
        c, s = np.cos(angles)[None, :], np.sin(angles)[None, :]
        sf = c * s1[:, None] + s * s2[:, None]
        sff = c * c * s11[:, None] + 2.0 * c * s * s12[:, None] + s * s * s22[:, None]
        yf = c * r1[:, None] + s * r2[:, None] - mu * sf - (c * q1[:, None] + s * q2[:, None])
        a22 = sff + sweep.c_p
        det = a11 * a22 - sf * sf
        i = (a22 * y - sf * yf) / det
        f = (a11 * yf - sf * y) / det
        sse = (-2.0 * i * y - 2.0 * f * yf + n_row * i * i + 2.0 * i * f * sf + f * f * sff).sum(axis=0)
        reg = sweep.lam_i * (i * i).sum(axis=0) / pb.p + sweep.lam_f * (f * f).sum(axis=0) / pb.p
        fs2 = (c * c * u11 + 2.0 * c * s * u12 + s * s * u22).ravel()
        return np.asarray(sse / pb.n + reg + sweep.lam_f * fs2 / pb.s, dtype=np.float64)

    step = np.pi / _START_ANGLES
    angles = np.arange(_START_ANGLES, dtype=np.float64) * step
    values = objective(angles)
    j = int(np.argmin(values))
    lo, mid, hi = values[(j - 1) % _START_ANGLES], values[j], values[(j + 1) % _START_ANGLES]
    best = float(angles[j])
    curve = lo - 2.0 * mid + hi
    if curve > 0:
        vertex = best + 0.5 * step * (lo - hi) / curve
        if objective(np.array([vertex], dtype=np.float64))[0] < mid:
            best = vertex
    return np.asarray(np.cos(best) * u1 + np.sin(best) * u2, dtype=np.float64)


def bridging_scores(votes: Any, **params: Any) -> BridgingResult:
    """Fit :class:`BridgingModel` with ``params`` to ``votes`` and return the result.

    Parameters
    ----------
    votes : scipy.sparse matrix, VoteMatrix or dense array
        Participants x statements, +1/-1/0.
    **params
        Passed to :class:`BridgingModel`.

    Returns
    -------
    BridgingResult
    """
    return BridgingModel(**params).fit(votes)


def bridging_loss(
    votes: Any,
    result: BridgingResult,
    *,
    intercept_reg: float = 0.15,
    factor_reg: float = 0.03,
    pass_value: float = 0.5,
) -> tuple[float, dict[str, Any]]:
    """The loss of a fitted model and its gradient, for checking a fit.

    Parameters
    ----------
    votes : scipy.sparse matrix, VoteMatrix or dense array
        The votes the model was fitted to.
    result : BridgingResult
        Parameters to evaluate.
    intercept_reg, factor_reg, pass_value : float
        As in :class:`BridgingModel`.

    Returns
    -------
    loss : float
    gradient : dict
        ``"mu"`` (float) and arrays ``"participant_intercept"``, ``"participant_factor"``,
        ``"statement_intercept"``, ``"statement_factor"``.
    """
    csr = as_vote_csr(votes)
    pb = _Problem(csr, _vote_codes(csr), pass_value)
    mu = result.mu
    ip, fp = result.participant_intercept, result.participant_factor
    is_, fs = result.statement_intercept, result.statement_factor
    loss = _loss(pb, mu, ip, fp, is_, fs, intercept_reg, factor_reg)
    rows, cols = pb.rows(), pb.cols
    pred = mu + ip[rows] + is_[cols] + fp[rows] * fs[cols]
    e = (pred - pb.r.data) * (2.0 / pb.n)
    n_p, n_s = pb.r.shape
    grad = {
        "mu": float(e.sum() + 2.0 * intercept_reg * mu),
        "participant_intercept": np.bincount(rows, e, n_p) + 2.0 * intercept_reg * ip / pb.p,
        "participant_factor": np.bincount(rows, e * fs[cols], n_p) + 2.0 * factor_reg * fp / pb.p,
        "statement_intercept": np.bincount(cols, e, n_s) + 2.0 * intercept_reg * is_ / pb.s,
        "statement_factor": np.bincount(cols, e * fp[rows], n_s) + 2.0 * factor_reg * fs / pb.s,
    }
    return loss, grad
