"""An organisation's lead opens "my part" from their organisation's survey link on a phone, with no account: how
they rate their partners against how the partners rate them (a pair seen differently flagged), how others rate
them (medians hidden under 5 raters), their dependencies, the places and communities they serve, the
conversations their people joined (fewer than 5 suppressed), their joint work and what changed since last year.
Checked with axe-core and for sideways scrolling at 320 pixels; a facilitator reads the same page from the map."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from commonweal.systems.models import Sector
from tests.factories import (
    PASSWORD,
    make_community,
    make_conversation,
    make_facilitator,
    make_interdependency,
    make_joint_work,
    make_organisation,
    make_participant,
    make_place,
    make_response,
    make_round,
    make_system,
    rate,
)

from .conftest import assert_accessible, assert_no_horizontal_scroll

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = os.environ.get("COMMONWEAL_SCREENSHOTS")


def build_system():
    system = make_system(name="Riverside Health and Care Partnership", slug="riverside")
    north = make_place(system, name="Northvale")
    homes = make_organisation(system, name="Riverside Care Homes Group", sector=Sector.SOCIAL_CARE_PROVIDER)
    homes.places.add(north)
    hospital = make_organisation(system, name="Riverside Hospital", sector=Sector.ACUTE)
    council = make_organisation(system, name="Riverside Council", sector=Sector.LOCAL_AUTHORITY)
    old = make_round(system, name="2025", opened_at=timezone.now() - timedelta(days=365), status="closed")
    new = make_round(system, name="2026")
    rate(make_response(old, homes), hospital, 1)
    rate(make_response(old, hospital), homes, 1)
    rate(make_response(new, homes), hospital, 3, trust=(3, 3, 4), value=(2, 3, 3))
    rate(make_response(new, homes), council, 2)
    rate(make_response(new, hospital), homes, 1, trust=(2, 2, 2))
    rate(make_response(new, council), homes, 2)
    make_interdependency(
        system, homes, hospital, kind="capacity", strength="high",
        description="Care-home places decide how fast patients can leave hospital.",
    )  # fmt: skip
    make_interdependency(
        system, council, homes, kind="money", description="The council funds care-home places."
    )
    carers = make_community(system, name="Unpaid carers")
    link = make_interdependency(system, homes, council, kind="information", description="Carers' needs")
    link.to_organisation, link.to_community = None, carers
    link.save()
    make_joint_work(system, [homes, hospital], title="Discharge to assess pilot", kind="pooled_budget")
    conversation = make_conversation(system, title="Our five-year strategy")
    for _ in range(3):
        make_participant(system, conversation=conversation, organisation=homes)
    make_facilitator(system, username="fran")
    # The lead still has last year's link: it shows the latest round.
    return old.invitations.get(organisation=homes).token, homes


def test_organisation_lead_reads_its_my_part_page(live_server, phone_page):
    token, homes = build_system()
    page = phone_page
    page.goto(f"{live_server.url}/survey/{token}/my-part/")
    assert page.get_by_role("heading", name="Your part in Riverside Health and Care Partnership").is_visible()
    assert page.get_by_text("From the survey round 2026, compared with 2025.").is_visible()

    partners = page.get_by_role("table", name="Partners of Riverside Care Homes Group, both ways")
    hospital_row = partners.get_by_role("row").filter(has_text="Riverside Hospital")
    assert "3, coordination" in hospital_row.inner_text() and "1, awareness" in hospital_row.inner_text()
    assert "Worth a conversation" in hospital_row.inner_text()
    council_row = partners.get_by_role("row").filter(has_text="Riverside Council")
    assert "Worth a conversation" not in council_row.inner_text()

    received = page.locator("#part-received ~ dl").first
    assert "Not shown: fewer than 5 organisations rated you" in received.inner_text()
    assert page.get_by_text("Care-home places decide how fast patients can leave hospital.").is_visible()
    assert page.get_by_text("The council funds care-home places.").is_visible()
    serves = page.locator("#part-serves ~ dl").first.inner_text()
    assert "Northvale" in serves and "Unpaid carers" in serves
    conversations = page.get_by_role(
        "table", name="Participants from Riverside Care Homes Group by conversation"
    )
    assert "fewer than 5" in conversations.inner_text()
    assert page.get_by_text("Discharge to assess pilot").is_visible()
    changes = page.locator("#part-changes ~ ul").first.inner_text()
    assert (
        "Stronger: How you rate Riverside Hospital: 1, awareness in 2025, 3, coordination in 2026" in changes
    )

    assert_accessible(page, context="(my part)")
    assert_no_horizontal_scroll(page)
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / "my-part-phone.png"), full_page=True)

    # A facilitator reaches the same organisation's page from the map's table.
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("fran")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/manage/$"))
    page.goto(f"{live_server.url}/manage/systems/riverside/network/map/")
    page.get_by_text(re.compile(r"organisations? on the map$")).click()  # the table is folded under it
    page.get_by_role("link", name="Riverside Care Homes Group", exact=True).click()
    page.wait_for_url(re.compile(rf"/network/organisations/{homes.pk}/$"))
    assert page.get_by_role("heading", name="Riverside Care Homes Group: its part in the system").is_visible()
    assert page.get_by_role("columnheader", name="How it rates them").is_visible()
    assert_accessible(page, context="(organisation part, facilitator)")
    assert_no_horizontal_scroll(page)
