"""A facilitator imports a council's Open Referral UK file and links two assets to an aim: the file with two bad
services is refused with each problem listed and nothing imported; the good file adds its three services to the
register; the aim's form offers the register's assets, two are ticked, and the aim's page lists them; a
commitment names the asset it uses. axe-clean on every page where JavaScript runs; the aim's page at 320 pixels
without sideways scrolling; and the linking again without JavaScript."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from commonweal.communities.models import Asset
from commonweal.strategy.aims import actions as aims
from commonweal.strategy.models import Aim, Commitment
from commonweal.strategy.queries import assets_of_aim, assets_of_commitments
from tests.communities.oruk_samples import council_json, with_bad_rows
from tests.factories import PASSWORD, make_facilitator, make_organisation, make_place, make_system

from .conftest import PHONE, STEP_TIMEOUT_MS, assert_accessible, assert_no_horizontal_scroll

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = os.environ.get("COMMONWEAL_SCREENSHOTS")
LUNCH, WALKING = re.compile(r"^Eastmarsh Lunch Club \("), re.compile(r"^Eastmarsh Walking for Health \(")


def check(page, name: str, *, axe: bool = True) -> None:
    if axe:
        assert_accessible(page, context=f"({name})")
    assert_no_horizontal_scroll(page)
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"oruk-aim-{name}.png"), full_page=True)


@pytest.fixture
def riverside():
    system = make_system(name="Riverside Health and Care Partnership", slug="riverside")
    make_place(system, name="Eastmarsh")
    facilitator = make_facilitator(system, username="fran")
    make_organisation(system, name="Riverside Council for Voluntary Service")
    aim = aims.check_draft_aim(
        facilitator, system, aims.AimInput("Less loneliness in Eastmarsh", "People find company nearby."), []
    )
    return system, aim


def _sign_in(page, base: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill("fran")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/manage/$"))


def _upload(page, base: str, name: str, body: bytes) -> None:
    page.goto(f"{base}/manage/systems/riverside/assets/import/")
    page.get_by_label("The Open Referral UK file").set_input_files(
        files=[{"name": name, "mimeType": "application/json", "buffer": body}]
    )
    page.get_by_role("button", name="Import the file").click()


def test_facilitator_imports_a_councils_directory_and_links_two_assets_to_an_aim(
    live_server, page, riverside
):
    _system, aim = riverside
    base = live_server.url
    _sign_in(page, base)
    _upload(page, base, "council-bad.json", with_bad_rows())
    assert page.get_by_role("heading", name="What to fix").is_visible()
    assert page.get_by_role("table", name="Problems in the file").locator("tbody tr").count() >= 2
    assert not Asset.objects.exists()  # nothing half-imported
    check(page, "01-bad-file")
    _upload(page, base, "council.json", council_json())
    page.wait_for_url(re.compile(r"/assets/$"))
    assert page.get_by_text("Imported 3 assets from council.json.").is_visible()
    check(page, "02-imported")

    page.goto(f"{base}/manage/systems/riverside/strategy/aims/{aim.pk}/")
    assert page.get_by_text("None named yet.").is_visible()
    page.get_by_role("link", name="Change the aim").first.click()
    page.get_by_label(LUNCH).check()
    page.get_by_label(WALKING).check()
    check(page, "03-aim-form")
    page.get_by_role("button", name="Save the aim").click()
    page.wait_for_url(re.compile(rf"/strategy/aims/{aim.pk}/$"))
    assets = page.get_by_role("heading", name="Community assets it builds on").locator(
        "xpath=following-sibling::ul[1]"
    )
    assert assets.get_by_role("link").all_inner_texts() == [
        "Eastmarsh Lunch Club",
        "Eastmarsh Walking for Health",
    ]
    check(page, "04-aim-page")
    assert [a.name for a in assets_of_aim(Aim.objects.get())] == [
        "Eastmarsh Lunch Club",
        "Eastmarsh Walking for Health",
    ]

    page.get_by_role("link", name="Add a commitment").click()
    page.get_by_label("Who commits").select_option(label="Riverside Council for Voluntary Service")
    page.get_by_label("What you will do").fill("Run the lunch club twice a week.")
    page.get_by_label(LUNCH).check()
    check(page, "05-commitment-form")
    page.get_by_role("button", name="Save the commitment").click()
    page.wait_for_url(re.compile(rf"/strategy/aims/{aim.pk}/$"))
    card = page.locator(".cw-commitment")
    assert card.get_by_role("link", name="Eastmarsh Lunch Club").is_visible()
    commitment = Commitment.objects.get()
    assert [a.name for a in assets_of_commitments(commitment.aim.system, [commitment.pk])[commitment.pk]] == [
        "Eastmarsh Lunch Club"
    ]
    page.set_viewport_size(PHONE)
    check(page, "06-aim-page-phone")
    page.get_by_role("link", name="Eastmarsh Lunch Club").first.click()
    assert page.get_by_role("heading", level=1, name="Eastmarsh Lunch Club").is_visible()


def test_without_javascript_a_facilitator_links_an_imported_asset_to_an_aim(live_server, browser, riverside):
    _system, aim = riverside
    base = live_server.url
    context = browser.new_context(java_script_enabled=False, viewport=PHONE, locale="en-GB")
    context.set_default_timeout(STEP_TIMEOUT_MS)
    page = context.new_page()
    try:
        _sign_in(page, base)
        _upload(page, base, "council.json", council_json())
        page.wait_for_url(re.compile(r"/assets/$"))
        page.goto(f"{base}/manage/systems/riverside/strategy/aims/{aim.pk}/edit/")
        page.get_by_label(WALKING).check()
        check(page, "nojs-01-aim-form", axe=False)
        page.get_by_role("button", name="Save the aim").click()
        page.wait_for_url(re.compile(rf"/strategy/aims/{aim.pk}/$"))
        assert page.get_by_role("link", name="Eastmarsh Walking for Health").is_visible()
        check(page, "nojs-02-aim-page", axe=False)
    finally:
        context.close()
    assert [a.name for a in assets_of_aim(Aim.objects.get())] == ["Eastmarsh Walking for Health"]
