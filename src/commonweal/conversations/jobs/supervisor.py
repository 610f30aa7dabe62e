"""Keeps the embedded analysis worker running under ``commonweal serve``.

``serve`` starts ``commonweal worker`` as its child process (COMMONWEAL_WORKER=embedded). If that child dies
(killed, out of memory, a crash in the engine), nobody would start it again and the results would freeze. So a
:class:`WorkerSupervisor` thread in the server's main process (gunicorn's master) looks at the child every second,
logs each death with its exit status, and starts a new worker after a back-off: 1 s, then 2, 4, 8 ... up to 60 s
while it keeps dying within a minute of starting; a worker that ran for a minute or more before dying is
restarted after 1 s again. When the server stops, the supervisor stops first (so it starts nothing more), then
the worker is asked to stop (SIGTERM; SIGKILL after 30 s).

The worker is a child of gunicorn's master, whose SIGCHLD handler reaps *every* child with ``waitpid(-1)``, and
would take the worker's exit status with it. :func:`arbiter_class` gives gunicorn an arbiter that lets the
supervisor collect its child's status first (as gunicorn does for its own "dirty arbiter" process).

Nothing here imports Django: the clock, the wait and the way to start a worker are passed in, so tests drive a
fake child with a fake clock and no real sleeping.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from gunicorn.arbiter import Arbiter

__all__ = ["WorkerSupervisor", "arbiter_class", "describe_exit", "stop_process"]

logger = logging.getLogger("commonweal.serve")


class Process(Protocol):
    """What the supervisor needs of a child process (``subprocess.Popen`` has it)."""

    pid: int

    def poll(self) -> int | None: ...

    def terminate(self) -> None: ...

    def kill(self) -> None: ...

    def wait(self, timeout: float | None = None) -> int: ...


def describe_exit(returncode: int) -> str:
    """``-9`` -> "killed by signal 9 (SIGKILL)", ``1`` -> "exited with status 1"."""
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = "unknown signal"
        return f"killed by signal {-returncode} ({name})"
    return f"exited with status {returncode}"


def stop_process(child: Process, timeout: float = 30.0) -> None:
    """Ask ``child`` to stop (SIGTERM: the worker finishes the analysis in progress), SIGKILL after ``timeout``."""
    if child.poll() is None:
        child.terminate()
        try:
            child.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


class WorkerSupervisor:
    """Restarts the embedded analysis worker when it dies, with a capped exponential back-off.

    Parameters
    ----------
    start : callable
        Starts a worker process and returns it (``subprocess.Popen``-like).
    first_delay, max_delay : float
        The back-off: ``first_delay`` after the first death, doubling with each quick death, at most
        ``max_delay`` seconds.
    stable_after : float
        A worker that ran this long before dying starts the back-off again from ``first_delay``.
    poll : float
        Seconds between two looks at the child.
    clock : callable
        Monotonic seconds; tests pass a fake one.
    wait : callable, optional
        ``wait(seconds)`` sleeps and returns True when the supervisor is stopping; by default it waits on the
        supervisor's stop event. Tests pass one that advances their clock instead of sleeping.
    """

    def __init__(
        self,
        start: Callable[[], Process],
        *,
        first_delay: float = 1.0,
        max_delay: float = 60.0,
        stable_after: float = 60.0,
        poll: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        wait: Callable[[float], bool] | None = None,
    ) -> None:
        self._start = start
        self.first_delay = first_delay
        self.max_delay = max_delay
        self.stable_after = stable_after
        self.poll = poll
        self.clock = clock
        self._stopping = threading.Event()
        self.wait = wait or self._stopping.wait
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.child: Process | None = None
        self.started_at = 0.0
        #: Deaths in a row of workers that ran less than ``stable_after``.
        self.quick_deaths = 0
        #: Every restart so far, as (process id of the dead worker, its exit status, delay, new process id).
        self.restarts: list[tuple[int, int, float, int]] = []

    def start(self) -> Process:
        """Start the first worker; returns it."""
        with self._lock:
            self.child = self._start()
            self.started_at = self.clock()
            return self.child

    def reap(self) -> None:
        """Collect the child's exit status if it has ended (called by gunicorn's arbiter before it reaps)."""
        child = self.child
        if child is not None:
            child.poll()

    def check(self) -> float | None:
        """One look at the child: None while it runs; when it has died, log it and return the back-off delay."""
        child = self.child
        if child is None:
            return None
        code = child.poll()
        if code is None:
            return None
        ran = self.clock() - self.started_at
        self.quick_deaths = 1 if ran >= self.stable_after else self.quick_deaths + 1
        delay = min(self.max_delay, self.first_delay * float(2 ** (self.quick_deaths - 1)))
        logger.error(
            "the analysis worker (process %s) %s after %.0f s; starting a new one in %g s (death %s in a row)",
            child.pid,
            describe_exit(code),
            ran,
            delay,
            self.quick_deaths,
        )
        return delay

    def restart(self, delay: float) -> Process | None:
        """Start a new worker in place of the dead one (None when the supervisor is stopping)."""
        with self._lock:
            if self._stopping.is_set() or self.child is None:
                return None
            dead = self.child
            code = dead.poll()
            self.child = self._start()
            self.started_at = self.clock()
            self.restarts.append((dead.pid, code if code is not None else 0, delay, self.child.pid))
            logger.warning(
                "the analysis worker was restarted (process %s; restart %s)",
                self.child.pid,
                len(self.restarts),
            )
            return self.child

    def run(self) -> None:
        """Look at the child every ``poll`` seconds and restart it when it dies, until :meth:`stop`."""
        while not self.wait(self.poll):
            try:
                delay = self.check()
                if delay is not None and not self.wait(delay):
                    self.restart(delay)
            except Exception:  # noqa: BLE001 - e.g. fork failing for lack of memory: log it and try again
                logger.exception("the analysis worker could not be restarted; trying again")

    def start_thread(self) -> threading.Thread:
        """Run :meth:`run` on a daemon thread."""
        self._thread = threading.Thread(target=self.run, name="commonweal-worker-supervisor", daemon=True)
        self._thread.start()
        return self._thread

    def stop(self, timeout: float = 30.0) -> None:
        """Stop supervising (no restart after this), then stop the worker."""
        with self._lock:
            self._stopping.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        if self.child is not None:
            stop_process(self.child, timeout)


def arbiter_class(supervisor: WorkerSupervisor) -> Any:
    """A gunicorn ``Arbiter`` whose reaping of dead children lets ``supervisor`` collect its worker's exit status
    first (gunicorn's own ``waitpid(-1)`` would otherwise take it and the log would lose how the worker died)."""

    class SupervisingArbiter(Arbiter):  # type: ignore[misc]
        def reap_workers(self) -> None:
            supervisor.reap()
            super().reap_workers()

    return SupervisingArbiter
