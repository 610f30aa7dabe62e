"""A facilitator runs the pulse and reads it: from the system's page to a new round, changes one statement while
it is a draft, opens it (the wording is then fixed), reads the results of the round before (the change since the
first round in words, tables by sector and place with small groups "fewer than 5"), accepts one "what would
help" answer and rejects another, and downloads the CSV. Desktop and 320 pixels, axe-core on every page, and the
results without JavaScript."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from commonweal.pulse.models import PulseRound
from tests.factories import PASSWORD, make_facilitator, make_place, make_system
from tests.pulse.factories import make_pulse_round, respond

from .conftest import PHONE, STEP_TIMEOUT_MS
from .pulse_support import check

pytestmark = pytest.mark.django_db(transaction=True)


def build():
    system = make_system(name="Riverside Health and Care Partnership", slug="riverside")
    make_facilitator(system, username="fran")
    north, south = make_place(system, name="Northvale"), make_place(system, name="Southbank")
    spring = make_pulse_round(system, name="Spring 2026", status="closed")
    autumn = make_pulse_round(system, name="Autumn 2026")
    for i in range(30):
        respond(
            spring, sector="acute", place=north, direction=2 + (i % 3 == 0), alignment=3, commitment=3 + i % 2
        )
        respond(
            autumn, sector="acute", place=north, direction=3 + (i % 3 != 0), alignment=3, commitment=3 + i % 2
        )
    for i in range(8):
        respond(autumn, sector="vcse", place=south, direction=4, alignment=2 + 2 * (i % 2), commitment=4)
    respond(
        autumn,
        sector="healthwatch",
        place=south,
        direction=5,
        text="A shared winter plan with the care homes",
    )
    respond(autumn, sector="healthwatch", direction=5, text="Sack the manager at the surgery")
    return system, autumn


def sign_in(page, live_server) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("fran")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/manage/$"))


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, PHONE])
def test_facilitator_runs_and_reads_the_pulse(live_server, browser, viewport):
    system, autumn = build()
    context = browser.new_context(viewport=viewport, locale="en-GB", accept_downloads=True)
    context.set_default_timeout(STEP_TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        sign_in(page, live_server)
        page.goto(f"{live_server.url}/manage/systems/riverside/")
        page.get_by_role("link", name="Pulse rounds and their results").click()
        page.get_by_role("heading", level=1, name="Pulse").wait_for()
        check(page, "facilitator-01-rounds")

        page.get_by_role("link", name="Create a new round").click()
        page.get_by_label("Name of the round").fill("Winter 2027")
        page.get_by_role("button", name="Create the draft").click()
        page.get_by_text("is a draft: check its questions").wait_for()
        check(page, "facilitator-02-draft")
        page.get_by_role("link", name="Edit the questions").click()
        statement = page.get_by_label("Direction, statement 1")
        statement.fill("We know what Riverside is trying to achieve by 2030.")
        page.get_by_role("button", name="Save the questions").click()
        page.get_by_text("The questions are saved.").wait_for()
        assert page.get_by_text("We know what Riverside is trying to achieve by 2030.").is_visible()
        page.get_by_role("button", name="Open the round").click()
        page.get_by_text("is open: send people its links").wait_for()
        page.get_by_role("link", name="The questions").click()
        page.get_by_text("The wording is fixed").wait_for()
        check(page, "facilitator-03-wording-fixed")
        assert PulseRound.objects.get(name="Winter 2027").is_open

        page.goto(f"{live_server.url}/manage/systems/riverside/pulse/{autumn.pk}/results/")
        change = page.locator(".nhsuk-inset-text")
        assert "Direction rose from 2.3 to 3.8" in change.inner_text()
        assert "alignment did not change" in change.inner_text()
        by_sector = page.get_by_role("table", name="Direction by sector")
        assert "fewer than 5" in by_sector.inner_text()
        assert "A shared winter plan" not in page.content()
        check(page, "facilitator-04-results")

        page.get_by_role("link", name="2 answers to moderate").click()
        page.get_by_role("button", name="Accept answer 1").click()
        page.get_by_text("The answer is accepted.").wait_for()
        page.get_by_role("button", name="Reject answer 1").click()
        page.get_by_text("Nothing to moderate.").wait_for()
        check(page, "facilitator-05-moderated")

        page.goto(f"{live_server.url}/manage/systems/riverside/pulse/{autumn.pk}/results/")
        assert page.get_by_text("A shared winter plan with the care homes").is_visible()
        assert "Sack the manager" not in page.content()
        with page.expect_download() as download:
            page.get_by_role("link", name="Download the results (CSV)").click()
        text = Path(download.value.path()).read_text()
        assert "Direction,sector,Healthwatch,fewer than 5" in text
        assert not errors, errors
    finally:
        context.close()


def test_results_without_javascript(live_server, browser):
    system, autumn = build()
    context = browser.new_context(viewport=PHONE, locale="en-GB", java_script_enabled=False)
    context.set_default_timeout(STEP_TIMEOUT_MS)
    page = context.new_page()
    try:
        sign_in(page, live_server)
        page.goto(f"{live_server.url}/manage/systems/riverside/pulse/{autumn.pk}/results/")
        assert page.get_by_role("table", name="Direction by place").is_visible()
        assert "Direction rose from" in page.locator(".nhsuk-inset-text").inner_text()
        check(page, "facilitator-06-no-javascript", axe=False)
    finally:
        context.close()
