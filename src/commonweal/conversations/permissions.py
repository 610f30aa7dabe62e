"""Who may do what to a conversation on the facilitator's side.

One check, :func:`require`, that every facilitator and moderator page and API endpoint of this app calls:

- ``conversation.create`` (subject: the system): facilitators of the system (and administrators).
- ``conversation.edit``, ``conversation.change_status`` (open, close, reopen), ``conversation.seed`` (add seed
  statements), ``conversation.manage_moderators``, ``conversation.erase_participant`` (erase a participant's data
  on their request): facilitators of the conversation's system.
- ``conversation.view`` (its facilitator page and QR code), ``conversation.moderate``,
  ``conversation.view_dashboard``, ``conversation.view_results`` (results, present mode): moderators of that conversation, and its system's facilitators.

Participants have no account: what they may do depends on the conversation's state (open or not), which the
participant actions check themselves.
"""

from __future__ import annotations

from typing import Any

from commonweal.conversations.models import ConversationModerator
from commonweal.core.permissions import deny
from commonweal.systems.permissions import is_facilitator


def is_moderator(user: Any, conversation: Any) -> bool:
    """Whether ``user`` moderates ``conversation``: its moderators, and its system's facilitators."""
    if not getattr(user, "is_authenticated", False):
        return False
    if is_facilitator(user, conversation.system):
        return True
    return ConversationModerator.objects.filter(user=user, conversation=conversation).exists()


FACILITATOR_ACTIONS = {
    "conversation.edit",
    "conversation.change_status",
    "conversation.seed",
    "conversation.manage_moderators",
    "conversation.erase_participant",
}
MODERATOR_ACTIONS = {
    "conversation.view",
    "conversation.moderate",
    "conversation.view_dashboard",
    "conversation.view_results",
}

_MESSAGES = {
    "conversation.create": "Only the facilitators of this system can start a conversation in it.",
    "conversation.edit": "Only the facilitators of this system can change this conversation.",
    "conversation.change_status": "Only the facilitators of this system can open or close this conversation.",
    "conversation.seed": "Only the facilitators of this system can add seed statements.",
    "conversation.manage_moderators": "Only the facilitators of this system can add or remove moderators.",
    "conversation.erase_participant": "Only the facilitators of this system can erase a participant's data.",
    "conversation.view": "You are not a moderator of this conversation. Ask a facilitator of its system to add you.",
    "conversation.moderate": "You are not a moderator of this conversation. Ask a facilitator to add you.",
    "conversation.view_dashboard": "Only this conversation's moderators and facilitators can see its dashboard.",
    "conversation.view_results": "Only this conversation's moderators and facilitators can see its results.",
}


def can(actor: Any, action: str, subject: Any) -> bool:
    """Whether ``actor`` may do ``action`` to ``subject``: for showing or hiding links and buttons."""
    if not getattr(actor, "is_authenticated", False):
        return False
    if action == "conversation.create":
        return is_facilitator(actor, subject.system)
    if action in FACILITATOR_ACTIONS:
        return is_facilitator(actor, subject.system)
    if action in MODERATOR_ACTIONS:
        return is_moderator(actor, subject)
    raise ValueError(f"Unknown action {action!r}: add it to commonweal.conversations.permissions.")


def require(actor: Any, action: str, subject: Any) -> None:
    """Raise :class:`~commonweal.core.errors.NotAuthenticated` (401) or
    :class:`~commonweal.core.errors.PermissionDenied` (403) unless ``actor`` may do ``action`` to ``subject``."""
    if not can(actor, action, subject):
        deny(actor, _MESSAGES.get(action) if getattr(actor, "is_authenticated", False) else None)
