"""Use cases of the map's links: interdependencies (directed flows between parts of the system) and joint work
(what partners do together).

Views parse input and check permissions (``network.edit``), then call one of these. ``check_*`` validates against
the database (ends that belong to the system, dates in order, enough organisations) and raises
:class:`~commonweal.core.errors.InvalidInput` naming the field at fault; ``do_*`` makes the change in one
transaction and writes the audit log in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction

from commonweal.core import audit
from commonweal.core.errors import field_error
from commonweal.network.map.layout import store_layout
from commonweal.network.models import Interdependency, JointWork
from commonweal.systems.models import Community, Organisation, System

# --- Interdependencies --------------------------------------------------------------------------------------

#: An end of an interdependency: an organisation or a community of the system.
End = Organisation | Community


@dataclass
class InterdependencyInput:
    """What a facilitator says about an interdependency: it flows from ``source`` (the part whose work affects)
    to ``target`` (the part that depends on it)."""

    source: End | None
    target: End | None
    kind: str
    description: str
    strength: str = Interdependency.Strength.MEDIUM
    evidence: str = ""


def _end_name(end: End | None) -> str:
    return "" if end is None else end.name


def _interdependency_state(item: Interdependency) -> dict[str, Any]:
    return {
        "from": _end_name(item.source),
        "to": _end_name(item.target),
        "kind": item.kind,
        "strength": item.strength,
        "description": item.description,
        "evidence": item.evidence,
    }


def check_save_interdependency(
    actor: Any, system: System, data: InterdependencyInput, *, item: Interdependency | None = None
) -> Interdependency:
    """Create an interdependency (or change ``item``) after checking both ends belong to the system, differ,
    and at least one of them is an organisation (two communities are not a dependency the system manages)."""
    data.description = data.description.strip()
    data.evidence = data.evidence.strip()
    if data.source is None:
        raise field_error("source", "Choose where the dependency comes from: the part whose work affects")
    if data.target is None:
        raise field_error("target", "Choose where the dependency goes to: the part that depends on it")
    for name, end in (("source", data.source), ("target", data.target)):
        if end.system_id != system.pk:
            raise field_error(name, "Choose an organisation or community of this system")
    if type(data.source) is type(data.target) and data.source.pk == data.target.pk:
        raise field_error(
            "target", f"A dependency links two different parts: choose another than {data.target}"
        )
    if isinstance(data.source, Community) and isinstance(data.target, Community):
        raise field_error(
            "target", "At least one end must be an organisation: choose an organisation for one of the ends"
        )
    if data.kind not in Interdependency.Kind.values:
        raise field_error("kind", "Choose what flows: patients, staff, money, information, capacity or other")
    if data.strength not in Interdependency.Strength.values:
        raise field_error("strength", "Choose how strong the dependency is: low, medium or high")
    if not data.description:
        raise field_error("description", "Describe the dependency: what flows and why it matters")
    return do_save_interdependency(actor, system, data, item=item)


def do_save_interdependency(
    actor: Any, system: System, data: InterdependencyInput, *, item: Interdependency | None = None
) -> Interdependency:
    """Save an interdependency that :func:`check_save_interdependency` accepted, with an audit entry."""
    before = _interdependency_state(item) if item else None
    item = item or Interdependency(system=system, created_by=_creator(actor))
    source, target = data.source, data.target
    item.from_organisation = source if isinstance(source, Organisation) else None
    item.from_community = source if isinstance(source, Community) else None
    item.to_organisation = target if isinstance(target, Organisation) else None
    item.to_community = target if isinstance(target, Community) else None
    item.kind, item.strength = data.kind, data.strength
    item.description, item.evidence = data.description, data.evidence
    return audit.record_save(actor, "interdependency", item, before, _interdependency_state, system=system)


def do_delete_interdependency(actor: Any, item: Interdependency) -> None:
    """Delete an interdependency; the audit entry keeps what it said."""
    audit.record_delete(actor, "interdependency", item, _interdependency_state)


# --- Joint work ---------------------------------------------------------------------------------------------


@dataclass
class JointWorkInput:
    """Something partners do together: a meeting, a joint project, a shared post, a pooled budget..."""

    title: str
    kind: str
    started_on: date | None
    ended_on: date | None = None
    description: str = ""
    organisations: list[Organisation] = field(default_factory=list)


def _joint_work_state(work: JointWork) -> dict[str, Any]:
    return {
        "title": work.title,
        "kind": work.kind,
        "started_on": work.started_on.isoformat() if work.started_on else None,
        "ended_on": work.ended_on.isoformat() if work.ended_on else None,
        "description": work.description,
        "organisations": sorted(o.name for o in work.organisations.all()) if work.pk else [],
    }


def check_save_joint_work(
    actor: Any, system: System, data: JointWorkInput, *, work: JointWork | None = None
) -> JointWork:
    """Create joint work (or change ``work``) after checking its title, kind, dates (the end on or after the
    start) and that at least two organisations of the system take part."""
    data.title = " ".join(data.title.split())
    data.description = data.description.strip()
    if not data.title:
        raise field_error("title", "Give the joint work a title, such as 'Discharge to assess pilot'")
    if data.kind not in JointWork.Kind.values:
        raise field_error("kind", "Choose what kind of joint work it is")
    if data.started_on is None:
        raise field_error("started_on", "Enter the date it started, such as 2026-04-01")
    if data.ended_on is not None and data.ended_on < data.started_on:
        raise field_error("ended_on", "The end date must be the same as or after the start date")
    organisations = list(dict.fromkeys(data.organisations))
    if any(o.system_id != system.pk for o in organisations):
        raise field_error("organisations", "Choose organisations of this system only")
    if len(organisations) < 2:
        raise field_error(
            "organisations",
            "Choose at least two organisations: joint work is something partners do together",
        )
    data.organisations = organisations
    return do_save_joint_work(actor, system, data, work=work)


def do_save_joint_work(
    actor: Any, system: System, data: JointWorkInput, *, work: JointWork | None = None
) -> JointWork:
    """Save joint work that :func:`check_save_joint_work` accepted, with an audit entry."""
    before = _joint_work_state(work) if work else None
    work = work or JointWork(system=system, created_by=_creator(actor))
    work.title, work.kind = data.title, data.kind
    work.started_on, work.ended_on = data.started_on, data.ended_on  # type: ignore[assignment]
    work.description = data.description
    return audit.record_save(
        actor,
        "joint_work",
        work,
        before,
        _joint_work_state,
        then=lambda saved: saved.organisations.set(data.organisations),
        system=system,
    )


def do_delete_joint_work(actor: Any, work: JointWork) -> None:
    """Delete joint work; the audit entry keeps what it said."""
    audit.record_delete(actor, "joint_work", work, _joint_work_state)


# --- Bulk loading (the demo) ----------------------------------------------------------------------------------


def _creator(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def do_load_interdependencies(
    actor: Any, system: System, items: Sequence[InterdependencyInput]
) -> list[Interdependency]:
    """Write many interdependencies at once with ``bulk_create``, in the order given.

    A fast path for data the caller made and vouches for (the demo's): the checks of
    :func:`check_save_interdependency` are not run, and the audit log records how many, not each one.
    """
    rows = []
    for data in items:
        source, target = data.source, data.target
        rows.append(
            Interdependency(
                system=system,
                from_organisation=source if isinstance(source, Organisation) else None,
                from_community=source if isinstance(source, Community) else None,
                to_organisation=target if isinstance(target, Organisation) else None,
                to_community=target if isinstance(target, Community) else None,
                kind=data.kind,
                strength=data.strength,
                description=data.description,
                evidence=data.evidence,
                created_by=_creator(actor),
            )
        )
    with transaction.atomic():
        created = Interdependency.objects.bulk_create(rows)
        audit.record(
            actor, "interdependency.load", system, after={"interdependencies": len(created)}, system=system
        )
        # Loaded last (the demo's rounds are in by now): lay the map out and store it, so its first view reads it.
        store_layout(system)
    return created


def do_load_joint_work(actor: Any, system: System, items: Sequence[JointWorkInput]) -> list[JointWork]:
    """Write many pieces of joint work, with the organisations taking part, at once with ``bulk_create``.

    A fast path for data the caller made and vouches for (the demo's): the checks of
    :func:`check_save_joint_work` are not run, and the audit log records how many, not each one.
    """
    with transaction.atomic():
        works = JointWork.objects.bulk_create(
            [
                JointWork(
                    system=system,
                    title=data.title,
                    kind=data.kind,
                    # The caller vouches for a start date (the column is NOT NULL: None fails the insert).
                    started_on=data.started_on,  # type: ignore[misc]
                    ended_on=data.ended_on,
                    description=data.description,
                    created_by=_creator(actor),
                )
                for data in items
            ]
        )
        JointWork.organisations.through.objects.bulk_create(
            [
                JointWork.organisations.through(jointwork_id=work.pk, organisation_id=organisation.pk)
                for work, data in zip(works, items, strict=True)
                for organisation in data.organisations
            ]
        )
        audit.record(actor, "joint_work.load", system, after={"joint_work": len(works)}, system=system)
    return works
