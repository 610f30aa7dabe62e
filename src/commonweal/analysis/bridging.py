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

whose unique minimiser solves the 2x2 system

    [ n_p + a_P          sum f_s        ] [i_p]   [ sum y_ps       ]
    [ sum f_s       sum f_s^2 + b_P     ] [f_p] = [ sum y_ps f_s   ]

(positive definite because ``a_P, b_P > 0``). Statements are symmetric with ``a_S = N lambda_i / S``
and ``b_S = N lambda_f / S``, and ``mu = sum (r - i_p - i_s - f_p f_s) / (N (1 + lambda_i))``.
Each step is the exact minimiser of L over one block, so L never increases. The sums are sparse
matrix-vector products: one sweep costs O(votes).

Initialisation is deterministic, with no randomness: the statement factors start from the leading
right singular vector of the centred rating matrix, found by power iteration from a fixed vector.
The sign of the factors is a convention (flipping every ``f`` leaves the model unchanged): we make
the statement factor with the largest magnitude positive.

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
    csr = as_vote_csr(votes)
    data = np.where(csr.data > 0, 1.0, np.where(csr.data < 0, 0.0, float(pass_value)))
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
    """Precomputed sparse structures for one fit."""

    def __init__(self, ratings: sparse.csr_matrix) -> None:
        self.r = ratings
        self.rt = sparse.csr_matrix(ratings.T)
        self.b = sparse.csr_matrix(
            (np.ones(ratings.nnz), ratings.indices, ratings.indptr), shape=ratings.shape
        )
        self.bt = sparse.csr_matrix(self.b.T)
        self.rows = np.repeat(np.arange(ratings.shape[0]), np.diff(ratings.indptr))
        self.cols = ratings.indices
        self.n = float(ratings.nnz)
        self.n_row = np.diff(ratings.indptr).astype(np.float64)
        self.n_col = np.diff(self.rt.indptr).astype(np.float64)
        self.p = float(np.count_nonzero(self.n_row))
        self.s = float(np.count_nonzero(self.n_col))
        self.r_row = np.asarray(ratings.sum(axis=1)).ravel()
        self.r_col = np.asarray(ratings.sum(axis=0)).ravel()


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
    pred = mu + ip[pb.rows] + is_[pb.cols] + fp[pb.rows] * fs[pb.cols]
    mse = float(np.mean((pb.r.data - pred) ** 2))
    reg_i = float(np.sum(ip**2) / pb.p + np.sum(is_**2) / pb.s + mu * mu)
    reg_f = float(np.sum(fp**2) / pb.p + np.sum(fs**2) / pb.s)
    return mse + lam_i * reg_i + lam_f * reg_f


def _solve_block(
    b: sparse.csr_matrix,
    r: sparse.csr_matrix,
    n_row: FloatArray,
    r_row: FloatArray,
    mu: float,
    other_i: FloatArray,
    other_f: FloatArray,
    a: float,
    c: float,
) -> tuple[FloatArray, FloatArray, float]:
    """Exact minimiser of the loss over every (intercept, factor) pair of one side, vectorised.

    Also returns the sum of squared errors at the minimiser, from the sufficient statistics of
    the solve (O(rows), no extra pass over the votes).
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
    return np.asarray(intercept, dtype=np.float64), np.asarray(factor, dtype=np.float64), partial


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
    tol : float, default 1e-7
        Stop when the loss decreases by less than ``tol`` times the loss in a sweep. At 1e-7 the
        statement intercepts are within about 1e-3 of the exact minimiser on simulated data;
        tighten it for checks of the fit itself.

    Notes
    -----
    There is no randomness: the fit is a deterministic function of the votes (see the module
    docstring for the normal equations and the initialisation).
    """

    def __init__(
        self,
        intercept_reg: float = 0.15,
        factor_reg: float = 0.03,
        pass_value: float = 0.5,
        max_iter: int = 500,
        tol: float = 1e-7,
    ) -> None:
        self.intercept_reg = intercept_reg
        self.factor_reg = factor_reg
        self.pass_value = pass_value
        self.max_iter = max_iter
        self.tol = tol

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
        csr = as_vote_csr(votes)
        if csr.nnz == 0:
            raise AnalysisInputError("bridging needs at least one vote")
        ratings = ratings_matrix(csr, self.pass_value)
        pb = _Problem(ratings)
        lam_i, lam_f = float(self.intercept_reg), float(self.factor_reg)
        a_p, c_p = pb.n * lam_i / pb.p, pb.n * lam_f / pb.p
        a_s, c_s = pb.n * lam_i / pb.s, pb.n * lam_f / pb.s
        n_p, n_s = ratings.shape

        mu = float(ratings.data.mean())
        ip = np.zeros(n_p)
        fp = np.zeros(n_p)
        is_ = np.zeros(n_s)
        if init is not None and np.any(init.statement_factor != 0):
            if init.statement_factor.size > n_s or init.participant_factor.size > n_p:
                raise AnalysisInputError(
                    "init comes from a larger conversation than the votes; warm starts only grow"
                )
            mu = float(init.mu)
            is_[: init.statement_intercept.size] = init.statement_intercept
            fs = np.zeros(n_s)
            fs[: init.statement_factor.size] = init.statement_factor
        else:
            fs = _leading_right_vector(ratings, mu)
        history = [_loss(pb, mu, ip, fp, is_, fs, lam_i, lam_f)]
        converged = False
        n_iter = 0
        sum_r2 = float(np.sum(ratings.data**2))
        sum_r = float(ratings.data.sum())
        for n_iter in range(1, self.max_iter + 1):  # noqa: B007 - n_iter is reported
            ip, fp, _ = _solve_block(pb.b, pb.r, pb.n_row, pb.r_row, mu, is_, fs, a_p, c_p)
            is_, fs, partial = _solve_block(pb.bt, pb.rt, pb.n_col, pb.r_col, mu, ip, fp, a_s, c_s)
            # Sum over votes of y^2 with y = r - mu - i_p, from per-participant sums.
            sum_y2 = (
                sum_r2
                + pb.n * mu * mu
                + float(pb.n_row @ ip**2)
                - 2.0 * mu * sum_r
                - 2.0 * float(ip @ pb.r_row)
                + 2.0 * mu * float(pb.n_row @ ip)
            )
            sse = sum_y2 + partial
            resid_sum = sum_r - float(pb.n_row @ ip) - float(pb.n_col @ is_) - float(fp @ (pb.b @ fs))
            new_mu = float(resid_sum / (pb.n * (1.0 + lam_i)))
            delta = mu - new_mu
            sse += 2.0 * delta * (resid_sum - pb.n * mu) + pb.n * delta * delta
            mu = new_mu
            reg = lam_i * (float(ip @ ip) / pb.p + float(is_ @ is_) / pb.s + mu * mu) + lam_f * (
                float(fp @ fp) / pb.p + float(fs @ fs) / pb.s
            )
            history.append(max(sse, 0.0) / pb.n + reg)
            if history[-2] - history[-1] <= self.tol * max(history[-1], 1e-300):
                converged = True
                break
        history[-1] = _loss(pb, mu, ip, fp, is_, fs, lam_i, lam_f)
        if fs.size and fs[np.argmax(np.abs(fs))] < 0:
            fs, fp = -fs, -fp
        agrees = _count_agrees(csr)
        voters = pb.n_col
        with np.errstate(invalid="ignore", divide="ignore"):
            approval = np.where(voters > 0, agrees / np.where(voters > 0, voters, 1.0), np.nan)
        return BridgingResult(
            mu=mu,
            participant_intercept=ip,
            participant_factor=fp,
            statement_intercept=is_,
            statement_factor=fs,
            approval=approval,
            agrees=agrees,
            voters=voters.copy(),
            loss=history[-1],
            loss_history=history,
            n_iter=n_iter,
            converged=converged,
        )


def _count_agrees(csr: sparse.csr_matrix) -> FloatArray:
    return np.bincount(csr.indices[csr.data > 0], minlength=csr.shape[1]).astype(np.float64)


def _leading_right_vector(ratings: sparse.csr_matrix, mu: float, n_iter: int = 50) -> FloatArray:
    """Leading right singular vector of the centred ratings, scaled by sqrt(sigma), deterministically."""
    centred = sparse.csr_matrix((ratings.data - mu, ratings.indices, ratings.indptr), shape=ratings.shape)
    n_s = ratings.shape[1]
    # A fixed, non-symmetric start so it is not orthogonal to the leading vector by accident.
    v = 1.0 + np.linspace(0.0, 1.0, n_s)
    v /= np.linalg.norm(v)
    sigma2 = 0.0
    for _ in range(n_iter):
        w = centred.T @ (centred @ v)
        sigma2 = float(np.linalg.norm(w))
        if sigma2 == 0.0:
            break
        v = w / sigma2
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
