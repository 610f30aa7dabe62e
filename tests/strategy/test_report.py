"""The strategy report: the facilitators' page and PDF, secret revocable links, and what a link opens."""

from __future__ import annotations

import io
import threading
import time
from datetime import date

import pytest
from django.test import Client
from pypdf import PdfReader
from pypdf.generic import BooleanObject

from commonweal.conversations.disclosure import conversation_publication
from commonweal.conversations.models import Conversation
from commonweal.core.errors import InvalidInput
from commonweal.core.models import AuditEntry
from commonweal.pulse import actions as pulse_actions
from commonweal.pulse.models import PulseRound
from commonweal.strategy.aims import actions as aims
from commonweal.strategy.commitments import actions as commitments
from commonweal.strategy.models import StrategyShare
from commonweal.strategy.report import actions, pdf
from commonweal.strategy.report.summary import build_report
from tests.factories import make_conversation, make_organisation, make_participant, make_system
from tests.pulse.factories import make_pulse_round, respond
from tests.reports.test_pdf_tagged import structure

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("data_dir")]


def _strategy(system, facilitator, statements):
    aim = aims.check_draft_aim(
        facilitator, system, aims.AimInput("Care closer to home", "Near home."), [statements[0].pk]
    )
    aims.check_change_status(facilitator, aim, aims.StatusInput("proposed"))
    aims.check_change_status(facilitator, aim, aims.StatusInput("agreed", date(2026, 3, 1), "The ICP board"))
    org = make_organisation(system, name="Acute")
    item = commitments.check_save_commitment(
        commitments.Actor(facilitator, "facilitator"),
        aim,
        commitments.CommitmentInput("Fund staff", organisation=org.pk),
    )
    commitments.check_post_progress(
        commitments.Actor(facilitator, "facilitator"), item, commitments.ProgressInput("at_risk", "Slow")
    )
    return aim


def test_the_report_page_the_pdf_and_a_link_that_can_be_revoked(fclient, system, facilitator, analysed):
    _, statements = analysed
    _strategy(system, facilitator, statements)
    base = f"/manage/systems/{system.slug}/strategy/report/"
    page = fclient.get(base).content.decode()
    assert "Care closer to home" in page and "1 at risk" in page and statements[0].text in page
    assert "What matters to us" in page  # who took part
    refused = fclient.post(base, {"label": ""})
    assert refused.status_code == 200 and "Say who the link is for" in refused.content.decode()
    assert fclient.post(base, {"label": "ICP board, May"}).status_code == 302
    share = StrategyShare.objects.get()
    board = Client()
    shared = board.get(f"/sr/{share.token}/")
    assert shared.status_code == 200 and "Care closer to home" in shared.content.decode()
    assert shared["Referrer-Policy"] == "no-referrer" and "noindex" in shared["X-Robots-Tag"]
    assert "Your systems" not in shared.content.decode()
    pdf = board.get(f"/sr/{share.token}/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert (
        fclient.post(f"/manage/systems/{system.slug}/strategy/report/links/{share.pk}/revoke/").status_code
        == 302
    )
    assert board.get(f"/sr/{share.token}/").status_code == 404
    assert board.get("/sr/not-a-token/").status_code == 404
    assert {e.action for e in AuditEntry.objects.filter(action__startswith="strategy.share")} == {
        "strategy.share",
        "strategy.share_revoke",
    }


def test_the_facilitators_pdf(fclient, system, facilitator, analysed):
    _, statements = analysed
    _strategy(system, facilitator, statements)
    response = fclient.get(f"/manage/systems/{system.slug}/strategy/report.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert f"{system.slug}-strategy.pdf" in response["Content-Disposition"]


def test_the_pdf_not_ready_at_once_shows_its_progress_then_is_kept(
    fclient, system, facilitator, analysed, settings, monkeypatch
):
    from commonweal.reports.report import pdf as report_pdf

    _, statements = analysed
    _strategy(system, facilitator, statements)
    settings.REPORT_PDF_WAIT_SECONDS = 0
    gate, calls = threading.Event(), []

    def slow(html):
        calls.append(1)
        assert gate.wait(60)
        return b"%PDF-1.7 strategy"

    monkeypatch.setattr(report_pdf, "html_to_pdf", slow)
    url = f"/manage/systems/{system.slug}/strategy/report.pdf"
    waiting = fclient.get(url)
    assert waiting.status_code == 202 and "Preparing the PDF" in waiting.content.decode()
    assert f"Strategy report: {system.name}" in waiting.content.decode()
    gate.set()
    deadline = time.monotonic() + 30
    while (got := fclient.get(url)).status_code == 202 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert got.status_code == 200 and got.content == b"%PDF-1.7 strategy"
    # The same report again: the kept file, not another rendering.
    assert fclient.get(url).content == b"%PDF-1.7 strategy" and len(calls) == 1


def test_the_pdf_is_tagged_like_the_conversation_report(system, facilitator, analysed):
    _, statements = analysed
    _strategy(system, facilitator, statements)
    reader = PdfReader(io.BytesIO(pdf.render_pdf(build_report(system))))
    root = reader.trailer["/Root"].get_object()
    assert root.get("/MarkInfo", {}).get("/Marked") == BooleanObject(True)
    assert str(root.get("/Lang")) == "en-GB"
    assert root.get("/ViewerPreferences", {}).get("/DisplayDocTitle") == BooleanObject(True)
    assert reader.metadata.title == f"Strategy report: {system.name}"
    assert b"pdfuaid:part" in root["/Metadata"].get_object().get_data()
    elements: list = []
    structure(root["/StructTreeRoot"], elements)
    roles = {str(e.get("/S")) for e in elements}
    assert {"/H1", "/H2", "/H3", "/P", "/L", "/Table", "/TH", "/TD"} <= roles, sorted(roles)
    text = "".join(page.extract_text() for page in reader.pages)
    assert "Care closer to home" in text and "Fund staff" in text


def test_who_took_part_is_as_each_conversation_publishes_it_and_the_pulse_is_the_latest_change(
    system, analysed
):
    conversation, _ = analysed
    small = make_conversation(system, title="A small one")
    for _ in range(3):
        make_participant(system, conversation=small, about_you_done=True)
    make_conversation(system, title="Not open yet", status=Conversation.Status.DRAFT)
    spring = make_pulse_round(system, name="Spring")
    for _ in range(10):
        respond(spring, direction=2)
    pulse_actions.do_change_status(None, spring, PulseRound.Status.CLOSED)
    autumn = make_pulse_round(system, name="Autumn")
    for i in range(10):
        respond(autumn, direction=4 + i % 2)

    report = build_report(system)
    shown = {row.name: row.people.display for row in report.conversations}
    # Headline counts, through the disclosure layer: the same words as each conversation's own publication.
    assert shown == {
        "What matters to us": conversation_publication(conversation).cell("participants", None).display,
        "A small one": conversation_publication(small).cell("participants", None).display,
    }
    assert shown["What matters to us"] == "24"
    assert [(row.name, row.people.display) for row in report.pulse_responses] == [
        ("Spring", "10"),
        ("Autumn", "10"),
    ]
    assert report.pulse_rounds == "Spring to Autumn"
    assert report.pulse.startswith("Direction rose from 2.0 to 4.5")


def test_a_link_label_is_cleaned_and_checked(system, facilitator):
    with pytest.raises(InvalidInput):
        actions.check_create_share(facilitator, system, "\u200b \x07")
    with pytest.raises(InvalidInput):
        actions.check_create_share(facilitator, system, "x" * (actions.LABEL_MAX + 1))
    assert actions.check_create_share(facilitator, system, "  ICP\u200b board ").label == "ICP board"


def test_revoking_is_a_button_and_another_systems_link_is_not_found(fclient, system, facilitator):
    share = actions.check_create_share(facilitator, system, "ICP board")
    revoke = f"/manage/systems/{system.slug}/strategy/report/links/{share.pk}/revoke/"
    assert fclient.get(revoke).status_code == 405
    other = actions.check_create_share(facilitator, make_system(), "Another board")
    wrong = f"/manage/systems/{system.slug}/strategy/report/links/{other.pk}/revoke/"
    assert fclient.post(wrong).status_code == 404
    other.refresh_from_db()
    assert other.revoked_at is None


def test_a_system_with_no_strategy_yet(fclient, system):
    page = fclient.get(f"/manage/systems/{system.slug}/strategy/report/").content.decode()
    assert "No aims are agreed yet." in page and "No commitments to them yet." in page
    assert "There are no active links." in page
