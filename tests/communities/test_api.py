"""The asset register in the JSON API: list with filters, add, read, change, delete, moderate and the Open
Referral UK answer, each with an API token, refused without one or for another system."""

from __future__ import annotations

import json

import pytest

from commonweal.communities.mapping.actions import do_open_link
from commonweal.communities.models import Asset, Status
from commonweal.core.models import AuditEntry
from tests.communities.factories import make_asset
from tests.factories import make_api_token, make_facilitator, make_place, make_system

pytestmark = pytest.mark.django_db

URL = "/api/manage/systems/riverside/assets"


@pytest.fixture
def auth(facilitator):
    return {"HTTP_AUTHORIZATION": f"Bearer {make_api_token(facilitator)}"}


def _post(client, url, body, auth, method="post"):
    return getattr(client, method)(url, json.dumps(body), content_type="application/json", **auth)


def test_a_script_keeps_the_register(client, system, auth):
    place = make_place(system, name="Westbrook")
    created = _post(
        client,
        URL,
        {
            "name": "Westbrook Food Bank",
            "category": "economic",
            "places": [place.pk],
            "postcode": "ls14ap",
            "latitude": 53.8,
            "longitude": -1.55,
            "tags": ["Food"],
        },
        auth,
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["postcode"] == "LS1 4AP" and body["places"] == ["Westbrook"] and body["tags"] == ["food"]
    pk = body["id"]
    listed = client.get(URL, {"category": "economic"}, **auth).json()
    assert listed["count"] == 1 and listed["items"][0]["name"] == "Westbrook Food Bank"
    assert client.get(URL, {"category": "culture"}, **auth).json()["count"] == 0
    changed = _post(
        client, f"{URL}/{pk}", {"name": "Westbrook Community Pantry", "category": "economic"}, auth, "put"
    )
    assert changed.json()["name"] == "Westbrook Community Pantry" and changed.json()["places"] == []
    assert (
        client.get(f"{URL}/openreferral-uk", **auth).json()["content"][0]["name"]
        == "Westbrook Community Pantry"
    )
    assert client.delete(f"{URL}/{pk}", **auth).status_code == 204
    assert client.get(f"{URL}/{pk}", **auth).status_code == 404
    assert {e.action for e in AuditEntry.objects.all()} >= {"asset.create", "asset.update", "asset.delete"}


def test_bad_input_is_named(client, system, auth):
    other_place = make_place(make_system())
    refused = _post(
        client,
        URL,
        {"name": "X", "category": "economic", "postcode": "nowhere", "places": [other_place.pk]},
        auth,
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "invalid_input"
    assert _post(client, URL, {"name": "X", "category": "volcano"}, auth).status_code == 400
    assert _post(client, URL, {"name": "X", "category": "economic", "latitude": 1}, auth).status_code == 400
    assert _post(client, URL, {"name": "X", "category": "economic", "colour": "red"}, auth).status_code == 400
    assert not Asset.objects.exists()


def test_moderation_through_the_api(client, system, auth):
    link = do_open_link(None, system)
    pending = make_asset(system, name="Choir", status=Status.PENDING, link=link)
    assert client.get(URL, {"status": "pending"}, **auth).json()["items"][0]["name"] == "Choir"
    done = _post(client, f"{URL}/moderate", {"asset_ids": [pending.pk], "decision": "accept"}, auth)
    assert done.json() == {"count": 1}
    pending.refresh_from_db()
    assert pending.status == Status.ACCEPTED


def test_no_token_or_another_system(client, system):
    assert client.get(URL).status_code == 401
    stranger = make_facilitator(make_system(), username="stranger")
    assert client.get(URL, HTTP_AUTHORIZATION=f"Bearer {make_api_token(stranger)}").status_code == 403
