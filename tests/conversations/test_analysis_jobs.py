"""compute_snapshot and analysis_health: a conversation's analysis stored as snapshots, and its failures."""

from __future__ import annotations

import logging
import random

import numpy as np
import pytest

from commonweal.conversations.facilitate import actions as facilitation
from commonweal.conversations.jobs import compute as analysis_jobs
from commonweal.conversations.jobs.compute import (
    analysis_health,
    build_matrix,
    compute_snapshot,
)
from commonweal.conversations.models import AnalysisSnapshot, AnalysisStatus, Conversation, VoteEvent
from commonweal.conversations.queries import latest_snapshot
from commonweal.systems.models import Sector
from tests.factories import (
    make_conversation,
    make_late_vote,
    make_organisation,
    make_participant,
    make_snapshot,
    make_statements,
    make_user,
    make_vote,
)

pytestmark = pytest.mark.django_db


def _vote_all(conversation, statements, n_people: int, seed: int = 1, **participant_kw):
    """Two camps of participants who vote on every statement (camp A agrees with the first half)."""
    rng = random.Random(seed)
    people = []
    for i in range(n_people):
        person = make_participant(conversation.system, conversation=conversation, **participant_kw)
        camp = i % 2
        for j, statement in enumerate(statements):
            likes = (j < len(statements) // 2) == (camp == 0)
            value = 1 if likes else -1
            if rng.random() < 0.1:
                value = 0
            make_vote(person, statement, value)
        people.append(person)
    return people


@pytest.fixture
def log_records():
    """Records of the analysis_jobs logger (commonweal's loggers do not propagate to the root logger)."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Keep(level=logging.DEBUG)
    log = logging.getLogger("commonweal.conversations.jobs.compute")
    log.addHandler(handler)
    yield records
    log.removeHandler(handler)


def test_build_matrix_reads_current_votes_moderation_and_labels():
    conversation = make_conversation()
    s1, s2, s3 = make_statements(conversation, 3)
    s3.state = "rejected"
    s3.save()
    s2.is_meta = True
    s2.save()
    org = make_organisation(conversation.system)
    alice = make_participant(
        conversation.system, conversation=conversation, sector=Sector.VCSE, organisation=org
    )
    bob = make_participant(conversation.system, conversation=conversation)
    make_vote(alice, s1, 1)
    make_vote(alice, s1, -1)  # changed her mind: the current vote counts
    make_vote(bob, s1, 0)
    make_vote(bob, s3, 1)
    matrix, high_water = build_matrix(conversation)
    assert high_water == VoteEvent.objects.filter(conversation=conversation).latest("id").pk
    assert list(matrix.participant_ids) == [alice.pk, bob.pk]
    assert list(matrix.statement_ids) == [s1.pk, s2.pk, s3.pk]
    dense = matrix.votes.toarray()
    assert dense[0, 0] == -1 and dense[1, 0] == 0 and dense[1, 2] == 1
    assert matrix.n_votes == 3  # bob's pass is a vote; nobody voted on s2
    assert list(matrix.moderation) == [1, 1, -1]
    assert list(matrix.is_meta) == [False, True, False]
    assert list(matrix.mod_out) == [False, True, True]
    assert list(matrix.participant_labels["sector"]) == [Sector.VCSE, None]
    # Common ground is judged across sectors; organisations are not a dimension (see build_matrix).
    assert set(matrix.participant_labels) == {"sector"}


def test_a_conversation_without_votes_gets_no_snapshot(log_records):
    conversation = make_conversation()
    make_statements(conversation, 3)
    assert compute_snapshot(conversation) is None
    assert not AnalysisSnapshot.objects.filter(conversation=conversation).exists()
    assert any("no votes yet" in r.getMessage() for r in log_records)
    assert analysis_health(conversation).tick is None
    assert analysis_health(conversation).pending is False


def test_snapshots_grow_their_tick_warm_start_and_record_the_high_water():
    conversation = make_conversation()
    statements = make_statements(conversation, 8)
    _vote_all(conversation, statements, 24)
    first = compute_snapshot(conversation)
    assert first is not None and first.tick == 1
    assert first.result["meta"]["start"] == "cold: first snapshot"
    assert first.vote_event_high_water == VoteEvent.objects.filter(conversation=conversation).latest("id").pk
    assert first.result["meta"]["n_votes"] == 24 * 8
    assert first.result["meta"]["n_participants_voting"] == 24
    assert first.state is not None and first.state["tick"] == 1
    # Two opinion camps: the engine finds two groups.
    assert first.result["k"] == 2

    late = _vote_all(conversation, statements[:3], 4, seed=2)
    second = compute_snapshot(conversation)
    assert second is not None and second.tick == 2
    assert second.result["meta"]["start"] == "warm"
    assert second.state["tick"] == 2  # the engine's own tick carried on from the first state
    assert second.vote_event_high_water > first.vote_event_high_water
    assert set(second.result["participant_ids"]) >= {p.pk for p in late}
    assert latest_snapshot(conversation).pk == second.pk
    health = analysis_health(conversation)
    assert (health.tick, health.pending, health.failing) == (2, False, False)


def test_a_rejected_statement_is_mod_out_and_priorities_are_written():
    conversation = make_conversation()
    statements = make_statements(conversation, 6)
    _vote_all(conversation, statements, 20)
    facilitator = make_user()
    facilitation.do_moderate(facilitator, conversation, [statements[0]], "reject")
    snapshot = compute_snapshot(conversation)
    ids = snapshot.result["statement_ids"]
    assert ids == [s.pk for s in statements]
    assert snapshot.result["mod_out"][0] is True
    assert not any(snapshot.result["mod_out"][1:])
    assert set(snapshot.priorities) == {str(s.pk) for s in statements}
    assert all(isinstance(v, float) and np.isfinite(v) for v in snapshot.priorities.values())
    # A rejected statement is never chosen for a participant, whatever its priority: the snapshot still has one.
    assert (
        snapshot.moderation_version
        == AnalysisStatus.objects.get(conversation=conversation).moderation_version
    )
    assert snapshot.moderation_version >= 1


def test_results_are_reproducible_for_the_same_conversation_and_tick():
    conversation = make_conversation()
    statements = make_statements(conversation, 6)
    _vote_all(conversation, statements, 16)
    first = compute_snapshot(conversation)
    first_result = dict(first.result)
    first.delete()
    again = compute_snapshot(conversation)
    assert again.tick == 1
    for key in ("group_labels", "priorities", "group_stability", "common_ground", "bridging"):
        assert again.result[key] == first_result[key], key


def test_moderation_actions_bump_the_moderation_version_and_make_the_analysis_pending():
    conversation = make_conversation()
    statements = make_statements(conversation, 4)
    _vote_all(conversation, statements, 10)
    compute_snapshot(conversation)
    assert analysis_health(conversation).pending is False
    facilitator = make_user()

    def version() -> int:
        return AnalysisStatus.objects.get(conversation=conversation).moderation_version

    before = version()
    facilitation.do_moderate(facilitator, conversation, [statements[1]], "reject")
    assert version() == before + 1
    assert analysis_health(conversation).pending is True
    compute_snapshot(conversation)
    assert analysis_health(conversation).pending is False
    facilitation.do_moderate(facilitator, conversation, [statements[1]], "accept")  # un-reject
    facilitation.do_set_meta(facilitator, statements[2], True)
    seeds = facilitation.parse_seed_text(conversation, "A brand new seed statement")
    facilitation.do_add_seed_statements(facilitator, conversation, seeds)
    assert version() == before + 4
    assert analysis_health(conversation).pending is True


def test_unreadable_state_falls_back_to_a_cold_start(log_records):
    conversation = make_conversation()
    statements = make_statements(conversation, 5)
    _vote_all(conversation, statements, 12)
    make_snapshot(conversation, tick=4, state={"engine": "from an older version"})
    snapshot = compute_snapshot(conversation)
    assert snapshot.tick == 5
    assert snapshot.result["meta"]["start"].startswith("cold: state of tick 4 unreadable")
    assert any(
        r.levelno == logging.WARNING
        and conversation.slug in r.getMessage()
        and "starting cold" in r.getMessage()
        for r in log_records
    )


def test_a_failed_analysis_is_recorded_logged_keeps_the_last_snapshot_and_clears_on_success(
    monkeypatch, log_records
):
    conversation = make_conversation()
    statements = make_statements(conversation, 5)
    people = _vote_all(conversation, statements, 12)
    good = compute_snapshot(conversation)
    make_vote(people[0], statements[0], -1)

    from commonweal.analysis import engine

    def broken(*args, **kwargs):
        raise RuntimeError("the engine fell over")

    monkeypatch.setattr(engine, "analyse", broken)
    for attempt in (1, 2):
        with pytest.raises(RuntimeError, match="fell over"):
            compute_snapshot(conversation)
        status = AnalysisStatus.objects.get(conversation=conversation)
        assert status.consecutive_failures == attempt
        assert "RuntimeError: the engine fell over" in status.last_error
        assert status.last_error_at is not None
    assert latest_snapshot(conversation).pk == good.pk
    failure_logs = [r for r in log_records if r.levelno == logging.ERROR]
    assert failure_logs and conversation.slug in failure_logs[-1].getMessage()
    assert "Traceback" in failure_logs[-1].getMessage()
    health = analysis_health(conversation)
    assert health.failing and health.pending and health.stale
    assert health.tick == good.tick and "fell over" in health.error
    assert health.consecutive_failures == 2

    monkeypatch.undo()
    recovered = compute_snapshot(conversation)
    assert recovered.tick == good.tick + 1
    health = analysis_health(conversation)
    assert not health.failing and health.error == "" and health.error_at is None and not health.pending
    assert AnalysisStatus.objects.get(conversation=conversation).consecutive_failures == 0


def test_a_tick_taken_by_another_process_is_a_conflict_not_a_failure(monkeypatch):
    conversation = make_conversation()
    statements = make_statements(conversation, 4)
    _vote_all(conversation, statements, 8)
    compute_snapshot(conversation)
    # Another worker stores tick 2 between this one's read of the latest snapshot and its write.
    real_previous = analysis_jobs._previous_snapshot

    def latest_then_race(conv):
        found = real_previous(conv)
        make_snapshot(conv, tick=found.tick + 1)
        return found

    monkeypatch.setattr(analysis_jobs, "_previous_snapshot", latest_then_race)
    with pytest.raises(analysis_jobs.SnapshotConflict):
        compute_snapshot(conversation)
    assert AnalysisStatus.objects.get(conversation=conversation).consecutive_failures == 0
    assert AnalysisSnapshot.objects.filter(conversation=conversation).count() == 2


def test_the_demo_comes_with_its_first_snapshot(loaded_demo):
    conversation = Conversation.objects.get()
    snapshot = latest_snapshot(conversation)
    assert snapshot is not None and snapshot.tick == 1
    assert (
        snapshot.vote_event_high_water == VoteEvent.objects.filter(conversation=conversation).latest("id").pk
    )
    assert "Analysed the demo conversation" in loaded_demo.output
    assert analysis_health(conversation).pending is False


def _cells(matrix):
    coo = matrix.votes.tocoo()
    return sorted(
        zip(
            matrix.participant_ids[coo.row].tolist(),
            matrix.statement_ids[coo.col].tolist(),
            coo.data.tolist(),
            strict=True,
        )
    )


def test_the_vote_cache_reads_only_new_votes_and_gives_the_same_matrix():
    conversation = make_conversation()
    statements = make_statements(conversation, 5)
    people = _vote_all(conversation, statements, 10)
    now = [0.0]
    cache = analysis_jobs.VoteCache(full_every=60, clock=lambda: now[0])
    cached, _ = build_matrix(conversation, cache=cache)
    assert _cells(cached) == _cells(build_matrix(conversation)[0])
    assert (cache.full_reads, cache.incremental_reads) == (1, 0)

    # New votes, a changed vote, and a changed-then-changed-back vote: the cached matrix equals a full read.
    newcomer = make_participant(conversation.system, conversation=conversation)
    make_vote(newcomer, statements[0], 1)
    make_vote(people[0], statements[1], 0)
    make_vote(people[1], statements[2], -1)
    make_vote(people[1], statements[2], 1)
    now[0] = 10
    cached, high_water = build_matrix(conversation, cache=cache)
    full, _ = build_matrix(conversation)
    assert _cells(cached) == _cells(full)
    assert list(cached.participant_ids) == list(full.participant_ids)
    assert high_water == VoteEvent.objects.filter(conversation=conversation).latest("id").pk
    assert (cache.full_reads, cache.incremental_reads) == (1, 1)

    # A participant removed (their votes go with them): only a full read sees it, which comes after full_every.
    people[2].delete()
    now[0] = 70
    cached, _ = build_matrix(conversation, cache=cache)
    assert _cells(cached) == _cells(build_matrix(conversation)[0])
    assert people[2].pk not in set(cached.participant_ids.tolist())
    assert cache.full_reads == 2


def test_the_worker_analyses_with_its_vote_cache_and_stores_when_the_snapshot_was_written():
    from commonweal.conversations.jobs.worker import Worker

    conversation = make_conversation()
    statements = make_statements(conversation, 5)
    people = _vote_all(conversation, statements, 10)
    worker = Worker(interval=0)
    worker.run_once()
    make_vote(people[0], statements[0], 0)
    worker.run_once()
    assert (worker.cache.full_reads, worker.cache.incremental_reads) == (1, 1)
    first, second = AnalysisSnapshot.objects.filter(conversation=conversation).order_by("tick")
    assert second.result["meta"]["n_votes"] == 50
    assert second.computed_at >= first.computed_at
    assert second.computed_at.isoformat() >= second.result["meta"]["computed_at"]


def test_a_snapshot_records_how_many_votes_at_or_below_its_high_water_it_included(monkeypatch):
    from commonweal.conversations.models import Vote

    conversation = make_conversation()
    statements = make_statements(conversation, 4)
    _vote_all(conversation, statements, 6)
    snapshot = compute_snapshot(conversation)
    votes = Vote.objects.filter(conversation=conversation)
    meta = snapshot.result["meta"]
    assert meta["votes_at_or_below_high_water"] == votes.count() == 24
    assert meta["event_id_sum_at_or_below_high_water"] == sum(v.event_id for v in votes)
    assert analysis_jobs.votes_at_or_below(conversation.pk, snapshot.vote_event_high_water) == (
        24,
        meta["event_id_sum_at_or_below_high_water"],
    )

    # A vote that commits between the read of the high water and the read of the votes is in the snapshot, but
    # above its high water: not counted.
    high_water = analysis_jobs.latest_vote_event_id(conversation)
    newcomer = make_participant(conversation.system, conversation=conversation)
    make_vote(newcomer, statements[0], 1)
    monkeypatch.setattr(analysis_jobs, "latest_vote_event_id", lambda conv: high_water)
    later = compute_snapshot(conversation)
    assert later.vote_event_high_water == high_water
    assert later.result["meta"]["n_votes"] == 25
    assert later.result["meta"]["votes_at_or_below_high_water"] == 24


def test_the_vote_cache_reads_again_below_its_high_water_so_a_late_vote_is_not_missed():
    conversation = make_conversation()
    statements = make_statements(conversation, 4)
    people = _vote_all(conversation, statements, 6)
    newcomer = make_participant(conversation.system, conversation=conversation)
    now = [0.0]
    cache = analysis_jobs.VoteCache(full_every=60, clock=lambda: now[0])
    narrow = analysis_jobs.VoteCache(full_every=60, clock=lambda: now[0], late_window=0)  # the old read

    # The newcomer's vote takes its id, a later vote (a changed one) commits first, and the votes are read.
    late_event, commit = make_late_vote(newcomer, statements[0], 1)
    changed_event, commit_changed = make_late_vote(people[0], statements[1], 0)
    make_vote(people[1], statements[1], 1)
    for c in (cache, narrow):
        _, high_water = build_matrix(conversation, cache=c)
        assert high_water > changed_event.pk > late_event.pk
    assert newcomer.pk not in build_matrix(conversation)[0].participant_ids.tolist()

    # Then the late votes commit, and another vote comes: the next read takes the late votes too.
    commit()
    commit_changed()
    make_vote(people[2], statements[2], 1)
    now[0] = 5
    cached, _ = build_matrix(conversation, cache=cache)
    full, _ = build_matrix(conversation)
    assert _cells(cached) == _cells(full)
    assert newcomer.pk in cached.participant_ids.tolist()
    assert (cache.full_reads, cache.incremental_reads) == (1, 1)
    # Without the window, reading only above the cached high water, both would stay out until the full read.
    missed, _ = build_matrix(conversation, cache=narrow)
    assert _cells(missed) != _cells(full)
    assert newcomer.pk not in missed.participant_ids.tolist()
