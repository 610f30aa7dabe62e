"""The analysis worker's heartbeat, and what it tells about the worker's health.

A running worker keeps one :class:`~commonweal.conversations.models.WorkerHeartbeat` row (``host:pid``) and
renews its ``beat_at`` every :data:`HEARTBEAT_SECONDS` (5) between its passes; it deletes the row when it stops
cleanly. So:

- **ok**: some worker beat within ``COMMONWEAL_WORKER_STALE_AFTER`` seconds (120);
- **stale**: the newest beat is older than that: the worker died without stopping (``kill -9``, out of memory,
  the machine restarted) or hangs. One analysis longer than the limit also shows as stale while it runs (at
  10,000 participants one takes a few seconds; see docs/operations.md);
- **absent**: no worker has a row: none has run, or every one stopped cleanly (``COMMONWEAL_WORKER=off`` and no
  ``commonweal worker`` running).

The beat is written between passes, not from a thread of its own, so a worker stuck in a pass stops beating too.
A row in the database (rather than a file in the data folder) lets every app server see the workers of every
machine. A worker that starts deletes the rows older than the limit (dead workers), and those of its own machine
whose process has gone, so they do not pile up.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Max, Q
from django.utils import timezone

from commonweal.conversations.models import WorkerHeartbeat

__all__ = ["HEARTBEAT_SECONDS", "Heartbeat", "WorkerHealth", "process_exists", "stale_after", "worker_health"]

#: Seconds between two beats of a worker.
HEARTBEAT_SECONDS = 5.0


def stale_after() -> float:
    """Seconds without a beat after which the worker counts as stale (``COMMONWEAL_WORKER_STALE_AFTER``)."""
    return float(settings.WORKER_STALE_AFTER)


class Heartbeat:
    """One worker process's heartbeat row.

    Parameters
    ----------
    every : float
        Least seconds between two writes (:data:`HEARTBEAT_SECONDS`).
    clock : callable
        Monotonic seconds (``time.monotonic``); tests pass a fake one.
    host, pid : optional
        Who beats (this machine and process by default).
    """

    def __init__(
        self,
        *,
        every: float = HEARTBEAT_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        host: str | None = None,
        pid: int | None = None,
    ) -> None:
        self.every = every
        self.clock = clock
        self.host = host or socket.gethostname()
        self.pid = os.getpid() if pid is None else pid
        self.key = f"{self.host}:{self.pid}"
        self.started_at = timezone.now()
        self._last: float | None = None

    def beat(self) -> bool:
        """Renew this worker's row when :attr:`every` seconds have passed since the last write; whether it wrote.

        The first beat also deletes the rows of workers that have not beaten for ``stale_after()`` seconds.
        """
        now = self.clock()
        if self._last is not None and now - self._last < self.every:
            return False
        at = timezone.now()
        if self._last is None:
            self._forget_the_dead(at)
        updated = WorkerHeartbeat.objects.filter(worker=self.key).update(beat_at=at)
        if not updated:
            WorkerHeartbeat.objects.create(
                worker=self.key, host=self.host, pid=self.pid, started_at=self.started_at, beat_at=at
            )
        self._last = now
        return True

    def _forget_the_dead(self, at: datetime) -> None:
        """Delete the rows of workers that have not beaten for ``stale_after()`` seconds, and of those on this
        machine whose process has gone (a worker killed and restarted by ``serve`` a moment ago)."""
        WorkerHeartbeat.objects.filter(beat_at__lt=at - timedelta(seconds=stale_after())).delete()
        here = (
            WorkerHeartbeat.objects.filter(host=self.host).exclude(worker=self.key).values_list("pk", "pid")
        )
        gone = [pk for pk, pid in here if not process_exists(pid)]
        if gone:
            WorkerHeartbeat.objects.filter(pk__in=gone).delete()

    def stop(self) -> None:
        """Delete this worker's row (it stops cleanly: not stale, absent if it was the only one)."""
        WorkerHeartbeat.objects.filter(worker=self.key).delete()
        self._last = None


def process_exists(pid: int) -> bool:
    """Whether a process with this id runs on this machine (signal 0 checks without sending anything)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, as another user
        return True
    return True


@dataclass(frozen=True)
class WorkerHealth:
    """How the analysis workers are doing, for ``/healthz`` and the results pages.

    Attributes
    ----------
    state : str
        "ok", "stale" or "absent" (see the module's docstring).
    last_beat : datetime or None
        The newest beat of any worker.
    age_seconds : float or None
        Seconds since it.
    stale_after : float
        The limit, in seconds.
    workers : int
        Workers that beat within the limit.
    waiting : int or None
        Conversations whose votes or moderation wait for an analysis (None when not counted: ``/healthz`` counts
        them only when no worker is alive, as a live worker needs no count).
    """

    state: str
    last_beat: datetime | None
    age_seconds: float | None
    stale_after: float
    workers: int
    waiting: int | None = None

    @property
    def healthy(self) -> bool:
        """False when no worker is counting while conversations wait for one."""
        return self.state == "ok" or not self.waiting

    @property
    def minutes_silent(self) -> int:
        """Whole minutes since the last beat (at least 1), for the words on the results page."""
        return max(1, int((self.age_seconds or 0) // 60))

    def as_json(self) -> dict[str, object]:
        """The ``worker`` part of ``/healthz``."""
        return {
            "state": self.state,
            "last_beat": self.last_beat.isoformat() if self.last_beat else None,
            "age_seconds": None if self.age_seconds is None else round(self.age_seconds, 1),
            "stale_after_seconds": self.stale_after,
            "workers": self.workers,
            "conversations_waiting": self.waiting,
        }


def worker_health(*, now: datetime | None = None) -> WorkerHealth:
    """The workers' state from their heartbeats (one small query)."""
    now = now or timezone.now()
    limit = stale_after()
    fresh_since = now - timedelta(seconds=limit)
    row = WorkerHeartbeat.objects.aggregate(
        last=Max("beat_at"), workers=Count("pk", filter=Q(beat_at__gte=fresh_since))
    )
    last, workers = row["last"], int(row["workers"] or 0)
    if last is None:
        return WorkerHealth("absent", None, None, limit, 0)
    age = max(0.0, (now - last).total_seconds())
    return WorkerHealth("ok" if age <= limit else "stale", last, age, limit, workers)
