"""Shared fixtures of the strategy's tests: a conversation with an analysis that finds common ground."""

from __future__ import annotations

from typing import Any

import pytest

from commonweal.conversations.jobs.compute import compute_snapshot
from commonweal.strategy.commitments.actions import Actor
from commonweal.strategy.models import Commitment
from commonweal.systems.models import Sector
from tests.factories import make_conversation, make_organisation, make_participant, make_statements, make_vote


def analysed_conversation(system: Any, people: int = 24) -> tuple[Any, list[Any]]:
    """A conversation of 7 statements where everyone agrees with the first two (common ground) and two camps
    split on the others; its first analysis computed."""
    conversation = make_conversation(system, title="What matters to us")
    statements = make_statements(conversation, 7)
    sectors = [Sector.ACUTE, Sector.VCSE, Sector.PRIMARY_CARE]
    for i in range(people):
        person = make_participant(
            system, conversation=conversation, about_you_done=True, sector=sectors[i % 3]
        )
        side = 1 if i % 2 else -1
        for j, statement in enumerate(statements):
            value = 1 if j < 2 else (side if j % 2 == 0 else -side)
            if j == 2 + i % 5:
                value = 0
            make_vote(person, statement, value)
    snapshot = compute_snapshot(conversation)
    assert snapshot is not None
    return conversation, statements


@pytest.fixture
def analysed(system: Any) -> tuple[Any, list[Any]]:
    return analysed_conversation(system)


@pytest.fixture
def lead(system: Any) -> Actor:
    return Actor(
        None, Commitment.Route.ORGANISATION_LINK, make_organisation(system, name="Riverside Acute Trust")
    )


@pytest.fixture
def by_facilitator(facilitator: Any) -> Actor:
    return Actor(facilitator, Commitment.Route.FACILITATOR)
