"""A facilitator reads how the system's relationships moved: from the system page to the system map page of a
system with a 2025 round answered through the survey, imports the 2026 ratings from a spreadsheet (first with
mistakes), then reads the latest measures in plain words, the change since 2025 and the pairs to talk about, and
downloads the round. Every page is checked with axe-core; the map page again on a 320-pixel phone."""

from __future__ import annotations

import csv
import io
import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from commonweal.systems.models import Sector
from tests.factories import (
    PASSWORD,
    make_facilitator,
    make_organisation,
    make_response,
    make_round,
    make_system,
    rate,
)

from .conftest import assert_accessible, assert_no_horizontal_scroll

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = os.environ.get("COMMONWEAL_SCREENSHOTS")
HEADER = "organisation,partner,intensity,trust_openness,trust_reliability,trust_mission,value_power,value_involvement,value_resources,contributions,respondent\n"  # noqa: E501


def check(page, name: str) -> None:
    assert_accessible(page, context=f"({name})")
    assert_no_horizontal_scroll(page)
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"network-{name}.png"), full_page=True)


def build_system():
    system = make_system(name="Riverside Health and Care Partnership", slug="riverside")
    orgs = {
        "hospital": make_organisation(system, name="Riverside Hospital", sector=Sector.ACUTE),
        "council": make_organisation(system, name="Riverside Council", sector=Sector.LOCAL_AUTHORITY),
        "carers": make_organisation(system, name="Carers Centre", sector=Sector.VCSE),
        "practice": make_organisation(system, name="Riverside Surgery", sector=Sector.PRIMARY_CARE),
    }
    first = make_round(system, name="2025", opened_at=timezone.now() - timedelta(days=365), status="closed")
    make_round(system, name="2026", status="closed")
    # 2025 through the survey: the hospital and the council work together; the carers know the hospital.
    for rater, partner, intensity in [
        ("hospital", "council", 2),
        ("council", "hospital", 2),
        ("carers", "hospital", 1),
        ("hospital", "carers", 1),
        ("practice", "hospital", 2),
    ]:
        rate(make_response(first, orgs[rater]), orgs[partner], intensity)
    make_facilitator(system, username="fran")
    return system


def test_facilitator_imports_a_round_and_reads_how_the_relationships_moved(live_server, page, phone_page):
    system = build_system()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("fran")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/manage/"))

    page.goto(f"{live_server.url}/manage/systems/{system.slug}/")
    page.get_by_role("link", name="The system map: measures over rounds, in plain words").click()
    page.wait_for_url(re.compile(r"/network/$"))
    check(page, "01-before-import")

    # 2026 comes from a spreadsheet: first with an unknown organisation and an intensity out of range.
    page.get_by_role("link", name="Import relationships from a CSV file").click()
    page.get_by_label("Survey round").select_option(label="2026 (closed)")
    bad = (
        HEADER
        + "Riverside Hospital,Riverside Counsel,4,,,,,,,,\nRiverside Council,Riverside Hospital,7,,,,,,,,\n"
    )
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "2026.csv", "mimeType": "text/csv", "buffer": bad.encode()}]
    )
    page.get_by_role("button", name="Check and import").click()
    assert page.get_by_role("heading", name="The file was not imported").is_visible()
    problems = page.get_by_role("table", name="Problems in the file")
    assert "'Riverside Counsel' is not an organisation of this system." in problems.inner_text()
    assert "'7' is not an intensity" in problems.inner_text()
    # The round chosen is kept.
    assert page.get_by_label("Survey round").input_value() != ""
    check(page, "02-import-problems")

    good = HEADER + (
        "Riverside Hospital,Riverside Council,4,4,4,4,3,3,3,funding; staff,\n"
        "Riverside Council,Riverside Hospital,2,3,3,3,3,3,3,,\n"
        "Carers Centre,Riverside Hospital,3,2,2,2,2,2,2,volunteers,\n"
        "Riverside Hospital,Carers Centre,1,,,,,,,,\n"
        "Riverside Surgery,Carers Centre,2,,,,,,,,\n"
    )
    page.get_by_label("Survey round").select_option(label="2026 (closed)")
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "2026.csv", "mimeType": "text/csv", "buffer": good.encode()}]
    )
    page.get_by_role("button", name="Check and import").click()
    page.wait_for_url(re.compile(r"/network/$"))
    assert "5 ratings of 4 organisations imported into 2026." in page.inner_text("body")

    # The latest round in plain words. 2026: ties H>C, H>Co, Co>H, C>H, S>C = 5 of 4 x 3 = 12 possible.
    body = page.inner_text("body")
    assert "2026: what the latest round says" in body
    assert "4 in 10 of the ties that could exist do exist (density 0.42)" in body
    # Change for the four that answered both: H>Co 2 -> 4 and C>H 1 -> 3 stronger, Co>H unchanged,
    # S>H 2 -> 0 lost, S>C new.
    assert page.get_by_role("heading", name="What changed since 2025").is_visible()
    assert "Change is judged for the 4 organisations that answered both 2025 and 2026." in body
    page.get_by_text("Ties that grew stronger (2)").click()
    stronger = page.get_by_role("table", name="Ties that grew stronger, 2025 to 2026")
    assert stronger.is_visible()
    assert re.search(
        r"Riverside Hospital\s+(Rates\s+)?Riverside Council\s+(2025\s+)?2\s+(2026\s+)?4",
        stronger.inner_text(),
    )
    # The pairs to talk about: the council rates the hospital 2, the hospital rates it 4 (2 points apart).
    pairs = page.get_by_role("table", name="Pairs that rate each other very differently in 2026")
    assert "Riverside Hospital" in pairs.inner_text() and "Riverside Council" in pairs.inner_text()
    # Each measure over the rounds.
    over = page.get_by_role("table", name="Measures of each survey round, oldest first")
    # (On a phone each cell also shows its round.)
    assert re.search(r"Density\s+(2025\s+)?0\.42\s+(2026\s+)?0\.42", over.inner_text())
    assert page.get_by_role("img", name=re.compile("Density, reciprocity")).is_visible()
    check(page, "03-measures")

    # The round downloads as CSV with the ratings just imported.
    with page.expect_download() as caught:
        page.get_by_role("link", name="CSV of 2026").click()
    rows = list(csv.DictReader(io.StringIO(Path(caught.value.path()).read_text())))
    assert len(rows) == 5
    assert {(r["organisation"], r["partner"], r["intensity"]) for r in rows} >= {
        ("Riverside Hospital", "Riverside Council", "4")
    }

    # The same page on a phone.
    phone = phone_page
    phone.context.add_cookies(page.context.cookies())
    phone.goto(f"{live_server.url}/manage/systems/{system.slug}/network/")
    assert phone.get_by_role("heading", name="2026: what the latest round says").is_visible()
    check(phone, "04-phone")
