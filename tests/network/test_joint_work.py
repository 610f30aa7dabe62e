"""Joint work: facilitators record what partners do together, with dates in order and at least two organisations;
every mistake is named on its field and nothing typed is lost; every change is audited."""

from __future__ import annotations

import re
from datetime import date

import pytest

from commonweal.core.models import AuditEntry
from commonweal.network.models import JointWork
from tests.factories import (
    make_joint_work,
    make_organisation,
    make_system,
)

pytestmark = pytest.mark.django_db

URL = "/manage/systems/riverside/network/joint-work/"


@pytest.fixture
def orgs(system):
    return [
        make_organisation(system, name="Riverside Council", sector="local_authority"),
        make_organisation(system, name="Riverside Hospitals", sector="acute"),
        make_organisation(system, name="Age Well Riverside", sector="vcse"),
    ]


def data(orgs, **kw):
    out = {
        "title": "Discharge to assess pilot",
        "kind": "pooled_budget",
        "started_on": "2026-04-01",
        "ended_on": "2027-03-31",
        "description": "A pooled budget for home care after discharge.",
        "organisations": [o.pk for o in orgs],
    }
    out.update(kw)
    return out


def test_a_facilitator_records_joint_work_and_it_is_audited(fclient, system, orgs):
    response = fclient.post(URL + "new/", data(orgs[:2]))
    assert response.status_code == 302 and response["Location"] == URL
    work = JointWork.objects.get()
    assert work.title == "Discharge to assess pilot" and work.kind == "pooled_budget"
    assert (work.started_on, work.ended_on) == (date(2026, 4, 1), date(2027, 3, 31))
    assert set(work.organisations.all()) == set(orgs[:2])
    entry = AuditEntry.objects.get(action="joint_work.create")
    assert (
        entry.after["organisations"] == ["Riverside Council", "Riverside Hospitals"]
        and entry.system == system
    )
    html = fclient.get(URL).content.decode()
    assert "Discharge to assess pilot" in html and "Pooled budget" in html and "1 Apr 2026" in html


def test_the_end_date_may_be_left_empty_while_the_work_goes_on(fclient, orgs):
    fclient.post(URL + "new/", data(orgs, ended_on="", kind="meeting"))
    assert JointWork.objects.get().ended_on is None
    assert "onwards" in fclient.get(URL).content.decode()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"organisations": []}, "organisations", "Choose at least two organisations"),
        ({"title": ""}, "title", "Give the joint work a title"),
        ({"kind": ""}, "kind", "Choose what kind of joint work it is"),
        ({"started_on": ""}, "started_on", "Enter the date it started"),
        ({"started_on": "31/02/2026"}, "started_on", "Enter a real date"),
        ({"ended_on": "2026-03-31"}, "ended_on", "The end date must be the same as or after the start date"),
    ],
)
def test_each_mistake_is_named_and_what_was_typed_stays(fclient, orgs, change, field, message):
    response = fclient.post(URL + "new/", data(orgs, **change))
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html and message in html
    assert f'href="#id_{field}' in html
    assert "A pooled budget for home care after discharge." in html
    assert not JointWork.objects.exists()


def test_one_organisation_is_not_joint_work(fclient, orgs):
    html = fclient.post(URL + "new/", data(orgs[:1])).content.decode()
    assert "Choose at least two organisations: joint work is something partners do together" in html
    # The one that was ticked stays ticked.
    ticked = re.findall(r'<input type="checkbox" name="organisations" value="(\d+)"[^>]*checked', html)
    assert ticked == [str(orgs[0].pk)]
    assert not JointWork.objects.exists()


def test_a_facilitator_changes_and_deletes_joint_work(fclient, system, orgs):
    work = make_joint_work(system, orgs[:2], title="Monthly place meeting", kind="meeting")
    html = fclient.get(f"{URL}{work.pk}/edit/").content.decode()
    assert 'value="Monthly place meeting"' in html
    assert (
        fclient.post(f"{URL}{work.pk}/edit/", data(orgs, title="Place leadership meeting")).status_code == 302
    )
    work.refresh_from_db()
    assert work.title == "Place leadership meeting" and work.organisations.count() == 3
    update = AuditEntry.objects.get(action="joint_work.update")
    assert update.before["title"] == "Monthly place meeting" and len(update.after["organisations"]) == 3

    assert fclient.post(f"{URL}{work.pk}/delete/").status_code == 302
    assert not JointWork.objects.exists()
    assert AuditEntry.objects.get(action="joint_work.delete").before["title"] == "Place leadership meeting"


def test_organisations_of_another_system_are_refused(fclient, orgs):
    stranger = make_organisation(make_system(), name="Somewhere Else Council")
    html = fclient.post(URL + "new/", data([orgs[0], stranger])).content.decode()
    assert "Choose organisations from the list" in html
    assert not JointWork.objects.exists()
