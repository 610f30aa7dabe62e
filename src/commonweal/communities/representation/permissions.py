"""Who may see and change a system's baselines and a conversation's representation page:

- ``baseline.view``, ``baseline.import`` (subject: the system): the facilitators of the system (and
  administrators).
- ``representation.view`` (subject: a conversation): whoever may see its results (its moderators and its
  system's facilitators): the page shows what the results show, against the baselines.
"""

from __future__ import annotations

from typing import Any

from commonweal.conversations import permissions as conversation_permissions
from commonweal.core.permissions import deny
from commonweal.systems.permissions import is_facilitator

ACTIONS = {"baseline.view", "baseline.import", "representation.view"}

_MESSAGES = {
    "baseline.view": "Only the facilitators of this system can see its baselines. Ask one of them to add you.",
    "baseline.import": "Only the facilitators of this system can import its baselines.",
    "representation.view": "Only the moderators of this conversation and its system's facilitators can see who "
    "is taking part.",
}


def can(actor: Any, action: str, subject: Any) -> bool:
    """Whether ``actor`` may do ``action`` to ``subject``: for showing or hiding links and buttons."""
    if action not in ACTIONS:
        raise ValueError(
            f"Unknown action {action!r}: add it to commonweal.communities.representation.permissions."
        )
    if action == "representation.view":
        return conversation_permissions.can(actor, "conversation.view_results", subject)
    return bool(getattr(actor, "is_authenticated", False)) and is_facilitator(actor, subject)


def require(actor: Any, action: str, subject: Any) -> None:
    """Raise 401 or 403 (:mod:`commonweal.core.errors`) unless ``actor`` may do ``action`` to ``subject``."""
    if not can(actor, action, subject):
        deny(actor, _MESSAGES[action] if getattr(actor, "is_authenticated", False) else None)
