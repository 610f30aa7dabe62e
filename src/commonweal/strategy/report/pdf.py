"""The strategy report as a PDF: the report's own sections (the same includes as the page) rendered the way the
conversation report is (:func:`commonweal.reports.report.pdf.html_to_pdf`: the print stylesheet, A4 with page
numbers, tagged PDF/UA-1 with its language and title, nothing fetched by URL)."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.template.loader import render_to_string

from commonweal.reports.report.pdf import Pending, cache_dir, html_to_pdf, pdf_or_pending
from commonweal.strategy.report.summary import StrategyReport


def _html(report: StrategyReport) -> str:
    context = {"report": report, "for_pdf": True, "SITE_NAME": settings.SITE_NAME}
    return render_to_string("strategy/report_pdf.html", context)


def render_pdf(report: StrategyReport) -> bytes:
    """The report's PDF, rendered now (no cache)."""
    return html_to_pdf(_html(report))


def report_pdf_or_pending(report: StrategyReport, *, wait: float | None) -> bytes | Pending:
    """The report's PDF, kept in the data folder by the hash of its HTML (the same report renders once), in a
    background thread: its bytes if ready within ``wait`` seconds, else how far it has gone."""
    html = _html(report)
    key = hashlib.sha256(html.encode()).hexdigest()[:24]
    return pdf_or_pending(cache_dir() / f"strategy-{report.system.slug}", key, lambda: html, wait=wait)


def filename(report: StrategyReport) -> str:
    return f"{report.system.slug}-strategy.pdf"
