"""Role predicates shared by every app's ``permissions.require``.

Roles: administrator (a Django superuser), facilitator of a system (:class:`SystemRole`), moderator of a
conversation (:class:`ConversationModerator`), participant (a pseudonymous :class:`Participant`), anonymous.
"""

from __future__ import annotations

from typing import Any

from commonweal.core.errors import NotAuthenticated, PermissionDenied


def is_admin(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_superuser", False))


def is_facilitator(user: Any, system: Any) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if is_admin(user):
        return True
    from commonweal.systems.models import SystemRole

    return SystemRole.objects.filter(user=user, system=system, role=SystemRole.Role.FACILITATOR).exists()


def is_moderator(user: Any, conversation: Any) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if is_facilitator(user, conversation.system):
        return True
    from commonweal.conversations.models import ConversationModerator

    return ConversationModerator.objects.filter(user=user, conversation=conversation).exists()


def deny(user: Any, message: str | None = None) -> None:
    """Raise 401 for someone not signed in, 403 for someone signed in without the role."""
    if not getattr(user, "is_authenticated", False):
        raise NotAuthenticated(message or "Sign in as a facilitator or moderator to do this.")
    raise PermissionDenied(message)
