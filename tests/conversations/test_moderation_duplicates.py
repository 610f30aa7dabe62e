"""Moderators see likely duplicates grouped in the queue, and can accept one and reject the rest at once."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from commonweal.conversations.facilitate.actions import queue_entries
from commonweal.conversations.models import Conversation, Statement
from tests.factories import make_conversation, make_moderator, make_participant, make_statement

pytestmark = pytest.mark.django_db

ACCEPTED = "Care homes need fair funding from the council"
DUPLICATES = [
    "Care homes need fairer funding from the council",
    "care homes need fair funding from councils",
    "Care homes need fair funding from the councils!!",
]
ALONE = [
    "Bus routes to the hospital should run later",
    "Libraries are great places for health advice",
]
PAIR = ["Open GP surgeries on Saturday mornings", "Open the GP surgeries on Saturday mornings too"]


def queue(
    moderation: str = Conversation.Moderation.STRICT,
) -> tuple[Conversation, dict[str, list[Statement]]]:
    conversation = make_conversation(moderation=moderation, participants_can_add=True)
    author = make_participant(conversation.system, conversation=conversation)
    accepted = make_statement(conversation, ACCEPTED, is_seed=True)
    state = (
        Statement.State.PENDING if moderation == Conversation.Moderation.STRICT else Statement.State.ACCEPTED
    )
    made: dict[str, list[Statement]] = {"accepted": [accepted]}
    # Interleaved, as participants would send them.
    order = [("alone", ALONE[0]), ("dup", DUPLICATES[0]), ("pair", PAIR[0]), ("dup", DUPLICATES[1])]
    order += [("alone", ALONE[1]), ("pair", PAIR[1]), ("dup", DUPLICATES[2])]
    for kind, text in order:
        made.setdefault(kind, []).append(
            make_statement(conversation, text, author=author, is_seed=False, state=state)
        )
    return conversation, made


@pytest.mark.parametrize("moderation", [Conversation.Moderation.STRICT, Conversation.Moderation.PERMISSIVE])
def test_near_duplicates_are_grouped_where_the_first_of_them_was(moderation):
    conversation, made = queue(moderation)
    from commonweal.conversations.facilitate.actions import moderation_queue

    entries = queue_entries(conversation, list(moderation_queue(conversation)))
    shapes = [[s.pk for s in e.statements] for e in entries]
    assert shapes == [
        [made["alone"][0].pk],
        [s.pk for s in made["dup"]],
        [s.pk for s in made["pair"]],
        [made["alone"][1].pk],
    ]
    dup = entries[1]
    assert dup.is_duplicates
    assert [a.pk for a in dup.resembles] == [made["accepted"][0].pk]
    assert entries[2].is_duplicates and entries[2].resembles == []
    assert not entries[0].is_duplicates and not entries[3].is_duplicates


def test_a_single_statement_like_an_accepted_one_is_flagged():
    conversation = make_conversation(participants_can_add=True)
    author = make_participant(conversation.system, conversation=conversation)
    accepted = make_statement(conversation, ACCEPTED)
    pending = make_statement(conversation, DUPLICATES[0], author=author, state=Statement.State.PENDING)
    [entry] = queue_entries(conversation, [pending])
    assert entry.is_duplicates and entry.statements == [pending] and entry.resembles == [accepted]


def test_the_queue_page_shows_the_groups_and_leaves_other_statements_as_they_were():
    conversation, made = queue()
    client = Client()
    client.force_login(make_moderator(conversation))
    html = client.get(
        reverse("conversations:manage_moderation", kwargs={"slug": conversation.slug})
    ).content.decode()
    assert "Likely duplicates: 3 statements" in html
    assert "Likely duplicates: 2 statements" in html
    assert html.count("data-queue-duplicates") == 2
    group = html[html.index("Likely duplicates: 3 statements") :]
    group = group[: group.index("</ol>")]
    assert ACCEPTED in group
    for s in made["dup"]:
        assert f'id="statement-{s.pk}"' in group
    # A statement without duplicates is a plain row of the queue, outside any group.
    row = f'<li class="cw-queue__row" id="statement-{made["alone"][0].pk}"'
    assert row in html
    assert html.index(row) < html.index("Likely duplicates: 3 statements")


def test_accept_one_and_reject_the_rest_with_the_bulk_action():
    conversation, made = queue()
    client = Client()
    client.force_login(make_moderator(conversation))
    keep, *rest = made["dup"]
    slug = conversation.slug
    client.post(
        reverse("conversations:manage_moderate", kwargs={"slug": slug, "statement_id": keep.pk}),
        {"action": "accept"},
    )
    client.post(
        reverse("conversations:manage_moderate_bulk", kwargs={"slug": slug}),
        {"decision": "reject", "statement_ids": [s.pk for s in rest]},
    )
    keep.refresh_from_db()
    assert keep.state == Statement.State.ACCEPTED
    for s in rest:
        s.refresh_from_db()
        assert s.state == Statement.State.REJECTED
    html = client.get(reverse("conversations:manage_moderation", kwargs={"slug": slug})).content.decode()
    assert "Likely duplicates: 3 statements" not in html


def test_reviewed_and_seed_statements_are_not_grouped():
    conversation, made = queue()
    from commonweal.conversations.facilitate.actions import moderation_queue

    entries = queue_entries(conversation, list(moderation_queue(conversation, "all")))
    seed = [e for e in entries if made["accepted"][0] in e.statements]
    assert len(seed) == 1 and not seed[0].is_duplicates
