"""Where you stand: a participant's opinion group, what it believes most, and the common ground, after 7 votes."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from commonweal.analysis.engine import AnalysisOptions, analyse
from commonweal.analysis.matrix import VoteMatrix
from commonweal.conversations.models import Conversation, Participant, Statement, VoteEvent
from commonweal.conversations.participate.views import SESSION_KEY
from commonweal.conversations.results.standing import where_you_stand
from tests.factories import make_conversation, make_participant, make_snapshot, make_statement, make_vote

pytestmark = pytest.mark.django_db

COMMON = [
    "Care homes and hospitals should share discharge plans",
    "Volunteers in our community centres are already making a difference",
    "Staff need time to train together across organisations",
]
SIDE_A = [f"Fund more services in the town centre, part {i}" for i in range(1, 5)]
SIDE_B = [f"Move money to rural outreach teams, part {i}" for i in range(1, 5)]


def plant(
    seed: int = 0, people: int = 30
) -> tuple[Conversation, dict[str, list[Statement]], list[Participant], list[Participant]]:
    """A conversation with common ground (3 statements everyone agrees on) and two opinion groups that split on
    the other 8: group "a" agrees with SIDE_A and disagrees with SIDE_B, group "b" the other way round."""
    import random

    rng = random.Random(seed)
    conversation = make_conversation(participants_can_add=True)
    statements = {
        "common": [make_statement(conversation, t) for t in COMMON],
        "a": [make_statement(conversation, t) for t in SIDE_A],
        "b": [make_statement(conversation, t) for t in SIDE_B],
    }
    groups: tuple[list[Participant], list[Participant]] = ([], [])
    for i in range(people):
        side = i % 2
        p = make_participant(conversation.system, conversation=conversation, about_you_done=True)
        groups[side].append(p)
        for s in statements["common"]:
            make_vote(p, s, 1 if rng.random() < 0.9 else 0)
        for s in statements["a"]:
            make_vote(p, s, 1 if side == 0 else -1)
        for s in statements["b"]:
            make_vote(p, s, -1 if side == 0 else 1)
    return conversation, statements, groups[0], groups[1]


def snapshot(conversation: Conversation) -> Any:
    """Analyse the conversation's votes as the worker does, and store the snapshot."""
    events = list(
        VoteEvent.objects.filter(conversation=conversation)
        .order_by("id")
        .values_list("participant_id", "statement_id", "value", "id")
    )
    matrix = VoteMatrix.from_events([e[0] for e in events], [e[1] for e in events], [e[2] for e in events])
    result = analyse(matrix, random_state=0)
    return make_snapshot(
        conversation,
        result=result.to_dict(),
        vote_event_high_water=max((e[3] for e in events), default=0),
    )


def client_for(participant: Participant) -> Client:
    client = Client()
    session = client.session
    session[SESSION_KEY] = {str(participant.system_id): participant.pk}
    session.save()
    return client


def page(conversation: Conversation) -> str:
    return reverse("conversations:participant-where-you-stand", args=[conversation.slug])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_participant_in_a_planted_group_sees_their_group_its_beliefs_and_the_common_ground(seed):
    conversation, statements, side_a, side_b = plant(seed)
    snapshot(conversation)
    mine = where_you_stand(conversation, side_a[0])
    theirs = where_you_stand(conversation, side_b[0])
    assert mine is not None and theirs is not None
    assert mine.state == "placed" and theirs.state == "placed"
    assert mine.group_label != theirs.group_label
    assert mine.group_label in {"Group A", "Group B"}
    # Everyone in a planted group is placed with the others of that group.
    assert {where_you_stand(conversation, p).group_label for p in side_a[:5]} == {mine.group_label}
    # Common ground: the three statements both groups agree with, and nothing that splits them.
    assert {b.statement.pk for b in mine.common_ground} == {s.pk for s in statements["common"]}
    # What my group believes most: its side, said as agree (SIDE_A) or disagree (SIDE_B).
    assert mine.group_beliefs
    for belief in mine.group_beliefs:
        expected = "agree" if belief.statement in statements["a"] else "disagree"
        assert belief.statement in statements["a"] + statements["b"]
        assert belief.direction == expected
    assert "15 people" in " ".join(g.size for g in mine.groups)
    assert mine.group_size_text == "with 14 other people"
    assert mine.map_svg.lstrip().startswith("<svg")
    assert f"You are in {mine.group_label}" in mine.map_text


def test_the_page_shows_common_ground_before_the_group_and_a_text_equivalent_of_the_map():
    conversation, statements, side_a, _ = plant()
    snapshot(conversation)
    response = client_for(side_a[0]).get(page(conversation))
    assert response.status_code == 200
    html = response.content.decode()
    common = html.index("Things almost everyone agrees on")
    group = html.index("What your group believes most")
    assert common < group
    assert html.index(COMMON[0]) < group or html.index(COMMON[1]) < group
    assert "Most of your group agree:" in html or "Most of your group disagree:" in html
    standing = where_you_stand(conversation, side_a[0])
    assert f"You are in {standing.group_label}, with 14 other people." in html
    assert "opinion group" in html
    assert 'class="cw-map__chart cw-chart__view" aria-hidden="true"' in html
    assert 'id="chart-spec-opinion-map" type="application/json"' in html


def test_six_votes_are_not_enough_and_seven_are():
    conversation, statements, _, _ = plant()
    newcomer = make_participant(conversation.system, conversation=conversation, about_you_done=True)
    everything = statements["common"] + statements["a"] + statements["b"]
    for s in everything[:6]:
        make_vote(newcomer, s, 1)
    standing = where_you_stand(conversation, newcomer)
    assert standing.state == "need_votes" and standing.remaining == 1
    client = client_for(newcomer)
    html = client.get(page(conversation)).content.decode()
    assert "Vote on 1 more statement to see where you stand" in html
    home = reverse("conversations:participant-home", args=[conversation.slug])
    response = client.get(home)
    assert response.status_code == 200
    assert "Vote on 1 more statement to see where you stand" in response.content.decode()
    assert "See where you stand" not in response.content.decode()
    make_vote(newcomer, everything[6], 1)
    assert "See where you stand" in client.get(home).content.decode()
    my_votes = client.get(reverse("conversations:participant-my-votes", args=[conversation.slug]))
    assert "See where you stand" in my_votes.content.decode()
    snapshot(conversation)
    assert where_you_stand(conversation, newcomer).state in {"placed", "not_placed"}


def test_votes_newer_than_the_snapshot_are_not_caught_up_yet():
    conversation, statements, _, _ = plant()
    snapshot(conversation)
    newcomer = make_participant(conversation.system, conversation=conversation, about_you_done=True)
    everything = statements["common"] + statements["a"] + statements["b"]
    for s in everything[:7]:
        make_vote(newcomer, s, 1)
    standing = where_you_stand(conversation, newcomer)
    assert standing.state == "catching_up"
    client = client_for(newcomer)
    html = client.get(page(conversation)).content.decode()
    assert "Your latest votes will show within a minute" in html
    assert 'hx-trigger="every 5s"' in html
    poll = client.get(page(conversation), {"poll": "1"}, HTTP_HX_REQUEST="true")
    assert poll.status_code == 204 and "HX-Refresh" not in poll
    snapshot(conversation)
    assert where_you_stand(conversation, newcomer).state != "catching_up"
    poll = client.get(page(conversation), {"poll": "1"}, HTTP_HX_REQUEST="true")
    assert poll.status_code == 204 and poll["HX-Refresh"] == "true"
    assert 'hx-trigger="every 5s"' not in client.get(page(conversation)).content.decode()


def test_a_placed_participant_with_newer_votes_is_told_they_will_show():
    conversation, statements, side_a, _ = plant()
    snapshot(conversation)
    make_vote(side_a[0], statements["b"][0], 0)
    standing = where_you_stand(conversation, side_a[0])
    assert standing.state == "placed" and standing.newer_votes


def test_no_snapshot_yet():
    conversation, _, side_a, _ = plant(people=4)
    standing = where_you_stand(conversation, side_a[0])
    assert standing.state == "no_snapshot"
    assert (
        "Your latest votes will show within a minute"
        in client_for(side_a[0]).get(page(conversation)).content.decode()
    )


def test_a_participant_the_engine_left_out_is_told_so_and_still_sees_the_common_ground():
    conversation, statements, side_a, _ = plant()
    snap = snapshot(conversation)
    # The engine leaves some people out of the groups (group label -1).
    result = dict(snap.result)
    row = result["participant_ids"].index(side_a[0].pk)
    labels = list(result["group_labels"])
    labels[row] = -1
    result["group_labels"] = labels
    make_snapshot(conversation, result=result, vote_event_high_water=snap.vote_event_high_water)
    standing = where_you_stand(conversation, side_a[0])
    assert standing.state == "not_placed"
    assert standing.common_ground
    html = client_for(side_a[0]).get(page(conversation)).content.decode()
    assert "You are not in an opinion group yet" in html
    assert "Things almost everyone agrees on" in html


def test_a_closed_conversation_is_still_readable():
    conversation, _, side_a, _ = plant()
    snapshot(conversation)
    conversation.status = Conversation.Status.CLOSED
    conversation.save()
    client = client_for(side_a[0])
    closed = client.get(reverse("conversations:participant-home", args=[conversation.slug])).content.decode()
    assert "See where you stand" in closed
    response = client.get(page(conversation))
    assert response.status_code == 200
    html = response.content.decode()
    assert "This conversation is closed" in html
    assert "What your group believes most" in html


def test_rejected_and_pending_statements_never_appear():
    conversation, statements, side_a, _ = plant()
    snapshot(conversation)
    hidden = statements["common"][0]
    hidden.state = Statement.State.REJECTED
    hidden.save()
    standing = where_you_stand(conversation, side_a[0])
    shown = {b.statement.pk for b in standing.common_ground + standing.group_beliefs}
    assert hidden.pk not in shown
    assert COMMON[0] not in client_for(side_a[0]).get(page(conversation)).content.decode()


def test_someone_who_has_not_joined_is_sent_to_the_start():
    conversation, _, _, _ = plant(people=2)
    response = Client().get(page(conversation))
    assert response.status_code == 302
    assert where_you_stand(conversation, None) is None


def test_the_threshold_is_the_engines():
    assert AnalysisOptions().min_votes == 7


def test_the_api_says_where_a_participant_stands():
    from commonweal.accounts.models import hash_token

    conversation, statements, side_a, _ = plant()
    snapshot(conversation)
    raw = "cwp_where-you-stand-test-token"
    Participant.objects.filter(pk=side_a[0].pk).update(token_hash=hash_token(raw))
    response = Client().get(f"/api/conversations/{conversation.slug}/standing", HTTP_X_PARTICIPANT_TOKEN=raw)
    assert response.status_code == 200, response.content
    body = response.json()
    mine = where_you_stand(conversation, side_a[0])
    assert body["state"] == "placed" and body["group"] == mine.group_label
    assert body["group_size"] == "with 14 other people"
    assert {b["statement"]["text"] for b in body["common_ground"]} == set(COMMON)
    assert body["group_beliefs"] and all(
        b["direction"] in {"agree", "disagree"} for b in body["group_beliefs"]
    )
    assert Client().get(f"/api/conversations/{conversation.slug}/standing").status_code == 401


def test_common_ground_on_what_is_working_comes_first():
    conversation, statements, side_a, _ = plant()
    snapshot(conversation)
    order = [b.statement.pk for b in where_you_stand(conversation, side_a[0]).common_ground]
    last = Statement.objects.get(pk=order[-1])
    last.theme = "What is working"
    last.save()
    again = [b.statement.pk for b in where_you_stand(conversation, side_a[0]).common_ground]
    assert again == [last.pk] + order[:-1]
