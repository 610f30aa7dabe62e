"""The exports and the Pol.is import in the JSON API, under /api/manage/ (facilitators, with an API token).

- ``GET /api/manage/conversations/{slug}/exports/{format}``: the analysis JSON (``analysis``) or the
  per-statement CSV (``statements``), small numbers suppressed; or a raw export with small numbers, the Pol.is
  zip (``polis``) or the raw analysis JSON (``analysis-raw``), which needs ``conversation.export_raw``; as a
  download, audited like the page's.
- ``POST /api/manage/systems/{system}/import-polis``: a Pol.is export (multipart: ``files``, the zip or its CSV
  files; optional ``title``) saved and queued for the analysis worker to import as a new closed conversation:
  202 with the job and its ``progress_url``.
- ``GET /api/manage/systems/{system}/imports/{job}``: the job's status (queued, running, done, failed), stage and
  progress; once done the new conversation's ``slug``, once failed ``error`` and, for a refused export, the
  file, row and reason in ``errors``.

Both call the same actions as the pages (``exports.do_export``, ``polis_import.queue_import_polis``).
"""

from __future__ import annotations

import tempfile
from typing import Any, Literal

from django.http import FileResponse, HttpRequest
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from commonweal.accounts.api import api_token
from commonweal.conversations.models import ImportJob
from commonweal.conversations.polis_import.actions import POLIS_FILES, max_upload_bytes, queue_import_polis
from commonweal.conversations.polis_import.queries import get_import_job
from commonweal.conversations.queries import get_conversation
from commonweal.core.errors import InvalidInput
from commonweal.reports.exports import build as export_files
from commonweal.reports.permissions import require
from commonweal.systems.queries import get_system

router = Router(tags=["facilitators: exports and imports"], auth=api_token)


class ImportJobOut(Schema):
    job: int
    status: Literal["queued", "running", "done", "failed"]
    stage: str
    done: int
    total: int
    slug: str | None
    summary: str
    error: str
    errors: list[dict[str, Any]]
    progress_url: str
    manage_url: str | None


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
    response={202: ImportJobOut},
    summary="Queue the import of a Pol.is export as a new closed conversation; follow progress_url",
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
    # Saved to the data folder and imported by the analysis worker: a large export never runs in a request.
    job = queue_import_polis(request.auth, obj, files, title=title)  # type: ignore[attr-defined]
    return Status(202, _job_out(request, job))


def _job_out(request: HttpRequest, job: ImportJob) -> dict[str, Any]:
    conversation = job.conversation
    return {
        "job": job.pk,
        "status": job.status,
        "stage": job.stage,
        "done": job.done,
        "total": job.total,
        "slug": conversation.slug if conversation else None,
        "summary": job.summary,
        "error": job.error,
        "errors": job.errors,
        "progress_url": request.build_absolute_uri(f"/api/manage/systems/{job.system.slug}/imports/{job.pk}"),
        "manage_url": (
            request.build_absolute_uri(f"/manage/conversations/{conversation.slug}/")
            if conversation
            else None
        ),
    }


@router.get(
    "/systems/{system}/imports/{job}",
    response={200: ImportJobOut},
    summary="The progress of a Pol.is import: queued, running (stage, done of total), done (the new "
    "conversation) or failed (the file, row and reason)",
)
def import_job_progress(request: HttpRequest, system: str, job: int) -> dict[str, Any]:
    obj = get_system(system)
    require(request.auth, "conversation.import", obj)  # type: ignore[attr-defined]
    return _job_out(request, get_import_job(obj, job))
