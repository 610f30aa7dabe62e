"""The OpenAPI document that /api/docs reads (issue 14, item 4): Swagger UI refused it ("duplicated mapping key")
when an operation's own error answers (keyed 400) sat beside the documented ones (keyed "400")."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.django_db


def no_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
    keys = [key for key, _ in pairs]
    assert len(keys) == len(set(keys)), sorted({k for k in keys if keys.count(k) > 1})
    return dict(pairs)


def test_the_openapi_document_has_no_duplicate_keys(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    json.loads(response.content, object_pairs_hook=no_duplicates)


def test_the_docs_page_loads_swagger_ui_from_the_site_itself(client):
    html = client.get("/api/docs").content.decode()
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower() and "<script>" not in html
