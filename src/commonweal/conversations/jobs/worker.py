"""The analysis worker: recomputes a conversation's analysis when its votes or moderation change.

Every ``poll`` seconds (0.25) the worker looks for conversations whose latest vote event is newer than their
latest snapshot's high water, or whose ``AnalysisStatus.moderation_version`` is newer than the snapshot's, and
calls :func:`commonweal.conversations.jobs.compute.compute_snapshot` on them, the most overdue first:

- when a conversation is quiet, a new vote is analysed at once (at the next poll);
- under load, one conversation is computed at most once every ``COMMONWEAL_ANALYSIS_INTERVAL`` seconds (2), counted
  from the start of its last computation, so the results follow the votes a few seconds behind without the engine
  running flat out;
- only open conversations, and closed ones whose votes or moderation changed since their last snapshot;
- a vote that commits late (PostgreSQL hands out event ids when a vote's transaction runs, so a vote may commit
  just after a later vote, after a snapshot read the votes, and be covered by its high water without being in
  it) is caught: once per snapshot, ``max(interval, 1 s)`` after it was stored, the worker counts the current
  votes at or below the snapshot's high water (one indexed query) and, when they differ from what the snapshot
  recorded it included, analyses the conversation again, reading all its votes. So a late vote is in the results
  about ``max(interval, 1 s)`` plus one analysis after the snapshot that missed it was stored, even when the
  conversation has gone quiet; while votes keep coming, the vote cache's re-read below its high water
  (``VoteCache.late_window``) takes it at the next analysis;
- a failure is logged (by ``compute_snapshot``, with the traceback), recorded for the facilitator, and that
  conversation waits before it is tried again (twice the interval, at least 2 s, then doubling, up to 300 s)
  while the others go on.

It never runs inside a request. ``commonweal worker`` runs it as its own process (production); ``commonweal
serve`` starts that process as its child when ``COMMONWEAL_WORKER=embedded`` (the default). Tests call
:func:`run_once` or start it on a thread with :func:`start_thread`.

Several workers may run against one PostgreSQL database (on several machines): a conversation is computed by one
of them at a time, under a session-level advisory lock ``pg_try_advisory_lock(LOCK_CLASS, conversation id)``
held for the computation; the worker that does not get the lock skips the conversation, and the one that gets it
checks again that the work is still to do. The snapshot's unique (conversation, tick) is the last guard: a worker
that loses that race drops its result. On SQLite only one worker may run per data folder (a lock file,
:func:`single_worker_lock`), as SQLite has one writer at a time anyway.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection, connections
from django.db.models import F, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from commonweal.conversations.jobs import compute
from commonweal.conversations.jobs.compute import SnapshotConflict, VoteCache, is_pending, votes_at_or_below
from commonweal.conversations.jobs.heartbeat import Heartbeat
from commonweal.conversations.models import AnalysisSnapshot, Conversation, ImportJob, VoteEvent
from commonweal.conversations.polis_import import actions as polis_import
from commonweal.conversations.results.snapshot import meta_lookup, read_meta
from commonweal.conversations.rights.schedule import RetentionSchedule

__all__ = [
    "LOCK_CLASS",
    "Computation",
    "Worker",
    "WorkerAlreadyRunning",
    "WorkerThread",
    "conversation_lock",
    "run_forever",
    "run_once",
    "single_worker_lock",
    "start_thread",
]

logger = logging.getLogger(__name__)

#: The first key of the PostgreSQL advisory lock a worker holds while it computes a conversation (the second is
#: the conversation's id). A fixed number of our own ("CW" in ASCII), so no other lock of the app collides.
LOCK_CLASS = 0x4357
#: The longest wait before a failing conversation is tried again.
MAX_BACKOFF = 300.0
LOCK_FILE_NAME = "analysis-worker.lock"
#: The least wait, after a snapshot is stored, before the worker checks it for a late vote (the interval when
#: longer). A vote is one short statement: by then a vote that got its id before the snapshot's high water has
#: committed (or failed).
LATE_VOTE_MIN_DELAY = 1.0
#: Snapshots older than this (or than twice the check's delay) when a worker first sees them are not checked:
#: a worker that starts does not count the votes of every conversation, only of those analysed just before.
LATE_VOTE_SETTLE = 10.0


class WorkerAlreadyRunning(Exception):
    """Another analysis worker holds this data folder's lock (SQLite: one worker per data folder)."""


@dataclass
class Computation:
    """What the worker did for one conversation in a pass.

    ``outcome`` is "computed" (a new snapshot), "no votes" (nothing to analyse), "failed" (the error is in
    ``error`` and on the conversation's AnalysisStatus), "conflict" (another worker stored the tick first),
    "busy" (another worker holds the conversation's lock) or "done" (another worker did it meanwhile).
    """

    conversation_id: int
    slug: str
    outcome: str
    tick: int | None = None
    n_votes: int = 0
    n_participants: int = 0
    seconds: float = 0.0
    error: str = ""


@dataclass
class _Pending:
    conversation_id: int
    slug: str
    latest_event: int | None
    high_water: int | None
    moderation_version: int
    snapshot_moderation_version: int | None
    tick: int | None = None
    computed_at: datetime | None = None
    #: Votes or moderation newer than the latest snapshot.
    pending: bool = False
    #: A vote committed late: at or below the latest snapshot's high water, but not in it.
    late: bool = False


@dataclass
class _LateCheck:
    """The one late-vote check of a conversation's latest snapshot (see the module's docstring)."""

    tick: int
    due: float
    #: The snapshot's count and event id sum at or below its high water; None: read from the snapshot when due.
    recorded: tuple[int, int] | None = None
    done: bool = False


def _conversation_rows(only: int | None = None) -> list[_Pending]:
    """Open and closed conversations with their latest vote event and latest snapshot (one query)."""
    latest_event = VoteEvent.objects.filter(conversation=OuterRef("pk")).order_by("-id").values("id")[:1]
    snapshots = AnalysisSnapshot.objects.filter(conversation=OuterRef("pk")).order_by("-tick")
    qs = Conversation.objects.filter(status__in=[Conversation.Status.OPEN, Conversation.Status.CLOSED])
    if only is not None:
        qs = qs.filter(pk=only)
    rows = (
        qs.order_by()
        .annotate(
            latest_event=Subquery(latest_event),
            high_water=Subquery(snapshots.values("vote_event_high_water")[:1]),
            snapshot_moderation=Subquery(snapshots.values("moderation_version")[:1]),
            snapshot_tick=Subquery(snapshots.values("tick")[:1]),
            snapshot_at=Subquery(snapshots.values("computed_at")[:1]),
            mod_version=Coalesce(
                F("analysis_status__moderation_version"), Value(0), output_field=IntegerField()
            ),
        )
        .values_list(
            "pk",
            "slug",
            "latest_event",
            "high_water",
            "mod_version",
            "snapshot_moderation",
            "snapshot_tick",
            "snapshot_at",
        )
    )
    return [
        _Pending(
            pk,
            slug,
            latest,
            high_water,
            moderation,
            snapshot_moderation,
            tick,
            computed_at,
            pending=is_pending(latest, high_water, moderation, snapshot_moderation),
        )
        for pk, slug, latest, high_water, moderation, snapshot_moderation, tick, computed_at in rows
    ]


def _pending_conversations(only: int | None = None) -> list[_Pending]:
    """Open conversations, and closed ones, whose votes or moderation are newer than their latest snapshot."""
    return [row for row in _conversation_rows(only) if row.pending]


def _recorded_at_or_below(conversation_id: int, tick: int) -> tuple[int, int] | None:
    """What a snapshot stored by another worker (or before this one started) recorded it included at or below
    its high water; None for a snapshot from before it was recorded."""
    row = (
        AnalysisSnapshot.objects.filter(conversation_id=conversation_id, tick=tick)
        .values_list(
            meta_lookup("votes_at_or_below_high_water"), meta_lookup("event_id_sum_at_or_below_high_water")
        )
        .first()
    )
    if row is None or row[0] is None or row[1] is None:
        return None
    return int(row[0]), int(row[1])


@contextmanager
def conversation_lock(conversation_id: int) -> Iterator[bool]:
    """Hold the conversation's advisory lock on PostgreSQL while the block runs; yields whether it was got.

    Session-level (it survives the transactions of the computation) and released in ``finally``. Always got on
    other databases (SQLite runs one worker per data folder).
    """
    if connection.vendor != "postgresql":
        yield True
        return
    key = int(conversation_id) % 2**31
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_CLASS, key])
        got = bool(cursor.fetchone()[0])
    try:
        yield got
    finally:
        if got:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_CLASS, key])


class ImportRunner:
    """Runs queued Pol.is imports one at a time, each in a thread of its own, so that an import of minutes does
    not stop the analyses (``commonweal.conversations.polis_import.actions.run_next_import_job``)."""

    def __init__(self) -> None:
        self.thread: threading.Thread | None = None

    def poll(self) -> None:
        """Mark failed the imports whose process has gone, then start the next queued import when none is
        running here."""
        polis_import.fail_stale_import_jobs()
        if self.thread is not None and self.thread.is_alive():
            return
        if not ImportJob.objects.filter(status=ImportJob.Status.QUEUED).exists():
            return
        self.thread = threading.Thread(target=self._run, name="polis-import", daemon=True)
        self.thread.start()

    @staticmethod
    def _run() -> None:
        try:
            polis_import.run_next_import_job()
        except Exception:  # noqa: BLE001 - logged; the job itself records its failure
            logger.exception("analysis worker: a Pol.is import could not be run")
        finally:
            connection.close()


class Worker:
    """The scheduling memory of one worker: when each conversation was last computed and when it may retry.

    Parameters
    ----------
    interval : float, optional
        Least seconds between the starts of two computations of one conversation
        (``settings.ANALYSIS_INTERVAL``, 2 by default).
    clock : callable, optional
        Seconds, monotonic (``time.monotonic``); tests pass a fake clock.
    options : AnalysisOptions, optional
        Passed to ``compute_snapshot``.
    on_computation : callable, optional
        Called with each :class:`Computation` (the CLI logs them).
    retention : RetentionSchedule, optional
        Runs the retention of participant data once a day from :meth:`run_forever` (tests pass one with a fake
        clock).
    """

    def __init__(
        self,
        *,
        interval: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        options: Any = None,
        on_computation: Callable[[Computation], None] | None = None,
        retention: RetentionSchedule | None = None,
    ) -> None:
        self.interval = float(settings.ANALYSIS_INTERVAL if interval is None else interval)
        self.retention = retention if retention is not None else RetentionSchedule()
        self.clock = clock
        self.options = options
        self.on_computation = on_computation
        self.last_start: dict[int, float] = {}
        self.pending_since: dict[int, float] = {}
        self.retry_at: dict[int, float] = {}
        self.failures: dict[int, int] = {}
        # The votes of the conversations it analyses, so each analysis reads only the votes since the last.
        self.cache = VoteCache()
        # The late-vote check of each conversation's latest snapshot, and the conversations found with a late
        # vote (conversation id -> the tick that lacks it) until they are analysed again.
        self.late_check_delay = max(self.interval, LATE_VOTE_MIN_DELAY)
        self.late_checks: dict[int, _LateCheck] = {}
        self.late_pending: dict[int, int] = {}
        self.imports = ImportRunner()

    def due_at(self, conversation_id: int) -> float:
        """When the conversation may next be computed (its work being pending)."""
        since = self.pending_since.get(conversation_id, self.clock())
        due = since
        if conversation_id in self.last_start:
            due = max(due, self.last_start[conversation_id] + self.interval)
        if conversation_id in self.retry_at:
            due = max(due, self.retry_at[conversation_id])
        return due

    def run_once(self) -> list[Computation]:
        """One pass: compute every conversation whose work is pending and due, the most overdue first."""
        now = self.clock()
        rows = _conversation_rows()
        pending = [row for row in rows if row.pending or self._late_vote(row, now)]
        seen = {row.conversation_id for row in rows}
        for gone in set(self.late_checks) - seen:
            del self.late_checks[gone]
        for gone in set(self.late_pending) - seen:
            del self.late_pending[gone]
        pending_ids = {p.conversation_id for p in pending}
        for gone in set(self.pending_since) - pending_ids:
            del self.pending_since[gone]
        for p in pending:
            self.pending_since.setdefault(p.conversation_id, now)
        due = [p for p in pending if self.due_at(p.conversation_id) <= now]
        # The most overdue first: the one whose changes have waited longest.
        due.sort(key=lambda p: (self.pending_since[p.conversation_id], p.conversation_id))
        done = []
        for p in due:
            done.append(self._compute(p))
        return done

    def _late_vote(self, row: _Pending, now: float) -> bool:
        """Whether a vote committed late for the conversation's latest snapshot (``row`` is not pending otherwise).

        Counts the votes at most once per snapshot: when the snapshot is first seen, its check is set for
        ``late_check_delay`` after it was stored; when due, the current votes at or below its high water are
        counted (with the sum of their event ids) and compared with what the snapshot recorded it included. As the
        conversation has no vote event above the high water, every current vote is at or below it, so any
        difference is a change the snapshot lacks: a vote that committed late (a new one, or a changed one), or
        votes removed with their participant.
        """
        cid = row.conversation_id
        if row.tick is None or row.high_water is None:
            return False
        if self.late_pending.get(cid) == row.tick:
            row.late = True
            return True
        self.late_pending.pop(cid, None)
        check = self.late_checks.get(cid)
        if check is None or check.tick != row.tick:
            age = (timezone.now() - row.computed_at).total_seconds() if row.computed_at else float("inf")
            check = _LateCheck(row.tick, now + max(0.0, self.late_check_delay - age))
            # Stored long before this worker saw it: it had its chance of a check (by the worker that stored it).
            check.done = age > max(LATE_VOTE_SETTLE, 2 * self.late_check_delay)
            self.late_checks[cid] = check
        if check.done or now < check.due:
            return False
        check.done = True
        recorded = check.recorded or _recorded_at_or_below(cid, row.tick)
        if recorded is None or votes_at_or_below(cid, row.high_water) == recorded:
            return False
        logger.info(
            "analysis of conversation %s: a vote committed after snapshot tick %s read the votes; analysing again",
            row.slug,
            row.tick,
        )
        self.late_pending[cid] = row.tick
        row.late = True
        return True

    def _still_to_do(self, p: _Pending) -> bool:
        """Whether ``p``'s work is still to do under the lock (another worker may have done it meanwhile)."""
        rows = _conversation_rows(only=p.conversation_id)
        if not rows:
            return False
        row = rows[0]
        if p.late:
            return row.pending or row.tick == p.tick
        return row.pending

    def _compute(self, p: _Pending) -> Computation:
        with conversation_lock(p.conversation_id) as got:
            if not got:
                outcome = Computation(p.conversation_id, p.slug, "busy")
                self._report(outcome)
                return outcome
            # Another worker may have computed it between the look for pending work and the lock.
            if not self._still_to_do(p):
                self.pending_since.pop(p.conversation_id, None)
                self.late_pending.pop(p.conversation_id, None)
                outcome = Computation(p.conversation_id, p.slug, "done")
                self._report(outcome)
                return outcome
            start = self.clock()
            self.last_start[p.conversation_id] = start
            self.pending_since.pop(p.conversation_id, None)
            if self.late_pending.pop(p.conversation_id, None) is not None:
                # The late vote is below the cached high water: read all the votes (the cache's window below its
                # high water may not reach it).
                self.cache.forget(p.conversation_id)
            wall = time.perf_counter()
            try:
                conversation = Conversation.objects.get(pk=p.conversation_id)
                snapshot = compute.compute_snapshot(conversation, options=self.options, cache=self.cache)
            except SnapshotConflict:
                outcome = Computation(
                    p.conversation_id, p.slug, "conflict", seconds=time.perf_counter() - wall
                )
            except Exception as exc:  # noqa: BLE001 - logged by compute_snapshot; the worker goes on
                if p.late:
                    self.late_pending[p.conversation_id] = p.tick or 0  # tried again after the back-off
                failures = self.failures.get(p.conversation_id, 0) + 1
                self.failures[p.conversation_id] = failures
                self.retry_at[p.conversation_id] = start + min(
                    MAX_BACKOFF, max(self.interval, 1.0) * 2**failures
                )
                outcome = Computation(
                    p.conversation_id,
                    p.slug,
                    "failed",
                    seconds=time.perf_counter() - wall,
                    error=f"{type(exc).__name__}: {exc}",
                )
            else:
                self.failures.pop(p.conversation_id, None)
                self.retry_at.pop(p.conversation_id, None)
                if snapshot is None:
                    outcome = Computation(
                        p.conversation_id, p.slug, "no votes", seconds=time.perf_counter() - wall
                    )
                else:
                    meta = read_meta(snapshot)
                    # Checked for a late vote once it has settled, against the counts it recorded.
                    self.late_checks[p.conversation_id] = _LateCheck(
                        snapshot.tick, self.clock() + self.late_check_delay, meta.at_or_below_high_water
                    )
                    outcome = Computation(
                        p.conversation_id,
                        p.slug,
                        "computed",
                        tick=snapshot.tick,
                        n_votes=meta.n_votes,
                        n_participants=meta.n_participants_voting,
                        seconds=time.perf_counter() - wall,
                    )
        self._report(outcome)
        return outcome

    def _report(self, outcome: Computation) -> None:
        if self.on_computation is not None:
            self.on_computation(outcome)

    def run_forever(
        self,
        stop_event: threading.Event,
        *,
        poll: float | None = None,
        parent_pid: int | None = None,
        heartbeat: Heartbeat | None = None,
    ) -> None:
        """Pass after pass until ``stop_event`` is set (or, with ``parent_pid``, the parent process is gone).

        A pass that fails (the database is down, say) is logged and the worker tries again at the next poll.
        Database connections are closed between passes when stale (``close_old_connections``) or broken. With
        ``heartbeat``, the worker beats before each pass (at most every few seconds), so ``/healthz`` and the
        results pages know it is alive. Before each pass, ``self.retention`` runs the retention of participant
        data when a day has passed since its last run (``conversations.rights.schedule``).
        """
        poll = float(settings.ANALYSIS_POLL if poll is None else poll)
        while not stop_event.is_set():
            if parent_pid is not None and os.getppid() != parent_pid:
                logger.info("analysis worker: the server that started it has gone; stopping")
                break
            close_old_connections()
            try:
                if heartbeat is not None:
                    heartbeat.beat()
                # Erasing closed conversations' participant data once a day: a look at the clock most passes.
                self.retention.run_if_due()
                self.run_once()
                self.imports.poll()
            except Exception:  # noqa: BLE001 - e.g. the database restarting; try again at the next poll
                logger.exception("analysis worker: a pass failed; trying again")
                connection.close()
                stop_event.wait(max(poll, 1.0))
                continue
            stop_event.wait(poll)


def run_once(worker: Worker | None = None) -> list[Computation]:
    """One pass of ``worker`` (a fresh one when None: every pending conversation is computed at once)."""
    return (worker or Worker()).run_once()


def run_forever(
    stop_event: threading.Event, *, worker: Worker | None = None, poll: float | None = None
) -> None:
    """Run passes until ``stop_event`` is set."""
    (worker or Worker()).run_forever(stop_event, poll=poll)


class WorkerThread(threading.Thread):
    """A worker on a thread of this process (tests; the server runs it as a process instead). ``stop()`` it."""

    def __init__(self, worker: Worker, poll: float) -> None:
        super().__init__(name="commonweal-analysis-worker", daemon=True)
        self.worker = worker
        self.poll = poll
        self.stop_event = threading.Event()

    def run(self) -> None:
        try:
            self.worker.run_forever(self.stop_event, poll=self.poll)
        finally:
            connections.close_all()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop after the current computation and wait for the thread to end."""
        self.stop_event.set()
        self.join(timeout)


def start_thread(
    *, poll: float = 0.25, interval: float | None = None, options: Any = None, worker: Worker | None = None
) -> WorkerThread:
    """Start a worker on a daemon thread; returns the thread, whose ``stop()`` ends it."""
    thread = WorkerThread(worker or Worker(interval=interval, options=options), poll)
    thread.start()
    return thread


@contextmanager
def single_worker_lock(data_dir: Path | str | None = None) -> Iterator[Path]:
    """Hold the data folder's worker lock file while the block runs (SQLite: one worker per data folder).

    Raises :class:`WorkerAlreadyRunning` at once, naming the process that holds it, when another worker does.
    The operating system releases the lock when the process ends, however it ends.
    """
    folder = Path(data_dir if data_dir is not None else settings.DATA_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK_FILE_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            raise WorkerAlreadyRunning(
                f"An analysis worker is already running for the data folder {folder} (process {holder}; "
                "`commonweal serve` starts one unless COMMONWEAL_WORKER=off). With SQLite, one worker per data "
                "folder: stop the other one first."
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        try:
            yield path
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
