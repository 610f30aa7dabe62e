"""A resident adds a community asset from a phone through the mapping link (no account), and a moderator accepts
it: with JavaScript (the queue's keyboard shortcut, the map drawn by Leaflet with no request to another site)
and without it, at 320 pixels, every page axe-clean (checked where JavaScript runs)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from commonweal.communities.mapping.actions import do_open_link
from commonweal.communities.models import Asset, Status
from tests.communities.factories import make_asset
from tests.factories import PASSWORD, make_facilitator, make_place, make_system

from .conftest import PHONE, STEP_TIMEOUT_MS, assert_accessible, assert_no_horizontal_scroll

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = os.environ.get("COMMONWEAL_SCREENSHOTS")


def check(page, name: str) -> None:
    """axe-core where JavaScript runs (its checks wait on timers that never fire with it off; the same pages are
    checked with it on), no sideways scrolling, and a screenshot when asked for."""
    if not name.startswith("nojs"):
        assert_accessible(page, context=f"({name})")
    assert_no_horizontal_scroll(page)
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"assets-{name}.png"), full_page=True)


@pytest.fixture
def riverside():
    system = make_system(name="Riverside Health and Care Partnership", slug="riverside")
    eastmarsh = make_place(system, name="Eastmarsh")
    make_place(system, name="Westbrook")
    make_facilitator(system, username="fran")
    make_asset(system, name="Eastmarsh Library", places=[eastmarsh], latitude="53.47", longitude="-1.30")
    return system, do_open_link(None, system, eastmarsh)


def _watch(page, live_server) -> tuple[list[str], list[str]]:
    errors: list[str] = []
    outside: list[str] = []
    page.on(
        "console",
        lambda m: (
            errors.append(f"{page.url} {m.location} {m.text[:60]}")
            if m.type == "error" and "Failed to load resource" not in m.text
            else None
        ),
    )
    page.on("pageerror", lambda e: errors.append(str(e)))
    own = urlsplit(live_server.url).netloc
    page.on(
        "request",
        lambda r: (
            outside.append(r.url)
            if urlsplit(r.url).netloc not in (own, "") and not r.url.startswith("data:")
            else None
        ),
    )
    return errors, outside


def _resident_adds(page, live_server, link, *, shots: str) -> None:
    page.goto(f"{live_server.url}/assets/add/{link.token}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Add a community asset"
    check(page, f"{shots}-01-form")
    page.get_by_label("Name", exact=True).fill("Eastmarsh Sea Swimmers")
    page.get_by_label("Postcode (optional)").fill("not a postcode")
    page.get_by_role("button", name="Send the asset").click()
    assert page.locator(".nhsuk-error-summary").is_visible()
    assert page.get_by_label("Name", exact=True).input_value() == "Eastmarsh Sea Swimmers"  # kept
    check(page, f"{shots}-02-errors")
    page.get_by_label("Associations: groups, clubs, faith groups").check()
    page.get_by_label("What it is and what it offers").fill("Year-round sea swimming for all abilities.")
    page.get_by_label("Postcode (optional)").fill("s1 2hh")
    page.get_by_role("button", name="Send the asset").click()
    page.wait_for_url(re.compile(r"/thanks/$"))
    check(page, f"{shots}-03-thanks")
    asset = Asset.objects.get(name="Eastmarsh Sea Swimmers")
    assert asset.status == Status.PENDING and asset.postcode == "S1 2HH"
    assert [p.name for p in asset.places.all()] == ["Eastmarsh"]


def _sign_in(page, live_server) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("fran")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/manage/$"))


def test_resident_adds_an_asset_from_a_phone_and_a_moderator_accepts_it(
    live_server, phone_page, browser, riverside
):
    _system, link = riverside
    errors, outside = _watch(phone_page, live_server)
    _resident_adds(phone_page, live_server, link, shots="js")

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(STEP_TIMEOUT_MS)
    page = context.new_page()
    more_errors, more_outside = _watch(page, live_server)
    _sign_in(page, live_server)
    page.goto(f"{live_server.url}/manage/systems/riverside/assets/moderation/")
    assert (
        page.locator("#queue-status").count() == 1
        and page.get_by_text("Year-round sea swimming").is_visible()
    )
    check(page, "js-04-queue")
    page.locator("body").press("a")  # the keyboard shortcut accepts the current asset
    page.get_by_text("Accepted: Eastmarsh Sea Swimmers").wait_for()
    assert Asset.objects.get(name="Eastmarsh Sea Swimmers").status == Status.ACCEPTED
    check(page, "js-05-accepted")

    page.goto(f"{live_server.url}/manage/systems/riverside/assets/")
    assert page.get_by_role("link", name="Eastmarsh Sea Swimmers", exact=True).is_visible()
    check(page, "js-06-register")
    page.goto(f"{live_server.url}/manage/systems/riverside/assets/map/")
    page.locator(".leaflet-container").wait_for()
    check(page, "js-07-map")
    page.set_viewport_size(PHONE)
    check(page, "js-08-map-phone")
    context.close()
    assert not errors + more_errors, errors + more_errors
    assert not outside + more_outside, f"requests to other sites: {outside + more_outside}"


def test_without_javascript_a_resident_adds_and_a_moderator_accepts(live_server, browser, riverside):
    _system, link = riverside
    context = browser.new_context(java_script_enabled=False, viewport=PHONE, locale="en-GB")
    context.set_default_timeout(STEP_TIMEOUT_MS)
    page = context.new_page()
    _resident_adds(page, live_server, link, shots="nojs")
    _sign_in(page, live_server)
    page.goto(f"{live_server.url}/manage/systems/riverside/assets/moderation/")
    check(page, "nojs-04-queue")
    page.get_by_role("button", name="Accept Eastmarsh Sea Swimmers").click()
    page.get_by_text("Accepted: Eastmarsh Sea Swimmers").wait_for()
    assert Asset.objects.get(name="Eastmarsh Sea Swimmers").status == Status.ACCEPTED
    check(page, "nojs-05-accepted")
    page.goto(f"{live_server.url}/manage/systems/riverside/assets/map/")
    assert page.get_by_role("img", name=re.compile("A map of the assets")).is_visible()
    assert page.get_by_role("cell", name="Eastmarsh Library").is_visible()
    check(page, "nojs-06-map")
    context.close()
