"""The embedded worker's supervisor, the worker's heartbeat, /healthz and what the results page says about both.

The supervisor is driven with a fake clock and a fake wait (nothing sleeps); one test kills a real child process
with SIGKILL to check that its exit status reaches the log even when gunicorn's arbiter reaps children.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
from datetime import timedelta
from html import unescape
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from commonweal.conversations.jobs.compute import compute_snapshot
from commonweal.conversations.jobs.heartbeat import Heartbeat, worker_health
from commonweal.conversations.jobs.supervisor import WorkerSupervisor, arbiter_class, describe_exit
from commonweal.conversations.jobs.worker import Worker
from commonweal.conversations.models import WorkerHeartbeat
from tests.factories import (
    make_conversation,
    make_facilitator,
    make_participant,
    make_statement,
    make_system,
    make_vote,
)

# --- The supervisor, with fake processes --------------------------------------------------------------------


class FakeChild:
    """A worker process that is alive until ``die`` is called."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self.terminated = False

    def die(self, code: int) -> None:
        self.returncode = code

    def poll(self) -> int | None:
        return self.returncode

    def terminate(self) -> None:
        self.terminated = True
        self.returncode = -signal.SIGTERM

    def kill(self) -> None:
        self.returncode = -signal.SIGKILL

    def wait(self, timeout: float | None = None) -> int:
        assert self.returncode is not None
        return self.returncode


class FakeTime:
    """The supervisor's clock and wait: waiting advances the clock and records how long it waited."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.waits: list[float] = []

    def clock(self) -> float:
        return self.now

    def wait(self, seconds: float) -> bool:
        self.waits.append(seconds)
        self.now += seconds
        return False


@pytest.fixture
def fake():
    time = FakeTime()
    children: list[FakeChild] = []

    def start() -> FakeChild:
        children.append(FakeChild(100 + len(children)))
        return children[-1]

    supervisor = WorkerSupervisor(
        start, first_delay=1, max_delay=60, stable_after=60, poll=1, clock=time.clock, wait=time.wait
    )
    supervisor.start()
    return supervisor, children, time


def _die_and_restart(supervisor: WorkerSupervisor, children: list[FakeChild], code: int) -> float:
    children[-1].die(code)
    delay = supervisor.check()
    assert delay is not None
    assert supervisor.restart(delay) is children[-1]
    return delay


def test_a_dead_worker_is_restarted_after_a_back_off_that_doubles_up_to_a_minute(fake, caplog):
    supervisor, children, _ = fake
    assert supervisor.check() is None  # alive: nothing to do
    caplog.set_level(logging.WARNING, logger="commonweal.serve")
    delays = [_die_and_restart(supervisor, children, -signal.SIGKILL) for _ in range(8)]
    assert delays == [1, 2, 4, 8, 16, 32, 60, 60]
    assert len(children) == 9 and [r[3] for r in supervisor.restarts] == [c.pid for c in children[1:]]
    assert "the analysis worker (process 100) killed by signal 9 (SIGKILL)" in caplog.text
    assert "starting a new one in 1 s (death 1 in a row)" in caplog.text
    assert "starting a new one in 60 s (death 8 in a row)" in caplog.text
    assert "the analysis worker was restarted (process 108; restart 8)" in caplog.text


def test_a_worker_that_ran_for_a_while_is_restarted_quickly_again(fake):
    supervisor, children, time = fake
    assert [_die_and_restart(supervisor, children, 1) for _ in range(3)] == [1, 2, 4]
    time.now += 61  # the new worker runs for a minute before it dies
    assert _die_and_restart(supervisor, children, 1) == 1
    assert _die_and_restart(supervisor, children, 1) == 2


def test_the_supervisor_loop_waits_the_back_off_then_restarts(fake):
    supervisor, children, time = fake
    stop_after = 6
    real_wait = time.wait

    def wait(seconds: float) -> bool:
        real_wait(seconds)
        if len(time.waits) == 2:
            children[-1].die(-signal.SIGKILL)  # killed while the supervisor sleeps
        return len(time.waits) >= stop_after

    supervisor.wait = wait
    supervisor.run()
    # poll, poll (the child dies), back-off 1 s, restart; poll, poll: stop.
    assert time.waits == [1, 1, 1, 1, 1, 1]
    assert len(children) == 2 and supervisor.restarts[0][:3] == (100, -signal.SIGKILL, 1)


def test_stopping_starts_nothing_more_and_stops_the_worker(fake):
    supervisor, children, _ = fake
    children[-1].die(1)
    delay = supervisor.check()
    supervisor.stop()
    assert supervisor.restart(delay or 1) is None
    assert len(children) == 1
    live = FakeChild(7)
    supervisor.child = live
    supervisor.stop()
    assert live.terminated


def test_exit_statuses_are_described():
    assert describe_exit(-9) == "killed by signal 9 (SIGKILL)"
    assert describe_exit(1) == "exited with status 1"
    assert describe_exit(0) == "exited with status 0"


# --- A real child process ------------------------------------------------------------------------------------


def _sleeper() -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])


def _wait_until_dead(pid: int) -> None:
    """Block until ``pid`` has exited, without reaping it (its status stays for whoever reaps)."""
    os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)


def test_a_killed_real_worker_keeps_its_exit_status_when_gunicorn_reaps_children(caplog):
    """gunicorn's arbiter reaps every child with waitpid(-1); the supervising arbiter lets the supervisor take
    its worker's status first, so the log says SIGKILL (a plain arbiter would leave "exited with status 0")."""
    supervisor = WorkerSupervisor(_sleeper, wait=lambda seconds: False)
    first = supervisor.start()
    arbiter: Any = arbiter_class(supervisor).__new__(arbiter_class(supervisor))
    arbiter.reexec_pid = arbiter.dirty_arbiter_pid = 0
    arbiter.WORKERS = {}
    arbiter.log = logging.getLogger("gunicorn.test")
    try:
        os.kill(first.pid, signal.SIGKILL)
        _wait_until_dead(first.pid)
        arbiter.reap_workers()  # as on SIGCHLD in gunicorn's master
        caplog.set_level(logging.WARNING, logger="commonweal.serve")
        delay = supervisor.check()
        assert delay == 1.0
        assert f"(process {first.pid}) killed by signal 9 (SIGKILL)" in caplog.text
        second = supervisor.restart(delay)
        assert second is not None and second.pid != first.pid and second.poll() is None
    finally:
        supervisor.stop(timeout=10)
    assert supervisor.child is not None and supervisor.child.poll() == -signal.SIGTERM


# --- The heartbeat -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_worker_beats_every_few_seconds_and_removes_its_row_when_it_stops():
    now = [0.0]
    beat = Heartbeat(every=5, clock=lambda: now[0], host="app-1", pid=321)
    assert beat.beat() is True
    row = WorkerHeartbeat.objects.get()
    assert (row.worker, row.host, row.pid) == ("app-1:321", "app-1", 321)
    first = row.beat_at
    now[0] = 4.9
    assert beat.beat() is False  # not due yet: no write
    now[0] = 5.0
    assert beat.beat() is True
    assert WorkerHeartbeat.objects.get().beat_at >= first
    beat.stop()
    assert not WorkerHeartbeat.objects.exists()


@pytest.mark.django_db
def test_a_starting_worker_clears_the_rows_of_dead_workers(settings):
    settings.WORKER_STALE_AFTER = 120
    old = timezone.now() - timedelta(minutes=10)
    WorkerHeartbeat.objects.create(worker="app-1:1", host="app-1", pid=1, started_at=old, beat_at=old)
    fresh = timezone.now()
    WorkerHeartbeat.objects.create(worker="app-2:2", host="app-2", pid=2, started_at=fresh, beat_at=fresh)
    Heartbeat(host="app-1", pid=3).beat()
    assert sorted(WorkerHeartbeat.objects.values_list("worker", flat=True)) == ["app-1:3", "app-2:2"]
    # On its own machine it also clears a fresh row whose process has gone (a worker killed a moment ago).
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    here = Heartbeat().host
    WorkerHeartbeat.objects.create(
        worker=f"{here}:{dead.pid}", host=here, pid=dead.pid, started_at=fresh, beat_at=fresh
    )
    WorkerHeartbeat.objects.create(
        worker=f"{here}:{os.getpid()}", host=here, pid=os.getpid(), started_at=fresh, beat_at=fresh
    )
    Heartbeat(pid=dead.pid + 100_000_000).beat()  # a pid no process has
    left = set(WorkerHeartbeat.objects.values_list("worker", flat=True))
    assert f"{here}:{dead.pid}" not in left and f"{here}:{os.getpid()}" in left


@pytest.mark.django_db
def test_worker_health_is_absent_ok_or_stale_by_the_age_of_the_newest_beat(settings):
    settings.WORKER_STALE_AFTER = 120
    assert worker_health().state == "absent"
    beat_at = timezone.now()
    WorkerHeartbeat.objects.create(worker="a:1", host="a", pid=1, started_at=beat_at, beat_at=beat_at)
    ok = worker_health(now=beat_at + timedelta(seconds=119))
    assert (ok.state, ok.workers, ok.age_seconds) == ("ok", 1, 119)
    stale = worker_health(now=beat_at + timedelta(seconds=121))
    assert (stale.state, stale.workers, stale.minutes_silent) == ("stale", 0, 2)


@pytest.mark.django_db
def test_the_worker_loop_beats_before_its_passes():
    stop = threading.Event()
    calls = []

    class Beat:
        def beat(self) -> bool:
            calls.append("beat")
            if len(calls) == 2:
                stop.set()
            return True

    Worker(interval=0).run_forever(stop, poll=0, heartbeat=Beat())  # type: ignore[arg-type]
    assert calls == ["beat", "beat"]


# --- /healthz ------------------------------------------------------------------------------------------------


def _beat(seconds_ago: float) -> None:
    at = timezone.now() - timedelta(seconds=seconds_ago)
    WorkerHeartbeat.objects.create(worker=f"w:{seconds_ago}", host="w", pid=1, started_at=at, beat_at=at)


@pytest.fixture
def waiting_conversation():
    """A conversation with a vote newer than its (absent) snapshot: it waits for the worker."""
    conversation = make_conversation(make_system())
    statement = make_statement(conversation)
    make_vote(make_participant(conversation.system, conversation=conversation), statement)
    return conversation


@pytest.mark.django_db
def test_healthz_is_ok_with_a_live_worker(client, waiting_conversation, settings):
    settings.WORKER_STALE_AFTER = 120
    _beat(3)
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200 and body["status"] == "ok"
    assert body["worker"]["state"] == "ok" and 2 <= body["worker"]["age_seconds"] < 60
    assert body["worker"]["workers"] == 1


@pytest.mark.django_db
def test_healthz_is_503_when_the_worker_is_stale_while_votes_wait(client, waiting_conversation, settings):
    settings.WORKER_STALE_AFTER = 120
    _beat(300)
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 503 and body["status"] == "unhealthy"
    assert body["worker"]["state"] == "stale" and body["worker"]["age_seconds"] >= 300
    assert body["worker"]["conversations_waiting"] == 1
    assert body["error"]["code"] == "worker_stale"
    assert "has not reported for 300 s while 1 conversation(s) wait" in body["error"]["message"]
    # The load balancer's check ignores the worker: the web tier itself is fine.
    assert client.get("/healthz?scope=web").status_code == 200


@pytest.mark.django_db
def test_healthz_is_503_when_no_worker_runs_while_votes_wait(client, waiting_conversation):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["worker"]["state"] == "absent"
    assert response.json()["error"]["code"] == "worker_absent"


@pytest.mark.django_db
def test_healthz_is_ok_with_a_stale_worker_when_nothing_waits(client, settings):
    settings.WORKER_STALE_AFTER = 120
    _beat(300)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["worker"] | {"age_seconds": None, "last_beat": None} == {
        "state": "stale",
        "age_seconds": None,
        "last_beat": None,
        "stale_after_seconds": 120.0,
        "workers": 0,
        "conversations_waiting": 0,
    }


# --- The results page ----------------------------------------------------------------------------------------


@pytest.fixture
def analysed_then_voted(waiting_conversation):
    """A conversation analysed once, then voted on again: a new vote waits for the worker."""
    snapshot = compute_snapshot(waiting_conversation)
    assert snapshot is not None
    statement = waiting_conversation.statements.get()
    make_vote(make_participant(waiting_conversation.system, conversation=waiting_conversation), statement, -1)
    return snapshot


@pytest.fixture
def facilitator_client(waiting_conversation):
    c = Client()
    c.force_login(make_facilitator(waiting_conversation.system))
    return c


def _results(c: Client, conversation: Any, live: bool = False, **params: str) -> Any:
    name = "manage_results_live" if live else "manage_results"
    return c.get(reverse(f"conversations:{name}", kwargs={"slug": conversation.slug}), params)


@pytest.mark.django_db
def test_the_results_page_says_plainly_when_the_worker_has_stopped_reporting(
    facilitator_client, waiting_conversation, analysed_then_voted, settings
):
    settings.WORKER_STALE_AFTER = 120
    _beat(185)
    html = unescape(_results(facilitator_client, waiting_conversation).content.decode())
    shown = timezone.localtime(analysed_then_voted.computed_at).strftime("%-d %B %Y, %H:%M")
    assert f"The analysis worker has not reported for 3 minutes: results shown are from {shown};" in html
    assert "the server's operator should check the worker." in html
    assert "New votes are being counted" not in html


@pytest.mark.django_db
def test_the_results_page_says_when_no_worker_runs(facilitator_client, waiting_conversation):
    html = unescape(_results(facilitator_client, waiting_conversation).content.decode())
    assert (
        "No analysis worker is running: there are no results yet; the server's operator should check" in html
    )
    # Not "the first results appear within a few seconds": they will not, until a worker runs.
    assert "within a few seconds" not in html


@pytest.mark.django_db
def test_the_results_page_says_votes_are_being_counted_while_the_worker_reports(
    facilitator_client, waiting_conversation, analysed_then_voted, settings
):
    settings.WORKER_STALE_AFTER = 120
    _beat(2)
    html = unescape(_results(facilitator_client, waiting_conversation).content.decode())
    assert "New votes are being counted" in html
    assert "has not reported" not in html and "No analysis worker" not in html


@pytest.mark.django_db
def test_the_live_results_fragment_updates_when_the_worker_stops_reporting(
    facilitator_client, waiting_conversation, analysed_then_voted, settings
):
    settings.WORKER_STALE_AFTER = 120
    _beat(2)
    shown = {"after": "1", "failing": "0", "worker": "0"}
    assert _results(facilitator_client, waiting_conversation, live=True, **shown).status_code == 204
    WorkerHeartbeat.objects.update(beat_at=timezone.now() - timedelta(minutes=5))
    response = _results(facilitator_client, waiting_conversation, live=True, **shown)
    assert response.status_code == 200
    assert "has not reported for 5 minutes" in response.content.decode()
    assert "worker=1" in response.content.decode()  # the next poll carries what the page now shows
    assert (
        _results(facilitator_client, waiting_conversation, live=True, **(shown | {"worker": "1"})).status_code
        == 204
    )
