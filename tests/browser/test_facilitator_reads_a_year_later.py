"""A facilitator reads whether things moved and who took part: from the system's page to "a year later"
(relationship measures over two survey rounds with trust, the pulse over two rounds, commitments by status and
participation, each chart with its table), then the participation dashboard (small groups "fewer than 5", the
organisation that never took part), reached by keyboard from the strategy page. Desktop and 320 pixels, axe-core
on every page, no console errors, and both pages without JavaScript."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from commonweal.conversations.models import Conversation
from commonweal.strategy.aims import actions as aims
from commonweal.strategy.commitments import actions as commitments
from commonweal.systems.models import Sector
from tests.factories import (
    PASSWORD,
    make_conversation,
    make_facilitator,
    make_organisation,
    make_participant,
    make_response,
    make_round,
    make_system,
    rate,
)
from tests.pulse.factories import make_pulse_round, respond

from .conftest import PHONE, STEP_TIMEOUT_MS
from .pulse_support import check

pytestmark = pytest.mark.django_db(transaction=True)


def build():
    system = make_system(name="Riverside Health and Care Partnership", slug="riverside")
    fran = make_facilitator(system, username="fran")
    orgs = [make_organisation(system, name=f"Partner {i}", sector=Sector.ACUTE) for i in range(7)]
    make_organisation(system, name="Quiet Parish Council", sector=Sector.LOCAL_AUTHORITY)
    first = make_round(system, name="2025")
    second = make_round(system, name="2026")
    second.opened_at = first.opened_at + timedelta(days=365)
    second.save()
    for survey, trust in ((first, 2), (second, 3)):
        for rater in orgs[:6]:
            rate(make_response(survey, rater), orgs[6], intensity=trust, trust=(trust, trust, trust))
    spring, autumn = (
        make_pulse_round(system, name="Spring", status="closed"),
        make_pulse_round(system, name="Autumn"),
    )
    for i in range(12):
        respond(spring, sector="acute", direction=2 + i % 2)
        respond(autumn, sector="acute", direction=4 + i % 2)
    conversation = make_conversation(system, title="Our next five years", status=Conversation.Status.OPEN)
    for sector, n in ((Sector.ACUTE, 10), (Sector.VCSE, 2)):
        for _ in range(n):
            make_participant(system, conversation=conversation, sector=sector, about_you_done=True)
    aim = aims.check_draft_aim(fran, system, aims.AimInput("Care closer to home", "Near home."), [])
    item = commitments.check_save_commitment(
        commitments.Actor(fran, "facilitator"),
        aim,
        commitments.CommitmentInput("Fund staff", organisation=orgs[0].pk),
    )
    commitments.check_post_progress(
        commitments.Actor(fran, "facilitator"), item, commitments.ProgressInput("on_track", "Going well")
    )
    return system


def sign_in(page, live_server) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("fran")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/manage/$"))


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, PHONE])
def test_facilitator_reads_a_year_later(live_server, browser, viewport):
    build()
    context = browser.new_context(viewport=viewport, locale="en-GB")
    context.set_default_timeout(STEP_TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        sign_in(page, live_server)
        page.goto(f"{live_server.url}/manage/systems/riverside/")
        page.get_by_role("link", name="A year later: whether things moved").click()
        page.get_by_role("heading", level=1, name="A year later").wait_for()
        measures = page.get_by_role("table", name="Relationship measures, survey round by survey round")
        assert "Average trust (1 to 4)" in measures.inner_text()
        assert "2.0 of 4" in measures.inner_text() and "3.0 of 4" in measures.inner_text()
        assert page.get_by_role("img", name=re.compile("average intensity")).count() == 1
        assert "Direction rose from" in page.locator("#later-pulse").locator("xpath=..").inner_text()
        assert page.get_by_role("table", name="Commitments by status at the end of each month").is_visible()
        check(page, "year-later")

        page.goto(f"{live_server.url}/manage/systems/riverside/strategy/")
        link = page.get_by_role("link", name="Participation", exact=True)
        for _ in range(60):  # by keyboard: Tab until the link has the focus, then Enter
            page.keyboard.press("Tab")
            if link.evaluate("el => el === document.activeElement"):
                break
        page.keyboard.press("Enter")
        page.get_by_role("heading", level=1, name="Participation").wait_for()
        by_sector = page.get_by_role("table", name="People by sector")
        text = by_sector.inner_text()
        assert (
            "fewer than 5" in text and "not shown" in text
        )  # the VCSE's 2, and the acute trusts' 10 with it
        assert not re.search(r"\b(2|10)\b", text)
        never = page.locator("#not-yet").locator("xpath=..")
        assert "Quiet Parish Council" in never.inner_text()
        check(page, "participation")
        assert not errors, errors
    finally:
        context.close()


def test_facilitator_reads_a_year_later_and_participation_without_javascript(live_server, browser):
    build()
    context = browser.new_context(viewport=PHONE, locale="en-GB", java_script_enabled=False)
    context.set_default_timeout(STEP_TIMEOUT_MS)
    page = context.new_page()
    try:
        sign_in(page, live_server)
        page.goto(f"{live_server.url}/manage/systems/riverside/strategy/a-year-later/")
        assert page.get_by_role("table", name="The pulse, round by round").is_visible()
        check(page, "year-later-no-javascript", axe=False)
        page.goto(f"{live_server.url}/manage/systems/riverside/strategy/participation/")
        assert page.get_by_role("table", name="People who took part, round by round").is_visible()
        check(page, "participation-no-javascript", axe=False)
    finally:
        context.close()
