"""A participant types a statement that has already been said, sees it suggested, votes on it with one tap, and
still has what they typed; real Chromium at 320 pixels wide, axe-clean on every page."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from commonweal.conversations.models import Participant, Statement, Vote
from tests.factories import make_conversation, make_statement

from .conftest import assert_accessible, assert_no_horizontal_scroll

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = os.environ.get("COMMONWEAL_SCREENSHOTS")
PLANTED = "More GPs should work in rural areas"
TYPED = "We need more GPs working in rural areas"
OTHERS = [
    "Care homes need fair funding",
    "Share patient records between hospitals and councils",
    "Libraries are great places for health advice",
    "Bus routes to the hospital should run later",
]


def check(page, name: str) -> None:
    assert_accessible(page, context=f"({name})")
    assert_no_horizontal_scroll(page)
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"similar-{name}.png"), full_page=True)


def check_without_javascript(page, phone_page, base: str, name: str) -> None:
    """axe-core needs JavaScript, which this page has off: check the same markup in a phone page that has it."""
    html = page.content().replace("<head>", f'<head><base href="{base}/">', 1)
    phone_page.set_content(html)
    phone_page.wait_for_load_state()
    assert_accessible(phone_page, context=f"({name}, served without JavaScript)")
    assert_no_horizontal_scroll(phone_page)
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"similar-{name}.png"), full_page=True)


def test_participant_sees_similar_statements(live_server, phone_page):
    conversation = make_conversation(participants_can_add=True, title="Riverside together")
    planted = make_statement(conversation, PLANTED)
    for text in OTHERS:
        make_statement(conversation, text)
    page = phone_page
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    page.goto(f"{live_server.url}/c/{conversation.slug}/")
    page.get_by_role("button", name="I agree, take part").click()
    page.wait_for_load_state()
    if page.url.endswith("/about-you/"):
        page.get_by_role("button", name="Skip these questions").click()
    page.wait_for_url(re.compile(rf"/c/{conversation.slug}/$"))
    page.get_by_role("link", name="Add a statement").first.click()
    page.wait_for_url(re.compile(r"/add/$"))
    check(page, "01-add")

    box = page.get_by_label("Your statement")
    box.press_sequentially(TYPED, delay=20)
    suggestion = page.locator(f"#cw-similar-{planted.pk}")
    suggestion.wait_for()
    assert page.get_by_role("heading", name="Already said?").is_visible()
    assert suggestion.locator(".cw-similar__text").inner_text() == PLANTED
    for text in OTHERS:
        assert page.locator("#cw-similar").get_by_text(text).count() == 0
    check(page, "02-suggested")

    suggestion.get_by_role("button", name="Agree", exact=True).click()
    saved = page.locator(f"#cw-similar-{planted.pk} .cw-similar__saved")
    saved.wait_for()
    assert saved.inner_text().strip() == "✓ Your vote on that statement is saved. You can still add yours."
    participant = Participant.objects.get()
    assert Vote.objects.get(participant=participant, statement=planted).value == 1
    assert box.input_value() == TYPED
    assert page.url.endswith("/add/")
    check(page, "03-voted")

    # They add theirs anyway: what they typed goes in, and the suggestion they saw is not asked about again.
    box.press_sequentially(" and towns", delay=10)
    page.get_by_role("button", name="Add my statement").click()
    page.wait_for_url(re.compile(rf"/c/{conversation.slug}/$"))
    assert Statement.objects.filter(conversation=conversation, text=TYPED + " and towns").exists()
    assert not errors, errors


def test_participant_without_javascript_is_asked_before_adding_a_near_duplicate(
    live_server, browser, phone_page
):
    conversation = make_conversation(participants_can_add=True, title="Riverside together")
    planted = make_statement(conversation, PLANTED)
    for text in OTHERS:
        make_statement(conversation, text)
    context = browser.new_context(
        viewport={"width": 320, "height": 640}, java_script_enabled=False, locale="en-GB"
    )
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/c/{conversation.slug}/")
        page.get_by_role("button", name="I agree, take part").click()
        page.wait_for_load_state()
        if page.url.endswith("/about-you/"):
            page.get_by_role("button", name="Skip these questions").click()
        page.goto(f"{live_server.url}/c/{conversation.slug}/add/")
        typed = "More GPs should work in the rural areas"
        page.get_by_label("Your statement").fill(typed)
        page.get_by_role("button", name="Add my statement").click()
        page.wait_for_load_state()

        # Not added yet: the statement already said is shown, with what they typed still in the box.
        assert page.get_by_role("heading", name="Already said?").is_visible()
        assert page.locator(f"#cw-similar-{planted.pk} .cw-similar__text").inner_text() == PLANTED
        assert page.get_by_label("Your statement").input_value() == typed
        assert not Statement.objects.filter(text=typed).exists()
        check_without_javascript(page, phone_page, live_server.url, "nojs-01-confirm")

        # A vote on the statement already said: saved, and the text is still there.
        page.locator(f"#cw-similar-{planted.pk}").get_by_role("button", name="Disagree", exact=True).click()
        page.wait_for_load_state()
        assert (
            "Your vote on that statement is saved. You can still add yours."
            in page.locator(".cw-saved").inner_text()
        )
        assert page.get_by_label("Your statement").input_value() == typed
        assert Vote.objects.get(statement=planted).value == -1
        check_without_javascript(page, phone_page, live_server.url, "nojs-02-voted")

        # Adding theirs anyway.
        page.get_by_role("button", name="Add my statement").click()
        page.wait_for_load_state()
        page.get_by_role("button", name="Add mine anyway").click()
        page.wait_for_url(re.compile(rf"/c/{conversation.slug}/$"))
        assert Statement.objects.filter(conversation=conversation, text=typed).exists()
    finally:
        context.close()
