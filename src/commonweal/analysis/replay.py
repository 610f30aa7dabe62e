"""Replay a conversation's votes in time order through the updates Pol.is would have run.

Pol.is' groups are not a function of the final votes alone. Its math worker (``poller.clj``,
``conv_man.clj``) polls the database for new votes every second and runs one conversation update on
each batch, carrying from one update to the next: the in-conversation set (once in, always in), the
PCA components, the base clusters (k-means warm-started from the previous centres), the opinion groups'
centres for every k, and the k smoother (a new best k is shown only after it has won 4 updates in a
row). :func:`replay` re-runs that history with :func:`~commonweal.analysis.engine.analyse`, which already
carries all of it in :class:`~commonweal.analysis.state.AnalysisState`, so an imported conversation shows
the groups its participants saw rather than those of a cold start on the final votes.

What the replay cannot know, and how it is taken:

- **Moderation times.** Exports carry each comment's final state, not when it was moderated: the final
  state applies from the start.
- **The worker's pace.** A batch is every vote created within ``poll_interval`` seconds of the batch's
  first vote (Pol.is' poll interval is one second; a slow update makes the next batch larger, which the
  export does not record).
- **Restarts.** A restarted Pol.is worker reloads its state without the groups' centres per k and the k
  smoother; those restarts are not in the export.
- **Pol.is' in-conv rule before 2019.** Until a change made between 2018-12-11 and 2019-08-05, Pol.is
  counted a participant's votes for in-conv on the moderated matrix, where each rejected or meta column
  with a vote is a zero for everyone, i.e. a vote (``tests/analysis/test_polis_fixtures.py`` proves it on
  a 2018 fixture). Updates before ``legacy_in_conv_until`` use that count.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from commonweal.analysis import polis
from commonweal.analysis.engine import AnalysisOptions, analyse
from commonweal.analysis.errors import AnalysisInputError
from commonweal.analysis.matrix import VoteMatrix
from commonweal.analysis.polis_io import PolisExport
from commonweal.analysis.result import AnalysisResult
from commonweal.analysis.state import AnalysisState, carry

__all__ = [
    "LEGACY_IN_CONV_UNTIL",
    "POLIS_OPTIONS",
    "ReplayResult",
    "legacy_in_conv_counts",
    "replay",
    "replay_export",
    "update_batches",
]

IntArray = npt.NDArray[np.int64]

#: Seconds since the epoch before which Pol.is counted mod-out columns as votes for in-conv (the change
#: was made between 2018-12-11 and 2019-08-05; 2019-01-01 reproduces the 2018 fixture's in-conv).
LEGACY_IN_CONV_UNTIL = datetime(2019, 1, 1, tzinfo=UTC).timestamp()

#: Pol.is mode exactly: Pol.is' own starts for the opinion groups (no farthest-first alternatives).
POLIS_OPTIONS = AnalysisOptions(robust_groups=False)


@dataclass(frozen=True, eq=False)
class ReplayResult:
    """The last update of a replay, and the history that led to it.

    Attributes
    ----------
    result : AnalysisResult
        The last update (its ``state`` carries on to live updates).
    n_updates : int
        Updates run.
    update_times : numpy.ndarray
        Time of the last vote of each update's batch.
    update_votes : numpy.ndarray of int
        Vote events applied up to and including each update.
    k_history : numpy.ndarray of int
        Opinion groups shown after each update.
    best_k_history : numpy.ndarray of int
        Best k by silhouette at each update (what the k smoother saw).
    """

    result: AnalysisResult
    n_updates: int
    update_times: npt.NDArray[np.float64]
    update_votes: IntArray
    k_history: IntArray
    best_k_history: IntArray

    @property
    def state(self) -> Any:
        """The carried state of the last update (what a live update warm-starts from)."""
        return self.result.state


def update_batches(times: Any, poll_interval: float = 1.0, max_updates: int | None = None) -> IntArray:
    """Where each update's batch ends, in votes sorted by time.

    A batch is every vote created within ``poll_interval`` of its first vote (Pol.is polls once a second).
    With ``max_updates``, consecutive batches are merged so that there are at most that many, each holding
    at least ``n_votes / max_updates`` votes (a coarser pace, for conversations too large to replay vote
    by vote).

    Parameters
    ----------
    times : array-like of float
        Vote times in seconds, sorted ascending.
    poll_interval : float
        Seconds.
    max_updates : int, optional

    Returns
    -------
    numpy.ndarray of int
        Exclusive end index of each batch; the last is ``len(times)``.
    """
    t = np.asarray(times, dtype=np.float64)
    if t.size and np.any(np.diff(t) < 0):
        raise AnalysisInputError("update_batches expects times sorted ascending")
    ends: list[int] = []
    i = 0
    while i < t.size:
        j = int(np.searchsorted(t, t[i] + poll_interval, side="right"))
        ends.append(j)
        i = j
    out = np.asarray(ends, dtype=np.int64)
    if max_updates is not None and out.size > max_updates:
        if max_updates < 1:
            raise AnalysisInputError(f"max_updates must be at least 1, got {max_updates}")
        step = int(np.ceil(t.size / max_updates))
        merged: list[int] = []
        start = 0
        for end in out.tolist():
            if end - start >= step or end == t.size:
                merged.append(end)
                start = end
        out = np.asarray(merged, dtype=np.int64)
    return out


def legacy_in_conv_counts(matrix: VoteMatrix) -> IntArray:
    """Pol.is' vote count for in-conv before 2019: every rejected or meta statement with a vote counts as
    voted for every participant with a row (its column was zeros on the moderated matrix).

    Parameters
    ----------
    matrix : VoteMatrix

    Returns
    -------
    numpy.ndarray of int
    """
    counts = matrix.participant_vote_counts().astype(np.int64)
    mod_out = matrix.mod_out
    if not mod_out.any():
        return counts
    voted_columns = matrix.statement_vote_counts() > 0
    on_mod_out = np.bincount(
        matrix.vote_rows()[mod_out[matrix.votes.indices]], minlength=matrix.n_participants
    ).astype(np.int64)
    extra = int((voted_columns & mod_out).sum())
    return np.where(counts > 0, counts - on_mod_out + extra, 0)


def _with_in_conv(
    matrix: VoteMatrix, state: AnalysisState | None, counts: IntArray, opts: AnalysisOptions
) -> AnalysisState:
    """The state to warm-start from, with in-conv decided on ``counts`` (once in, always in)."""
    pids = matrix.participant_ids
    _, _, n_columns = polis.statement_columns(matrix)
    if state is None:
        mask = polis.in_conv(counts, n_columns, None, min_votes=opts.min_votes, greedy_n=opts.greedy_n)
        return AnalysisState(
            tick=0,
            participant_ids=pids,
            statement_ids=matrix.statement_ids[:0],
            in_conv=mask,
            components=np.zeros((2, 0)),
            center=np.zeros(0),
            base_centres=np.zeros((0, 2)),
            base_labels=np.full(pids.shape[0], -1, dtype=np.int64),
        )
    prev = carry(state.participant_ids, pids, state.in_conv, False)
    mask = polis.in_conv(counts, n_columns, prev, min_votes=opts.min_votes, greedy_n=opts.greedy_n)
    bridging = state.bridging_participant
    if bridging.shape[0]:
        bridging = carry(state.participant_ids, pids, bridging, 0.0)
    return dataclasses.replace(
        state,
        participant_ids=pids,
        in_conv=mask,
        base_labels=carry(state.participant_ids, pids, state.base_labels, -1),
        bridging_participant=bridging,
    )


def _events_by_time(participants: Any, statements: Any, values: Any, times: Any) -> tuple[Any, Any, Any, Any]:
    """The events as arrays, sorted by time (stably: ties keep the order given), after checking them."""
    p = np.asarray(participants)
    s = np.asarray(statements)
    v = np.asarray(values)
    t = np.asarray(times, dtype=np.float64)
    if not (p.shape == s.shape == v.shape == t.shape) or p.ndim != 1:
        raise AnalysisInputError("participants, statements, values and times must be 1-D and of one length")
    if p.size == 0:
        raise AnalysisInputError("replay needs at least one vote")
    if not np.all(np.isfinite(t)):
        raise AnalysisInputError("every vote needs a finite time to be replayed")
    order = np.argsort(t, kind="stable")
    return p[order], s[order], v[order], t[order]


def replay(
    participants: Any,
    statements: Any,
    values: Any,
    times: Any,
    *,
    statement_ids: Any = None,
    moderation: Any = None,
    is_meta: Any = None,
    options: AnalysisOptions | None = None,
    poll_interval: float = 1.0,
    max_updates: int | None = None,
    legacy_in_conv_until: float | None = LEGACY_IN_CONV_UNTIL,
    random_state: int | np.random.Generator | None = None,
) -> ReplayResult:
    """Replay vote events in time order through Pol.is' updates; the last update's result.

    Parameters
    ----------
    participants, statements, values : array-like
        One vote event each (every event, re-votes included; +1 agree, -1 disagree, 0 pass).
    times : array-like of float
        Seconds since the epoch of each event (Pol.is exports milliseconds: divide by 1000).
        Ties keep the order given.
    statement_ids, moderation, is_meta
        As for :meth:`VoteMatrix.from_events <commonweal.analysis.matrix.VoteMatrix.from_events>`; the
        final moderation applies throughout.
    options : AnalysisOptions, optional
        Options of the last update; the updates before it run them without the beyond-Pol.is measures.
        Default :data:`POLIS_OPTIONS` (Pol.is mode exactly, with the beyond-Pol.is measures at the end).
    poll_interval : float
        Seconds one update's batch spans (Pol.is: 1).
    max_updates : int, optional
        Merge batches so that at most this many updates run (cost: one analysis per update, each linear in
        the votes so far).
    legacy_in_conv_until : float or None
        Updates whose last vote is earlier (seconds since the epoch) count votes for in-conv as Pol.is did
        before 2019 (:func:`legacy_in_conv_counts`); ``None`` never does.
    random_state
        Passed to the last update (the beyond-Pol.is measures' resampling).

    Returns
    -------
    ReplayResult

    Raises
    ------
    AnalysisInputError
        When the arrays differ in length, a time is missing or not finite, or there are no votes.
    """
    opts = options if options is not None else POLIS_OPTIONS
    if not isinstance(opts, AnalysisOptions):
        raise AnalysisInputError(f"options must be AnalysisOptions, got {type(opts).__name__}")
    if not poll_interval >= 0:
        raise AnalysisInputError(f"poll_interval must be non-negative, got {poll_interval!r}")
    p, s, v, t = _events_by_time(participants, statements, values, times)
    ends = update_batches(t, poll_interval, max_updates)
    sids = statement_ids if statement_ids is not None else np.asarray(list(dict.fromkeys(s.tolist())))
    ks = np.zeros(ends.size, dtype=np.int64)
    best = np.zeros(ends.size, dtype=np.int64)
    state: AnalysisState | None = None
    result: AnalysisResult | None = None
    for u, end in enumerate(ends.tolist()):
        matrix = VoteMatrix.from_events(
            p[:end], s[:end], v[:end], statement_ids=sids, moderation=moderation, is_meta=is_meta
        )
        matrix = dataclasses.replace(matrix, last_vote_time=float(t[end - 1]))
        if legacy_in_conv_until is not None and t[end - 1] < legacy_in_conv_until:
            state = _with_in_conv(matrix, state, legacy_in_conv_counts(matrix), opts)
        last = u == ends.size - 1
        result = analyse(
            matrix,
            state,
            options=opts if last else dataclasses.replace(opts, beyond_polis=False),
            random_state=random_state if last else None,
        )
        state = result.state
        ks[u], best[u] = result.k, result.best_k
    assert result is not None
    return ReplayResult(result, int(ends.size), t[ends - 1], ends, ks, best)


def replay_export(export: PolisExport, **kwargs: Any) -> ReplayResult:
    """:func:`replay` of a Pol.is open-data export (``votes.csv`` with times in milliseconds).

    Parameters
    ----------
    export : PolisExport
        From :func:`~commonweal.analysis.polis_io.read_polis_export`.
    **kwargs
        Passed to :func:`replay` (``options``, ``poll_interval``, ...).

    Returns
    -------
    ReplayResult

    Raises
    ------
    AnalysisInputError
        When the export has no vote times (only ``participants-votes.csv``, the latest votes).
    """
    votes = export.votes
    if votes["timestamp"].isna().any():
        raise AnalysisInputError(
            "this export has no vote times (participants-votes.csv only), so it cannot be replayed"
        )
    return replay(
        votes["participant"].to_numpy(),
        votes["statement"].to_numpy(),
        votes["vote"].to_numpy(),
        votes["timestamp"].to_numpy(dtype=np.float64) / 1000.0,
        statement_ids=[c.comment_id for c in export.comments]
        + sorted(set(votes["statement"].tolist()) - {c.comment_id for c in export.comments}),
        moderation={c.comment_id: c.moderation for c in export.comments},
        is_meta={c.comment_id: bool(c.is_meta) for c in export.comments},
        **kwargs,
    )
