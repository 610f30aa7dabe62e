"""Passwords: an administrator's reset (a new one-time password, the account's sessions ended and its API tokens
revoked, since whoever knew the old password may have made a token with it) and a person's own change."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from commonweal.accounts.actions import do_change_password, do_reset_password
from commonweal.accounts.models import ApiToken, OneTimePassword
from commonweal.core import audit
from commonweal.core.models import AuditEntry
from tests.factories import (
    PASSWORD,
    make_admin,
    make_api_token,
    make_user,
)

pytestmark = pytest.mark.django_db


def _api_status(raw: str) -> int:
    return Client().get("/api/manage/systems", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code


def test_a_password_reset_revokes_the_accounts_api_tokens(client):
    admin = make_admin()
    forgetful, bystander = make_user(username="forgetful"), make_user(username="bystander")
    script, backup = make_api_token(forgetful, "Reporting script"), make_api_token(forgetful, "Backup")
    theirs = make_api_token(bystander)
    earlier = timezone.now() - timedelta(days=3)
    old = ApiToken.objects.create(
        user=forgetful, name="Old", token_hash="x" * 64, prefix="cw_old", revoked_at=earlier
    )
    assert _api_status(script) == 200 and _api_status(backup) == 200

    client.force_login(admin)
    response = client.post(f"/manage/accounts/{forgetful.pk}/reset-password/")

    assert response.status_code == 200
    assert _api_status(script) == 401 and _api_status(backup) == 401
    assert _api_status(theirs) == 200  # another person's tokens are untouched
    assert not ApiToken.objects.filter(user=forgetful, revoked_at__isnull=True).exists()
    old.refresh_from_db()
    assert old.revoked_at == earlier  # a token revoked before keeps the time it was revoked
    entry = AuditEntry.objects.get(action="account.reset_password")
    assert entry.after == {"username": "forgetful", "api_tokens_revoked": 2}


def test_a_password_reset_ends_the_accounts_other_sessions():
    admin, forgetful = make_admin(), make_user(username="forgetful")
    theirs = Client()
    assert theirs.post("/accounts/login/", {"username": "forgetful", "password": PASSWORD}).status_code == 302
    assert theirs.get("/manage/").status_code == 200
    do_reset_password(admin, forgetful)
    assert theirs.get("/manage/")["Location"].startswith("/accounts/login/")


def test_a_password_change_is_all_or_nothing(monkeypatch):
    user = make_user(username="careful")
    OneTimePassword.objects.create(user=user)

    def fail(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the audit log is unavailable")

    monkeypatch.setattr(audit, "record", fail)
    with pytest.raises(RuntimeError):
        do_change_password(user, "a brand new passphrase")
    user.refresh_from_db()
    assert user.check_password(PASSWORD)  # the old password still works: nothing was half done
    assert OneTimePassword.objects.filter(user=user).exists()
