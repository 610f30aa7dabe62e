"""The report as a PDF: WeasyPrint renders the report's own sections (the same includes as the page) with the
print stylesheet (A4, page numbers, sections on new pages); the charts are PNG images drawn by vl-convert at
scale 2 (WeasyPrint's own SVG renderer misplaces some of Vega's text, PNG renders the same everywhere).

Rendering takes seconds, so each PDF is kept in the data folder, keyed by the report's fingerprint (the
snapshot's tick, people joined, the last vote, the statements): a board of twelve opening the link at once
renders it once. Only the latest PDF of each conversation is kept.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
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


def render_pdf(conversation: Conversation) -> bytes:
    """Render the report of ``conversation`` as a PDF, now (no cache)."""
    report = build_report(conversation)
    context = {
        "report": report,
        "for_pdf": True,
        "SITE_NAME": settings.SITE_NAME,
        "SMALL_NUMBER_THRESHOLD": settings.SMALL_NUMBER_THRESHOLD,
    }
    return html_to_pdf(render_to_string("reports/report_pdf.html", context))


def report_pdf(conversation: Conversation) -> bytes:
    """The report's PDF, rendered once per fingerprint and kept in the data folder."""
    # The slug and creation time as well as the fingerprint: a restored or re-created database reuses ids.
    identity = f"{conversation.pk}:{conversation.slug}:{conversation.created_at.isoformat()}"
    key = hashlib.sha256(f"{identity}:{fingerprint(conversation)}".encode()).hexdigest()[:24]
    folder = cache_dir() / conversation.slug
    path = folder / f"{key}.pdf"
    with _lock(f"{conversation.pk}-{key}"):
        if path.exists():
            return path.read_bytes()
        data = render_pdf(conversation)
        folder.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{key}.{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_bytes(data)
        tmp.replace(path)  # atomic: another process never reads half a file
        for old in folder.glob("*.pdf"):
            if old != path:
                old.unlink(missing_ok=True)
        log.info("report PDF rendered for %s (%d bytes)", conversation.slug, len(data))
        return data
