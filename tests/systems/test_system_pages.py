"""The systems pages: your systems, creating and editing a system, its places, communities and organisations, its
facilitators; the administrator's accounts page; API tokens. Every change is audited."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from commonweal.accounts.models import ApiToken, OneTimePassword, hash_token
from commonweal.core.models import AuditEntry
from commonweal.systems.models import Community, Organisation, Place, System, SystemRole
from tests.factories import (
    PASSWORD,
    make_admin,
    make_conversation,
    make_facilitator,
    make_moderator,
    make_organisation,
    make_place,
    make_system,
    make_user,
)

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


# --- Your systems -----------------------------------------------------------------------------------------------


def test_your_systems_lists_only_the_systems_you_facilitate(fclient, system):
    make_system(name="Somewhere Else")
    html = text(fclient.get("/manage/"))
    assert "Riverside Health and Care Partnership" in html
    assert "Somewhere Else" not in html
    assert "Create a system" not in html


def test_an_administrator_sees_every_system_and_can_create_one(client, system):
    make_system(name="Somewhere Else")
    client.force_login(make_admin())
    html = text(client.get("/manage/"))
    assert "Riverside Health and Care Partnership" in html and "Somewhere Else" in html
    assert "Create a system" in html


def test_a_moderator_sees_the_conversations_they_moderate(client, system):
    conversation = make_conversation(system, title="Our strategy")
    client.force_login(make_moderator(conversation))
    html = text(client.get("/manage/"))
    assert "Conversations you moderate" in html and "Our strategy" in html
    assert f"/manage/conversations/{conversation.slug}/moderation/" in html


def test_someone_with_no_role_is_told_how_to_get_one(client):
    client.force_login(make_user())
    assert "Ask a facilitator of your system" in text(client.get("/manage/"))


# --- Systems ----------------------------------------------------------------------------------------------------


def test_an_administrator_creates_a_system_and_the_short_name_is_made_from_the_name(client):
    admin = make_admin()
    client.force_login(admin)
    response = client.post(
        "/manage/systems/new/", {"name": "  Northfield   Place Partnership ", "slug": "", "description": ""}
    )
    system = System.objects.get()
    assert system.name == "Northfield Place Partnership"
    assert system.slug == "northfield-place-partnership"
    assert response["Location"] == "/manage/systems/northfield-place-partnership/"
    entry = AuditEntry.objects.get(action="system.create")
    assert entry.actor == admin and entry.system == system


def test_creating_a_system_with_a_taken_name_or_short_name_keeps_what_was_typed(client, system):
    client.force_login(make_admin())
    response = client.post(
        "/manage/systems/new/", {"name": "riverside health and care partnership", "description": "Kept"}
    )
    html = text(response)
    assert "There is already a system called" in html
    assert "Kept</textarea>" in html
    response = client.post("/manage/systems/new/", {"name": "New one", "slug": "riverside"})
    assert "The short name &#x27;riverside&#x27; is taken" in text(response)
    assert System.objects.count() == 1


def test_a_facilitator_cannot_create_a_system(fclient):
    assert fclient.get("/manage/systems/new/").status_code == 403
    assert fclient.post("/manage/systems/new/", {"name": "Mine"}).status_code == 403
    assert System.objects.count() == 1


def test_a_facilitator_edits_the_system(fclient, system):
    response = fclient.post(
        f"/manage/systems/{system.slug}/edit/",
        {"name": "Riverside ICS", "description": "Four places.", "retention_days": "365"},
    )
    assert response.status_code == 302
    system.refresh_from_db()
    assert (system.name, system.description, system.slug) == ("Riverside ICS", "Four places.", "riverside")
    entry = AuditEntry.objects.get(action="system.update")
    assert (
        entry.before["name"] == "Riverside Health and Care Partnership"
        and entry.after["name"] == "Riverside ICS"
    )


def test_the_system_page_shows_its_conversations_and_parts(fclient, system):
    make_conversation(system, title="Our strategy 2026")
    make_place(system)
    make_organisation(system)
    make_organisation(system)
    html = text(fclient.get(f"/manage/systems/{system.slug}/"))
    assert "Our strategy 2026" in html
    assert "Start a conversation" in html
    assert "fran" in html


def test_a_facilitator_of_another_system_cannot_see_or_change_it(client, system):
    client.force_login(make_facilitator(make_system()))
    assert client.get(f"/manage/systems/{system.slug}/").status_code == 403
    assert client.post(f"/manage/systems/{system.slug}/edit/", {"name": "Taken over"}).status_code == 403
    system.refresh_from_db()
    assert system.name == "Riverside Health and Care Partnership"


def test_an_unknown_system_is_a_page_not_found(fclient):
    response = fclient.get("/manage/systems/nowhere/")
    assert response.status_code == 404
    assert "Page not found" in text(response)


def test_the_system_activity_page_shows_the_audit_log(fclient, system):
    fclient.post(f"/manage/systems/{system.slug}/places/new/", {"name": "Eastgate"})
    html = text(fclient.get(f"/manage/systems/{system.slug}/activity/"))
    assert "place.create" in html and "fran" in html


# --- Places, communities, organisations --------------------------------------------------------------------------


def test_places_are_added_changed_and_deleted(fclient, system):
    url = f"/manage/systems/{system.slug}/places/"
    assert fclient.post(url + "new/", {"name": "Eastgate", "population": "250000"}).status_code == 302
    place = Place.objects.get(system=system)
    assert place.population == 250000
    assert "Eastgate" in text(fclient.get(url))
    fclient.post(url + f"{place.pk}/edit/", {"name": "Eastgate and Marsh", "population": ""})
    place.refresh_from_db()
    assert (place.name, place.population) == ("Eastgate and Marsh", None)
    confirm = fclient.get(url + f"{place.pk}/delete/")
    assert "Delete the place Eastgate and Marsh?" in text(confirm)
    assert fclient.post(url + f"{place.pk}/delete/").status_code == 302
    assert not Place.objects.exists()
    assert list(
        AuditEntry.objects.filter(subject_type="Place").values_list("action", flat=True).order_by("id")
    ) == [
        "place.create",
        "place.update",
        "place.delete",
    ]


def test_place_errors_are_shown_next_to_the_field(fclient, system):
    make_place(system, name="Eastgate")
    url = f"/manage/systems/{system.slug}/places/new/"
    html = text(fclient.post(url, {"name": "eastgate", "population": "lots"}))
    assert "Enter the number as digits only" in html
    html = text(fclient.post(url, {"name": "EASTGATE", "population": "5"}))
    assert "This system already has a place called" in html
    assert '<a href="#id_name">' in html
    assert Place.objects.count() == 1


def test_communities_have_a_kind_and_an_optional_population_estimate(fclient, system):
    url = f"/manage/systems/{system.slug}/communities/"
    html = text(fclient.post(url + "new/", {"name": "Unpaid carers", "population_estimate": ""}))
    assert "Choose what kind of community it is" in html
    assert '<a href="#id_kind_0">' in html
    fclient.post(url + "new/", {"name": "Unpaid carers", "kind": "interest", "population_estimate": "12000"})
    community = Community.objects.get()
    assert (community.kind, community.population_estimate) == ("interest", 12000)
    fclient.post(
        url + f"{community.pk}/edit/", {"name": "Carers", "kind": "identity", "population_estimate": ""}
    )
    community.refresh_from_db()
    assert (community.name, community.kind) == ("Carers", "identity")
    fclient.post(url + f"{community.pk}/delete/")
    assert not Community.objects.exists()


def test_organisations_have_a_sector_identifier_places_and_dates(fclient, system):
    north = make_place(system, name="North")
    url = f"/manage/systems/{system.slug}/organisations/"
    response = fclient.post(
        url + "new/",
        {
            "name": "Riverside Hospitals",
            "sector": "acute",
            "identifier_scheme": "GB-NHS",
            "identifier": "RXX",
            "places": [north.pk],
            "active_from": "2020-04-01",
            "active_to": "",
        },
    )
    assert response.status_code == 302
    org = Organisation.objects.get()
    assert org.org_id == "GB-NHS-RXX" and list(org.places.all()) == [north]
    html = text(fclient.get(url))
    assert "Riverside Hospitals" in html and "Acute trust" in html and "GB-NHS-RXX" in html
    entry = AuditEntry.objects.get(action="organisation.create")
    assert entry.after["places"] == ["North"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "sector": "vcse"}, "Enter the organisation&#x27;s name"),
        ({"name": "X", "sector": ""}, "Choose the organisation&#x27;s sector"),
        ({"name": "X", "sector": "vcse", "identifier_scheme": "GB-CHC"}, "Enter the identifier"),
        (
            {"name": "X", "sector": "vcse", "identifier": "123"},
            "Choose which scheme the identifier belongs to",
        ),
        ({"name": "X", "sector": "vcse", "active_from": "2024-02-30"}, "Enter a real date"),
        (
            {"name": "X", "sector": "vcse", "active_from": "2024-04-01", "active_to": "2023-01-01"},
            "The end date must be the same as or after the start date",
        ),
        ({"name": "Taken", "sector": "vcse"}, "This system already has an organisation called"),
        (
            {"name": "X", "sector": "vcse", "identifier_scheme": "GB-CHC", "identifier": "111"},
            "already belongs to Taken",
        ),
    ],
)
def test_organisation_errors_say_what_to_do_and_keep_the_input(fclient, system, data, message):
    make_organisation(system, name="Taken", identifier_scheme="GB-CHC", identifier="111")
    response = fclient.post(f"/manage/systems/{system.slug}/organisations/new/", data)
    assert response.status_code == 200
    html = text(response)
    assert message in html
    assert "nhsuk-error-summary" in html
    assert Organisation.objects.count() == 1


def test_an_organisation_cannot_serve_another_systems_place(fclient, system):
    elsewhere = make_place(make_system(), name="Elsewhere")
    response = fclient.post(
        f"/manage/systems/{system.slug}/organisations/new/",
        {"name": "X", "sector": "vcse", "places": [elsewhere.pk]},
    )
    assert "Select a valid choice" in text(response)
    assert not Organisation.objects.filter(name="X").exists()


def test_objects_of_another_system_cannot_be_reached_through_this_one(fclient, system):
    other_place = make_place(make_system())
    assert fclient.get(f"/manage/systems/{system.slug}/places/{other_place.pk}/edit/").status_code == 404
    assert fclient.post(f"/manage/systems/{system.slug}/places/{other_place.pk}/delete/").status_code == 404
    assert Place.objects.filter(pk=other_place.pk).exists()


# --- Facilitators -----------------------------------------------------------------------------------------------


def test_a_facilitator_adds_and_removes_another_facilitator_by_username(fclient, system):
    colleague = make_user(username="sam")
    url = f"/manage/systems/{system.slug}/facilitators/"
    assert fclient.post(url, {"username": "SAM"}).status_code == 302
    assert SystemRole.objects.filter(user=colleague, system=system).exists()
    html = text(fclient.post(url, {"username": "sam"}))
    assert "sam is already a facilitator of this system" in html
    html = text(fclient.post(url, {"username": "nobody"}))
    assert "There is no account with the username" in html
    fclient.post(f"{url}{colleague.pk}/remove/")
    assert not SystemRole.objects.filter(user=colleague).exists()
    assert list(AuditEntry.objects.filter(system=system).values_list("action", flat=True).order_by("id")) == [
        "system.add_facilitator",
        "system.remove_facilitator",
    ]


# --- Accounts ---------------------------------------------------------------------------------------------------


def test_an_administrator_creates_a_facilitator_account_with_a_one_time_password(client, system):
    client.force_login(make_admin())
    response = client.post(
        "/manage/accounts/",
        {
            "username": "asha.patel",
            "full_name": "Asha Patel",
            "email": "asha@example.org",
            "system": system.pk,
        },
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = text(response)
    assert "The account asha.patel is created" in html
    password = html.split('id="one-time-password">')[1].split("<")[0]
    user = get_user_model().objects.get(username="asha.patel")
    assert user.check_password(password)
    assert user.get_full_name() == "Asha Patel"
    assert OneTimePassword.objects.filter(user=user).exists()
    assert SystemRole.objects.filter(user=user, system=system).exists()
    assert password not in str(list(AuditEntry.objects.values_list("after", flat=True)))
    # The password is never shown again.
    assert password not in text(client.get("/manage/accounts/"))


def test_account_errors(client):
    client.force_login(make_admin())
    make_user(username="taken")
    html = text(client.post("/manage/accounts/", {"username": "has space"}))
    assert "Use only letters, numbers" in html
    html = text(client.post("/manage/accounts/", {"username": "TAKEN"}))
    assert "The username &#x27;TAKEN&#x27; is taken" in html


def test_an_administrator_resets_a_password_and_can_stop_an_account_signing_in(client):
    admin = make_admin()
    client.force_login(admin)
    user = make_user(username="forgetful")
    html = text(client.post(f"/manage/accounts/{user.pk}/reset-password/"))
    password = html.split('id="one-time-password">')[1].split("<")[0]
    user.refresh_from_db()
    assert user.check_password(password) and not user.check_password(PASSWORD)
    assert OneTimePassword.objects.filter(user=user).exists()  # so the next sign-in asks for a new password
    client.post(f"/manage/accounts/{user.pk}/active/", {"active": "0"})
    user.refresh_from_db()
    assert not user.is_active
    response = client.post(f"/manage/accounts/{admin.pk}/active/", {"active": "0"})
    assert response.status_code == 409
    admin.refresh_from_db()
    assert admin.is_active


def test_only_administrators_manage_accounts(fclient):
    assert fclient.get("/manage/accounts/").status_code == 403
    assert fclient.post("/manage/accounts/", {"username": "sneaky"}).status_code == 403
    assert not get_user_model().objects.filter(username="sneaky").exists()


# --- API tokens -------------------------------------------------------------------------------------------------


def test_a_facilitator_creates_a_token_sees_it_once_and_revokes_it(fclient, facilitator):
    response = fclient.post("/manage/tokens/", {"name": "Reporting script"})
    html = text(response)
    raw = html.split('id="new-token">')[1].split("<")[0]
    token = ApiToken.objects.get(user=facilitator)
    assert token.token_hash == hash_token(raw) and raw.startswith(token.prefix)
    assert raw not in text(fclient.get("/manage/tokens/"))
    assert "Give the token a name" in text(fclient.post("/manage/tokens/", {"name": ""}))
    assert "already have a token called" in text(
        fclient.post("/manage/tokens/", {"name": "reporting script"})
    )
    fclient.post(f"/manage/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEntry.objects.filter(action="apitoken.revoke").exists()


def test_nobody_revokes_someone_elses_token(fclient):
    other = make_user()
    token, _ = ApiToken.issue(other, "theirs")
    assert fclient.post(f"/manage/tokens/{token.pk}/revoke/").status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None
