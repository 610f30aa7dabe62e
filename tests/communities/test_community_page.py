"""Communities as partners on the system map (issue 13): a community group is an organisation of the sector
"community group" that speaks for one community; it answers the relationship survey with its own link, is a node
of the map (as its own kind) and has a "my part" page; the community's page shows its groups with their ties,
the interdependencies that run to or from the community, the assets that serve it and who took part, every count
of people suppressed as everywhere."""

from __future__ import annotations

import html
import re

import pytest

from commonweal.core.errors import InvalidInput
from commonweal.network.graph import round_network
from commonweal.network.map.build import build_map
from commonweal.network.map.data import MapFilters
from commonweal.systems.actions import OrganisationInput, check_save_organisation
from commonweal.systems.models import Community, Sector
from tests.communities.factories import make_asset
from tests.factories import (
    make_community,
    make_conversation,
    make_interdependency,
    make_organisation,
    make_participant,
    make_response,
    make_round,
    make_system,
    rate,
)

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def test_a_community_group_speaks_for_one_community_of_its_own_system(system):
    estates = make_community(system, name="Northvale Estates", kind=Community.Kind.PLACE)
    group = check_save_organisation(
        None,
        system,
        OrganisationInput(name="Residents' Voice", sector=Sector.COMMUNITY_GROUP, community=estates),
    )
    assert group.community == estates and list(estates.groups.all()) == [group]
    with pytest.raises(InvalidInput, match="Only a community group speaks for a community") as refused:
        check_save_organisation(
            None, system, OrganisationInput(name="A surgery", sector=Sector.PRIMARY_CARE, community=estates)
        )
    assert refused.value.detail["fields"][0]["field"] == "community"
    elsewhere = make_community(make_system(slug="elsewhere"), name="Elsewhere")
    with pytest.raises(InvalidInput, match="Choose a community of this system"):
        check_save_organisation(
            None, system, OrganisationInput(name="Far", sector=Sector.COMMUNITY_GROUP, community=elsewhere)
        )


def test_the_organisation_form_offers_the_community_and_keeps_what_was_typed_on_an_error(fclient, system):
    estates = make_community(system, name="Northvale Estates", kind=Community.Kind.PLACE)
    url = f"/manage/systems/{system.slug}/organisations/new/"
    refused = fclient.post(
        url, {"name": "Castle Surgery", "sector": Sector.PRIMARY_CARE, "community": estates.pk}
    )
    assert refused.status_code == 200  # the form again, with its error
    page = refused.content.decode()
    assert "Only a community group speaks for a community" in page and 'value="Castle Surgery"' in page
    saved = fclient.post(
        url, {"name": "Residents' Voice", "sector": Sector.COMMUNITY_GROUP, "community": estates.pk}
    )
    assert saved.status_code == 302
    assert estates.groups.get().name == "Residents' Voice"


def test_a_community_group_answers_the_survey_and_is_its_own_kind_on_the_map(system):
    estates = make_community(system, name="Northvale Estates", kind=Community.Kind.PLACE)
    group = make_organisation(
        system, name="Residents' Voice", sector=Sector.COMMUNITY_GROUP, community=estates
    )
    pcn = make_organisation(system, name="Northvale PCN", sector=Sector.PRIMARY_CARE)
    survey_round = make_round(system, name="2026")
    assert survey_round.invitations.filter(organisation=group).exists()  # its own link
    rate(make_response(survey_round, group), pcn, 3)
    rate(make_response(survey_round, pcn), group, 2)
    net = round_network(survey_round)
    assert group.pk in net.responded and {(t.rater, t.partner) for t in net.ties} == {
        (group.pk, pcn.pk),
        (pcn.pk, group.pk),
    }
    data = build_map(system, MapFilters())
    assert {n.sector for n in data.nodes} == {Sector.COMMUNITY_GROUP, Sector.PRIMARY_CARE}
    assert "Community group" in [row["label"] for row in data.legend]


def test_the_community_page_shows_its_groups_ties_dependencies_assets_and_who_took_part(fclient, system):
    estates = make_community(
        system, name="Northvale Estates", kind=Community.Kind.PLACE, population_estimate=24000
    )
    other = make_community(system, name="Unpaid carers")
    group = make_organisation(
        system, name="Residents' Voice", sector=Sector.COMMUNITY_GROUP, community=estates
    )
    pcn = make_organisation(system, name="Northvale PCN", sector=Sector.PRIMARY_CARE)
    council = make_organisation(system, name="Valeshire Council", sector=Sector.LOCAL_AUTHORITY)
    survey_round = make_round(system, name="2026")
    rate(make_response(survey_round, group), pcn, 3)
    rate(make_response(survey_round, group), council, 0)  # rated "none": not a partner
    rate(make_response(survey_round, pcn), group, 2)
    make_interdependency(
        system, council, None, to_community=estates, description="Housing repairs on the estates"
    )
    make_asset(system, name="Estates community hub", communities=[estates])
    make_asset(system, name="Carers' cafe", communities=[other])
    # 12 people of the estates and 3 carers took part; the carers' cell is small and hidden.
    conversation = make_conversation(system, title="Our next five years")
    for i in range(15):
        p = make_participant(system, conversation=conversation, sector=Sector.VCSE)
        p.communities.add(estates if i < 12 else other)
    page = fclient.get(f"/manage/systems/{system.slug}/communities/{estates.pk}/")
    assert page.status_code == 200
    words = text_of(page)
    assert "Northvale Estates" in words and "About 24,000 people" in words
    # (Each cell starts with its column's name, for phones, where the table stacks.)
    assert (
        "Group Residents' Voice Answered the latest round Yes Partners it names 1 Organisations that name it 1"
    ) in words  # it names the PCN (not the council, rated 0); the PCN names it
    assert (
        "Direction It depends on With Valeshire Council Kind Capacity Strength Medium What flows Housing repairs"
    ) in words
    assert "Estates community hub" in words and "Carers' cafe" not in words
    assert "Conversation Our next five years People 12" in words
    carers = text_of(fclient.get(f"/manage/systems/{system.slug}/communities/{other.pk}/"))
    assert (
        "Our next five years People fewer than 5" in carers
        and "No community group speaks for Unpaid carers" in carers
    )
    # The list of communities links to each page.
    listing = fclient.get(f"/manage/systems/{system.slug}/communities/").content.decode()
    assert f'href="/manage/systems/{system.slug}/communities/{estates.pk}/">Northvale Estates</a>' in listing


def test_a_community_of_another_system_is_not_found(fclient, system):
    elsewhere = make_community(make_system(slug="elsewhere"), name="Elsewhere")
    assert fclient.get(f"/manage/systems/{system.slug}/communities/{elsewhere.pk}/").status_code == 404


def test_the_demo_has_two_community_groups_on_the_map(demo_system):
    groups = list(demo_system.organisations.filter(sector=Sector.COMMUNITY_GROUP).order_by("name"))
    assert [(g.name, g.community.name) for g in groups] == [
        ("Northvale Estates Residents' Voice", "Northvale Estates"),
        ("South Asian Women's Health Circle", "South Asian communities"),
    ]
    whole = build_map(demo_system, MapFilters(whole=True, ties="all"))
    ids = {f"o{g.pk}" for g in groups}
    assert ids <= {n.key for n in whole.nodes}
    assert sum(1 for e in whole.relationship_edges if e.source in ids or e.target in ids) >= 8
