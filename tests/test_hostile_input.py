"""Hostile input through the API and the pages is refused with a 4xx in the one error shape, never a 500, and
text is cleaned in one place before anything compares or stores it.

- Numbers of 2^63 or more, and booleans where an id belongs, on every numeric input of the API; huge numbers
  in page addresses and page forms.
- NUL, zero-width and bidirectional control characters in statements and other texts (run on PostgreSQL too:
  PostgreSQL refuses a NUL in a string, which was a server error there).
- A body over the size limit (413 ``payload_too_large``), a very long query string (414 ``query_too_long``),
  a NUL in an address.
- The OpenAPI document: no two schemas share a name, every operation documents its errors, texts have limits.
"""

from __future__ import annotations

import json

import pytest
from django import forms
from django.test import Client
from django.urls import reverse

from commonweal.api import api
from commonweal.conversations.models import Conversation, Participant, Statement
from commonweal.conversations.participate.actions import do_join
from commonweal.core.forms import NHSUKFormMixin
from commonweal.core.schemas import MAX_ID
from commonweal.systems.models import Place
from tests.factories import (
    make_api_token,
    make_community,
    make_conversation,
    make_facilitator,
    make_organisation,
    make_place,
    make_statement,
    make_system,
)

pytestmark = pytest.mark.django_db

HUGE = 2**63
ERROR_KEYS = {"code", "message", "detail"}


@pytest.fixture
def world(client):
    system = make_system(slug="riverside")
    make_place(system)
    make_organisation(system)
    make_community(system)
    conversation = make_conversation(system, slug="hostile", moderation=Conversation.Moderation.PERMISSIVE)
    statement = make_statement(conversation, "Fund more district nurses")
    joined = do_join(conversation, participant=None, ip=None, issue_token=True)
    facilitator = make_facilitator(system, username="fran")
    return {
        "client": client,
        "system": system,
        "conversation": conversation,
        "statement": statement,
        "participant": joined.participant,
        "facilitator": facilitator,
        "headers": {
            "HTTP_X_PARTICIPANT_TOKEN": joined.token,
            "HTTP_AUTHORIZATION": f"Bearer {make_api_token(facilitator)}",
        },
    }


def call(world, method: str, url: str, body: object = None, **extra):
    data = json.dumps(body) if body is not None else None
    return getattr(world["client"], method)(
        url, data=data, content_type="application/json", **world["headers"], **extra
    )


def error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content[:400]
    body = json.loads(response.content)
    assert set(body) == {"error"} and set(body["error"]) == ERROR_KEYS
    if code:
        assert body["error"]["code"] == code
    return body["error"]


# --- Numbers out of range ---------------------------------------------------------------------------------------

P = "/api/conversations/hostile"
M = "/api/manage/conversations/hostile"


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("post", f"{P}/votes", {"statement_id": HUGE, "value": 1}),
        ("post", f"{P}/votes", {"statement_id": -HUGE, "value": 1}),
        ("post", f"{P}/votes", {"statement_id": "STATEMENT", "value": HUGE}),
        ("post", f"{P}/join", {"place_id": HUGE}),
        ("post", f"{P}/join", {"organisation_id": HUGE}),
        ("post", f"{P}/join", {"community_ids": [HUGE]}),
        ("put", f"{P}/about-you", {"place_id": HUGE}),
        ("put", f"{P}/about-you", {"community_ids": [1, HUGE]}),
        ("get", f"{P}/statements?limit={HUGE}", None),
        ("get", f"{P}/statements?offset={HUGE}", None),
        ("get", f"{P}/statements?limit=0", None),
        ("post", f"{M}/statements/{HUGE}/accept", None),
        ("post", f"{M}/statements/{HUGE}/reject", None),
        ("patch", f"{M}/statements/{HUGE}", {"is_meta": True}),
        ("post", f"{M}/moderation", {"statement_ids": [HUGE], "decision": "accept"}),
        ("get", f"{M}/moderation?page={HUGE}", None),
    ],
)
def test_a_number_out_of_range_is_invalid_input_not_a_server_error(world, method, url, body):
    if body and body.get("statement_id") == "STATEMENT":
        body = {**body, "statement_id": world["statement"].pk}
    error(call(world, method, url, body), 400, "invalid_input")


def test_the_largest_id_is_in_range_and_simply_not_found(world):
    error(call(world, "post", f"{P}/votes", {"statement_id": MAX_ID, "value": 1}), 404, "not_found")
    error(call(world, "post", f"{M}/statements/{MAX_ID}/accept"), 404, "not_found")


@pytest.mark.parametrize("kind", ["false", "true", "text", "float", "boolean in a list"])
def test_ids_are_strict_whole_numbers(world, kind):
    pk = Place.objects.get().pk
    body = {
        "false": {"place_id": False},
        "true": {"place_id": True},
        "text": {"place_id": str(pk)},
        "float": {"place_id": float(pk)},
        "boolean in a list": {"community_ids": [True]},
    }[kind]
    found = error(call(world, "post", f"{P}/join", body), 400, "invalid_input")
    assert found["detail"]["fields"][0]["field"] in ("place_id", "community_ids.0")


def test_a_vote_with_a_boolean_or_text_statement_id_is_refused(world):
    for statement_id in (True, str(world["statement"].pk)):
        body = {"statement_id": statement_id, "value": 1}
        error(call(world, "post", f"{P}/votes", body), 400, "invalid_input")


def test_a_huge_id_in_a_page_address_is_not_found(world):
    world["client"].force_login(world["facilitator"])
    place = reverse("systems:place_edit", args=["riverside", 1]).replace("/1/", f"/{HUGE}/")
    statement = reverse("conversations:participant-statement", args=["hostile", 1]).replace(
        "/1/", f"/{HUGE}/"
    )
    for url in (place, statement):
        assert world["client"].get(url).status_code == 404


def test_a_huge_number_in_a_page_form_is_a_client_error(world):
    client = Client()
    client.post(reverse("conversations:participant-join", args=["hostile"]))
    about = client.post(
        reverse("conversations:participant-about-you", args=["hostile"]), {"place": str(HUGE)}
    )
    assert about.status_code in (200, 400)  # the form says so, or the one error page: never a 500
    vote = client.post(reverse("conversations:participant-vote", args=["hostile"]), {"statement": str(HUGE)})
    assert vote.status_code < 500


# --- Text: NUL, invisible and bidirectional characters ------------------------------------------------------------


def test_a_nul_byte_in_a_statement_is_removed_before_it_is_stored(world):
    response = call(world, "post", f"{P}/statements", {"text": "Open\x00 the walk-in centre at weekends"})
    assert response.status_code == 201, response.content
    stored = Statement.objects.get(pk=json.loads(response.content)["statement"]["id"])
    assert stored.text == "Open the walk-in centre at weekends"


@pytest.mark.parametrize(
    "text", ["\u200b\u200b\u200b", "\u202e\u2066\u2069", "\u200f\u200e", "\x00", "\u3164"]
)
def test_invisible_characters_alone_are_not_a_statement(world, text):
    found = error(call(world, "post", f"{P}/statements", {"text": text}), 400, "invalid_input")
    assert found["message"] == "Enter your statement."


@pytest.mark.parametrize(
    "text",
    [
        "Fund more\u200b district nurses",
        "Fund more district\u2060 nurses!",
        "\u202eFund more district nurses",
    ],
)
def test_invisible_characters_do_not_slip_past_duplicate_detection(world, text):
    found = error(call(world, "post", f"{P}/statements", {"text": text}), 409, "duplicate_statement")
    assert str(world["statement"].pk) in json.dumps(found["detail"])


def test_bidirectional_overrides_are_removed_and_real_writing_kept(world):
    text = "\u202eFund\u202c more 👩\u200d⚕️ in Cymru 🏴\U000e0067\U000e0062\U000e0077\U000e006c\U000e0073\U000e007f"
    response = call(world, "post", f"{P}/statements", {"text": text})
    assert response.status_code == 201, response.content
    assert json.loads(response.content)["statement"]["text"] == text.replace("\u202e", "").replace(
        "\u202c", ""
    )


def _join_on_the_page(client: Client) -> None:
    client.post(reverse("conversations:participant-join", args=["hostile"]))
    client.post(reverse("conversations:participant-about-you", args=["hostile"]), {"skip": "1"})


def test_a_statement_typed_on_the_page_is_cleaned_the_same_way(world):
    client = Client()
    _join_on_the_page(client)
    url = reverse("conversations:participant-add", args=["hostile"])
    client.post(url, {"text": "Keep\x00 the minor injuries unit open\u200b", "confirm": "1"})
    client.post(url, {"text": "\u200b\u200b\u200b", "confirm": "1"})
    texts = set(Statement.objects.filter(conversation=world["conversation"]).values_list("text", flat=True))
    assert texts == {"Fund more district nurses", "Keep the minor injuries unit open"}


def test_facilitator_forms_clean_every_text_field(world):
    client = world["client"]
    client.force_login(world["facilitator"])
    response = client.post(
        reverse("conversations:manage_create", args=["riverside"]),
        {
            "title": "Carers\x00 first\u200b",
            "question": "What would make life\u202e easier?",
            "description": "Line one\x00\r\n\r\n\r\nLine two\u2066",
            "moderation": "strict",
            "themes": "Working\u200b well",
        },
    )
    assert response.status_code == 302, response.content[:500]
    created = Conversation.objects.get(title="Carers first")
    assert created.question == "What would make life easier?"
    assert created.description == "Line one\n\nLine two"
    assert created.themes == ["Working well"]


def test_the_form_mixin_leaves_passwords_as_typed():
    class Sample(NHSUKFormMixin, forms.Form):
        name = forms.CharField()
        notes = forms.CharField(widget=forms.Textarea)
        secret = forms.CharField(widget=forms.PasswordInput)

    form = Sample({"name": "A\x00 B\u200b", "notes": "x\r\ny\x07", "secret": " p\u200bw "})
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"name": "A B", "notes": "x\ny", "secret": "p\u200bw"}


def test_api_texts_are_cleaned_and_limited_like_the_forms(world):
    create = f"/api/manage/systems/{world['system'].slug}/conversations"
    body = {"title": "A\x00 title\u200b", "question": "Why?", "description": "one\x00\n\n\n\ntwo"}
    response = call(world, "post", create, body)
    assert response.status_code == 201, response.content
    made = json.loads(response.content)
    assert (made["title"], made["description"]) == ("A title", "one\n\ntwo")
    too_long = {"title": "T", "question": "Q?", "description": "x" * 4001}
    found = error(call(world, "post", create, too_long), 400, "invalid_input")
    assert found["detail"]["fields"][0]["field"] == "description"
    patch = call(world, "patch", f"/api/manage/conversations/{made['slug']}", {"description": "x" * 4001})
    error(patch, 400, "invalid_input")
    error(call(world, "post", create, {"title": 1, "question": "Q?"}), 400, "invalid_input")


def test_the_participant_count_is_not_changed_by_refused_joins(world):
    before = Participant.objects.count()
    for body in ({"place_id": HUGE}, {"place_id": False}):
        world["client"].post(f"{P}/join", data=json.dumps(body), content_type="application/json")
    assert Participant.objects.count() == before


# --- Request limits ---------------------------------------------------------------------------------------------


def test_a_body_over_the_limit_is_413_payload_too_large_in_the_error_shape(world, settings):
    body = json.dumps({"statement_id": 1, "value": 1, "pad": "x" * (10 * 1024 * 1024)})
    response = world["client"].post(
        f"{P}/votes", data=body, content_type="application/json", **world["headers"]
    )
    found = error(response, 413, "payload_too_large")
    assert "MB" in found["message"]


def test_a_page_form_over_the_limit_is_a_413_page(world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client = world["client"]
    client.force_login(world["facilitator"])
    response = client.post(
        reverse("conversations:manage_create", args=["riverside"]), {"title": "x" * 5000, "question": "Q?"}
    )
    assert response.status_code == 413
    assert "text/html" in response["Content-Type"]


def test_a_long_query_string_is_414_query_too_long_in_the_error_shape(world, settings):
    response = call(world, "get", f"{P}/statements?limit=1&pad={'x' * (settings.MAX_QUERY_STRING + 1)}")
    error(response, 414, "query_too_long")
    page = world["client"].get(
        reverse("conversations:participant-home", args=["hostile"]) + "?q=" + "x" * 5000
    )
    assert page.status_code == 414 and "text/html" in page["Content-Type"]
    # Just under the limit is answered as usual.
    ok = call(world, "get", f"{P}/statements?pad={'x' * (settings.MAX_QUERY_STRING - 10)}")
    assert ok.status_code == 200


@pytest.mark.parametrize(
    "url", ["/api/conversations/%00/next", f"{P}/similar?text=abcdefghijklmnop%00", "/c/hostile/?q=%00"]
)
def test_a_nul_in_an_address_is_invalid_input(world, url):
    response = world["client"].get(url, **world["headers"], HTTP_ACCEPT="application/json")
    error(response, 400, "invalid_input")


# --- The OpenAPI document -------------------------------------------------------------------------------------------


def _models(annotation, found):
    """Every pydantic model reachable from ``annotation`` (nested fields, lists, unions)."""
    from pydantic import BaseModel  # a test helper: no start-up cost concern

    args = getattr(annotation, "__args__", None) or ()
    for arg in args:
        _models(arg, found)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel) and annotation not in found:
        found.add(annotation)
        for field in annotation.model_fields.values():
            _models(field.annotation, found)
    return found


def test_no_two_schemas_of_the_api_share_a_name():
    found: set = set()
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                for model in operation.response_models.values():
                    _models(model, found)
                for model in operation.models:
                    _models(model, found)
    by_name: dict[str, set] = {}
    for model in found:
        by_name.setdefault(model.__name__, set()).add(f"{model.__module__}.{model.__qualname__}")
    shared = {name: where for name, where in by_name.items() if len(where) > 1}
    assert not shared, f"schemas that would overwrite each other in the OpenAPI document: {shared}"


def test_the_join_answer_is_documented_with_the_participants_conversation(client):
    document = client.get("/api/openapi.json").json()
    join = document["paths"]["/api/conversations/{slug}/join"]["post"]["responses"]
    ref = join["201"]["content"]["application/json"]["schema"]["$ref"]
    joined = document["components"]["schemas"][ref.rsplit("/", 1)[1]]
    conversation = joined["properties"]["conversation"]["$ref"].rsplit("/", 1)[1]
    assert conversation == "JoinedConversationOut"
    assert "asks" in document["components"]["schemas"][conversation]["properties"]


def test_every_operation_documents_its_errors_in_the_one_shape(client):
    document = client.get("/api/openapi.json").json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status in ("400", "401", "404", "413", "414", "429"):
                schema = operation["responses"][status]["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorOut"}, (method, path, status)
    description = document["components"]["schemas"]["ConversationIn"]["properties"]["description"]
    assert description["maxLength"] == 4000


def test_every_form_of_the_site_cleans_its_text():
    import importlib  # a test helper: no start-up cost concern
    import pkgutil

    import commonweal
    from commonweal.core.forms import CleanTextMixin

    for module in pkgutil.walk_packages(commonweal.__path__, "commonweal."):
        if module.name.endswith(".forms"):
            importlib.import_module(module.name)
    site_forms = [
        cls
        for cls in _subclasses(forms.BaseForm)
        if cls.__module__.startswith("commonweal.") and not cls.__module__.startswith("commonweal.core.")
    ]
    assert len(site_forms) > 20
    missing = [f"{c.__module__}.{c.__qualname__}" for c in site_forms if not issubclass(c, CleanTextMixin)]
    assert not missing, f"forms that do not clean their text (core.forms.CleanTextMixin): {missing}"


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_a_lookup_that_finds_nothing_is_404_in_the_error_shape(world):
    # The import job lookup uses get_object_or_404: its Http404 is answered like every other 404.
    error(call(world, "get", "/api/manage/systems/riverside/imports/999999"), 404, "not_found")
