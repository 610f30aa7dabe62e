"""The register's facilitator pages: the table with filters, each asset, add, change, delete, the map (its
image and data, no tiles unless set), the system page's section and an organisation's "my part"."""

from __future__ import annotations

import json

import pytest

from commonweal.communities.models import Asset, Category, Holder, Status
from tests.communities.factories import make_asset
from tests.factories import make_community, make_organisation, make_place, make_round

pytestmark = pytest.mark.django_db

BASE = "/manage/systems/riverside/assets/"


def test_the_register_lists_and_filters(fclient, system):
    north = make_place(system, name="Northvale")
    park = make_asset(
        system, name="Northvale Park", category=Category.PHYSICAL, places=[north], tags=["green"]
    )
    make_asset(system, name="Oak Choir", category=Category.CULTURE)
    make_asset(system, name="Waiting shed", status=Status.PENDING)
    page = fclient.get(BASE).content.decode()
    assert "Northvale Park" in page and "Oak Choir" in page and "Waiting shed" not in page
    assert "1 asset added by residents is waiting for moderation" in page
    filtered = fclient.get(BASE, {"place": north.pk, "tag": "green"}).content.decode()
    assert "Northvale Park" in filtered and "Oak Choir" not in filtered
    assert "Oak Choir" in fclient.get(BASE, {"category": "culture"}).content.decode()
    pending = fclient.get(BASE, {"status": "pending"}).content.decode()
    assert "Waiting shed" in pending and "Oak Choir" not in pending
    # A filter that is not understood is named, and the register shows everything.
    odd = fclient.get(BASE, {"category": "volcanoes"}).content.decode()
    assert "Choose a category from the list" in odd and "Oak Choir" in odd
    detail = fclient.get(f"{BASE}{park.pk}/").content.decode()
    assert "Northvale Park" in detail and "green" in detail


def test_the_register_and_the_map_page_in_pages_of_100_by_name(fclient, system, monkeypatch):
    monkeypatch.setattr("commonweal.communities.assets.views.PAGE_SIZE", 3)
    place = make_place(system, name="Northvale")
    for name in ("Elm", "Ash", "Fir", "Birch", "Oak", "Cedar", "Yew"):
        make_asset(system, name=name, places=[place], latitude="53.8", longitude="-1.5")
    make_asset(system, name="Nowhere")

    def names(html):
        return [
            n for n in ("Ash", "Birch", "Cedar", "Elm", "Fir", "Nowhere", "Oak", "Yew") if f">{n}</a>" in html
        ]

    assert names(fclient.get(BASE).content.decode()) == ["Ash", "Birch", "Cedar"]
    last = fclient.get(BASE, {"page": 3}).content.decode()
    assert names(last) == ["Oak", "Yew"] and "Showing 7 to 8 of 8 assets" in last
    assert names(fclient.get(BASE, {"page": 99}).content.decode()) == ["Oak", "Yew"]  # past the end: the last
    on_map = fclient.get(f"{BASE}map/", {"page": 2}).content.decode()
    assert names(on_map) == ["Elm", "Fir", "Oak"] and "7 assets with a location" in on_map


def _form(**kw):
    data = {
        "name": "Eastmarsh Men's Shed",
        "category": "associations",
        "holder": "resident",
        "postcode": "ab1 2cd",
        "latitude": "53.8",
        "longitude": "-1.55",
        "tags": "woodwork",
    }
    data.update(kw)
    return data


def test_a_facilitator_adds_changes_and_deletes_an_asset(fclient, system):
    organisation = make_organisation(system, name="Age Well")
    response = fclient.post(f"{BASE}new/", _form(holder="organisation", holder_organisation=organisation.pk))
    assert response.status_code == 302
    asset = Asset.objects.get()
    assert asset.holder_organisation == organisation and asset.postcode == "AB1 2CD"
    assert fclient.get(f"{BASE}{asset.pk}/edit/").status_code == 200
    fclient.post(f"{BASE}{asset.pk}/edit/", _form(name="The Shed", latitude="", longitude=""))
    asset.refresh_from_db()
    assert asset.name == "The Shed" and asset.latitude is None and asset.holder == Holder.RESIDENT
    assert "The Shed" in fclient.get(f"{BASE}{asset.pk}/delete/").content.decode()
    fclient.post(f"{BASE}{asset.pk}/delete/")
    assert not Asset.objects.exists()


def test_a_form_with_errors_keeps_what_was_typed(fclient, system):
    page = fclient.post(
        f"{BASE}new/", _form(postcode="not one", latitude="200", description="Kept text")
    ).content
    html = page.decode()
    assert "Enter a UK postcode" in html and "between -90 and 90" in html
    assert "Kept text" in html and 'value="not one"' in html
    assert not Asset.objects.exists()


def test_the_map_draws_points_without_tiles(fclient, system):
    place = make_place(system, name="Riverside City")
    make_asset(system, name="Library", places=[place], latitude="53.80", longitude="-1.55")
    make_asset(
        system, name="Park", category=Category.PHYSICAL, places=[place], latitude="53.82", longitude="-1.52"
    )
    make_asset(system, name="Nowhere")
    response = fclient.get(f"{BASE}map/")
    html = response.content.decode()
    assert "COMMONWEAL_MAP_TILES" in html and "data-tiles" not in html
    assert "2 assets with a location; 1 without one is in the" in html
    assert "img-src 'self' data:;" in response["Content-Security-Policy"]
    svg = fclient.get(f"{BASE}map.svg").content.decode()
    assert (
        svg.count("<circle") == 2
        and "Riverside City" in svg
        and "http://" not in svg.replace("http://www.w3.org/2000/svg", "")
    )
    data = json.loads(fclient.get(f"{BASE}map.json").content)
    assert sorted(p[1] for p in data["points"]) == ["Library", "Park"]
    assert data["places"][0][0] == "Riverside City"
    only_parks = json.loads(fclient.get(f"{BASE}map.json", {"category": "physical"}).content)
    assert [p[1] for p in only_parks["points"]] == ["Park"]


def test_tiles_are_a_setting_and_their_origin_is_allowed(fclient, system, settings):
    settings.MAP_TILES = "https://{s}.tiles.example.org/{z}/{x}/{y}.png"
    settings.MAP_ATTRIBUTION = "Tiles by Example"
    response = fclient.get(f"{BASE}map/")
    assert 'data-tiles="https://{s}.tiles.example.org/{z}/{x}/{y}.png"' in response.content.decode()
    assert "img-src 'self' data: https://*.tiles.example.org" in response["Content-Security-Policy"]


def test_the_system_page_and_my_part_show_assets(fclient, system):
    organisation = make_organisation(system, name="Age Well Riverside")
    make_asset(system, name="Lunch club", holder=Holder.ORGANISATION, holder_organisation=organisation)
    make_asset(
        system,
        name="Pending club",
        holder=Holder.ORGANISATION,
        holder_organisation=organisation,
        status=Status.PENDING,
    )
    system_page = fclient.get("/manage/systems/riverside/").content.decode()
    assert "Community assets" in system_page and BASE in system_page
    part = fclient.get(f"/manage/systems/riverside/network/organisations/{organisation.pk}/").content.decode()
    assert "Lunch club" in part and "Pending club" not in part
    survey_round = make_round(system, name="2026")
    token = survey_round.invitations.get(organisation=organisation).token
    assert "Lunch club" in fclient.get(f"/survey/{token}/my-part/").content.decode()


def test_other_systems_facilitators_cannot_see_the_register(client, system):
    from tests.factories import make_facilitator, make_system

    other = make_facilitator(make_system(), username="olly")
    client.force_login(other)
    assert client.get(BASE).status_code == 403
    assert client.get(f"{BASE}map.json").status_code == 403
    community = make_community(system)
    assert client.post(f"{BASE}new/", _form(communities=[community.pk])).status_code == 403
