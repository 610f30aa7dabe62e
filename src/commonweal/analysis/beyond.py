"""Wiring of the beyond-Pol.is measures into :func:`commonweal.analysis.analyse`.

The measures themselves live in ``commonground``, ``bridging`` and ``uncertainty``; this
module only calls them with the Pol.is-mode result and collects their outputs.
"""

from __future__ import annotations

import dataclasses
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sparse

from commonweal.analysis import commonground, polis, uncertainty
from commonweal.analysis.bridging import BridgingModel, BridgingResult
from commonweal.analysis.matrix import REJECTED, VoteMatrix
from commonweal.analysis.result import AnalysisResult, StepTimer
from commonweal.analysis.state import AnalysisState, carry
from commonweal.analysis.uncertainty import GroupStability

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Cap on base-cluster k-means steps per stability resample. Started from the full-data base
#: centres, the groups a resample yields are settled after a few steps (docs/analysis.md, "Group
#: stability in analyse", has the measurements); later steps only polish the 100 base centres, and
#: each costs a nearest-centre search over every participant.
RESAMPLE_BASE_ITERS = 5

__all__ = [
    "ResampleClusterer",
    "StabilityOptions",
    "beyond_reasons",
    "bridging_init",
    "compute",
    "fit_bridging",
    "polis_clustering",
]


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


class ResampleClusterer:
    """The engine's clustering of a statement resample, warm-started from the full-data solution.

    A :data:`~commonweal.analysis.uncertainty.WeightedClusterFunction` for
    :func:`~commonweal.analysis.uncertainty.group_stability`: it gets how often each statement
    was drawn and re-runs the steps that made the groups, on the resampled statements:

    1. **PCA** of the centred matrix (every participant, mod-out columns zero, as in the
       engine) with each drawn statement repeated as often as it was drawn. Repeating column
       ``j`` ``w_j`` times gives the same participant projections as scaling it by
       ``sqrt(w_j)``, so the resample is never built: the components are found by a locally
       optimal block iteration (LOBPCG, Rayleigh-Ritz over the current vectors, their
       residuals and the last update) on ``v -> S C^T C S v`` (``S = diag(sqrt(w))``), started
       from the full-data components (scaled by ``S``); each step multiplies the two residuals
       only (two sparse products with a block of two vectors), linear in the votes.
    2. **Projection** as in the engine: ``sqrt(N / n_p)`` with ``N`` and ``n_p`` counted in the
       resample (a statement drawn twice counts twice).
    3. **Base clusters**: the projection is rotated onto the full-data projection (orthogonal
       Procrustes; k-means is invariant to rotations and reflections of the points) and
       k-means starts from the full-data base centres, as the engine's warm updates do.
    4. **Opinion groups**: weighted k-means of the base centres into the shown number of
       groups, started from the full-data group centres.

    Starting from the full-data solution removes the start-up noise of a cold k-means from the
    measure, so what varies between resamples is the data, not the initialisation.

    Parameters
    ----------
    matrix : VoteMatrix
        The votes the result was computed from.
    result : AnalysisResult
        The Pol.is-mode result (components, projections, base and group centres, groups).
    base_iters, group_iters : int
        k-means iteration caps (``compute`` caps base steps at :data:`RESAMPLE_BASE_ITERS`).
    threshold : float
        k-means convergence threshold.
    pca_tol : float
        Stop the iteration when every Ritz residual is below this times the largest
        eigenvalue. At 1e-2 the solver's error is well inside what resampling itself moves
        (docs/analysis.md, "Group stability in analyse").
    pca_iters : int
        Cap on iteration steps (operator products) per resample.
    """

    def __init__(
        self,
        matrix: VoteMatrix,
        result: AnalysisResult,
        *,
        base_iters: int = 100,
        group_iters: int = 20,
        threshold: float = 0.01,
        pca_tol: float = 1e-2,
        pca_iters: int = 12,
    ) -> None:
        votes = matrix.votes
        active, usable, _ = polis.statement_columns(matrix)
        self.active = active
        self.active_mod_out = active & matrix.mod_out
        centred = polis.centred_matrix(votes, result.pca_center, usable)
        cols = np.flatnonzero(usable)
        self.cols = cols
        self.c = centred[:, cols] if cols.size < centred.shape[1] else centred
        self.ct = self.c.T  # CSC view, no copy
        #: The votes' pattern with unit entries: ``pattern @ counts`` is each row's drawn votes.
        self.pattern = sparse.csr_matrix(
            (np.ones(self.c.nnz), self.c.indices, self.c.indptr), shape=self.c.shape, copy=False
        )
        self.members = np.flatnonzero(result.group_labels >= 0)
        self.start = np.asarray(result.pca_components[:, cols].T, dtype=np.float64)
        self.reference = np.asarray(result.participant_projections[self.members], dtype=np.float64)
        self.base_centres = np.asarray(result.base_centres, dtype=np.float64)
        self.group_centres = np.asarray(result.group_centres, dtype=np.float64)
        self.base_iters = base_iters
        self.group_iters = group_iters
        self.threshold = threshold
        self.pca_tol = pca_tol
        self.pca_iters = pca_iters
        n = cols.size
        self.guard = np.cos(np.arange(n, dtype=np.float64) * 1.618033988749895)
        #: Power-iteration steps of each call (for tuning and tests).
        self.pca_steps: list[int] = []

    def components(self, counts: IntArray) -> FloatArray:
        """Leading two right singular vectors of ``C S`` (``S = diag(sqrt(counts))``).

        Locally optimal block iteration (LOBPCG without preconditioner): each step multiplies
        only the residual block by the operator and takes the Rayleigh-Ritz solution over the
        current vectors, the residuals and the previous step's update, whose images under the
        operator are carried along. It needs about half the operator products of plain block
        power iteration for the same residual; the stopping rule is the same (every Ritz
        residual below ``pca_tol`` times the largest eigenvalue).
        """
        sw = np.sqrt(np.asarray(counts, dtype=np.float64)[self.cols])
        k = 2

        def apply(block: FloatArray) -> FloatArray:
            inner = polis.sparse_times_block(self.c, sw[:, None] * block)
            return sw[:, None] * np.asarray(self.ct @ inner, dtype=np.float64)

        start = np.column_stack([self.start * sw[:, None], self.guard * (sw > 0)])
        vecs, _, steps, _ = polis.lobpcg_largest(apply, start, k, tol=self.pca_tol, max_steps=self.pca_iters)
        self.pca_steps.append(steps)
        out = np.zeros((self.cols.size, k), dtype=np.float64)
        # With a single usable statement there is one direction only: the second component is
        # zero, as in the engine's PCA (the projection keeps two coordinates, the second 0).
        out[:, : vecs.shape[1]] = vecs
        return out

    def __call__(self, counts: IntArray, n_groups: int, seed: int) -> IntArray:
        """Groups of the members on the resample with statement multiplicities ``counts``.

        Parameters
        ----------
        counts : numpy.ndarray of int
            Times each statement was drawn.
        n_groups : int
            Unused: the groups start from the full-data group centres (their number).
        seed : int
            Unused: the procedure is deterministic.

        Returns
        -------
        numpy.ndarray of int
            Group of each member (participants with a group, in row order).
        """
        w = np.asarray(counts, dtype=np.float64)
        vecs = self.components(counts)
        sw = np.sqrt(w[self.cols])
        raw = polis.sparse_times_block(self.c, sw[:, None] * vecs)[self.members]
        n_columns = float(w[self.active].sum())
        # n_p: each member's usable votes counted with multiplicity (the pattern of c), plus
        # the drawn mod-out columns, which count as voted for everyone.
        # (Integer multiplicities, so the sums are exact in any order.)
        per_row = np.asarray(self.pattern @ w[self.cols], dtype=np.float64)
        n_cast = per_row[self.members] + float(w[self.active_mod_out].sum())
        proj = raw * np.sqrt(n_columns / np.maximum(n_cast, 1.0))[:, None]
        # Rotate onto the full-data projection (orthogonal Procrustes).
        u, _, vt = np.linalg.svd(proj.T @ self.reference)
        proj = proj @ (u @ vt)
        base = polis.kmeans(proj, self.base_centres, max_iter=self.base_iters, threshold=self.threshold)
        if base.centres.shape[0] == 0:
            return np.zeros(self.members.size, dtype=np.int64)
        groups = polis.kmeans(
            base.centres,
            self.group_centres,
            weights=base.sizes.astype(np.float64),
            max_iter=self.group_iters,
            threshold=self.threshold,
        )
        return np.asarray(groups.labels[base.labels], dtype=np.int64)


def bridging_init(state: AnalysisState | None, matrix: VoteMatrix) -> BridgingResult | None:
    """The previous update's bridging parameters on the current participants and statements.

    Parameters
    ----------
    state : AnalysisState or None
        The previous state; its ``bridging_*`` arrays are keyed by its ids.
    matrix : VoteMatrix
        The current votes.

    Returns
    -------
    BridgingResult or None
        A warm start for :meth:`BridgingModel.fit` (new participants and statements at 0), or
        ``None`` when the state carries no fit.
    """
    if state is None or state.bridging_mu is None:
        return None
    part = carry(state.participant_ids, matrix.participant_ids, state.bridging_participant, 0.0)
    stat = carry(state.statement_ids, matrix.statement_ids, state.bridging_statement, 0.0)
    if not np.any(stat[:, 1] != 0):
        return None
    n_s = matrix.n_statements
    return BridgingResult(
        mu=float(state.bridging_mu),
        participant_intercept=np.ascontiguousarray(part[:, 0]),
        participant_factor=np.ascontiguousarray(part[:, 1]),
        statement_intercept=np.ascontiguousarray(stat[:, 0]),
        statement_factor=np.ascontiguousarray(stat[:, 1]),
        approval=np.full(n_s, np.nan),
        agrees=np.zeros(n_s),
        voters=np.zeros(n_s),
        loss=float("nan"),
        loss_history=[],
        n_iter=0,
        converged=False,
    )


def fit_bridging(matrix: VoteMatrix, previous: AnalysisState | None) -> BridgingResult:
    """The bridging fit of ``analyse``: default model, warm-started from the previous state.

    Parameters
    ----------
    matrix : VoteMatrix
        The current votes (at least one).
    previous : AnalysisState or None
        The previous update's state (its bridging fit is the warm start).

    Returns
    -------
    BridgingResult
    """
    return BridgingModel().fit(matrix, init=bridging_init(previous, matrix))


@dataclass(frozen=True)
class StabilityOptions:
    """How :func:`compute` measures group stability (``AnalysisOptions``' ``stability_*`` options).

    Attributes
    ----------
    resamples : int
        Most bootstrap resamples of statements (0 skips group stability).
    min_resamples : int
        Fewest resamples; after these, resampling stops once the standard error is at most
        ``target_se`` (0 runs every resample).
    target_se : float
    every : int
        Compute group stability on every ``every``-th update (tick) and carry the last value in
        between, as long as the shown number of groups is unchanged.
    vote_budget : int
        When positive, at most ``vote_budget // votes`` resamples (but at least ``min_resamples``):
        each resample costs a few passes over the votes, so this bounds the work on large
        conversations deterministically.
    base_iters, group_iters : int
        The engine's k-means iteration caps (base steps are capped at :data:`RESAMPLE_BASE_ITERS`).
    threshold : float
        The engine's k-means convergence threshold.
    threads : int
        Resamples run at a time (see :func:`~commonweal.analysis.uncertainty.group_stability`).
    """

    resamples: int = 20
    min_resamples: int = 5
    target_se: float = 0.01
    every: int = 1
    vote_budget: int = 0
    base_iters: int = 100
    group_iters: int = 20
    threshold: float = 0.01
    threads: int = 1


def compute(
    result: AnalysisResult,
    matrix: VoteMatrix,
    random_state: Any,
    timings: dict[str, float],
    *,
    previous: AnalysisState | None = None,
    stability: StabilityOptions | None = None,
    bridging_fit: Future[BridgingResult] | None = None,
    finer: npt.NDArray[np.int64] | None = None,
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
    previous : AnalysisState, optional
        The previous update's state: its bridging fit warm-starts this one, and its group
        stability is carried when this update skips it.
    stability : StabilityOptions, optional
        How group stability is measured (default ``StabilityOptions()``).
    bridging_fit : concurrent.futures.Future, optional
        The bridging fit already running (:func:`fit_bridging`, started by ``analyse``); when
        ``None`` it is computed here.
    finer : numpy.ndarray of int, optional
        Finer groups (commonweal mode's, -1 for none) that common ground must also hold in.

    Returns
    -------
    dict
        Field name -> value, for :meth:`AnalysisResult.with_extras`, including ``state`` (the
        result's state with the bridging fit and stability carried).
    """
    settings = stability if stability is not None else StabilityOptions()
    timer = StepTimer(timings)
    indicators = commonground.vote_indicators(matrix)  # once, for every measure below
    by_kind = matrix.vote_kind_counts()  # disagrees, passes, agrees per statement
    seen = by_kind.sum(axis=1)
    eligible = (seen > 0) & (matrix.moderation != REJECTED) & ~matrix.is_meta
    out = _common_ground(result, matrix, indicators, eligible, finer)
    timer.lap("common_ground")
    out["intervals"] = {
        "agree": uncertainty.share_intervals(by_kind[:, 2], seen),
        "disagree": uncertainty.share_intervals(by_kind[:, 0], seen),
        "group_agree": uncertainty.share_intervals(result.group_agree, result.group_seen),
        "group_disagree": uncertainty.share_intervals(result.group_disagree, result.group_seen),
    }
    timer.lap("intervals")
    extra = dict(result.state.extra)
    if result.k >= 2 and settings.resamples > 0:
        out["group_stability"], extra["group_stability"] = _group_stability(
            result, matrix, previous, random_state, settings
        )
    timer.lap("group_stability")
    # The bridging fit last: when it runs on its own thread (started by analyse), group
    # stability above has used the time instead of waiting for it.
    state_updates: dict[str, Any] = {}
    if matrix.n_votes > 0:
        fit = bridging_fit.result() if bridging_fit is not None else fit_bridging(matrix, previous)
        out["bridging"] = fit
        state_updates.update(
            bridging_mu=float(fit.mu),
            bridging_participant=np.column_stack([fit.participant_intercept, fit.participant_factor]),
            bridging_statement=np.column_stack([fit.statement_intercept, fit.statement_factor]),
        )
    timer.lap("bridging")
    out["state"] = dataclasses.replace(result.state, extra=extra, **state_updates)
    out["reasons"] = {
        **result.reasons,
        **beyond_reasons(result.k, matrix.n_votes, out, eligible, settings.resamples),
    }
    return out


def _common_ground(
    result: AnalysisResult,
    matrix: VoteMatrix,
    indicators: commonground.VoteIndicators,
    eligible: npt.NDArray[np.bool_],
    finer: npt.NDArray[np.int64] | None = None,
) -> dict[str, Any]:
    """Common ground (across the opinion groups, the declared labels and the finer groups) and divisive
    statements."""
    out: dict[str, Any] = {}
    labels = {name: arr for name, arr in matrix.participant_labels.items() if arr is not None}
    groups = result.group_labels if result.k > 0 else None
    group_tallies = None
    if groups is not None:
        # Pol.is mode has counted the opinion groups already (same votes, same membership).
        present = np.flatnonzero(result.group_sizes > 0)
        group_tallies = commonground.tallies_from_counts(
            commonground.GROUP_DIMENSION,
            [int(g) for g in present],
            result.group_sizes[present],
            result.group_agree[present],
            result.group_disagree[present],
            result.group_seen[present],
        )
    # Without votes there is nothing to judge, declared sectors or not (reason "no_votes").
    if matrix.n_votes > 0 and (groups is not None or labels):
        out["common_ground"] = commonground.common_ground(
            indicators,
            groups,
            labels=labels or None,
            eligible=eligible,
            group_tallies=group_tallies,
            finer=finer if groups is not None else None,
        )
    if result.k >= 2:
        out["divisive"] = commonground.divisive_statements(
            indicators, result.group_labels, eligible=eligible, tallies=group_tallies
        )
    return out


def _group_stability(
    result: AnalysisResult,
    matrix: VoteMatrix,
    previous: AnalysisState | None,
    random_state: Any,
    settings: StabilityOptions,
) -> tuple[GroupStability, dict[str, Any]]:
    """Group stability, measured or carried from the previous state, and the summary the new state carries."""
    carried = previous.extra.get("group_stability") if previous is not None else None
    due = settings.every <= 1 or result.tick % settings.every == 1 or carried is None
    if not due and carried is not None and carried.get("k") == result.k:
        return _carried_stability(carried), carried
    clusterer = ResampleClusterer(
        matrix,
        result,
        base_iters=min(settings.base_iters, RESAMPLE_BASE_ITERS),
        group_iters=settings.group_iters,
        threshold=settings.threshold,
    )
    n_max = settings.resamples
    if settings.vote_budget > 0:
        n_max = min(n_max, settings.vote_budget // max(matrix.n_votes, 1))
    n_min = min(settings.min_resamples, settings.resamples)
    n_max = max(n_max, n_min, 1)
    stab = uncertainty.group_stability(
        matrix.votes,
        result.group_labels,
        n_resamples=n_max,
        weighted_cluster=clusterer,
        min_resamples=max(n_min, 1),
        target_se=settings.target_se,
        random_state=random_state,
        n_jobs=settings.threads,
    )
    return stab, {"tick": result.tick, "k": result.k, **stab.to_dict()}


def beyond_reasons(
    k: int, n_votes: int, out: dict[str, Any], eligible: npt.NDArray[np.bool_], stability_resamples: int
) -> dict[str, str]:
    """Why a beyond-Pol.is output is missing or empty, by output name.

    Parameters
    ----------
    k : int
        Opinion groups shown.
    n_votes : int
        Votes in the matrix.
    out : dict
        The outputs computed (``common_ground``, ``divisive``; absent when not computed).
    eligible : numpy.ndarray of bool
        Statements that may be common ground or divisive (accepted, not meta, with a vote).
    stability_resamples : int
        The option (0: group stability not requested).

    Returns
    -------
    dict
        Output name -> reason code (see ``AnalysisResult.reasons``); complete outputs are absent.
    """
    names = ("common_ground", "divisive", "group_stability", "bridging")
    if n_votes == 0:
        return dict.fromkeys(names, "no_votes")
    reasons: dict[str, str] = {}
    if k < 2:
        reasons["divisive"] = reasons["group_stability"] = "fewer_than_two_groups"
    elif stability_resamples == 0:
        reasons["group_stability"] = "not_requested"
    for name in ("common_ground", "divisive"):
        found = out.get(name)
        if found is None:
            continue
        tallies = found.dimensions.values() if name == "common_ground" else [found.tallies]
        if not eligible.any():
            reasons[name] = "no_eligible_statements"
        elif not any(t.judged[:, eligible].any() for t in tallies):
            reasons[name] = "too_few_voters"
    return reasons


def _carried_stability(carried: dict[str, Any]) -> GroupStability:
    """A GroupStability summary from the carried dict (no per-participant values)."""
    per_group = carried.get("per_group", {})
    groups = np.asarray([int(g) for g in per_group], dtype=np.int64)
    se = carried.get("standard_error")
    return GroupStability(
        overall=float(carried["overall"]),
        per_group=np.asarray([float(v) for v in per_group.values()], dtype=np.float64),
        groups=groups,
        participant=np.zeros(0),
        n_resamples=int(carried.get("n_resamples", 0)),
        standard_error=float(se) if se is not None else float("nan"),
    )
