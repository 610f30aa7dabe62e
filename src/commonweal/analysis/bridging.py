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
matrix-vector products: one sweep costs O(votes).

Initialisation is deterministic, with no randomness: ``mu`` is the mean rating, the intercepts are
ridge-shrunk row and column means, and the statement factors start from the leading right singular
vector of the residual (on the votes' pattern), found by power iteration from a fixed vector. A warm
start takes ``mu``, ``i_s`` and ``f_s`` from a previous fit. The sign of the factors is a convention
(flipping every ``f`` leaves the model unchanged): we make the statement factor with the largest
magnitude positive.

Acceleration. Plain ALS converges linearly and slowly here (the factor direction is weakly
determined when there are more than two opinion groups), so the sweeps are extrapolated. The
participants' parameters are the exact minimiser given the statements', so one sweep is a map
``x -> G(x)`` of the statement-side state ``x = (i_s, f_s, mu)``, and its fixed point is the
minimiser. Anderson acceleration (type II, depth ``anderson``) proposes the combination of the last
few ``G(x_k)`` whose residuals ``G(x_k) - x_k`` cancel best. A proposal is swept and *kept only if
the loss after its sweep is no higher than the last recorded loss*; otherwise the history is
dropped and a plain sweep is taken from the last state, which cannot increase the loss. So the
recorded loss never increases, and the objective and its minimiser are those of plain ALS. The fit
stops under the plain-ALS rule (the loss fell by less than ``tol`` relative in a plain sweep): an
extrapolated step that meets it is confirmed by a plain sweep. Per sweep, ten sparse
matrix-vector products over the votes, the ``mu`` update reusing the statement side's sums.

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

from commonweal.analysis.commonground import as_vote_csr
from commonweal.analysis.errors import AnalysisInputError

__all__ = ["BridgingModel", "BridgingResult", "bridging_loss", "bridging_scores", "ratings_matrix"]

FloatArray = NDArray[np.float64]


def ratings_matrix(votes: Any, pass_value: float = 0.5) -> sparse.csr_matrix:
    """Ratings (agree 1, pass ``pass_value``, disagree 0) on the pattern of the votes.

    Parameters
    ----------
    votes : scipy.sparse matrix, VoteMatrix or dense array
        Participants x statements, +1/-1/0; see :func:`commonweal.analysis.commonground.as_vote_csr`.
    pass_value : float, default 0.5
        Rating of a pass.

    Returns
    -------
    scipy.sparse.csr_matrix
        Same pattern as the votes (disagrees are stored zeros).
    """
    return _ratings_from_csr(as_vote_csr(votes), pass_value)


def _ratings_from_csr(csr: sparse.csr_matrix, pass_value: float) -> sparse.csr_matrix:
    """:func:`ratings_matrix` of a canonical vote CSR (no second validation or copy)."""
    # Look-up by sign (0, 1, 2 for disagree, pass, agree): one pass over the votes.
    table = np.array([0.0, float(pass_value), 1.0])
    data = table[np.sign(csr.data).astype(np.intp) + 1]
    return sparse.csr_matrix((data, csr.indices, csr.indptr), shape=csr.shape)


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
        Loss after initialisation and after each sweep (never increasing).
    n_iter : int
        Sweeps run.
    converged : bool
        Whether the relative loss decrease fell below ``tol`` before ``max_iter``.
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
    """Sparse structures for one fit, built once (O(votes)) and shared by every sweep.

    The participant side reads the CSR matrices; the statement side reads their transposes as
    CSC views (no copy), whose matrix-vector products scatter into the short statement vector.
    ``b`` shares the index arrays of ``r`` with unit data, so ``b @ x`` sums ``x`` over each row's
    votes.
    """

    def __init__(self, ratings: sparse.csr_matrix) -> None:
        self.r = ratings
        self.b = sparse.csr_matrix(
            (np.ones(ratings.nnz), ratings.indices, ratings.indptr), shape=ratings.shape, copy=False
        )
        self.rt = ratings.T
        self.bt = self.b.T
        self.n = float(ratings.nnz)
        self.n_row = np.diff(ratings.indptr).astype(np.float64)
        self.n_col = np.bincount(ratings.indices, minlength=ratings.shape[1]).astype(np.float64)
        self.p = float(np.count_nonzero(self.n_row))
        self.s = float(np.count_nonzero(self.n_col))
        self.r_row = np.asarray(ratings @ np.ones(ratings.shape[1]), dtype=np.float64)
        n_s = ratings.shape[1]
        self.r_col = np.bincount(ratings.indices, weights=ratings.data, minlength=n_s).astype(np.float64)
        self.r2_col = np.bincount(ratings.indices, weights=ratings.data * ratings.data, minlength=n_s).astype(
            np.float64
        )
        self.sum_r = float(ratings.data.sum())
        self.sum_r2 = float(self.r2_col.sum())
        self._rows: NDArray[np.intp] | None = None

    @property
    def rows(self) -> NDArray[np.intp]:
        """Participant index of every vote (CSR order), built on first use."""
        if self._rows is None:
            self._rows = np.repeat(np.arange(self.r.shape[0]), np.diff(self.r.indptr))
        return self._rows

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
    rows, cols = pb.rows, pb.cols
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
) -> tuple[FloatArray, FloatArray, float, FloatArray]:
    """Exact minimiser of the loss over every (intercept, factor) pair of one side, vectorised.

    Five sparse matrix-vector products (O(votes)); the rest is O(rows). Also returns the part of
    the sum of squared errors at the minimiser that the sufficient statistics give (the sum of
    ``y^2`` is added by the caller) and ``sum f_other`` per row, which the ``mu`` update reuses.
    """
    sf = b @ other_f
    sff = b @ (other_f * other_f)
    y = r_row - n_row * mu - b @ other_i
    yf = r @ other_f - mu * sf - b @ (other_i * other_f)
    a11 = n_row + a
    a22 = sff + c
    det = a11 * a22 - sf * sf
    intercept = (a22 * y - sf * yf) / det
    factor = (a11 * yf - sf * y) / det
    # SSE = sum y^2 - 2 i.y - 2 f.yf + n i^2 + 2 i f sf + f^2 sff; the sum of y^2 is added by the caller.
    partial = float(
        np.sum(
            -2.0 * intercept * y
            - 2.0 * factor * yf
            + n_row * intercept**2
            + 2.0 * intercept * factor * sf
            + factor**2 * sff
        )
    )
    return (
        np.asarray(intercept, dtype=np.float64),
        np.asarray(factor, dtype=np.float64),
        partial,
        np.asarray(sf, dtype=np.float64),
    )


class _Sweeper:
    """One ALS sweep as a map of the statement-side state ``x = (i_s, f_s, mu)``.

    Given ``x``, the participants' pairs are solved exactly, then the statements' pairs, then
    ``mu``; the sweep returns the new state, the participants' parameters and the loss of the
    full parameter set (from sufficient statistics, O(participants + statements) beyond the
    ten matrix-vector products). The participant side needs no state of its own: it is the
    exact minimiser given the statements, so the map is a fixed-point iteration on ``x``.
    """

    def __init__(self, pb: _Problem, lam_i: float, lam_f: float) -> None:
        self.pb = pb
        self.lam_i, self.lam_f = lam_i, lam_f
        self.a_p, self.c_p = pb.n * lam_i / pb.p, pb.n * lam_f / pb.p
        self.a_s, self.c_s = pb.n * lam_i / pb.s, pb.n * lam_f / pb.s
        self.n_s = pb.r.shape[1]
        self.count = 0

    def split(self, x: FloatArray) -> tuple[FloatArray, FloatArray, float]:
        n_s = self.n_s
        return x[:n_s], x[n_s : 2 * n_s], float(x[2 * n_s])

    def __call__(self, x: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray, float]:
        pb = self.pb
        self.count += 1
        is_, fs, mu = self.split(x)
        ip, fp, _, _ = _solve_block(pb.b, pb.r, pb.n_row, pb.r_row, mu, is_, fs, self.a_p, self.c_p)
        is_, fs, partial, sf_s = _solve_block(
            pb.bt, pb.rt, pb.n_col, pb.r_col, mu, ip, fp, self.a_s, self.c_s
        )
        # Sum over votes of y^2 with y = r - mu - i_p, from per-participant sums.
        n_ip = pb.n_row * ip
        sum_y2 = (
            pb.sum_r2
            + pb.n * mu * mu
            + _dot(n_ip, ip)
            - 2.0 * mu * pb.sum_r
            - 2.0 * _dot(ip, pb.r_row)
            + 2.0 * mu * float(n_ip.sum())
        )
        sse = sum_y2 + partial
        # sum over votes of f_p f_s = sum_s f_s (sum of f_p over the statement's voters).
        resid_sum = pb.sum_r - float(n_ip.sum()) - _dot(pb.n_col, is_) - _dot(fs, sf_s)
        new_mu = float(resid_sum / (pb.n * (1.0 + self.lam_i)))
        delta = mu - new_mu
        sse += 2.0 * delta * (resid_sum - pb.n * mu) + pb.n * delta * delta
        reg = self.lam_i * (_dot(ip, ip) / pb.p + _dot(is_, is_) / pb.s + new_mu * new_mu)
        reg += self.lam_f * (_dot(fp, fp) / pb.p + _dot(fs, fs) / pb.s)
        x_new = np.empty_like(x)
        x_new[: self.n_s] = is_
        x_new[self.n_s : 2 * self.n_s] = fs
        x_new[2 * self.n_s] = new_mu
        return x_new, ip, fp, max(sse, 0.0) / pb.n + reg


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
        Maximum ALS sweeps (a rejected extrapolated sweep counts as one).
    tol : float, default 1e-7
        Stop when an accepted sweep decreases the loss by less than ``tol`` times the loss. With
        the acceleration the remaining gap to the minimum is then about the last decrease, so at
        1e-7 the loss is within about 1e-7 (relative) of its minimum and the statement
        intercepts within about 5e-4 of the exact minimiser on simulated data; tighten it for
        checks of the fit itself.
    anderson : int, default 5
        Number of previous sweeps the Anderson extrapolation combines; 0 turns it off (plain ALS).

    Notes
    -----
    There is no randomness: the fit is a deterministic function of the votes (see the module
    docstring for the normal equations, the initialisation and the acceleration).
    """

    def __init__(
        self,
        intercept_reg: float = 0.15,
        factor_reg: float = 0.03,
        pass_value: float = 0.5,
        max_iter: int = 500,
        tol: float = 1e-7,
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
        csr = as_vote_csr(votes)
        if csr.nnz == 0:
            raise AnalysisInputError("bridging needs at least one vote")
        ratings = _ratings_from_csr(csr, self.pass_value)
        pb = _Problem(ratings)
        lam_i, lam_f = float(self.intercept_reg), float(self.factor_reg)
        sweep = _Sweeper(pb, lam_i, lam_f)
        n_p, n_s = ratings.shape

        if init is not None and np.any(init.statement_factor != 0):
            if init.statement_factor.size > n_s or init.participant_factor.size > n_p:
                raise AnalysisInputError(
                    "init comes from a larger conversation than the votes; warm starts only grow"
                )
            mu = float(init.mu)
            is_ = np.zeros(n_s)
            is_[: init.statement_intercept.size] = init.statement_intercept
            fs = np.zeros(n_s)
            fs[: init.statement_factor.size] = init.statement_factor
        else:
            mu, is_, fs = _cold_start(pb, sweep.a_s, sweep.a_p)
        x = np.concatenate([is_, fs, [mu]])
        history = [_start_loss(pb, mu, is_, fs, lam_i, lam_f)]
        x, ip, fp, converged = _anderson_als(sweep, x, history, self.max_iter, self.tol, self.anderson)
        is_arr, fs_arr, mu = x[:n_s].copy(), x[n_s : 2 * n_s].copy(), float(x[2 * n_s])
        history[-1] = _loss(pb, mu, ip, fp, is_arr, fs_arr, lam_i, lam_f)
        if fs_arr.size and fs_arr[np.argmax(np.abs(fs_arr))] < 0:
            fs_arr, fp = -fs_arr, -fp
        agrees = _count_agrees(csr)
        voters = pb.n_col
        with np.errstate(invalid="ignore", divide="ignore"):
            approval = np.where(voters > 0, agrees / np.where(voters > 0, voters, 1.0), np.nan)
        return BridgingResult(
            mu=mu,
            participant_intercept=ip,
            participant_factor=fp,
            statement_intercept=is_arr,
            statement_factor=fs_arr,
            approval=approval,
            agrees=agrees,
            voters=voters.copy(),
            loss=history[-1],
            loss_history=history,
            n_iter=sweep.count,
            converged=converged,
        )


def _anderson_als(
    sweep: _Sweeper, x: FloatArray, history: list[float], max_iter: int, tol: float, depth: int
) -> tuple[FloatArray, FloatArray, FloatArray, bool]:
    """ALS sweeps with safeguarded Anderson extrapolation; appends accepted losses to ``history``.

    ``x`` is the starting state. Returns the final state, the participants' parameters that go
    with it, and whether the loss test was met. Every recorded loss is that of a full parameter
    set produced by a sweep, and a proposal is kept only if its loss is no higher than the last
    recorded one, so the history never increases.
    """
    g, ip, fp, loss = sweep(x)
    history.append(loss)
    f = g - x
    d_g: list[FloatArray] = []
    d_f: list[FloatArray] = []
    plain = True  # whether the last accepted sweep started from the previous sweep's output
    verify = False
    while sweep.count < max_iter:
        plain = verify or not d_f
        if not plain:
            # Type-II Anderson: the combination of the last sweeps whose residuals cancel best.
            gamma = _small_least_squares(d_f, f)
            x_new = g.copy()
            for coef, dg in zip(gamma, d_g, strict=True):
                x_new -= coef * dg
            g_new, ip_new, fp_new, loss_new = sweep(x_new)
            if not loss_new <= loss:
                # Rejected: forget the history and take the plain sweep from the last state.
                d_g.clear()
                d_f.clear()
                if sweep.count >= max_iter:
                    break
                plain = True
                x_new = g
                g_new, ip_new, fp_new, loss_new = sweep(x_new)
        else:
            x_new = g
            g_new, ip_new, fp_new, loss_new = sweep(x_new)
        f_new = g_new - x_new
        if depth > 0:
            d_g.append(g_new - g)
            d_f.append(f_new - f)
            if len(d_g) > depth:
                del d_g[0], d_f[0]
        decrease = loss - loss_new
        g, f, ip, fp, loss = g_new, f_new, ip_new, fp_new, loss_new
        history.append(loss)
        # The stopping rule is the one of plain ALS, checked on a plain sweep: an extrapolated
        # step can stall for one sweep far from the minimum, so a small decrease there is
        # confirmed by a plain sweep before stopping.
        verify = decrease <= tol * max(loss, 1e-300)
        if verify and plain:
            return g, ip, fp, True
    return g, ip, fp, False


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


def _cold_start(pb: _Problem, a_s: float, a_p: float) -> tuple[float, FloatArray, FloatArray]:
    """Deterministic start: ``mu`` the mean rating, ridge-shrunk statement means, and a factor.

    The statement factor is the leading right singular vector of the residual after ``mu`` and
    both sets of shrunk intercepts (on the votes' pattern), scaled by ``sqrt(sigma)``.
    """
    mu = pb.sum_r / pb.n
    is_ = (pb.r_col - pb.n_col * mu) / (pb.n_col + a_s)
    ip = (pb.r_row - pb.n_row * mu - pb.b @ is_) / (pb.n_row + a_p)
    resid = pb.r.data - mu - is_[pb.cols] - ip[pb.rows]
    centred = sparse.csr_matrix((resid, pb.r.indices, pb.r.indptr), shape=pb.r.shape)
    fs = _leading_right_vector(centred)
    return mu, np.asarray(is_, dtype=np.float64), fs


def _start_loss(
    pb: _Problem, mu: float, is_: FloatArray, fs: FloatArray, lam_i: float, lam_f: float
) -> float:
    """The loss at the start, where the participants' parameters are zero: O(statements)."""
    w = mu + is_
    sse = float(np.sum(pb.r2_col - 2.0 * w * pb.r_col + pb.n_col * w * w))
    reg = lam_i * (_dot(is_, is_) / pb.s + mu * mu) + lam_f * _dot(fs, fs) / pb.s
    return max(sse, 0.0) / pb.n + reg


def _count_agrees(csr: sparse.csr_matrix) -> FloatArray:
    return np.bincount(csr.indices[csr.data > 0], minlength=csr.shape[1]).astype(np.float64)


def _leading_right_vector(centred: sparse.csr_matrix, n_iter: int = 50, rtol: float = 1e-3) -> FloatArray:
    """Leading right singular vector of ``centred``, scaled by sqrt(sigma), by power iteration.

    Deterministic (fixed start); stops when the singular value estimate changes by less than
    ``rtol`` (relative), at most ``n_iter`` iterations: the start only needs to be close.
    """
    n_s = centred.shape[1]
    ct = centred.T
    # A fixed, non-symmetric start so it is not orthogonal to the leading vector by accident.
    v = 1.0 + np.linspace(0.0, 1.0, n_s)
    v /= np.sqrt(_dot(v, v))
    sigma2 = 0.0
    for _ in range(n_iter):
        w = ct @ (centred @ v)
        new = float(np.sqrt(_dot(w, w)))
        if new == 0.0:
            sigma2 = 0.0
            break
        v = w / new
        done = abs(new - sigma2) <= rtol * new
        sigma2 = new
        if done:
            break
    scale = np.sqrt(np.sqrt(sigma2)) if sigma2 > 0 else 0.1
    return np.asarray(v * scale, dtype=np.float64)


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
    pb = _Problem(ratings_matrix(votes, pass_value))
    mu = result.mu
    ip, fp = result.participant_intercept, result.participant_factor
    is_, fs = result.statement_intercept, result.statement_factor
    loss = _loss(pb, mu, ip, fp, is_, fs, intercept_reg, factor_reg)
    pred = mu + ip[pb.rows] + is_[pb.cols] + fp[pb.rows] * fs[pb.cols]
    e = (pred - pb.r.data) * (2.0 / pb.n)
    n_p, n_s = pb.r.shape
    grad = {
        "mu": float(e.sum() + 2.0 * intercept_reg * mu),
        "participant_intercept": np.bincount(pb.rows, e, n_p) + 2.0 * intercept_reg * ip / pb.p,
        "participant_factor": np.bincount(pb.rows, e * fs[pb.cols], n_p) + 2.0 * factor_reg * fp / pb.p,
        "statement_intercept": np.bincount(pb.cols, e, n_s) + 2.0 * intercept_reg * is_ / pb.s,
        "statement_factor": np.bincount(pb.cols, e * fp[pb.rows], n_s) + 2.0 * factor_reg * fs / pb.s,
    }
    return loss, grad
