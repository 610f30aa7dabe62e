"""Respondents answer the relationship survey from their organisation's link: start, pick partners (search and
filters), rate each, check and submit; answers save as they go, survive errors and can be resumed."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from commonweal.core.errors import InvalidInput, NotFound
from commonweal.network.graph import round_network
from commonweal.network.models import Rating, SurveyInvitation, SurveyResponse, SurveyRound
from commonweal.network.survey.actions import (
    RoundClosed,
    check_pick_partners,
    do_save_rating,
    do_start_response,
    do_submit_response,
    partner_for,
    progress,
)
from commonweal.network.survey.views import KEY_COOKIE
from commonweal.systems.models import Sector
from tests.factories import make_organisation, make_place, make_round, make_system

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    system = make_system(slug="riverside")
    north, south = make_place(system, name="North"), make_place(system, name="South")
    orgs = {
        "home": make_organisation(system, name="Castle Street Surgery", sector=Sector.PRIMARY_CARE),
        "acute": make_organisation(system, name="Riverside Hospital", sector=Sector.ACUTE),
        "community": make_organisation(system, name="Riverside Community Health", sector=Sector.COMMUNITY),
        "council": make_organisation(system, name="Valeshire Council", sector=Sector.LOCAL_AUTHORITY),
        "foodbank": make_organisation(system, name="Riverside Food Bank", sector=Sector.VCSE),
    }
    orgs["acute"].places.add(north)
    orgs["foodbank"].places.add(south)
    survey_round = make_round(system, name="2026")
    invitation = SurveyInvitation.objects.get(round=survey_round, organisation=orgs["home"])
    return {
        "system": system,
        "round": survey_round,
        "invitation": invitation,
        "places": (north, south),
        **orgs,
    }


def start(client: Client, invitation: SurveyInvitation, role: str = "") -> SurveyResponse:
    response = client.post(f"/survey/{invitation.token}/", {"respondent_role": role})
    assert response.status_code == 302
    created = SurveyResponse.objects.filter(invitation=invitation).latest("pk")
    assert response["Location"] == f"/survey/{invitation.token}/r/{created.key}/partners/"
    return created


def url(response: SurveyResponse, tail: str = "") -> str:
    return f"/survey/{response.invitation.token}/r/{response.key}/{tail}"


def test_the_start_page_says_who_it_is_for_what_it_asks_and_how_answers_are_used(client, world):
    page = client.get(f"/survey/{world['invitation'].token}/").content.decode()
    assert "How Castle Street Surgery works with its partners" in page
    assert "Which of the other 4 organisations" in page
    assert "about 2 minutes for each partner" in page
    assert "combined with your colleagues" in page and "nobody is shown who answered" in page
    assert "Your role (optional)" in page and "Start the survey" in page
    assert "Continue where you left off" not in page


def test_an_unknown_link_is_a_clear_not_found_page(client, world):
    response = client.get("/survey/not-a-real-token/")
    assert response.status_code == 404
    assert "We could not find a survey at this link" in response.content.decode()
    wrong_key = client.get(f"/survey/{world['invitation'].token}/r/nope/check/")
    assert wrong_key.status_code == 404
    assert "We could not find your answers at this link" in wrong_key.content.decode()


def test_starting_remembers_the_key_so_the_link_offers_to_continue_or_start_afresh(client, world):
    first = start(client, world["invitation"], role="Practice manager")
    assert first.respondent_role == "Practice manager"
    assert client.cookies[KEY_COOKIE].value == first.key
    assert client.cookies[KEY_COOKIE]["path"] == f"/survey/{world['invitation'].token}/"
    page = client.get(f"/survey/{world['invitation'].token}/").content.decode()
    assert "Continue where you left off" in page and url(first, "check/") in page
    assert "Start as a different person" in page
    second = start(client, world["invitation"])
    assert second.pk != first.pk and client.cookies[KEY_COOKIE].value == second.key
    # Another person's device remembers nothing.
    assert (
        "Continue where you left off"
        not in Client().get(f"/survey/{world['invitation'].token}/").content.decode()
    )


def test_a_link_starts_only_so_many_respondents_an_hour(client, world, settings):
    settings.RATE_SURVEY_RESPONSES = "2/3600"
    start(client, world["invitation"])
    start(client, world["invitation"])
    refused = client.post(f"/survey/{world['invitation'].token}/", {"respondent_role": ""})
    assert refused.status_code == 429 and "Retry-After" in refused
    assert "Too many new answers on this link" in refused.content.decode()
    assert SurveyResponse.objects.filter(invitation=world["invitation"]).count() == 2
    # Another organisation's link has its own allowance.
    other = SurveyInvitation.objects.get(round=world["round"], organisation=world["acute"])
    start(Client(), other)


def test_partners_are_every_other_organisation_searchable_and_filterable_without_javascript(client, world):
    response = start(client, world["invitation"])
    page = client.get(url(response, "partners/")).content.decode()
    assert "Showing 4 of 4 organisations" in page
    assert f'id="partner-{world["home"].pk}"' not in page  # not their own organisation
    searched = client.get(url(response, "partners/"), {"q": "riverside health"}).content.decode()
    assert "Showing 1 of 4 organisations that match your search" in searched
    assert "Riverside Community Health" in searched
    by_sector = client.get(url(response, "partners/"), {"sector": Sector.ACUTE}).content.decode()
    assert (
        f'id="partner-{world["acute"].pk}"' in by_sector
        and f'id="partner-{world["council"].pk}"' not in by_sector
    )
    north, _ = world["places"]
    by_place = client.get(url(response, "partners/"), {"place": north.pk}).content.decode()
    assert "Showing 1 of 4" in by_place
    # A filter value that is not valid is ignored, not an error.
    assert client.get(url(response, "partners/"), {"place": "x"}).status_code == 200


def test_picks_save_on_submit_and_survive_filtering(client, world):
    response = start(client, world["invitation"])
    acute, community, foodbank = world["acute"], world["community"], world["foodbank"]
    # Search posts the ticks first, then shows the filtered list.
    searched = client.post(
        url(response, "partners/"),
        {"partners": [acute.pk], "shown": [acute.pk, community.pk], "q": "food", "action": "search"},
    )
    assert searched.status_code == 302 and searched["Location"].endswith("partners/?q=food")
    # Ticking the food bank in the filtered list keeps the hospital, which the filter hid.
    client.post(
        url(response, "partners/"), {"partners": [foodbank.pk], "shown": [foodbank.pk], "action": "save"}
    )
    assert set(response.ratings.values_list("partner__name", flat=True)) == {
        "Riverside Hospital",
        "Riverside Food Bank",
    }
    page = client.get(url(response, "partners/"), {"q": "food"}).content.decode()
    assert "You have picked <strong>2 partners</strong>" in page
    assert "1 of them is not in the list below because of your search, and stay picked" in page
    # Unticking a shown partner removes it.
    client.post(url(response, "partners/"), {"shown": [acute.pk], "action": "save"})
    assert list(response.ratings.values_list("partner__name", flat=True)) == ["Riverside Food Bank"]
    # "Save and rate" goes to the one page that asks how closely you work with each partner.
    cont = client.post(
        url(response, "partners/"), {"partners": [acute.pk], "shown": [acute.pk], "action": "continue"}
    )
    assert cont["Location"] == url(response, "closeness/")


def test_picking_with_htmx_answers_a_status_line_and_the_updated_summary(client, world):
    response = start(client, world["invitation"])
    answer = client.post(
        url(response, "partners/"),
        {"partners": [world["council"].pk], "shown": [world["council"].pk]},
        HTTP_HX_REQUEST="true",
    )
    body = answer.content.decode()
    assert answer.status_code == 200 and "Saved: 1 partner picked." in body
    assert 'id="cw-picked-summary" hx-swap-oob="true"' in body and "Valeshire Council" in body


def test_own_organisation_or_another_systems_cannot_be_picked_or_rated(client, world):
    response = start(client, world["invitation"])
    own = world["home"]
    refused = client.post(
        url(response, "partners/"), {"partners": [own.pk], "shown": [own.pk], "q": "castle"}
    )
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "You cannot pick Castle Street Surgery: it is your own organisation" in page
    assert 'value="castle"' in page  # the search typed is kept
    stranger = make_organisation(make_system(), name="Elsewhere Trust")
    other = client.post(url(response, "partners/"), {"partners": [stranger.pk], "shown": []})
    assert other.status_code == 400 and "not in this system" in other.content.decode()
    junk = client.post(url(response, "partners/"), {"partners": ["x"], "shown": []})
    assert junk.status_code == 400
    assert not response.ratings.exists()

    rate_own = client.get(url(response, f"partners/{own.pk}/"))
    assert rate_own.status_code == 400
    assert "you cannot rate it as a partner" in rate_own.content.decode()
    assert client.get(url(response, f"partners/{stranger.pk}/")).status_code == 404
    assert client.post(url(response, f"partners/{stranger.pk}/"), {"intensity": "2"}).status_code == 404
    assert not Rating.objects.exists()


def test_rating_a_partner_stores_every_answer_and_moves_on(client, world):
    response = start(client, world["invitation"])
    acute, council = world["acute"], world["council"]
    client.post(
        url(response, "partners/"), {"partners": [acute.pk, council.pk], "shown": [acute.pk, council.pk]}
    )
    page = client.get(url(response, f"partners/{acute.pk}/")).content.decode()
    assert "Partner 1 of 2 of Castle Street Surgery" in page
    for definition in (
        "0: We have no relationship with this partner.",
        "4: Integration: we are bound together by contracts, pooled budgets or joint delivery.",
        "Openness to discussion",
        "Resources contributed",
        "1: Not at all",
        "Community connections",
    ):
        assert definition in page
    answers = {
        "intensity": "3",
        "trust_openness": "4",
        "trust_reliability": "3",
        "trust_mission": "4",
        "value_power": "2",
        "value_involvement": "3",
        "value_resources": "1",
        "contributions": ["data", "staff"],
        "action": "continue",
    }
    moved = client.post(url(response, f"partners/{acute.pk}/"), answers)
    assert moved["Location"] == url(response, f"partners/{council.pk}/")
    rating = Rating.objects.get(response=response, partner=acute)
    assert (rating.intensity, rating.trust_openness, rating.value_resources) == (3, 4, 1)
    assert rating.contributions == ["staff", "data"]  # in the list's order
    last = client.post(url(response, f"partners/{council.pk}/"), {"intensity": "1", "action": "continue"})
    assert last["Location"] == url(response, "check/")
    (tie, _) = sorted(round_network(world["round"]).ties, key=lambda t: -t.intensity)
    assert (tie.rater, tie.partner, tie.intensity, tie.trust) == (world["home"].pk, acute.pk, 3.0, 11 / 3)


def test_an_invalid_answer_shows_an_error_summary_keeps_what_was_typed_and_saves_the_rest(client, world):
    response = start(client, world["invitation"])
    acute = world["acute"]
    page = client.post(
        url(response, f"partners/{acute.pk}/"),
        {"intensity": "7", "trust_openness": "2", "contributions": ["funding"], "action": "continue"},
    )
    assert page.status_code == 400
    body = page.content.decode()
    assert "There is a problem with some answers: the others are saved" in body
    assert "Choose one of the five answers, from 0 (none) to 4 (integration)" in body
    assert re.search(r'name="trust_openness" value="2"[^>]*checked', body)
    assert re.search(r'name="contributions" value="funding"[^>]*checked', body)
    rating = Rating.objects.get(response=response, partner=acute)
    assert (rating.intensity, rating.trust_openness, rating.contributions) == (None, 2, ["funding"])
    # Leaving a question unanswered later does not erase an earlier answer.
    client.post(url(response, f"partners/{acute.pk}/"), {"intensity": "2", "action": "continue"})
    rating.refresh_from_db()
    assert (rating.intensity, rating.trust_openness) == (2, 2)


def test_autosave_with_htmx_stores_answers_as_they_change(client, world):
    response = start(client, world["invitation"])
    acute = world["acute"]
    saved = client.post(url(response, f"partners/{acute.pk}/"), {"value_power": "4"}, HTTP_HX_REQUEST="true")
    assert saved.status_code == 200 and "Your answers are saved." in saved.content.decode()
    assert Rating.objects.get(response=response, partner=acute).value_power == 4
    bad = client.post(url(response, f"partners/{acute.pk}/"), {"value_power": "9"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 400 and "Your other answers are saved." in bad.content.decode()


def test_come_back_later_then_resume_from_the_link_on_another_device(client, world):
    response = start(client, world["invitation"])
    acute = world["acute"]
    later = client.post(
        url(response, f"partners/{acute.pk}/"), {"intensity": "3", "action": "later"}, follow=True
    )
    page = later.content.decode()
    assert "Your answers are saved." in page
    resume = f"http://testserver{url(response, 'check/')}"
    assert f'href="{resume}"' in page and "Email the link to yourself" in page
    elsewhere = Client()
    check = elsewhere.get(url(response, "check/")).content.decode()
    assert "Riverside Hospital" in check and "Coordination: we align our activities" in check
    assert "Not answered yet: openness to discussion, reliability, shared mission" in check
    assert elsewhere.cookies[KEY_COOKIE].value == response.key  # this device now remembers too


def test_check_and_submit_then_answers_stay_editable_while_the_round_is_open(client, world):
    response = start(client, world["invitation"])
    acute = world["acute"]
    full = dict.fromkeys(("trust_openness", "trust_reliability", "trust_mission"), "3")
    full |= dict.fromkeys(("value_power", "value_involvement", "value_resources"), "2")
    client.post(url(response, f"partners/{acute.pk}/"), {"intensity": "4", **full, "action": "continue"})
    page = client.get(url(response, "check/")).content.decode()
    assert "Complete" in page and "Every question is answered." in page and "Submit your answers" in page
    assert f'href="/survey/{world["invitation"].token}/my-part/"' in page
    submitted = client.post(url(response, "check/"), follow=True).content.decode()
    assert "your answers for Castle Street Surgery are submitted" in submitted
    response.refresh_from_db()
    first = response.submitted_at
    assert first is not None
    client.post(url(response, f"partners/{acute.pk}/"), {"intensity": "3", "action": "continue"})
    client.post(url(response, "check/"))
    response.refresh_from_db()
    assert response.submitted_at == first
    assert Rating.objects.get(response=response).intensity == 3


def test_a_closed_round_says_so_and_keeps_the_answers_readable(client, world):
    response = start(client, world["invitation"])
    acute = world["acute"]
    client.post(url(response, f"partners/{acute.pk}/"), {"intensity": "2", "action": "continue"})
    SurveyRound.objects.filter(pk=world["round"].pk).update(status=SurveyRound.Status.CLOSED)
    startpage = client.get(f"/survey/{world['invitation'].token}/").content.decode()
    assert "This round is closed" in startpage and "Read the answers you gave" in startpage
    assert "Start the survey" not in startpage
    assert client.get(url(response, f"partners/{acute.pk}/"))["Location"] == url(response, "check/")
    assert client.get(url(response, "partners/"))["Location"] == url(response, "check/")
    check = client.get(url(response, "check/")).content.decode()
    assert "Cooperation" in check and "Submit" not in check and "Change" not in check
    refused = client.post(url(response, f"partners/{acute.pk}/"), {"intensity": "4"})
    assert refused.status_code == 409 and "This survey round is closed" in refused.content.decode()
    assert client.post(f"/survey/{world['invitation'].token}/").status_code == 409
    assert Rating.objects.get(response=response).intensity == 2


# --- The actions, called directly -----------------------------------------------------------------------------


def test_actions_enforce_the_rules_without_the_pages(world):
    response = do_start_response(world["invitation"], respondent_role="  Head   of  partnerships ")
    assert response.respondent_role == "Head of partnerships"
    with pytest.raises(InvalidInput) as own:
        check_pick_partners(response, picked=[world["home"].pk], shown=[])
    assert own.value.detail["fields"][0]["field"] == "partners"
    picked = check_pick_partners(response, picked=[world["council"].pk, world["acute"].pk], shown=[])
    assert [o.name for o in picked] == ["Riverside Hospital", "Valeshire Council"]
    with pytest.raises(InvalidInput):
        partner_for(response, world["home"].pk)
    with pytest.raises(NotFound):
        partner_for(response, 999_999)
    do_save_rating(response, world["acute"], {"intensity": 4, "trust_mission": 1})
    do_save_rating(response, world["foodbank"], {"intensity": 0})  # rating an unpicked partner picks it
    rows = {p.rating.partner.name: p for p in progress(response)}
    assert set(rows) == {"Riverside Hospital", "Valeshire Council", "Riverside Food Bank"}
    assert rows["Riverside Hospital"].missing == (
        "openness to discussion",
        "reliability",
        "power and influence",
        "level of involvement",
        "resources contributed",
    )
    assert rows["Valeshire Council"].missing[0] == "how closely you work together"
    with pytest.raises(ValueError):
        do_save_rating(response, world["acute"], {"password": 1})
    do_submit_response(response)
    assert response.submitted_at is not None
    world["round"].status = SurveyRound.Status.CLOSED
    world["round"].save()
    response = SurveyResponse.objects.select_related("invitation__round").get(pk=response.pk)
    for attempt in (
        lambda: do_start_response(response.invitation),
        lambda: check_pick_partners(response, picked=[], shown=[]),
        lambda: do_save_rating(response, world["acute"], {"intensity": 1}),
        lambda: do_submit_response(response),
    ):
        with pytest.raises(RoundClosed):
            attempt()


def test_last_rounds_partners_and_those_who_named_you_are_suggested_first(client, world):
    from datetime import timedelta

    from django.utils import timezone

    from tests.factories import make_response
    from tests.factories import rate as rate_tie

    home, acute, council, foodbank = world["home"], world["acute"], world["council"], world["foodbank"]
    last = make_round(world["system"], name="2025", opened_at=timezone.now() - timedelta(days=365))
    mine = make_response(last, home)
    rate_tie(mine, council, 3)
    rate_tie(mine, acute, 0)  # rated "no relationship": not a partner, so not suggested for that
    rate_tie(make_response(last, foodbank), home, 2)  # the food bank named the surgery last year
    rate_tie(make_response(world["round"], acute), home, 1)  # and the hospital named it this year
    response = start(client, world["invitation"])
    page = client.get(url(response, "partners/")).content.decode()
    suggested, others = page.split(">Suggested<")[1].split(">Other organisations<")
    assert "Valeshire Council" in suggested and "Your partner in 2025" in suggested
    assert "Riverside Food Bank" in suggested and "Named you in 2025" in suggested
    assert "Riverside Hospital" in suggested and "Named you in 2026" in suggested
    assert "Riverside Community Health" in others and "Riverside Community Health" not in suggested
    # Suggested, not ticked: the respondent confirms each.
    assert not re.search(r'name="partners" type="checkbox" value="\d+"[^>]*checked', page)


def test_one_page_asks_how_closely_for_every_partner_then_trust_only_for_key_partners(client, world):
    response = start(client, world["invitation"])
    acute, council, foodbank = world["acute"], world["council"], world["foodbank"]
    ids = [acute.pk, council.pk, foodbank.pk]
    client.post(url(response, "partners/"), {"partners": ids, "shown": ids, "action": "continue"})
    page = client.get(url(response, "closeness/")).content.decode()
    for name in ("Riverside Hospital", "Valeshire Council", "Riverside Food Bank"):
        assert f">{name}</legend>" in page
    # A bad answer is reported; the good ones are kept; what was chosen stays chosen.
    bad = client.post(
        url(response, "closeness/"),
        {f"intensity-{acute.pk}": "4", f"intensity-{council.pk}": "9", "action": "continue"},
    )
    assert bad.status_code == 400
    assert "Choose how closely you work with Valeshire Council, from 0 to 4" in bad.content.decode()
    assert re.search(rf'name="intensity-{acute.pk}" value="4"[^>]*checked', bad.content.decode())
    assert Rating.objects.get(response=response, partner=acute).intensity == 4
    done = client.post(
        url(response, "closeness/"),
        {f"intensity-{council.pk}": "1", f"intensity-{foodbank.pk}": "0", "action": "continue"},
    )
    # Only the hospital (4) is a key partner: trust and value are asked for it, then the check page.
    assert done["Location"] == url(response, f"partners/{acute.pk}/")
    full = dict.fromkeys(("trust_openness", "trust_reliability", "trust_mission"), "3")
    full |= dict.fromkeys(("value_power", "value_involvement", "value_resources"), "2")
    assert client.post(url(response, f"partners/{acute.pk}/"), {**full, "action": "continue"})[
        "Location"
    ] == url(response, "check/")
    # The council (1) and the food bank (0, the tie ended) are complete without trust and value.
    assert [p.complete for p in progress(response)] == [True, True, True]
    assert dict(Rating.objects.filter(response=response).values_list("partner__name", "intensity")) == {
        "Riverside Hospital": 4,
        "Valeshire Council": 1,
        "Riverside Food Bank": 0,
    }


def test_a_key_partner_without_trust_answers_is_not_finished(world):
    response = do_start_response(world["invitation"])
    do_save_rating(response, world["acute"], {"intensity": 3})
    do_save_rating(response, world["council"], {"intensity": 2})
    assert [p.complete for p in progress(response)] == [False, True]  # by name: hospital, then council
    assert progress(response)[0].missing[0] == "openness to discussion"
