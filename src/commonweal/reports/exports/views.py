"""The exports page, the downloads (two published, two raw), and the Pol.is import page. Views parse and call one
action."""

from __future__ import annotations

import tempfile
from typing import Any

from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from commonweal.accounts.decorators import manager_view
from commonweal.conversations.models import ImportJob
from commonweal.conversations.polis_import.actions import max_upload_bytes, queue_import_polis
from commonweal.conversations.polis_import.queries import STAGES, get_import_job
from commonweal.conversations.queries import get_conversation
from commonweal.core.errors import ImportFailed
from commonweal.core.http import posted, posted_files
from commonweal.reports.exports import build as export_files
from commonweal.reports.exports.forms import ImportPolisForm
from commonweal.reports.permissions import can, require
from commonweal.systems.queries import get_system


@manager_view
@require_GET
def exports(request: HttpRequest, slug: str) -> HttpResponse:
    conversation = get_conversation(slug)
    require(request.user, "export.download", conversation)
    return render(
        request,
        "reports/exports.html",
        {
            "conversation": conversation,
            "system": conversation.system,
            "facts": export_files.describe(conversation),
            # Keyed for the template (filenames.analysis_raw).
            "filenames": {
                fmt.replace("-", "_"): export_files.filename(conversation, fmt)
                for fmt in export_files.FORMATS
            },
            "can_import": can(request.user, "conversation.import", conversation.system),
            "can_export_raw": can(request.user, "conversation.export_raw", conversation),
        },
    )


def _download(request: HttpRequest, slug: str, fmt: str) -> FileResponse:
    conversation = get_conversation(slug)
    require(request.user, export_files.permission(fmt), conversation)
    # Spooled: small files stay in memory, a large Pol.is zip goes to a temporary file that is deleted when the
    # response has been sent.
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 (FileResponse closes it)
    try:
        written = export_files.do_export(request.user, conversation, fmt, out)
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return FileResponse(out, as_attachment=True, filename=written.filename, content_type=written.content_type)


@manager_view
@require_GET
def export_polis(request: HttpRequest, slug: str) -> Any:  # a FileResponse (streamed)
    return _download(request, slug, "polis")


@manager_view
@require_GET
def export_analysis(request: HttpRequest, slug: str) -> Any:  # a FileResponse (streamed)
    return _download(request, slug, "analysis")


@manager_view
@require_GET
def export_analysis_raw(request: HttpRequest, slug: str) -> Any:  # a FileResponse (streamed)
    return _download(request, slug, "analysis-raw")


@manager_view
@require_GET
def export_statements(request: HttpRequest, slug: str) -> Any:  # a FileResponse (streamed)
    return _download(request, slug, "statements")


@manager_view
@require_http_methods(["GET", "HEAD", "POST"])
def import_polis(request: HttpRequest, system: str) -> HttpResponse:
    obj = get_system(system)
    require(request.user, "conversation.import", obj)
    form = ImportPolisForm(posted(request), posted_files(request))
    failure: ImportFailed | None = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            # Saved to the data folder and imported by the worker: a large export never runs in a request.
            job = queue_import_polis(
                request.user, obj, form.cleaned_data["export"], title=form.cleaned_data["title"]
            )
            return redirect("reports:import_job", system=obj.slug, job=job.pk)
    return render(
        request,
        "reports/import_polis.html",
        {
            "system": obj,
            "form": form,
            "failure": failure,
            "errors": (failure.detail or {}).get("errors", []) if failure else [],
            "max_mb": max_upload_bytes() // 1024 // 1024,
        },
        status=status,
    )


@manager_view
@require_GET
def import_job(request: HttpRequest, system: str, job: int) -> HttpResponse:
    """The progress of a queued import: its stage, refreshed every 2 seconds (htmx; a link without JavaScript),
    and at the end the new conversation or what was wrong."""
    obj = get_system(system)
    require(request.user, "conversation.import", obj)
    found = get_import_job(obj, job)
    finished = found.status in (ImportJob.Status.DONE, ImportJob.Status.FAILED)
    return render(
        request,
        "reports/import_job.html",
        {
            "system": obj,
            "job": found,
            "finished": finished,
            "stage": STAGES.get(found.stage, found.stage),
            "percent": int(100 * found.done / found.total) if found.total else 0,
            "errors": found.errors if found.status == ImportJob.Status.FAILED else [],
        },
    )
