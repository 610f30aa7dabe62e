"""Write audit entries. Every ``do_*`` action that a facilitator, moderator or administrator performs calls
:func:`record` inside its transaction, so the change and its audit entry commit together."""

from __future__ import annotations

from typing import Any

from commonweal.core.models import AuditEntry


def _label(actor: Any) -> str:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return "system"
    return str(getattr(actor, "username", actor))


def record(
    actor: Any,
    action: str,
    subject: Any,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    system: Any = None,
) -> AuditEntry:
    user = actor if getattr(actor, "is_authenticated", False) else None
    if system is None:
        system = getattr(subject, "system", None)
    return AuditEntry.objects.create(
        actor=user,
        actor_label=_label(actor),
        action=action,
        subject_type=type(subject).__name__,
        subject_id=str(getattr(subject, "pk", "")),
        system=system,
        before=before,
        after=after,
    )
