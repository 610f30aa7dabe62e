"""The analysis worker's policy: what it computes, when, and how it copes with failures (a fake clock)."""

from __future__ import annotations

import logging
import os

import pytest
from django.db import OperationalError

from commonweal.conversations.facilitate import actions as facilitation
from commonweal.conversations.jobs import worker as worker_module
from commonweal.conversations.jobs.compute import analysis_health
from commonweal.conversations.jobs.worker import Worker, WorkerAlreadyRunning, run_once, single_worker_lock
from commonweal.conversations.models import AnalysisSnapshot, AnalysisStatus, Conversation
from commonweal.conversations.queries import latest_snapshot
from tests.factories import (
    make_conversation,
    make_late_vote,
    make_participant,
    make_statements,
    make_user,
    make_vote,
)

pytestmark = pytest.mark.django_db


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def _conversation_with_votes(n_people: int = 8, n_statements: int = 4, **kw):
    conversation = make_conversation(**kw)
    statements = make_statements(conversation, n_statements)
    people = [make_participant(conversation.system, conversation=conversation) for _ in range(n_people)]
    for i, person in enumerate(people):
        for j, statement in enumerate(statements):
            make_vote(person, statement, 1 if (i + j) % 2 else -1)
    return conversation, statements, people


def _computed(outcomes, conversation=None):
    return [
        o
        for o in outcomes
        if o.outcome == "computed" and (conversation is None or o.conversation_id == conversation.pk)
    ]


def test_no_pending_work_means_nothing_is_done(clock):
    make_conversation()  # no votes
    conversation, _, _ = _conversation_with_votes()
    worker = Worker(clock=clock, interval=2)
    assert len(_computed(worker.run_once())) == 1
    clock.advance(10)
    assert worker.run_once() == []
    assert AnalysisSnapshot.objects.filter(conversation=conversation).count() == 1


def test_a_quiet_conversation_is_computed_at_once(clock):
    conversation, statements, people = _conversation_with_votes()
    worker = Worker(clock=clock, interval=2)
    [first] = worker.run_once()
    assert (first.outcome, first.tick, first.n_votes, first.n_participants) == ("computed", 1, 32, 8)
    # Long after, one new vote: analysed at the next pass, with no wait.
    clock.advance(60)
    make_vote(people[0], statements[0], 0)
    [again] = worker.run_once()
    assert again.outcome == "computed" and again.tick == 2
    assert latest_snapshot(conversation).vote_event_high_water == conversation.vote_events.latest("id").pk


def test_under_load_a_conversation_is_computed_at_most_once_per_interval(clock):
    conversation, statements, people = _conversation_with_votes()
    worker = Worker(clock=clock, interval=2)
    assert len(_computed(worker.run_once())) == 1
    computed_at = [clock.now]
    # A vote every quarter second for ten seconds; the worker polls after each.
    for step in range(40):
        make_vote(people[step % len(people)], statements[step % len(statements)], (step % 3) - 1)
        clock.advance(0.25)
        if _computed(worker.run_once()):
            computed_at.append(clock.now)
    gaps = [b - a for a, b in zip(computed_at, computed_at[1:], strict=False)]
    assert gaps and min(gaps) >= 2
    assert len(computed_at) == 6, computed_at  # at 0, 2, 4, 6, 8, 10 s: still following the votes
    # A last vote just after that computation waits for the interval, then is analysed.
    make_vote(people[0], statements[0], 1)
    clock.advance(1.75)
    assert worker.run_once() == []
    clock.advance(0.25)
    assert _computed(worker.run_once())
    assert analysis_health(conversation).pending is False


def test_a_moderation_change_triggers_a_recompute(clock):
    conversation, statements, _ = _conversation_with_votes()
    worker = Worker(clock=clock, interval=2)
    worker.run_once()
    clock.advance(5)
    assert worker.run_once() == []
    facilitation.do_moderate(make_user(), conversation, [statements[0]], "reject")
    [outcome] = worker.run_once()
    assert outcome.outcome == "computed" and outcome.tick == 2
    snapshot = latest_snapshot(conversation)
    assert snapshot.result["mod_out"][0] is True
    assert (
        snapshot.moderation_version
        == AnalysisStatus.objects.get(conversation=conversation).moderation_version
    )


def test_only_open_conversations_and_closed_ones_with_pending_changes(clock):
    draft, _, _ = _conversation_with_votes(status=Conversation.Status.DRAFT)
    closed, statements, people = _conversation_with_votes(status=Conversation.Status.CLOSED)
    worker = Worker(clock=clock, interval=2)
    outcomes = worker.run_once()
    assert [o.conversation_id for o in _computed(outcomes)] == [closed.pk]
    clock.advance(5)
    assert worker.run_once() == []  # closed, nothing new: left alone
    make_vote(people[0], statements[0], 0)  # e.g. a vote imported or cast just before closing
    assert [o.conversation_id for o in _computed(worker.run_once())] == [closed.pk]
    assert not AnalysisSnapshot.objects.filter(conversation=draft).exists()


def test_the_most_overdue_conversation_goes_first(clock):
    a, a_statements, a_people = _conversation_with_votes()
    b, b_statements, b_people = _conversation_with_votes()
    worker = Worker(clock=clock, interval=2)
    worker.run_once()
    # b's new votes are seen first (at t+0.5), a's later (t+1): both are due at t+2; b has waited longer.
    clock.advance(0.5)
    make_vote(b_people[0], b_statements[0], 0)
    assert worker.run_once() == []
    clock.advance(0.5)
    make_vote(a_people[0], a_statements[0], 0)
    worker.run_once()
    clock.advance(1)
    assert [o.conversation_id for o in worker.run_once()] == [b.pk, a.pk]


def test_a_failing_conversation_is_logged_backs_off_and_does_not_stop_the_others(clock, monkeypatch):
    bad, bad_statements, bad_people = _conversation_with_votes()
    good, good_statements, good_people = _conversation_with_votes()
    from commonweal.analysis import engine

    real = engine.analyse

    def analyse(matrix, *args, **kwargs):
        if set(matrix.statement_ids) == {s.pk for s in bad_statements}:
            raise ValueError("bad data")
        return real(matrix, *args, **kwargs)

    monkeypatch.setattr(engine, "analyse", analyse)
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logging.getLogger("commonweal.conversations.jobs.compute").addHandler(handler)
    try:
        worker = Worker(clock=clock, interval=2)
        outcomes = {o.conversation_id: o for o in worker.run_once()}
    finally:
        logging.getLogger("commonweal.conversations.jobs.compute").removeHandler(handler)
    assert outcomes[bad.pk].outcome == "failed" and "bad data" in outcomes[bad.pk].error
    assert outcomes[good.pk].outcome == "computed"
    assert any(bad.slug in r.getMessage() and r.levelno == logging.ERROR for r in records)
    assert analysis_health(bad).failing
    # The failing conversation waits 4 s (then 8 s, ...) before it is tried again; the good one goes on.
    attempts = []
    for _ in range(12):  # 12 s of passes, one a second, with a new vote on each conversation each time
        clock.advance(1)
        make_vote(bad_people[0], bad_statements[0], 1)
        make_vote(good_people[0], good_statements[0], 1)
        for o in worker.run_once():
            if o.conversation_id == bad.pk:
                attempts.append((clock.now - 1000, o.outcome))
    assert attempts == [(4.0, "failed"), (12.0, "failed")]
    monkeypatch.setattr(engine, "analyse", real)
    clock.advance(16)
    outcomes = {o.conversation_id: o for o in worker.run_once()}
    assert outcomes[bad.pk].outcome == "computed"
    assert not analysis_health(bad).failing


def test_run_once_without_a_worker_computes_every_pending_conversation():
    a, _, _ = _conversation_with_votes()
    b, _, _ = _conversation_with_votes()
    outcomes = run_once()
    assert sorted(o.conversation_id for o in _computed(outcomes)) == sorted([a.pk, b.pk])


def test_a_worker_that_lost_the_race_drops_its_result(clock, monkeypatch):
    conversation, _, _ = _conversation_with_votes()
    from commonweal.conversations.jobs import compute as analysis_jobs

    def lost(*args, **kwargs):
        raise analysis_jobs.SnapshotConflict("another process stored tick 1 first")

    monkeypatch.setattr(analysis_jobs, "compute_snapshot", lost)
    [outcome] = Worker(clock=clock).run_once()
    assert outcome.outcome == "conflict"
    assert not analysis_health(conversation).failing


def test_a_second_worker_on_the_same_data_folder_is_refused(tmp_path):
    with single_worker_lock(tmp_path) as path:
        assert path.read_text() == str(os.getpid())
        with (
            pytest.raises(WorkerAlreadyRunning, match="already running for the data folder"),
            single_worker_lock(tmp_path),
        ):
            pass
    # Released: the next worker may start.
    with single_worker_lock(tmp_path):
        pass


@pytest.mark.django_db(transaction=True)
def test_the_worker_thread_keeps_results_updating_and_stops():
    conversation, statements, people = _conversation_with_votes()
    thread = worker_module.start_thread(poll=0.05, interval=0)
    try:
        for _ in range(600):
            try:
                if latest_snapshot(conversation) is not None:
                    break
            except (
                OperationalError
            ):  # the tests' in-memory SQLite: the worker's thread is writing the snapshot
                pass
            thread.stop_event.wait(0.05)
        assert latest_snapshot(conversation).tick == 1
    finally:
        thread.stop()
    assert not thread.is_alive()


def test_a_failing_conversation_does_not_spin_even_with_no_interval(clock, monkeypatch):
    conversation, statements, people = _conversation_with_votes()
    from commonweal.analysis import engine

    def broken(*args, **kwargs):
        raise ValueError("bad data")

    monkeypatch.setattr(engine, "analyse", broken)
    worker = Worker(clock=clock, interval=0)
    assert [o.outcome for o in worker.run_once()] == ["failed"]
    clock.advance(1)
    assert worker.run_once() == []  # waits 2 s, although the interval is 0
    clock.advance(1)
    assert [o.outcome for o in worker.run_once()] == ["failed"]
    clock.advance(3)
    assert worker.run_once() == []  # then 4 s
    clock.advance(1)
    assert [o.outcome for o in worker.run_once()] == ["failed"]


def _snapshots(conversation):
    return AnalysisSnapshot.objects.filter(conversation=conversation).count()


def test_a_vote_that_commits_late_is_analysed_once_even_when_the_conversation_goes_quiet(clock):
    conversation, statements, people = _conversation_with_votes()
    newcomer = make_participant(conversation.system, conversation=conversation)
    late, commit = make_late_vote(newcomer, statements[0], 1)
    make_vote(people[0], statements[1], 0)  # a later vote commits first
    worker = Worker(clock=clock, interval=2)
    [first] = worker.run_once()
    assert (first.outcome, first.n_votes, first.n_participants) == ("computed", 32, 8)
    high_water = latest_snapshot(conversation).vote_event_high_water
    assert high_water > late.pk
    commit()  # just after the votes were read; no vote comes after it
    assert worker.run_once() == []
    clock.advance(1.75)
    assert worker.run_once() == []  # checked once the snapshot has settled: the interval after it
    clock.advance(0.25)
    [again] = worker.run_once()
    assert (again.outcome, again.tick, again.n_votes, again.n_participants) == ("computed", 2, 33, 9)
    snapshot = latest_snapshot(conversation)
    assert newcomer.pk in snapshot.result["participant_ids"]
    assert snapshot.vote_event_high_water == high_water
    assert worker.cache.full_reads == 2  # it read all the votes again
    # Once: nothing more to do, however long the conversation stays quiet.
    for _ in range(40):
        clock.advance(0.5)
        assert worker.run_once() == []
    assert _snapshots(conversation) == 2


def test_a_changed_vote_that_commits_late_is_analysed_too(clock):
    conversation, statements, people = _conversation_with_votes()
    late, commit = make_late_vote(people[1], statements[2], 0)  # people[1] changes a vote; it commits late
    make_vote(people[0], statements[1], 0)
    worker = Worker(clock=clock, interval=2)
    assert len(_computed(worker.run_once())) == 1
    commit()
    clock.advance(2)
    [again] = worker.run_once()
    assert (again.outcome, again.tick, again.n_votes) == ("computed", 2, 32)
    from commonweal.conversations.jobs.compute import votes_at_or_below

    snapshot = latest_snapshot(conversation)
    recorded = (
        snapshot.result["meta"]["votes_at_or_below_high_water"],
        snapshot.result["meta"]["event_id_sum_at_or_below_high_water"],
    )
    assert recorded == votes_at_or_below(conversation.pk, snapshot.vote_event_high_water)
    clock.advance(10)
    assert worker.run_once() == []


def test_a_quiet_conversation_without_late_votes_is_checked_once_and_not_analysed_again(clock, monkeypatch):
    conversation, _, _ = _conversation_with_votes()
    counts = []
    real = worker_module.votes_at_or_below

    def counting(*args):
        counts.append(args)
        return real(*args)

    monkeypatch.setattr(worker_module, "votes_at_or_below", counting)
    worker = Worker(clock=clock, interval=2)
    assert len(_computed(worker.run_once())) == 1
    for _ in range(80):  # 20 s of polls
        clock.advance(0.25)
        assert worker.run_once() == []
    assert len(counts) == 1  # one count for the snapshot, not one per poll
    assert _snapshots(conversation) == 1


def test_a_late_vote_is_found_in_a_snapshot_another_worker_stored(clock):
    from commonweal.conversations.jobs.compute import compute_snapshot

    conversation, statements, people = _conversation_with_votes()
    newcomer = make_participant(conversation.system, conversation=conversation)
    _, commit = make_late_vote(newcomer, statements[3], -1)
    make_vote(people[0], statements[1], 0)
    compute_snapshot(conversation)  # by another worker (or before this one started)
    commit()
    worker = Worker(clock=clock, interval=2)
    assert worker.run_once() == []
    clock.advance(2)
    [again] = worker.run_once()
    assert (again.outcome, again.tick, again.n_participants) == ("computed", 2, 9)
    clock.advance(10)
    assert worker.run_once() == []


def test_a_snapshot_stored_long_before_the_worker_started_is_not_checked(clock, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    from commonweal.conversations.jobs.compute import compute_snapshot

    conversation, statements, people = _conversation_with_votes()
    snapshot = compute_snapshot(conversation)
    AnalysisSnapshot.objects.filter(pk=snapshot.pk).update(computed_at=timezone.now() - timedelta(hours=1))
    counts = []
    monkeypatch.setattr(worker_module, "votes_at_or_below", lambda *args: counts.append(args) or (0, 0))
    worker = Worker(clock=clock, interval=2)
    for _ in range(5):
        assert worker.run_once() == []
        clock.advance(2)
    assert counts == []


def test_a_late_vote_in_a_busy_conversation_is_read_with_the_next_votes(clock):
    conversation, statements, people = _conversation_with_votes()
    newcomer = make_participant(conversation.system, conversation=conversation)
    _, commit = make_late_vote(newcomer, statements[0], 1)
    make_vote(people[0], statements[1], 0)
    worker = Worker(clock=clock, interval=2)
    worker.run_once()
    commit()
    make_vote(people[1], statements[1], 0)  # the next vote: the conversation is pending anyway
    clock.advance(2)
    [again] = worker.run_once()
    assert (again.outcome, again.n_participants) == ("computed", 9)
    assert (worker.cache.full_reads, worker.cache.incremental_reads) == (
        1,
        1,
    )  # the window below the high water
    clock.advance(10)
    assert worker.run_once() == []
