"""Who may do what to a system, its places, communities and organisations (accounts and API tokens: see
:mod:`commonweal.accounts.permissions`).

One check, :func:`require`, that every page and API endpoint of this app calls. The rules:

- ``system.list``: anyone signed in (each sees the systems they facilitate; administrators see all).
- ``system.create``: administrators only.
- ``system.view``, ``system.edit``, ``system.manage_people``: facilitators of that system (and administrators).
  ``system.edit`` covers its places, communities and organisations, and importing organisations.
"""

from __future__ import annotations

from typing import Any

from commonweal.core.permissions import deny, is_admin
from commonweal.systems.models import SystemRole


def is_facilitator(user: Any, system: Any) -> bool:
    """Whether ``user`` is a facilitator of ``system``; administrators count as facilitators of every system."""
    if not getattr(user, "is_authenticated", False):
        return False
    if is_admin(user):
        return True
    return SystemRole.objects.filter(user=user, system=system, role=SystemRole.Role.FACILITATOR).exists()


SYSTEM_ACTIONS = {"system.view", "system.edit", "system.manage_people"}
ADMIN_ACTIONS = {"system.create"}


def can(actor: Any, action: str, subject: Any = None) -> bool:
    """Whether ``actor`` may do ``action`` to ``subject``: for showing or hiding links and buttons."""
    if not getattr(actor, "is_authenticated", False):
        return False
    if action == "system.list":
        return True
    if action in ADMIN_ACTIONS:
        return is_admin(actor)
    if action in SYSTEM_ACTIONS:
        return subject is not None and is_facilitator(actor, subject.system)
    raise ValueError(f"Unknown action {action!r}: add it to commonweal.systems.permissions.")


_MESSAGES = {
    "system.create": "Only an administrator can create a system. Ask an administrator of this site.",
    "system.view": "You are not a facilitator of this system. Ask one of its facilitators to add you.",
    "system.edit": "Only the facilitators of this system can change it. Ask one of them to add you.",
    "system.manage_people": "Only the facilitators of this system can add or remove facilitators.",
}


def require(actor: Any, action: str, subject: Any = None) -> None:
    """Raise :class:`~commonweal.core.errors.NotAuthenticated` (401) or
    :class:`~commonweal.core.errors.PermissionDenied` (403) unless ``actor`` may do ``action`` to ``subject``."""
    if not can(actor, action, subject):
        deny(actor, _MESSAGES.get(action) if getattr(actor, "is_authenticated", False) else None)
