"""Who may do what to a system's map. One check, :func:`require`, that every facilitator page of this app calls:

- ``network.view`` (subject: the system): the network page, the map, "my part", interdependencies, joint work,
  survey rounds and their links, exports: facilitators of the system (and administrators).
- ``network.edit`` (subject: the system): open and close survey rounds, add, change or delete interdependencies
  and joint work, import relationships: facilitators of the system (and administrators).

Respondents and organisation leads have no account: the survey link of their organisation (a secret token of
:class:`~commonweal.network.models.SurveyInvitation`) is what lets them answer and read their organisation's
"my part" page; the views that take a token check it themselves (an unknown token is 404).
"""

from __future__ import annotations

from typing import Any

from commonweal.core.permissions import deny
from commonweal.systems.permissions import is_facilitator

ACTIONS = {"network.view", "network.edit"}

_MESSAGES = {
    "network.view": "Only the facilitators of this system can see its map. Ask one of them to add you.",
    "network.edit": "Only the facilitators of this system can change its map or its survey rounds.",
}


def can(actor: Any, action: str, subject: Any) -> bool:
    """Whether ``actor`` may do ``action`` to ``subject``: for showing or hiding links and buttons."""
    if action not in ACTIONS:
        raise ValueError(f"Unknown action {action!r}: add it to commonweal.network.permissions.")
    return bool(getattr(actor, "is_authenticated", False)) and is_facilitator(actor, subject.system)


def require(actor: Any, action: str, subject: Any) -> None:
    """Raise 401 or 403 (:mod:`commonweal.core.errors`) unless ``actor`` may do ``action`` to ``subject``."""
    if not can(actor, action, subject):
        deny(actor, _MESSAGES[action] if getattr(actor, "is_authenticated", False) else None)
