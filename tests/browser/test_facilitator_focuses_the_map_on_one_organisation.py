"""A facilitator reads the demo's system map (issue 14, item 6): Riverside's 44 organisations open on the one with
the most partners and its partners around it, highlighted, with a link to the whole map; the facilitator focuses
on another organisation with "Focus on", then on a partner from the folded table by the keyboard, opens the whole
map, and on a 320-pixel phone without JavaScript focuses through the same form and reads the image. The page is
short (its tables are folded), axe-clean, and fits 320 pixels."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.factories import PASSWORD, make_facilitator

from .conftest import STEP_TIMEOUT_MS, assert_accessible, assert_no_horizontal_scroll

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = os.environ.get("COMMONWEAL_SCREENSHOTS")
WAIT = {"timeout": STEP_TIMEOUT_MS}


def shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"map-focus-{name}.png"), full_page=True)


def sign_in(page, live_server) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("fran")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/manage/$"))


def wait_for_map(page) -> None:
    page.locator("#cw-map[data-ready='true']").wait_for(**WAIT)


def focused_on(page) -> str:
    return page.locator(".cw-map-focus strong").inner_text()


def test_facilitator_focuses_the_map_on_one_organisation(live_server, browser, demo_system):
    make_facilitator(demo_system, username="fran")
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-GB")
    context.set_default_timeout(STEP_TIMEOUT_MS)
    page = context.new_page()
    try:
        sign_in(page, live_server)
        page.goto(f"{live_server.url}/manage/systems/riverside/network/map/")
        wait_for_map(page)
        # The organisation with the most partners, in the middle, highlighted; only its partners around it.
        first = focused_on(page)
        assert first and "too crowded to read" in page.locator(".cw-map-focus").inner_text()
        assert page.get_by_label("Focus on").locator("option:checked").inner_text() == first
        highlighted = page.evaluate("() => window.cwMap.nodes('[highlight = 1]').map(n => n.data('name'))")
        assert highlighted == [first]
        n_nodes = page.evaluate("() => window.cwMap.nodes().length")
        assert 2 < n_nodes < 44
        # Every tie drawn touches the organisation in focus.
        assert page.evaluate(
            "() => window.cwMap.edges(\"[kind = 'relationship']\").every(e => e.source().data('name') === "
            f"{first!r} || e.target().data('name') === {first!r})"
        )
        # The tables are folded: the page is a few screens long, not 29,000 pixels.
        assert page.evaluate("() => document.documentElement.scrollHeight") < 6000
        assert not page.get_by_role("table", name="Organisations on the map, with their ties").is_visible()
        assert_accessible(page, context="(ego view)")
        shot(page, "01-ego-desktop")

        # Another organisation, chosen in "Focus on" (a GET form: the focused map is a link).
        page.get_by_label("Focus on").select_option(label="Riverside City Council")
        page.get_by_role("button", name="Show on the map").click()
        page.wait_for_url(re.compile(r"focus=\d+"))
        wait_for_map(page)
        assert focused_on(page) == "Riverside City Council"

        # By the keyboard: open the folded table of organisations and focus on a partner from it.
        summary = page.locator("summary", has_text=re.compile(r"organisations on the map$"))
        summary.focus()
        page.keyboard.press("Enter")
        table = page.get_by_role("table", name="Organisations on the map, with their ties")
        table.wait_for(**WAIT)
        link = table.locator("a", has_text="Focus on it").first
        partner = link.text_content().split(": ", 1)[1].strip()
        link.focus()
        page.keyboard.press("Enter")
        page.wait_for_load_state("load")
        wait_for_map(page)
        assert focused_on(page) == partner
        assert_accessible(page, context="(a partner in focus)")

        # The whole map stays a link away.
        page.get_by_role("link", name="Show the whole map").click()
        page.wait_for_url(re.compile(r"focus=all"))
        wait_for_map(page)
        assert page.locator(".cw-map-focus strong").count() == 0
        assert page.evaluate("() => window.cwMap.nodes('[sector != \"_community\"]').length") == 44
        assert_accessible(page, context="(whole map)")
        shot(page, "02-whole-desktop")
    finally:
        context.close()


def test_on_a_phone_without_javascript_the_focus_form_and_image_work(live_server, browser, demo_system):
    make_facilitator(demo_system, username="fran")
    context = browser.new_context(java_script_enabled=False, viewport={"width": 320, "height": 700})
    context.set_default_timeout(STEP_TIMEOUT_MS)
    page = context.new_page()
    try:
        sign_in(page, live_server)
        page.goto(f"{live_server.url}/manage/systems/riverside/network/map/")
        image = page.locator("img.cw-map-image")
        assert image.is_visible() and image.bounding_box()["height"] > 150
        page.get_by_label("Focus on").select_option(label="Healthwatch Riverside")
        page.get_by_role("button", name="Show on the map").click()
        page.wait_for_url(re.compile(r"focus=\d+"))
        assert focused_on(page) == "Healthwatch Riverside"
        assert page.locator("img.cw-map-image").bounding_box()["height"] > 150
        assert_no_horizontal_scroll(page)
        shot(page, "03-no-js-phone")
    finally:
        context.close()
    # At 320 pixels with JavaScript, the same page is axe-clean and fits.
    context = browser.new_context(viewport={"width": 320, "height": 700}, is_mobile=True, has_touch=True)
    context.set_default_timeout(STEP_TIMEOUT_MS)
    page = context.new_page()
    try:
        sign_in(page, live_server)
        page.goto(f"{live_server.url}/manage/systems/riverside/network/map/")
        wait_for_map(page)
        assert_accessible(page, context="(phone)")
        assert_no_horizontal_scroll(page)
        shot(page, "04-phone")
    finally:
        context.close()
