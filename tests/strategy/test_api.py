"""The strategy's JSON API: aims with their frozen evidence, adding a commitment, posting and reading progress."""

from __future__ import annotations

import json

import pytest

from commonweal.core.models import AuditEntry
from commonweal.strategy.aims import actions as aims
from commonweal.strategy.models import Commitment
from tests.factories import make_api_token, make_organisation

pytestmark = pytest.mark.django_db


def _post(client, path, body, token):
    return client.post(
        path, json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )


def test_aims_commitments_and_updates_through_the_api(client, system, facilitator, analysed):
    _, statements = analysed
    aim = aims.check_draft_aim(
        facilitator, system, aims.AimInput("Care closer to home", "x"), [statements[0].pk]
    )
    org = make_organisation(system, name="Acute")
    token = make_api_token(facilitator)
    base = f"/api/manage/systems/{system.slug}"
    listed = client.get(f"{base}/aims", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    evidence = listed["aims"][0]["evidence"][0]
    assert evidence["common_ground"] and evidence["figures"]["overall"]["voters"] == "24"
    bad = _post(
        client,
        f"{base}/aims/{aim.pk}/commitments",
        {
            "what": "Fund",
            "organisation": org.pk,
            "starts_on": "2026-05-01",
            "ends_on": "2026-04-01",
            "resources": [{"kind": "money", "amount": -5}],
        },
        token,
    )
    assert bad.status_code == 400
    fields = {f["field"] for f in bad.json()["error"]["detail"]["fields"]}
    assert {"ends_on"} <= fields
    made = _post(
        client,
        f"{base}/aims/{aim.pk}/commitments",
        {"what": "Fund", "organisation": org.pk, "resources": [{"kind": "money", "amount": 1000}]},
        token,
    )
    assert made.status_code == 201, made.content
    item = Commitment.objects.get()
    assert item.created_route == "api"
    posted = _post(
        client, f"{base}/commitments/{item.pk}/updates", {"status": "at_risk", "text": "Slow"}, token
    )
    assert posted.status_code == 201 and posted.json()["route"] == "api"
    updates = client.get(f"{base}/commitments/{item.pk}/updates", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert updates["status"] == "at_risk" and len(updates["updates"]) == 1
    assert AuditEntry.objects.get(action="commitment.progress").after["route"] == "api"
    assert client.get(f"{base}/aims").status_code == 401


def test_the_openapi_document_describes_the_strategy(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    assert "/api/manage/systems/{system}/aims" in paths
    assert "post" in paths["/api/manage/systems/{system}/commitments/{commitment}/updates"]
