"""Refused requests (401, 403) leave an ``access.refused`` entry in the activity log, rate-limited per user or
address, so that probing is visible without flooding the log."""

from __future__ import annotations

import pytest
from django.test import Client

from commonweal.core.models import AuditEntry
from commonweal.core.refusals import LOGGED_PER_MINUTE
from tests.factories import make_api_token, make_conversation, make_facilitator, make_moderator, make_system

pytestmark = pytest.mark.django_db


def _refused():
    return AuditEntry.objects.filter(action="access.refused")


def test_a_refused_page_leaves_one_entry_in_that_systems_activity():
    mine, theirs = make_system(), make_system()
    user = make_facilitator(mine)
    client = Client(REMOTE_ADDR="203.0.113.7")
    client.force_login(user)
    url = f"/manage/systems/{theirs.slug}/activity/"
    assert client.get(url).status_code == 403
    entry = _refused().get()
    assert entry.actor == user
    assert entry.system == theirs
    assert entry.after == {
        "path": url,
        "method": "GET",
        "action": "systems:system_activity",
        "status": 403,
        "address": "203.0.113.7",
    }
    # The refused system's facilitators see it on their activity page.
    owner = Client()
    owner.force_login(make_facilitator(theirs))
    assert "access.refused" in owner.get(url).content.decode()


def test_a_hundred_refused_requests_leave_at_most_the_limit():
    theirs = make_system()
    client = Client()
    client.force_login(make_facilitator(make_system()))
    for _ in range(100):
        assert client.get(f"/manage/systems/{theirs.slug}/activity/").status_code == 403
    assert _refused().count() == LOGGED_PER_MINUTE


def test_refused_api_calls_are_recorded_for_the_token_and_for_an_address_without_one():
    conversation = make_conversation(make_system())
    moderator = make_moderator(conversation)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {make_api_token(moderator)}"}
    url = f"/api/manage/conversations/{conversation.slug}/exports/polis"
    assert Client().get(url, **headers).status_code == 403
    assert Client(REMOTE_ADDR="198.51.100.9").get(url).status_code == 401
    by_token, anonymous = _refused().order_by("id")
    assert by_token.actor == moderator and by_token.system == conversation.system
    assert by_token.after["status"] == 403
    assert anonymous.actor is None and anonymous.actor_label == "system"
    assert (anonymous.after["status"], anonymous.after["address"]) == (401, "198.51.100.9")
