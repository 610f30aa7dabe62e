"""A facilitator reads who is in an opinion group (the places over-represented in it, with small numbers hidden),
names the group "Prevention first", and finds the name on the group's card, in the opinion map's table and in the
report; then reads where the sectors differ. Without JavaScript, at desktop width and at 320 pixels, axe-core on
every page (axe-core needs JavaScript, so the story without it checks the same steps without axe)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from commonweal.conversations.jobs.compute import compute_snapshot
from commonweal.conversations.models import Participant
from tests.conversations.test_results import load_simulation, planted
from tests.factories import PASSWORD, make_conversation, make_facilitator, make_place, make_system

from .conftest import PHONE, STEP_TIMEOUT_MS, assert_accessible, assert_no_horizontal_scroll

pytestmark = pytest.mark.django_db(transaction=True)

WAIT = {"timeout": STEP_TIMEOUT_MS}


def build():
    system = make_system(name="Riverside Health and Care Partnership", slug="riverside")
    make_facilitator(system, username="fran")
    conversation = make_conversation(system, title="Staying well at home")
    sim = planted(3)
    _statements, participants = load_simulation(conversation, sim)
    east, north = make_place(system, name="Eastmarsh"), make_place(system, name="Northvale")
    for i, person in enumerate(participants):
        Participant.objects.filter(pk=person.pk).update(place=east if sim.group[i] == 1 else north)
    compute_snapshot(conversation)
    return conversation


def sign_in(page, live_server) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("fran")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/manage/$"))


def _check(page, axe: bool, context: str) -> None:
    if axe:
        assert_accessible(page, context=context)


@pytest.mark.parametrize(
    ("viewport", "javascript"),
    [({"width": 1280, "height": 900}, True), (PHONE, True), (PHONE, False)],
    ids=["desktop", "phone", "phone-without-javascript"],
)
def test_facilitator_names_an_opinion_group_and_reads_who_is_in_it(
    live_server, browser, viewport, javascript
):
    conversation = build()
    context = browser.new_context(viewport=viewport, java_script_enabled=javascript, locale="en-GB")
    context.set_default_timeout(STEP_TIMEOUT_MS)
    page = context.new_page()
    try:
        sign_in(page, live_server)
        results = f"{live_server.url}/manage/conversations/{conversation.slug}/results/"
        page.goto(results)
        card = page.locator("#group-0")
        expect(card.locator(".cw-group__who")).to_contain_text("Who is in it:", **WAIT)
        who = card.locator(".cw-group__who").inner_text()
        assert "More people from" in who or "stands out" in who

        # Who is in it, compared with everyone: shares of the group beside shares of everyone.
        card.get_by_text("Who is in Group A, compared with everyone").click()
        table = card.locator("table.cw-makeup").last
        expect(table).to_be_visible(**WAIT)
        for cell in table.locator("td").all_inner_texts():
            assert not re.fullmatch(r"[1-4]", cell.strip()), cell
        _check(page, javascript, "who is in a group")

        # Name the group.
        card.get_by_text("Name Group A").click()
        card.get_by_label("Name").fill("Prevention first")
        card.get_by_role("button", name="Save the name").click()
        page.wait_for_url(re.compile(r"/results/#group-0$"))
        expect(page.locator(".nhsuk-card__heading").first).to_contain_text(
            "Prevention first (Group A,", **WAIT
        )
        expect(page.locator("#chart-table-opinion-map")).to_contain_text("Prevention first")
        _check(page, javascript, "a named group")
        if javascript:
            assert_no_horizontal_scroll(page)

        # A name another group has is refused, and what was typed is kept.
        card = page.locator("#group-1")
        card.get_by_text("Name Group B").click()
        card.get_by_label("Name").fill("prevention FIRST")
        card.get_by_role("button", name="Save the name").click()
        expect(page.locator("#group-1")).to_contain_text("is already called", **WAIT)
        expect(page.locator("#group-1").get_by_label("Name")).to_have_value("prevention FIRST")
        _check(page, javascript, "a name refused")

        # Where the sectors differ, under its own disclosure.
        page.goto(results + "#sectors")
        page.get_by_text("Show agreement by sector on each statement").click()
        sectors = page.locator("#sector-table table")
        expect(sectors).to_be_visible(**WAIT)
        expect(sectors.locator("thead")).to_contain_text("Acute trust")
        _check(page, javascript, "where sectors differ")
        if javascript:
            assert_no_horizontal_scroll(page)

        # The report names the group too.
        page.goto(f"{live_server.url}/manage/conversations/{conversation.slug}/report/")
        expect(page.locator("#report-groups").locator("xpath=..")).to_contain_text("Prevention first", **WAIT)
        _check(page, javascript, "the report")
    finally:
        context.close()
