"""A facilitator opens the strategy report from the strategy page and makes a secret link for the ICP board (a link
with no label is refused, and nothing is made); a board member, with no account, opens the link on a 320-pixel
phone without JavaScript, reads the aims, their evidence and commitments and who took part, and downloads the PDF;
the facilitator revokes the link, and the board member's link then says it may have been revoked. axe-clean on
every page, and no sideways scrolling at 320 pixels."""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect

from commonweal.strategy.aims import actions as aims
from commonweal.strategy.commitments import actions as commitments
from commonweal.strategy.models import StrategyShare
from tests.factories import PASSWORD, make_facilitator, make_organisation, make_system
from tests.strategy.conftest import analysed_conversation

from .conftest import PHONE, assert_accessible, assert_no_horizontal_scroll

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = os.environ.get("COMMONWEAL_SCREENSHOTS")
HEADINGS = ["In short", "Agreed aims", "Proposed aims", "Who took part", "A year later"]


def shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"strategy-report-{name}.png"), full_page=True)


def plant_strategy(system, fran, statements) -> None:
    """An agreed aim with a commitment at risk, and a proposed one."""
    agreed = aims.check_draft_aim(
        fran,
        system,
        aims.AimInput("Care closer to home", "People are cared for nearer home."),
        [statements[0].pk],
    )
    aims.check_change_status(fran, agreed, aims.StatusInput("proposed"))
    aims.check_change_status(fran, agreed, aims.StatusInput("agreed", date(2026, 3, 1), "The ICP board"))
    by_fran = commitments.Actor(fran, "facilitator")
    acute = make_organisation(system, name="Riverside Acute Trust")
    item = commitments.check_save_commitment(
        by_fran, agreed, commitments.CommitmentInput("Fund two discharge nurses", organisation=acute.pk)
    )
    commitments.check_post_progress(by_fran, item, commitments.ProgressInput("at_risk", "Recruiting is slow"))
    proposed = aims.check_draft_aim(
        fran,
        system,
        aims.AimInput("Support unpaid carers", "A break every carer can book."),
        [statements[1].pk],
    )
    aims.check_change_status(fran, proposed, aims.StatusInput("proposed"))


def test_board_member_reads_the_strategy_report_from_a_secret_link(live_server, page, browser):
    system = make_system(name="Riverside Health and Care Partnership", slug="riverside")
    fran = make_facilitator(system, username="fran")
    conversation, statements = analysed_conversation(system)
    plant_strategy(system, fran, statements)
    base = live_server.url

    # The facilitator signs in, and opens the report from the strategy page.
    page.goto(f"{base}/manage/systems/{system.slug}/strategy/")
    page.get_by_label("Username").fill("fran")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="The strategy report").click()
    page.wait_for_url(re.compile(r"/strategy/report/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Strategy report")
    assert page.get_by_text(
        "1 commitment to them from 1 organisation or community group: 1 at risk"
    ).is_visible()
    assert_accessible(page, context="(the strategy report)")
    shot(page, "page")

    # A link with no label is refused, and nothing is made.
    page.get_by_role("button", name="Make the link").click()
    expect(
        page.get_by_role("link", name="Say who the link is for, for example 'ICP board, May'")
    ).to_be_visible()
    assert StrategyShare.objects.count() == 0
    assert_accessible(page, context="(the strategy report, a link with no label)")

    # ... so the facilitator says who it is for.
    page.get_by_label("Who is the link for?").fill("ICP board, May")
    page.get_by_role("button", name="Make the link").click()
    # The page opens at the new link, which says it is ready beside its address.
    assert page.url.endswith(f"#share-{StrategyShare.objects.get().pk}")
    new_link = page.locator("li.cw-report-link").filter(has_text="Link for ICP board, May")
    expect(new_link.get_by_role("status")).to_have_text(
        "The link for ICP board, May is ready: copy it and send it."
    )
    link_field = page.get_by_label("Link for ICP board, May")
    assert link_field.get_attribute("readonly") is not None
    shared_url = link_field.input_value()
    assert re.fullmatch(rf"{re.escape(live_server.url)}/sr/[A-Za-z0-9_-]{{20,}}/", shared_url)
    assert_accessible(page, context="(the strategy report with a link)")
    page.set_viewport_size(PHONE)
    assert_no_horizontal_scroll(page)
    page.set_viewport_size({"width": 1280, "height": 900})

    # A board member opens it on a phone that has never signed in, without JavaScript.
    board_context = browser.new_context(
        viewport=PHONE, is_mobile=True, java_script_enabled=False, locale="en-GB", accept_downloads=True
    )
    board = board_context.new_page()
    check = None
    try:
        response = board.goto(shared_url)
        assert response.status == 200
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["cache-control"] == "private, no-store"
        assert board.locator('meta[name="robots"]').get_attribute("content") == "noindex, nofollow"
        assert board.locator("h2").all_inner_texts() == HEADINGS
        body = board.locator("main").inner_text()
        for text in (
            "Care closer to home",
            "Support unpaid carers",
            statements[0].text,
            "Fund two discharge nurses",
        ):
            assert text in body, text
        assert "Riverside Acute Trust" in body and "At risk" in body
        assert re.search(rf"{re.escape(conversation.title)}\s*\(open\)\s*24", body)
        # No way into the app: the only links are the skip link and the PDF.
        hrefs = board.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
        assert all(h == "#maincontent" or h.endswith("/report.pdf") for h in hrefs), hrefs
        assert board.locator("script").count() == 0  # so a browser with JavaScript shows the very same page
        assert_no_horizontal_scroll(board)
        shot(board, "shared-phone")
        # axe-core needs JavaScript to run: it checks the same page (it has no scripts) on a phone that runs it.
        check = browser.new_context(viewport=PHONE, is_mobile=True, locale="en-GB").new_page()
        check.goto(shared_url)
        assert_accessible(check, context="(the shared strategy report, 320 px)")

        # The PDF link downloads the PDF.
        with board.expect_download() as download_info:
            board.get_by_role("link", name=re.compile("Download it as a PDF")).click()
        download = download_info.value
        assert download.suggested_filename == "riverside-strategy.pdf"
        assert Path(download.path()).read_bytes()[:5] == b"%PDF-"

        # The facilitator revokes the link.
        page.get_by_role("button", name="Revoke the link for ICP board, May").click()
        expect(page.get_by_text("The link for ICP board, May is revoked")).to_be_visible()
        expect(page.get_by_text("There are no active links.")).to_be_visible()
        assert StrategyShare.objects.get().revoked_at is not None

        # The board member's link now says it may have been revoked.
        response = board.reload()
        assert response.status == 404
        assert "may have been revoked" in board.locator("main").inner_text()
        assert_no_horizontal_scroll(board)
        assert check.reload().status == 404
        assert_accessible(check, context="(a revoked strategy report link)")
    finally:
        board_context.close()
        if check is not None:
            check.context.close()
