"""About you (issue 14, items 3 and 16): the skip comes before the questions, nothing is chosen for the
participant, and no "thank you" stays above the statements after answering."""

from __future__ import annotations

import re

import pytest

from tests.factories import make_community, make_conversation, make_organisation, make_place, make_statements

pytestmark = pytest.mark.django_db


def test_the_skip_comes_first_and_no_answer_is_chosen_beforehand(client):
    conversation = make_conversation(
        ask_sector=True, ask_place=True, ask_community=True, ask_organisation=True
    )
    make_statements(conversation, 2)
    make_place(conversation.system)
    make_community(conversation.system)
    make_organisation(conversation.system)
    client.post(f"/c/{conversation.slug}/join/")
    html = client.get(f"/c/{conversation.slug}/about-you/").content.decode()
    assert html.index("Skip these questions") < html.index('type="radio"')
    assert not re.search(r"<input[^>]*\bchecked\b", html)
    assert not re.search(r"<option[^>]*\bselected\b", html)


def test_no_thank_you_message_stays_above_the_statements(client):
    conversation = make_conversation(ask_sector=True)
    make_statements(conversation, 2)
    client.post(f"/c/{conversation.slug}/join/")
    response = client.post(f"/c/{conversation.slug}/about-you/", {"sector": "vcse"}, follow=True)
    assert response.status_code == 200
    assert "Now the statements" not in response.content.decode()
