"""The strategy report as a PDF: the report's own sections (the same includes as the page) rendered the way the
conversation report is (:func:`commonweal.reports.report.pdf.html_to_pdf`: the print stylesheet, A4 with page
numbers, tagged PDF/UA-1 with its language and title, nothing fetched by URL)."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string

from commonweal.reports.report.pdf import html_to_pdf
from commonweal.strategy.report.summary import StrategyReport


def render_pdf(report: StrategyReport) -> bytes:
    context = {"report": report, "for_pdf": True, "SITE_NAME": settings.SITE_NAME}
    return html_to_pdf(render_to_string("strategy/report_pdf.html", context))


def filename(report: StrategyReport) -> str:
    return f"{report.system.slug}-strategy.pdf"
