"""Who may do what with a system's pulse. One check, :func:`require`, that every facilitator page and API
operation of this app calls:

- ``pulse.view`` (subject: the system): rounds, their links, results, the CSV export and the moderation queue:
  facilitators of the system (and administrators).
- ``pulse.edit`` (subject: the system): create rounds, edit a draft's wording, open, close and reopen rounds,
  accept or reject "what would help" answers: facilitators of the system (and administrators).

Respondents have no account: a round's public link or an organisation's link (secret tokens) lets them answer;
the respondent's view checks the token itself (an unknown token is 404).
"""

from __future__ import annotations

from typing import Any

from commonweal.core.permissions import deny
from commonweal.systems.permissions import is_facilitator

ACTIONS = {"pulse.view", "pulse.edit"}

_MESSAGES = {
    "pulse.view": "Only the facilitators of this system can see its pulse. Ask one of them to add you.",
    "pulse.edit": "Only the facilitators of this system can change its pulse rounds.",
}


def can(actor: Any, action: str, subject: Any) -> bool:
    """Whether ``actor`` may do ``action`` to ``subject``: for showing or hiding links and buttons."""
    if action not in ACTIONS:
        raise ValueError(f"Unknown action {action!r}: add it to commonweal.pulse.permissions.")
    return bool(getattr(actor, "is_authenticated", False)) and is_facilitator(actor, subject.system)


def require(actor: Any, action: str, subject: Any) -> None:
    """Raise 401 or 403 (:mod:`commonweal.core.errors`) unless ``actor`` may do ``action`` to ``subject``."""
    if not can(actor, action, subject):
        deny(actor, _MESSAGES[action] if getattr(actor, "is_authenticated", False) else None)
