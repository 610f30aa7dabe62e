"""The report as a PDF: WeasyPrint renders the report's own sections (the same includes as the page) with the
print stylesheet (A4, page numbers, sections on new pages); the charts are PNG images drawn by vl-convert at
scale 2 (WeasyPrint's own SVG renderer misplaces some of Vega's text, PNG renders the same everywhere).

Rendering takes seconds, so each PDF is kept in the data folder, keyed by the report's fingerprint (the
snapshot's tick, people joined, the last vote, the statements): a board of twelve opening the link at once
renders it once. Only the latest PDF of each conversation is kept. A page asking for one that is not ready
gets a progress page while a thread renders it (:func:`pdf_or_pending`).
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string

from commonweal.conversations.models import Conversation
from commonweal.reports.report.build import build_report, fingerprint

log = logging.getLogger("commonweal.reports")

_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def cache_dir() -> Path:
    return Path(settings.DATA_DIR) / "report-pdfs"


def filename(conversation: Conversation) -> str:
    return f"{conversation.slug}-report.pdf"


def _lock(key: str) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(key, threading.Lock())


def html_to_pdf(html: str) -> bytes:
    """A report's HTML as an accessible PDF, with the print stylesheet: the conversation report and the strategy
    report (``commonweal.strategy.report.pdf``) both render through this."""
    # deferred for start-up cost: WeasyPrint (with its fonts and CSS engine) is needed for the PDF report only
    import weasyprint
    from weasyprint.urls import URLFetcher  # deferred for start-up cost, as weasyprint above

    stylesheet = finders.find("commonweal/report-print.css")
    if not stylesheet:  # pragma: no cover - a broken installation
        raise FileNotFoundError("commonweal/report-print.css is missing from the static files")
    # Data URIs (the charts) only: the report never loads anything by a URL, so nothing in a statement's text
    # could make the server fetch a file or a web address.
    fetcher = URLFetcher(allowed_protocols={"data"})
    document = weasyprint.HTML(string=html, url_fetcher=fetcher, base_url="about:blank")
    # Tagged PDF/UA-1 (the public sector bodies accessibility regulations): a structure tree of headings,
    # paragraphs, tables and figures (the charts, with their alt text), the language from <html lang> and the
    # title from <title>, shown as the window's title.
    return document.write_pdf(  # type: ignore[no-any-return]
        stylesheets=[weasyprint.CSS(filename=str(stylesheet))], pdf_variant="pdf/ua-1"
    )


def _pdf_context(conversation: Conversation) -> dict[str, Any]:
    return {
        "report": build_report(conversation),
        "for_pdf": True,
        "SITE_NAME": settings.SITE_NAME,
        "SMALL_NUMBER_THRESHOLD": settings.SMALL_NUMBER_THRESHOLD,
    }


def render_pdf(conversation: Conversation) -> bytes:
    """Render the report of ``conversation`` as a PDF, now (no cache)."""
    return html_to_pdf(render_to_string("reports/report_pdf.html", _pdf_context(conversation)))


def report_pdf(conversation: Conversation) -> bytes:
    """The report's PDF, rendered once per fingerprint and kept in the data folder (waiting for it however long
    it takes: the command line and the tests; pages use :func:`report_pdf_or_pending`)."""
    found = report_pdf_or_pending(conversation, wait=None)
    assert isinstance(found, bytes)
    return found


def _report_key(conversation: Conversation) -> str:
    # The slug and creation time as well as the fingerprint: a restored or re-created database reuses ids.
    identity = f"{conversation.pk}:{conversation.slug}:{conversation.created_at.isoformat()}"
    return hashlib.sha256(f"{identity}:{fingerprint(conversation)}".encode()).hexdigest()[:24]


def report_pdf_or_pending(conversation: Conversation, *, wait: float | None) -> bytes | Pending:
    """The report's PDF when it is ready within ``wait`` seconds (None: however long it takes), else how far
    its rendering has gone; a page then shows progress and asks again."""
    return pdf_or_pending(
        cache_dir() / conversation.slug,
        _report_key(conversation),
        lambda: render_to_string("reports/report_pdf.html", _pdf_context(conversation)),
        wait=wait,
    )


# --- Rendering in the background ---------------------------------------------------------------------------------
#
# WeasyPrint takes seconds on a long report. A page asking for a PDF that is not on disk yet builds the report's
# HTML in the request (it reads the database), hands the HTML to a thread that turns it into a PDF (no database:
# the thread touches only the HTML and the file), and waits a moment; when the PDF is not ready by then, the page
# says so with a progress bar and asks again every two seconds, and the download starts when it is. A second
# request for the same PDF while it renders waits for the same thread rather than rendering it again.


@dataclass(frozen=True)
class Pending:
    """A PDF being rendered: when it started and about how long one takes (the last one rendered's time)."""

    started: float
    expected_seconds: float

    @property
    def elapsed_seconds(self) -> float:
        return max(0.0, time.monotonic() - self.started)

    @property
    def percent(self) -> int:
        """How far along, by time, capped at 95 until it is done."""
        return min(95, int(100 * self.elapsed_seconds / max(self.expected_seconds, 0.1)))


@dataclass
class _Job:
    started: float
    done: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None


_jobs: dict[str, _Job] = {}
_jobs_guard = threading.Lock()
#: Seconds the last PDF took to render, for the progress bar (a first guess before any).
_last_seconds = [6.0]


def _render_to(path: Path, html: str, job: _Job) -> None:
    try:
        started = time.monotonic()
        data = html_to_pdf(html)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.stem}.{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_bytes(data)
        tmp.replace(path)  # atomic: another process never reads half a file
        for old in path.parent.glob("*.pdf"):
            if old != path:
                old.unlink(missing_ok=True)
        _last_seconds[0] = time.monotonic() - started
        log.info("PDF rendered: %s (%d bytes, %.1f s)", path.name, len(data), _last_seconds[0])
    except BaseException as exc:  # handed to the request that asks next, which raises it
        job.error = exc
        log.exception("PDF rendering failed: %s", path)
    finally:
        if job.error is None:  # done: the file answers from now on (a failed job stays, to report its error)
            with _jobs_guard:
                if _jobs.get(str(path)) is job:
                    del _jobs[str(path)]
        job.done.set()


def pdf_or_pending(folder: Path, key: str, html: Callable[[], str], *, wait: float | None) -> bytes | Pending:
    """The PDF ``folder/<key>.pdf``, rendered from ``html()`` in a background thread when it is not on disk: its
    bytes if it is ready within ``wait`` seconds (None: however long it takes), else :class:`Pending`. An error
    in the rendering is raised here (to this request or the next one asking), never hidden."""
    path = folder / f"{key}.pdf"
    job_key = str(path)
    with _lock(job_key):
        if path.exists():
            return path.read_bytes()
        with _jobs_guard:
            job = _jobs.get(job_key)
        if job is None:
            job = _Job(started=time.monotonic())
            thread = threading.Thread(
                target=_render_to, args=(path, html(), job), name=f"pdf-{key[:8]}", daemon=True
            )
            with _jobs_guard:
                _jobs[job_key] = job
            thread.start()
    if not job.done.wait(wait):
        return Pending(started=job.started, expected_seconds=_last_seconds[0])
    with _jobs_guard:
        if _jobs.get(job_key) is job:
            del _jobs[job_key]
    if job.error is not None:
        raise job.error
    return path.read_bytes()


#: Seconds between two looks of the progress page (its script; without JavaScript, "Check now" by hand).
REFRESH_SECONDS = 2


def pdf_pending(request: HttpRequest, pending: Pending, *, title: str, back: str) -> HttpResponse:
    """The page shown while a PDF renders: how far it has gone; its script looks again every
    :data:`REFRESH_SECONDS` and starts the download when the same address answers with the PDF (no timed
    refresh of the page: WCAG 2.2.1). 202 Accepted: the request is being worked on."""
    context = {
        "title": title,
        "back": back,
        "refresh": REFRESH_SECONDS,
        "elapsed": round(pending.elapsed_seconds),
        "expected": max(1, round(pending.expected_seconds)),
        "percent": pending.percent,
    }
    response = render(request, "reports/pdf_pending.html", context, status=202)
    response["Cache-Control"] = "no-store"
    return response
