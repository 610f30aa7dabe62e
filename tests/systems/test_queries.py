"""The system and account lookups: each says the same thing on every page and endpoint that uses it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from commonweal.accounts.queries import find_account, get_account
from commonweal.core.errors import CommonwealError, InvalidInput, NotFound
from commonweal.systems.queries import get_system
from tests.factories import (
    make_admin,
    make_api_token,
    make_conversation,
    make_system,
    make_user,
)

pytestmark = pytest.mark.django_db


def _message(call: Callable[[], object], error: type[CommonwealError] = NotFound) -> str:
    with pytest.raises(error) as caught:
        call()
    return caught.value.message


def _page_text(response) -> str:
    return response.content.decode().replace("&#x27;", "'")


def test_a_missing_system_reads_the_same_on_every_page_and_endpoint(client):
    admin = make_admin()
    client.force_login(admin)
    message = _message(lambda: get_system("nosuch"))
    assert "There is no system at this address" in message
    for path in [
        "/manage/systems/nosuch/",
        "/manage/systems/nosuch/places/",
        "/manage/systems/nosuch/network/map/",
        "/manage/conversations/new/nosuch/",
    ]:
        response = client.get(path)
        assert response.status_code == 404, path
        assert message in _page_text(response), path
    response = Client().get(
        "/api/manage/systems/nosuch", HTTP_AUTHORIZATION=f"Bearer {make_api_token(admin)}"
    )
    assert response.status_code == 404
    assert response.json()["error"]["message"] == message


def test_a_missing_account_reads_the_same_everywhere(client):
    client.force_login(make_admin())
    system = make_system()
    conversation = make_conversation(system)
    message = _message(lambda: get_account(999_999))
    for path in [
        "/manage/accounts/999999/reset-password/",
        "/manage/accounts/999999/active/",
        f"/manage/systems/{system.slug}/facilitators/999999/remove/",
        f"/manage/conversations/{conversation.slug}/moderators/999999/remove/",
    ]:
        response = client.post(path)
        assert response.status_code == 404, path
        assert message in _page_text(response), path


def test_adding_an_unknown_person_reads_the_same_for_facilitators_and_moderators(client):
    client.force_login(make_admin())
    make_user(username="gone", is_active=False)
    system = make_system()
    conversation = make_conversation(system)
    for typed in ("nobody", "gone"):
        message = _message(lambda typed=typed: find_account(typed), InvalidInput)
        assert message.startswith(f"There is no account with the username '{typed}'")
        for path in [
            f"/manage/systems/{system.slug}/facilitators/",
            f"/manage/conversations/{conversation.slug}/moderators/",
        ]:
            assert message in _page_text(client.post(path, {"username": typed})), path


def test_a_person_is_found_by_username_in_any_case():
    sam = make_user(username="Sam")
    assert find_account("  sAM ") == sam
    assert "Enter the person's username" in _message(lambda: find_account("   "), InvalidInput)
