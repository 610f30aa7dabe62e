"""The participant's data rights in the JSON API: ``GET .../my-data`` and ``DELETE .../me``, with the participant
token, in the one JSON error shape, and described in the OpenAPI document."""

from __future__ import annotations

import pytest

from commonweal.conversations.models import Conversation, Participant, Statement, Vote
from commonweal.conversations.rights.queries import format_reference
from commonweal.core.models import AuditEntry
from tests.factories import make_conversation, make_participant, make_statements, make_system

pytestmark = pytest.mark.django_db

TOKEN = "HTTP_X_PARTICIPANT_TOKEN"


def api(conversation: Conversation, path: str) -> str:
    return f"/api/conversations/{conversation.slug}/{path}"


@pytest.fixture
def conversation() -> Conversation:
    conversation = make_conversation(participants_can_add=True, moderation=Conversation.Moderation.PERMISSIVE)
    make_statements(conversation, 3)
    return conversation


@pytest.fixture
def joined(client, conversation) -> tuple[str, str]:
    """(token, handle) of a participant who joined, voted twice and wrote a statement, through the API."""
    body = client.post(api(conversation, "join"), {"sector": "vcse"}, content_type="application/json").json()
    token = body["token"]
    first, second = Statement.objects.filter(conversation=conversation)[:2]
    for statement, value in ((first, 1), (second, -1), (second, 0)):
        response = client.post(
            api(conversation, "votes"),
            {"statement_id": statement.pk, "value": value},
            content_type="application/json",
            **{TOKEN: token},
        )
        assert response.status_code == 201
    response = client.post(
        api(conversation, "statements"),
        {"text": "More buses"},
        content_type="application/json",
        **{TOKEN: token},
    )
    assert response.status_code == 201
    return token, body["participant"]


def assert_error(response, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"} and body["error"]["code"] == code and body["error"]["message"]


def test_the_participant_gets_everything_held_about_them(client, conversation, joined):
    token, handle = joined
    response = client.get(api(conversation, "my-data"), **{TOKEN: token})
    assert response.status_code == 200
    body = response.json()
    assert body["reference"] == format_reference(handle)
    assert body["about_you"] == {
        "sector": "Voluntary, community and social enterprise (VCSE)",
        "organisation": None,
        "place": None,
        "communities": [],
        "age_band": None,
        "ethnic_group": None,
    }
    assert body["has_app_token"] is True and body["retention_days"] == 365
    [mine] = body["conversations"]
    assert mine["slug"] == conversation.slug
    # Two votes, the second changed, and the author's agree vote on their own statement.
    assert len(mine["votes"]) == 3 and len(mine["vote_history"]) == 4
    assert [s["text"] for s in mine["statements"]] == ["More buses"]


def test_a_token_is_needed_and_must_be_of_the_system(client, conversation, joined):
    assert_error(client.get(api(conversation, "my-data")), 401, "not_authenticated")
    assert_error(client.get(api(conversation, "my-data"), **{TOKEN: "cwp_wrong"}), 401, "not_authenticated")
    other = make_conversation(make_system())
    token, _ = joined
    assert_error(client.get(api(other, "my-data"), **{TOKEN: token}), 401, "not_authenticated")
    assert_error(client.delete(api(other, "me"), **{TOKEN: token}), 401, "not_authenticated")
    assert Participant.objects.count() == 1


def test_the_participant_deletes_their_data_and_the_token_ends(client, conversation, joined):
    token, handle = joined
    other = make_participant(conversation.system, conversation=conversation)
    written = Statement.objects.get(text="More buses")
    client.post(
        api(conversation, "votes"),
        {"statement_id": written.pk, "value": 1},
        content_type="application/json",
        **{
            TOKEN: client.post(api(conversation, "join"), {}, content_type="application/json").json()["token"]
        },
    )
    response = client.delete(api(conversation, "me"), **{TOKEN: token})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["reference"] == format_reference(handle)
    assert (body["votes"], body["vote_events"]) == (3, 4)
    assert (body["statements_deleted"], body["statements_unattributed"]) == (0, 1)
    assert body["answers_about_you"] is True and body["conversations"] == [conversation.slug]
    assert not Participant.objects.filter(handle=handle).exists()
    assert Statement.objects.get(pk=written.pk).author is None
    assert Vote.objects.filter(statement=written).count() == 1  # the other's vote stays
    assert AuditEntry.objects.filter(action="participant.delete_own_data").count() == 1
    assert_error(client.get(api(conversation, "my-data"), **{TOKEN: token}), 401, "not_authenticated")
    assert Participant.objects.filter(pk=other.pk).exists()


def test_the_endpoints_are_in_the_openapi_document(client):
    document = client.get("/api/openapi.json").json()
    paths = document["paths"]
    assert "get" in paths["/api/conversations/{slug}/my-data"]
    assert "delete" in paths["/api/conversations/{slug}/me"]
    schemas = document["components"]["schemas"]
    for name in ("MyDataOut", "MyDataConversationOut", "MyDataVoteOut", "ErasedOut"):
        assert name in schemas
    erased = paths["/api/conversations/{slug}/me"]["delete"]["responses"]
    assert erased["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErasedOut")
    assert {"401", "404"} <= set(erased)
