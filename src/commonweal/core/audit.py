"""Write audit entries. Every ``do_*`` action that a facilitator, moderator or administrator performs calls
:func:`record` inside its transaction, so the change and its audit entry commit together."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.db import transaction
from django.db.models import Model

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


M = TypeVar("M", bound=Model)


def record_save(
    actor: Any,
    name: str,
    obj: M,
    before: dict[str, Any] | None,
    state: Callable[[M], dict[str, Any]],
    *,
    then: Callable[[M], object] | None = None,
    system: Any = None,
) -> M:
    """Save ``obj`` (its fields already set) and record ``<name>.create`` (when ``before`` is None) or
    ``<name>.update``, with ``state(obj)`` after the change, in one transaction. ``then(obj)`` runs after the
    row is saved and before the state is read: many-to-many links need the row first."""
    with transaction.atomic():
        obj.save()
        if then is not None:
            then(obj)
        action = f"{name}.update" if before is not None else f"{name}.create"
        record(actor, action, obj, before=before, after=state(obj), system=system)
    return obj


def record_delete(actor: Any, name: str, obj: M, state: Callable[[M], dict[str, Any]]) -> None:
    """Delete ``obj`` and record ``<name>.delete`` with what it was (``state(obj)``), in one transaction."""
    with transaction.atomic():
        record(actor, f"{name}.delete", obj, before=state(obj))
        obj.delete()
