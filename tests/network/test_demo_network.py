"""The demo's system map keeps its promises: two rounds (one closed), most organisations answering (some with
several people), sector affinity, ties that change between rounds, asymmetric pairs, PRODUCT.md's discharge
interdependency, and a joint-work log."""

from __future__ import annotations

from statistics import mean

import pytest

from commonweal import demo
from commonweal.network.graph import round_network
from commonweal.network.models import Interdependency, JointWork, SurveyResponse, SurveyRound
from commonweal.systems.models import Organisation, Sector, System

pytestmark = pytest.mark.django_db


def test_two_rounds_one_closed_with_most_organisations_answering(demo_system):
    first, second = SurveyRound.objects.filter(system=demo_system).order_by("opened_at")
    assert (first.name, first.is_open, second.name, second.is_open) == ("2025", False, "2026", True)
    assert first.closed_at is not None and first.closed_at < second.opened_at
    n_orgs = Organisation.objects.filter(system=demo_system).count()
    for survey_round in (first, second):
        assert survey_round.invitations.count() == n_orgs
        net = round_network(survey_round)
        assert 0.8 * n_orgs <= len(net.responded) < n_orgs  # most answer, not all
        per_org = {t.rater: t.respondents for t in net.ties}
        assert max(per_org.values()) >= 2  # some organisations answered with several people
    # The closed round is all submitted; the open one has people still going.
    assert not SurveyResponse.objects.filter(invitation__round=first, submitted_at=None).exists()
    assert SurveyResponse.objects.filter(invitation__round=second, submitted_at=None).exists()


def test_ratings_reflect_sector_affinity(demo_system):
    net = round_network(SurveyRound.objects.get(system=demo_system, name="2025"))
    sector = {n.id: n.sector for n in net.nodes}

    def closeness(a: str, b: str) -> float:
        values = [t.intensity for t in net.ties if {sector[t.rater], sector[t.partner]} == {a, b}]
        return mean(values) if values else 0.0

    assert closeness(Sector.PRIMARY_CARE, Sector.COMMUNITY) > closeness(Sector.PRIMARY_CARE, Sector.OTHER)
    assert closeness(Sector.LOCAL_AUTHORITY, Sector.SOCIAL_CARE_PROVIDER) > closeness(
        Sector.SOCIAL_CARE_PROVIDER, Sector.VCSE
    )
    la = [n.id for n in net.nodes if n.sector == Sector.LOCAL_AUTHORITY]
    vcse_ties = [
        t for t in net.ties if t.rater in la and sector[t.partner] == Sector.VCSE and t.intensity >= 1
    ]
    assert len(vcse_ties) >= 4


def test_ties_change_between_rounds_and_some_pairs_are_asymmetric(demo_system):
    first = round_network(SurveyRound.objects.get(system=demo_system, name="2025"))
    second = round_network(SurveyRound.objects.get(system=demo_system, name="2026"))
    names = {n.id: n.name for n in first.nodes}
    before = {(t.rater, t.partner): t.intensity for t in first.ties if t.intensity >= 1}
    after = {(t.rater, t.partner): t.intensity for t in second.ties if t.intensity >= 1}
    both = first.responded & second.responded
    judged = {p for p in set(before) | set(after) if p[0] in both}
    assert any(p in after and p not in before for p in judged)  # new
    assert any(p in before and p not in after for p in judged)  # lost
    assert any(p in before and p in after and after[p] > before[p] for p in judged)  # strengthened
    assert any(p in before and p in after and after[p] < before[p] for p in judged)  # weakened

    for net in (first, second):
        ties = {(t.rater, t.partner): t.intensity for t in net.ties}
        asymmetric = {
            (names[a], names[b])
            for (a, b), v in ties.items()
            if a in net.responded and b in net.responded and v - ties.get((b, a), 0) >= 3
        }
        assert ("Riverside University Hospitals NHS Foundation Trust", "Harbour View Care Home") in asymmetric
        assert len(asymmetric) >= 3


def test_the_discharge_interdependency_and_money_the_other_way(demo_system):
    acute = Organisation.objects.get(system=demo_system, sector=Sector.ACUTE)
    care = Organisation.objects.filter(system=demo_system, sector=Sector.SOCIAL_CARE_PROVIDER)
    capacity = Interdependency.objects.filter(system=demo_system, kind="capacity", to_organisation=acute)
    assert set(capacity.values_list("from_organisation", flat=True)) == set(care.values_list("pk", flat=True))
    assert all("discharge" in d.description and d.strength == "high" and d.evidence for d in capacity)
    money = Interdependency.objects.filter(system=demo_system, kind="money", from_organisation=acute)
    assert money.filter(to_organisation__in=care).count() >= 2
    assert "care-home workforce" in money.first().description
    kinds = set(Interdependency.objects.filter(system=demo_system).values_list("kind", flat=True))
    assert {"patients", "staff", "money", "information", "capacity"} <= kinds
    assert Interdependency.objects.filter(system=demo_system, to_community__isnull=False).exists()
    assert Interdependency.objects.filter(system=demo_system, from_community__isnull=False).exists()
    for dependency in Interdependency.objects.filter(system=demo_system):
        dependency.full_clean()


def test_a_joint_work_log_of_every_kind(demo_system):
    works = JointWork.objects.filter(system=demo_system)
    assert 7 <= works.count() <= 10
    assert {"meeting", "joint_project", "shared_post", "pooled_budget", "s75_agreement"} <= set(
        works.values_list("kind", flat=True)
    )
    for work in works:
        assert work.organisations.count() >= 2
        assert all(o.system_id == demo_system.pk for o in work.organisations.all())


def test_the_same_seed_gives_the_same_ratings(demo_system, data_dir):
    def signature() -> list[tuple]:
        net = round_network(SurveyRound.objects.get(system__slug="riverside", name="2026"))
        names = {n.id: n.name for n in net.nodes}
        return sorted(
            (names[t.rater], names[t.partner], t.intensity, t.trust, t.respondents) for t in net.ties
        )

    once = signature()
    System.objects.filter(slug="riverside").delete()
    assert demo.load_demo(participants=20, seed=7) == 0
    assert signature() == once
