"""What every app's ``permissions.require`` shares: who is an administrator, and the refusal (401 or 403).

Roles: administrator (a Django superuser, :func:`is_admin`), facilitator of a system
(:func:`commonweal.systems.permissions.is_facilitator`), moderator of a conversation
(:func:`commonweal.conversations.permissions.is_moderator`), participant (pseudonymous, no account), anonymous.
Each predicate lives with the model it reads, so this lowest layer imports no app.
"""

from __future__ import annotations

from typing import Any

from commonweal.core.errors import NotAuthenticated, PermissionDenied


def is_admin(user: Any) -> bool:
    """Whether ``user`` is signed in as an administrator of the site (a superuser)."""
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_superuser", False))


def deny(user: Any, message: str | None = None) -> None:
    """Raise 401 for someone not signed in, 403 for someone signed in without the role."""
    if not getattr(user, "is_authenticated", False):
        raise NotAuthenticated(message or "Sign in as a facilitator or moderator to do this.")
    raise PermissionDenied(message)
