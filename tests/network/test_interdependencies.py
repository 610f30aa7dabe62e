"""Interdependencies: facilitators list, add, change and delete them; each end is an organisation or a community of
the system (at least one an organisation); every mistake is named on its field and nothing typed is lost; every
change is audited."""

from __future__ import annotations

import pytest

from commonweal.core.models import AuditEntry
from commonweal.network.models import Interdependency
from tests.factories import (
    make_community,
    make_interdependency,
    make_organisation,
    make_system,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def parts(system):
    return {
        "homes": make_organisation(system, name="Riverside Care Homes", sector="social_care_provider"),
        "trust": make_organisation(system, name="Riverside Hospitals", sector="acute"),
        "carers": make_community(system, name="Unpaid carers"),
        "estate": make_community(system, name="Eastgate estate"),
    }


URL = "/manage/systems/riverside/network/interdependencies/"


def post_data(origin, target, /, **kw):
    kind = "organisation" if hasattr(origin, "sector") else "community"
    target_kind = "organisation" if hasattr(target, "sector") else "community"
    data = {
        "source": f"{kind}-{origin.pk}",
        "target": f"{target_kind}-{target.pk}",
        "kind": "staff",
        "description": "Care-home staffing decides how fast patients can leave hospital.",
        "strength": "high",
        "evidence": "Delayed discharge figures, winter 2025.",
    }
    data.update(kw)
    return data


def test_the_form_says_which_way_an_interdependency_flows(fclient, parts):
    html = fclient.get(URL + "new/").content.decode()
    assert "From: whose work affects the other" in html and "To: who depends on it" in html
    assert "at least one end must be an organisation" in html
    # Both kinds of end are offered, grouped.
    assert '<optgroup label="Organisations">' in html and '<optgroup label="Communities">' in html
    assert "Unpaid carers (community)" in html


def test_a_facilitator_adds_an_interdependency_and_it_is_audited(fclient, system, parts):
    response = fclient.post(URL + "new/", post_data(parts["homes"], parts["trust"]))
    assert response.status_code == 302 and response["Location"] == URL
    item = Interdependency.objects.get()
    assert (item.from_organisation, item.to_organisation, item.kind, item.strength) == (
        parts["homes"],
        parts["trust"],
        "staff",
        "high",
    )
    entry = AuditEntry.objects.get(action="interdependency.create")
    assert entry.after["from"] == "Riverside Care Homes" and entry.after["to"] == "Riverside Hospitals"
    assert entry.system == system
    html = fclient.get(URL).content.decode()
    assert "Riverside Care Homes" in html and "Delayed discharge figures" in html


def test_a_community_may_be_one_end(fclient, parts):
    fclient.post(URL + "new/", post_data(parts["carers"], parts["trust"], kind="capacity"))
    item = Interdependency.objects.get()
    assert item.from_community == parts["carers"] and item.to_organisation == parts["trust"]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"source": ""}, "source", "Choose where the dependency comes from"),
        ({"target": ""}, "target", "Choose where the dependency goes to"),
        ({"kind": ""}, "kind", "Choose what flows"),
        ({"strength": ""}, "strength", "Choose how strong the dependency is"),
        ({"description": "  "}, "description", "Describe the dependency"),
        ({"source": "organisation-999999"}, "source", "Choose an organisation or community from the list"),
    ],
)
def test_each_mistake_is_named_and_what_was_typed_stays(fclient, parts, change, field, message):
    data = post_data(parts["homes"], parts["trust"], **change)
    response = fclient.post(URL + "new/", data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html and message in html
    assert f'href="#id_{field}' in html  # the error summary links to the field
    assert "Delayed discharge figures, winter 2025." in html
    assert not Interdependency.objects.exists()


def test_the_same_part_at_both_ends_is_refused(fclient, parts):
    html = fclient.post(URL + "new/", post_data(parts["trust"], parts["trust"])).content.decode()
    assert "A dependency links two different parts" in html
    assert not Interdependency.objects.exists()


def test_two_communities_are_refused(fclient, parts):
    html = fclient.post(URL + "new/", post_data(parts["carers"], parts["estate"])).content.decode()
    assert "At least one end must be an organisation" in html
    assert not Interdependency.objects.exists()


def test_another_systems_organisation_is_not_offered_or_accepted(fclient, parts):
    elsewhere = make_organisation(make_system(), name="Somewhere Else Trust")
    assert "Somewhere Else Trust" not in fclient.get(URL + "new/").content.decode()
    data = post_data(parts["homes"], elsewhere)
    html = fclient.post(URL + "new/", data).content.decode()
    assert "Choose an organisation or community from the list" in html
    assert not Interdependency.objects.exists()


def test_a_facilitator_changes_and_deletes_an_interdependency(fclient, system, parts):
    item = make_interdependency(system, parts["homes"], parts["trust"], strength="low")
    html = fclient.get(f"{URL}{item.pk}/edit/").content.decode()
    assert f'value="organisation-{parts["homes"].pk}" selected' in html
    response = fclient.post(
        f"{URL}{item.pk}/edit/", post_data(parts["homes"], parts["carers"], strength="medium")
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.to_community == parts["carers"] and item.to_organisation is None and item.strength == "medium"
    update = AuditEntry.objects.get(action="interdependency.update")
    assert update.before["to"] == "Riverside Hospitals" and update.after["to"] == "Unpaid carers"

    assert "Delete the interdependency" in fclient.get(f"{URL}{item.pk}/delete/").content.decode()
    assert fclient.post(f"{URL}{item.pk}/delete/").status_code == 302
    assert not Interdependency.objects.exists()
    assert AuditEntry.objects.get(action="interdependency.delete").before["from"] == "Riverside Care Homes"


def test_an_interdependency_of_another_system_is_not_found(fclient, parts):
    other = make_system()
    item = make_interdependency(other, make_organisation(other), make_organisation(other))
    assert fclient.get(f"{URL}{item.pk}/edit/").status_code == 404
    assert fclient.post(f"{URL}{item.pk}/delete/").status_code == 404
    assert Interdependency.objects.filter(pk=item.pk).exists()
