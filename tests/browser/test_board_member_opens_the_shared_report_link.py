"""A facilitator creates a secret link to a conversation's report for the ICP board; a board member, with no
account, opens it in another browser, reads the report's sections and downloads the PDF; the facilitator revokes
the link, and the board member's link then shows the page that says it may have been revoked. Every page visited
is checked with axe-core."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from commonweal.reports.models import ReportShare
from tests.factories import PASSWORD, make_facilitator
from tests.reports.test_report import COMMON_GROUND, DIVISIVE, plant_conversation

from .conftest import assert_accessible, assert_no_horizontal_scroll

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = os.environ.get("COMMONWEAL_SCREENSHOTS")
HEADINGS = [
    "The question",
    "Key findings",
    "Who took part",
    "Common ground",
    "Opinion groups",
    "Topics for dialogue",
    "Method and caveats",
]


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"report-{name}.png"), full_page=True)


def test_board_member_opens_the_shared_report_link(live_server, browser, page, settings, tmp_path):
    settings.DATA_DIR = tmp_path  # the PDF cache
    planted = plant_conversation()
    conversation = planted.conversation
    make_facilitator(conversation.system, username="fran")
    report_url = f"{live_server.url}/manage/conversations/{conversation.slug}/report/"

    # The facilitator signs in and opens the report.
    page.goto(report_url)
    page.get_by_label("Username").fill("fran")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(report_url)
    assert page.get_by_role("heading", level=1).inner_text() == "Report: Our five-year strategy"
    assert_accessible(page, context="(the report page)")
    shot(page, "page")

    # ... and creates a link for the board.
    page.get_by_label("Who is the link for?").fill("ICP board, 4 December")
    page.get_by_role("button", name="Create the link").click()
    link_field = page.get_by_label("Link for ICP board, 4 December")
    expect(link_field).to_be_visible()  # htmx swaps the page in; without JavaScript it is a plain post
    assert link_field.get_attribute("readonly") is not None
    expect(page.get_by_text("The link for ICP board, 4 December is ready")).to_be_visible()
    shared_url = link_field.input_value()
    # The page opened at the new link, whose Copy button copies it and says so.
    assert page.evaluate("location.hash").startswith("#share-")
    page.get_by_role("button", name="Copy the link for ICP board, 4 December").click()
    expect(page.locator(".cw-copy__status")).to_have_text("Copied.")
    assert re.fullmatch(rf"{re.escape(live_server.url)}/r/[A-Za-z0-9_-]{{20,}}/", shared_url)
    assert_accessible(page, context="(the report page with a link)")
    shot(page, "page-link")

    # A board member opens it in a browser that has never signed in.
    board_context = browser.new_context(viewport={"width": 1024, "height": 900}, locale="en-GB")
    board = board_context.new_page()
    try:
        response = board.goto(shared_url)
        assert response.status == 200
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["cache-control"] == "private, no-store"
        headings = board.locator("h2").all_inner_texts()
        assert headings == ["Contents", *HEADINGS]  # a contents list first: the report is long on a phone
        contents = board.get_by_role("navigation", name="Contents")
        contents.get_by_role("link", name="Common ground").click()
        assert board.evaluate("location.hash") == "#report-common-ground"
        assert board.locator('meta[name="robots"]').get_attribute("content") == "noindex, nofollow"
        body = board.locator("main").inner_text()
        assert COMMON_GROUND in body and DIVISIVE in body
        assert "No one from Westbrook took part." in body
        # No way into the app: the only links are in-page ones (the skip link, the contents) and the PDF.
        hrefs = board.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
        assert all(re.fullmatch(r"#[a-z-]+", h) or h.endswith("/report.pdf") for h in hrefs), hrefs
        assert_accessible(board, context="(the shared report)")
        shot(board, "shared")
        # A board member on a phone reads it without scrolling sideways.
        board.set_viewport_size({"width": 320, "height": 640})
        assert_no_horizontal_scroll(board)
        board.set_viewport_size({"width": 1024, "height": 900})

        # The PDF link downloads a PDF.
        with board.expect_download() as download_info:
            board.get_by_role("link", name=re.compile("Download it as a PDF")).click()
        download = download_info.value
        assert download.suggested_filename == f"{conversation.slug}-report.pdf"
        assert Path(download.path()).read_bytes()[:5] == b"%PDF-"

        # The facilitator revokes the link.
        page.get_by_role("link", name="Revoke the link for ICP board, 4 December").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Revoke the report link for ICP board, 4 December?"
        )
        assert_accessible(page, context="(revoking a link)")
        page.get_by_role("button", name="Revoke the link").click()
        expect(page.get_by_text("The link for ICP board, 4 December is revoked")).to_be_visible()
        expect(page.get_by_text("There are no active links.")).to_be_visible()
        assert ReportShare.objects.get().revoked_at is not None

        # The board member's link now says it may have been revoked.
        response = board.reload()
        assert response.status == 404
        assert board.get_by_role("heading", level=1).inner_text() == "This report link does not work"
        assert "may have been revoked" in board.locator("main").inner_text()
        assert "ask whoever sent it" in board.locator("main").inner_text().lower()
        assert_accessible(board, context="(a revoked link)")
        shot(board, "revoked")
    finally:
        board_context.close()
