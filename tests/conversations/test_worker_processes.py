"""The analysis worker as real processes: the `commonweal worker` command, and two workers on one PostgreSQL.

Django models are imported inside the tests, not at the top: the two-worker test starts processes that import
this module before they set Django up.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _env(data_dir: Path) -> dict[str, str]:
    env = {**os.environ, "COMMONWEAL_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"}
    env.pop("COMMONWEAL_DATABASE_URL", None)  # SQLite in the data folder
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "commonweal.cli", *args]


def _wait_for_line(proc: subprocess.Popen[str], needle: str, limit: float = 60) -> str:
    assert proc.stdout is not None
    seen = []
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        seen.append(line)
        if needle in line:
            return line
    raise AssertionError(f"{needle!r} not in the output: {''.join(seen)}")


def test_the_worker_command_starts_refuses_a_second_worker_and_stops_on_sigterm(tmp_path):
    env = _env(tmp_path)
    subprocess.run(_command("migrate"), env=env, check=True, capture_output=True, cwd=ROOT, timeout=300)
    first = subprocess.Popen(
        _command("worker"), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT
    )
    try:
        _wait_for_line(first, "analysis worker running")
        second = subprocess.run(
            _command("worker"), env=env, capture_output=True, text=True, cwd=ROOT, timeout=60
        )
        assert second.returncode == 1
        assert "already running for the data folder" in second.stderr
        assert f"process {first.pid}" in second.stderr
        first.send_signal(signal.SIGTERM)
        out, _ = first.communicate(timeout=60)
        assert first.returncode == 0
        assert "analysis worker stopped" in out
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    # The lock went with the process: a new worker starts (and stops on SIGINT, as with Ctrl+C).
    again = subprocess.Popen(
        _command("worker"), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT
    )
    try:
        _wait_for_line(again, "analysis worker running")
        again.send_signal(signal.SIGINT)
        again.communicate(timeout=60)
        assert again.returncode == 0
    finally:
        if again.poll() is None:
            again.kill()
            again.wait()


def _database_url(settings_dict: dict[str, Any]) -> str:
    user = settings_dict.get("USER") or ""
    password = settings_dict.get("PASSWORD") or ""
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{settings_dict['NAME']}"


def _worker_process(database_url: str, log_path: str, stop: Any, ready: Any) -> None:
    """A worker process that records the start and end of each computation (run in a spawned process)."""
    os.environ["COMMONWEAL_DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "commonweal.settings"
    import django

    django.setup()
    from commonweal.conversations.jobs import compute as analysis_jobs
    from commonweal.conversations.jobs.worker import Worker

    real = analysis_jobs.compute_snapshot

    def recorded(conversation: Any, **kwargs: Any) -> Any:
        start = time.time()
        time.sleep(0.1)  # widen the window in which a second worker could overlap
        snapshot = real(conversation, **kwargs)
        end = time.time()
        line = json.dumps(
            {
                "pid": os.getpid(),
                "conversation": conversation.pk,
                "start": start,
                "end": end,
                "tick": snapshot.tick if snapshot is not None else None,
            }
        )
        with open(log_path, "a") as f:
            f.write(line + "\n")
        return snapshot

    analysis_jobs.compute_snapshot = recorded
    ready.set()
    Worker(interval=0).run_forever(stop, poll=0.01)


@pytest.mark.django_db(transaction=True)
def test_two_workers_on_postgresql_never_compute_the_same_conversation_at_once(tmp_path):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip(
            "advisory locks are PostgreSQL's; on SQLite one worker runs per data folder (tested above). "
            "Run with scripts/run_tests.sh postgres."
        )
    from commonweal.conversations.models import AnalysisSnapshot, VoteEvent
    from tests.factories import make_conversation, make_participant, make_statements, make_vote

    conversations = [make_conversation() for _ in range(3)]
    statements = {c.pk: make_statements(c, 6) for c in conversations}
    people = {c.pk: [make_participant(c.system, conversation=c) for _ in range(12)] for c in conversations}
    log_path = tmp_path / "computations.jsonl"
    log_path.touch()
    ctx = multiprocessing.get_context("spawn")
    stop = ctx.Event()
    readies = [ctx.Event(), ctx.Event()]
    url = _database_url(connection.settings_dict)
    procs = [ctx.Process(target=_worker_process, args=(url, str(log_path), stop, ready)) for ready in readies]
    for proc in procs:
        proc.start()
    try:
        for ready in readies:
            assert ready.wait(120), "a worker process did not start"
        # Eight rounds of votes: after each, both workers race for every conversation.
        for round_ in range(8):
            for c in conversations:
                for i, person in enumerate(people[c.pk]):
                    make_vote(person, statements[c.pk][(i + round_) % 6], 1 if (i + round_) % 3 else -1)
            # Wait until both have caught up with this round (each computation is ~0.1 s and more).
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                caught_up = all(
                    (AnalysisSnapshot.objects.filter(conversation=c).order_by("-tick").first() or None)
                    is not None
                    and AnalysisSnapshot.objects.filter(conversation=c)
                    .order_by("-tick")
                    .first()
                    .vote_event_high_water
                    == VoteEvent.objects.filter(conversation=c).latest("id").pk
                    for c in conversations
                )
                if caught_up:
                    break
                time.sleep(0.05)
            assert caught_up, f"the workers did not catch up with round {round_}"
    finally:
        stop.set()
        for proc in procs:
            proc.join(60)
            if proc.is_alive():
                proc.kill()
    assert all(proc.exitcode == 0 for proc in procs)

    records = [json.loads(line) for line in log_path.read_text().splitlines()]
    assert records, "no computation was recorded"
    # Both processes worked: the lock shared the conversations between them rather than one doing everything.
    assert {r["pid"] for r in records} == {proc.pid for proc in procs}
    for c in conversations:
        mine = sorted((r for r in records if r["conversation"] == c.pk), key=lambda r: r["start"])
        for before, after in zip(mine, mine[1:], strict=False):
            assert after["start"] >= before["end"], (
                f"two computations of one conversation overlapped: {before} {after}"
            )
        ticks = list(
            AnalysisSnapshot.objects.filter(conversation=c).order_by("tick").values_list("tick", flat=True)
        )
        assert ticks == list(range(1, len(ticks) + 1)), "ticks are consecutive, with no duplicates"
        assert (
            sorted(r["tick"] for r in mine) == ticks
        )  # every stored tick came from one recorded computation
