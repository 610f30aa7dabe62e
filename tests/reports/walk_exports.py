"""This part's rows of the permission walk (merged by tests/test_permissions_walk.py; see WALK_TABLES there):
exports and the Pol.is import."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from commonweal.conversations.models import ImportJob
from tests.factories import make_conversation, make_participant, make_snapshot, make_statements, make_vote
from tests.walk_support import FACILITATORS, REDIRECT, Expect, api, same, staff

COMMENTS = (
    "timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body\n"
    "1700000000000,,0,0,1,0,1,Share discharge plans a day earlier\n"
    "1700000001000,,1,1,0,1,1,Care homes need steadier staffing\n"
)
VOTES = (
    "timestamp,datetime,comment-id,voter-id,vote\n"
    "1700000002000,,0,0,1\n"
    "1700000003000,,1,1,-1\n"
    "1700000004000,,1,0,0\n"
)


def small_polis_zip() -> bytes:
    """A valid Pol.is export of two comments and three votes, zipped."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("comments.csv", COMMENTS)
        archive.writestr("votes.csv", VOTES)
    return out.getvalue()


def _upload(w: dict[str, Any]) -> SimpleUploadedFile:
    # A new file object for every request: the walk posts once per role.
    return SimpleUploadedFile("export.zip", small_polis_zip(), content_type="application/zip")


_FACILITATORS_ONLY = staff(200, FACILITATORS)

EXPECTED: dict[str, Expect] = {
    "reports:exports": Expect(get=_FACILITATORS_ONLY),
    "reports:export_polis": Expect(get=_FACILITATORS_ONLY),
    "reports:export_analysis": Expect(get=_FACILITATORS_ONLY),
    # The raw analysis (small numbers): its own permission, conversation.export_raw, facilitators only.
    "reports:export_analysis_raw": Expect(get=_FACILITATORS_ONLY),
    "reports:export_statements": Expect(get=_FACILITATORS_ONLY),
    "reports:import_polis": Expect(
        get=_FACILITATORS_ONLY,
        post=staff(REDIRECT, FACILITATORS),
        post_data={"export": _upload, "title": "Imported in the walk"},
    ),
    # The JSON API (a bearer token). The walk posts JSON, which the import does not take (it wants a multipart
    # upload): 400 once the token and the role pass. tests/reports/test_exports_api.py posts real files.
    "api:export_conversation": Expect(get=api(200, FACILITATORS), json=True),
    "api:import_polis_export": Expect(
        get=same(405), post=api(400, FACILITATORS), post_data={"title": "From the walk"}, json=True
    ),
    # The progress of a queued import: who may import into the system (a job of the walk's system).
    "reports:import_job": Expect(get=_FACILITATORS_ONLY),
    "api:import_job_progress": Expect(get=api(200, FACILITATORS), json=True),
}


def params(world: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Path parameters of this part's URLs: the exports are of a conversation of their own (in the walk's
    system), with votes and an analysis snapshot, so every download has something to hold."""
    conversation = make_conversation(world["system"], title="Exported in the walk")
    statements = make_statements(conversation, 2)
    person = make_participant(world["system"], conversation=conversation)
    for statement in statements:
        make_vote(person, statement, 1)
    make_snapshot(conversation, result={})
    world["export_conversation"] = conversation
    job = ImportJob.objects.create(system=world["system"], upload="", source="export.zip")
    slug = {"slug": conversation.slug}
    of_job = {"system": world["system"].slug, "job": job.pk}
    return {
        "reports:exports": slug,
        "reports:export_polis": slug,
        "reports:export_analysis": slug,
        "reports:export_analysis_raw": slug,
        "reports:export_statements": slug,
        "api:export_conversation": {**slug, "format": "statements"},
        "reports:import_job": of_job,
        "api:import_job_progress": of_job,
    }
