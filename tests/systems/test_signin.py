"""Signing in: the page, Argon2, lock-out after repeated failures (per username and per address), the audit log,
the one-time password of a new account, and the pages that need a signed-in facilitator."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client, override_settings
from django.utils import timezone

from commonweal.accounts.models import LoginFailure, OneTimePassword
from commonweal.core.models import AuditEntry
from tests.factories import (
    PASSWORD,
    make_admin,
    make_facilitator,
    make_system,
    make_user,
)

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def post_login(client: Client, username: str, password: str, ip: str = "10.0.0.1", **extra: str):
    return client.post(LOGIN, {"username": username, "password": password, **extra}, REMOTE_ADDR=ip)


def test_the_sign_in_page_has_labelled_fields_and_no_error_at_first(client):
    response = client.get(LOGIN)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<label class="nhsuk-label nhsuk-label--s" for="id_username">Username</label>' in html
    assert 'for="id_password"' in html
    assert 'autocomplete="current-password"' in html
    assert "nhsuk-error-summary" not in html


def test_passwords_are_hashed_with_argon2(settings):
    from commonweal import settings as project_settings

    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    user = make_user()
    assert user.password.startswith("argon2")


def test_a_facilitator_signs_in_and_lands_on_their_systems(client):
    system = make_system(name="Riverside")
    user = make_facilitator(system, username="asha")
    response = post_login(client, "asha", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/manage/"
    page = client.get("/manage/")
    assert "Riverside" in page.content.decode()
    assert AuditEntry.objects.filter(action="account.signed_in", actor=user).exists()


def test_sign_in_returns_to_the_page_asked_for_but_never_to_another_site(client):
    make_user(username="asha")
    response = post_login(client, "asha", PASSWORD, next="/manage/tokens/")
    assert response["Location"] == "/manage/tokens/"
    client.post("/accounts/logout/")
    response = post_login(client, "asha", PASSWORD, next="https://evil.example/")
    assert response["Location"] == "/manage/"


def test_a_wrong_password_shows_an_error_summary_and_keeps_the_username(client):
    make_user(username="asha")
    response = post_login(client, "asha", "wrong password")
    assert response.status_code == 200
    html = response.content.decode()
    assert "nhsuk-error-summary" in html
    assert "The username or password is not right" in html
    assert 'value="asha"' in html
    assert "wrong password" not in html  # a password is never echoed back
    assert "<title>Error: Sign in" in html


def test_empty_fields_are_reported_by_name(client):
    response = client.post(LOGIN, {"username": "", "password": ""})
    html = response.content.decode()
    assert '<a href="#id_username">Enter your username</a>' in html
    assert '<a href="#id_password">Enter your password</a>' in html
    assert LoginFailure.objects.count() == 0  # not an attempt at a password


@override_settings(LOGIN_MAX_FAILURES=3, LOGIN_LOCKOUT_MINUTES=15)
def test_repeated_failures_lock_the_username_out_with_a_clear_message_and_an_audit_entry(client):
    make_user(username="asha")
    for _ in range(2):
        assert post_login(client, "asha", "nope").status_code == 200
    response = post_login(client, "asha", "nope")
    assert response.status_code == 429
    html = response.content.decode()
    assert "Signing in is paused" in html
    assert "Wait 15 minutes" in html
    assert int(response["Retry-After"]) > 14 * 60
    entry = AuditEntry.objects.get(action="account.locked_out")
    assert entry.after["username"] == "asha" and entry.after["by"] == "username"

    # Even the right password is refused while locked out, and the attempt is not counted.
    response = post_login(client, "asha", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert LoginFailure.objects.filter(username="asha").count() == 3


@override_settings(LOGIN_MAX_FAILURES=3, LOGIN_LOCKOUT_MINUTES=15)
def test_the_lock_out_ignores_the_case_of_the_username(client):
    make_user(username="asha")
    for name in ("asha", "ASHA", "Asha"):
        post_login(client, name, "nope")
    assert post_login(client, "asha", PASSWORD).status_code == 429


@override_settings(LOGIN_MAX_FAILURES=3, LOGIN_LOCKOUT_MINUTES=15)
def test_the_lock_out_ends_after_the_lockout_period(client):
    make_user(username="asha")
    for _ in range(3):
        post_login(client, "asha", "nope")
    LoginFailure.objects.update(at=timezone.now() - timedelta(minutes=16))
    response = post_login(client, "asha", PASSWORD)
    assert response.status_code == 302


@override_settings(LOGIN_MAX_FAILURES=3, LOGIN_LOCKOUT_MINUTES=15)
def test_failures_older_than_the_period_do_not_count(client):
    make_user(username="asha")
    post_login(client, "asha", "nope")
    post_login(client, "asha", "nope")
    LoginFailure.objects.update(at=timezone.now() - timedelta(minutes=20))
    assert post_login(client, "asha", "nope").status_code == 200
    assert post_login(client, "asha", PASSWORD).status_code == 302


@override_settings(LOGIN_MAX_FAILURES=3, LOGIN_LOCKOUT_MINUTES=15)
def test_a_successful_sign_in_clears_the_usernames_failures(client):
    make_user(username="asha")
    post_login(client, "asha", "nope")
    post_login(client, "asha", "nope")
    assert post_login(client, "asha", PASSWORD).status_code == 302
    assert not LoginFailure.objects.filter(username="asha").exists()
    client.post("/accounts/logout/")
    post_login(client, "asha", "nope")
    post_login(client, "asha", "nope")
    assert post_login(client, "asha", PASSWORD).status_code == 302


@override_settings(LOGIN_MAX_FAILURES=3, LOGIN_LOCKOUT_MINUTES=15)
def test_one_address_trying_many_usernames_is_locked_out(client):
    make_user(username="asha")
    for name in ("bob", "carol", "dev"):
        post_login(client, name, "guess", ip="10.9.9.9")
    response = post_login(client, "asha", PASSWORD, ip="10.9.9.9")
    assert response.status_code == 429
    assert "this network address" in response.content.decode()
    # Someone else, elsewhere, is not affected.
    assert post_login(Client(), "asha", PASSWORD, ip="10.0.0.2").status_code == 302


@override_settings(LOGIN_MAX_FAILURES=3, LOGIN_LOCKOUT_MINUTES=15)
def test_the_lock_out_is_shared_through_the_database_by_every_app_server():
    make_user(username="asha")
    # Two clients stand for two app servers: the only state they share is the database.
    for _ in range(3):
        post_login(Client(), "asha", "nope", ip="10.0.0.5")
    assert post_login(Client(), "asha", PASSWORD, ip="10.0.0.6").status_code == 429


def test_an_inactive_account_cannot_sign_in(client):
    make_user(username="gone", is_active=False)
    response = post_login(client, "gone", PASSWORD)
    assert response.status_code == 200
    assert "The username or password is not right" in response.content.decode()


def test_a_new_account_must_choose_its_own_password_before_anything_else(client):
    admin = make_admin()
    from commonweal.accounts.actions import do_create_account

    _, one_time = do_create_account(admin, username="newbie")
    response = post_login(client, "newbie", one_time)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/password/")
    # Every facilitator page sends them back to choose a password.
    assert client.get("/manage/")["Location"].startswith("/accounts/password/")
    page = client.get(response["Location"])
    assert "works only once" in page.content.decode()

    bad = client.post(
        "/accounts/password/",
        {"current_password": one_time, "new_password": "short", "new_password_again": "short"},
    )
    assert "too short" in bad.content.decode()
    mismatch = client.post(
        "/accounts/password/",
        {"current_password": one_time, "new_password": "a long new phrase 42", "new_password_again": "other"},
    )
    assert "The two new passwords are different" in mismatch.content.decode()
    done = client.post(
        "/accounts/password/",
        {
            "current_password": one_time,
            "new_password": "a long new phrase 42",
            "new_password_again": "a long new phrase 42",
        },
    )
    assert done.status_code == 302
    assert client.get("/manage/").status_code == 200
    user = get_user_model().objects.get(username="newbie")
    assert user.check_password("a long new phrase 42")
    assert not OneTimePassword.objects.filter(user=user).exists()
    assert AuditEntry.objects.filter(action="account.password_changed", actor=user).exists()


def test_an_account_that_signed_in_before_or_was_made_on_the_command_line_is_not_asked(client):
    make_user(username="plain")
    assert post_login(client, "plain", PASSWORD)["Location"] == "/manage/"


def test_anonymous_visitors_are_sent_to_sign_in_and_brought_back(client):
    response = client.get("/manage/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/manage/"


def test_signing_out_needs_a_post_and_ends_the_session(client):
    make_user(username="asha")
    post_login(client, "asha", PASSWORD)
    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get("/manage/").status_code == 302


def test_the_sign_in_form_is_protected_against_cross_site_posts():
    make_user(username="asha")
    client = Client(enforce_csrf_checks=True)
    response = client.post(LOGIN, {"username": "asha", "password": PASSWORD})
    assert response.status_code == 403


def test_an_htmx_request_after_the_session_ended_sends_the_whole_page_to_sign_in(client):
    response = client.get(
        "/manage/conversations/abc/dashboard/live/",
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver/manage/conversations/abc/dashboard/",
    )
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith("/accounts/login/?next=")
    assert "dashboard" in response["HX-Redirect"]


def test_failures_too_old_to_count_are_cleared_away(client):
    LoginFailure.objects.create(username="old", ip="10.0.0.1", at=timezone.now() - timedelta(days=2))
    post_login(client, "someone", "wrong")
    assert list(LoginFailure.objects.values_list("username", flat=True)) == ["someone"]
