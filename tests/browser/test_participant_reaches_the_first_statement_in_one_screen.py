"""A participant on a 390 x 844 phone reaches the first statement without scrolling (issue 14, item 3): the
consent's button, the "Skip these questions" button and the first statement each sit in the first screen, and
no answer about them is chosen before they choose it."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.factories import make_community, make_conversation, make_organisation, make_place, make_statements

from .conftest import STEP_TIMEOUT_MS, assert_accessible, assert_no_horizontal_scroll

pytestmark = pytest.mark.django_db(transaction=True)

PHONE_390 = {"width": 390, "height": 844}
SHOTS = os.environ.get("COMMONWEAL_SCREENSHOTS")


@pytest.fixture
def phone_390(browser):
    ctx = browser.new_context(
        viewport=PHONE_390, is_mobile=True, has_touch=True, device_scale_factor=2, locale="en-GB"
    )
    ctx.set_default_timeout(STEP_TIMEOUT_MS)
    yield ctx.new_page()
    ctx.close()


def bottom_of(locator) -> float:
    box = locator.bounding_box()
    assert box is not None
    return box["y"] + box["height"]


def in_first_screen(page, locator, what: str) -> float:
    assert page.evaluate("() => window.scrollY") == 0
    bottom = bottom_of(locator)
    assert bottom <= PHONE_390["height"], f"{what} ends {bottom:.0f}px down, below the first screen (844px)"
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"first-screen-{what.replace(' ', '-')}.png"))
    return bottom


def test_participant_on_a_phone_reaches_the_first_statement_within_the_first_screen(live_server, phone_390):
    conversation = make_conversation(
        title="Riverside together: our health and care strategy for the next five years",
        question="What should health and care partners in Riverside do together over the next five years?",
        description="We are writing the Riverside integrated care strategy. " * 6,
        ask_sector=True,
        ask_organisation=True,
        ask_place=True,
        ask_community=True,
        participants_can_add=True,
    )
    make_statements(conversation, 5)
    system = conversation.system
    for name in ["Riverside Hospital NHS Trust", "Riverside Carers' Network", "Northgate Surgery"]:
        make_organisation(system, name=name)
    for name in ["North Riverside", "South Riverside", "East Riverside"]:
        make_place(system, name=name)
    for name in ["Unpaid carers", "People with a long-term condition", "Young people"]:
        make_community(system, name=name)
    page = phone_390

    page.goto(f"{live_server.url}/c/{conversation.slug}/")
    consent = page.get_by_role("button", name="I agree, take part")
    in_first_screen(page, consent, "consent button")
    assert page.get_by_role("link", name="privacy notice").first.is_visible()
    assert_accessible(page, context="(consent)")
    consent.click()

    page.wait_for_url(re.compile(r"/about-you/$"))
    skip = page.get_by_role("button", name="Skip these questions")
    in_first_screen(page, skip, "skip button")
    # Nothing is chosen for the participant: every radio and checkbox starts empty.
    assert page.locator("input[type=radio]:checked, input[type=checkbox]:checked").count() == 0
    assert page.locator("input[type=radio]").count() > 0
    assert_accessible(page, context="(about you)")
    assert_no_horizontal_scroll(page)
    skip.click()

    page.wait_for_url(re.compile(rf"/c/{conversation.slug}/$"))
    statement = page.locator("#cw-statement")
    in_first_screen(page, statement, "first statement")
    in_first_screen(page, page.get_by_role("button", name="Agree", exact=True), "agree button")
    assert_accessible(page, context="(first statement)")
