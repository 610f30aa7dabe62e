"""The result of one analysis update, with a JSON-safe form."""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from commonweal.analysis.jsonable import to_jsonable
from commonweal.analysis.polis import ConsensusStatement, RepStatement, Subgroups
from commonweal.analysis.state import AnalysisState

__all__ = ["AnalysisResult", "StepTimer", "to_jsonable"]


class StepTimer:
    """Records the seconds each step of an update takes, into a result's ``timings``.

    Parameters
    ----------
    timings : dict
        Step name -> seconds; each :meth:`lap` adds one.
    """

    def __init__(self, timings: dict[str, float]) -> None:
        self.timings = timings
        self._clock = time.perf_counter()

    def lap(self, name: str) -> None:
        """Record the time since the last lap (or since the timer started) as step ``name``."""
        now = time.perf_counter()
        self.timings[name] = now - self._clock
        self._clock = now


@dataclass(frozen=True, eq=False)
class AnalysisResult:
    """Everything one analysis update produces.

    Per-participant arrays are aligned with ``participant_ids``; per-statement arrays with
    ``statement_ids`` (the matrix's columns). Groups are numbered ``0..k-1``.

    Attributes
    ----------
    tick : int
        The state's tick after this update.
    participant_ids, statement_ids : numpy.ndarray
    n_participants : int
        Participants with at least one vote.
    n_statements : int
        Statements with at least one vote (Pol.is' ``n-cmts``).
    in_conv : numpy.ndarray of bool
        Participants who are clustered.
    pca_center : numpy.ndarray
        Column means (our sign: +1 agree).
    pca_components : numpy.ndarray, shape (2, n_statements)
    pca_eigenvalues : numpy.ndarray, shape (2,)
    participant_projections : numpy.ndarray, shape (n_participants, 2)
    statement_projections : numpy.ndarray, shape (n_statements, 2)
    statement_extremity : numpy.ndarray
    base_centres : numpy.ndarray, shape (n_base, 2)
    base_sizes : numpy.ndarray of int
    base_labels : numpy.ndarray of int
        Base cluster of each participant, -1 when not clustered.
    k : int
        Number of opinion groups shown (after Pol.is' k smoothing).
    best_k : int
        Number with the best silhouette at this update.
    silhouettes : dict
        k -> silhouette.
    group_centres : numpy.ndarray, shape (k, 2)
    group_of_base : numpy.ndarray of int
        Opinion group of each base cluster.
    group_labels : numpy.ndarray of int
        Opinion group of each participant, -1 when not clustered.
    group_sizes : numpy.ndarray of int
    group_agree, group_disagree, group_seen : numpy.ndarray of int, shape (k, n_statements)
        Tallies A, D, S.
    group_informed_consensus : numpy.ndarray
    repness : dict
        Group -> list of :class:`~commonweal.analysis.polis.RepStatement`.
    consensus : dict
        ``{"agree": [...], "disagree": [...]}`` of
        :class:`~commonweal.analysis.polis.ConsensusStatement`.
    priorities : numpy.ndarray
    mod_out : numpy.ndarray of bool
        Rejected or meta statements.
    common_ground, divisive, bridging, intervals, group_stability : Any, optional
        Beyond-Pol.is outputs (``commonground``, ``bridging``, ``uncertainty``); ``None``
        when not computed.
    state : AnalysisState
        Carry this into the next update.
    timings : dict
        Seconds spent in each step.
    reasons : dict
        Why an output is missing, empty or reduced, by output name (absent when it is
        complete); the codes are stable, for the app to put in words (docs/analysis.md,
        "Degenerate conversations"):

        - ``"groups"`` (when ``k < 2``): ``"no_votes"`` (k = 0), ``"one_participant"``,
          ``"all_statements_excluded"`` (every statement with votes is rejected or meta),
          ``"no_differences"`` (every grouped participant is at the same point of the map),
          ``"one_group_found"`` (k-means kept a single group of distinct points).
        - ``"pca"``: ``"no_variance"`` (both components zero, every projection at 0) or
          ``"one_direction"`` (the second component is zero).
        - ``"common_ground"``, ``"divisive"``: ``"no_votes"``, ``"fewer_than_two_groups"``
          (divisive only), ``"no_eligible_statements"`` (every statement with votes is rejected
          or meta), ``"too_few_voters"`` (no opinion group or declared category has enough voters
          on any eligible statement to be judged, so the list is empty).
        - ``"group_stability"``: ``"fewer_than_two_groups"`` or ``"not_requested"``.
        - ``"bridging"``: ``"no_votes"``.

        Stored results without this field read as "nothing reduced" (``result.get("reasons",
        {})``).
    grouping : {"polis", "commonweal"}
        Which method found the opinion groups (``AnalysisOptions.grouping``); stored results without it were
        Pol.is mode's.
    grouping_detail : dict
        For commonweal mode: ``method``, ``dimensions`` clustered, the PCA ``eigenvalues`` and the
        ``noise_eigenvalue`` they were kept above, ``scores`` per k, ``polis_k`` (the groups Pol.is mode would
        have shown) and ``map_overlap``; ``{"mode": "polis"}`` otherwise.
    map_overlap : bool
        The groups overlap on the two-dimensional opinion map (commonweal mode found them in more dimensions
        than the map shows): say so next to the map.
    subgroups : list of Subgroups
        Pol.is' second level of clusters (Pol.is mode only; empty in commonweal mode and before the first
        group): one :class:`~commonweal.analysis.polis.Subgroups` per opinion group, in group order, each a
        clustering of that group's base clusters with its own k smoothing.
    subgroup_labels : numpy.ndarray of int
        Subgroup of each participant within their opinion group (``0..k_g - 1``), -1 when not clustered or
        when there are no subgroups; ``(group_labels, subgroup_labels)`` names a subgroup.
    """

    tick: int
    participant_ids: npt.NDArray[Any]
    statement_ids: npt.NDArray[Any]
    n_participants: int
    n_statements: int
    in_conv: npt.NDArray[np.bool_]
    pca_center: npt.NDArray[np.float64]
    pca_components: npt.NDArray[np.float64]
    pca_eigenvalues: npt.NDArray[np.float64]
    participant_projections: npt.NDArray[np.float64]
    statement_projections: npt.NDArray[np.float64]
    statement_extremity: npt.NDArray[np.float64]
    base_centres: npt.NDArray[np.float64]
    base_sizes: npt.NDArray[np.int64]
    base_labels: npt.NDArray[np.int64]
    k: int
    best_k: int
    silhouettes: dict[int, float]
    group_centres: npt.NDArray[np.float64]
    group_of_base: npt.NDArray[np.int64]
    group_labels: npt.NDArray[np.int64]
    group_sizes: npt.NDArray[np.int64]
    group_agree: npt.NDArray[np.int64]
    group_disagree: npt.NDArray[np.int64]
    group_seen: npt.NDArray[np.int64]
    group_informed_consensus: npt.NDArray[np.float64]
    repness: dict[int, list[RepStatement]]
    consensus: dict[str, list[ConsensusStatement]]
    priorities: npt.NDArray[np.float64]
    mod_out: npt.NDArray[np.bool_]
    state: AnalysisState
    common_ground: Any | None = None
    divisive: Any | None = None
    bridging: Any | None = None
    intervals: Any | None = None
    group_stability: Any | None = None
    timings: dict[str, float] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)
    grouping: str = "polis"
    grouping_detail: dict[str, Any] = field(default_factory=dict)
    map_overlap: bool = False
    subgroups: list[Subgroups] = field(default_factory=list)
    subgroup_labels: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def to_dict(self, *, include_state: bool = False) -> dict[str, Any]:
        """JSON-safe form: numpy arrays become lists, ids and numbers plain types.

        Parameters
        ----------
        include_state : bool
            Also include the carried state (large: per-participant arrays).

        Returns
        -------
        dict
        """
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            if f.name == "state" and not include_state:
                continue
            out[f.name] = to_jsonable(getattr(self, f.name))
        out["in_conv"] = to_jsonable(self.participant_ids[self.in_conv])
        return out

    def with_extras(self, **values: Any) -> AnalysisResult:
        """Return a copy with beyond-Pol.is fields filled in.

        Parameters
        ----------
        **values
            Any of ``common_ground``, ``divisive``, ``bridging``, ``intervals``,
            ``group_stability``, ``timings``, ``reasons``.

        Returns
        -------
        AnalysisResult
        """
        return dataclasses.replace(self, **values)
