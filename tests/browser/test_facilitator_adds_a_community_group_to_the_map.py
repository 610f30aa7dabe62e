"""A facilitator makes a community a partner on the system map: adds an organisation of the sector "Community
group" that speaks for Northvale Estates, then opens the community's page from the list of communities and finds
the group there, with the way to its place on the map; at a desktop and on a 320-pixel phone, by keyboard,
axe-clean, with no console error."""

from __future__ import annotations

import pytest

from commonweal.systems.models import Community
from tests.factories import PASSWORD, make_community, make_facilitator, make_system

from .conftest import PHONE, assert_accessible, assert_no_horizontal_scroll

pytestmark = pytest.mark.django_db(transaction=True)


def test_facilitator_adds_a_community_group_to_the_map(live_server, page, browser):
    system = make_system(name="Riverside Health and Care Partnership", slug="riverside")
    make_community(system, name="Northvale Estates", kind=Community.Kind.PLACE, population_estimate=24000)
    make_facilitator(system, username="fran")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("fran")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/manage/systems/riverside/organisations/new/")
    page.get_by_label("Name").fill("Northvale Estates Residents' Voice")
    page.get_by_label("Sector").select_option(label="Community group")
    page.get_by_label("The community it speaks for (community groups only, optional)").select_option(
        label="Northvale Estates"
    )
    assert_accessible(page, context="(the organisation form)")
    page.get_by_role("button", name="Save the organisation").click()
    page.wait_for_url("**/organisations/")

    # The community's page, by keyboard from the list of communities.
    page.goto(f"{live_server.url}/manage/systems/riverside/communities/")
    link = page.get_by_role("link", name="Northvale Estates", exact=True)
    link.focus()
    page.keyboard.press("Enter")
    page.get_by_role("heading", level=1, name="Northvale Estates").wait_for()
    groups = page.locator("#groups + p + table")
    assert "Northvale Estates Residents' Voice" in groups.inner_text()
    assert "No round yet" in groups.inner_text()
    assert (
        page.get_by_role("link", name="See Northvale Estates Residents' Voice on the system map").count() == 1
    )
    assert_accessible(page, context="(the community's page)")

    phone = browser.new_context(viewport=PHONE, locale="en-GB", storage_state=page.context.storage_state())
    try:
        small = phone.new_page()
        small.goto(page.url)
        small.get_by_role("heading", level=1, name="Northvale Estates").wait_for()
        assert_accessible(small, context="(the community's page at 320 px)")
        assert_no_horizontal_scroll(small)
    finally:
        phone.close()
    assert not errors, errors
