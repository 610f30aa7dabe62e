"""Community asset mapping: the public link and its QR code, residents adding assets with no account (pending,
rate-limited), and the moderation queue (one at a time, in bulk, likely duplicates grouped)."""

from __future__ import annotations

import pytest

from commonweal.communities.mapping.actions import do_open_link, queue_entries
from commonweal.communities.models import Asset, MappingLink, Source, Status
from commonweal.core.models import AuditEntry
from tests.communities.factories import make_asset
from tests.factories import make_place

pytestmark = pytest.mark.django_db

BASE = "/manage/systems/riverside/assets/"


def _add(client, link, **kw):
    data = {
        "name": "Knit and natter",
        "category": "associations",
        "holder": "resident",
        "postcode": "LS1 4AP",
    }
    data.update(kw)
    return client.post(f"/assets/add/{link.token}/", data)


def test_a_resident_adds_an_asset_without_an_account(client, system):
    place = make_place(system, name="Eastmarsh")
    link = do_open_link(None, system, place)
    page = client.get(f"/assets/add/{link.token}/")
    assert page.status_code == 200 and "Add a community asset" in page.content.decode()
    assert page["Cache-Control"] == "private, no-store"
    # The site's same-origin policy keeps the link from other sites; "no-referrer" would make the browser send
    # the form with "Origin: null", which the CSRF check refuses.
    assert page["Referrer-Policy"] == "same-origin"
    assert 'name="latitude"' not in page.content.decode()  # a postcode is easier on a phone
    assert "Accessibility statement" in page.content.decode() and "Privacy notice" in page.content.decode()
    response = _add(client, link, resident_name="", description="Thursdays at the library")
    assert response.status_code == 302 and response["Location"].endswith("/thanks/")
    asset = Asset.objects.get()
    assert asset.status == Status.PENDING and asset.source == Source.MAPPING and asset.mapping_link == link
    assert list(asset.places.all()) == [place] and asset.holder_name == "A resident"
    assert AuditEntry.objects.filter(action="asset.submit", subject_id=str(asset.pk)).exists()
    assert "Thank you" in client.get(response["Location"]).content.decode()


def test_a_residents_mistake_keeps_what_they_typed(client, system):
    link = do_open_link(None, system)
    html = _add(client, link, postcode="EASTMARSH", description="Kept words").content.decode()
    assert "Enter a UK postcode" in html and "Kept words" in html
    assert not Asset.objects.exists()


def test_a_closed_or_unknown_link_is_not_found(client, system):
    link = do_open_link(None, system)
    link.is_active = False
    link.save()
    assert client.get(f"/assets/add/{link.token}/").status_code == 404
    assert client.get("/assets/add/nope/").status_code == 404


def test_submissions_are_rate_limited(client, system, settings):
    settings.RATE_ASSET_SUBMISSIONS = "2/3600"
    link = do_open_link(None, system)
    assert _add(client, link, name="One").status_code == 302
    assert _add(client, link, name="Two").status_code == 302
    refused = _add(client, link, name="Three")
    assert refused.status_code == 429 and "Too many assets" in refused.content.decode()
    assert Asset.objects.count() == 2


def test_facilitators_open_and_close_links_with_qr_codes(fclient, system):
    place = make_place(system, name="Westbrook")
    assert fclient.post(f"{BASE}links/switch/", {"place": ""}).status_code == 302
    assert fclient.post(f"{BASE}links/switch/", {"place": place.pk}).status_code == 302
    system_link = MappingLink.objects.get(place=None)
    page = fclient.get(f"{BASE}links/").content.decode()
    assert f"/assets/add/{system_link.token}/" in page and "Westbrook" in page
    svg = fclient.get(f"{BASE}links/{system_link.pk}/qr.svg")
    assert svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    png = fclient.get(f"{BASE}links/{system_link.pk}/qr.png")
    assert png.content.startswith(b"\x89PNG")
    fclient.post(f"{BASE}links/switch/", {"close": system_link.pk})
    system_link.refresh_from_db()
    assert not system_link.is_active
    assert AuditEntry.objects.filter(action="asset_link.close").count() == 1


def test_the_queue_groups_likely_duplicates(system):
    make_asset(system, name="Riverside Library")
    link = do_open_link(None, system)
    a = make_asset(system, name="Knit and Natter", status=Status.PENDING, link=link)
    b = make_asset(system, name="Knit & natter group", status=Status.PENDING, link=link)
    c = make_asset(system, name="Riverside library", status=Status.PENDING, link=link)
    d = make_asset(system, name="Eastmarsh boxing club", status=Status.PENDING, link=link)
    entries = queue_entries(system, [a, b, c, d])
    assert [[x.name for x in e.assets] for e in entries] == [
        ["Knit and Natter", "Knit & natter group"],
        ["Riverside library"],
        ["Eastmarsh boxing club"],
    ]
    assert entries[1].existing == ["Riverside Library"] and not entries[2].is_duplicates


def test_a_moderator_accepts_one_and_rejects_in_bulk(fclient, system, facilitator):
    link = do_open_link(None, system)
    one = make_asset(system, name="Allotments", status=Status.PENDING, link=link)
    two = make_asset(system, name="Spam one", status=Status.PENDING, link=link)
    three = make_asset(system, name="Spam two", status=Status.PENDING, link=link)
    page = fclient.get(f"{BASE}moderation/").content.decode()
    assert "Allotments" in page and "Keyboard shortcuts" in page
    swapped = fclient.post(f"{BASE}moderation/{one.pk}/", {"action": "accept"}, HTTP_HX_REQUEST="true")
    assert "Accepted: Allotments" in swapped.content.decode()
    one.refresh_from_db()
    assert one.status == Status.ACCEPTED and one.moderated_by == facilitator
    response = fclient.post(
        f"{BASE}moderation/bulk/", {"decision": "reject", "asset_ids": [two.pk, three.pk]}
    )
    assert response.status_code == 302
    assert set(Asset.objects.filter(status=Status.REJECTED).values_list("name", flat=True)) == {
        "Spam one",
        "Spam two",
    }
    assert AuditEntry.objects.filter(action="asset.reject").count() == 2
    assert "Nothing to review" in fclient.get(f"{BASE}moderation/").content.decode()
    assert "Allotments" in fclient.get(f"{BASE}moderation/?view=accepted").content.decode()
    refused = fclient.post(f"{BASE}moderation/bulk/", {"decision": "reject"}, follow=True)
    assert "Select at least one asset first." in refused.content.decode()
