"""The optional Census-aligned "about you" questions (age band, ethnic group): asked only when the conversation
turns them on, always with "Prefer not to say", kept on the participant."""

from __future__ import annotations

import pytest

from commonweal.conversations.facilitate.forms import ConversationForm
from commonweal.conversations.models import Participant
from commonweal.conversations.rights.queries import data_csv, data_document, participant_data
from tests.factories import make_api_token, make_conversation, make_facilitator, make_place

pytestmark = pytest.mark.django_db


def _joined(client, **kw):
    conversation = make_conversation(ask_organisation=False, ask_community=False, **kw)
    make_place(conversation.system, name="Eastmarsh")
    client.post(f"/c/{conversation.slug}/join/")
    return conversation


def test_age_and_ethnic_group_are_not_asked_unless_turned_on(client):
    conversation = _joined(client)
    html = client.get(f"/c/{conversation.slug}/about-you/").content.decode()
    assert "How old are you?" not in html
    assert "What is your ethnic group?" not in html


def test_age_and_ethnic_group_are_asked_with_prefer_not_to_say_and_kept(client):
    conversation = _joined(client, ask_age_band=True, ask_ethnic_group=True)
    html = client.get(f"/c/{conversation.slug}/about-you/").content.decode()
    assert "How old are you?" in html and "What is your ethnic group?" in html
    assert html.count("Prefer not to say") == 2
    assert "Black, Black British, Black Welsh, Caribbean or African" in html
    response = client.post(
        f"/c/{conversation.slug}/about-you/", {"age_band": "16-24", "ethnic_group": "prefer-not"}
    )
    assert response.status_code == 302
    person = Participant.objects.get()
    assert (person.age_band, person.ethnic_group) == ("16-24", "prefer-not")


def test_a_made_up_age_band_is_refused_and_what_was_chosen_is_kept(client):
    conversation = _joined(client, ask_age_band=True, ask_ethnic_group=True)
    response = client.post(
        f"/c/{conversation.slug}/about-you/", {"age_band": "12-15", "ethnic_group": "white"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'value="white" checked' in html
    assert Participant.objects.get().age_band == ""


def test_the_facilitator_turns_the_questions_on_in_the_conversation_form():
    form = ConversationForm(
        {
            "title": "T",
            "question": "Q?",
            "moderation": "strict",
            "ask_about": ["place", "age_band", "ethnic_group"],
        }
    )
    assert form.is_valid(), form.errors
    data = form.to_input()
    assert data.ask_age_band and data.ask_ethnic_group and not data.ask_sector


def test_the_api_takes_and_returns_the_age_band_and_ethnic_group(client):
    conversation = make_conversation(ask_age_band=True, ask_ethnic_group=True)
    joined = client.post(
        f"/api/conversations/{conversation.slug}/join", {"age_band": "85+"}, content_type="application/json"
    ).json()
    assert joined["conversation"]["asks"]["age_band"] and joined["about_you"]["age_band"] == "85+"
    answer = client.put(
        f"/api/conversations/{conversation.slug}/about-you",
        {"age_band": "25-34", "ethnic_group": "mixed"},
        content_type="application/json",
        HTTP_X_PARTICIPANT_TOKEN=joined["token"],
    )
    assert answer.status_code == 200, answer.content
    assert (answer.json()["age_band"], answer.json()["ethnic_group"]) == ("25-34", "mixed")
    refused = client.put(
        f"/api/conversations/{conversation.slug}/about-you",
        {"ethnic_group": "martian"},
        content_type="application/json",
        HTTP_X_PARTICIPANT_TOKEN=joined["token"],
    )
    assert refused.status_code == 400 and "ethnic group" in refused.content.decode()


def test_the_participants_data_includes_their_age_band_and_ethnic_group(client):
    conversation = _joined(client, ask_age_band=True, ask_ethnic_group=True)
    client.post(f"/c/{conversation.slug}/about-you/", {"age_band": "75-84", "ethnic_group": "asian"})
    data = participant_data(Participant.objects.get())
    assert (data.age_band, data.ethnic_group) == ("75 to 84", "Asian, Asian British or Asian Welsh")
    assert data.answered_about_you
    document = data_document(data)["about_you"]
    assert document["age_band"] == "75 to 84"
    assert "age band,75 to 84" in data_csv(data).replace('"', "")


def test_the_facilitator_api_turns_the_questions_on(client):
    from_system = make_conversation().system
    user = make_facilitator(from_system)
    token = make_api_token(user)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    made = client.post(
        f"/api/manage/systems/{from_system.slug}/conversations",
        {"title": "T", "question": "Q?", "ask_age_band": True},
        content_type="application/json",
        **auth,
    )
    assert made.status_code == 201, made.content
    assert made.json()["ask_age_band"] and not made.json()["ask_ethnic_group"]
    changed = client.patch(
        f"/api/manage/conversations/{made.json()['slug']}",
        {"ask_ethnic_group": True},
        content_type="application/json",
        **auth,
    )
    assert changed.json()["ask_ethnic_group"] and changed.json()["ask_age_band"]
