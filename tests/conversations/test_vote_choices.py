"""Agree, disagree and pass look different and carry their word and icon, the same on every page (issue 14,
item 2): the voting panel, a statement's page, "My votes" (buttons and the vote shown) and similar statements."""

from __future__ import annotations

import re

import pytest

from commonweal.conversations.models import Vote
from tests.factories import make_conversation, make_statements

pytestmark = pytest.mark.django_db

KINDS = {"1": "agree", "-1": "disagree", "0": "pass"}
WORDS = {"agree": "Agree", "disagree": "Disagree", "pass": "Pass"}


def buttons(html: str) -> dict[str, str]:
    """Each vote button's value -> the button's HTML."""
    found = {}
    for match in re.finditer(r'<button type="submit" name="value" value="(-?\d)"(.*?)</button>', html, re.S):
        found[match.group(1)] = match.group(0)
    return found


def classes(button: str) -> set[str]:
    return set(re.search(r'class="([^"]*)"', button).group(1).split())


def assert_three_distinct_choices(html: str) -> None:
    found = buttons(html)
    assert set(found) == set(KINDS), found.keys()
    looks = {}
    for value, kind in KINDS.items():
        button = found[value]
        assert f"cw-vote--{kind}" in classes(button)
        assert f'cw-vote-icon--{kind}" aria-hidden="true"' in button  # an icon, not read out
        assert WORDS[kind] in re.sub(r"<[^>]+>", "", button)  # and the word
        looks[kind] = frozenset(c for c in classes(button) if c.startswith("nhsuk-button--"))
    assert len(set(looks.values())) == 3, looks  # not two identical green buttons


def test_the_three_choices_differ_on_the_voting_panel_and_a_statements_page(client):
    conversation = make_conversation()
    statements = make_statements(conversation, 3)
    client.post(f"/c/{conversation.slug}/join/")
    client.post(f"/c/{conversation.slug}/about-you/", {"skip": "1"})
    assert_three_distinct_choices(client.get(f"/c/{conversation.slug}/").content.decode())
    assert_three_distinct_choices(
        client.get(f"/c/{conversation.slug}/statements/{statements[0].pk}/").content.decode()
    )


def test_my_votes_shows_each_vote_with_its_icon_and_offers_the_other_two_alike(client):
    conversation = make_conversation()
    statements = make_statements(conversation, 3)
    client.post(f"/c/{conversation.slug}/join/")
    client.post(f"/c/{conversation.slug}/about-you/", {"skip": "1"})
    for statement, value in zip(statements, ("1", "-1", "0"), strict=True):
        client.post(f"/c/{conversation.slug}/vote/", {"statement": statement.pk, "value": value})
    assert Vote.objects.filter(statement__conversation=conversation).count() == 3
    html = client.get(f"/c/{conversation.slug}/my-votes/").content.decode()
    for kind in KINDS.values():
        tag = re.search(
            rf'<strong class="nhsuk-tag cw-vote-tag cw-vote-tag--{kind}[^"]*">(.*?)</strong>', html, re.S
        )
        assert tag and f"cw-vote-icon--{kind}" in tag.group(1) and WORDS[kind] in tag.group(1), kind
        assert html.count(f"cw-vote--{kind}") == 2  # "Change to" on the two rows that are not this vote
