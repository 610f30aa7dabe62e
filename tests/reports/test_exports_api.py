"""The exports and the Pol.is import through the JSON API, with a facilitator's bearer token."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from commonweal.conversations.models import Conversation
from commonweal.core.models import AuditEntry
from tests.factories import make_api_token, make_facilitator, make_moderator, make_system
from tests.reports.test_exports import planted_conversation
from tests.reports.walk_exports import COMMENTS, VOTES, small_polis_zip

pytestmark = pytest.mark.django_db


def _headers(user) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {make_api_token(user)}"}


def test_a_facilitator_downloads_the_statements_csv_with_a_token():
    conversation = planted_conversation()
    headers = _headers(make_facilitator(conversation.system))
    response = Client().get(f"/api/manage/conversations/{conversation.slug}/exports/statements", **headers)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{conversation.slug}-statements.csv"'
    assert b"".join(response.streaming_content).decode("utf-8-sig").startswith("statement id,")
    assert AuditEntry.objects.filter(action="export.download", after__format="statements").count() == 1


def test_the_api_says_why_there_is_no_analysis_yet_in_the_one_error_shape():
    conversation = planted_conversation()
    headers = _headers(make_facilitator(conversation.system))
    response = Client().get(f"/api/manage/conversations/{conversation.slug}/exports/analysis", **headers)
    assert response.status_code == 404
    assert json.loads(response.content)["error"]["code"] == "no_snapshot"


def test_a_moderator_token_cannot_download():
    conversation = planted_conversation()
    response = Client().get(
        f"/api/manage/conversations/{conversation.slug}/exports/polis",
        **_headers(make_moderator(conversation)),
    )
    assert response.status_code == 403
    assert json.loads(response.content)["error"]["code"] == "permission_denied"


def _progress(response, headers):
    from commonweal.conversations.polis_import.actions import run_next_import_job

    assert response.status_code == 202, response.content
    body = json.loads(response.content)
    assert body["status"] == "queued"
    run_next_import_job()
    return json.loads(Client().get(body["progress_url"], **headers).content)


def test_a_facilitator_imports_a_zip_through_the_api():
    system = make_system()
    headers = _headers(make_facilitator(system))
    response = Client().post(
        f"/api/manage/systems/{system.slug}/import-polis",
        {"files": SimpleUploadedFile("export.zip", small_polis_zip()), "title": "From the API"},
        **headers,
    )
    body = _progress(response, headers)
    conversation = Conversation.objects.get(system=system)
    assert body["status"] == "done"
    assert body["slug"] == conversation.slug
    assert conversation.title == "From the API"
    assert body["summary"].startswith("Imported 2 statements, 2 participants and 3 votes")
    assert body["manage_url"].endswith(f"/manage/conversations/{conversation.slug}/")


def test_a_malformed_export_through_the_api_is_refused_with_file_row_and_reason():
    system = make_system()
    headers = _headers(make_facilitator(system))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("comments.csv", COMMENTS)
        archive.writestr("votes.csv", VOTES.replace(",1,-1\n", ",1,3\n"))
    response = Client().post(
        f"/api/manage/systems/{system.slug}/import-polis",
        {"files": SimpleUploadedFile("export.zip", out.getvalue())},
        **headers,
    )
    body = _progress(response, headers)
    assert body["status"] == "failed"
    assert body["errors"][0]["file"] == "votes.csv"
    assert body["errors"][0]["row"] == 3
    assert "votes.csv, row 3" in body["error"]
    assert not Conversation.objects.filter(system=system).exists()
