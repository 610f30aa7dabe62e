"""Similar statements while a participant types a new one: suggestions, one-tap votes, the no-JS confirmation."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from commonweal.conversations.models import Conversation, Participant, Statement, Vote
from commonweal.conversations.participate.views import SESSION_KEY
from commonweal.conversations.similar import accepted_index, similar_statements
from tests.factories import make_conversation, make_participant, make_statement

pytestmark = pytest.mark.django_db

PLANTED = "More GPs should work in rural areas"
TYPED = "we need more GP's working in rural area"
OTHERS = [
    "Care homes need fair funding",
    "Share patient records between hospitals and councils",
    "Libraries are great places for health advice",
    "Bus routes to the hospital should run later",
]


def setup_conversation(**kw) -> tuple[Conversation, Statement, Participant, Client]:
    conversation = make_conversation(participants_can_add=True, **kw)
    planted = make_statement(conversation, PLANTED)
    for text in OTHERS:
        make_statement(conversation, text)
    participant = make_participant(conversation.system, conversation=conversation, about_you_done=True)
    client = Client()
    session = client.session
    session[SESSION_KEY] = {str(participant.system_id): participant.pk}
    session.save()
    return conversation, planted, participant, client


def similar_url(conversation: Conversation) -> str:
    return reverse("conversations:participant-similar", args=[conversation.slug])


def add_url(conversation: Conversation) -> str:
    return reverse("conversations:participant-add", args=[conversation.slug])


def vote_url(conversation: Conversation) -> str:
    return reverse("conversations:participant-vote", args=[conversation.slug])


def test_the_similar_endpoint_returns_the_planted_near_duplicate():
    conversation, planted, _, client = setup_conversation()
    response = client.get(similar_url(conversation), {"text": TYPED}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Already said?" in html
    assert PLANTED in html
    assert f'value="{planted.pk}:1"' in html  # the one-tap agree button
    for text in OTHERS:
        assert text not in html


def test_short_texts_find_nothing():
    conversation, _, _, client = setup_conversation()
    html = client.get(similar_url(conversation), {"text": "More GPs"}).content.decode()
    assert "Already said?" not in html


@pytest.mark.parametrize("state", [Statement.State.PENDING, Statement.State.REJECTED])
@pytest.mark.parametrize("moderation", [Conversation.Moderation.STRICT, Conversation.Moderation.PERMISSIVE])
def test_pending_and_rejected_statements_are_never_suggested(state, moderation):
    conversation, planted, _, client = setup_conversation(moderation=moderation)
    hidden = make_statement(conversation, "More GPs should be working in rural areas now", state=state)
    html = client.get(similar_url(conversation), {"text": TYPED}).content.decode()
    assert hidden.text not in html
    assert PLANTED in html
    # Rejected a moment ago, after the index was built: still never shown.
    accepted_index(conversation)
    planted.state = state
    planted.save()
    html = client.get(similar_url(conversation), {"text": TYPED}).content.decode()
    assert PLANTED not in html


def test_the_index_is_rebuilt_when_statements_change():
    conversation, _, _, _ = setup_conversation()
    first = accepted_index(conversation)
    assert accepted_index(conversation) is first
    added = make_statement(conversation, "Pharmacies could take on more minor illness care")
    found = similar_statements(conversation, "pharmacies taking on minor illnesses")
    assert [s.statement.pk for s in found] == [added.pk]
    assert accepted_index(conversation) is not first


def test_a_one_tap_vote_records_a_vote_and_answers_with_the_confirmation():
    conversation, planted, participant, client = setup_conversation()
    response = client.post(
        vote_url(conversation),
        {"similar_vote": f"{planted.pk}:1", "text": TYPED},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Your vote on that statement is saved. You can still add yours." in html
    assert f'id="cw-similar-{planted.pk}"' in html
    assert Vote.objects.get(participant=participant, statement=planted).value == 1


def test_without_javascript_a_one_tap_vote_comes_back_to_the_page_with_the_text_kept():
    conversation, planted, participant, client = setup_conversation()
    response = client.post(
        vote_url(conversation),
        {"similar_vote": f"{planted.pk}:-1", "text": TYPED, "theme": "What is working"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Your vote on that statement is saved. You can still add yours." in html
    assert f">{TYPED}</textarea>".replace("'", "&#x27;") in html
    assert Vote.objects.get(participant=participant, statement=planted).value == -1


def test_a_one_tap_vote_on_a_pending_statement_is_refused():
    conversation, _, participant, client = setup_conversation()
    pending = make_statement(conversation, "Waiting for a moderator here", state=Statement.State.PENDING)
    response = client.post(
        vote_url(conversation), {"similar_vote": f"{pending.pk}:1", "text": TYPED}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "Your vote on that statement is saved" not in response.content.decode()
    assert not Vote.objects.filter(participant=participant, statement=pending).exists()


def test_without_javascript_a_very_similar_statement_asks_to_confirm_and_keeps_the_text():
    conversation, planted, participant, client = setup_conversation()
    typed = "More GPs should work in the rural areas"
    response = client.post(add_url(conversation), {"text": typed})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Already said?" in html
    assert PLANTED in html
    assert "Add mine anyway" in html
    assert f">{typed}</textarea>" in html
    assert not Statement.objects.filter(conversation=conversation, text=typed).exists()
    response = client.post(add_url(conversation), {"text": typed, "confirm": "1"})
    assert response.status_code == 302
    assert Statement.objects.filter(conversation=conversation, text=typed, author=participant).exists()


def test_suggestions_already_seen_while_typing_are_not_asked_about_again():
    conversation, planted, participant, client = setup_conversation()
    typed = "More GPs should work in the rural areas"
    response = client.post(add_url(conversation), {"text": typed, "similar_seen": [str(planted.pk)]})
    assert response.status_code == 302
    assert Statement.objects.filter(conversation=conversation, text=typed).exists()


def test_a_statement_unlike_any_other_is_added_at_once():
    conversation, _, _, client = setup_conversation()
    response = client.post(add_url(conversation), {"text": "Dentists should be easier to find for children"})
    assert response.status_code == 302


@override_settings(RATE_SIMILAR="3/60")
def test_the_similar_endpoint_is_rate_limited():
    conversation, _, _, client = setup_conversation()
    for _ in range(3):
        assert client.get(similar_url(conversation), {"text": TYPED}).status_code == 200
    response = client.get(similar_url(conversation), {"text": TYPED})
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert PLANTED not in response.content.decode()


def test_someone_who_has_not_joined_gets_no_suggestions():
    conversation, _, _, _ = setup_conversation()
    response = Client().get(similar_url(conversation), {"text": TYPED})
    assert response.status_code == 403
    assert PLANTED not in response.content.decode()


def test_the_add_page_asks_for_suggestions_as_you_type():
    conversation, _, _, client = setup_conversation()
    html = client.get(add_url(conversation)).content.decode()
    assert f'hx-get="{similar_url(conversation)}"' in html
    assert 'hx-trigger="keyup changed delay:400ms' in html
    assert 'id="cw-similar" class="cw-similar" aria-live="polite"' in html


def test_the_api_suggests_accepted_statements_only():
    from commonweal.accounts.models import hash_token

    conversation, planted, participant, _ = setup_conversation()
    make_statement(
        conversation, "More GPs should be working in rural areas now", state=Statement.State.PENDING
    )
    raw = "cwp_similar-test-token"
    Participant.objects.filter(pk=participant.pk).update(token_hash=hash_token(raw))
    url = f"/api/conversations/{conversation.slug}/similar"
    response = Client().get(url, {"text": TYPED}, HTTP_X_PARTICIPANT_TOKEN=raw)
    assert response.status_code == 200, response.content
    body = response.json()
    assert [s["statement"]["id"] for s in body] == [planted.pk]
    assert body[0]["your_vote"] is None and 0 < body[0]["score"] <= 1
    assert Client().get(url, {"text": TYPED}).status_code == 401


def test_a_large_index_is_extended_with_new_statements_and_rebuilt_when_one_leaves(monkeypatch):
    from commonweal.conversations import similar as module

    monkeypatch.setattr(module, "INCREMENTAL_FROM", 3)
    conversation, planted, _, _ = setup_conversation()
    more = [make_statement(conversation, f"Extra statement about topic number {i}") for i in range(20)]
    first = accepted_index(conversation)
    added = make_statement(conversation, "Rural GPs need more support from more councils")
    extended = accepted_index(conversation)
    assert extended is not first and len(extended) == len(first) + 1
    assert extended.ids[:-1] == first.ids and len(first) == 25  # the cached index itself is not changed
    assert added.pk in {m.id for m in extended.query("rural GPs need support from councils", threshold=0.3)}
    more[0].state = Statement.State.REJECTED
    more[0].save()
    rebuilt = accepted_index(conversation)
    assert more[0].pk not in rebuilt.ids and len(rebuilt) == len(extended) - 1
