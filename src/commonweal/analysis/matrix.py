"""The sparse participants x statements vote matrix the engine works on.

A :class:`VoteMatrix` holds the latest vote of every participant on every statement as a
``scipy.sparse`` CSR matrix of ``int8``: +1 agree, -1 disagree, 0 pass. A pass is a stored
cell whose value is 0 (an *explicit* zero), so "passed" and "not voted" stay distinct: the
sparsity pattern is exactly the set of cells that were voted on. Every operation in the
engine works on ``indptr`` / ``indices`` / ``data`` directly and never calls
``eliminate_zeros`` or arithmetic that would drop the explicit zeros.

The matrix is built in O(votes) from vote events (latest vote wins) or from a pandas
DataFrame. Participant and statement order is stable: given ids first (in the order given),
then new ids in order of their first vote. Passing the previous matrix's ids keeps every
index the same across updates, which lets the engine warm-start cheaply.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from commonweal.analysis.errors import AnalysisInputError

__all__ = [
    "ACCEPTED",
    "LABEL_KINDS",
    "PENDING",
    "REJECTED",
    "VoteMatrix",
    "as_vote_csr",
]

ACCEPTED = 1
PENDING = 0
REJECTED = -1
_MODERATION_NAMES: dict[Any, int] = {
    "accepted": ACCEPTED,
    "pending": PENDING,
    "rejected": REJECTED,
    ACCEPTED: ACCEPTED,
    PENDING: PENDING,
    REJECTED: REJECTED,
}
LABEL_KINDS = ("sector", "organisation", "place", "community")

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


def _as_1d(name: str, values: Any) -> npt.NDArray[Any]:
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise AnalysisInputError(f"{name} must be one-dimensional, got an array of shape {arr.shape}")
    return arr


def _check_ids(name: str, ids: npt.NDArray[Any]) -> None:
    if ids.dtype.kind == "f" and ids.size and not np.all(np.isfinite(ids)):
        raise AnalysisInputError(f"{name} contains NaN or infinite ids")
    if ids.dtype == object and ids.size and pd.isna(pd.Series(ids)).any():
        raise AnalysisInputError(f"{name} contains missing (None/NaN) ids")


@dataclass(frozen=True, eq=False)
class VoteMatrix:
    """Latest votes of participants on statements, with statement metadata.

    Build it with :meth:`from_events` or :meth:`from_dataframe` rather than directly; the
    constructor trusts its arguments.

    Attributes
    ----------
    votes : scipy.sparse.csr_matrix
        ``int8`` participants x statements; +1 agree, -1 disagree, stored 0 pass; cells
        absent from the sparsity pattern were not voted on. Canonical (sorted indices, no
        duplicates).
    participant_ids : numpy.ndarray
        Participant id of each row.
    statement_ids : numpy.ndarray
        Statement id of each column.
    moderation : numpy.ndarray
        ``int8`` per statement: 1 accepted, 0 pending, -1 rejected.
    is_meta : numpy.ndarray
        ``bool`` per statement: the statement is about the conversation itself.
    participant_labels : dict
        Optional declared attributes (``sector``, ``organisation``, ``place``,
        ``community``, or others): an object array of one label per participant (``None``
        where not declared), or ``None`` when the attribute is not collected.
    last_vote_time : float or None
        Time of the latest vote event, when times were given.
    """

    votes: Any
    participant_ids: npt.NDArray[Any]
    statement_ids: npt.NDArray[Any]
    moderation: npt.NDArray[np.int8]
    is_meta: BoolArray
    participant_labels: dict[str, npt.NDArray[Any] | None] = field(default_factory=dict)
    last_vote_time: float | None = None

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_events(
        cls,
        participants: Any,
        statements: Any,
        values: Any,
        times: Any = None,
        *,
        participant_ids: Any = None,
        statement_ids: Any = None,
        moderation: Mapping[Any, Any] | Sequence[Any] | None = None,
        is_meta: Mapping[Any, bool] | Iterable[Any] | None = None,
        participant_labels: Mapping[str, Mapping[Any, Any] | Sequence[Any] | None] | None = None,
    ) -> VoteMatrix:
        """Build the matrix from vote events; the latest vote of a participant on a statement wins.

        Parameters
        ----------
        participants, statements : array-like
            Participant id and statement id of each event (any hashable ids).
        values : array-like of int
            +1 agree, -1 disagree, 0 pass.
        times : array-like of float, optional
            Time of each event. When given, events are ordered by time (stably) before
            "latest wins" is applied; otherwise the order given is taken as time order.
        participant_ids : array-like, optional
            Known participants, in the order the rows should take (e.g. the previous
            matrix's ``participant_ids``); participants not listed are appended in order of
            their first vote. Participants listed without votes get empty rows.
        statement_ids : array-like, optional
            Known statements, in column order; other statements are appended in order of
            their first vote.
        moderation : mapping or sequence, optional
            Moderation state per statement: ``"accepted"``, ``"pending"``, ``"rejected"``
            (or 1, 0, -1). A mapping from statement id, or a sequence aligned with
            ``statement_ids``. Statements not mentioned are accepted.
        is_meta : mapping or iterable, optional
            Either a mapping statement id -> bool or an iterable of the ids of meta
            statements.
        participant_labels : mapping, optional
            Attribute name (``"sector"``, ...) -> either a mapping participant id -> label,
            a sequence aligned with ``participant_ids``, or ``None`` (not collected).

        Returns
        -------
        VoteMatrix

        Raises
        ------
        AnalysisInputError
            When the arrays differ in length, a value is not -1, 0 or +1, an id is missing,
            a time is not finite, or metadata name unknown statements or states.
        """
        p, s, v, last_time = _events_in_time_order(participants, statements, values, times)
        p_known = _as_1d("participant_ids", participant_ids) if participant_ids is not None else p[:0]
        s_known = _as_1d("statement_ids", statement_ids) if statement_ids is not None else s[:0]
        if pd.Index(p_known).has_duplicates:
            raise AnalysisInputError("participant_ids contains duplicates")
        if pd.Index(s_known).has_duplicates:
            raise AnalysisInputError("statement_ids contains duplicates")
        p_codes, pid_arr = _codes(p_known, p)
        s_codes, sid_arr = _codes(s_known, s)
        votes = _latest_votes(p_codes, s_codes, v, pid_arr.shape[0], sid_arr.shape[0])
        mod = _moderation_array(moderation, sid_arr)
        meta = _meta_array(is_meta, sid_arr)
        labels = _labels_dict(participant_labels, pid_arr)
        return cls(
            votes=votes,
            participant_ids=pid_arr,
            statement_ids=sid_arr,
            moderation=mod,
            is_meta=meta,
            participant_labels=labels,
            last_vote_time=last_time,
        )

    @classmethod
    def from_dataframe(
        cls,
        frame: pd.DataFrame,
        *,
        participant: str = "participant",
        statement: str = "statement",
        vote: str = "vote",
        time: str | None = "time",
        **metadata: Any,
    ) -> VoteMatrix:
        """Build the matrix from a DataFrame of vote events, one row per event.

        Parameters
        ----------
        frame : pandas.DataFrame
            Vote events.
        participant, statement, vote : str
            Column names of the participant id, statement id and value (+1/-1/0).
        time : str or None
            Column of event times; ignored when ``None`` or absent (row order is time order).
        **metadata
            Passed on to :meth:`from_events` (``participant_ids``, ``statement_ids``,
            ``moderation``, ``is_meta``, ``participant_labels``).

        Returns
        -------
        VoteMatrix

        Raises
        ------
        AnalysisInputError
            When a required column is missing, or as :meth:`from_events`.
        """
        if not isinstance(frame, pd.DataFrame):
            raise AnalysisInputError(f"expected a pandas DataFrame, got {type(frame).__name__}")
        missing = [c for c in (participant, statement, vote) if c not in frame.columns]
        if missing:
            raise AnalysisInputError(
                f"the DataFrame lacks column(s) {missing}; it has {list(frame.columns)}. "
                "Name the columns with participant=, statement=, vote="
            )
        times = frame[time].to_numpy() if time is not None and time in frame.columns else None
        return cls.from_events(
            frame[participant].to_numpy(),
            frame[statement].to_numpy(),
            frame[vote].to_numpy(),
            times,
            **metadata,
        )

    @classmethod
    def from_csr(
        cls,
        votes: Any,
        *,
        participant_ids: Any = None,
        statement_ids: Any = None,
        moderation: Mapping[Any, Any] | Sequence[Any] | None = None,
        is_meta: Mapping[Any, bool] | Iterable[Any] | None = None,
        participant_labels: Mapping[str, Mapping[Any, Any] | Sequence[Any] | None] | None = None,
    ) -> VoteMatrix:
        """Wrap an existing sparse matrix whose stored zeros are passes.

        Parameters
        ----------
        votes : scipy.sparse matrix
            Participants x statements; stored entries are votes (+1, -1, or an explicit 0
            for a pass).
        participant_ids, statement_ids : array-like, optional
            Row and column ids; default ``0..n-1``.
        moderation, is_meta, participant_labels
            As in :meth:`from_events`.

        Returns
        -------
        VoteMatrix
        """
        if not sp.issparse(votes):
            raise AnalysisInputError("votes must be a scipy.sparse matrix; dense input would hide passes")
        m = sp.csr_matrix(votes, copy=True)
        m.sum_duplicates()
        m.sort_indices()
        if m.nnz and not np.all(np.isin(m.data, (-1, 0, 1))):
            raise AnalysisInputError("stored vote values must be +1, -1 or 0 (pass)")
        m = sp.csr_matrix((m.data.astype(np.int8), m.indices, m.indptr), shape=m.shape)
        n_p, n_s = m.shape
        pid = _tidy_ids(
            np.asarray(participant_ids if participant_ids is not None else np.arange(n_p), dtype=object)
        )
        sid = _tidy_ids(
            np.asarray(statement_ids if statement_ids is not None else np.arange(n_s), dtype=object)
        )
        if pid.shape[0] != n_p or sid.shape[0] != n_s:
            raise AnalysisInputError(
                f"ids do not match the matrix shape {m.shape}: {pid.shape[0]} participant ids, {sid.shape[0]} statement ids"
            )
        return cls(
            votes=m,
            participant_ids=pid,
            statement_ids=sid,
            moderation=_moderation_array(moderation, sid),
            is_meta=_meta_array(is_meta, sid),
            participant_labels=_labels_dict(participant_labels, pid),
        )

    # ------------------------------------------------------------------ views
    @property
    def shape(self) -> tuple[int, int]:
        """``(n_participants, n_statements)``."""
        return (int(self.votes.shape[0]), int(self.votes.shape[1]))

    @property
    def n_participants(self) -> int:
        """Number of rows."""
        return self.shape[0]

    @property
    def n_statements(self) -> int:
        """Number of columns (statements known, voted on or not)."""
        return self.shape[1]

    @property
    def n_votes(self) -> int:
        """Number of non-empty cells (passes included)."""
        return int(self.votes.nnz)

    def participant_vote_counts(self) -> IntArray:
        """Votes per participant, passes included."""
        out: IntArray = np.diff(np.asarray(self.votes.indptr)).astype(np.int64)
        return out

    def statement_vote_counts(self) -> IntArray:
        """Votes per statement, passes included."""
        return np.asarray(self.vote_kind_counts().sum(axis=1), dtype=np.int64)

    def vote_kind_counts(self) -> IntArray:
        """Disagrees, passes and agrees per statement, shape ``(n_statements, 3)``.

        Counted in one pass on first use and kept (read-only): several steps of an update
        (column means, consensus, intervals, the bridging fit) need these counts.
        """
        return self._kind_counts

    def vote_rows(self) -> IntArray:
        """The row (participant) of every stored vote, in CSR order; built once, read-only."""
        return self._rows

    def vote_keys(self) -> npt.NDArray[np.integer[Any]]:
        """``3 * statement + kind`` of every stored vote (kind 0, 1, 2 for -1, pass, +1).

        The index of a vote in any per-(statement, kind) table; built once, read-only, as
        ``int32`` when ``3 * n_statements`` fits.
        """
        return self._keys

    @cached_property
    def _keys(self) -> npt.NDArray[np.integer[Any]]:
        # int32 halves the memory (and the traffic of every gather) when the keys fit.
        dtype: type[np.integer[Any]] = np.int32 if 3 * self.n_statements < 2**31 - 1 else np.int64
        keys: npt.NDArray[np.integer[Any]] = np.array(self.votes.indices, dtype=dtype)
        keys *= 3
        keys += np.asarray(self.votes.data, dtype=dtype)
        keys += 1
        keys.flags.writeable = False
        return keys

    @cached_property
    def _kind_counts(self) -> IntArray:
        n_s = self.n_statements
        counts = np.bincount(self.vote_keys(), minlength=3 * n_s).reshape(n_s, 3).astype(np.int64)
        counts.flags.writeable = False
        return counts

    @cached_property
    def _rows(self) -> IntArray:
        rows = np.repeat(np.arange(self.n_participants, dtype=np.int64), np.diff(self.votes.indptr))
        rows.flags.writeable = False
        return rows

    def participant_index(self) -> pd.Index:
        """A pandas Index mapping participant id -> row (``get_indexer`` for many ids)."""
        return pd.Index(self.participant_ids)

    def statement_index(self) -> pd.Index:
        """A pandas Index mapping statement id -> column."""
        return pd.Index(self.statement_ids)

    @property
    def mod_out(self) -> BoolArray:
        """Statements taken out of the math (rejected or meta), as Pol.is' ``mod-out``."""
        return np.asarray((self.moderation == REJECTED) | self.is_meta, dtype=np.bool_)

    def with_votes(self, participants: Any, statements: Any, values: Any, times: Any = None) -> VoteMatrix:
        """Return a new matrix with new vote events applied on top of this one (latest wins).

        Row and column order is preserved; new participants and statements are appended.
        Cost is linear in the votes of both.

        Parameters
        ----------
        participants, statements, values, times
            New events, as in :meth:`from_events`; they are taken to be later than every
            vote already in the matrix.

        Returns
        -------
        VoteMatrix
        """
        # The new events alone (validated, latest wins within the batch), on the known ids
        # followed by any new ones: O(participants + statements + new events).
        batch = VoteMatrix.from_events(
            participants,
            statements,
            values,
            None,
            participant_ids=self.participant_ids,
            statement_ids=self.statement_ids,
        )
        n_p, n_s = batch.votes.shape
        # Known statements keep their metadata; new ones get the defaults.
        n_known = self.n_statements
        mod = np.concatenate([self.moderation, batch.moderation[n_known:]]).astype(self.moderation.dtype)
        meta = np.concatenate([self.is_meta, batch.is_meta[n_known:]]).astype(self.is_meta.dtype)
        old = self.votes
        new = batch.votes
        # Merge the two canonical CSR matrices, new cells replacing old ones: one linear pass.
        old_rows = np.repeat(np.arange(old.shape[0], dtype=np.int64), np.diff(old.indptr))
        old_keys = old_rows * n_s + old.indices
        new_rows = np.repeat(np.arange(n_p, dtype=np.int64), np.diff(new.indptr))
        new_keys = new_rows * n_s + new.indices
        pos = np.searchsorted(old_keys, new_keys)
        inside = pos < old_keys.size
        hit = np.zeros(new_keys.size, dtype=bool)
        hit[inside] = old_keys[pos[inside]] == new_keys[inside]
        keep = np.ones(old_keys.size, dtype=bool)
        keep[pos[hit]] = False
        kept_keys = old_keys[keep]
        at = np.searchsorted(kept_keys, new_keys)
        indices = np.insert(old.indices[keep], at, new.indices)
        data = np.insert(old.data[keep], at, new.data)
        row_counts = np.bincount(old_rows[keep], minlength=n_p) + np.diff(new.indptr)
        indptr = np.concatenate([[0], np.cumsum(row_counts)]).astype(indices.dtype, copy=False)
        votes = sp.csr_matrix((data, indices, indptr), shape=(n_p, n_s))
        votes.has_sorted_indices = True
        merged = batch
        # Labels stay aligned with the old rows; new participants have none declared.
        new_labels: dict[str, npt.NDArray[Any] | None] = {}
        for k, arr in self.participant_labels.items():
            if arr is None:
                new_labels[k] = None
            else:
                out = np.full(merged.n_participants, None, dtype=object)
                out[: arr.shape[0]] = arr
                new_labels[k] = out
        return VoteMatrix(
            votes=votes,
            participant_ids=merged.participant_ids,
            statement_ids=merged.statement_ids,
            moderation=mod,
            is_meta=meta,
            participant_labels=new_labels,
            last_vote_time=self.last_vote_time
            if times is None
            else float(np.max(np.asarray(times, dtype=float))),
        )

    def with_statement_metadata(
        self,
        *,
        moderation: Mapping[Any, Any] | Sequence[Any] | None = None,
        is_meta: Mapping[Any, bool] | Iterable[Any] | None = None,
    ) -> VoteMatrix:
        """Return a copy with new moderation states and/or meta flags (votes shared).

        Parameters
        ----------
        moderation, is_meta
            As in :meth:`from_events`; ``None`` keeps the current values.

        Returns
        -------
        VoteMatrix
        """
        return VoteMatrix(
            votes=self.votes,
            participant_ids=self.participant_ids,
            statement_ids=self.statement_ids,
            moderation=self.moderation
            if moderation is None
            else _moderation_array(moderation, self.statement_ids),
            is_meta=self.is_meta if is_meta is None else _meta_array(is_meta, self.statement_ids),
            participant_labels=self.participant_labels,
            last_vote_time=self.last_vote_time,
        )


def _events_in_time_order(
    participants: Any, statements: Any, values: Any, times: Any
) -> tuple[npt.NDArray[Any], npt.NDArray[Any], FloatArray, float | None]:
    """The vote events checked, ordered by time (stably) when times are given, and the last time."""
    p = _as_1d("participants", participants)
    s = _as_1d("statements", statements)
    v_raw = _as_1d("values", values)
    n = p.shape[0]
    if s.shape[0] != n or v_raw.shape[0] != n:
        raise AnalysisInputError(
            f"participants, statements and values must have the same length, got {n}, "
            f"{s.shape[0]} and {v_raw.shape[0]}"
        )
    _check_ids("participants", p)
    _check_ids("statements", s)
    if v_raw.dtype.kind not in "iufb":
        try:
            v_raw = v_raw.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise AnalysisInputError("values must be numbers (+1 agree, -1 disagree, 0 pass)") from exc
    v = v_raw.astype(np.float64, copy=False)
    bad = ~np.isin(v, (-1.0, 0.0, 1.0))
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise AnalysisInputError(
            f"vote values must be +1 (agree), -1 (disagree) or 0 (pass); event {first} has {v_raw[first]!r} "
            f"({int(bad.sum())} invalid values in all)"
        )
    if times is None:
        return p, s, v, None
    t = _as_1d("times", times)
    if t.shape[0] != n:
        raise AnalysisInputError(f"times must have one entry per event, got {t.shape[0]} for {n} events")
    try:
        t = t.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise AnalysisInputError("times must be numbers (e.g. epoch milliseconds)") from exc
    if n and not np.all(np.isfinite(t)):
        raise AnalysisInputError("times contains NaN or infinite values")
    if n and np.any(t[1:] < t[:-1]):
        order = np.argsort(t, kind="stable")
        p, s, v, t = p[order], s[order], v[order], t[order]
    return p, s, v, float(t[-1]) if n else None


def _codes(known: npt.NDArray[Any], ids: npt.NDArray[Any]) -> tuple[IntArray, npt.NDArray[Any]]:
    """Each event's row (or column) index, and the ids in index order: the known ids first, in their
    order, then new ids in order of their first event."""
    codes_all, uniques = pd.factorize(_concat_ids(known, ids))
    return codes_all[known.shape[0] :].astype(np.int64), _tidy_ids(np.asarray(uniques))


def _latest_votes(p_codes: IntArray, s_codes: IntArray, v: FloatArray, n_p: int, n_s: int) -> sp.csr_matrix:
    """The int8 vote matrix of the last event of every (participant, statement) cell."""
    # Hashing keeps this linear in the number of events.
    key = p_codes * max(n_s, 1) + s_codes
    keep = ~pd.Series(key).duplicated(keep="last").to_numpy()
    votes = sp.csr_matrix(
        (v[keep].astype(np.int8), (p_codes[keep], s_codes[keep])),
        shape=(n_p, n_s),
    )
    votes.sort_indices()
    return votes


def _concat_ids(known: npt.NDArray[Any], ids: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """Known ids then event ids, kept integer when both are (hashing ints is much faster)."""
    if known.dtype.kind in "iu" and ids.dtype.kind in "iu":
        return np.concatenate([known.astype(np.int64), ids.astype(np.int64)])
    if known.size == 0 and ids.dtype.kind in "iu":
        return ids.astype(np.int64)
    return np.concatenate([known.astype(object), ids.astype(object)])


def _tidy_ids(ids: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """Give ids a compact dtype when they are all integers (faster lookups, JSON-friendly)."""
    if ids.dtype.kind in "iu":
        return ids.astype(np.int64)
    if ids.size and all(isinstance(x, int | np.integer) and not isinstance(x, bool) for x in ids[:1000]):
        try:
            return ids.astype(np.int64)
        except (TypeError, ValueError, OverflowError):
            return ids
    if ids.size == 0:
        return ids.astype(np.int64)
    return ids


def _moderation_array(
    moderation: Mapping[Any, Any] | Sequence[Any] | None, sids: npt.NDArray[Any]
) -> npt.NDArray[np.int8]:
    out = np.full(sids.shape[0], ACCEPTED, dtype=np.int8)
    if moderation is None:
        return out
    if isinstance(moderation, Mapping):
        index = pd.Index(sids)
        keys = list(moderation.keys())
        pos = index.get_indexer(keys) if keys else np.array([], dtype=np.int64)
        unknown = [k for k, i in zip(keys, pos, strict=True) if i < 0]
        if unknown:
            raise AnalysisInputError(f"moderation names statements without votes or ids: {unknown[:5]}")
        for k, i in zip(keys, pos, strict=True):
            out[i] = _moderation_code(moderation[k], k)
        return out
    seq = list(moderation)
    if len(seq) != sids.shape[0]:
        raise AnalysisInputError(
            f"moderation has {len(seq)} entries but there are {sids.shape[0]} statements; "
            "give a mapping statement id -> state, or one entry per statement id"
        )
    for i, state in enumerate(seq):
        out[i] = _moderation_code(state, sids[i])
    return out


def _moderation_code(state: Any, sid: Any) -> int:
    key = (
        state.lower()
        if isinstance(state, str)
        else (int(state) if isinstance(state, int | np.integer) else state)
    )
    if key not in _MODERATION_NAMES:
        raise AnalysisInputError(
            f"statement {sid!r} has moderation state {state!r}; expected 'accepted', 'pending' or 'rejected' (1, 0, -1)"
        )
    return _MODERATION_NAMES[key]


def _meta_array(is_meta: Mapping[Any, bool] | Iterable[Any] | None, sids: npt.NDArray[Any]) -> BoolArray:
    out = np.zeros(sids.shape[0], dtype=np.bool_)
    if is_meta is None:
        return out
    index = pd.Index(sids)
    if isinstance(is_meta, Mapping):
        ids = [k for k, flag in is_meta.items() if bool(flag)]
    else:
        ids = list(is_meta)
    if not ids:
        return out
    pos = index.get_indexer(ids)
    unknown = [k for k, i in zip(ids, pos, strict=True) if i < 0]
    if unknown:
        raise AnalysisInputError(f"is_meta names unknown statements: {unknown[:5]}")
    out[pos] = True
    return out


def _labels_dict(
    labels: Mapping[str, Mapping[Any, Any] | Sequence[Any] | None] | None, pids: npt.NDArray[Any]
) -> dict[str, npt.NDArray[Any] | None]:
    out: dict[str, npt.NDArray[Any] | None] = {}
    if labels is None:
        return out
    if not isinstance(labels, Mapping):
        raise AnalysisInputError("participant_labels must be a mapping of attribute name -> labels")
    for name, spec in labels.items():
        if spec is None:
            out[str(name)] = None
            continue
        arr = np.full(pids.shape[0], None, dtype=object)
        if isinstance(spec, Mapping):
            keys = list(spec.keys())
            pos = pd.Index(pids).get_indexer(keys) if keys else np.array([], dtype=np.int64)
            for k, i in zip(keys, pos, strict=True):
                if i >= 0:  # labels of people who never voted are irrelevant to the votes
                    arr[i] = spec[k]
        else:
            seq = list(spec)
            if len(seq) != pids.shape[0]:
                raise AnalysisInputError(
                    f"participant label {name!r} has {len(seq)} entries but there are {pids.shape[0]} participants"
                )
            arr[:] = seq
            arr[pd.isna(pd.Series(arr)).to_numpy()] = None
        out[str(name)] = arr
    return out


def as_vote_csr(votes: Any) -> sp.csr_matrix:
    """Coerce votes to a canonical CSR matrix whose stored entries are the votes cast.

    Parameters
    ----------
    votes : scipy.sparse matrix or array, VoteMatrix, or dense ndarray
        Participants x statements, values +1 (agree), -1 (disagree), 0 (pass). For sparse input,
        every stored entry is a vote, so a pass is an explicitly stored zero. An object with a
        sparse ``csr``, ``votes``, ``matrix`` or ``X`` attribute (the engine's ``VoteMatrix``) is
        unwrapped. A dense array marks missing votes with NaN.

    Returns
    -------
    scipy.sp.csr_matrix
        float64, canonical (sorted indices, no duplicates), explicit zeros kept as passes.

    Raises
    ------
    AnalysisInputError
        If the input is not two-dimensional or holds values other than -1, 0 and +1.
    """
    if not (sp.issparse(votes) or isinstance(votes, np.ndarray)):
        for attr in ("csr", "votes", "matrix", "X"):
            inner = getattr(votes, attr, None)
            if inner is not None and sp.issparse(inner):
                votes = inner
                break
        else:
            votes = np.asarray(votes, dtype=np.float64)
    if isinstance(votes, np.ndarray):
        dense = np.asarray(votes, dtype=np.float64)
        if dense.ndim != 2:
            raise AnalysisInputError(f"votes must be two-dimensional, got shape {dense.shape}")
        rows, cols = np.nonzero(~np.isnan(dense))
        csr = sp.csr_matrix((dense[rows, cols], (rows, cols)), shape=dense.shape, dtype=np.float64)
    else:
        if votes.ndim != 2:
            raise AnalysisInputError(f"votes must be two-dimensional, got shape {votes.shape}")
        csr = sp.csr_matrix(votes, dtype=np.float64, copy=True)
    csr.sum_duplicates()
    csr.sort_indices()
    data = csr.data
    bad = ~((data == 1.0) | (data == -1.0) | (data == 0.0))
    if np.any(bad):
        first = int(np.flatnonzero(bad)[0])
        row = int(np.searchsorted(csr.indptr, first, side="right") - 1)
        raise AnalysisInputError(
            f"votes must be +1, -1 or 0 (pass); participant row {row}, statement column "
            f"{int(csr.indices[first])} holds {data[first]!r} (duplicate entries are summed)"
        )
    return csr
