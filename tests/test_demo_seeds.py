"""The demo is composed of each app's seeds, written through that app's actions: the demo's system is in the audit
log as a facilitator's would be, and the demo's accounts sign in with the printed password, as often as needed."""

from __future__ import annotations

import pytest
from django.urls import reverse

from commonweal import demo
from commonweal.accounts.models import OneTimePassword
from commonweal.core.models import AuditEntry
from commonweal.systems.models import Community, Organisation, Place, System

pytestmark = pytest.mark.django_db


def _password(data_dir, username: str) -> str:
    for line in (data_dir / demo.LOGIN_FILE_NAME).read_text().splitlines():
        if f": {username} / " in line:
            return line.split(" / ", 1)[1].split("  (")[0]
    raise AssertionError(f"no login line for {username}")


def test_the_demo_system_is_written_through_the_systems_actions(loaded_demo):
    system = System.objects.get(slug="riverside")
    actions = list(AuditEntry.objects.filter(system=system).values_list("action", flat=True))
    assert actions.count("place.create") == Place.objects.filter(system=system).count() == 4
    assert actions.count("community.create") == Community.objects.filter(system=system).count()
    assert actions.count("organisation.create") == Organisation.objects.filter(system=system).count()
    assert actions.count("system.add_facilitator") == 1


@pytest.mark.real_password_hashing
def test_the_demo_accounts_keep_the_printed_password(client, loaded_demo):
    assert not OneTimePassword.objects.exists()
    for username in ("facilitator", "admin"):
        response = client.post(
            reverse("login"),
            {"username": username, "password": _password(loaded_demo.data_dir, username), "next": "/"},
        )
        # Signed in and sent on, not asked to choose a new password first.
        assert response.status_code == 302
        assert response["Location"] == "/"
        client.logout()
