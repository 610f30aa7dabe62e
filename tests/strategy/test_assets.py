"""Community assets in the strategy: an aim names the assets it builds on and a commitment the assets it uses
(accepted assets of the system's register, chosen by a facilitator, audited); the aim page lists them; an
organisation's link leaves a commitment's assets as they are."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from django.test import Client

from commonweal.communities.assets.actions import do_delete_asset
from commonweal.communities.models import Category, Status
from commonweal.core.errors import InvalidInput
from commonweal.core.models import AuditEntry
from commonweal.strategy.aims import actions as aims
from commonweal.strategy.commitments import actions as commitments
from commonweal.strategy.models import Aim, Commitment
from commonweal.strategy.queries import aim_asset_ids, assets_of_aim, assets_of_commitments
from tests.communities.factories import make_asset
from tests.factories import make_api_token, make_organisation, make_round, make_system

pytestmark = pytest.mark.django_db


@pytest.fixture
def register(system):
    """Two accepted assets of the system, one waiting for moderation, and one of another system."""
    library = make_asset(system, name="Eastmarsh Library")
    swimmers = make_asset(system, name="Sea Swimmers", category=Category.ASSOCIATIONS)
    pending = make_asset(system, name="Pending Club", status=Status.PENDING)
    elsewhere = make_asset(make_system(name="Elsewhere", slug="elsewhere"), name="Elsewhere Hall")
    return library, swimmers, pending, elsewhere


def _aim(system, facilitator, **kw):
    return aims.check_draft_aim(
        facilitator, system, aims.AimInput("Care closer to home", "Care nearer home.", **kw), []
    )


def test_an_aim_names_the_assets_it_builds_on_and_the_change_is_audited(system, facilitator, register):
    library, swimmers, _, _ = register
    aim = _aim(system, facilitator, assets=[swimmers.pk, library.pk, library.pk])
    assert aim_asset_ids(aim) == sorted([library.pk, swimmers.pk])
    assert [a.name for a in assets_of_aim(aim)] == ["Eastmarsh Library", "Sea Swimmers"]  # by name
    created = AuditEntry.objects.get(action="aim.create")
    assert created.after["assets"] == sorted([library.pk, swimmers.pk])
    aims.check_update_aim(
        facilitator, aim, aims.AimInput("Care closer to home", "Nearer.", assets=[library.pk])
    )
    updated = AuditEntry.objects.get(action="aim.update")
    assert updated.before["assets"] == sorted([library.pk, swimmers.pk]) and updated.after["assets"] == [
        library.pk
    ]


def test_only_accepted_assets_of_the_system_can_be_named(system, facilitator, register):
    library, _, pending, elsewhere = register
    for wrong in (pending, elsewhere):
        with pytest.raises(InvalidInput) as refused:
            _aim(system, facilitator, assets=[library.pk, wrong.pk])
        assert refused.value.detail["fields"][0]["field"] == "assets"
    assert not Aim.objects.exists()
    aim = _aim(system, facilitator)
    org = make_organisation(system)
    by_facilitator = commitments.Actor(facilitator, Commitment.Route.FACILITATOR)
    with pytest.raises(InvalidInput, match="register"):
        commitments.check_save_commitment(
            by_facilitator,
            aim,
            commitments.CommitmentInput("Use it", organisation=org.pk, assets=[pending.pk]),
        )
    assert not Commitment.objects.exists()


def test_a_commitment_uses_assets_and_an_organisation_link_leaves_them(system, facilitator, register):
    library, swimmers, _, _ = register
    aim = _aim(system, facilitator)
    org = make_organisation(system, name="Riverside Acute")
    by_facilitator = commitments.Actor(facilitator, Commitment.Route.FACILITATOR)
    item = commitments.check_save_commitment(
        by_facilitator,
        aim,
        commitments.CommitmentInput("Swim sessions", organisation=org.pk, assets=[swimmers.pk, library.pk]),
    )
    assert AuditEntry.objects.get(action="commitment.create").after["assets"] == sorted(
        [library.pk, swimmers.pk]
    )
    lead = commitments.Actor(None, Commitment.Route.ORGANISATION_LINK, org)
    # Through the link no assets are chosen, whatever is sent: the facilitator's choice stays.
    commitments.check_save_commitment(
        lead, aim, commitments.CommitmentInput("Swim sessions weekly", assets=[]), item
    )
    assert [a.name for a in assets_of_commitments(system, [item.pk])[item.pk]] == [
        "Eastmarsh Library",
        "Sea Swimmers",
    ]
    # The API sends no assets (None): they stay too; a facilitator's empty choice clears them.
    commitments.check_save_commitment(
        by_facilitator, aim, commitments.CommitmentInput("Again", organisation=org.pk), item
    )
    assert len(assets_of_commitments(system, [item.pk])[item.pk]) == 2
    commitments.check_save_commitment(
        by_facilitator, aim, commitments.CommitmentInput("Again", organisation=org.pk, assets=[]), item
    )
    assert assets_of_commitments(system, [item.pk]) == {}


def test_a_deleted_asset_leaves_the_aims_and_commitments_that_named_it(system, facilitator, register):
    library, swimmers, _, _ = register
    aim = _aim(system, facilitator, assets=[library.pk, swimmers.pk])
    org = make_organisation(system)
    item = commitments.check_save_commitment(
        commitments.Actor(facilitator, Commitment.Route.FACILITATOR),
        aim,
        commitments.CommitmentInput("Use it", organisation=org.pk, assets=[library.pk]),
    )
    do_delete_asset(facilitator, library)
    assert aim_asset_ids(aim) == [swimmers.pk] and assets_of_commitments(system, [item.pk]) == {}


def test_the_facilitator_pages_offer_and_list_the_assets(fclient, system, facilitator, register):
    library, swimmers, pending, _ = register
    aim = _aim(system, facilitator)
    base = f"/manage/systems/{system.slug}/strategy/"
    form = fclient.get(f"{base}aims/{aim.pk}/edit/").content.decode()
    assert "Community assets it builds on" in form and "Sea Swimmers (Associations" in form
    assert "Pending Club" not in form and "Elsewhere Hall" not in form
    page = fclient.get(f"{base}aims/{aim.pk}/").content.decode()
    assert "Community assets it builds on" in page and "None named yet." in page
    saved = fclient.post(
        f"{base}aims/{aim.pk}/edit/",
        {
            "title": "Care closer to home",
            "meaning": "Nearer home.",
            "assets": [str(library.pk), str(swimmers.pk)],
        },
    )
    assert saved.status_code == 302
    page = fclient.get(f"{base}aims/{aim.pk}/").content.decode()
    assert f"/manage/systems/{system.slug}/assets/{library.pk}/" in page and "Sea Swimmers" in page
    # A choice that is not offered keeps what was typed and says what is wrong.
    bad = fclient.post(
        f"{base}aims/{aim.pk}/edit/", {"title": "Kept title", "meaning": "x", "assets": [str(pending.pk)]}
    )
    assert bad.status_code == 200 and "Kept title" in bad.content.decode()
    org = make_organisation(system, name="Riverside Acute")
    new = fclient.get(f"{base}aims/{aim.pk}/commitments/new/").content.decode()
    assert "Community assets it uses (optional)" in new and "Eastmarsh Library" in new
    done = fclient.post(
        f"{base}aims/{aim.pk}/commitments/new/",
        {"owner": f"o{org.pk}", "what": "Swim sessions", "assets": [str(swimmers.pk)]},
    )
    assert done.status_code == 302
    item = Commitment.objects.get()
    edit = fclient.get(f"{base}commitments/{item.pk}/edit/").content.decode()
    assert re.search(rf'name="assets" value="{swimmers.pk}"[^>]* checked', edit)
    assert not re.search(rf'name="assets" value="{library.pk}"[^>]* checked', edit)
    page = fclient.get(f"{base}aims/{aim.pk}/").content.decode()
    assert "Uses" in page and page.count(f"/assets/{swimmers.pk}/") == 2  # the aim's list and the commitment


def test_an_organisation_link_is_not_offered_the_assets(system, facilitator, register):
    library, _, _, _ = register
    aim = _aim(system, facilitator)
    aims.check_change_status(facilitator, aim, aims.StatusInput("proposed"))
    org = make_organisation(system, name="Riverside Acute")
    token = make_round(system).invitations.get(organisation=org).token
    lead = Client()
    form = lead.get(f"/commit/{token}/aims/{aim.pk}/commit/").content.decode()
    assert "Community assets" not in form and "Eastmarsh Library" not in form
    posted = lead.post(
        f"/commit/{token}/aims/{aim.pk}/commit/", {"what": "Open a lounge", "assets": [str(library.pk)]}
    )
    assert posted.status_code == 302 and assets_of_commitments(system, [Commitment.objects.get().pk]) == {}


def test_with_no_accepted_asset_the_forms_ask_nothing_about_assets(fclient, system, facilitator):
    make_asset(system, name="Pending Club", status=Status.PENDING)
    aim = _aim(system, facilitator)
    base = f"/manage/systems/{system.slug}/strategy/"
    assert "Community assets" not in fclient.get(f"{base}aims/{aim.pk}/edit/").content.decode()
    assert "Community assets" not in fclient.get(f"{base}aims/{aim.pk}/commitments/new/").content.decode()


def test_the_api_and_the_exports_give_the_assets_of_aims_and_commitments(
    client, fclient, system, facilitator, register
):
    library, swimmers, pending, elsewhere = register
    aim = _aim(system, facilitator, assets=[library.pk])
    org = make_organisation(system, name="Acute")
    token = make_api_token(facilitator)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    base = f"/api/manage/systems/{system.slug}"
    body = {"what": "Open the library on Sundays", "organisation": org.pk, "assets": [swimmers.pk]}
    made = client.post(f"{base}/aims/{aim.pk}/commitments", body, content_type="application/json", **headers)
    assert made.status_code == 201 and made.json()["assets"] == [swimmers.pk]
    for wrong in (pending, elsewhere):
        body["assets"] = [wrong.pk]
        refused = client.post(
            f"{base}/aims/{aim.pk}/commitments", body, content_type="application/json", **headers
        )
        assert refused.status_code == 400
    listed = client.get(f"{base}/aims", **headers).json()["aims"][0]
    assert listed["assets"] == [{"id": library.pk, "name": "Eastmarsh Library"}]
    assert listed["commitments"][0]["assets"] == [{"id": swimmers.pk, "name": "Sea Swimmers"}]
    exported = json.loads(fclient.get(f"/manage/systems/{system.slug}/strategy/export/strategy.json").content)
    assert exported["aims"][0]["assets"] == listed["assets"]
    aims_csv = fclient.get(f"/manage/systems/{system.slug}/strategy/export/aims.csv").content.decode()
    assert next(csv.DictReader(io.StringIO(aims_csv)))["assets"] == "Eastmarsh Library"
    rows = fclient.get(f"/manage/systems/{system.slug}/strategy/export/commitments.csv").content.decode()
    assert next(csv.DictReader(io.StringIO(rows)))["assets"] == "Sea Swimmers"
    document = client.get("/api/openapi.json").json()
    assert "assets" in document["components"]["schemas"]["CommitmentIn"]["properties"]
