"""Who may do what with a conversation's report and its exports. One check, :func:`require`:

- ``report.view`` (subject: the conversation): its report page and PDF: the conversation's moderators and its
  system's facilitators (and administrators).
- ``report.share`` (subject: the conversation): create and revoke secret report links: facilitators.
- ``export.download`` (subject: the conversation): the published exports, the analysis JSON and the per-statement
  CSV, every count through the disclosure layer: facilitators.
- ``conversation.export_raw`` (subject: the conversation): the raw exports, the Pol.is zip and the raw analysis
  JSON, which hold every pseudonymous participant's votes and small numbers: facilitators only, each download
  recorded in the audit log as ``export.download_raw``. A permission of its own, so that it can be withheld from
  a role that may have the published exports.
- ``conversation.import`` (subject: the system): import a Pol.is export as a new conversation: facilitators.

A board member has no account: a report link's secret token is what lets them read the report; the views that
take a token check it themselves (an unknown or revoked token is 404).
"""

from __future__ import annotations

from typing import Any

from commonweal.conversations.permissions import is_moderator
from commonweal.core.permissions import deny
from commonweal.systems.permissions import is_facilitator

FACILITATOR_ACTIONS = {"report.share", "export.download", "conversation.export_raw", "conversation.import"}
MODERATOR_ACTIONS = {"report.view"}

_MESSAGES = {
    "report.view": "Only this conversation's moderators and its system's facilitators can read its report.",
    "report.share": "Only the facilitators of this system can share or revoke report links.",
    "export.download": "Only the facilitators of this system can download this conversation's data.",
    "conversation.export_raw": (
        "Only the facilitators of this system can download this conversation's raw data, which contains small "
        "numbers."
    ),
    "conversation.import": "Only the facilitators of this system can import a conversation into it.",
}


def can(actor: Any, action: str, subject: Any) -> bool:
    """Whether ``actor`` may do ``action`` to ``subject``: for showing or hiding links and buttons."""
    if action not in FACILITATOR_ACTIONS | MODERATOR_ACTIONS:
        raise ValueError(f"Unknown action {action!r}: add it to commonweal.reports.permissions.")
    if not getattr(actor, "is_authenticated", False):
        return False
    if action in MODERATOR_ACTIONS:
        return is_moderator(actor, subject)
    return is_facilitator(actor, subject.system)


def require(actor: Any, action: str, subject: Any) -> None:
    """Raise 401 or 403 (:mod:`commonweal.core.errors`) unless ``actor`` may do ``action`` to ``subject``."""
    if not can(actor, action, subject):
        deny(actor, _MESSAGES[action] if getattr(actor, "is_authenticated", False) else None)
