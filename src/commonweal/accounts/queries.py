"""Read-only lookups of accounts and API tokens, each with the one message a person sees when it finds nothing."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from commonweal.accounts.models import ApiToken
from commonweal.core.errors import NotFound, field_error


def get_account(pk: int) -> Any:
    """The account with this id, active or not; :class:`NotFound` when there is none."""
    user = get_user_model().objects.filter(pk=pk).first()
    if user is None:
        raise NotFound("There is no such account.")
    return user


def account_named(username: str) -> Any | None:
    """The account with exactly this username, active or not; None when there is none."""
    return get_user_model().objects.filter(username=username).first()


def find_account(username: str, *, field: str = "username") -> Any:
    """The active account with this username (in any case), for adding a person to a system or conversation.

    Raises :class:`~commonweal.core.errors.InvalidInput` on ``field`` when the username is empty or unknown.
    """
    username = username.strip()
    if not username:
        raise field_error(field, "Enter the person's username")
    user = get_user_model().objects.filter(username__iexact=username, is_active=True).first()
    if user is None:
        raise field_error(
            field,
            f"There is no account with the username '{username}'. Check the spelling, or ask an administrator "
            "to create the account first.",
        )
    return user


def get_api_token(pk: int) -> ApiToken:
    """The token with this id, with its owner; :class:`NotFound` when there is none."""
    token = ApiToken.objects.filter(pk=pk).select_related("user").first()
    if token is None:
        raise NotFound("There is no such token.")
    return token


def api_tokens_of(user: Any) -> QuerySet[ApiToken]:
    """A person's tokens, live ones first, newest first."""
    return ApiToken.objects.filter(user=user).order_by("revoked_at", "-created_at")
