"""The participant API under /api/conversations/{slug}/: the same rules as the pages, in the one JSON error shape."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from commonweal.accounts.models import hash_token
from commonweal.conversations.models import Conversation, Participant, Statement, Vote, VoteEvent
from tests.factories import (
    make_community,
    make_conversation,
    make_organisation,
    make_place,
    make_statement,
    make_statements,
    make_system,
)

pytestmark = pytest.mark.django_db


def api(conversation_or_slug, path: str) -> str:
    slug = getattr(conversation_or_slug, "slug", conversation_or_slug)
    return f"/api/conversations/{slug}/{path}"


def post(client: Client, path: str, data: object = None, token: str | None = None):
    headers = {"HTTP_X_PARTICIPANT_TOKEN": token} if token else {}
    return client.post(
        path, data=data if data is not None else {}, content_type="application/json", **headers
    )


def get(client: Client, path: str, token: str | None = None):
    headers = {"HTTP_X_PARTICIPANT_TOKEN": token} if token else {}
    return client.get(path, **headers)


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "detail"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]


@pytest.fixture
def conversation() -> Conversation:
    conversation = make_conversation()
    make_statements(conversation, 3)
    return conversation


@pytest.fixture
def token(client, conversation) -> str:
    return post(client, api(conversation, "join")).json()["token"]


def test_joining_returns_a_handle_and_a_token_and_keeps_only_its_hash(client, conversation):
    response = post(client, api(conversation, "join"))
    assert response.status_code == 201
    body = response.json()
    participant = Participant.objects.get()
    assert body["participant"] == participant.handle and body["new_participant"] is True
    assert participant.token_hash == hash_token(body["token"])
    assert body["progress"] == {"voted": 0, "total": 3, "remaining": 3, "done": False}
    assert body["conversation"]["slug"] == conversation.slug
    assert body["conversation"]["asks"] == {
        "sector": True,
        "organisation": True,
        "place": True,
        "communities": True,
        "age_band": False,
        "ethnic_group": False,
    }


def test_joining_with_about_you_answers_saves_them(client, conversation):
    system = conversation.system
    org, place, community = make_organisation(system), make_place(system), make_community(system)
    data = {
        "sector": "vcse",
        "organisation_id": org.pk,
        "place_id": place.pk,
        "community_ids": [community.pk],
    }
    body = post(client, api(conversation, "join"), data).json()
    assert body["about_you"] == {**data, "age_band": "", "ethnic_group": ""}
    participant = Participant.objects.get()
    assert participant.about_you_done and participant.organisation == org


def test_joining_with_a_bad_answer_creates_nobody_and_names_the_field(client, conversation):
    foreign = make_place(make_system())
    error = assert_error(
        post(client, api(conversation, "join"), {"place_id": foreign.pk}), 400, "invalid_input"
    )
    assert error["detail"]["fields"] == [
        {"field": "place", "problem": "Choose a place from this system's list."}
    ]
    assert Participant.objects.count() == 0


def test_joining_with_an_unknown_field_is_refused(client, conversation):
    error = assert_error(post(client, api(conversation, "join"), {"sectr": "vcse"}), 400, "invalid_input")
    assert error["detail"]["fields"][0]["field"] == "sectr"


def test_joining_with_an_existing_token_joins_the_same_participant(client, conversation, token):
    other = make_conversation(conversation.system)
    body = post(client, api(other, "join"), token=token).json()
    assert body["new_participant"] is False and body["token"] is None
    assert Participant.objects.count() == 1
    assert_error(post(client, api(other, "join"), token="cwp_wrong"), 401, "not_authenticated")


def test_joining_a_draft_or_closed_conversation_is_refused(client):
    draft = make_conversation(status=Conversation.Status.DRAFT)
    closed = make_conversation(status=Conversation.Status.CLOSED)
    assert_error(post(client, api(draft, "join")), 409, "conversation_not_open")
    assert_error(post(client, api(closed, "join")), 409, "conversation_closed")
    assert_error(post(client, api("nosuch", "join")), 404, "not_found")


def test_joins_are_rate_limited_per_address_with_retry_after(client, conversation, settings):
    settings.RATE_JOINS = "2/3600"
    post(client, api(conversation, "join"))
    post(client, api(conversation, "join"))
    response = post(client, api(conversation, "join"))
    assert_error(response, 429, "rate_limited")
    assert int(response["Retry-After"]) >= 1
    assert Participant.objects.count() == 2


def test_next_gives_unvoted_statements_then_null(client, conversation, token):
    seen = set()
    for _ in range(3):
        body = get(client, api(conversation, "next"), token).json()
        statement = body["statement"]
        assert statement["id"] not in seen and statement["state"] == "accepted"
        seen.add(statement["id"])
        assert (
            post(
                client, api(conversation, "votes"), {"statement_id": statement["id"], "value": 1}, token
            ).status_code
            == 201
        )
    body = get(client, api(conversation, "next"), token).json()
    assert body == {"statement": None, "progress": {"voted": 3, "total": 3, "remaining": 0, "done": True}}


def test_every_participant_endpoint_needs_the_token(client, conversation):
    statement = conversation.statements.first()
    for response in [
        get(client, api(conversation, "next")),
        get(client, api(conversation, "my-votes")),
        post(client, api(conversation, "votes"), {"statement_id": statement.pk, "value": 1}),
        post(client, api(conversation, "statements"), {"text": "Hello"}),
        client.put(api(conversation, "about-you"), data={}, content_type="application/json"),
    ]:
        error = assert_error(response, 401, "not_authenticated")
        assert "X-Participant-Token" in error["message"]
    response = get(client, api(conversation, "next"), "cwp_not-a-real-token")
    assert_error(response, 401, "not_authenticated")


def test_a_token_of_another_system_is_not_valid_here(client, conversation):
    elsewhere = make_conversation()
    foreign_token = post(client, api(elsewhere, "join")).json()["token"]
    assert_error(get(client, api(conversation, "next"), foreign_token), 401, "not_authenticated")


def test_a_participant_of_the_system_must_join_each_conversation(client, conversation, token):
    other = make_conversation(conversation.system)
    statement = make_statement(other)
    assert_error(get(client, api(other, "next"), token), 403, "not_joined")
    response = post(client, api(other, "votes"), {"statement_id": statement.pk, "value": 1}, token)
    assert_error(response, 403, "not_joined")


def test_voting_and_changing_a_vote(client, conversation, token):
    statement = conversation.statements.first()
    response = post(client, api(conversation, "votes"), {"statement_id": statement.pk, "value": -1}, token)
    assert response.status_code == 201
    body = response.json()
    assert (body["statement_id"], body["value"], body["label"], body["next"]) == (
        statement.pk,
        -1,
        "Disagree",
        None,
    )
    post(client, api(conversation, "votes"), {"statement_id": statement.pk, "value": 0}, token)
    assert Vote.objects.get(statement=statement).value == 0
    assert VoteEvent.objects.filter(statement=statement).count() == 2
    votes = get(client, api(conversation, "my-votes"), token).json()
    assert [(v["statement"]["id"], v["value"], v["label"], v["can_change"]) for v in votes] == [
        (statement.pk, 0, "Pass", True)
    ]


def test_a_vote_can_bring_back_the_next_statement(client, conversation, token):
    statement = conversation.statements.first()
    body = post(
        client, api(conversation, "votes") + "?next=true", {"statement_id": statement.pk, "value": 1}, token
    ).json()
    assert body["next"]["statement"]["id"] != statement.pk
    assert body["next"]["progress"]["voted"] == 1


@pytest.mark.parametrize("value", [2, -5, True, "1", 1.5, None])
def test_a_vote_other_than_minus_one_zero_or_one_is_refused(client, conversation, token, value):
    statement = conversation.statements.first()
    response = post(client, api(conversation, "votes"), {"statement_id": statement.pk, "value": value}, token)
    error = assert_error(response, 400, "invalid_input")
    assert error["detail"]["fields"][0]["field"] == "value"
    assert VoteEvent.objects.count() == 0


def test_a_vote_with_missing_fields_names_them(client, conversation, token):
    error = assert_error(post(client, api(conversation, "votes"), {}, token), 400, "invalid_input")
    assert {f["field"] for f in error["detail"]["fields"]} == {"statement_id", "value"}


def test_votes_on_hidden_statements_or_in_other_conversations_are_refused(client, conversation, token):
    pending = make_statement(conversation, state=Statement.State.PENDING)
    rejected = make_statement(conversation, state=Statement.State.REJECTED)
    elsewhere = make_statement(make_conversation(conversation.system))
    for statement in (pending, rejected):
        response = post(client, api(conversation, "votes"), {"statement_id": statement.pk, "value": 1}, token)
        error = assert_error(response, 409, "statement_not_votable")
        assert error["detail"]["statement_id"] == statement.pk
    response = post(client, api(conversation, "votes"), {"statement_id": elsewhere.pk, "value": 1}, token)
    assert_error(response, 404, "not_found")
    response = post(client, api("nosuch", "votes"), {"statement_id": elsewhere.pk, "value": 1}, token)
    assert "no conversation" in assert_error(response, 404, "not_found")["message"]
    assert VoteEvent.objects.count() == 0


def test_votes_after_closing_are_refused_but_my_votes_still_answers(client, conversation, token):
    statement = conversation.statements.first()
    post(client, api(conversation, "votes"), {"statement_id": statement.pk, "value": 1}, token)
    Conversation.objects.filter(pk=conversation.pk).update(status=Conversation.Status.CLOSED)
    response = post(client, api(conversation, "votes"), {"statement_id": statement.pk, "value": -1}, token)
    assert_error(response, 409, "conversation_closed")
    assert_error(get(client, api(conversation, "next"), token), 409, "conversation_closed")
    votes = get(client, api(conversation, "my-votes"), token).json()
    assert [(v["value"], v["can_change"]) for v in votes] == [(1, False)]


def test_votes_are_rate_limited_with_retry_after(client, conversation, token, settings):
    settings.RATE_VOTES = "1/60"
    first, second = list(conversation.statements.all())[:2]
    post(client, api(conversation, "votes"), {"statement_id": first.pk, "value": 1}, token)
    response = post(client, api(conversation, "votes"), {"statement_id": second.pk, "value": 1}, token)
    assert_error(response, 429, "rate_limited")
    assert int(response["Retry-After"]) >= 1


def test_a_vote_through_the_api_takes_four_sql_statements_two_on_postgresql(client, conversation, token):
    first, second = list(conversation.statements.all())[:2]
    post(client, api(conversation, "votes"), {"statement_id": first.pk, "value": 1}, token)
    with CaptureQueriesContext(connection) as ctx:
        response = post(client, api(conversation, "votes"), {"statement_id": second.pk, "value": 1}, token)
    assert response.status_code == 201
    queries = [
        q["sql"] for q in ctx.captured_queries if not q["sql"].upper().startswith(("SAVEPOINT", "RELEASE"))
    ]
    # statement with its conversation and the participant with the join check (one query), then rate limit,
    # event and current vote: three statements in one transaction on SQLite, one statement on PostgreSQL
    assert len(queries) == (2 if connection.vendor == "postgresql" else 4), queries


def test_the_hot_path_answers_match_their_response_schemas(client, conversation, token):
    """vote and next render their bodies without ninja re-validating them: the schemas must still hold."""
    import json

    from ninja.responses import NinjaJSONEncoder

    from commonweal.conversations.participate.api import NextOut, VoteOut

    nxt = get(client, api(conversation, "next"), token)
    assert nxt.status_code == 200
    NextOut.model_validate(nxt.json())
    assert list(nxt.json()) == list(NextOut.model_fields)
    statement = nxt.json()["statement"]["id"]
    for query in ("", "?next=true"):
        response = post(
            client, api(conversation, "votes") + query, {"statement_id": statement, "value": 1}, token
        )
        assert response.status_code == 201
        assert response["Content-Type"].startswith("application/json")
        body = response.json()
        assert list(body) == list(VoteOut.model_fields)
        # Validated and rendered the way ninja would: the same JSON.
        again = json.loads(json.dumps(VoteOut.model_validate(body).model_dump(), cls=NinjaJSONEncoder))
        assert again == body
        assert body["label"] == "Agree" and (body["next"] is None) == (query == "")


def test_a_vote_with_a_token_of_another_system_is_refused(client, conversation, token):
    statement = conversation.statements.first()
    response = post(
        client, api(conversation, "votes"), {"statement_id": statement.pk, "value": 1}, "cwp_not-a-real-token"
    )
    assert_error(response, 401, "not_authenticated")


def test_the_next_statement_through_the_api_takes_three_sql_statements(client, conversation, token):
    get(client, api(conversation, "next"), token)
    with CaptureQueriesContext(connection) as ctx:
        response = get(client, api(conversation, "next"), token)
    assert response.status_code == 200 and response.json()["statement"] is not None
    # conversation with the participant (joined), the candidates with the progress, the chosen statement
    assert len(ctx.captured_queries) == 3, [q["sql"] for q in ctx.captured_queries]


def test_adding_a_statement(client, conversation, token):
    response = post(
        client,
        api(conversation, "statements"),
        {"text": "  Share one care record  ", "theme": "What is working"},
        token,
    )
    assert response.status_code == 201
    body = response.json()
    assert body["statement"]["text"] == "Share one care record" and body["statement"]["state"] == "pending"
    assert body["your_vote"] == 1 and body["shown_now"] is False
    assert "We've counted your agree vote" in body["message"]
    statement = Statement.objects.get(text="Share one care record")
    assert statement.theme == "What is working" and statement.author.token_hash == hash_token(token)


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ({"text": "   "}, "Enter your statement."),
        ({"text": "x" * 312}, "You have 312 characters; the limit is 280."),
        ({"text": "Fine", "theme": "Nonsense"}, "Choose one of this conversation's themes"),
        ({}, "Field required"),
        ({"text": "Fine", "author": "me"}, "Extra inputs are not permitted"),
    ],
)
def test_a_bad_statement_is_refused_with_a_clear_message(client, conversation, token, data, says):
    error = assert_error(post(client, api(conversation, "statements"), data, token), 400, "invalid_input")
    assert says in error["message"] or any(says in f["problem"] for f in error["detail"]["fields"])
    assert Statement.objects.filter(author__isnull=False).count() == 0


def test_a_duplicate_statement_is_refused_naming_the_existing_one(client, conversation, token):
    existing = conversation.statements.first()
    response = post(client, api(conversation, "statements"), {"text": existing.text.lower()}, token)
    error = assert_error(response, 409, "duplicate_statement")
    assert error["detail"] == {"statement_id": existing.pk, "state": "accepted", "votable": True}


def test_statements_are_refused_when_not_allowed(client, token, conversation):
    Conversation.objects.filter(pk=conversation.pk).update(participants_can_add=False)
    response = post(client, api(conversation, "statements"), {"text": "Hello"}, token)
    assert_error(response, 403, "statements_not_allowed")


def test_statements_are_rate_limited(client, conversation, token, settings):
    settings.RATE_STATEMENTS = "1/600"
    post(client, api(conversation, "statements"), {"text": "One"}, token)
    response = post(client, api(conversation, "statements"), {"text": "Two"}, token)
    assert_error(response, 429, "rate_limited")
    assert "Retry-After" in response


def test_the_statement_list_shows_only_visible_statements_and_pages(client):
    strict = make_conversation()
    accepted = make_statements(strict, 3)
    make_statement(strict, state=Statement.State.PENDING)
    make_statement(strict, state=Statement.State.REJECTED)
    body = client.get(api(strict, "statements")).json()
    assert body["count"] == 3 and [s["id"] for s in body["items"]] == [s.pk for s in accepted]
    page = client.get(api(strict, "statements") + "?limit=2&offset=2").json()
    assert [s["id"] for s in page["items"]] == [accepted[2].pk]

    permissive = make_conversation(moderation=Conversation.Moderation.PERMISSIVE)
    make_statement(permissive)
    make_statement(permissive, state=Statement.State.PENDING)
    make_statement(permissive, state=Statement.State.REJECTED)
    assert client.get(api(permissive, "statements")).json()["count"] == 2

    assert_error(
        client.get(api(make_conversation(status=Conversation.Status.DRAFT), "statements")),
        409,
        "conversation_not_open",
    )
    assert_error(client.get(api("nosuch", "statements")), 404, "not_found")


def test_about_you_can_be_answered_later(client, conversation, token):
    place = make_place(conversation.system)
    response = client.put(
        api(conversation, "about-you"),
        data={"place_id": place.pk, "sector": "acute"},
        content_type="application/json",
        HTTP_X_PARTICIPANT_TOKEN=token,
    )
    assert response.status_code == 200
    assert response.json() == {
        "sector": "acute",
        "organisation_id": None,
        "place_id": place.pk,
        "community_ids": [],
        "age_band": "",
        "ethnic_group": "",
    }
    bad = client.put(
        api(conversation, "about-you"),
        data={"sector": "pilot"},
        content_type="application/json",
        HTTP_X_PARTICIPANT_TOKEN=token,
    )
    assert assert_error(bad, 400, "invalid_input")["detail"]["fields"][0]["field"] == "sector"


def test_the_participant_endpoints_are_in_the_openapi_document(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in ["join", "next", "votes", "statements", "my-votes", "about-you"]:
        assert f"/api/conversations/{{slug}}/{path}" in paths
