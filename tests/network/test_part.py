"""Each organisation's part in the system ("my part"): its partners both ways with pairs seen differently
flagged, how others rate it (trust and value medians only from 5 raters), its dependencies in and out, the places
and communities it serves, the conversations its people joined (fewer than 5 suppressed), its joint work and what
changed since the last round. Facilitators read it; the organisation's lead reads it through its survey link."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from commonweal.network.map.part import organisation_part
from tests.factories import (
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

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    system = make_system(slug="riverside", name="Riverside")
    trust = make_organisation(system, name="Riverside Hospitals", sector="acute")
    trust.places.add(make_place(system, name="Northvale"))
    council = make_organisation(system, name="Riverside Council", sector="local_authority")
    carers = make_organisation(system, name="Carers Centre", sector="vcse")
    homes = make_organisation(system, name="Care Homes Group", sector="social_care_provider")
    now = timezone.now()
    old = make_round(system, name="2025", opened_at=now - timedelta(days=365))
    new = make_round(system, name="2026", opened_at=now)
    # 2025: the trust rates the council 1 and the carers 2; both rate it back.
    rt = make_response(old, trust)
    rate(rt, council, 1)
    rate(rt, carers, 2)
    rate(make_response(old, council), trust, 1)
    rate(make_response(old, carers), trust, 2)
    # 2026: the trust rates the council 4 (stronger) and the carers 0, no longer a partner (lost); the council
    # rates it 1 (4 against 1: worth a conversation); the carers rate it 2 with trust and value.
    rt = make_response(new, trust)
    rate(rt, council, 4, trust=(3, 3, 3))
    rate(rt, carers, 0)
    rate(make_response(new, council), trust, 1, trust=(2, 2, 2), value=(2, 2, 2))
    rate(make_response(new, carers), trust, 2, trust=(4, 4, 4), value=(3, 3, 3))
    return {"system": system, "trust": trust, "council": council, "carers": carers, "homes": homes, "old": old,
            "new": new}  # fmt: skip


def test_partners_both_ways_with_a_pair_seen_differently_flagged(world):
    part = organisation_part(world["trust"])
    assert part.round == world["new"] and part.previous == world["old"] and part.responded
    rows = {p.partner.name: p for p in part.partners}
    assert set(rows) == {"Riverside Council", "Carers Centre"}
    council = rows["Riverside Council"]
    assert (council.rates_partner, council.partner_rates, council.worth_a_conversation) == (
        "4, integration",
        "1, awareness",
        True,
    )
    assert council.trust_given == "3.0 of 4"
    carers = rows["Carers Centre"]
    assert (carers.rates_partner, carers.partner_rates, carers.worth_a_conversation) == (
        "0, none",
        "2, cooperation",
        True,
    )
    assert (part.ties_out, part.ties_in) == (1, 2)


def test_trust_and_value_it_receives_are_hidden_under_5_raters_and_shown_from_5(world):
    received = dict(organisation_part(world["trust"]).received)
    assert received["Organisations that rate it"] == "2"
    assert received["Median trust it receives"] == "Not shown: fewer than 5 organisations rated it"
    assert received["Median value it receives"] == "Not shown: fewer than 5 organisations rated it"
    for i in range(3):
        extra = make_organisation(world["system"], name=f"Practice {i}", sector="primary_care")
        rate(make_response(world["new"], extra), world["trust"], 3, trust=(1, 1, 1), value=(4, 4, 4))
    received = dict(organisation_part(world["trust"]).received)
    assert received["Organisations that rate it"] == "5"
    # Medians of 2, 4, 1, 1, 1 and 2, 3, 4, 4, 4.
    assert received["Median trust it receives"] == "1.0 of 4"
    assert received["Median value it receives"] == "4.0 of 4"


def test_what_changed_since_the_last_round_is_about_its_own_ties(world):
    part = organisation_part(world["trust"])
    changes = {(c.change, c.text) for c in part.changes}
    assert (
        "Stronger",
        "How you rate Riverside Council: 1, awareness in 2025, 4, integration in 2026",
    ) in changes
    assert ("Lost tie", "How you rate Carers Centre: 2, cooperation in 2025, 0, none in 2026") in changes
    assert len(changes) == 2
    assert part.change_summary.startswith("Since 2025: 0 new, 1 stronger, 0 weaker and 1 lost tie")


def test_dependencies_places_communities_conversations_and_joint_work(world):
    system, trust = world["system"], world["trust"]
    make_interdependency(system, world["homes"], trust, kind="staff", description="Care-home staff levels")
    out = make_interdependency(system, trust, world["council"], kind="patients", description="Discharges")
    carers_community = make_community(system, name="Unpaid carers")
    make_interdependency(system, world["council"], world["carers"])  # not the trust's
    linked = make_interdependency(system, trust, world["council"], kind="information")
    linked.to_organisation, linked.to_community = None, carers_community
    linked.save()
    make_joint_work(system, [trust, world["council"]], title="Discharge to assess")
    make_joint_work(system, [world["council"], world["carers"]], title="Not the trust's")
    small = make_conversation(system, title="Winter pressures")
    big = make_conversation(system, title="Our five-year strategy")
    for _ in range(3):
        make_participant(system, conversation=small, organisation=trust)
    for _ in range(6):
        make_participant(system, conversation=big, organisation=trust)
    make_participant(system, conversation=big, organisation=world["council"])

    part = organisation_part(trust)
    assert [i.description for i in part.dependencies_in] == ["Care-home staff levels"]
    assert {i.pk for i in part.dependencies_out} == {out.pk, linked.pk}
    assert part.places == ["Northvale"] and part.communities == ["Unpaid carers"]
    assert {c.label: c.display for c in part.conversations} == {
        "Our five-year strategy": "6",
        "Winter pressures": "fewer than 5",
    }
    assert [(w.title, names) for w, names in part.joint_work] == [
        ("Discharge to assess", ["Riverside Council"])
    ]


def test_a_facilitator_reads_an_organisations_part(client, world):
    client.force_login(make_facilitator(world["system"]))
    response = client.get(f"/manage/systems/riverside/network/organisations/{world['trust'].pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Riverside Hospitals: its part in the system" in html
    assert "How it rates them" in html and "Worth a conversation" in html
    assert "What changed since 2025" in html
    assert client.get("/manage/systems/riverside/network/organisations/999999/").status_code == 404


def test_the_lead_reads_the_latest_round_through_an_older_rounds_link(client, world):
    token = world["old"].invitations.get(organisation=world["trust"]).token
    response = client.get(f"/survey/{token}/my-part/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Your part in Riverside" in html and "From the survey round 2026" in html
    assert "How you rate them" in html and "How they rate you" in html
    # Facilitator pages are not linked from the lead's page.
    assert "/manage/" not in html
    assert response["Cache-Control"] == "private, no-store" and response["Referrer-Policy"] == "no-referrer"


def test_an_unknown_link_says_what_to_do(client, world):
    response = client.get("/survey/not-a-real-token/my-part/")
    assert response.status_code == 404
    assert "ask the facilitator for your organisation&#x27;s survey link" in response.content.decode()


def test_a_facilitator_reads_the_changes_about_the_organisation_not_you(client, world):
    # Issue 14, item 16: the organisation's page said "How you rate" to a facilitator.
    client.force_login(make_facilitator(world["system"]))
    html = client.get(
        f"/manage/systems/riverside/network/organisations/{world['trust'].pk}/"
    ).content.decode()
    changes = html.split("What changed since 2025", 1)[1].split("</section>", 1)[0]
    assert "How Riverside Hospitals rates Riverside Council" in changes
    assert "How you rate" not in changes and " rates you" not in changes


def test_the_lead_reads_you_not_it(client, world):
    # Issue 14, item 16: "my part" mixed "you" and "it" for the organisation's own lead.
    token = world["new"].invitations.get(organisation=world["trust"]).token
    html = client.get(f"/survey/{token}/my-part/").content.decode()
    received = html.split('id="part-received"', 1)[1].split("</section>", 1)[0]
    assert "Organisations that rate you" in received and "Median trust you receive" in received
    assert " it " not in received.replace("it receives", "")
