"""A facilitator turns two common-ground statements into an aim: on the conversation's results page they tick two
statements under "Draft an aim from these statements", write the aim (a title left empty is refused and what was
typed is kept), and the aim's page shows the evidence frozen with it; then they send the draft aims back to the
participants as a new conversation. axe-clean on every page; the aim page at 320 pixels without sideways
scrolling; and the same drafting without JavaScript."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from commonweal.conversations.models import Conversation
from commonweal.strategy.models import Aim
from tests.factories import PASSWORD, make_facilitator, make_system
from tests.strategy.conftest import analysed_conversation

from .conftest import PHONE, assert_accessible, assert_no_horizontal_scroll

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = os.environ.get("COMMONWEAL_SCREENSHOTS")


def shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"strategy-{name}.png"), full_page=True)


def sign_in(page, base: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill("fran")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/manage/$"))


def test_facilitator_turns_two_common_ground_statements_into_an_aim(live_server, page, browser):
    system = make_system(name="Riverside Health and Care Partnership", slug="riverside")
    make_facilitator(system, username="fran")
    conversation, statements = analysed_conversation(system)
    base = live_server.url
    sign_in(page, base)
    page.goto(f"{base}/manage/conversations/{conversation.slug}/results/")
    page.get_by_role("heading", name="Draft an aim from these statements").wait_for()
    page.get_by_label(statements[0].text).check()
    page.get_by_label(statements[1].text).check()
    assert_accessible(page, context="(results, draft an aim)")
    page.get_by_role("button", name="Draft an aim from these statements").click()
    page.wait_for_url(re.compile(r"/strategy/aims/draft/\?"))
    assert page.get_by_text("Not common ground").count() == 0
    page.get_by_label("What it means").fill("People are cared for nearer home, with the help they trust.")
    page.get_by_role("button", name="Save the draft aim").click()
    assert page.get_by_role("link", name="Enter a short title for the aim").is_visible()
    assert page.get_by_label("What it means").input_value().startswith("People are cared for nearer home")
    assert_accessible(page, context="(draft, error)")
    page.get_by_label("Title").fill("Care closer to home")
    page.get_by_role("button", name="Save the draft aim").click()
    page.wait_for_url(re.compile(r"/strategy/aims/\d+/$"))
    assert page.get_by_role("heading", name="Care closer to home").is_visible()
    assert (
        page.get_by_text(statements[0].text).is_visible()
        and page.get_by_text(statements[1].text).is_visible()
    )
    assert_accessible(page, context="(aim page)")
    shot(page, "aim-desktop")
    aim = Aim.objects.get()
    assert aim.evidence.count() == 2 and all(e.common_ground for e in aim.evidence.all())

    # Send the draft aims back to the people.
    page.goto(f"{base}/manage/systems/riverside/strategy/")
    assert_accessible(page, context="(strategy page)")
    page.get_by_role("link", name="Test the draft aims with people").click()
    assert_accessible(page, context="(test the aims)")
    page.get_by_role("button", name="Create the conversation").click()
    page.wait_for_url(re.compile(r"/manage/conversations/[^/]+/$"))
    tested = Conversation.objects.get(title="Are these the right aims?")
    assert list(tested.statements.values_list("text", flat=True)) == [
        "Care closer to home: People are cared for nearer home, with the help they trust."
    ]

    # The aim page on a phone, and drafting without JavaScript.
    context = browser.new_context(viewport=PHONE, java_script_enabled=False, locale="en-GB")
    phone = context.new_page()
    sign_in(phone, base)
    phone.goto(f"{base}/manage/systems/riverside/strategy/aims/{aim.pk}/")
    assert_no_horizontal_scroll(phone)
    shot(phone, "aim-phone")
    phone.goto(f"{base}/manage/conversations/{conversation.slug}/results/")
    phone.get_by_text("Other statements (not common ground)").click()
    phone.get_by_label(statements[2].text).check()
    phone.get_by_role("button", name="Draft an aim from these statements").click()
    assert phone.get_by_text("Not common ground").is_visible()
    phone.get_by_label("Title").fill("A second aim")
    phone.get_by_label("What it means").fill("Its meaning.")
    phone.get_by_role("button", name="Save the draft aim").click()
    phone.wait_for_url(re.compile(r"/strategy/aims/\d+/$"))
    assert_no_horizontal_scroll(phone)
    context.close()
    assert Aim.objects.count() == 2
