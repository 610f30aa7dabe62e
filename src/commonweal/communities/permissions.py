"""Who may do what to a system's community assets. One check, :func:`require`, that every page and endpoint of
this app calls:

- ``asset.view`` (subject: the system): the register, each asset's page, the map, the exports and the mapping
  links with their QR codes: facilitators of the system (and administrators).
- ``asset.edit`` (subject: the system): add, change and delete assets, import an Open Referral UK file, turn a
  mapping link on or off: facilitators of the system (and administrators).
- ``asset.moderate`` (subject: the system): accept or reject assets residents added: facilitators of the system.
- ``community.view`` (subject: the system): a community's page (its groups, interdependencies, assets and who
  took part): facilitators of the system (and administrators).

Residents have no account: the system's (or a place's) mapping link is what lets them add an asset, and what
they add waits for moderation; the views that take the link's token check it themselves (an unknown or closed
link is 404).
"""

from __future__ import annotations

from typing import Any

from commonweal.core.permissions import deny
from commonweal.systems.permissions import is_facilitator

ACTIONS = {"asset.view", "asset.edit", "asset.moderate", "community.view"}

_MESSAGES = {
    "asset.view": "Only the facilitators of this system can see its asset register. Ask one of them to add you.",
    "asset.edit": "Only the facilitators of this system can change its asset register.",
    "asset.moderate": "Only the facilitators of this system can moderate the assets residents add.",
    "community.view": "Only the facilitators of this system can see its communities' pages. Ask one of them to add you.",
}


def can(actor: Any, action: str, subject: Any) -> bool:
    """Whether ``actor`` may do ``action`` to ``subject``: for showing or hiding links and buttons."""
    if action not in ACTIONS:
        raise ValueError(f"Unknown action {action!r}: add it to commonweal.communities.permissions.")
    return bool(getattr(actor, "is_authenticated", False)) and is_facilitator(actor, subject.system)


def require(actor: Any, action: str, subject: Any) -> None:
    """Raise 401 or 403 (:mod:`commonweal.core.errors`) unless ``actor`` may do ``action`` to ``subject``."""
    if not can(actor, action, subject):
        deny(actor, _MESSAGES[action] if getattr(actor, "is_authenticated", False) else None)
