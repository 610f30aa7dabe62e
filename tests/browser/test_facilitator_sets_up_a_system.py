"""An administrator sets up a system on a 320-pixel phone: creates it, adds a place, a community and an
organisation, imports organisations from a CSV file (first with mistakes), creates a facilitator account, and
visits every other facilitator page. Each page is checked with axe-core and for sideways scrolling."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from commonweal.systems.models import Community, Organisation, Place, System
from tests.factories import PASSWORD, make_admin, make_conversation, make_statement

from .conftest import assert_accessible, assert_no_horizontal_scroll

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = os.environ.get("COMMONWEAL_SCREENSHOTS")

BAD_CSV = """name,sector,identifier_scheme,identifier,places,active_from,active_to
Riverside Hospitals NHS Foundation Trust,hospital,GB-NHS,RXX,Northvale,,
Riverside Carers Centre,vcse,,,Nowhere,31-12-2024,
"""
GOOD_CSV = """name,sector,identifier_scheme,identifier,places,active_from,active_to
Riverside Hospitals NHS Foundation Trust,acute,GB-NHS,RXX,Northvale,,
Riverside Carers Centre,vcse,,,,2024-12-31,
"""


def check(page, name: str) -> None:
    assert_accessible(page, context=f"({name})")
    assert_no_horizontal_scroll(page)
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"setup-{name}.png"), full_page=True)


def test_administrator_on_a_phone_sets_up_a_system_with_places_communities_and_imported_organisations(
    live_server, phone_page, tmp_path
):
    page = phone_page
    make_admin(username="ada")
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/manage/$"))
    check(page, "01-no-systems")

    # Create the system (first forgetting its name).
    page.get_by_role("link", name="Create a system").click()
    page.get_by_role("button", name="Create the system").click()
    assert page.locator(".nhsuk-error-summary").is_visible()
    check(page, "02-system-error")
    page.get_by_label("Name", exact=True).fill("Riverside Health and Care Partnership")
    page.get_by_role("button", name="Create the system").click()
    page.wait_for_url(re.compile(r"/manage/systems/riverside-health-and-care-partnership/$"))
    system = System.objects.get()
    check(page, "03-system")

    # A place and a community.
    page.get_by_role("link", name="View and change places").click()
    check(page, "04-places")
    page.get_by_role("link", name="Add a place").click()
    page.get_by_label("Name").fill("Northvale")
    page.get_by_label("Population (optional)").fill("a lot")
    page.get_by_role("button", name="Save the place").click()
    check(page, "05-place-error")
    page.get_by_label("Population (optional)").fill("250000")
    page.get_by_role("button", name="Save the place").click()
    page.wait_for_url(re.compile(r"/places/$"))
    assert Place.objects.get(system=system).population == 250000

    page.goto(f"{live_server.url}/manage/systems/{system.slug}/communities/new/")
    page.get_by_label("Name").fill("Unpaid carers")
    page.get_by_label("Interest or experience (what people share)").check()
    check(page, "06-community")
    page.get_by_role("button", name="Save the community").click()
    page.wait_for_url(re.compile(r"/communities/$"))
    check(page, "07-communities")
    assert Community.objects.get(system=system).kind == "interest"

    # Organisations from a CSV file: the mistakes are listed, nothing is imported; then the fixed file.
    page.goto(f"{live_server.url}/manage/systems/{system.slug}/organisations/")
    check(page, "08-organisations-empty")
    page.get_by_role("link", name="Import from a CSV file").click()
    check(page, "09-import")
    bad = tmp_path / "organisations.csv"
    bad.write_text(BAD_CSV)
    page.get_by_label("CSV file").set_input_files(str(bad))
    page.get_by_role("button", name="Check and import").click()
    problems = page.locator(".cw-import-errors")
    assert "'hospital' is not a sector we know" in problems.inner_text()
    assert "'Nowhere' is not a place in this system" in problems.inner_text()
    assert not Organisation.objects.exists()
    check(page, "10-import-errors")
    good = tmp_path / "fixed.csv"
    good.write_text(GOOD_CSV)
    page.get_by_label("CSV file").set_input_files(str(good))
    page.get_by_role("button", name="Check and import").click()
    page.wait_for_url(re.compile(r"/organisations/$"))
    assert "2 organisations imported" in page.locator(".cw-messages").inner_text()
    check(page, "11-organisations")
    page.get_by_role("link", name="Change Riverside Carers Centre").click()
    check(page, "12-organisation-form")

    # A facilitator account, with its one-time password shown once.
    page.goto(f"{live_server.url}/manage/accounts/")
    page.get_by_label("Username").fill("fran")
    page.get_by_label("Facilitator of (optional)").select_option(
        label="Riverside Health and Care Partnership"
    )
    page.get_by_role("button", name="Create the account").click()
    assert re.fullmatch(r"[\w]{4}-[\w]{4}-[\w]{4}-[\w]{4}", page.locator("#one-time-password").inner_text())
    check(page, "13-account-created")
    page.goto(f"{live_server.url}/manage/systems/{system.slug}/facilitators/")
    assert "fran" in page.locator("main").inner_text()
    check(page, "14-facilitators")

    # The remaining pages of a conversation, and the account's own pages.
    conversation = make_conversation(system, title="Our next five years")
    make_statement(conversation, "Our district nurses know every family")
    for path, name in (
        (f"/manage/conversations/{conversation.slug}/", "15-conversation"),
        (f"/manage/conversations/{conversation.slug}/edit/", "16-conversation-edit"),
        (f"/manage/conversations/{conversation.slug}/moderators/", "17-moderators"),
        (f"/manage/conversations/{conversation.slug}/moderation/?view=all", "18-queue-all"),
        (f"/manage/conversations/{conversation.slug}/present/", "19-present"),
        (f"/manage/systems/{system.slug}/activity/", "20-activity"),
        (f"/manage/systems/{system.slug}/edit/", "21-system-edit"),
        (f"/manage/systems/{system.slug}/places/{Place.objects.get().pk}/delete/", "22-confirm-delete"),
        ("/manage/tokens/", "23-tokens"),
        ("/accounts/password/", "24-password"),
    ):
        page.goto(live_server.url + path)
        check(page, name)
    page.goto(f"{live_server.url}/manage/tokens/")
    page.get_by_label("Name of the new token").fill("Reporting script")
    page.get_by_role("button", name="Create the token").click()
    assert page.locator("#new-token").inner_text().startswith("cw_")
    check(page, "25-token-created")
