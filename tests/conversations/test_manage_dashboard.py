"""The live dashboard: counts of people, votes and statements; breakdowns by sector, place and community with
every cell under 5 people suppressed, no single hidden cell recoverable by subtraction, and few queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commonweal.conversations.facilitate.dashboard import build_dashboard
from commonweal.systems.models import Sector
from tests.factories import (
    make_community,
    make_conversation,
    make_facilitator,
    make_moderator,
    make_participant,
    make_place,
    make_statement,
    make_system,
    make_user,
    make_vote,
)

pytestmark = pytest.mark.django_db


def join(conversation, n: int, **attrs):
    communities = attrs.pop("communities", [])
    people = []
    for _ in range(n):
        p = make_participant(conversation.system, conversation=conversation, **attrs)
        if communities:
            p.communities.set(communities)
        people.append(p)
    return people


def rows(dashboard, key: str) -> dict[str, str]:
    breakdown = next(b for b in dashboard.breakdowns if b.key == key)
    return {r.label: r.display for r in breakdown.rows}


def breakdown(dashboard, key: str):
    return next(b for b in dashboard.breakdowns if b.key == key)


def test_headline_counts(conversation):
    s1, s2 = make_statement(conversation, "One"), make_statement(conversation, "Two")
    make_statement(conversation, "Pending", state="pending", is_seed=False)
    a, b, _ = join(conversation, 3)
    make_vote(a, s1, 1)
    make_vote(a, s2, -1)
    make_vote(b, s1, 0)
    make_vote(b, s1, 1)  # a changed vote: one current vote, two events
    d = build_dashboard(conversation)
    assert (d.participants, d.voters, d.votes, d.vote_events) == (3, 2, 3, 4)
    assert (d.agree, d.disagree, d.passes) == (2, 1, 0)
    assert (d.statements.accepted, d.statements.pending, d.statements.to_review) == (2, 1, 1)


def test_no_breakdown_until_five_people_have_joined(conversation):
    join(conversation, 4, sector=Sector.ACUTE)
    d = build_dashboard(conversation)
    assert d.breakdowns_withheld and d.breakdowns == []


def test_cells_under_five_people_say_fewer_than_five(conversation):
    join(conversation, 7, sector=Sector.ACUTE)
    join(conversation, 6, sector=Sector.VCSE)
    join(conversation, 3, sector=Sector.HEALTHWATCH)
    join(conversation, 2, sector=Sector.ICB)
    cells = rows(build_dashboard(conversation), "sector")
    assert cells["Acute trust"] == "7"
    assert cells["Voluntary, community and social enterprise (VCSE)"] == "6"
    assert cells["Healthwatch"] == "fewer than 5"
    assert cells["Integrated care board (ICB)"] == "fewer than 5"
    assert cells["Ambulance"] == "0"  # nobody is nobody: a sector missing from the room shows as such
    assert cells["Not said"] == "0"
    assert breakdown(build_dashboard(conversation), "sector").total == "18"


def test_a_single_hidden_cell_cannot_be_worked_out_from_the_total(conversation):
    join(conversation, 9, sector=Sector.ACUTE)
    join(conversation, 6, sector=Sector.VCSE)
    join(conversation, 2, sector=Sector.HEALTHWATCH)
    d = build_dashboard(conversation)
    cells = rows(d, "sector")
    assert cells["Healthwatch"] == "fewer than 5"
    # A cell is hidden beside it, so 17 - ... gives no small cell away. Not VCSE: a hidden cell is known to hold
    # at least 5, so hiding its 6 would leave Healthwatch at 11 - 9 .. 11 - 5, narrowed to 2 from 1 to 4.
    assert cells["Acute trust"] == "not shown"
    assert cells["Voluntary, community and social enterprise (VCSE)"] == "6"
    assert "Some counts are not shown" in breakdown(d, "sector").note
    shown = [r.count for r in breakdown(d, "sector").rows if r.count]
    assert d.participants - sum(shown) == 11  # only the sum of the two hidden cells can be worked out


def test_places_include_not_said_and_are_suppressed(system, conversation):
    north, south = make_place(system, name="North"), make_place(system, name="South")
    join(conversation, 8, place=north)
    join(conversation, 5, place=south)
    join(conversation, 1)
    cells = rows(build_dashboard(conversation), "place")
    assert cells["Not said"] == "fewer than 5"
    # Hiding South (5) would pin Not said at 6 - 5 = 1: North is hidden instead.
    assert cells["North"] == "not shown" and cells["South"] == "5"


def test_communities_are_counted_by_person_and_have_no_total(system, conversation):
    carers, youth = make_community(system, name="Carers"), make_community(system, name="Young people")
    join(conversation, 5, communities=[carers, youth])
    join(conversation, 2, communities=[youth])
    d = build_dashboard(conversation)
    assert rows(d, "community") == {"Carers": "5", "Young people": "7"}
    assert breakdown(d, "community").total is None


def test_another_conversations_people_are_not_counted(system, conversation):
    join(conversation, 5, sector=Sector.ACUTE)
    join(make_conversation(system), 9, sector=Sector.ACUTE)
    assert rows(build_dashboard(conversation), "sector")["Acute trust"] == "5"


def test_breakdowns_follow_the_questions_asked(system):
    conversation = make_conversation(system, ask_sector=True, ask_place=False, ask_community=False)
    join(conversation, 5)
    assert [b.key for b in build_dashboard(conversation).breakdowns] == ["sector"]


def test_the_number_of_queries_does_not_grow_with_the_conversation(system, conversation):
    places = [make_place(system) for _ in range(4)]
    statement = make_statement(conversation, "S")
    for i in range(30):
        (p,) = join(conversation, 1, sector=Sector.values[i % 5], place=places[i % 4])
        make_vote(p, statement)
    with CaptureQueriesContext(connection) as small:
        build_dashboard(conversation)
    for i in range(60):
        join(conversation, 1, sector=Sector.values[i % 7], place=places[i % 3])
    with CaptureQueriesContext(connection) as large:
        build_dashboard(conversation)
    # The dashboard reads the conversation's whole publication (shared with the results, report and exports).
    assert len(large) == len(small) <= 15


def test_the_dashboard_page_and_its_live_fragment(client, system, conversation):
    join(conversation, 6, sector=Sector.ACUTE)
    join(conversation, 1, sector=Sector.ICB)
    client.force_login(make_moderator(conversation))
    page = client.get(f"/manage/conversations/{conversation.slug}/dashboard/").content.decode()
    assert f'hx-get="/manage/conversations/{conversation.slug}/dashboard/live/"' in page
    assert 'hx-trigger="every 5s"' in page
    assert "fewer than 5" in page
    fragment = client.get(f"/manage/conversations/{conversation.slug}/dashboard/live/").content.decode()
    assert fragment.lstrip().startswith('<div id="dashboard-live"')
    assert "<html" not in fragment
    assert '<span class="cw-stat__n" data-stat="participants">7</span>' in fragment


def test_only_moderators_and_facilitators_see_the_dashboard(client, system, conversation):
    for user, status in (
        (make_user(), 403),
        (make_facilitator(make_system()), 403),
        (make_facilitator(system), 200),
    ):
        client.force_login(user)
        assert client.get(f"/manage/conversations/{conversation.slug}/dashboard/live/").status_code == status
