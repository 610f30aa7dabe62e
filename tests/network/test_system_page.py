"""The system map page of a system (measures over rounds in plain words), the relationship import page and the
export downloads, through Django's test client."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from commonweal.network.io import IMPORT_COLUMNS
from commonweal.network.models import SurveyResponse
from commonweal.systems.models import Sector
from tests.factories import (
    make_organisation,
    make_response,
    make_round,
    make_system,
    make_user,
    rate,
)

pytestmark = pytest.mark.django_db


def two_rounds(system):
    """A, B (acute), C (VCSE), D (council). 2025: A>B 2, B>A 2, A>C 1, C>A 3. 2026: A>B 4, B>A 2, C>A 3, A>D 2,
    and A says it no longer works with C (A>C 0)."""
    a = make_organisation(system, name="Alder Hospital", sector=Sector.ACUTE)
    b = make_organisation(system, name="Birch Community Trust", sector=Sector.ACUTE)
    c = make_organisation(system, name="Cedar Carers", sector=Sector.VCSE)
    d = make_organisation(system, name="Dunmore Council", sector=Sector.LOCAL_AUTHORITY)
    first = make_round(system, name="2025", opened_at=timezone.now() - timedelta(days=365), status="closed")
    second = make_round(system, name="2026")
    for survey_round, ratings in (
        (first, [(a, b, 2), (b, a, 2), (a, c, 1), (c, a, 3)]),
        (second, [(a, b, 4), (b, a, 2), (c, a, 3), (a, d, 2), (a, c, 0)]),
    ):
        responses = {}
        for rater, partner, intensity in ratings:
            if rater not in responses:
                responses[rater] = make_response(survey_round, rater)
            rate(responses[rater], partner, intensity)
    return first, second


def text_of(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def test_a_system_without_rounds_says_to_open_one_first(fclient, system):
    make_organisation(system)
    response = fclient.get(f"/manage/systems/{system.slug}/network/")
    page = text_of(response)
    assert "Start with a survey round" in page
    assert "Open a survey round: each of the 1 organisation gets a link" in page
    assert f'<a class="nhsuk-button" href="/manage/systems/{system.slug}/network/rounds/new/">' in (
        response.content.decode()
    )


def test_the_page_links_to_every_part_of_the_system_map(fclient, system):
    first, second = two_rounds(system)
    content = fclient.get(f"/manage/systems/{system.slug}/network/").content.decode()
    base = f"/manage/systems/{system.slug}/network/"
    for path in [
        "map/",
        "rounds/",
        f"rounds/{first.pk}/",
        f"rounds/{second.pk}/",
        "interdependencies/",
        "joint-work/",
        "import/",
        f"export/csv/?round={second.pk}",
        f"export/graphml/?round={first.pk}",
        f"export/kumu/?round={second.pk}",
    ]:
        assert f'href="{base}{path}"' in content, path
    assert f'href="/manage/systems/{system.slug}/organisations/import/"' in content
    # Every link on the page leads somewhere.
    for href in set(re.findall(r'href="(/manage/[^"]+)"', content)):
        assert fclient.get(html.unescape(href)).status_code == 200, href


def test_a_system_without_organisations_says_to_add_them(fclient, system):
    response = fclient.get(f"/manage/systems/{system.slug}/network/")
    assert "First add the system's organisations" in text_of(response)
    assert f'href="/manage/systems/{system.slug}/organisations/"' in response.content.decode()


def test_the_page_shows_the_latest_measures_in_words_and_the_change(fclient, system):
    two_rounds(system)
    response = fclient.get(f"/manage/systems/{system.slug}/network/")
    assert response.status_code == 200
    page = text_of(response)
    # 2026: A, B and C answered; ties A>B, B>A, C>A, A>D = 4 of 3 x 3 = 9 possible.
    assert "2026: what the latest round says" in page
    assert "fewer than 5 people answered for 3 of 4 organisations" in page
    assert "4 in 10 of the ties that could exist do exist (density 0.44)" in page
    # Returned where the partner answered: A>B, B>A and C>A (A>C is gone); 2 of 3.
    assert "7 in 10 of the ties between organisations that both answered are returned" in page
    # Change for A, B, C (answered both): A>B 2 -> 4 stronger, A>C 1 -> 0 lost, A>D new.
    assert "What changed since 2025" in page
    assert "Change is judged for the 3 organisations that answered both 2025 and 2026" in page
    assert "1 New ties 1 Ties that grew stronger 0 Ties that grew weaker 1 Ties lost" in page
    # (The cells' own headings are there for phones, where the table stacks.)
    assert (
        "Ties that grew stronger (1) Ties that grew stronger, 2025 to 2026 Organisation Rates 2025 2026 "
        "Organisation Alder Hospital Rates Birch Community Trust 2025 2 2026 4"
    ) in page
    assert "Ties lost (1)" in page and "Ties that grew weaker (" not in page
    # Over the rounds: one row per round, and the chart.
    assert "Measures of each survey round, oldest first" in page
    assert page.count("fewer than 5") >= 3
    assert (
        "<svg" in response.content.decode()
        and "Density: 2025 0.44, 2026 0.44. Reciprocity: 2025 1.00, 2026 0.67." in page
    )
    # Brokers: in 2026 A is the hub of a star, on all 3 paths between B, C and D.
    assert "Organisation Alder Hospital Sector Acute trust Betweenness 1.00" in page
    # Pairs to talk about: A no longer rates C (0) while C rates A 3.
    assert (
        "Organisation Alder Hospital Partner Cedar Carers Organisation rates partner 0 Partner rates organisation 3"
    ) in page


def test_a_count_of_five_or_more_people_is_shown(fclient, system):
    orgs = [make_organisation(system, name=f"Org {i}") for i in range(3)]
    survey_round = make_round(system, name="2026")
    for _ in range(5):
        response = make_response(survey_round, orgs[0])
        # Each person rates two partners: people are counted, not their ratings.
        rate(response, orgs[1], 2)
        rate(response, orgs[2], 1)
    page = text_of(fclient.get(f"/manage/systems/{system.slug}/network/"))
    assert "5 people answered for 1 of 3 organisations" in page


def test_the_system_page_links_to_the_system_map(fclient, system):
    content = fclient.get(f"/manage/systems/{system.slug}/").content.decode()
    assert f'href="/manage/systems/{system.slug}/network/"' in content


def test_export_downloads_the_latest_round_or_the_chosen_one(fclient, system):
    first, second = two_rounds(system)
    base = f"/manage/systems/{system.slug}/network/export"
    latest = fclient.get(f"{base}/csv/")
    assert latest.status_code == 200
    assert latest["Content-Disposition"] == 'attachment; filename="riverside-2026-network.csv"'
    assert "Dunmore Council" in latest.content.decode()
    chosen = fclient.get(f"{base}/csv/?round={first.pk}")
    assert "Dunmore Council" not in chosen.content.decode()
    assert fclient.get(f"{base}/kumu/?round={first.pk}")["Content-Type"].startswith(
        "application/vnd.openxmlformats"
    )


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("export/pdf/", "There is no export as &#x27;pdf&#x27;"),
        ("export/csv/?round=999999", "That survey round is not in this system"),
        ("export/csv/?round=abc", "That survey round is not in this system"),
    ],
)
def test_export_of_something_that_is_not_there_is_404_with_what_to_do(fclient, system, path, message):
    two_rounds(system)
    response = fclient.get(f"/manage/systems/{system.slug}/network/{path}")
    assert response.status_code == 404 and message in response.content.decode()


def test_a_round_of_another_system_cannot_be_exported(fclient, system):
    other = make_system()
    make_organisation(other)
    theirs = make_round(other, name="Theirs")
    response = fclient.get(f"/manage/systems/{system.slug}/network/export/csv/?round={theirs.pk}")
    assert response.status_code == 404


def test_export_without_rounds_says_to_open_one(fclient, system):
    response = fclient.get(f"/manage/systems/{system.slug}/network/export/graphml/")
    assert response.status_code == 404 and "no survey round yet" in response.content.decode()


def upload(client, system, survey_round, text: str):
    return client.post(
        f"/manage/systems/{system.slug}/network/import/",
        {"survey_round": survey_round.pk, "file": SimpleUploadedFile("rel.csv", text.encode(), "text/csv")},
    )


def test_the_import_page_lists_each_problem_and_keeps_the_round_chosen(fclient, system):
    first, second = two_rounds(system)
    header = ",".join(IMPORT_COLUMNS) + "\n"
    response = upload(fclient, system, first, header + "Alder Hospital,Nobody,2,,,,,,,,\n")
    assert response.status_code == 400
    page = text_of(response)
    assert "The file was not imported" in page
    assert "Row 2 Column partner What is wrong 'Nobody' is not an organisation of this system." in page
    assert f'<option value="{first.pk}" selected>' in response.content.decode()


def test_the_import_page_imports_and_says_what(fclient, system):
    first, second = two_rounds(system)
    header = ",".join(IMPORT_COLUMNS) + "\n"
    response = upload(fclient, system, first, header + "Dunmore Council,Alder Hospital,3,,,,,,,,\n")
    assert response.status_code == 302 and response["Location"] == f"/manage/systems/{system.slug}/network/"
    assert SurveyResponse.objects.filter(source="import", invitation__round=first).count() == 1
    page = text_of(fclient.get(response["Location"]))
    assert "1 rating of 1 organisation imported into 2025." in page


def test_the_import_page_without_a_file_or_round_says_what_is_missing(fclient, system):
    two_rounds(system)
    response = fclient.post(f"/manage/systems/{system.slug}/network/import/", {})
    assert response.status_code == 400
    page = text_of(response)
    assert "Choose the survey round to import into" in page and "Choose a CSV file to upload" in page


def test_the_import_page_without_rounds_says_to_open_one(fclient, system):
    page = text_of(fclient.get(f"/manage/systems/{system.slug}/network/import/"))
    assert "this system has none yet" in page


def test_the_template_downloads(fclient, system):
    response = fclient.get(f"/manage/systems/{system.slug}/network/import/template.csv")
    assert response.content.decode().startswith(",".join(IMPORT_COLUMNS))


def test_someone_who_is_not_a_facilitator_of_the_system_cannot_see_it(client, system):
    two_rounds(system)
    client.force_login(make_user())
    assert client.get(f"/manage/systems/{system.slug}/network/").status_code == 403
    assert client.get(f"/manage/systems/{system.slug}/network/export/csv/").status_code == 403


def test_a_tie_left_off_the_list_is_not_counted_as_lost(fclient, system):
    first, second = two_rounds(system)
    # A answers 2026 again without rating C at all (it did not list C): that says nothing about the tie.
    second.invitations.get(organisation__name="Alder Hospital").responses.get().ratings.filter(
        partner__name="Cedar Carers"
    ).delete()
    page = text_of(fclient.get(f"/manage/systems/{system.slug}/network/"))
    assert "0 Ties lost 1 Ties not rated again (not counted as lost)" in page
    assert (
        "1 tie of 2025 was not rated again in 2026: not counted as lost, since a partner left off the list may "
        "still be one."
    ) in page
    assert "Organisation Alder Hospital Rates Cedar Carers 2025 1 2026 not rated" in page
