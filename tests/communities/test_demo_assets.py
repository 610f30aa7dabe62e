"""The demo's community assets: every ABCD category, most on the map, held by organisations, communities,
residents and others, two mapping links, and residents' submissions waiting with likely duplicates grouped."""

from __future__ import annotations

import pytest

from commonweal.communities import queries
from commonweal.communities.mapping.actions import moderation_queue, queue_entries
from commonweal.communities.models import Asset, Category, Holder, MappingLink, Status

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_register_and_a_queue(demo_system):
    accepted = queries.accepted_assets(demo_system)
    assert set(accepted.values_list("category", flat=True)) == set(Category.values)
    assert accepted.filter(latitude__isnull=False).count() >= 20
    assert set(accepted.values_list("holder", flat=True)) == set(Holder.values)
    assert all(a.places.exists() for a in accepted)
    assert len(queries.place_centres(demo_system)) == 4
    assert MappingLink.objects.filter(system=demo_system, is_active=True).count() == 2
    pending = list(moderation_queue(demo_system, "to_review"))
    assert len(pending) == 5 and all(a.status == Status.PENDING for a in pending)
    groups = [e for e in queue_entries(demo_system, pending) if e.is_duplicates]
    assert any(len(e.assets) == 2 for e in groups)
    assert any(e.existing == ["Eastmarsh Men's Shed"] for e in groups)
    lunch = Asset.objects.get(system=demo_system, name="Age Well lunch clubs")
    assert queries.assets_held_by(lunch.holder_organisation) == [lunch]
