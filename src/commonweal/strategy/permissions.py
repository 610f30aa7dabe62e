"""Who may do what to a system's strategy. One check, :func:`require`, that every facilitator page calls:

- ``strategy.view`` (subject: the system): the strategy page, aims, commitments, the participation dashboard and
  the strategy report: facilitators of the system (and administrators).
- ``strategy.edit`` (subject: the system): draft, change and move aims through their statuses, add and change
  commitments and progress for any organisation, post updates to participants, publish the accountability page.

Organisation leads have no account: their organisation's survey link (the secret token of
:class:`~commonweal.network.models.SurveyInvitation`, the same one as for the survey and "my part") lets them add
and update their own organisation's commitments; the views that take a token check it themselves (an unknown
token is 404, another organisation's commitment is 404 too). The public accountability page is open to anyone
once the system's facilitators publish it.
"""

from __future__ import annotations

from typing import Any

from commonweal.core.permissions import deny
from commonweal.systems.permissions import is_facilitator

ACTIONS = {"strategy.view", "strategy.edit"}

_MESSAGES = {
    "strategy.view": "Only the facilitators of this system can see its strategy. Ask one of them to add you.",
    "strategy.edit": "Only the facilitators of this system can change its aims and commitments.",
}


def can(actor: Any, action: str, subject: Any) -> bool:
    """Whether ``actor`` may do ``action`` to ``subject`` (a system): for showing or hiding links and buttons."""
    if action not in ACTIONS:
        raise ValueError(f"Unknown action {action!r}: add it to commonweal.strategy.permissions.")
    return bool(getattr(actor, "is_authenticated", False)) and is_facilitator(actor, subject)


def require(actor: Any, action: str, subject: Any) -> None:
    """Raise 401 or 403 (:mod:`commonweal.core.errors`) unless ``actor`` may do ``action`` to ``subject``."""
    if not can(actor, action, subject):
        deny(actor, _MESSAGES[action] if getattr(actor, "is_authenticated", False) else None)
