"""Who may manage accounts and API tokens.

One check, :func:`require`, that every page of this app (and the systems app's accounts page) calls. The rules:

- ``account.manage``: administrators only (create accounts, reset passwords, stop or restore an account).
- ``apitoken.manage``: signed-in people, for their own tokens only (the subject is the token's owner).
"""

from __future__ import annotations

from typing import Any

from commonweal.core.permissions import deny, is_admin

_MESSAGES = {
    "account.manage": "Only an administrator can create accounts or reset passwords.",
    "apitoken.manage": "You can manage only your own API tokens.",
}


def can(actor: Any, action: str, subject: Any = None) -> bool:
    """Whether ``actor`` may do ``action`` to ``subject``: for showing or hiding links and buttons."""
    if not getattr(actor, "is_authenticated", False):
        return False
    if action == "account.manage":
        return is_admin(actor)
    if action == "apitoken.manage":
        return subject is not None and subject.pk == actor.pk
    raise ValueError(f"Unknown action {action!r}: add it to commonweal.accounts.permissions.")


def require(actor: Any, action: str, subject: Any = None) -> None:
    """Raise :class:`~commonweal.core.errors.NotAuthenticated` (401) or
    :class:`~commonweal.core.errors.PermissionDenied` (403) unless ``actor`` may do ``action`` to ``subject``."""
    if not can(actor, action, subject):
        deny(actor, _MESSAGES.get(action) if getattr(actor, "is_authenticated", False) else None)
