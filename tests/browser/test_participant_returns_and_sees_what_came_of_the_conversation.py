"""A participant takes part on a phone; weeks later the partnership board agrees an aim grown from a statement they
voted on, and a facilitator posts an update to everyone who took part. When the participant returns, the
conversation's page says "You said ... We are doing ..." and shows the update marked new (not on the visit
after). axe-clean, no sideways scrolling at 320 pixels, and the same without JavaScript. Then a resident whose
browser asks for Urdu reads the partnership's public accountability page on a phone: in Urdu, right to left, the
aim and the commitment as the facilitator wrote them."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from commonweal.strategy.accountability.actions import check_post_loop_update
from commonweal.strategy.aims import actions as aims
from commonweal.strategy.commitments import actions as commitments
from commonweal.strategy.models import Aim, StrategySettings
from tests.factories import (
    make_conversation,
    make_facilitator,
    make_organisation,
    make_statement,
    make_system,
)

from .conftest import PHONE, STEP_TIMEOUT_MS, assert_accessible, assert_no_horizontal_scroll

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = os.environ.get("COMMONWEAL_SCREENSHOTS")


def test_participant_returns_and_sees_what_came_of_the_conversation(live_server, phone_page, browser):
    system = make_system(name="Riverside Health and Care Partnership", slug="riverside")
    fran = make_facilitator(system, username="fran")
    conversation = make_conversation(
        system,
        title="Our strategy",
        ask_sector=False,
        ask_organisation=False,
        ask_place=False,
        ask_community=False,
    )
    carers = make_statement(conversation, "Give unpaid carers a break they can book.")
    page = phone_page
    url = f"{live_server.url}/c/{conversation.slug}/"
    page.goto(url)
    page.get_by_role("button", name="I agree, take part").click()
    page.get_by_role("button", name="Agree", exact=True).click()
    page.get_by_text("voted on every statement").first.wait_for()

    aim = aims.check_draft_aim(
        fran, system, aims.AimInput("Support unpaid carers", "A break every carer can book."), [carers.pk]
    )
    aims.check_change_status(fran, aim, aims.StatusInput("proposed"))
    aims.check_change_status(fran, aim, aims.StatusInput("agreed", date(2026, 3, 1), "the partnership board"))
    check_post_loop_update(fran, conversation, "The board agreed to fund carers' breaks from April.")

    page.goto(url)
    section = page.get_by_role("region", name="What came of this conversation")
    assert section.get_by_text("Give unpaid carers a break they can book.").is_visible()
    assert section.get_by_text("Support unpaid carers").is_visible()
    assert section.get_by_text("agreed by the partnership board").is_visible()
    assert section.get_by_text("New", exact=True).is_visible()
    assert section.get_by_text("The board agreed to fund carers' breaks from April.").is_visible()
    assert_accessible(page, context="(you said, we are doing)")
    assert_no_horizontal_scroll(page)
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / "strategy-participant-loop-phone.png"), full_page=True)
    page.goto(url)
    assert page.get_by_text("The board agreed to fund carers' breaks from April.").is_visible()
    assert page.get_by_text("New", exact=True).count() == 0

    # Without JavaScript, a new participant's device after the conversation closed.
    conversation.status = "closed"
    conversation.save()
    context = browser.new_context(viewport=PHONE, java_script_enabled=False, locale="en-GB")
    nojs = context.new_page()
    nojs.goto(url)
    assert nojs.get_by_role("heading", name="This conversation is closed").is_visible()
    assert nojs.get_by_text("We are doing:").first.is_visible()
    assert_no_horizontal_scroll(nojs)
    context.close()

    # The partnership publishes its accountability page; a resident reads it in Urdu on a phone.
    commitments.check_save_commitment(
        commitments.Actor(fran, "facilitator"),
        Aim.objects.get(pk=aim.pk),
        commitments.CommitmentInput(
            "Fund a breaks service carers can book online or by phone.",
            organisation=make_organisation(system, name="Riverside Carers Centre").pk,
            lead_role="Carers lead",
            resources=[commitments.ResourceInput("hours", "30")],
        ),
    )
    StrategySettings.objects.create(system=system, public_accountability=True)
    context = browser.new_context(
        viewport=PHONE, locale="ur-PK", extra_http_headers={"Accept-Language": "ur-PK,ur;q=0.9"}
    )
    context.set_default_timeout(STEP_TIMEOUT_MS)
    urdu = context.new_page()
    urdu.goto(f"{live_server.url}/s/{system.slug}/accountability/")
    assert urdu.evaluate("() => [document.documentElement.lang, document.documentElement.dir]") == [
        "ur",
        "rtl",
    ]
    assert urdu.get_by_role("heading", name="ہم نے کیا سنا اور ہم کیا کر رہے ہیں").is_visible()
    assert urdu.get_by_role("heading", name="Support unpaid carers").is_visible()
    assert urdu.get_by_role("heading", name="کس نے کس کام کا عزم کیا").is_visible()
    assert urdu.get_by_text("Fund a breaks service carers can book online or by phone.").is_visible()
    assert urdu.get_by_text("30 گھنٹے").is_visible()
    assert_accessible(urdu, context="(accountability page, Urdu)")
    assert_no_horizontal_scroll(urdu)
    if SHOTS:
        urdu.screenshot(path=str(Path(SHOTS) / "strategy-accountability-urdu-phone.png"), full_page=True)
    context.close()
