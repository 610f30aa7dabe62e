"""The report as a PDF: pypdf reads it back, its text has the report's headings and findings, it holds the
charts as images, the shared link's PDF needs no account, and it is rendered once per snapshot (a board opening
the link together does not render it twelve times)."""

from __future__ import annotations

import io
import os
import threading
import time
from pathlib import Path

import pytest
from django.test import Client
from pypdf import PdfReader

from commonweal.conversations.jobs.compute import compute_snapshot
from commonweal.reports.models import ReportShare
from commonweal.reports.report import pdf
from tests.factories import (
    make_facilitator,
    make_participant,
    make_vote,
)
from tests.reports.test_report import COMMON_GROUND, plant_conversation

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("data_dir")]

HEADINGS = [
    "The question",
    "Key findings",
    "Who took part",
    "Who did not take part",
    "Common ground",
    "Opinion groups",
    "Topics for dialogue",
    "Method and caveats",
]


def text_of(reader: PdfReader) -> str:
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def images_of(reader: PdfReader) -> list[tuple[int, int]]:
    """(width, height) of every image XObject on every page."""
    sizes = []
    for page in reader.pages:
        resources = page.get("/Resources") or {}
        xobjects = resources.get("/XObject") or {}
        for ref in xobjects.values():
            obj = ref.get_object()
            if obj.get("/Subtype") == "/Image":
                sizes.append((int(obj["/Width"]), int(obj["/Height"])))
    return sizes


def test_the_pdf_has_the_report_headings_and_the_charts():
    planted = plant_conversation()
    conversation = planted.conversation
    client = Client()
    client.force_login(make_facilitator(conversation.system))
    response = client.get(f"/manage/conversations/{conversation.slug}/report.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{conversation.slug}-report.pdf"'
    data = response.content
    if os.environ.get("COMMONWEAL_SCREENSHOTS"):
        Path(os.environ["COMMONWEAL_SCREENSHOTS"], "report.pdf").write_bytes(data)
    reader = PdfReader(io.BytesIO(data))
    text = text_of(reader)
    positions = [text.find(h) for h in HEADINGS]
    assert all(p >= 0 for p in positions), dict(zip(HEADINGS, positions, strict=True))
    assert positions == sorted(positions), "the sections are out of order"
    assert conversation.question in text
    assert COMMON_GROUND[:40] in text
    assert "No one from Westbrook took part." in text
    assert "Page 1 of" in text  # page numbers
    assert len(reader.pages) >= 5  # the main sections start on new pages
    # The charts: opinion map, bridging, participation and stability, drawn at scale 2 (wider than 600 px).
    images = images_of(reader)
    assert len(images) >= 4, images
    assert all(w >= 600 for w, _ in images), images


def test_the_shared_pdf_needs_no_account():
    planted = plant_conversation()
    share = ReportShare.objects.create(conversation=planted.conversation, label="ICP board")
    response = Client().get(f"/r/{share.token}/report.pdf")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Disposition"].endswith(f'filename="{planted.conversation.slug}-report.pdf"')
    reader = PdfReader(io.BytesIO(response.content))
    assert "Common ground" in text_of(reader)
    share.refresh_from_db()
    assert share.last_opened_at is not None


def test_a_conversation_without_a_snapshot_has_a_pdf_of_who_took_part():
    planted = plant_conversation(snapshot=False)
    text = text_of(PdfReader(io.BytesIO(pdf.report_pdf(planted.conversation))))
    assert "Who took part" in text and "There is no analysis of this conversation yet" in text
    assert "Group A" not in text and "To talk about" not in text


def test_the_pdf_is_rendered_once_per_snapshot(monkeypatch, data_dir):
    planted = plant_conversation()
    conversation = planted.conversation
    calls = []
    real = pdf.html_to_pdf

    def counting(html):
        calls.append(len(html))
        return real(html)

    monkeypatch.setattr(pdf, "html_to_pdf", counting)
    share = ReportShare.objects.create(conversation=conversation, label="ICP board")
    first = [Client().get(f"/r/{share.token}/report.pdf").content for _ in range(3)]
    assert len(calls) == 1 and first[0] == first[1] == first[2]
    assert len(list((data_dir / "report-pdfs" / conversation.slug).glob("*.pdf"))) == 1

    # A new vote and a new snapshot: a new PDF, and the old one is removed.
    p = make_participant(conversation.system, conversation=conversation)
    for statement in conversation.statements.filter(state="accepted")[:8]:
        make_vote(p, statement, 1)
    compute_snapshot(conversation)
    Client().get(f"/r/{share.token}/report.pdf")
    assert len(calls) == 2
    assert len(list((data_dir / "report-pdfs" / conversation.slug).glob("*.pdf"))) == 1


def test_a_pdf_not_ready_at_once_shows_its_progress_then_downloads(monkeypatch, settings, data_dir):
    settings.REPORT_PDF_WAIT_SECONDS = 0  # answer at once: the PDF is never ready that fast
    planted = plant_conversation()
    share = ReportShare.objects.create(conversation=planted.conversation, label="ICP board")
    gate = threading.Event()
    calls = []

    def slow(html):
        calls.append(1)
        assert gate.wait(60)
        return b"%PDF-1.7 the report"

    monkeypatch.setattr(pdf, "html_to_pdf", slow)
    url = f"/r/{share.token}/report.pdf"
    client = Client()
    for _ in range(2):  # asking again while it renders does not start another rendering
        waiting = client.get(url)
        assert waiting.status_code == 202
        assert "no-store" in waiting["Cache-Control"]
        page = waiting.content.decode()
        assert "Preparing the PDF" in page and 'data-every="2"' in page and "http-equiv" not in page
        assert '<progress id="cw-pdf-progress"' in page and f'href="/r/{share.token}/"' in page
    gate.set()
    deadline = time.monotonic() + 30
    while (got := client.get(url)).status_code == 202 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert got.status_code == 200 and got["Content-Type"] == "application/pdf"
    assert got.content == b"%PDF-1.7 the report" and len(calls) == 1


def test_a_pdf_that_fails_to_render_says_so_on_the_next_look_and_can_be_tried_again(monkeypatch, settings):
    settings.REPORT_PDF_WAIT_SECONDS = 0
    planted = plant_conversation()
    share = ReportShare.objects.create(conversation=planted.conversation, label="ICP board")
    gate, failed = threading.Event(), threading.Event()

    def broken(html):
        assert gate.wait(60)  # fails only once the first look has been answered
        failed.set()
        raise RuntimeError("the fonts are missing")

    monkeypatch.setattr(pdf, "html_to_pdf", broken)
    url = f"/r/{share.token}/report.pdf"
    client = Client()
    assert client.get(url).status_code == 202  # being made
    gate.set()
    assert failed.wait(30)
    # The next look once the rendering has ended raises its error: never a progress page for ever, never a blank.
    deadline = time.monotonic() + 30
    with pytest.raises(RuntimeError, match="the fonts are missing"):
        while time.monotonic() < deadline:
            assert client.get(url).status_code == 202  # the thread is still recording the error
            time.sleep(0.05)
    monkeypatch.setattr(pdf, "html_to_pdf", lambda html: b"%PDF-1.7 at last")
    settings.REPORT_PDF_WAIT_SECONDS = 30
    assert client.get(url).content == b"%PDF-1.7 at last"
