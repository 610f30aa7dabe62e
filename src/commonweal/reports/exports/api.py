"""The exports and the Pol.is import in the JSON API, under /api/manage/ (facilitators, with an API token).

- ``GET /api/manage/conversations/{slug}/exports/{format}``: the analysis JSON (``analysis``) or the
  per-statement CSV (``statements``), small numbers suppressed; or a raw export with small numbers, the Pol.is
  zip (``polis``) or the raw analysis JSON (``analysis-raw``), which needs ``conversation.export_raw``; as a
  download, audited like the page's.
- ``POST /api/manage/systems/{system}/import-polis``: a Pol.is export (multipart: ``files``, the zip or its CSV
  files; optional ``title``) imported as a new closed conversation; 201 with what was imported, or 400
  ``import_failed`` with the file, row and reason in ``detail.errors``.

Both call the same actions as the pages (``exports.do_export``, ``polis_import.check_import_polis``).
"""

from __future__ import annotations

import tempfile
from typing import Any, Literal

from django.http import FileResponse, HttpRequest
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from commonweal.accounts.api import api_token
from commonweal.conversations.polis_import.actions import POLIS_FILES, check_import_polis, max_upload_bytes
from commonweal.conversations.queries import get_conversation
from commonweal.core.errors import InvalidInput
from commonweal.reports.exports import build as export_files
from commonweal.reports.permissions import require
from commonweal.systems.queries import get_system

router = Router(tags=["facilitators: exports and imports"], auth=api_token)


class ImportedOut(Schema):
    slug: str
    title: str
    statements: int
    participants: int
    votes: int
    vote_events: int
    summary: str
    manage_url: str


@router.get(
    "/conversations/{slug}/exports/{format}",
    summary="Download an export: the analysis JSON, the per-statement CSV, or a raw one (the Pol.is zip, the raw "
    "analysis JSON: small numbers, their own permission)",
)
def export_conversation(
    request: HttpRequest, slug: str, format: Literal["polis", "analysis", "analysis-raw", "statements"]
) -> Any:
    conversation = get_conversation(slug)
    require(request.auth, export_files.permission(format), conversation)  # type: ignore[attr-defined]
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 (FileResponse closes it)
    try:
        written = export_files.do_export(request.auth, conversation, format, out)  # type: ignore[attr-defined]
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return FileResponse(out, as_attachment=True, filename=written.filename, content_type=written.content_type)


@router.post(
    "/systems/{system}/import-polis",
    response={201: ImportedOut},
    summary="Import a Pol.is export as a new closed conversation",
)
def import_polis_export(
    request: HttpRequest,
    system: str,
    # Optional here so that the permission check comes before any check of the body: someone without the
    # role gets 403 whatever they sent.
    files: File[list[UploadedFile] | None] = None,
    title: Form[str] = "",
) -> Status[dict[str, Any]]:
    obj = get_system(system)
    require(request.auth, "conversation.import", obj)  # type: ignore[attr-defined]
    if not files:
        raise InvalidInput(
            "Send the Pol.is export as multipart form data: 'files', the zip or its CSV files.",
            detail={"fields": [{"field": "files", "problem": "missing"}]},
        )
    limit = max_upload_bytes()
    if sum(f.size or 0 for f in files) > limit:
        raise InvalidInput(
            f"The files come to more than {limit // 1024 // 1024} MB: import this export with "
            "`commonweal import-polis` on the server.",
            detail={"fields": [{"field": "files", "problem": "too large"}]},
        )
    names = [f.name or "" for f in files]
    unknown = [n for n in names if not n.lower().endswith(".zip") and n not in POLIS_FILES]
    if unknown:
        raise InvalidInput(
            f"{', '.join(unknown)} is not part of a Pol.is export: send the zip, or files named "
            + ", ".join(POLIS_FILES),
            detail={"fields": [{"field": "files", "problem": "unknown file name"}]},
        )
    conversation = check_import_polis(
        request.auth,  # type: ignore[attr-defined]
        obj,
        {f.name: f.read() for f in files},
        title=title or None,
    )
    result = conversation.import_result  # type: ignore[attr-defined]
    return Status(
        201,
        {
            "slug": conversation.slug,
            "title": conversation.title,
            "statements": result.statements,
            "participants": result.participants,
            "votes": result.votes,
            "vote_events": result.vote_events,
            "summary": result.summary,
            "manage_url": request.build_absolute_uri(f"/manage/conversations/{conversation.slug}/"),
        },
    )
