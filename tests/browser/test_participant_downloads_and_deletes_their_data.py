"""A participant on a phone finds "Your data" from the foot of the page, reads what is held about them, downloads
it, then deletes it after reading what goes and what stays. With and without JavaScript, in real Chromium at 320
pixels wide, every page checked with axe-core and for sideways scrolling."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from commonweal.conversations.models import Participant, Statement
from commonweal.conversations.rights.queries import format_reference
from commonweal.core.models import AuditEntry
from tests.factories import make_conversation, make_participant, make_statements, make_vote

from .conftest import PHONE, STEP_TIMEOUT_MS, assert_accessible, assert_no_horizontal_scroll

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def conversation():
    conversation = make_conversation(
        title="Riverside together",
        question="What should health and care partners in Riverside do together over the next five years?",
    )
    make_statements(conversation, 6)
    return conversation


def check(page, name: str) -> None:
    assert_accessible(page, context=f"({name})")
    assert_no_horizontal_scroll(page)


def test_participant_downloads_and_deletes_their_data(live_server, phone_page, conversation):
    page = phone_page
    page.goto(f"{live_server.url}/c/{conversation.slug}/")
    # How long the data is kept is in the consent's details, behind a link under the button.
    page.get_by_text("What we collect, how results are shown and how long we keep it").click()
    assert "keeps your votes, statements and answers for 365 days" in page.locator("main").inner_text()
    page.get_by_role("button", name="I agree, take part").click()
    page.wait_for_url(re.compile(r"/about-you/$"))
    page.get_by_role("button", name="Skip these questions").click()
    page.wait_for_url(re.compile(rf"/c/{conversation.slug}/$"))
    for _ in range(3):
        page.get_by_role("button", name="Agree", exact=True).click()
    page.get_by_text("3 of 6").wait_for()
    participant = Participant.objects.get()
    # Someone else voted on a statement too: their vote must outlive this participant's deletion.
    other = make_participant(conversation.system, conversation=conversation)
    make_vote(other, Statement.objects.first(), -1)

    # From the foot of the page, by keyboard.
    link = page.get_by_role("contentinfo").get_by_role("link", name="Your data")
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/your-data/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Your data"
    assert page.locator("#cw-reference").inner_text() == format_reference(participant.handle)
    assert "3 votes in all" in page.locator("main").inner_text()
    check(page, "your data")

    with page.expect_download() as caught:
        page.get_by_role("link", name="Download your data as JSON").click()
    download = caught.value
    assert download.suggested_filename == f"your-data-{conversation.system.slug}.json"
    document = json.loads(Path(download.path()).read_text())
    assert document["reference"] == format_reference(participant.handle)
    assert len(document["conversations"][0]["votes"]) == 3
    with page.expect_download() as caught:
        page.get_by_role("link", name="Download your data as CSV").click()
    assert Path(caught.value.path()).read_text().startswith("record,conversation,statement_id")

    page.get_by_role("link", name="Delete my data").click()
    page.wait_for_url(re.compile(r"/your-data/delete/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Delete your data?"
    assert "Your 3 votes, and any earlier votes you changed." in page.locator("main").inner_text()
    check(page, "delete your data")
    page.get_by_role("button", name="Delete my data").click()

    page.wait_for_url(re.compile(r"/your-data/$"))
    assert "Your data is deleted" in page.locator(".cw-messages").inner_text()
    assert "This device holds no data of yours" in page.locator("main").inner_text()
    check(page, "after deleting")
    assert not Participant.objects.filter(pk=participant.pk).exists()
    assert other.votes.count() == 1
    assert AuditEntry.objects.filter(action="participant.delete_own_data").count() == 1


def test_participant_without_javascript_deletes_their_data(live_server, browser, conversation):
    # With JavaScript off Playwright cannot evaluate axe-core in the page; the same server-rendered pages are
    # checked for accessibility in the story above.
    context = browser.new_context(viewport=PHONE, java_script_enabled=False, locale="en-GB")
    context.set_default_timeout(STEP_TIMEOUT_MS)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/c/{conversation.slug}/")
        page.get_by_role("button", name="I agree, take part").click()
        page.wait_for_url(re.compile(r"/about-you/$"))
        page.get_by_role("button", name="Skip these questions").click()
        page.get_by_role("button", name="Disagree", exact=True).click()
        page.get_by_text("1 of 6").wait_for()
        page.goto(f"{live_server.url}/c/{conversation.slug}/my-votes/")
        page.get_by_role("main").get_by_role("link", name="Your data").click()
        page.wait_for_url(re.compile(r"/your-data/$"))
        assert_no_horizontal_scroll(page)
        page.get_by_role("link", name="Delete my data").click()
        page.get_by_role("button", name="Delete my data").click()
        page.wait_for_url(re.compile(r"/your-data/$"))
        assert "Your data is deleted" in page.locator(".cw-messages").inner_text()
        assert not Participant.objects.exists()
    finally:
        context.close()
