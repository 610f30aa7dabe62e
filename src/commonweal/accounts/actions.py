"""Use cases of accounts: creating an account, passwords (one-time, changed, reset), stopping an account, signing
in and out, and API tokens.

Views and API endpoints parse input and check permissions, then call one of these. ``do_*`` functions change
the database atomically and write the audit log in the same transaction; ``check_*`` functions validate input
against the data already there (raising :class:`~commonweal.core.errors.InvalidInput` with the fields at fault)
and then call the matching ``do_*``.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from commonweal.accounts import lockout
from commonweal.accounts.models import ApiToken, OneTimePassword
from commonweal.core import audit
from commonweal.core.errors import Conflict, field_error

User = get_user_model()

# No 0/O, 1/l/I: a one-time password is read off a screen and typed by someone else.
_PASSWORD_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"


def generate_password() -> str:
    """A one-time password of four groups of four characters that are hard to misread (about 92 bits)."""
    groups = ["".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(4)) for _ in range(4)]
    return "-".join(groups)


# --- Accounts -----------------------------------------------------------------------------------------------


def check_create_account(
    actor: Any, *, username: str, full_name: str = "", email: str = "", is_administrator: bool = False
) -> tuple[Any, str]:
    """Create an account after checking its username is given and not taken (in any case)."""
    username = username.strip()
    if not username:
        raise field_error("username", "Enter a username")
    if User.objects.filter(username__iexact=username).exists():
        raise field_error("username", f"The username '{username}' is taken: choose another")
    return do_create_account(
        actor, username=username, full_name=full_name, email=email, is_administrator=is_administrator
    )


def do_create_account(
    actor: Any,
    *,
    username: str,
    full_name: str = "",
    email: str = "",
    is_administrator: bool = False,
    one_time: bool = True,
) -> tuple[Any, str]:
    """Create an account with a generated one-time password, returned here and never stored in clear.

    The account is marked (:class:`~commonweal.accounts.models.OneTimePassword`) so that its first sign-in asks
    for a password of the owner's own before anything else. The demo's accounts (``one_time=False``) keep the
    generated password: it is written to the data folder for the person who loaded the demo, and
    ``commonweal serve`` shows it again, so it must go on working.
    """
    password = generate_password()
    first, _, last = full_name.strip().partition(" ")
    with transaction.atomic():
        user = User.objects.create_user(
            username=username, email=email.strip(), password=password, first_name=first, last_name=last
        )
        if is_administrator:
            user.is_superuser = True
            user.is_staff = True
            user.save(update_fields=["is_superuser", "is_staff"])
        if one_time:
            OneTimePassword.objects.create(user=user)
        audit.record(
            actor, "account.create", user, after={"username": username, "administrator": is_administrator}
        )
    return user, password


def do_reset_password(actor: Any, user: Any) -> str:
    """Give an account a new one-time password (returned once), end its sessions elsewhere and revoke its API
    tokens: whoever knew the old password may have made a token with it."""
    password = generate_password()
    with transaction.atomic():
        # Changing the password changes the session hash Django checks, which ends the account's sessions.
        user.set_password(password)
        user.save(update_fields=["password"])
        # The next sign-in asks for a new password, as for a new account.
        OneTimePassword.objects.update_or_create(user=user)
        revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        audit.record(
            actor,
            "account.reset_password",
            user,
            after={"username": user.username, "api_tokens_revoked": revoked},
        )
    return password


def do_set_account_active(actor: Any, user: Any, active: bool) -> None:
    """Let an account sign in again, or stop it (not your own: another administrator must do that)."""
    if actor.pk == user.pk and not active:
        raise Conflict("You cannot deactivate your own account. Ask another administrator.")
    with transaction.atomic():
        before = {"active": user.is_active}
        user.is_active = active
        user.save(update_fields=["is_active"])
        audit.record(
            actor,
            "account.activate" if active else "account.deactivate",
            user,
            before=before,
            after={"active": active},
        )


# --- Signing in and passwords -------------------------------------------------------------------------------


def do_sign_in(user: Any, *, username: str, ip: str | None) -> bool:
    """Record a successful sign-in: clear the username's failures and audit it. Returns whether the account
    still has an administrator-issued password, which its owner must replace before anything else."""
    with transaction.atomic():
        lockout.clear_failures(username)
        audit.record(user, "account.signed_in", user, after={"ip": ip})
        return OneTimePassword.objects.filter(user=user).exists()


def do_sign_out(user: Any) -> None:
    """Record that ``user`` signed out (the session itself is ended by the view)."""
    audit.record(user, "account.signed_out", user)


def do_change_password(user: Any, new_password: str) -> None:
    """Set the password its owner chose (already checked by the form's validators) and drop the mark of an
    administrator-issued one, together."""
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        OneTimePassword.objects.filter(user=user).delete()
        audit.record(user, "account.password_changed", user)


# --- API tokens ---------------------------------------------------------------------------------------------


def check_issue_api_token(actor: Any, name: str) -> tuple[ApiToken, str]:
    """Issue a token after checking its name is given, short enough and not one of the actor's live tokens."""
    name = " ".join(name.split())
    if not name:
        raise field_error(
            "name", "Give the token a name that says where it will be used, such as 'Reporting script'"
        )
    if len(name) > 100:
        raise field_error("name", "Keep the name to 100 characters or fewer")
    if ApiToken.objects.filter(user=actor, name__iexact=name, revoked_at__isnull=True).exists():
        raise field_error("name", f"You already have a token called '{name}': choose another name")
    return do_issue_api_token(actor, name)


def do_issue_api_token(actor: Any, name: str) -> tuple[ApiToken, str]:
    """Issue a bearer token for the facilitator API. The raw token is returned once; only its hash is kept."""
    with transaction.atomic():
        token, raw = ApiToken.issue(actor, name)
        audit.record(actor, "apitoken.issue", token, after={"name": name, "prefix": token.prefix})
    return token, raw


def do_revoke_api_token(actor: Any, token: ApiToken) -> ApiToken:
    """Revoke a token: it stops working at once and stays listed as revoked."""
    if token.revoked_at is not None:
        raise Conflict("That token is already revoked.")
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(actor, "apitoken.revoke", token, before={"revoked": False}, after={"revoked": True})
    return token
