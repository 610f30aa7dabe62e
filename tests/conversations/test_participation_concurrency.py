"""Concurrent votes: the current-vote upsert is race-safe and no acknowledged vote is lost."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections

from commonweal.conversations.models import Vote, VoteEvent
from commonweal.conversations.participate import actions as p
from tests.factories import make_conversation, make_participant, make_statement

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor == "sqlite",
        reason="the SQLite test database lives in memory with a shared cache, where concurrent writers fail "
        "at once instead of waiting; a file database (what commonweal runs on) serialises writers",
    ),
]


def run_together(jobs: list[Callable[[], object]]) -> tuple[list[object], list[BaseException]]:
    """Run the jobs in threads released at the same moment; each thread has its own database connection."""
    barrier = threading.Barrier(len(jobs))
    results: list[object] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker(job: Callable[[], object]) -> None:
        try:
            barrier.wait()
            outcome = job()
            with lock:
                results.append(outcome)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            with lock:
                errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results, errors


def _participant(conversation):
    participant = make_participant(conversation.system, conversation=conversation)
    return p.find_participant(conversation, participant_id=participant.pk)


def test_one_participant_voting_on_one_statement_from_many_requests_at_once(settings):
    settings.RATE_VOTES = "1000/60"
    conversation = make_conversation()
    statement = make_statement(conversation)
    participant = _participant(conversation)
    values = [1, -1, 0, 1, -1, 0, 1, -1]

    def vote(value: int) -> Callable[[], object]:
        return lambda: p.do_vote(participant, statement, value)

    results, errors = run_together([vote(v) for v in values])
    assert errors == []
    assert len(results) == len(values)
    # Every acknowledged vote is kept as an event, and the current vote is the latest event.
    events = list(VoteEvent.objects.filter(participant=participant, statement=statement).order_by("id"))
    assert len(events) == len(values)
    current = Vote.objects.get(participant=participant, statement=statement)
    assert current.event_id == events[-1].pk and current.value == events[-1].value


def test_many_participants_voting_on_the_same_statements_at_once(settings):
    settings.RATE_VOTES = "1000/60"
    conversation = make_conversation()
    statements = [make_statement(conversation) for _ in range(3)]
    participants = [_participant(conversation) for _ in range(8)]

    def votes_of(participant) -> Callable[[], object]:
        return lambda: [p.do_vote(participant, s, 1) for s in statements]

    _, errors = run_together([votes_of(x) for x in participants])
    assert errors == []
    assert VoteEvent.objects.filter(conversation=conversation).count() == 24
    assert Vote.objects.filter(conversation=conversation).count() == 24
