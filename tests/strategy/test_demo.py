"""The strategy's part of the Riverside demo (issue 12: five aims, about 20 commitments, a year of progress)."""

from __future__ import annotations

from collections import Counter

import pytest
from django.test import Client

from commonweal.strategy.models import Aim, Commitment, LoopUpdate, ProgressUpdate
from commonweal.strategy.queries import assets_of_aim, assets_of_commitments, is_stale

pytestmark = pytest.mark.django_db


def test_the_demo_grows_a_strategy_from_its_common_ground(demo_system):
    aims = list(Aim.objects.filter(system=demo_system))
    assert Counter(a.status for a in aims) == {"agreed": 2, "proposed": 2, "draft": 1}
    assert all(a.evidence.exists() for a in aims)
    assert any(e.common_ground for a in aims for e in a.evidence.all()), (
        "evidence from the analysed common ground"
    )
    commitments = list(Commitment.objects.filter(aim__system=demo_system).select_related("organisation"))
    assert len(commitments) == 20
    owners = {c.organisation_id for c in commitments if c.organisation_id}
    assert len(owners) >= 15 and sum(1 for c in commitments if c.community_id) == 2
    joint = next(c for c in commitments if c.interdependency_id)
    assert (
        joint.organisation.name.startswith("Riverside University Hospitals") and joint.partners.count() == 3
    )
    assert ProgressUpdate.objects.filter(commitment__aim__system=demo_system).count() >= 30
    assert any(c.status == "withdrawn" for c in commitments)
    assert any(is_stale(c) for c in commitments), "some commitments are late"
    assert LoopUpdate.objects.filter(conversation__system=demo_system).exists()
    named = {a.title: [asset.name for asset in assets_of_aim(a)] for a in aims}
    assert named["Support unpaid carers"] == [
        "Retired nurses' befriending",
        "Riverside Carers' Centre drop-in",
    ]
    assert sum(1 for names in named.values() if names) == 3
    assert sum(len(v) for v in assets_of_commitments(demo_system, [c.pk for c in commitments]).values()) == 3


def test_the_demo_accountability_page_is_readable(demo_system):
    page = Client().get(f"/s/{demo_system.slug}/accountability/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "Keep care staff, and get people home from hospital" in body and "No update since" in body
    assert "One care plan" not in body  # a draft is never public
