"""The pulse's pages: a facilitator's round from draft to results, and the respondent's one form."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from commonweal.core.models import AuditEntry
from commonweal.pulse import actions
from commonweal.pulse.models import PulseResponse, PulseRound
from tests.factories import make_facilitator, make_organisation, make_place, make_system
from tests.pulse.factories import answers, make_pulse_round, respond

pytestmark = pytest.mark.django_db


@pytest.fixture
def system():
    return make_system(slug="riverside")


@pytest.fixture
def fran(system):
    client = Client()
    client.force_login(make_facilitator(system, username="fran"))
    return client


def _form(sector="vcse", **extra):
    data = {"sector": sector, **{k: str(v) for k, v in answers(4, 3, 2).items()}}
    data.update(extra)
    return data


def test_a_round_from_draft_to_open_and_the_wording_then_fixed(system, fran):
    base = f"/manage/systems/{system.slug}/pulse/"
    assert fran.post(base + "new/", {"name": ""}).status_code == 400
    response = fran.post(base + "new/", {"name": "Spring 2026"})
    assert response.status_code == 302
    r = PulseRound.objects.get(name="Spring 2026")
    assert r.status == "draft" and len(r.items) == 9
    texts = {item["key"]: item["text"] for item in r.items}
    texts["direction_1"] = "We know where we are going."
    page = fran.post(f"{base}{r.pk}/questions/", {**texts, "alignment_2": ""})
    assert page.status_code == 400 and "We know where we are going." in page.content.decode()  # kept
    assert fran.post(f"{base}{r.pk}/questions/", texts).status_code == 302
    r.refresh_from_db()
    assert r.item_text()["direction_1"] == "We know where we are going."
    assert fran.post(f"{base}{r.pk}/status/", {"status": "open"}).status_code == 302
    r.refresh_from_db()
    assert r.is_open and r.opened_at is not None
    refused = fran.post(f"{base}{r.pk}/questions/", {**texts, "direction_1": "Changed after opening"})
    assert refused.status_code == 409
    assert "cannot be changed once it has opened" in refused.content.decode()
    r.refresh_from_db()
    assert r.item_text()["direction_1"] == "We know where we are going."
    assert "The wording is fixed" in fran.get(f"{base}{r.pk}/questions/").content.decode()
    actions = set(AuditEntry.objects.filter(subject_type="PulseRound").values_list("action", flat=True))
    assert {"pulse_round.create", "pulse_round.edit_items", "pulse_round.open"} <= actions


def test_respondent_answers_once_from_the_public_link(system):
    r = make_pulse_round(system)
    place = make_place(system, name="North")
    client = Client()
    url = f"/pulse/{r.token}/"
    page = client.get(url).content.decode()
    assert "How are we working together?" in page and r.items[0]["text"] in page
    bad = client.post(url, _form(place=str(place.pk), what_would_help="More joint rotas", direction_2=""))
    assert bad.status_code == 400
    body = bad.content.decode()
    assert (
        "More joint rotas" in body
        and "Choose an answer from 1 to 5" in body
        and re.search(r'value="vcse"[^>]*checked', body)
    )
    assert client.post(url, _form(place=str(place.pk), what_would_help="More joint rotas")).status_code == 302
    saved = PulseResponse.objects.get()
    assert (saved.direction, saved.alignment, saved.commitment) == (4.0, 3.0, 2.0)
    assert saved.place == place and saved.moderation == "pending"
    assert "your answers are in" in client.get(url).content.decode()
    assert client.post(url, _form()).status_code == 200  # the same browser is thanked, not counted twice
    assert PulseResponse.objects.count() == 1


def test_organisation_link_says_the_organisation(system):
    org = make_organisation(system, name="Riverside Hospice", sector="vcse")
    r = make_pulse_round(system)
    link = r.links.get(organisation=org)
    client = Client()
    page = client.get(f"/pulse/{link.token}/").content.decode()
    assert "Riverside Hospice" in page and 'name="organisation"' not in page
    assert client.post(f"/pulse/{link.token}/", _form(sector="vcse")).status_code == 302
    assert PulseResponse.objects.get().organisation == org


def test_a_draft_or_closed_round_takes_no_answers(system):
    draft = make_pulse_round(system, status="draft")
    closed = make_pulse_round(system, status="closed")
    assert "has not opened yet" in Client().get(f"/pulse/{draft.token}/").content.decode()
    assert Client().post(f"/pulse/{closed.token}/", _form()).status_code == 409
    assert Client().get("/pulse/no-such-token/").status_code == 404
    assert not PulseResponse.objects.exists()


def test_answers_are_rate_limited_by_address(system, monkeypatch):
    r = make_pulse_round(system)
    monkeypatch.setattr(actions, "RATE_RESPONSES", "2/3600")
    for _ in range(2):
        assert Client().post(f"/pulse/{r.token}/", _form()).status_code == 302
    refused = Client().post(f"/pulse/{r.token}/", _form())
    assert refused.status_code == 429 and "Too many answers" in refused.content.decode()


def test_what_would_help_is_moderated_before_anyone_sees_it(system, fran):
    r = make_pulse_round(system)
    keep = respond(r, text="A shared discharge plan")
    drop = respond(r, text="Name of a person")
    base = f"/manage/systems/{system.slug}/pulse/{r.pk}/"
    results = fran.get(base + "results/").content.decode()
    assert "A shared discharge plan" not in results and "2 answers to moderate" in results
    queue = fran.get(base + "moderation/").content.decode()
    assert "A shared discharge plan" in queue and "Name of a person" in queue
    fran.post(f"{base}moderation/{keep.pk}/", {"decision": "accepted"})
    fran.post(f"{base}moderation/{drop.pk}/", {"decision": "rejected"})
    results = fran.get(base + "results/").content.decode()
    assert "A shared discharge plan" in results and "Name of a person" not in results
    assert "Nothing to moderate" in fran.get(base + "moderation/").content.decode()


def test_results_page_and_csv(system, fran):
    north = make_place(system, name="North")
    first = make_pulse_round(system, name="Spring", status="closed")
    second = make_pulse_round(system, name="Autumn")
    for i in range(12):
        respond(first, sector="acute", place=north, direction=2 + i % 2)
        respond(second, sector="acute", place=north, direction=4 + i % 2)
    respond(second, sector="healthwatch", direction=5)
    base = f"/manage/systems/{system.slug}/pulse/{second.pk}/"
    page = fran.get(base + "results/").content.decode()
    assert "Direction rose from 2.5 to 4.5" in page and "fewer than 5" in page
    csv = fran.get(base + "results.csv")
    assert csv["Content-Type"].startswith("text/csv")
    text = csv.content.decode()
    assert "Direction,sector,Healthwatch,fewer than 5" in text and "Direction,everyone,Everyone,13" in text


def test_system_page_links_to_the_pulse(system, fran):
    assert (
        f"/manage/systems/{system.slug}/pulse/"
        in fran.get(f"/manage/systems/{system.slug}/").content.decode()
    )
