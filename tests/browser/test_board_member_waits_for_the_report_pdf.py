"""A board member asks for the report's PDF before it is ready (the first download of a new report takes a few
seconds to render): a page says it is being made, with a progress bar, readable on a phone and by a screen reader
(axe-core); it looks again by itself every two seconds, and the download starts when the PDF is ready, with no
click and no JavaScript needed."""

from __future__ import annotations

import threading

import pytest

from commonweal.reports.models import ReportShare
from commonweal.reports.report import pdf
from tests.reports.test_report import plant_conversation

from .conftest import STEP_TIMEOUT_MS, assert_accessible, assert_no_horizontal_scroll

pytestmark = pytest.mark.django_db(transaction=True)


def test_board_member_waits_for_the_report_pdf(live_server, phone_page, settings, tmp_path, monkeypatch):
    settings.DATA_DIR = tmp_path  # the PDF cache
    settings.REPORT_PDF_WAIT_SECONDS = 0.2
    share = ReportShare.objects.create(conversation=plant_conversation().conversation, label="ICP board")
    gate = threading.Event()
    real = pdf.html_to_pdf

    def slow(html: str) -> bytes:
        assert gate.wait(60)
        return real(html)

    monkeypatch.setattr(pdf, "html_to_pdf", slow)
    page = phone_page
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server.url}/r/{share.token}/report.pdf")
    assert page.get_by_role("heading", level=1).inner_text() == "Preparing the PDF"
    assert "The PDF is being made" in page.get_by_role("status").inner_text()
    assert page.get_by_label("Progress").count() == 1
    assert_accessible(page, context="(the PDF is being made)")
    assert_no_horizontal_scroll(page)
    with page.expect_download(timeout=STEP_TIMEOUT_MS) as download:
        gate.set()  # the rendering finishes; the page's next look downloads it
    assert download.value.suggested_filename.endswith("-report.pdf")
    assert download.value.path().read_bytes().startswith(b"%PDF")
    assert not errors, errors
