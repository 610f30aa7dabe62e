"""core.audit.record_save and record_delete: the change and its audit entry commit together, or neither does."""

from __future__ import annotations

import pytest

from commonweal.core import audit
from commonweal.core.models import AuditEntry
from commonweal.systems.models import Place
from tests.factories import make_admin, make_system

pytestmark = pytest.mark.django_db


def _state(place: Place) -> dict[str, object]:
    return {"name": place.name}


def test_a_new_row_is_recorded_as_created_and_a_changed_one_as_updated() -> None:
    admin, system = make_admin(), make_system()
    place = audit.record_save(admin, "place", Place(system=system, name="North"), None, _state, system=system)
    before = _state(place)
    place.name = "North East"
    audit.record_save(admin, "place", place, before, _state, system=system)
    entries = list(AuditEntry.objects.filter(subject_type="Place").order_by("id"))
    assert [(e.action, e.before, e.after) for e in entries] == [
        ("place.create", None, {"name": "North"}),
        ("place.update", {"name": "North"}, {"name": "North East"}),
    ]
    assert all(e.actor == admin and e.system == system for e in entries)


def test_then_runs_after_the_row_is_saved_and_a_failure_undoes_both() -> None:
    admin, system = make_admin(), make_system()
    seen: list[int | None] = []
    audit.record_save(
        admin, "place", Place(system=system, name="A"), None, _state, then=lambda p: seen.append(p.pk)
    )
    assert seen and seen[0] is not None

    def fail(place: Place) -> None:
        raise RuntimeError("the links could not be set")

    with pytest.raises(RuntimeError):
        audit.record_save(admin, "place", Place(system=system, name="B"), None, _state, then=fail)
    assert not Place.objects.filter(name="B").exists()
    assert AuditEntry.objects.filter(action="place.create").count() == 1


def test_a_deleted_row_keeps_what_it_was_in_the_log() -> None:
    admin, system = make_admin(), make_system()
    place = Place.objects.create(system=system, name="Gone")
    audit.record_delete(admin, "place", place, _state)
    entry = AuditEntry.objects.get(action="place.delete")
    assert entry.before == {"name": "Gone"} and entry.system == system
    assert not Place.objects.filter(name="Gone").exists()
