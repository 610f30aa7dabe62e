"""The bulk loader of vote events (the Pol.is import's and the demo's): each participant's current vote on each
statement is their last event in the order given, and every event is kept."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from commonweal.conversations.models import Vote, VoteEvent
from commonweal.conversations.participate.actions import _last_of_each_pair, bulk_load_votes
from tests.factories import make_conversation, make_participant, make_statements


@pytest.mark.parametrize("seed", range(5))
def test_the_last_event_of_each_pair_is_found_as_a_dict_of_pairs_finds_it(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 3_000))
    participants = rng.integers(0, 1 + int(rng.integers(1, 200)), size=n)
    statements = rng.integers(0, 1 + int(rng.integers(1, 20)), size=n)
    last: dict[tuple[int, int], int] = {}
    for i, pair in enumerate(zip(participants.tolist(), statements.tolist(), strict=True)):
        last[pair] = i
    assert _last_of_each_pair(participants, statements).tolist() == sorted(last.values())


@pytest.mark.django_db
def test_every_event_is_kept_and_the_current_vote_is_the_last(monkeypatch):
    monkeypatch.setattr("commonweal.conversations.participate.actions.BULK_BATCH", 3)
    conversation = make_conversation()
    people = [make_participant(conversation.system, conversation=conversation).pk for _ in range(3)]
    statements = [s.pk for s in make_statements(conversation, 2)]
    events = [(0, 0, 1), (1, 0, -1), (0, 0, -1), (2, 1, 0), (0, 1, 1), (1, 0, 0), (0, 0, 1)]
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    seen: list[tuple[str, int, int]] = []
    loaded = bulk_load_votes(
        conversation,
        np.array([people[p] for p, _, _ in events]),  # type: ignore[arg-type]
        np.array([statements[s] for _, s, _ in events]),  # type: ignore[arg-type]
        np.array([v for _, _, v in events]),  # type: ignore[arg-type]
        [start + dt.timedelta(minutes=i) for i in range(len(events))],
        progress=lambda *a: seen.append(a),
    )
    assert (loaded.vote_events, loaded.votes) == (7, 4)
    stored = list(VoteEvent.objects.filter(conversation=conversation).order_by("id"))
    assert [(e.participant_id, e.statement_id, e.value) for e in stored] == [
        (people[p], statements[s], v) for p, s, v in events
    ]
    current = {(v.participant_id, v.statement_id): (v.value, v.event_id) for v in Vote.objects.all()}
    assert current == {
        (people[0], statements[0]): (1, stored[6].pk),
        (people[1], statements[0]): (0, stored[5].pk),
        (people[2], statements[1]): (0, stored[3].pk),
        (people[0], statements[1]): (1, stored[4].pk),
    }
    assert seen[0] == ("votes", 0, 7) and ("votes", 7, 7) in seen and seen[-1] == ("latest votes", 4, 4)
