"""Facilitators open, close and reopen survey rounds, and hand each organisation its link (table, QR code, CSV)."""

from __future__ import annotations

import csv
import io

import pytest

from commonweal.core.errors import InvalidInput
from commonweal.core.models import AuditEntry
from commonweal.network.models import SurveyInvitation, SurveyRound
from commonweal.network.survey.actions import (
    RoundStatusRefused,
    check_change_round_status,
    check_open_round,
    do_issue_missing_links,
)
from tests.factories import (
    make_organisation,
    make_response,
    make_round,
    make_system,
    rate,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def system(system):
    """Riverside with three organisations, so a round opened gives three links."""
    for name in ("Acute Trust", "Castle Surgery", "Food Bank"):
        make_organisation(system, name=name)
    return system


def base(system):
    return f"/manage/systems/{system.slug}/network/rounds/"


def test_opening_a_round_gives_every_organisation_one_link_and_is_audited(fclient, system):
    response = fclient.post(base(system) + "new/", {"name": " 2026 "})
    survey_round = SurveyRound.objects.get(system=system)
    assert response.status_code == 302
    assert response["Location"] == f"{base(system)}{survey_round.pk}/"
    assert survey_round.name == "2026" and survey_round.is_open
    assert survey_round.created_by.username == "fran"
    links = SurveyInvitation.objects.filter(round=survey_round)
    assert sorted(links.values_list("organisation__name", flat=True)) == [
        "Acute Trust",
        "Castle Surgery",
        "Food Bank",
    ]
    assert len({i.token for i in links}) == 3 and all(len(i.token) >= 22 for i in links)
    entry = AuditEntry.objects.get(action="survey_round.open")
    assert entry.actor_label == "fran" and entry.after == {"name": "2026", "status": "open", "links": 3}
    assert entry.system == system


def test_a_name_already_used_is_refused_with_what_to_do_and_what_was_typed_kept(fclient, system):
    make_round(system, name="2026")
    response = fclient.post(base(system) + "new/", {"name": "2026"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is already a round called &#x27;2026&#x27; in this system: choose another name" in page
    assert 'value="2026"' in page
    assert "nhsuk-error-summary" in page
    assert SurveyRound.objects.filter(system=system).count() == 1

    empty = fclient.post(base(system) + "new/", {"name": "  "})
    assert empty.status_code == 400
    assert "Enter a name for the round" in empty.content.decode()
    with pytest.raises(InvalidInput):
        check_open_round(None, system, name="2026")


def test_the_round_page_lists_each_link_with_counts_of_people_but_never_who(fclient, system):
    survey_round = make_round(system, name="2026")
    acute, surgery, food = system.organisations.order_by("name")
    rate(make_response(survey_round, acute, respondent_role="Director of strategy"), surgery, 3)
    rate(make_response(survey_round, acute), food, 2)
    make_response(survey_round, acute)  # started, rated nobody yet: not counted as answered
    page = fclient.get(f"{base(system)}{survey_round.pk}/").content.decode()
    token = SurveyInvitation.objects.get(round=survey_round, organisation=acute).token
    assert f"http://testserver/survey/{token}/" in page
    assert "Director of strategy" not in page
    # Two people are fewer than 5: the round's total says so (the count is routed through the disclosure layer).
    assert "1 of 3 organisations answered so far (fewer than 5 people)" in page
    assert f"qr/{acute.pk}.svg" in page


def _people_answered(fclient, system, survey_round):
    response = fclient.get(f"{base(system)}{survey_round.pk}/links.csv")
    return {
        r["organisation"]: r["people_answered"]
        for r in csv.DictReader(io.StringIO(response.content.decode()))
    }


def test_counts_of_people_under_5_say_fewer_than_5_on_the_round_pages_and_in_the_links_file(fclient, system):
    survey_round = make_round(system, name="2026")
    acute, surgery, food = system.organisations.order_by("name")
    for _ in range(2):
        rate(make_response(survey_round, acute), surgery, 3)
    page = fclient.get(f"{base(system)}{survey_round.pk}/").content.decode()
    assert "(fewer than 5 people)" in page and "(2 people)" not in page
    assert ">People who answered </span>fewer than 5</td>" in page
    assert ">People who answered </span>2</td>" not in page
    assert _people_answered(fclient, system, survey_round) == {
        "Acute Trust": "fewer than 5",
        "Castle Surgery": "0",  # nobody is not a small number
        "Food Bank": "0",
    }
    listing = fclient.get(base(system)).content.decode()
    assert ">People who answered </span>fewer than 5</td>" in listing


def test_a_lone_small_count_cannot_be_worked_out_from_the_rounds_total(fclient, system):
    survey_round = make_round(system, name="2026")
    acute, surgery, food = system.organisations.order_by("name")
    for _ in range(6):
        rate(make_response(survey_round, acute), surgery, 3)
    rate(make_response(survey_round, surgery), acute, 2)
    page = fclient.get(f"{base(system)}{survey_round.pk}/").content.decode()
    counts = _people_answered(fclient, system, survey_round)
    assert counts["Castle Surgery"] != "1"
    # Had the total and both other counts been exact, the surgery's 1 would be 7 - 6 - 0: one must be hidden.
    assert not ("(7 people)" in page and counts["Acute Trust"] == "6" and counts["Food Bank"] == "0")
    assert ">People who answered </span>1</td>" not in page


def test_organisations_added_later_get_their_link_when_the_round_is_next_shown(fclient, system):
    survey_round = make_round(system, name="2026")
    newcomer = make_organisation(system, name="New Hospice")
    page = fclient.get(f"{base(system)}{survey_round.pk}/").content.decode()
    assert SurveyInvitation.objects.filter(round=survey_round, organisation=newcomer).exists()
    assert "1 organisation added to the system since the round opened now has its link" in page
    assert do_issue_missing_links(None, survey_round) == []  # nothing more the second time
    assert AuditEntry.objects.filter(action="survey_round.add_links").count() == 1


def test_closing_and_reopening_a_round_is_audited_and_a_repeat_is_refused(fclient, system, facilitator):
    survey_round = make_round(system, name="2026")
    url = f"{base(system)}{survey_round.pk}/status/"
    assert fclient.post(url, {"status": "closed"}).status_code == 302
    survey_round.refresh_from_db()
    assert not survey_round.is_open and survey_round.closed_at is not None
    again = fclient.post(url, {"status": "closed"}, follow=True)
    assert "The round &#x27;2026&#x27; is already closed." in again.content.decode()
    assert fclient.post(url, {"status": "open"}).status_code == 302
    survey_round.refresh_from_db()
    assert survey_round.is_open and survey_round.closed_at is None
    actions = list(
        AuditEntry.objects.filter(action__startswith="survey_round.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["survey_round.close", "survey_round.reopen"]
    with pytest.raises(RoundStatusRefused):
        check_change_round_status(facilitator, survey_round, "open")
    with pytest.raises(InvalidInput):
        check_change_round_status(facilitator, survey_round, "paused")


def test_links_download_as_csv_for_a_mail_merge(fclient, system):
    survey_round = make_round(system, name="2026")
    make_organisation(system, name="=HYPERLINK(evil)")
    fclient.get(f"{base(system)}{survey_round.pk}/")  # gives the newcomer its link
    response = fclient.get(f"{base(system)}{survey_round.pk}/links.csv")
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [r["organisation"] for r in rows] == [
        "'=HYPERLINK(evil)",
        "Acute Trust",
        "Castle Surgery",
        "Food Bank",
    ]
    tokens = dict(
        SurveyInvitation.objects.filter(round=survey_round).values_list("organisation__name", "token")
    )
    assert rows[1]["link"] == f"http://testserver/survey/{tokens['Acute Trust']}/"
    assert rows[1]["people_answered"] == "0" and rows[1]["round"] == "2026"


def test_the_qr_code_is_an_svg_of_the_organisations_link(fclient, system, settings):
    settings.PUBLIC_URL = "https://commonweal.example.org"
    survey_round = make_round(system, name="2026")
    acute = system.organisations.get(name="Acute Trust")
    response = fclient.get(f"{base(system)}{survey_round.pk}/qr/{acute.pk}.svg")
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    assert b"<svg" in response.content and b"Acute Trust" in response.content
    other = make_organisation(make_system(), name="Elsewhere")
    assert fclient.get(f"{base(system)}{survey_round.pk}/qr/{other.pk}.svg").status_code == 404
    page = fclient.get(f"{base(system)}{survey_round.pk}/").content.decode()
    assert "https://commonweal.example.org/survey/" in page


def test_a_round_of_another_system_is_not_found(fclient, system):
    elsewhere = make_round(make_system(), name="2026")
    assert fclient.get(f"{base(system)}{elsewhere.pk}/").status_code == 404
    assert fclient.get(base(system)).status_code == 200


def test_the_round_list_shows_each_round_with_how_many_answered(fclient, system):
    first = make_round(system, name="2025", status=SurveyRound.Status.CLOSED)
    make_round(system, name="2026")
    acute, surgery, _ = system.organisations.order_by("name")
    rate(make_response(first, acute), surgery, 2)
    page = fclient.get(base(system)).content.decode()
    assert page.index("2026") < page.index("2025")
    assert "1 of 3" in page and "Closed" in page and "Open a new round" in page
