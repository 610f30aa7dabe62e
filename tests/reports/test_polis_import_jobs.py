"""Pol.is imports as background jobs: queued by the page or the API, run by the worker, with progress; on SQLite
the rows are committed in batches, participants join and vote while an import runs, and a failure leaves nothing
behind; a job whose process died part-way is marked failed with the reason, and what it wrote removed."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.utils import timezone

from commonweal.conversations.jobs.worker import ImportRunner
from commonweal.conversations.models import (
    Conversation,
    ImportJob,
    Participant,
    Statement,
    VoteEvent,
    WorkerHeartbeat,
)
from commonweal.conversations.polis_import import actions as polis_import
from commonweal.conversations.polis_import.actions import (
    check_import_polis,
    fail_stale_import_jobs,
    queue_import_polis,
    run_next_import_job,
)
from tests.factories import make_facilitator, make_system
from tests.reports.test_polis_import import build_conversation, current_votes, polis_zip

pytestmark = pytest.mark.django_db


def _queue(system, data: bytes, title: str = "") -> ImportJob:
    upload = SimpleUploadedFile("export.zip", data)
    return queue_import_polis(make_facilitator(system), system, [upload], title=title)


def _rows(conversation: Conversation) -> tuple[int, int, int]:
    return (
        Statement.objects.filter(conversation=conversation).count(),
        conversation.participations.count(),
        VoteEvent.objects.filter(conversation=conversation).count(),
    )


def test_a_queued_job_run_by_the_worker_writes_what_the_direct_import_writes(tmp_path):
    original = build_conversation()
    data = polis_zip(original)
    (tmp_path / "export.zip").write_bytes(data)
    direct_system, job_system = make_system(), make_system()
    direct = check_import_polis(make_facilitator(direct_system), direct_system, tmp_path / "export.zip")
    job = _queue(job_system, data)
    assert job.status == "queued"
    assert Path(job.upload).is_dir()
    assert not Conversation.objects.filter(system=job_system).exists()
    done = run_next_import_job()
    assert done is not None and done.pk == job.pk
    assert done.status == "done"
    assert done.conversation.status == "closed"
    assert done.summary == direct.import_result.summary
    assert _rows(done.conversation) == _rows(direct)
    assert current_votes(done.conversation) == current_votes(direct)
    assert (done.stage, done.done, done.total) == ("latest votes", done.total, done.total)
    assert done.finished_at is not None
    assert not Path(job.upload).exists()  # the upload is deleted once imported
    assert run_next_import_job() is None  # nothing left to run


def test_a_refused_export_marks_the_job_failed_with_its_reason_and_writes_nothing(settings):
    system = make_system()
    settings.IMPORT_MAX_VOTES = 3
    job = _queue(system, polis_zip(build_conversation()))
    failed = run_next_import_job()
    assert failed.pk == job.pk and failed.status == "failed"
    assert "COMMONWEAL_IMPORT_MAX_VOTES" in failed.error
    assert "commonweal import-polis" in failed.errors[0]["fix"]
    assert failed.conversation is None
    assert not Conversation.objects.filter(system=system).exists()
    assert not Path(job.upload).exists()


def test_the_progress_page_shows_each_state_and_only_to_who_may_import():
    system = make_system()
    job = _queue(system, polis_zip(build_conversation()), title="Autumn")
    client = Client()
    client.force_login(make_facilitator(system))
    url = f"/manage/systems/{system.slug}/imports/{job.pk}/"
    page = client.get(url).content.decode()
    assert "Waiting for the worker to start it" in page and 'hx-trigger="every 2s"' in page
    ImportJob.objects.filter(pk=job.pk).update(status="running", stage="votes", done=250, total=1000)
    page = client.get(url).content.decode()
    assert "Adding the votes: 250 of 1000 (25%)" in page and 'hx-trigger="every 2s"' in page
    ImportJob.objects.filter(pk=job.pk).update(
        status="failed", error="comments.csv: broken. Nothing was imported."
    )
    page = client.get(url).content.decode()
    assert "The export was not imported" in page and "comments.csv: broken." in page
    assert 'hx-trigger="every 2s"' not in page
    other = make_system()
    outsider = Client()
    outsider.force_login(make_facilitator(other))
    assert outsider.get(url).status_code == 403
    # A job is found only under its own system.
    assert client.get(f"/manage/systems/{other.slug}/imports/{job.pk}/").status_code in (403, 404)


def test_the_worker_runs_a_queued_import_in_a_thread_of_its_own(monkeypatch):
    ran = threading.Event()
    monkeypatch.setattr(polis_import, "run_next_import_job", lambda: ran.set())
    runner = ImportRunner()
    runner.poll()
    assert runner.thread is None  # nothing queued, nothing started
    _queue(make_system(), b"PK")
    runner.poll()
    assert runner.thread is not None
    runner.thread.join(10)
    assert ran.is_set()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "sqlite", reason="the batched import is SQLite's")
def test_on_sqlite_the_import_commits_in_batches_with_the_conversation_a_draft_until_done(monkeypatch):
    system = make_system()
    seen: list[tuple[str, str]] = []
    real = polis_import._pausing

    def watching(report):
        inner = real(report)

        def spy(stage, done, total):
            # Outside any transaction between batches: what another connection would see now.
            assert not connection.in_atomic_block
            seen.append((stage, Conversation.objects.get(system=system).status))
            inner(stage, done, total)

        return spy

    monkeypatch.setattr(polis_import, "_pausing", watching)
    _queue(system, polis_zip(build_conversation()))
    done = run_next_import_job()
    assert done.status == "done"
    assert {status for _, status in seen} == {"draft"}
    assert {stage for stage, _ in seen} >= {"participants", "statements", "votes", "latest votes"}
    assert Conversation.objects.get(system=system).status == "closed"


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "sqlite", reason="the batched import is SQLite's")
def test_on_sqlite_a_failure_part_way_removes_what_the_batches_wrote(monkeypatch):
    system = make_system()
    real = polis_import.bulk_load_votes

    def fail_after_writing(*args, **kwargs):
        real(*args, **kwargs)
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(polis_import, "bulk_load_votes", fail_after_writing)
    job = _queue(system, polis_zip(build_conversation()))
    failed = run_next_import_job()
    assert failed.status == "failed"
    assert "failed unexpectedly (RuntimeError)" in failed.error
    assert not Conversation.objects.filter(system=system).exists()
    assert not Participant.objects.filter(system=system).exists()
    assert not VoteEvent.objects.filter(conversation__system=system).exists()
    assert not Path(job.upload).exists()


ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the batched import is SQLite's")
def test_on_sqlite_a_participant_joins_and_votes_while_an_import_runs(tmp_path):
    # In a process of its own, on SQLite in a file: the suite's in-memory database fails a second writer at once.
    env = {**os.environ, "COMMONWEAL_DATA_DIR": str(tmp_path), "PYTHONUNBUFFERED": "1"}
    env.pop("COMMONWEAL_DATABASE_URL", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run(
        [sys.executable, "-m", "tests.reports.polis_import_alongside"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    # The import stopped part-way, between two batches, until the participant had joined and voted.
    assert out["import_waited"] is True and out["reports_after"] > 0
    assert out["error"] is None
    assert out["vote_seconds"] < 5  # not a wait for SQLite's busy timeout
    assert out["participant_votes"] == 1
    assert (out["job_status"], out["job_error"]) == ("done", "")


def _running(job: ImportJob, worker: str) -> ImportJob:
    ImportJob.objects.filter(pk=job.pk).update(status="running", started_at=timezone.now(), worker=worker)
    job.refresh_from_db()
    return job


def _dead_pid() -> int:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    return gone.pid


@pytest.mark.django_db(transaction=True)
def test_a_job_whose_process_died_part_way_is_marked_failed_and_what_it_wrote_removed(monkeypatch):
    system = make_system()

    class Killed(BaseException):
        """The process ending part-way (out of memory, a restart): no clean-up of its own runs."""

    def die_in_the_votes(job):
        def report(stage, done, total):
            if stage == "votes" and done:
                raise Killed

        return report

    monkeypatch.setattr(polis_import, "_job_progress", die_in_the_votes)
    monkeypatch.setattr(polis_import, "_remove_partial", lambda conversation: None)
    job = _queue(system, polis_zip(build_conversation()))
    with pytest.raises(Killed):
        run_next_import_job()
    monkeypatch.undo()
    job.refresh_from_db()
    assert job.status == "running" and job.worker == f"{socket.gethostname()}:{os.getpid()}"
    if connection.vendor == "sqlite":  # its batches were committed: a draft and its participants are left
        assert job.draft is not None and job.draft.status == "draft"
        assert Participant.objects.filter(system=system).exists()
    Path(job.upload).mkdir(parents=True)  # a process that dies leaves its upload too
    # This process does not run it any more (a worker restarted in a container can have its dead self's pid).
    ImportRunner().poll()
    job.refresh_from_db()
    assert job.status == "failed" and job.finished_at is not None
    assert "stopped before it finished" in job.error and job.worker in job.error
    assert "Import the export again" in job.error
    assert job.conversation is None and job.draft is None
    assert not Conversation.objects.filter(system=system).exists()
    assert not Participant.objects.filter(system=system).exists()
    assert not Path(job.upload).exists()
    assert fail_stale_import_jobs() == []  # once


def test_the_worker_does_not_take_an_import_its_own_process_is_running_for_a_dead_one(monkeypatch):
    found: list[ImportJob] = []
    real = polis_import._job_progress

    def looking_meanwhile(job):
        report = real(job)

        def spy(stage, done, total):
            report(stage, done, total)
            found.extend(fail_stale_import_jobs())  # what the worker's next poll does, here at every stage

        return spy

    monkeypatch.setattr(polis_import, "_job_progress", looking_meanwhile)
    _queue(make_system(), polis_zip(build_conversation()))
    done = run_next_import_job()
    assert done.status == "done" and done.error == ""
    assert found == []


def test_a_running_job_is_left_alone_while_its_process_lives_and_failed_once_it_has_gone():
    system = make_system()
    here = socket.gethostname()
    alive = _running(_queue(system, polis_zip(build_conversation())), f"{here}:{os.getppid()}")
    dead = _running(_queue(system, b"PK"), f"{here}:{_dead_pid()}")
    assert [j.pk for j in fail_stale_import_jobs()] == [dead.pk]
    alive.refresh_from_db()
    dead.refresh_from_db()
    assert alive.status == "running" and alive.error == ""
    assert dead.status == "failed" and not Path(dead.upload).exists()


def test_a_job_of_another_machine_is_failed_once_its_worker_stops_beating(settings):
    settings.WORKER_STALE_AFTER = 120
    job = _running(_queue(make_system(), b"PK"), "elsewhere:4242")
    now = timezone.now()
    beat = WorkerHeartbeat.objects.create(
        worker="elsewhere:4242", host="elsewhere", pid=4242, started_at=now, beat_at=now
    )
    assert fail_stale_import_jobs() == []
    WorkerHeartbeat.objects.filter(pk=beat.pk).update(beat_at=now - timedelta(seconds=121))
    assert [j.pk for j in fail_stale_import_jobs()] == [job.pk]
    job.refresh_from_db()
    assert job.status == "failed" and "elsewhere:4242" in job.error
