"""An organisation's lead, on a phone and with no account, opens their organisation's link, commits to a proposed
aim (a negative amount and an end before the start are refused, and what was typed is kept), then posts a
progress update; the commitment shows on the aim's page for facilitators. axe-clean, no sideways scrolling at 320
pixels; the same through the link without JavaScript."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from commonweal.strategy.aims import actions as aims
from commonweal.strategy.models import Commitment, ProgressUpdate
from commonweal.systems.models import Sector
from tests.factories import make_facilitator, make_organisation, make_round, make_system

from .conftest import PHONE, assert_accessible, assert_no_horizontal_scroll

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = os.environ.get("COMMONWEAL_SCREENSHOTS")


def shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"strategy-{name}.png"), full_page=True)


def test_organisation_lead_commits_and_posts_progress_through_the_organisation_link(
    live_server, phone_page, browser
):
    system = make_system(name="Riverside Health and Care Partnership", slug="riverside")
    fran = make_facilitator(system, username="fran")
    acute = make_organisation(system, name="Riverside Hospital", sector=Sector.ACUTE)
    homes = make_organisation(system, name="Willow Court Care Home", sector=Sector.SOCIAL_CARE_PROVIDER)
    aim = aims.check_draft_aim(
        fran, system, aims.AimInput("Keep care staff", "Fund and plan the care workforce together."), []
    )
    aims.check_change_status(fran, aim, aims.StatusInput("proposed"))
    token = make_round(system).invitations.get(organisation=acute).token
    page = phone_page
    page.goto(f"{live_server.url}/commit/{token}/")
    assert page.get_by_role("heading", name="Your commitments").is_visible()
    assert_accessible(page, context="(organisation's commitments)")
    assert_no_horizontal_scroll(page)
    page.get_by_role("link", name="Keep care staff").click()
    page.get_by_label("What you will do").fill("Fund 30 care-home staff posts.")
    page.get_by_label("Lead role").fill("Chief operating officer")
    page.get_by_label("Willow Court Care Home").check()
    page.get_by_label("Start date").fill("2026-05-01")
    page.get_by_label("End date").fill("2026-04-01")
    page.get_by_label("Money (£)").fill("-900")
    page.get_by_role("button", name="Save the commitment").click()
    assert page.get_by_role("link", name="An amount cannot be negative").is_visible()
    assert page.get_by_role(
        "link", name="The end date must be the same as or after the start date"
    ).is_visible()
    assert page.get_by_label("What you will do").input_value() == "Fund 30 care-home staff posts."
    assert_accessible(page, context="(commitment, errors)")
    assert_no_horizontal_scroll(page)
    shot(page, "org-commit-errors-phone")
    page.get_by_label("End date").fill("2027-03-31")
    page.get_by_label("Money (£)").fill("900000")
    page.get_by_role("button", name="Save the commitment").click()
    page.wait_for_url(re.compile(rf"/commit/{token}/$"))
    assert page.get_by_text("Your commitment is saved. Thank you.").is_visible()
    assert page.get_by_text("£900,000").is_visible()
    commitment = Commitment.objects.get()
    assert commitment.organisation == acute and list(commitment.partners.all()) == [homes]
    page.get_by_role("link", name="Post an update on Riverside Hospital's commitment").click()
    page.get_by_label("On track").check()
    page.get_by_label("What has happened").fill("18 of 30 posts filled.")
    assert_accessible(page, context="(progress)")
    page.get_by_role("button", name="Save the update").click()
    page.wait_for_url(re.compile(rf"/commit/{token}/$"))
    assert page.get_by_text("On track", exact=True).is_visible()
    assert_no_horizontal_scroll(page)
    shot(page, "org-home-phone")
    assert ProgressUpdate.objects.get().route == "organisation_link"

    # Without JavaScript, the same link posts another update.
    context = browser.new_context(viewport=PHONE, java_script_enabled=False, locale="en-GB")
    nojs = context.new_page()
    nojs.goto(f"{live_server.url}/commit/{token}/commitments/{commitment.pk}/progress/")
    nojs.get_by_label("At risk").check()
    nojs.get_by_label("What has happened").fill("Night staff are hard to find.")
    nojs.get_by_role("button", name="Save the update").click()
    nojs.wait_for_url(re.compile(rf"/commit/{token}/$"))
    assert nojs.get_by_text("At risk", exact=True).is_visible()
    context.close()
    assert ProgressUpdate.objects.count() == 2
