"""The facilitator API: bearer tokens, conversations, seeds, moderation and the dashboard, with the same rules and
the one JSON error shape as the pages."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from commonweal.accounts.models import ApiToken
from commonweal.conversations.models import Conversation, Statement
from commonweal.core.models import AuditEntry
from commonweal.systems.models import Sector
from tests.factories import (
    make_admin,
    make_api_token,
    make_conversation,
    make_facilitator,
    make_moderator,
    make_participant,
    make_statement,
    make_system,
    make_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, facilitator):
    return Api(client, make_api_token(facilitator))


class Api:
    def __init__(self, client, token: str | None):
        self.client, self.token = client, token

    def _headers(self) -> dict[str, str]:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.token}"} if self.token else {}

    def get(self, path: str, **params):
        return self.client.get("/api" + path, params, **self._headers())

    def send(self, method: str, path: str, body=None):
        return getattr(self.client, method)(
            "/api" + path,
            data=json.dumps(body) if body is not None else None,
            content_type="application/json",
            **self._headers(),
        )

    def post(self, path: str, body=None):
        return self.send("post", path, body if body is not None else {})

    def patch(self, path: str, body):
        return self.send("patch", path, body)


def error(response) -> dict:
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "detail"}
    return body["error"]


# --- Authentication -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("header", [None, "Bearer nonsense", "Token abc", "Bearer "])
def test_without_a_valid_token_the_api_answers_401_in_the_one_error_shape(client, system, header):
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.get("/api/manage/systems", **extra)
    assert response.status_code == 401
    err = error(response)
    assert err["code"] == "not_authenticated" and "Authorization: Bearer" in err["message"]


def test_a_revoked_token_or_an_inactive_account_no_longer_works(client, facilitator):
    raw = make_api_token(facilitator)
    api = Api(client, raw)
    assert api.get("/manage/systems").status_code == 200
    ApiToken.objects.update(revoked_at=timezone.now())
    assert api.get("/manage/systems").status_code == 401
    api.token = make_api_token(facilitator)
    facilitator.is_active = False
    facilitator.save()
    assert api.get("/manage/systems").status_code == 401


def test_a_session_does_not_authenticate_the_facilitator_api(client, facilitator):
    client.force_login(facilitator)
    assert client.get("/api/manage/systems").status_code == 401


def test_using_a_token_records_when_it_was_last_used(api, facilitator):
    api.get("/manage/systems")
    assert ApiToken.objects.get(user=facilitator).last_used_at is not None


# --- Systems and conversations ------------------------------------------------------------------------------------


def test_list_systems_and_get_one(api, system):
    make_system(slug="elsewhere")
    assert api.get("/manage/systems").json() == [
        {"slug": "riverside", "name": "Riverside Health and Care Partnership", "conversations": 0}
    ]
    body = api.get("/manage/systems/riverside").json()
    assert body["slug"] == "riverside" and body["places"] == [] and body["organisations"] == 0
    assert api.get("/manage/systems/elsewhere").status_code == 403
    assert error(api.get("/manage/systems/nowhere"))["code"] == "not_found"


def test_create_get_update_open_and_close_a_conversation(api, system, facilitator):
    response = api.post(
        "/manage/systems/riverside/conversations",
        {"title": "Our strategy", "question": "What should we do together?", "moderation": "permissive"},
    )
    assert response.status_code == 201
    body = response.json()
    slug = body["slug"]
    assert body["status"] == "draft" and body["themes"] == ["What is working", "What we could do together"]
    assert body["participant_url"] == f"http://testserver/c/{slug}/"
    assert api.get(f"/manage/conversations/{slug}").json()["title"] == "Our strategy"
    assert [c["slug"] for c in api.get("/manage/systems/riverside/conversations").json()] == [slug]

    patched = api.patch(f"/manage/conversations/{slug}", {"title": "Renamed", "ask_place": False}).json()
    assert (
        patched["title"] == "Renamed"
        and patched["ask_place"] is False
        and patched["moderation"] == "permissive"
    )

    assert api.post(f"/manage/conversations/{slug}/open").json()["status"] == "open"
    assert api.post(f"/manage/conversations/{slug}/close").json()["status"] == "closed"
    refused = api.post(f"/manage/conversations/{slug}/close")
    assert refused.status_code == 409 and error(refused)["code"] == "status_change_refused"
    actions = set(AuditEntry.objects.filter(actor=facilitator).values_list("action", flat=True))
    assert {
        "conversation.create",
        "conversation.update",
        "conversation.open",
        "conversation.close",
    } <= actions


def test_bad_conversation_input_names_the_fields(api, system):
    response = api.post(
        "/manage/systems/riverside/conversations", {"title": "", "question": "Q?", "colour": "red"}
    )
    assert response.status_code == 400
    err = error(response)
    assert err["code"] == "invalid_input"
    assert {f["field"] for f in err["detail"]["fields"]} == {"colour"}  # unknown fields are refused
    response = api.post("/manage/systems/riverside/conversations", {"title": "  ", "question": "Q?"})
    assert error(response)["detail"]["fields"] == [
        {"field": "title", "problem": "Enter a title for the conversation"}
    ]
    assert not Conversation.objects.exists()


def test_seeds_through_the_api_report_added_and_duplicates(api, system):
    conversation = make_conversation(system)
    make_statement(conversation, "Already here")
    response = api.post(
        f"/manage/conversations/{conversation.slug}/seeds",
        {
            "statements": [
                {"text": "New one", "theme": "What is working"},
                {"text": "already here"},
                {"text": "NEW ONE."},
            ]
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert [s["text"] for s in body["added"]] == ["New one"]
    assert [d["line"] for d in body["duplicates"]] == [2, 3]
    too_long = api.post(
        f"/manage/conversations/{conversation.slug}/seeds", {"statements": [{"text": "x" * 281}]}
    )
    assert too_long.status_code == 400
    assert "Line 1 is 281 characters long" in error(too_long)["detail"]["lines"][0]["problem"]


# --- Moderation and dashboard -------------------------------------------------------------------------------------


def _submitted(conversation, n: int) -> list[Statement]:
    participant = make_participant(conversation.system, conversation=conversation)
    return [
        make_statement(conversation, f"Submitted {i}", author=participant, state="pending") for i in range(n)
    ]


def test_the_queue_single_and_bulk_decisions(client, system):
    conversation = make_conversation(system)
    moderator = make_moderator(conversation)
    api = Api(client, make_api_token(moderator))
    a, b, c = _submitted(conversation, 3)
    queue = api.get(f"/manage/conversations/{conversation.slug}/moderation").json()
    assert [s["id"] for s in queue["statements"]] == [a.pk, b.pk, c.pk]
    assert queue["counts"]["to_review"] == 3 and queue["statements"][0]["author"]

    accepted = api.post(f"/manage/conversations/{conversation.slug}/statements/{a.pk}/accept").json()
    assert (
        accepted["state"] == "accepted"
        and accepted["reviewed"] is True
        and accepted["moderated_by"] == moderator.username
    )
    bulk = api.post(
        f"/manage/conversations/{conversation.slug}/moderation",
        {"statement_ids": [b.pk, c.pk], "decision": "reject"},
    ).json()
    assert bulk["count"] == 2
    assert api.get(f"/manage/conversations/{conversation.slug}/moderation").json()["statements"] == []
    rejected = api.get(f"/manage/conversations/{conversation.slug}/moderation", view="rejected").json()
    assert [s["id"] for s in rejected["statements"]] == [b.pk, c.pk]
    assert AuditEntry.objects.filter(actor=moderator, action__startswith="statement.").count() == 3

    patched = api.patch(
        f"/manage/conversations/{conversation.slug}/statements/{a.pk}",
        {"is_meta": True, "theme": "What is working"},
    ).json()
    assert patched["is_meta"] is True and patched["theme"] == "What is working"
    bad = api.patch(
        f"/manage/conversations/{conversation.slug}/statements/{a.pk}", {"is_meta": False, "theme": "Nope"}
    )
    assert bad.status_code == 400
    a.refresh_from_db()
    assert a.is_meta is True  # both changes or neither


def test_moderation_errors(api, system):
    conversation = make_conversation(system)
    (s,) = _submitted(conversation, 1)
    path = f"/manage/conversations/{conversation.slug}/moderation"
    assert error(api.post(path, {"statement_ids": [s.pk], "decision": "maybe"}))["code"] == "invalid_input"
    assert error(api.post(path, {"statement_ids": [], "decision": "accept"}))["code"] == "invalid_input"
    missing = api.post(path, {"statement_ids": [s.pk, 999999], "decision": "accept"})
    assert missing.status_code == 404 and error(missing)["detail"] == {"missing": [999999]}
    s.refresh_from_db()
    assert s.state == "pending"
    assert api.get(path, view="sideways").status_code == 400
    assert api.get(path, page=9).status_code == 404


def test_a_moderator_cannot_do_a_facilitators_work_through_the_api(client, system):
    conversation = make_conversation(system, status="draft")
    api = Api(client, make_api_token(make_moderator(conversation)))
    assert api.post(f"/manage/conversations/{conversation.slug}/open").status_code == 403
    assert (
        api.post(
            f"/manage/conversations/{conversation.slug}/seeds", {"statements": [{"text": "x"}]}
        ).status_code
        == 403
    )
    assert (
        api.post("/manage/systems/riverside/conversations", {"title": "T", "question": "Q"}).status_code
        == 403
    )
    err = error(api.patch(f"/manage/conversations/{conversation.slug}", {"title": "Mine"}))
    assert err["code"] == "permission_denied"


def test_a_facilitator_of_another_system_is_refused(client, system):
    conversation = make_conversation(system)
    api = Api(client, make_api_token(make_facilitator(make_system())))
    for path in ("", "/moderation", "/dashboard"):
        assert api.get(f"/manage/conversations/{conversation.slug}{path}").status_code == 403


def test_an_administrator_token_reaches_every_system(client, system):
    conversation = make_conversation(system)
    api = Api(client, make_api_token(make_admin()))
    assert api.get(f"/manage/conversations/{conversation.slug}").status_code == 200
    assert [s["slug"] for s in api.get("/manage/systems").json()] == ["riverside"]


def test_the_dashboard_counts_are_suppressed(api, system):
    conversation = make_conversation(system)
    for sector, n in ((Sector.ACUTE, 6), (Sector.VCSE, 2), (Sector.ICB, 2)):
        for _ in range(n):
            make_participant(system, conversation=conversation, sector=sector)
    body = api.get(f"/manage/conversations/{conversation.slug}/dashboard").json()
    assert body["participants"] == 10 and body["small_number_threshold"] == 5
    sector = next(b for b in body["breakdowns"] if b["key"] == "sector")
    cells = {r["label"]: r for r in sector["rows"]}
    # 10 - 6 would leave VCSE and ICB at 4 between them, each narrowed to 1 to 3: the 6 is hidden too.
    assert cells["Acute trust"]["count"] is None and cells["Acute trust"]["status"] == "hidden"
    assert cells["Integrated care board (ICB)"] == {
        "label": "Integrated care board (ICB)",
        "count": None,
        "suppressed": True,
        "display": "fewer than 5",
        "status": "small",
    }


def test_the_openapi_document_lists_the_facilitator_endpoints_with_bearer_auth(client):
    schema = client.get("/api/openapi.json").json()
    assert "/api/manage/conversations/{slug}/moderation" in schema["paths"]
    schemes = schema["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values())
    # The participant endpoints are still documented too.
    assert any(p.startswith("/api/conversations/") for p in schema["paths"])


def test_make_user_is_not_a_facilitator(client, system):
    api = Api(client, make_api_token(make_user()))
    assert api.get("/manage/systems").json() == []
