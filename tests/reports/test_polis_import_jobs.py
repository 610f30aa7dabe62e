"""Pol.is imports as background jobs: queued by the page or the API, run by the worker, with progress; on SQLite
the rows are committed in batches and a failure leaves nothing behind."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client

from commonweal.conversations.jobs.worker import ImportRunner
from commonweal.conversations.models import Conversation, ImportJob, Participant, Statement, VoteEvent
from commonweal.conversations.polis_import import actions as polis_import
from commonweal.conversations.polis_import.actions import (
    check_import_polis,
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
