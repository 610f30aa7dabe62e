"""Erasing participants' data (their own wish, a facilitator on request, retention) and the daily retention run:
what goes, what stays, the audit entry, the next snapshot and the exports without the erased data."""

from __future__ import annotations

import io
import threading
import zipfile
from datetime import timedelta

import pytest
from django.utils import timezone

from commonweal.conversations.jobs.compute import compute_snapshot
from commonweal.conversations.jobs.worker import Worker
from commonweal.conversations.models import (
    Conversation,
    Erasure,
    Participant,
    Participation,
    RetentionRun,
    Statement,
    Vote,
    VoteEvent,
)
from commonweal.conversations.queries import latest_snapshot
from commonweal.conversations.results.build import build_results
from commonweal.conversations.results.snapshot import read_result
from commonweal.conversations.rights.actions import (
    check_erase_participant,
    claim_retention_run,
    do_erase_participant,
    do_retention,
)
from commonweal.conversations.rights.queries import (
    erasure_note,
    erasure_plan,
    format_reference,
    participant_data,
)
from commonweal.conversations.rights.schedule import RetentionSchedule
from commonweal.core.errors import InvalidInput
from commonweal.core.models import AuditEntry
from commonweal.reports.exports.build import analysis_document, write_polis_zip
from commonweal.systems.models import Sector
from tests.factories import (
    make_community,
    make_conversation,
    make_facilitator,
    make_organisation,
    make_participant,
    make_place,
    make_statement,
    make_statements,
    make_system,
    make_vote,
)

pytestmark = pytest.mark.django_db


class FakeClock:
    """Monotonic seconds for the worker."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _people_voting(conversation, statements, n: int) -> list[Participant]:
    people = [make_participant(conversation.system, conversation=conversation) for _ in range(n)]
    for i, person in enumerate(people):
        for j, statement in enumerate(statements):
            make_vote(person, statement, 1 if (i + j) % 3 else -1)
    return people


@pytest.fixture
def conversation() -> Conversation:
    return make_conversation()


def test_erasing_a_participant_removes_their_votes_events_answers_and_themselves(conversation):
    system = conversation.system
    statements = make_statements(conversation, 4)
    others = _people_voting(conversation, statements, 3)
    community = make_community(system)
    person = make_participant(
        system,
        conversation=conversation,
        sector=Sector.VCSE,
        organisation=make_organisation(system),
        place=make_place(system),
    )
    person.communities.add(community)
    make_vote(person, statements[0], 1)
    make_vote(person, statements[0], -1)  # changed: two events, one current vote
    make_vote(person, statements[1], 0)
    second = make_conversation(system)
    Participation.objects.create(participant=person, conversation=second)
    make_vote(person, make_statement(second), 1)
    reference = format_reference(person.handle)
    votes_before = Vote.objects.count()

    summary = do_erase_participant(person)

    assert not Participant.objects.filter(pk=person.pk).exists()
    assert not Vote.objects.filter(participant_id=person.pk).exists()
    assert not VoteEvent.objects.filter(participant_id=person.pk).exists()
    assert not Participation.objects.filter(participant_id=person.pk).exists()
    assert community.participants.count() == 0
    assert Vote.objects.count() == votes_before - 3
    for other in others:  # nobody else lost a vote
        assert Vote.objects.filter(participant=other).count() == 4
    assert (summary.votes, summary.vote_events, summary.answers_about_you) == (3, 4, True)
    assert sorted(summary.conversations) == sorted([conversation.slug, second.slug])
    entry = AuditEntry.objects.get(action="participant.delete_own_data")
    assert entry.actor is None and entry.system == system
    assert entry.after["reference"] == reference and entry.after["votes"] == 3
    assert entry.after["vote_events"] == 4 and entry.after["reason"] == "participant"
    erasures = {e.conversation_id: e for e in Erasure.objects.all()}
    assert set(erasures) == {conversation.pk, second.pk}
    assert (erasures[conversation.pk].votes, erasures[conversation.pk].vote_events) == (2, 3)
    assert erasures[conversation.pk].reason == Erasure.Reason.PARTICIPANT


def test_statements_others_voted_on_stay_without_their_author_and_the_rest_go(conversation):
    conversation.moderation = Conversation.Moderation.PERMISSIVE
    conversation.save()
    person, other = (make_participant(conversation.system, conversation=conversation) for _ in range(2))
    voted_on = make_statement(conversation, "Others voted on this one", author=person)
    alone = make_statement(conversation, "Only its author voted on this", author=person)
    pending = make_statement(conversation, "Nobody has seen this yet", author=person, state="pending")
    someone_elses = make_statement(conversation, "Written by someone else", author=other)
    for statement in (voted_on, alone, pending):
        make_vote(person, statement, 1)
    make_vote(other, voted_on, -1)
    make_vote(person, someone_elses, -1)

    plan = erasure_plan(person)
    [here] = plan.conversations
    assert [s.pk for s in here.statements_kept] == [voted_on.pk]
    assert sorted(s.pk for s in here.statements_deleted) == sorted([alone.pk, pending.pk])

    summary = do_erase_participant(person)

    voted_on.refresh_from_db()
    assert voted_on.author is None and voted_on.text == "Others voted on this one"
    assert not Statement.objects.filter(pk__in=[alone.pk, pending.pk]).exists()
    assert Vote.objects.get(statement=voted_on).participant == other  # the other's vote stays
    assert Statement.objects.get(pk=someone_elses.pk).author == other
    assert (summary.statements_deleted, summary.statements_unattributed) == (2, 1)


def test_a_facilitator_erases_a_participant_by_reference_audited_as_a_request(conversation):
    facilitator = make_facilitator(conversation.system)
    statements = make_statements(conversation, 2)
    [person] = _people_voting(conversation, statements, 1)
    typed = " " + format_reference(person.handle).upper().replace("-", " ") + " "

    summary = check_erase_participant(facilitator, conversation, typed)

    assert not Participant.objects.filter(pk=person.pk).exists()
    entry = AuditEntry.objects.get(action="participant.erase")
    assert entry.actor == facilitator and entry.after["reference"] == summary.reference
    assert Erasure.objects.get().reason == Erasure.Reason.REQUEST


def test_a_reference_is_found_only_in_its_own_conversation(conversation):
    facilitator = make_facilitator(conversation.system)
    elsewhere = make_participant(make_system(), conversation=make_conversation())
    stranger = make_participant(conversation.system, conversation=make_conversation(conversation.system))
    for bad in ("not a reference", format_reference(elsewhere.handle), format_reference(stranger.handle)):
        with pytest.raises(InvalidInput) as caught:
            check_erase_participant(facilitator, conversation, bad)
        assert caught.value.detail["fields"][0]["field"] == "reference"
    assert Participant.objects.filter(pk__in=[elsewhere.pk, stranger.pk]).count() == 2
    assert not AuditEntry.objects.filter(action="participant.erase").exists()


def test_the_next_snapshot_leaves_the_erased_votes_out_and_the_note_says_so(conversation):
    statements = make_statements(conversation, 5)
    people = _people_voting(conversation, statements, 9)
    clock = FakeClock()
    worker = Worker(clock=clock, interval=2)
    [first] = worker.run_once()  # the worker's vote cache now holds every vote
    before = latest_snapshot(conversation)
    assert people[0].pk in read_result(before).participant_ids
    assert erasure_note(conversation, before) is None

    do_erase_participant(people[0])

    note = erasure_note(conversation, before)
    assert note.pending and not note.final and "Updated after an erasure" in note.text
    assert build_results(conversation).erasure == note
    clock.now += 10
    [second] = worker.run_once()  # pending again: the erasure bumped the analysis version
    assert (second.outcome, second.n_votes, second.n_participants) == ("computed", 8 * 5, 8)
    after = latest_snapshot(conversation)
    assert people[0].pk not in read_result(after).participant_ids
    note = erasure_note(conversation, after)
    assert not note.pending and note.text.startswith("Includes an erasure on ")
    clock.now += 10
    assert worker.run_once() == []  # nothing more to do


def test_erasing_the_last_votes_leaves_the_results_marked_and_the_worker_idle(conversation):
    statements = make_statements(conversation, 3)
    [person] = _people_voting(conversation, statements, 1)
    snapshot = compute_snapshot(conversation)
    do_erase_participant(person)
    erasure = Erasure.objects.get()
    assert erasure.analysis_version is None
    note = erasure_note(conversation, snapshot)
    assert note.pending and note.final and "will not be computed again" in note.text
    assert Worker(clock=FakeClock()).run_once() == []


def test_exports_leave_the_erased_participant_out(conversation):
    statements = make_statements(conversation, 4)
    people = _people_voting(conversation, statements, 6)
    compute_snapshot(conversation)
    do_erase_participant(people[0])

    out = io.BytesIO()
    write_polis_zip(conversation, out)
    with zipfile.ZipFile(out) as archive:
        votes_csv = archive.read("votes.csv").decode().strip().splitlines()
        participants_csv = archive.read("participants-votes.csv").decode().strip().splitlines()
    assert len(votes_csv) - 1 == 5 * 4  # the header, then the five others' votes
    assert len(participants_csv) - 1 == 5
    document = analysis_document(conversation)
    assert document["erasure"]["state"] == "pending"  # the snapshot predates the erasure
    compute_snapshot(conversation)
    document = analysis_document(conversation)
    assert document["erasure"]["state"] == "included"
    assert document["erasure"]["text"].startswith("Includes an erasure on ")


def _closed(system, days_ago: float, **kw) -> Conversation:
    return make_conversation(
        system,
        status=Conversation.Status.CLOSED,
        closed_at=timezone.now() - timedelta(days=days_ago),
        **kw,
    )


def test_retention_erases_conversations_closed_longer_ago_than_the_system_keeps_data():
    system = make_system(retention_days=30)
    expired, recent, still_open = _closed(system, 31), _closed(system, 10), make_conversation(system)
    only_there = make_participant(system, conversation=expired, sector=Sector.ACUTE)
    both = make_participant(system, conversation=expired, sector=Sector.VCSE)
    Participation.objects.create(participant=both, conversation=still_open)
    recent_person = make_participant(system, conversation=recent)
    written = make_statement(expired, "Kept for the record", author=only_there)
    make_vote(only_there, written, 1)
    make_vote(both, written, -1)
    make_vote(both, make_statement(still_open), 1)
    make_vote(recent_person, make_statement(recent), 1)

    dry = do_retention(dry_run=True)
    assert [d.conversation for d in dry.due] == [expired] and dry.due[0].participants == 2
    assert Vote.objects.count() == 4 and not AuditEntry.objects.filter(action="retention.erase").exists()
    assert not RetentionRun.objects.exists()

    report = do_retention()

    assert [d.conversation for d in report.due] == [expired]
    assert not Vote.objects.filter(conversation=expired).exists()
    assert not Participation.objects.filter(conversation=expired).exists()
    assert not Participant.objects.filter(pk=only_there.pk).exists()  # nothing left anywhere: gone
    both.refresh_from_db()
    assert both.sector == Sector.VCSE  # still takes part elsewhere: keeps the answers that conversation uses
    assert Vote.objects.filter(conversation=still_open).count() == 1
    assert Vote.objects.filter(conversation=recent).count() == 1
    written.refresh_from_db()
    assert written.author is None  # others voted on it: kept, without its author
    entry = AuditEntry.objects.get(action="retention.erase")
    assert entry.actor is None and entry.subject_id == str(expired.pk)
    assert entry.after["participants"] == 2 and entry.after["participants_removed"] == 1
    assert Erasure.objects.get().reason == Erasure.Reason.RETENTION
    run = RetentionRun.objects.get()
    assert run.last_finished_at is not None and run.last_summary["conversations"] == [expired.slug]
    assert do_retention().due == []  # done once


def test_a_reopened_conversation_is_not_due():
    system = make_system(retention_days=7)
    conversation = _closed(system, 100)
    conversation.status = Conversation.Status.OPEN
    conversation.save()
    make_participant(system, conversation=conversation)
    assert do_retention(dry_run=True).due == []


class WallClock:
    def __init__(self) -> None:
        self.at = timezone.now()

    def __call__(self):
        return self.at


def test_the_retention_schedule_runs_once_a_day_with_an_injected_clock():
    system = make_system(retention_days=30)
    conversation = _closed(system, 29.5)  # due in half a day
    person = make_participant(system, conversation=conversation)
    make_vote(person, make_statement(conversation), 1)
    clock = WallClock()
    schedule = RetentionSchedule(now=clock)

    first = schedule.run_if_due()
    assert first is not None and first.due == []  # ran: nothing due yet
    assert schedule.run_if_due() is None  # within ten minutes: the database is not even asked
    clock.at += timedelta(hours=13)  # now due, but the day since the last run has not passed
    assert schedule.run_if_due() is None
    assert Vote.objects.filter(conversation=conversation).exists()
    clock.at += timedelta(hours=11, minutes=1)
    other_worker = RetentionSchedule(now=clock)
    report = schedule.run_if_due()
    assert [d.conversation for d in report.due] == [conversation]
    assert not Vote.objects.filter(conversation=conversation).exists()
    assert other_worker.run_if_due() is None  # the run is claimed once a day, whoever asks


def test_a_claim_is_taken_once():
    now = timezone.now()
    assert claim_retention_run(now)
    assert not claim_retention_run(now + timedelta(hours=23))
    assert claim_retention_run(now + timedelta(days=1))


def test_the_worker_runs_retention_before_each_pass():
    stop = threading.Event()

    class Spy(RetentionSchedule):
        calls = 0

        def run_if_due(self):
            Spy.calls += 1
            stop.set()
            return None

    Worker(clock=FakeClock(), retention=Spy()).run_forever(stop, poll=0)
    assert Spy.calls == 1


def test_what_is_held_about_a_participant(conversation):
    statements = make_statements(conversation, 2)
    person = make_participant(conversation.system, conversation=conversation, sector=Sector.ICB)
    make_vote(person, statements[0], 1)
    make_vote(person, statements[0], 0)
    data = participant_data(person)
    assert data.sector == "Integrated care board (ICB)" and data.answered_about_you
    [here] = data.conversations
    assert [(v.statement_id, v.value) for v in here.votes] == [(statements[0].pk, 0)]
    assert [v.value for v in here.history] == [1, 0]
