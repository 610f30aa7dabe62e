"""What the engine carries from one update to the next."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from commonweal.analysis.jsonable import to_jsonable
from commonweal.analysis.polis import KSmoother

__all__ = ["AnalysisState", "carry"]


@dataclass(frozen=True, eq=False)
class AnalysisState:
    """The state of a conversation's analysis after an update (Pol.is' ``conv``).

    Analysis is a state transition: ``(previous state, votes, options) -> new state``. The
    tick only grows. Everything is keyed by participant and statement *ids*, so a state can
    be applied to a matrix whose rows or columns were re-ordered or extended.

    Attributes
    ----------
    tick : int
        Number of updates so far; grows by one per update.
    participant_ids : numpy.ndarray
        Participants known at this update, aligned with ``in_conv`` and ``base_labels``.
    statement_ids : numpy.ndarray
        Statements known at this update, aligned with ``components`` and ``center``.
    in_conv : numpy.ndarray of bool
        Once in, always in.
    components : numpy.ndarray, shape (2, n_statements)
        PCA components (warm start of the next PCA).
    center : numpy.ndarray
        Column means.
    base_centres : numpy.ndarray, shape (n_base, 2)
        Base-cluster centres (warm start of the next base clustering).
    base_labels : numpy.ndarray of int
        Base cluster of each participant; -1 when not clustered.
    group_centres : dict
        k -> opinion-group centres of the clustering with that k (warm starts per k).
    k_smoother : KSmoother
        Pol.is' rule for when the shown number of groups may change.
    extra : dict
        Room for later steps (kept JSON-safe by :meth:`to_dict`); the beyond-Pol.is step keeps
        the last group-stability summary here (``"group_stability"``).
    bridging_mu : float or None
        Global intercept of the last bridging fit (``None`` before the first).
    bridging_participant : numpy.ndarray, shape (n_participants, 2)
        Intercept and factor of each participant in the last bridging fit (aligned with
        ``participant_ids``; warm start of the next fit).
    bridging_statement : numpy.ndarray, shape (n_statements, 2)
        Intercept and factor of each statement (aligned with ``statement_ids``).
    subgroup_centres : dict
        group -> k -> subgroup centres (warm starts of Pol.is' subgroups, per group and k).
    subgroup_smoothers : dict
        group -> KSmoother of the number of subgroups shown in that group.
    """

    tick: int
    participant_ids: npt.NDArray[Any]
    statement_ids: npt.NDArray[Any]
    in_conv: npt.NDArray[np.bool_]
    components: npt.NDArray[np.float64]
    center: npt.NDArray[np.float64]
    base_centres: npt.NDArray[np.float64]
    base_labels: npt.NDArray[np.int64]
    group_centres: dict[int, npt.NDArray[np.float64]] = field(default_factory=dict)
    k_smoother: KSmoother = field(default_factory=KSmoother)
    extra: dict[str, Any] = field(default_factory=dict)
    bridging_mu: float | None = None
    bridging_participant: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros((0, 2)))
    bridging_statement: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros((0, 2)))
    subgroup_centres: dict[int, dict[int, npt.NDArray[np.float64]]] = field(default_factory=dict)
    subgroup_smoothers: dict[int, KSmoother] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form (lists and plain numbers), for storing a snapshot.

        Returns
        -------
        dict
        """
        return {
            "tick": self.tick,
            "participant_ids": to_jsonable(self.participant_ids),
            "statement_ids": to_jsonable(self.statement_ids),
            "in_conv": to_jsonable(np.flatnonzero(self.in_conv)),
            "components": to_jsonable(self.components),
            "center": to_jsonable(self.center),
            "base_centres": to_jsonable(self.base_centres),
            "base_labels": to_jsonable(self.base_labels),
            "group_centres": {str(k): to_jsonable(v) for k, v in self.group_centres.items()},
            "k_smoother": _smoother_dict(self.k_smoother),
            "subgroup_centres": {
                str(g): {str(k): to_jsonable(v) for k, v in by_k.items()}
                for g, by_k in self.subgroup_centres.items()
            },
            "subgroup_smoothers": {str(g): _smoother_dict(v) for g, v in self.subgroup_smoothers.items()},
            "extra": to_jsonable(self.extra),
            "bridging": None
            if self.bridging_mu is None
            else {
                "mu": float(self.bridging_mu),
                "participant": to_jsonable(self.bridging_participant),
                "statement": to_jsonable(self.bridging_statement),
            },
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AnalysisState:
        """Rebuild a state from :meth:`to_dict` output.

        Parameters
        ----------
        data : dict

        Returns
        -------
        AnalysisState
        """
        pids = np.asarray(data["participant_ids"], dtype=object)
        if pids.size and all(isinstance(x, int) for x in pids[:1000]):
            pids = pids.astype(np.int64)
        sids = np.asarray(data["statement_ids"], dtype=object)
        if sids.size and all(isinstance(x, int) for x in sids[:1000]):
            sids = sids.astype(np.int64)
        in_conv = np.zeros(pids.shape[0], dtype=np.bool_)
        in_conv[np.asarray(data["in_conv"], dtype=np.int64)] = True
        ks = data.get("k_smoother", {})
        br = data.get("bridging")
        bridging: dict[str, Any] = {}
        if br is not None:
            bridging = {
                "bridging_mu": float(br["mu"]),
                "bridging_participant": np.asarray(br["participant"], dtype=np.float64).reshape(-1, 2),
                "bridging_statement": np.asarray(br["statement"], dtype=np.float64).reshape(-1, 2),
            }
        return cls(
            tick=int(data["tick"]),
            participant_ids=pids,
            statement_ids=sids,
            in_conv=in_conv,
            components=_components(data["components"], sids.shape[0]),
            center=np.asarray(data["center"], dtype=np.float64),
            base_centres=np.asarray(data["base_centres"], dtype=np.float64).reshape(-1, 2),
            base_labels=np.asarray(data["base_labels"], dtype=np.int64),
            group_centres={
                int(k): np.asarray(v, dtype=np.float64).reshape(-1, 2)
                for k, v in data.get("group_centres", {}).items()
            },
            k_smoother=_smoother(ks),
            subgroup_centres={
                int(g): {int(k): np.asarray(v, dtype=np.float64).reshape(-1, 2) for k, v in by_k.items()}
                for g, by_k in data.get("subgroup_centres", {}).items()
            },
            subgroup_smoothers={int(g): _smoother(v) for g, v in data.get("subgroup_smoothers", {}).items()},
            extra=dict(data.get("extra", {})),
            **bridging,
        )


def _smoother_dict(smoother: KSmoother) -> dict[str, Any]:
    return {
        "last_k": smoother.last_k,
        "last_k_count": smoother.last_k_count,
        "smoothed_k": smoother.smoothed_k,
    }


def _smoother(data: dict[str, Any]) -> KSmoother:
    """A KSmoother from :func:`_smoother_dict` output (states stored before subgroups lack those keys)."""
    return KSmoother(data.get("last_k"), int(data.get("last_k_count", 0)), data.get("smoothed_k"))


def _components(values: Any, n_statements: int) -> npt.NDArray[np.float64]:
    """The stored components as a ``(n_components, n_statements)`` array.

    A conversation without statements stores ``[[], []]``; ``reshape(-1, 0)`` cannot infer the
    number of rows of an empty array, so the rows are taken from the nesting then.
    """
    arr = np.asarray(values, dtype=np.float64)
    if n_statements == 0:
        return np.zeros((arr.shape[0] if arr.ndim == 2 else 0, 0), dtype=np.float64)
    return arr.reshape(-1, n_statements)


def _align(prev_ids: npt.NDArray[Any], ids: npt.NDArray[Any]) -> npt.NDArray[np.int64]:
    """Position in ``ids`` of each of ``prev_ids`` (-1 when gone); fast when a prefix."""
    n_prev = prev_ids.shape[0]
    if n_prev <= ids.shape[0] and (n_prev == 0 or np.array_equal(ids[:n_prev], prev_ids)):
        return np.arange(n_prev, dtype=np.int64)
    return np.asarray(pd.Index(ids).get_indexer(prev_ids), dtype=np.int64)


def carry(
    prev_ids: npt.NDArray[Any], ids: npt.NDArray[Any], values: npt.NDArray[Any], fill: Any
) -> npt.NDArray[Any]:
    """Move per-id values of the previous state onto the current ids.

    Parameters
    ----------
    prev_ids : numpy.ndarray
        The ids the values are keyed by (the previous state's participants or statements).
    ids : numpy.ndarray
        The current ids.
    values : numpy.ndarray
        One row per previous id.
    fill : Any
        The value of ids that are new.

    Returns
    -------
    numpy.ndarray
        One row per current id; previous ids that are gone are dropped.
    """
    pos = _align(prev_ids, ids)
    out = np.full((ids.shape[0],) + values.shape[1:], fill, dtype=values.dtype)
    ok = pos >= 0
    out[pos[ok]] = values[ok]
    return out
