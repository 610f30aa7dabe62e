"""One analysis update of a conversation, stored as a snapshot; and how the analysis of a conversation is doing.

``compute_snapshot`` is the only place the engine runs against the database. It reads the current votes (one
query, straight into arrays), the statements' moderation and the participants' declared sector,
runs :func:`commonweal.analysis.engine.analyse` warm-started from the latest snapshot's state, and writes a new
:class:`~commonweal.conversations.models.AnalysisSnapshot` whose tick is one more than the latest. The worker
(``conversations.worker``) decides *when*; tests and the demo call ``compute_snapshot`` directly.

A snapshot's ``vote_event_high_water`` is the id of the latest vote event when the votes were read (taken *before*
reading them). The worker compares it with the latest vote event to know whether a conversation has new votes;
``AnalysisStatus.moderation_version`` (bumped by every moderation action) tells it that statements changed.

On PostgreSQL ids are handed out when a vote's transaction starts, not when it commits, so a vote may commit just
after a later vote and after the votes were read: the high water then covers a vote the snapshot lacks. So the
snapshot also records how many current votes at or below its high water it included, and the sum of their event
ids (in its :class:`~commonweal.conversations.results.snapshot.SnapshotMeta`); the worker compares them with
the table once the snapshot has settled and analyses again when a late vote arrived, and :class:`VoteCache`
re-reads the last few thousand event ids below its high water at every read.
"""

from __future__ import annotations

import dataclasses
import logging
import time
import traceback
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Sum
from django.utils import timezone

from commonweal.analysis import engine
from commonweal.analysis.engine import AnalysisOptions
from commonweal.analysis.matrix import VoteMatrix
from commonweal.analysis.replay import replay
from commonweal.analysis.state import AnalysisState
from commonweal.conversations.models import (
    AnalysisSnapshot,
    AnalysisStatus,
    Conversation,
    Participant,
    Statement,
    Vote,
    VoteEvent,
)
from commonweal.conversations.queries import latest_snapshot, snapshots_newest_first
from commonweal.conversations.results.snapshot import SnapshotMeta, with_meta

__all__ = [
    "AnalysisHealth",
    "VoteCache",
    "SnapshotConflict",
    "analysis_health",
    "build_matrix",
    "compute_snapshot",
    "latest_vote_event_id",
    "random_state_for",
    "votes_at_or_below",
]

logger = logging.getLogger(__name__)

_MODERATION: dict[str, str] = {
    Statement.State.ACCEPTED: "accepted",
    Statement.State.PENDING: "pending",
    Statement.State.REJECTED: "rejected",
}


class SnapshotConflict(Exception):
    """Another process stored a snapshot with the same tick first (the tick's unique constraint said so).

    Not a failure of the analysis: the other process's snapshot is as good; the caller drops its result.
    """


def latest_vote_event_id(conversation: Conversation | int) -> int | None:
    """The id of the conversation's latest vote event, or None when nobody has voted (one index lookup)."""
    pk = conversation if isinstance(conversation, int) else conversation.pk
    return VoteEvent.objects.filter(conversation_id=pk).order_by("-id").values_list("id", flat=True).first()


def _previous_snapshot(conversation: Conversation) -> AnalysisSnapshot | None:
    """The latest snapshot for a warm start: its tick and state (its result is large; parsing it would be wasted)."""
    return latest_snapshot(conversation, defer=("result", "priorities"))


def _fetch(sql_and_params: tuple[str, tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    sql, params = sql_and_params
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows: list[tuple[Any, ...]] = cursor.fetchall()
        return rows


# One row of _VOTES_SQL's bytes: participant id, statement id (8-byte big-endian integers), value (2 bytes) and
# the vote's event id (8 bytes).
_VOTE_ROW = np.dtype([("participant", ">i8"), ("statement", ">i8"), ("value", ">i2"), ("event", ">i8")])
_VOTES_SQL = (
    "SELECT string_agg(int8send(participant_id) || int8send(statement_id) || int2send(value) "
    "|| int8send(event_id), ''::bytea) FROM conversations_vote WHERE conversation_id = %s"
)

# Participant ids, statement ids, values and event ids of votes, one int64 array each.
Votes = tuple[Any, Any, Any, Any]


def _empty_votes() -> Votes:
    empty = np.zeros(0, dtype=np.int64)
    return empty, empty, empty, empty


def _votes_from_rows(rows: list[tuple[Any, ...]]) -> Votes:
    if not rows:
        return _empty_votes()
    arr = np.array(rows, dtype=np.int64)
    return arr[:, 0], arr[:, 1], arr[:, 2], arr[:, 3]


def _current_votes(conversation: Conversation) -> Votes:
    """Participant ids, statement ids, values and event ids of the conversation's current votes (int64 arrays).

    On PostgreSQL the database packs the votes into one binary string that numpy reads without a Python object
    per vote: at 350,000 votes about 0.13 s, against 0.4 to 0.5 s for fetching rows (measured by
    benchmarks/live_latency.py's set-up, 2026-11-26). Elsewhere, rows from one ``values_list`` query.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_VOTES_SQL, [conversation.pk])
            packed = cursor.fetchone()[0]
        if packed:
            arr = np.frombuffer(bytes(packed), dtype=_VOTE_ROW)
            return (
                arr["participant"].astype(np.int64),
                arr["statement"].astype(np.int64),
                arr["value"].astype(np.int64),
                arr["event"].astype(np.int64),
            )
        return _empty_votes()
    query = (
        Vote.objects.filter(conversation=conversation)
        .order_by()
        .values_list("participant_id", "statement_id", "value", "event_id")
    )
    return _votes_from_rows(_fetch(query.query.sql_with_params()))


class VoteCache:
    """The current votes of recently analysed conversations, kept by a worker between analyses.

    The next analysis of a conversation reads only the votes cast or changed since (``Vote.event_id`` above the
    cached high water less ``late_window``, through the index on ``event_id``) instead of all of them: a few
    milliseconds instead of a tenth of a second or more at 350,000 votes, and less work for the database while
    votes pour in. The ``late_window`` ids below the high water are read again so that a vote whose transaction
    committed after a later vote's, just after the last read, is not missed (see :meth:`votes`). Every
    ``full_every`` seconds (and for a conversation seen for the first time, or after :meth:`forget`) all votes
    are read again, which also picks up what an incremental read cannot see: votes removed with their
    participant.

    Parameters
    ----------
    full_every : float
        Seconds after which a conversation's votes are read in full again.
    size : int
        Conversations kept (the least recently analysed is dropped first).
    clock : callable
        Monotonic seconds (tests pass a fake clock).
    late_window : int
        Event ids below the cached high water read again at every incremental read (5,000).
    """

    #: See ``late_window``.
    LATE_WINDOW = 5000

    def __init__(
        self,
        *,
        full_every: float = 60.0,
        size: int = 16,
        clock: Any = time.monotonic,
        late_window: int = LATE_WINDOW,
    ) -> None:
        self.full_every = full_every
        self.size = size
        self.clock = clock
        self.late_window = late_window
        self._entries: dict[int, tuple[int, float, Votes]] = {}
        self.full_reads = 0
        self.incremental_reads = 0

    def forget(self, conversation_id: int) -> None:
        """Drop a conversation's votes: its next read is a full one."""
        self._entries.pop(conversation_id, None)

    def votes(self, conversation: Conversation, high_water: int) -> Votes:
        """Participant ids, statement ids, values and event ids of the current votes, up to at least ``high_water``."""
        entry = self._entries.pop(conversation.pk, None)
        now = self.clock()
        if entry is None or now - entry[1] >= self.full_every or entry[0] > high_water:
            votes = _current_votes(conversation)
            read_at = now
            self.full_reads += 1
        else:
            cached_high_water, read_at, votes = entry
            # Why read below the cached high water: on PostgreSQL a vote's event id is taken when its transaction
            # runs, and the transaction may commit just after a later vote's, after the last read took its high
            # water and read the votes. That vote has an id at or below the cached high water, so ``event_id >
            # cached high water`` would never see it (until the next full read, up to ``full_every`` later).
            # A vote is one short statement, so such a vote's id is only a few ids below the high water: the ids
            # handed out, in all conversations, while it ran. A window of ids (rather than of time) is one index
            # range scan like the plain read, with no clock to trust across machines; at worst it re-reads this
            # conversation's votes among the last ``late_window`` ids (a few milliseconds). Reading again a vote
            # already cached is harmless: the Vote table holds current votes only, and the latest-wins merge
            # keeps the row just read. A late vote outside the window is still caught: the worker compares the
            # snapshot's count of votes at or below its high water with the table and then reads in full.
            floor = max(cached_high_water - self.late_window, 0)
            new = _fetch(
                Vote.objects.filter(conversation=conversation, event_id__gt=floor)
                .order_by()
                .values_list("participant_id", "statement_id", "value", "event_id")
                .query.sql_with_params()
            )
            self.incremental_reads += 1
            if new:
                fresh = _votes_from_rows(new)
                votes = _latest_wins(
                    *(np.concatenate([old, added]) for old, added in zip(votes, fresh, strict=True))
                )
        self._entries[conversation.pk] = (high_water, read_at, votes)
        while len(self._entries) > self.size:
            del self._entries[next(iter(self._entries))]
        return votes


def _latest_wins(participants: Any, statements: Any, values: Any, events: Any) -> Votes:
    """Keep the last entry of each (participant, statement) cell."""
    key = participants * (int(statements.max()) + 1 if statements.size else 1) + statements
    keep = ~pd.Series(key).duplicated(keep="last").to_numpy()
    return participants[keep], statements[keep], values[keep], events[keep]


def _at_or_below(events: Any, high_water: int) -> tuple[int, int]:
    """How many of the votes have an event id at or below the high water, and the sum of those ids."""
    below = events[events <= high_water]
    return int(below.size), int(below.sum())


def votes_at_or_below(conversation_id: int, high_water: int) -> tuple[int, int]:
    """How many of the conversation's current votes have an event id at or below ``high_water``, and the sum of
    those ids: what a snapshot with that high water records it included, now (one query)."""
    row = Vote.objects.filter(conversation_id=conversation_id, event_id__lte=high_water).aggregate(
        n=Count("id"), total=Sum("event_id")
    )
    return int(row["n"]), int(row["total"] or 0)


def build_matrix(conversation: Conversation, *, cache: VoteCache | None = None) -> tuple[Any, int]:
    """The conversation's current votes as a :class:`~commonweal.analysis.matrix.VoteMatrix`, and the high water.

    The high water (the latest vote event id, 0 when there is none) is read first, so every vote it covers is in
    the matrix, but for a vote that commits after a later one at that very moment (see the module's docstring).
    Votes are the ``Vote`` table (the current vote of each participant on each statement), read with
    one query into arrays without making a model object per row: at 10,000 participants this is the difference
    between a tenth of a second and several seconds. Statements carry their moderation (rejected statements are
    left out of the groups, as in Pol.is) and ``is_meta``; participants carry their declared ``sector``, None when
    not declared. Common ground must then hold in every opinion group and every sector with enough voters
    (docs/analysis.md). Organisations are not a dimension: most have too few voters to judge, and the one that
    does would decide alone for its sector (docs/analysis.md: they are judged only where a conversation asks, which no setting does yet).

    Rows are participants in order of id, columns statements in order of id (statements nobody voted on are
    columns too, with no votes), so the order is stable from one snapshot to the next and the engine's warm start
    is cheap.

    With a :class:`VoteCache` (the worker keeps one), only the votes since the cache's last read are read.
    """
    matrix, high_water, _ = _read_matrix(conversation, cache)
    return matrix, high_water


def _read_matrix(conversation: Conversation, cache: VoteCache | None) -> tuple[Any, int, tuple[int, int]]:
    """:func:`build_matrix`'s matrix and high water, and how many of the votes read have an event id at or below
    the high water with the sum of those ids (the late-vote check's reference, see the module's docstring)."""
    high_water = latest_vote_event_id(conversation) or 0
    if cache is not None:
        participants, statements, values, events = cache.votes(conversation, high_water)
    else:
        participants, statements, values, events = _current_votes(conversation)

    statement_rows = list(
        Statement.objects.filter(conversation=conversation)
        .order_by("id")
        .values_list("id", "state", "is_meta")
    )
    statement_ids = np.array([s[0] for s in statement_rows], dtype=np.int64)
    moderation = {s[0]: _MODERATION.get(s[1], "pending") for s in statement_rows}
    meta = [s[0] for s in statement_rows if s[2]]

    participant_ids = np.unique(participants)
    sector: dict[int, Any] = {}
    if participant_ids.size:
        people = Participant.objects.filter(participations__conversation=conversation).order_by()
        for pk, sec in _fetch(people.values_list("id", "sector").query.sql_with_params()):
            sector[pk] = sec or None
    labels: dict[str, Any] = {"sector": [sector.get(int(p)) for p in participant_ids]}
    # A statement voted on after the statement list was read (it cannot be: votes need the statement first) or a
    # vote on a statement of another conversation would be a new column; both are impossible, but the matrix
    # copes either way (moderation defaults to accepted).
    matrix = VoteMatrix.from_events(
        participants,
        statements,
        values,
        participant_ids=participant_ids,
        statement_ids=statement_ids,
        moderation=moderation,
        is_meta=meta,
        participant_labels=labels,
    )
    return matrix, int(high_water), _at_or_below(events, int(high_water))


def random_state_for(conversation: Conversation, tick: int) -> int:
    """The seed of the engine's resampling for this conversation and tick: results are reproducible."""
    return int(np.random.SeedSequence([int(conversation.pk), int(tick)]).generate_state(1)[0])


def _status(conversation: Conversation) -> AnalysisStatus:
    status, _ = AnalysisStatus.objects.get_or_create(conversation=conversation)
    return status


def _warm_state(conversation: Conversation, previous: AnalysisSnapshot | None) -> tuple[Any, str]:
    """The engine state to start from and how it was chosen ("warm", "cold: ..." with the reason)."""
    if previous is None:
        return None, "cold: first snapshot"
    if not previous.state:
        return None, f"cold: snapshot tick {previous.tick} has no state"
    try:
        return AnalysisState.from_dict(previous.state), "warm"
    except Exception as exc:  # noqa: BLE001 - any unreadable state means a cold start, never a failure
        logger.warning(
            "analysis of conversation %s: the state of snapshot tick %s cannot be read (%s: %s); starting cold",
            conversation.slug,
            previous.tick,
            type(exc).__name__,
            exc,
        )
        return None, f"cold: state of tick {previous.tick} unreadable ({type(exc).__name__})"


#: At most this many replayed updates for an imported conversation's first analysis: its votes in time order through
#: the updates Pol.is would have run (``analysis/replay.py``), merged into fewer, larger batches beyond this. One
#: update's cost grows with the votes so far; a planted import of 100,000 votes took 12.5 s (2,000 participants,
#: 200 statements, 300 updates, a shared two-core machine at load 5), once.
REPLAY_MAX_UPDATES = 300


def _replays(conversation: Conversation, previous: AnalysisSnapshot | None, opts: AnalysisOptions) -> bool:
    """Whether this analysis starts from a replay of the votes: the first analysis of a conversation imported from
    Pol.is whose groups are found Pol.is' way (``Conversation.grouping_mode``), so that its groups are the ones its
    participants saw rather than a cold start's."""
    return previous is None and bool(conversation.imported_from) and opts.grouping == "polis"


def _replayed_state(
    conversation: Conversation, matrix: VoteMatrix, opts: AnalysisOptions
) -> tuple[AnalysisState | None, str]:
    """The state after replaying the conversation's vote events (imported with their Pol.is times) through Pol.is'
    updates; the snapshot's own update then runs on the current votes from it. Moderation is today's throughout."""
    events = list(
        VoteEvent.objects.filter(conversation=conversation)
        .order_by("id")
        .values_list("participant_id", "statement_id", "value", "at")
    )
    if not events:
        return None, "cold: first snapshot"
    participants, statements, values, at = zip(*events, strict=True)
    replayed = replay(
        np.asarray(participants, dtype=np.int64),
        np.asarray(statements, dtype=np.int64),
        np.asarray(values, dtype=np.int64),
        np.array([a.timestamp() for a in at], dtype=np.float64),
        statement_ids=matrix.statement_ids,
        moderation=dict(zip(matrix.statement_ids.tolist(), matrix.moderation.tolist(), strict=True)),
        is_meta=matrix.statement_ids[matrix.is_meta].tolist(),
        options=dataclasses.replace(opts, beyond_polis=False),
        max_updates=REPLAY_MAX_UPDATES,
    )
    return replayed.state, f"replayed: {replayed.n_updates} updates of the imported votes"


def _priorities(result: Any) -> dict[str, float]:
    """Statement id -> priority (as ``actions.participation`` reads them); NaN becomes 0."""
    values = np.nan_to_num(np.asarray(result.priorities, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    return {str(int(sid)): float(v) for sid, v in zip(result.statement_ids, values, strict=True)}


def default_options(conversation: Conversation | None = None) -> Any:
    """The engine options of the app's analyses: the engine's defaults, with the PCA by Lanczos iteration, and the
    groups found the conversation's way (``Conversation.grouping_mode``: commonweal mode, except for a conversation
    imported from Pol.is, which keeps Pol.is mode so that its groups are the ones its participants saw, unless a
    facilitator chose otherwise; docs/analysis.md, "commonweal mode").

    The engine's ``"auto"`` forms the statements x statements Gram matrix when that is cheap to solve; at 10,000
    participants x 120 statements forming it from the sparse votes took 0.2 to 0.9 s, where the warm-started
    block iteration (and, cold, ARPACK) took 0.01 to 0.08 s, with the same components to 1e-14 and the same
    groups (benchmarks/live_latency.py's conversation, 2026-11-26). Very small matrices still use the Gram matrix.
    """
    polis = conversation is not None and conversation.grouping_mode == "polis"
    return AnalysisOptions(pca_method="lanczos", grouping="polis" if polis else "commonweal")


def compute_snapshot(
    conversation: Conversation, *, options: Any = None, cache: VoteCache | None = None
) -> AnalysisSnapshot | None:
    """Analyse the conversation's current votes and store the result as a new snapshot (tick = latest + 1).

    Synchronous: it takes as long as the engine does (a fraction of a second for a few hundred participants,
    a few seconds at 10,000). Warm-started from the latest snapshot's state; when that state cannot be read (an
    engine upgrade changed its form) it starts cold and logs it. The first analysis of a conversation imported from
    Pol.is, in Pol.is mode, starts from a replay of its vote events in time order through the updates Pol.is would
    have run (``analysis/replay.py``, at most :data:`REPLAY_MAX_UPDATES`), so its groups are the ones its
    participants saw.

    Returns the new snapshot, or None when the conversation has no votes: there is nothing to analyse, so no
    snapshot is stored.

    On failure, the error is recorded on the conversation's ``AnalysisStatus`` (``last_error``,
    ``last_error_at``, ``consecutive_failures``) and logged with the conversation's slug and the traceback; the
    last good snapshot stays as it is; the exception is raised again. A success clears the error. When another
    process stored the same tick first, :class:`SnapshotConflict` is raised (not a failure).

    ``cache``: a :class:`VoteCache` to read only the votes since the last analysis (the worker passes its own).
    """
    started = time.perf_counter()
    started_at = timezone.now()
    status = _status(conversation)
    AnalysisStatus.objects.filter(pk=status.pk).update(last_attempt_at=started_at)
    try:
        # The moderation version and the high water are read before the statements and votes they describe.
        moderation_version = (
            AnalysisStatus.objects.filter(pk=status.pk).values_list("moderation_version", flat=True).first()
            or 0
        )
        previous = _previous_snapshot(conversation)
        if cache is not None and previous is not None and previous.moderation_version != moderation_version:
            # What changed without a vote may have removed votes (an erasure), which a read of the votes since
            # the cache's last read cannot see: read them all.
            cache.forget(conversation.pk)
        matrix, high_water, (at_or_below, id_sum) = _read_matrix(conversation, cache)
        read_seconds = time.perf_counter() - started
        if matrix.n_votes == 0:
            logger.info("analysis of conversation %s: no votes yet, so no snapshot", conversation.slug)
            _clear_error(status.pk)
            return None
        tick = (previous.tick if previous is not None else 0) + 1
        state, start = _warm_state(conversation, previous)
        opts = options if options is not None else default_options(conversation)
        if _replays(conversation, previous, opts):
            state, start = _replayed_state(conversation, matrix, opts)
        result = engine.analyse(
            matrix, state, options=opts, random_state=random_state_for(conversation, tick)
        )
        engine_seconds = time.perf_counter() - started - read_seconds
        engine_result = result.to_dict()
        duration_ms = int(round((time.perf_counter() - started) * 1000))
        meta = SnapshotMeta(
            n_votes=matrix.n_votes,
            n_participants_voting=int(np.count_nonzero(matrix.participant_vote_counts())),
            n_statements=matrix.n_statements,
            computed_at=timezone.now().isoformat(),
            high_water=high_water,
            # What the worker's late-vote check compares with the Vote table (see the module's docstring).
            votes_at_or_below_high_water=at_or_below,
            event_id_sum_at_or_below_high_water=id_sum,
            moderation_version=moderation_version,
            start=start,
            read_seconds=round(read_seconds, 4),
            engine_seconds=round(engine_seconds, 4),
            timings={k: round(float(v), 4) for k, v in result.timings.items()},
        )
        snapshot = _store(conversation, tick, result, with_meta(engine_result, meta), meta, duration_ms)
    except SnapshotConflict:
        raise
    except Exception as exc:
        _record_error(conversation, status.pk, exc)
        raise
    _clear_error(status.pk)
    return snapshot


def _store(
    conversation: Conversation,
    tick: int,
    result: Any,
    payload: dict[str, Any],
    meta: SnapshotMeta,
    duration_ms: int,
) -> AnalysisSnapshot:
    """Write the new snapshot (``payload``: the engine's ``result`` with ``meta``); :class:`SnapshotConflict` when
    another process stored the same tick first."""
    try:
        with transaction.atomic():
            snapshot = AnalysisSnapshot.objects.create(
                conversation=conversation,
                tick=tick,
                vote_event_high_water=meta.high_water,
                result=payload,
                state=result.state.to_dict(),
                priorities=_priorities(result),
                moderation_version=meta.moderation_version,
                duration_ms=duration_ms,
            )
            # When it was stored (the 1 MB or so of JSON takes a moment to write), not when the write began.
            snapshot.computed_at = timezone.now()
            AnalysisSnapshot.objects.filter(pk=snapshot.pk).update(computed_at=snapshot.computed_at)
    except IntegrityError as exc:
        raise SnapshotConflict(
            f"another process stored tick {tick} of conversation {conversation.slug} first"
        ) from exc
    return snapshot


def _clear_error(status_pk: int) -> None:
    AnalysisStatus.objects.filter(pk=status_pk).exclude(last_error="", consecutive_failures=0).update(
        last_error="", last_error_at=None, consecutive_failures=0
    )


def _record_error(conversation: Conversation, status_pk: int, exc: BaseException) -> None:
    text = f"{type(exc).__name__}: {exc}"
    logger.error(
        "analysis of conversation %s failed: %s\n%s",
        conversation.slug,
        text,
        "".join(traceback.format_exception(exc)).rstrip(),
    )
    try:
        AnalysisStatus.objects.filter(pk=status_pk).update(
            last_error=text[:2000],
            last_error_at=timezone.now(),
            consecutive_failures=F("consecutive_failures") + 1,
        )
    except Exception:  # noqa: BLE001 - the database itself may be what failed; the log has the error
        logger.exception("could not record the analysis failure of conversation %s", conversation.slug)


@dataclass(frozen=True)
class AnalysisHealth:
    """How the analysis of a conversation is doing, for the facilitator's pages.

    Attributes
    ----------
    tick : int or None
        The latest snapshot's tick; None before the first analysis.
    computed_at : datetime or None
        When the latest snapshot was stored.
    pending : bool
        Votes or moderation newer than the latest snapshot (the worker will pick them up).
    failing : bool
        The last attempt failed (the results shown are from the last good snapshot).
    error : str
        The last failure's error, for facilitators ("" when not failing).
    error_at : datetime or None
        When it failed.
    consecutive_failures : int
        Failures in a row.
    """

    tick: int | None
    computed_at: datetime | None
    pending: bool
    failing: bool
    error: str
    error_at: datetime | None
    consecutive_failures: int = 0

    @property
    def stale(self) -> bool:
        """The results shown may be out of date: changes are waiting, or the analysis is failing."""
        return self.pending or self.failing


def is_pending(
    latest_event: int | None,
    snapshot_high_water: int | None,
    moderation_version: int,
    snapshot_moderation_version: int | None,
) -> bool:
    """Whether votes or moderation are newer than the snapshot (None: no snapshot). No votes: nothing pending."""
    if not latest_event:
        return False
    if snapshot_high_water is None:
        return True
    return latest_event > snapshot_high_water or moderation_version > (snapshot_moderation_version or 0)


def analysis_health(conversation: Conversation) -> AnalysisHealth:
    """The latest snapshot's tick and time, whether changes are waiting, and the last failure (three queries)."""
    snap = (
        snapshots_newest_first(conversation)
        .values("tick", "computed_at", "vote_event_high_water", "moderation_version")
        .first()
    )
    status = (
        AnalysisStatus.objects.filter(conversation=conversation)
        .values("moderation_version", "last_error", "last_error_at", "consecutive_failures")
        .first()
    ) or {"moderation_version": 0, "last_error": "", "last_error_at": None, "consecutive_failures": 0}
    pending = is_pending(
        latest_vote_event_id(conversation),
        snap["vote_event_high_water"] if snap else None,
        status["moderation_version"],
        snap["moderation_version"] if snap else None,
    )
    failing = status["consecutive_failures"] > 0
    return AnalysisHealth(
        tick=snap["tick"] if snap else None,
        computed_at=snap["computed_at"] if snap else None,
        pending=pending,
        failing=failing,
        error=status["last_error"] if failing else "",
        error_at=status["last_error_at"] if failing else None,
        consecutive_failures=status["consecutive_failures"],
    )
