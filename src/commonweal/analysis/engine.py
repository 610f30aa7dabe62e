"""The public entry point: one analysis update, ``(matrix, previous state) -> result``."""

from __future__ import annotations

import dataclasses
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from commonweal.analysis import beyond, opinion_groups, polis
from commonweal.analysis.bridging import BridgingResult
from commonweal.analysis.errors import AnalysisInputError
from commonweal.analysis.matrix import VoteMatrix
from commonweal.analysis.polis import KSmoother, Tallies
from commonweal.analysis.result import AnalysisResult, StepTimer
from commonweal.analysis.state import AnalysisState, carry

__all__ = [
    "AnalysisOptions",
    "GroupStatistics",
    "PolisAnalysis",
    "analyse",
    "degenerate_reasons",
    "group_statistics",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class AnalysisOptions:
    """Parameters of an analysis update; the defaults are Pol.is'.

    Attributes
    ----------
    base_k : int
        Number of base clusters (Pol.is: 100).
    base_iters : int
        k-means iterations for base clusters (100).
    group_iters : int
        k-means iterations per candidate k for opinion groups (20).
    max_k : int
        Largest number of opinion groups (5).
    min_votes : int
        Votes that put a participant in-conv (7, or every statement if fewer).
    greedy_n : int
        In-conv is topped up with the top voters to this many (15).
    k_buffer : int
        Updates in a row a new best k must win before it is shown (4).
    threshold : float
        k-means convergence: every centre moves less than this (0.01).
    pca_method : {"auto", "gram", "lanczos"}
        See :func:`commonweal.analysis.polis.pca_components`.
    robust_groups : bool
        Besides Pol.is' start for each candidate k, try two deterministic farthest-first
        starts and keep the tightest clustering (see
        :func:`commonweal.analysis.polis.choose_groups`); ``False`` is Pol.is exactly.
    beyond_polis : bool
        Also compute common ground, divisive statements, bridging scores, intervals and
        group stability.
    stability_resamples : int
        Most bootstrap resamples of statements for group stability (0 skips it).
    stability_min_resamples : int
        Fewest resamples; after these, resampling stops once the standard error of the overall
        stability is at most ``stability_target_se`` (see docs/analysis.md).
    stability_target_se : float
        Standard error at which resampling stops (0 runs all ``stability_resamples``).
    stability_vote_budget : int
        At most ``stability_vote_budget // votes`` resamples (never fewer than
        ``stability_min_resamples``); 0 lifts the bound.
    stability_every : int
        Recompute group stability on every ``stability_every``-th update (ticks 1, 1 + n, ...)
        and carry the last summary in between while the number of groups is unchanged; 1
        computes it on every update. The default keeps warm updates within their time goal.
    grouping : {"polis", "commonweal"}
        Which method finds the opinion groups: Pol.is' (k-means on the two-dimensional map, steps 5-6, the
        default) or commonweal mode (:mod:`commonweal.analysis.opinion_groups`: as many dimensions as the votes
        support, the number of groups chosen by ``group_method``). The map, base clusters and state are Pol.is'
        either way; steps 7-11 use the groups found.
    group_method : {"latent-class", "kmeans-silhouette", "gmm-bic", "kmeans-bic"}
        How commonweal mode chooses the number of groups (docs/analysis.md, "commonweal mode").
    finer_common_ground : bool
        With ``beyond_polis``, common ground must also hold in commonweal mode's finer groups (in either mode),
        so that merged groups never hide a minority that rejects a statement.
    threads : int
        Threads the beyond-Pol.is measures may use: with 2 or more, the bridging fit (which
        needs nothing from Pol.is mode) runs alongside Pol.is mode, and group stability's
        resamples run two at a time. The sparse products release the GIL, so this uses a
        second core; the results are identical to ``threads=1`` (same draws, same order).
    """

    base_k: int = 100
    base_iters: int = 100
    group_iters: int = 20
    max_k: int = 5
    min_votes: int = 7
    greedy_n: int = 15
    k_buffer: int = 4
    threshold: float = 0.01
    pca_method: Literal["auto", "gram", "lanczos"] = "auto"
    robust_groups: bool = True
    beyond_polis: bool = True
    stability_resamples: int = 20
    stability_min_resamples: int = 5
    stability_target_se: float = 0.01
    stability_vote_budget: int = 5_000_000
    stability_every: int = 10
    grouping: Literal["polis", "commonweal"] = "polis"
    group_method: Literal["latent-class", "kmeans-silhouette", "gmm-bic", "kmeans-bic"] = "latent-class"
    finer_common_ground: bool = True
    threads: int = 2

    def __post_init__(self) -> None:
        for name in (
            "base_k",
            "base_iters",
            "group_iters",
            "min_votes",
            "greedy_n",
            "k_buffer",
            "stability_resamples",
            "stability_min_resamples",
            "stability_every",
            "stability_vote_budget",
            "threads",
        ):
            value = getattr(self, name)
            if not isinstance(value, int | np.integer) or value < 0:
                raise AnalysisInputError(f"option {name} must be a non-negative integer, got {value!r}")
        if self.base_k < 1:
            raise AnalysisInputError(f"option base_k must be at least 1, got {self.base_k}")
        if not isinstance(self.max_k, int | np.integer) or self.max_k < 2:
            raise AnalysisInputError(f"option max_k must be an integer of at least 2, got {self.max_k!r}")
        if not self.stability_target_se >= 0:
            raise AnalysisInputError(
                f"option stability_target_se must be non-negative, got {self.stability_target_se!r}"
            )
        if not self.threshold > 0:
            raise AnalysisInputError(f"option threshold must be positive, got {self.threshold!r}")
        if self.grouping not in ("polis", "commonweal"):
            raise AnalysisInputError(
                f"option grouping must be 'polis' or 'commonweal', got {self.grouping!r}"
            )
        if self.group_method not in opinion_groups.METHODS:
            raise AnalysisInputError(
                f"option group_method must be one of {', '.join(opinion_groups.METHODS)}, got {self.group_method!r}"
            )
        if self.pca_method not in ("auto", "gram", "lanczos"):
            raise AnalysisInputError(
                f"option pca_method must be 'auto', 'gram' or 'lanczos', got {self.pca_method!r}"
            )


@dataclass(frozen=True)
class GroupStatistics:
    """Steps 7-11 of Pol.is mode for a given membership.

    Attributes
    ----------
    tallies : Tallies
    group_informed_consensus : numpy.ndarray
    repness : dict
    consensus : dict
    priorities : numpy.ndarray
    """

    tallies: Tallies
    group_informed_consensus: FloatArray
    repness: dict[int, list[polis.RepStatement]]
    consensus: dict[str, list[polis.ConsensusStatement]]
    priorities: FloatArray


def group_statistics(
    matrix: VoteMatrix,
    group_labels: IntArray,
    n_groups: int,
    extremity: FloatArray,
    *,
    order: Any = None,
) -> GroupStatistics:
    """Tallies, group-informed consensus, repness, consensus and priorities for given groups.

    Parameters
    ----------
    matrix : VoteMatrix
    group_labels : numpy.ndarray of int
        Opinion group of each participant (row), -1 when not clustered.
    n_groups : int
    extremity : numpy.ndarray
        Statement extremity (from the PCA step).
    order : sequence of int, optional
        Column order Pol.is would scan (matters only for ties).

    Returns
    -------
    GroupStatistics
    """
    labels = np.asarray(group_labels, dtype=np.int64)
    if labels.shape[0] != matrix.n_participants:
        raise AnalysisInputError(
            f"group_labels has {labels.shape[0]} entries for {matrix.n_participants} participants"
        )
    active, _, _ = polis.statement_columns(matrix)
    eligible = active & ~matrix.mod_out
    tallies = polis.group_tallies(
        matrix.votes, labels, n_groups, rows=matrix.vote_rows(), keys=matrix.vote_keys()
    )
    gic = polis.group_informed_consensus(tallies)
    rep = polis.repness(tallies, eligible=eligible, statement_ids=matrix.statement_ids, order=order)
    cons = polis.consensus(
        matrix.votes,
        eligible=eligible,
        statement_ids=matrix.statement_ids,
        order=order,
        kind_counts=matrix.vote_kind_counts(),
    )
    pri = polis.priorities(tallies, extremity, matrix.is_meta)
    return GroupStatistics(tallies, gic, rep, cons, pri)


def degenerate_reasons(
    n_groups: int, points: FloatArray, n_usable: int, eigenvalues: FloatArray
) -> dict[str, str]:
    """Why Pol.is mode's opinion groups or opinion map are reduced, by output name.

    Only the reduced outputs are named; see ``AnalysisResult.reasons`` for the codes.

    Parameters
    ----------
    n_groups : int
        Opinion groups shown.
    points : numpy.ndarray, shape (n_in_conv, 2)
        Projections of the in-conv participants.
    n_usable : int
        Statements with votes that are neither rejected nor meta.
    eigenvalues : numpy.ndarray, shape (2,)
        PCA eigenvalues (0 for a component the data have no variance for).

    Returns
    -------
    dict
        ``"groups"`` and/or ``"pca"`` -> reason code.
    """
    reasons: dict[str, str] = {}
    if n_groups < 2:
        # In order: the first that applies is the cause (later ones follow from it).
        if points.shape[0] == 0:
            reasons["groups"] = "no_votes"
        elif points.shape[0] == 1:
            reasons["groups"] = "one_participant"
        elif n_usable == 0:
            reasons["groups"] = "all_statements_excluded"
        elif np.unique(points, axis=0).shape[0] == 1:
            reasons["groups"] = "no_differences"
        else:
            reasons["groups"] = "one_group_found"
    if not eigenvalues[0] > 0:
        reasons["pca"] = "no_variance"
    elif not eigenvalues[1] > 0:
        reasons["pca"] = "one_direction"
    return reasons


def analyse(
    matrix: VoteMatrix,
    state: AnalysisState | None = None,
    *,
    options: AnalysisOptions | None = None,
    random_state: int | np.random.Generator | None = None,
) -> AnalysisResult:
    """Run one analysis update: Pol.is mode, then the beyond-Pol.is measures.

    Parameters
    ----------
    matrix : VoteMatrix
        The latest votes (see :class:`~commonweal.analysis.matrix.VoteMatrix`).
    state : AnalysisState, optional
        The previous update's state (``result.state``); ``None`` for a cold start. It
        carries in-conv participants, PCA components, base and group centres and the k
        history, keyed by ids.
    options : AnalysisOptions, optional
        Defaults are Pol.is'.
    random_state : int or numpy.random.Generator, optional
        Seeds the resampling of the beyond-Pol.is measures; Pol.is mode is deterministic.

    Returns
    -------
    AnalysisResult
        Its ``state`` is the input of the next update.

    Raises
    ------
    AnalysisInputError
        When ``matrix`` is not a VoteMatrix or ``state`` is not an AnalysisState.
    """
    if not isinstance(matrix, VoteMatrix):
        raise AnalysisInputError(
            f"analyse expects a VoteMatrix (build one with VoteMatrix.from_events or from_dataframe), "
            f"got {type(matrix).__name__}"
        )
    if state is not None and not isinstance(state, AnalysisState):
        raise AnalysisInputError(
            f"state must be an AnalysisState from a previous result, got {type(state).__name__}"
        )
    opts = options if options is not None else AnalysisOptions()
    if not isinstance(opts, AnalysisOptions):
        raise AnalysisInputError(f"options must be AnalysisOptions, got {type(opts).__name__}")
    timings: dict[str, float] = {}
    # The bridging fit needs only the votes and the previous fit: start it now, on a second
    # thread, so it runs while Pol.is mode does (its sparse products release the GIL).
    pool: ThreadPoolExecutor | None = None
    bridging_fit: Future[BridgingResult] | None = None
    if opts.beyond_polis and opts.threads > 1 and matrix.n_votes > 0:
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="commonweal-bridging")
        bridging_fit = pool.submit(beyond.fit_bridging, matrix, state)
    try:
        return _analyse(matrix, state, opts, random_state, timings, bridging_fit)
    finally:
        if pool is not None:
            pool.shutdown(wait=True)


@dataclass(frozen=True)
class _OpinionMap:
    """Steps 3 and 4 of Pol.is mode: the PCA and the projections of participants and statements."""

    means: FloatArray
    components: FloatArray
    eigenvalues: FloatArray
    participants: FloatArray
    statements: FloatArray
    extremity: FloatArray
    centred: Any
    columns: BoolArray
    n_cast: IntArray


@dataclass(frozen=True)
class _Groups:
    """Step 6 of Pol.is mode: the opinion groups shown, and every candidate k's clustering for the state."""

    labels: IntArray
    of_base: IntArray
    centres: FloatArray
    centres_by_k: dict[int, FloatArray]
    silhouettes: dict[int, float]
    best_k: int
    smoother: KSmoother
    grouping: dict[str, Any] | None = None


def _analyse(
    matrix: VoteMatrix,
    state: AnalysisState | None,
    opts: AnalysisOptions,
    random_state: Any,
    timings: dict[str, float],
    bridging_fit: Future[BridgingResult] | None,
) -> AnalysisResult:
    """:func:`analyse` after validation (``bridging_fit`` may already be running)."""
    timer = StepTimer(timings)
    pids = matrix.participant_ids

    # 1. Columns Pol.is sees; mod-out (rejected, meta) columns are zeros for everyone.
    active, usable, n_columns = polis.statement_columns(matrix)
    vote_counts = matrix.participant_vote_counts()
    timer.lap("matrix")

    # 2. In-conv, carried over.
    prev_in = carry(state.participant_ids, pids, state.in_conv, False) if state is not None else None
    in_conv = polis.in_conv(vote_counts, n_columns, prev_in, min_votes=opts.min_votes, greedy_n=opts.greedy_n)
    timer.lap("in_conv")

    # 3-4. PCA and projections.
    opinion_map = _opinion_map(matrix, state, opts, active, usable, n_columns, vote_counts, timer)

    # 5. Base clusters on in-conv participants.
    in_idx = np.flatnonzero(in_conv)
    pts = opinion_map.participants[in_idx]
    init = _base_start(pts, in_idx, pids, state, opts.base_k)
    base = polis.kmeans(pts, init, max_iter=opts.base_iters, threshold=opts.threshold)
    base_labels = np.full(matrix.n_participants, -1, dtype=np.int64)
    base_labels[in_idx] = base.labels
    timer.lap("base_clusters")

    # 6. Opinion groups with Pol.is' k smoothing.
    groups = _opinion_groups(base, in_idx, matrix.n_participants, state, opts)
    space = _opinion_space(opinion_map, n_columns, opts)
    if opts.grouping == "commonweal" and space is not None:
        groups = _commonweal_groups(
            matrix.votes, groups, space, in_conv, base_labels, opinion_map.participants, opts
        )
    n_groups = int(groups.centres.shape[0])
    reasons = degenerate_reasons(n_groups, pts, int(usable.sum()), opinion_map.eigenvalues)
    subgroups = _subgroups(base, groups, base_labels, state, opts)
    timer.lap("groups")

    # 7-11.
    stats = group_statistics(matrix, groups.labels, n_groups, opinion_map.extremity)
    timer.lap("group_statistics")

    new_state = _new_state(state, matrix, in_conv, opinion_map, base, base_labels, groups, subgroups)
    n_voters = int((vote_counts > 0).sum())
    result = _polis_result(
        matrix,
        new_state,
        n_voters,
        n_columns,
        opinion_map,
        base,
        (groups, subgroups),
        stats,
        reasons,
        timings,
    )
    if opts.beyond_polis:
        finer = None
        if space is not None and opts.finer_common_ground:
            finer = opinion_groups.fine_groups(
                space.points,
                in_conv,
                max(n_groups, 2),
                opinion_groups.GroupingOptions(method=opts.group_method),
                matrix.votes,
            )
            timer.lap("finer_groups")
        result = _beyond_polis(result, matrix, state, random_state, timings, opts, bridging_fit, finer)
    return result


def _new_state(
    state: AnalysisState | None,
    matrix: VoteMatrix,
    in_conv: BoolArray,
    opinion_map: _OpinionMap,
    base: polis.KMeansResult,
    base_labels: IntArray,
    groups: _Groups,
    subgroups: _SubgroupStep,
) -> AnalysisState:
    """What the next update warm-starts from."""
    return AnalysisState(
        tick=(state.tick if state is not None else 0) + 1,
        participant_ids=matrix.participant_ids,
        statement_ids=matrix.statement_ids,
        in_conv=in_conv,
        components=opinion_map.components,
        center=opinion_map.means,
        base_centres=base.centres,
        base_labels=base_labels,
        group_centres=groups.centres_by_k,
        k_smoother=groups.smoother,
        subgroup_centres=subgroups.centres_by_group,
        subgroup_smoothers=subgroups.smoothers,
    )


def _opinion_space(
    opinion_map: _OpinionMap, n_columns: int, opts: AnalysisOptions
) -> opinion_groups.OpinionSpace | None:
    """The participants in as many dimensions as the votes support, when commonweal mode's groups or the finer
    groups of common ground need them."""
    if opts.grouping == "commonweal" or (opts.beyond_polis and opts.finer_common_ground):
        return opinion_groups.opinion_space(
            opinion_map.centred, opinion_map.columns, opinion_map.n_cast, n_columns, max_dims=10
        )
    return None


def _commonweal_groups(
    votes: Any,
    polis_groups: _Groups,
    space: opinion_groups.OpinionSpace,
    in_conv: BoolArray,
    base_labels: IntArray,
    map_points: FloatArray,
    opts: AnalysisOptions,
) -> _Groups:
    """commonweal mode's groups in place of Pol.is' (which stay in the state: centres per k, k smoother)."""
    found = opinion_groups.find_groups(
        space.points, in_conv, opinion_groups.GroupingOptions(method=opts.group_method), space.dims, votes
    )
    k = found.k
    grouped = found.labels >= 0
    counts = np.bincount(found.labels[grouped], minlength=k).astype(np.float64)
    centres = (
        np.column_stack(
            [
                np.bincount(found.labels[grouped], weights=map_points[grouped, i], minlength=k)
                for i in range(2)
            ]
        )
        / np.maximum(counts, 1.0)[:, None]
    )
    # Each base cluster's group: the group of most of its members (base clusters are Pol.is' 2-D ones).
    n_base = int(base_labels.max()) + 1 if base_labels.size and base_labels.max() >= 0 else 0
    of_base = np.zeros(n_base, dtype=np.int64)
    both = grouped & (base_labels >= 0)
    if n_base and k:
        table = np.bincount(base_labels[both] * k + found.labels[both], minlength=n_base * k).reshape(
            n_base, k
        )
        of_base = table.argmax(axis=1).astype(np.int64)
    detail = {
        "mode": "commonweal",
        "method": opts.group_method,
        "dimensions": int(space.dims),
        "eigenvalues": [float(v) for v in space.eigenvalues],
        "noise_eigenvalue": float(space.noise_eigenvalue),
        "scores": {int(n): float(v) for n, v in found.scores.items()},
        "polis_k": int(polis_groups.centres.shape[0]),
        "map_overlap": opinion_groups.map_overlap(map_points, found.labels),
    }
    return dataclasses.replace(
        polis_groups,
        labels=found.labels,
        of_base=of_base,
        centres=centres,
        best_k=k,
        grouping=detail,
    )


def _opinion_map(
    matrix: VoteMatrix,
    state: AnalysisState | None,
    opts: AnalysisOptions,
    active: BoolArray,
    usable: BoolArray,
    n_columns: int,
    vote_counts: IntArray,
    timer: StepTimer,
) -> _OpinionMap:
    """Steps 3 (PCA on the centred matrix, warm-started) and 4 (projections)."""
    votes = matrix.votes
    kind_counts = matrix.vote_kind_counts()
    means = polis.column_means(votes, usable, kind_counts=kind_counts)
    centred = polis.centred_matrix(votes, means, usable, keys=matrix.vote_keys())
    start = None
    if state is not None and state.components.size:
        start = carry(state.statement_ids, matrix.statement_ids, state.components.T, 0.0).T
    comps, evals = polis.pca_components(
        centred,
        2,
        start=start,
        method=opts.pca_method,
        columns=polis.informative_columns(kind_counts, usable),
    )
    timer.lap("pca")

    # n_p counts mod-out columns as voted, for everyone (Pol.is zeroes them).
    active_mod_out = active & matrix.mod_out
    votes_on_mod_out = np.zeros(matrix.n_participants, dtype=np.int64)
    if active_mod_out.any():
        rows = matrix.vote_rows()
        votes_on_mod_out = np.bincount(
            rows[active_mod_out[votes.indices]], minlength=matrix.n_participants
        ).astype(np.int64)
    n_cast = vote_counts - votes_on_mod_out + int(active_mod_out.sum())
    proj = polis.project_participants(centred, comps, n_cast, n_columns)
    st_proj, extremity = polis.project_statements(means, comps, n_columns, usable)
    timer.lap("projection")
    columns = polis.informative_columns(kind_counts, usable)
    return _OpinionMap(means, comps, evals, proj, st_proj, extremity, centred, columns, n_cast)


def _base_start(
    pts: FloatArray, in_idx: IntArray, pids: npt.NDArray[Any], state: AnalysisState | None, base_k: int
) -> FloatArray:
    """Where the base clusters' k-means starts: the previous clusters, recentred on who was in them."""
    if state is None or state.base_centres.shape[0] == 0 or pts.shape[0] == 0:
        return polis.init_clusters(pts, base_k)
    prev_labels = carry(state.participant_ids, pids, state.base_labels, -1)[in_idx]
    had = prev_labels >= 0
    if not had.any():
        return polis.fill_clusters(pts, state.base_centres, base_k)
    m = int(prev_labels.max()) + 1
    cnt = np.bincount(prev_labels[had], minlength=m)
    cx = np.bincount(prev_labels[had], weights=pts[had, 0], minlength=m)
    cy = np.bincount(prev_labels[had], weights=pts[had, 1], minlength=m)
    keep = cnt > 0
    recentred = np.column_stack([cx[keep] / cnt[keep], cy[keep] / cnt[keep]])
    # Pol.is merges clusters whose centres coincide.
    recentred = np.unique(recentred, axis=0) if recentred.shape[0] > 1 else recentred
    return polis.fill_clusters(pts, recentred, base_k)


def _opinion_groups(
    base: polis.KMeansResult, in_idx: IntArray, n_p: int, state: AnalysisState | None, opts: AnalysisOptions
) -> _Groups:
    """Step 6: cluster the base centres into opinion groups and smooth the number shown (Pol.is' k buffer)."""
    smoother = state.k_smoother if state is not None else KSmoother()
    group_labels = np.full(n_p, -1, dtype=np.int64)
    if base.centres.shape[0] == 0:
        return _Groups(group_labels, np.zeros(0, dtype=np.int64), np.zeros((0, 2)), {}, {}, 0, smoother)
    clusterings, sils, best_k = polis.choose_groups(
        base.centres,
        base.sizes.astype(np.float64),
        previous_centres=state.group_centres if state is not None else None,
        max_k=opts.max_k,
        max_iter=opts.group_iters,
        threshold=opts.threshold,
        robust=opts.robust_groups,
    )
    smoother = polis.smooth_k(smoother, best_k, opts.k_buffer)
    shown = smoother.smoothed_k if smoother.smoothed_k in clusterings else best_k
    chosen = clusterings[int(shown if shown is not None else best_k)]
    group_labels[in_idx] = chosen.labels[base.labels]
    return _Groups(
        labels=group_labels,
        of_base=np.asarray(chosen.labels, dtype=np.int64),
        centres=chosen.centres,
        centres_by_k={k: c.centres for k, c in clusterings.items()},
        silhouettes={int(k): float(v) for k, v in sils.items()},
        best_k=int(best_k),
        smoother=smoother,
    )


@dataclass(frozen=True)
class _SubgroupStep:
    """Pol.is' subgroups of this update and what the next update warm-starts from."""

    found: list[polis.Subgroups]
    labels: IntArray
    centres_by_group: dict[int, dict[int, FloatArray]]
    smoothers: dict[int, KSmoother]


def _subgroups(
    base: polis.KMeansResult,
    groups: _Groups,
    base_labels: IntArray,
    state: AnalysisState | None,
    opts: AnalysisOptions,
) -> _SubgroupStep:
    """Pol.is' second level of clusters, inside each opinion group (Pol.is mode only: commonweal mode's groups
    are not unions of base clusters)."""
    labels = np.full(base_labels.shape[0], -1, dtype=np.int64)
    if groups.grouping is not None or base.centres.shape[0] == 0 or groups.of_base.size == 0:
        return _SubgroupStep([], labels, {}, {})
    found, centres, smoothers = polis.choose_subgroups(
        base.centres,
        base.sizes.astype(np.float64),
        groups.of_base,
        previous_centres=state.subgroup_centres if state is not None else None,
        previous_smoothers=state.subgroup_smoothers if state is not None else None,
        max_k=opts.max_k,
        max_iter=opts.group_iters,
        threshold=opts.threshold,
        k_buffer=opts.k_buffer,
        robust=opts.robust_groups,
    )
    sub_of_base = np.full(base.centres.shape[0], -1, dtype=np.int64)
    for sub in found:
        sub_of_base[sub.base] = sub.of_base
    clustered = base_labels >= 0
    labels[clustered] = sub_of_base[base_labels[clustered]]
    return _SubgroupStep(found, labels, centres, smoothers)


def _polis_result(
    matrix: VoteMatrix,
    new_state: AnalysisState,
    n_participants: int,
    n_columns: int,
    opinion_map: _OpinionMap,
    base: polis.KMeansResult,
    all_groups: tuple[_Groups, _SubgroupStep],
    stats: GroupStatistics,
    reasons: dict[str, str],
    timings: dict[str, float],
) -> AnalysisResult:
    """The Pol.is-mode result of the update (steps 1-11), before the beyond-Pol.is measures."""
    groups, subgroups = all_groups
    return AnalysisResult(
        tick=new_state.tick,
        participant_ids=new_state.participant_ids,
        statement_ids=new_state.statement_ids,
        n_participants=n_participants,
        n_statements=n_columns,
        in_conv=new_state.in_conv,
        pca_center=opinion_map.means,
        pca_components=opinion_map.components,
        pca_eigenvalues=opinion_map.eigenvalues,
        participant_projections=opinion_map.participants,
        statement_projections=opinion_map.statements,
        statement_extremity=opinion_map.extremity,
        base_centres=base.centres,
        base_sizes=base.sizes,
        base_labels=new_state.base_labels,
        k=int(groups.centres.shape[0]),
        best_k=groups.best_k,
        silhouettes=groups.silhouettes,
        group_centres=groups.centres,
        group_of_base=groups.of_base,
        group_labels=groups.labels,
        group_sizes=stats.tallies.n_members,
        group_agree=stats.tallies.agree,
        group_disagree=stats.tallies.disagree,
        group_seen=stats.tallies.seen,
        group_informed_consensus=stats.group_informed_consensus,
        repness=stats.repness,
        consensus=stats.consensus,
        priorities=stats.priorities,
        mod_out=matrix.mod_out,
        state=new_state,
        timings=timings,
        reasons=reasons,
        grouping="commonweal" if groups.grouping is not None else "polis",
        grouping_detail=groups.grouping if groups.grouping is not None else {"mode": "polis"},
        map_overlap=bool(groups.grouping["map_overlap"]) if groups.grouping is not None else False,
        subgroups=subgroups.found,
        subgroup_labels=subgroups.labels,
    )


def _beyond_polis(
    result: AnalysisResult,
    matrix: VoteMatrix,
    previous: AnalysisState | None,
    random_state: Any,
    timings: dict[str, float],
    opts: AnalysisOptions,
    bridging_fit: Future[BridgingResult] | None = None,
    finer: IntArray | None = None,
) -> AnalysisResult:
    """Fill the beyond-Pol.is fields with the functions of the sibling modules (``finer``: the finer groups
    common ground must also hold in)."""
    stability = beyond.StabilityOptions(
        resamples=opts.stability_resamples,
        min_resamples=opts.stability_min_resamples,
        target_se=opts.stability_target_se,
        every=opts.stability_every,
        vote_budget=opts.stability_vote_budget,
        base_iters=opts.base_iters,
        group_iters=opts.group_iters,
        threshold=opts.threshold,
        threads=opts.threads,
    )
    extras = beyond.compute(
        result,
        matrix,
        random_state,
        timings,
        previous=previous,
        stability=stability,
        bridging_fit=bridging_fit,
        finer=finer,
    )
    return result.with_extras(**extras, timings=timings) if extras else result


class PolisAnalysis:
    """scikit-learn style estimator around :func:`analyse`.

    The constructor stores parameters only. :meth:`fit` runs a cold analysis and returns
    the :class:`AnalysisResult`; :meth:`update` runs a warm one from the last state.

    Parameters
    ----------
    options : AnalysisOptions, optional
    random_state : int or numpy.random.Generator, optional
    """

    def __init__(self, options: AnalysisOptions | None = None, random_state: Any = None) -> None:
        self.options = options
        self.random_state = random_state

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Parameters of the estimator (scikit-learn protocol).

        Parameters
        ----------
        deep : bool
            Ignored; there are no nested estimators.

        Returns
        -------
        dict
        """
        return {"options": self.options, "random_state": self.random_state}

    def set_params(self, **params: Any) -> PolisAnalysis:
        """Set parameters (scikit-learn protocol).

        Parameters
        ----------
        **params
            ``options`` and/or ``random_state``.

        Returns
        -------
        PolisAnalysis
        """
        for key, value in params.items():
            if key not in ("options", "random_state"):
                raise AnalysisInputError(f"PolisAnalysis has no parameter {key!r}")
            setattr(self, key, value)
        return self

    @staticmethod
    def _as_matrix(X: Any) -> VoteMatrix:
        if isinstance(X, VoteMatrix):
            return X
        if isinstance(X, pd.DataFrame):
            return VoteMatrix.from_dataframe(X)
        raise AnalysisInputError(
            f"fit expects a VoteMatrix or a DataFrame of vote events, got {type(X).__name__}"
        )

    def fit(self, X: Any, y: None = None) -> AnalysisResult:
        """Analyse from a cold start.

        Parameters
        ----------
        X : VoteMatrix or pandas.DataFrame
            Votes; a DataFrame needs columns ``participant``, ``statement``, ``vote``
            (and optionally ``time``).
        y : None
            Ignored.

        Returns
        -------
        AnalysisResult
            Also kept as ``self.result_``; its state as ``self.state_``.
        """
        result = analyse(self._as_matrix(X), None, options=self.options, random_state=self.random_state)
        self.result_ = result
        self.state_ = result.state
        return result

    def update(self, X: Any) -> AnalysisResult:
        """Analyse warm-started from the last state (cold when there is none).

        Parameters
        ----------
        X : VoteMatrix or pandas.DataFrame

        Returns
        -------
        AnalysisResult
        """
        state = getattr(self, "state_", None)
        result = analyse(self._as_matrix(X), state, options=self.options, random_state=self.random_state)
        self.result_ = result
        self.state_ = result.state
        return result
