"""The first analysis of a conversation imported from Pol.is replays its votes through Pol.is' updates."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from commonweal.conversations.jobs.compute import compute_snapshot
from commonweal.conversations.models import Conversation, Vote, VoteEvent
from tests.factories import make_conversation, make_participant, make_statements

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2024, 3, 1, 9, 0, tzinfo=dt.UTC)


def _three_camps(conversation: Conversation) -> None:
    """Two camps of 24 arrive one participant every ten seconds; then a third camp of 24 votes, all at one
    instant (one Pol.is update). Every vote is an event at its own time, as a Pol.is import writes them."""
    statements = make_statements(conversation, 12)
    rng = np.random.default_rng(3)
    a = [1] * 6 + [-1] * 6
    camps = [a, [-x for x in a]] * 24 + [[1] * 12] * 24
    events: list[VoteEvent] = []
    for i, profile in enumerate(camps):
        person = make_participant(conversation.system, conversation=conversation)
        when = T0 + dt.timedelta(seconds=10 * i) if i < 48 else T0 + dt.timedelta(hours=1)
        for statement, value in zip(statements, profile, strict=True):
            flip = rng.random() < 0.1
            events.append(
                VoteEvent(
                    conversation=conversation,
                    participant=person,
                    statement=statement,
                    value=-value if flip else value,
                    at=when,
                )
            )
    created = VoteEvent.objects.bulk_create(events)
    Vote.objects.bulk_create(
        Vote(
            conversation=conversation,
            participant_id=e.participant_id,
            statement_id=e.statement_id,
            value=e.value,
            updated_at=e.at,
            event=e,
        )
        for e in created
    )


def test_an_imported_conversation_shows_the_groups_its_history_gives() -> None:
    imported = make_conversation(
        imported_from="Pol.is export https://pol.is/example", status=Conversation.Status.CLOSED
    )
    _three_camps(imported)
    first = compute_snapshot(imported)
    assert first is not None
    assert first.result["meta"]["start"].startswith("replayed: ")
    assert first.result["grouping"] == "polis"
    # The third camp arrived in one update; Pol.is shows a new k only after it has won 4 updates in a row, so
    # the groups shown are still the two of the history.
    assert first.result["k"] == 2
    assert first.state["tick"] > 2  # the replay's updates, then this snapshot's own

    # The same votes in a conversation of our own, analysed Pol.is' way from a cold start: three groups.
    own = make_conversation(grouping=Conversation.Grouping.POLIS)
    _three_camps(own)
    cold = compute_snapshot(own)
    assert cold is not None
    assert cold.result["meta"]["start"] == "cold: first snapshot"
    assert cold.result["k"] == 3

    # Later analyses of the imported conversation carry on from its state.
    second = compute_snapshot(imported)
    assert second is not None and second.result["meta"]["start"] == "warm"


def test_an_imported_conversation_switched_to_commonweal_mode_is_not_replayed() -> None:
    imported = make_conversation(
        imported_from="Pol.is export https://pol.is/example",
        status=Conversation.Status.CLOSED,
        grouping=Conversation.Grouping.COMMONWEAL,
    )
    _three_camps(imported)
    first = compute_snapshot(imported)
    assert first is not None
    assert first.result["meta"]["start"] == "cold: first snapshot"
    assert first.result["grouping"] == "commonweal"
