"""A facilitator imports the places' Census 2021 age table (a file in another layout is refused first, with what
to do), then reads who is missing from the conversation: from its results page to the representation page, the
biggest gap in words, small cells hidden, the two-way table of place and age, and agreement reweighted by age.
Checked with axe-core, at 320 pixels with no sideways scrolling, and without JavaScript (the import and the
reweighting are plain forms)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.communities.representation.world import AGES, make_world
from tests.factories import PASSWORD, make_facilitator

from .conftest import PHONE, assert_accessible, assert_no_horizontal_scroll

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = os.environ.get("COMMONWEAL_SCREENSHOTS")


def shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"representation-{name}.png"), full_page=True)


def build() -> str:
    made = make_world(name="Riverside Health and Care Partnership", slug="riverside")
    make_facilitator(made["system"], username="fran")
    return made["conversation"].slug


def sign_in(page, base: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill("fran")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/manage/$"))


def upload(page, tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    page.get_by_label("CSV file").set_input_files(str(path))
    page.get_by_role("button", name="Check and import").click()


def test_facilitator_imports_place_baselines_and_reads_who_is_missing(live_server, page, browser, tmp_path):
    slug = build()
    base = live_server.url
    sign_in(page, base)
    page.goto(f"{base}/manage/conversations/{slug}/results/")
    page.get_by_role("link", name="Baselines").click()
    assert page.get_by_role("heading", name=re.compile("Baselines: who lives and works here")).is_visible()

    # A Nomis bulk download is not the ONS layout: refused, saying what to download instead.
    upload(
        page,
        tmp_path,
        "nomis.csv",
        "date,geography,geography code,Age: Total; measures: Value\n2021,X,E1,5\n",
    )
    assert page.get_by_role("heading", name="The file was not imported").is_visible()
    assert page.get_by_role(
        "cell", name=re.compile("not a Census 2021 table in the layout the ONS")
    ).is_visible()
    assert_accessible(page, context="(the refused file)")
    shot(page, "01-refused")

    upload(page, tmp_path, "ts007a.csv", AGES)
    assert page.get_by_text("Imported 4 counts").is_visible()
    assert page.get_by_text("1 area of the file in none of the places were left out").is_visible()
    assert page.get_by_role("table", name="The baselines imported").is_visible()
    assert_accessible(page, context="(imported)")

    page.goto(f"{base}/manage/conversations/{slug}/results/")
    page.get_by_role("link", name="Who is taking part, against who lives and works here").click()
    assert page.get_by_role("heading", name="The biggest gaps").is_visible()
    assert page.get_by_text("People aged 16 to 24 took part at half their share.").is_visible()
    age = page.get_by_role("table", name="Age band")
    assert age.get_by_role("row", name=re.compile(r"^16 to 24 12 ")).is_visible()
    page.locator("summary", has_text="Place and age band").click()  # the two-way table, folded
    both = page.get_by_role("table", name="Place and age band")
    assert both.get_by_role("row", name=re.compile("Eastmarsh: 16 to 24 fewer than 5")).is_visible()
    assert page.get_by_role("table", name="Each statement's agreement, as voted and reweighted").is_visible()
    assert_accessible(page, context="(representation)")
    shot(page, "02-desktop")

    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="en-GB")
    try:
        small = phone.new_page()
        sign_in(small, base)
        small.goto(f"{base}/manage/conversations/{slug}/representation/")
        assert_no_horizontal_scroll(small)
        assert_accessible(small, context="(320 px)")
        shot(small, "03-phone")
    finally:
        phone.close()


def test_without_javascript_the_import_and_the_reweighting_are_plain_forms(live_server, browser, tmp_path):
    slug = build()
    base = live_server.url
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    try:
        page = context.new_page()
        sign_in(page, base)
        page.goto(f"{base}/manage/systems/riverside/baselines/")
        upload(page, tmp_path, "ts007a.csv", AGES)
        assert page.get_by_text("Imported 4 counts").is_visible()
        page.goto(f"{base}/manage/conversations/{slug}/representation/")
        page.get_by_label("Place").uncheck()
        page.get_by_role("button", name="Reweight").click()
        assert "rake=age_band" in page.url
        assert page.get_by_text("Reweighted by age band:").is_visible()
        assert_no_horizontal_scroll(page)
        shot(page, "04-no-js-phone")
        html, url = page.content(), page.url
    finally:
        context.close()
    # axe-core needs JavaScript, so it checks the page as the browser without JavaScript built it.
    html = re.sub(r"<script\b[^>]*\bsrc=[^>]*></script>", "", html)
    context = browser.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        sign_in(page, base)
        page.route(url, lambda route: route.fulfill(body=html, content_type="text/html; charset=utf-8"))
        page.goto(url)
        assert_accessible(page, context="(as without JavaScript)")
    finally:
        context.close()
