"""Use cases of systems: the system itself, its places, communities and organisations, its facilitators, and
making a new account a facilitator (the accounts themselves and API tokens are in :mod:`commonweal.accounts`).

Views and API endpoints parse input and check permissions, then call one of these. ``do_*`` functions change
the database atomically and write the audit log in the same transaction; ``check_*`` functions validate input
against the data already there (raising :class:`~commonweal.core.errors.InvalidInput` with the fields at fault)
and then call the matching ``do_*``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.utils.text import slugify

from commonweal.accounts import actions as account_actions
from commonweal.accounts.queries import find_account
from commonweal.core import audit
from commonweal.core.errors import ImportFailed, NotFound, field_error
from commonweal.systems import notices as notices_module
from commonweal.systems.models import (
    MAX_RETENTION_DAYS,
    MIN_RETENTION_DAYS,
    Community,
    IdentifierScheme,
    Organisation,
    Place,
    Sector,
    System,
    SystemRole,
)
from commonweal.systems.organisation_import import OrganisationRow, RowError, parse_organisations


def _state(obj: Model, fields: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in fields:
        value = getattr(obj, name)
        if isinstance(value, Model):  # a related row (an organisation's community): its name, for the log
            value = str(value)
        out[name] = value.isoformat() if isinstance(value, date) else value
    return out


def _same_name(qs: Any, name: str, exclude: Model | None = None) -> bool:
    qs = qs.filter(name__iexact=name.strip())
    if exclude is not None and exclude.pk:
        qs = qs.exclude(pk=exclude.pk)
    return bool(qs.exists())


# --- Systems ------------------------------------------------------------------------------------------------

SYSTEM_FIELDS = ["name", "slug", "description", "retention_days"]


def suggest_slug(name: str) -> str:
    base = slugify(name)[:60].strip("-") or "system"
    slug, n = base, 2
    while System.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def check_create_system(actor: Any, *, name: str, slug: str = "", description: str = "") -> System:
    """Create a system. The slug (its short name in links) is made from the name when not given."""
    name = " ".join(name.split())
    if not name:
        raise field_error("name", "Enter the system's name")
    if System.objects.filter(name__iexact=name).exists():
        raise field_error("name", f"There is already a system called '{name}': choose another name")
    slug = slugify(slug) if slug else suggest_slug(name)
    if not slug:
        raise field_error("slug", "Use letters, numbers and hyphens in the short name")
    if System.objects.filter(slug=slug).exists():
        raise field_error("slug", f"The short name '{slug}' is taken: choose another")
    return do_create_system(actor, name=name, slug=slug, description=description.strip())


def do_create_system(actor: Any, *, name: str, slug: str, description: str = "") -> System:
    """Create a system; an actor who is not an administrator becomes its first facilitator."""
    with transaction.atomic():
        system = System.objects.create(name=name, slug=slug, description=description)
        if getattr(actor, "is_authenticated", False) and not actor.is_superuser:
            SystemRole.objects.create(user=actor, system=system, role=SystemRole.Role.FACILITATOR)
        audit.record(actor, "system.create", system, after=_state(system, SYSTEM_FIELDS), system=system)
    return system


def check_update_system(
    actor: Any, system: System, *, name: str, description: str, retention_days: int | None = None
) -> System:
    name = " ".join(name.split())
    if not name:
        raise field_error("name", "Enter the system's name")
    if System.objects.filter(name__iexact=name).exclude(pk=system.pk).exists():
        raise field_error("name", f"There is already a system called '{name}': choose another name")
    if retention_days is not None and not MIN_RETENTION_DAYS <= retention_days <= MAX_RETENTION_DAYS:
        raise field_error(
            "retention_days",
            f"Keep participants' data for between {MIN_RETENTION_DAYS} and {MAX_RETENTION_DAYS:,} days",
        )
    return do_update_system(
        actor, system, name=name, description=description.strip(), retention_days=retention_days
    )


def do_update_system(
    actor: Any, system: System, *, name: str, description: str, retention_days: int | None = None
) -> System:
    """Change a system's name, description and (unless None) how many days participants' data is kept after a
    conversation closes; its short name stays, so links keep working."""
    with transaction.atomic():
        before = _state(system, SYSTEM_FIELDS)
        system.name, system.description = name, description
        if retention_days is not None:
            system.retention_days = retention_days
        system.save(update_fields=["name", "description", "retention_days"])
        audit.record(actor, "system.update", system, before=before, after=_state(system, SYSTEM_FIELDS))
    return system


# --- The privacy notice and the accessibility statement -----------------------------------------------------

NOTICE_FIELDS = [
    "controller_name",
    "controller_contact",
    "protection_officer",
    "privacy_purpose",
    "accessibility_statement",
]


@dataclass(frozen=True)
class NoticesInput:
    """What a facilitator typed on the privacy and accessibility page."""

    controller_name: str
    controller_contact: str
    protection_officer: str
    privacy_purpose: str
    accessibility_statement: str


def check_update_notices(actor: Any, system: System, notices: NoticesInput) -> System:
    """Change who is responsible for participants' data (needed before any conversation opens) and the
    system's own words for its privacy notice and accessibility statement (the defaults when left as they are)."""
    name = " ".join(notices.controller_name.split())
    contact = " ".join(notices.controller_contact.split())
    if not name:
        raise field_error(
            "controller_name", "Enter the name of the organisation responsible for participants' data"
        )
    if not contact:
        raise field_error(
            "controller_contact", "Enter how participants can contact it, such as an email address"
        )
    cleaned = NoticesInput(
        controller_name=name,
        controller_contact=contact,
        protection_officer=" ".join(notices.protection_officer.split()),
        privacy_purpose=notices_module.stored_text(
            notices.privacy_purpose, notices_module.DEFAULT_PRIVACY_PURPOSE
        ),
        accessibility_statement=notices_module.stored_text(
            notices.accessibility_statement, notices_module.DEFAULT_ACCESSIBILITY_STATEMENT
        ),
    )
    return do_update_notices(actor, system, cleaned)


def do_update_notices(actor: Any, system: System, notices: NoticesInput) -> System:
    with transaction.atomic():
        before = _state(system, NOTICE_FIELDS)
        for field in NOTICE_FIELDS:
            setattr(system, field, getattr(notices, field))
        system.save(update_fields=NOTICE_FIELDS)
        audit.record(actor, "system.notices", system, before=before, after=_state(system, NOTICE_FIELDS))
    return system


# --- Places and communities ---------------------------------------------------------------------------------

PLACE_FIELDS = ["name", "population"]
COMMUNITY_FIELDS = ["name", "kind", "population_estimate"]


def check_save_place(
    actor: Any, system: System, *, name: str, population: int | None, place: Place | None = None
) -> Place:
    """Create a place (or change ``place``), refusing a name the system already uses."""
    name = " ".join(name.split())
    if not name:
        raise field_error("name", "Enter the place's name")
    if _same_name(Place.objects.filter(system=system), name, exclude=place):
        raise field_error("name", f"This system already has a place called '{name}'")
    return do_save_place(actor, system, name=name, population=population, place=place)


def _place_state(place: Place) -> dict[str, Any]:
    return _state(place, PLACE_FIELDS)


def do_save_place(
    actor: Any, system: System, *, name: str, population: int | None, place: Place | None = None
) -> Place:
    """Save a place that :func:`check_save_place` accepted (a new one when ``place`` is None), audited."""
    before = _place_state(place) if place else None
    place = place or Place(system=system)
    place.name, place.population = name, population
    return audit.record_save(actor, "place", place, before, _place_state, system=system)


def do_delete_place(actor: Any, place: Place) -> None:
    """Delete a place. Participants who said they live or work there keep their other answers."""
    audit.record_delete(actor, "place", place, _place_state)


def check_save_community(
    actor: Any,
    system: System,
    *,
    name: str,
    kind: str,
    population_estimate: int | None,
    community: Community | None = None,
) -> Community:
    name = " ".join(name.split())
    if not name:
        raise field_error("name", "Enter the community's name")
    if kind not in Community.Kind.values:
        raise field_error("kind", "Choose whether the community is a place, an identity or an interest")
    if _same_name(Community.objects.filter(system=system), name, exclude=community):
        raise field_error("name", f"This system already has a community called '{name}'")
    return do_save_community(
        actor, system, name=name, kind=kind, population_estimate=population_estimate, community=community
    )


def _community_state(community: Community) -> dict[str, Any]:
    return _state(community, COMMUNITY_FIELDS)


def do_save_community(
    actor: Any,
    system: System,
    *,
    name: str,
    kind: str,
    population_estimate: int | None,
    community: Community | None = None,
) -> Community:
    """Save a community that :func:`check_save_community` accepted (a new one when ``community`` is None),
    audited."""
    before = _community_state(community) if community else None
    community = community or Community(system=system)
    community.name, community.kind, community.population_estimate = name, kind, population_estimate
    return audit.record_save(actor, "community", community, before, _community_state, system=system)


def do_delete_community(actor: Any, community: Community) -> None:
    """Delete a community. Participants who said they belong to it keep their other answers."""
    audit.record_delete(actor, "community", community, _community_state)


# --- Organisations ------------------------------------------------------------------------------------------

ORGANISATION_FIELDS = [
    "name",
    "sector",
    "identifier_scheme",
    "identifier",
    "active_from",
    "active_to",
    "community",
]


def _organisation_state(org: Organisation) -> dict[str, Any]:
    state = _state(org, ORGANISATION_FIELDS)
    state["places"] = sorted(p.name for p in org.places.all()) if org.pk else []
    return state


@dataclass
class OrganisationInput:
    name: str
    sector: str
    identifier_scheme: str = ""
    identifier: str = ""
    places: list[Place] | None = None
    active_from: date | None = None
    active_to: date | None = None
    community: Community | None = None


def check_save_organisation(
    actor: Any, system: System, data: OrganisationInput, *, organisation: Organisation | None = None
) -> Organisation:
    """Create an organisation (or change ``organisation``) after checking its name and identifier are new to
    the system, its places belong to it and its dates are in order."""
    data.name = " ".join(data.name.split())
    data.identifier = data.identifier.strip()
    if not data.name:
        raise field_error("name", "Enter the organisation's name")
    if data.sector not in Sector.values:
        raise field_error("sector", "Choose the organisation's sector")
    if _same_name(Organisation.objects.filter(system=system), data.name, exclude=organisation):
        raise field_error("name", f"This system already has an organisation called '{data.name}'")
    if data.identifier_scheme and data.identifier_scheme not in IdentifierScheme.values:
        raise field_error("identifier_scheme", "Choose an identifier scheme from the list")
    if data.identifier_scheme and not data.identifier:
        raise field_error("identifier", "Enter the identifier, or choose 'None' as the identifier scheme")
    if data.identifier and not data.identifier_scheme:
        raise field_error("identifier_scheme", "Choose which scheme the identifier belongs to")
    if data.identifier:
        clash = Organisation.objects.filter(
            system=system, identifier_scheme=data.identifier_scheme, identifier__iexact=data.identifier
        )
        if organisation is not None:
            clash = clash.exclude(pk=organisation.pk)
        other = clash.first()
        if other is not None:
            raise field_error(
                "identifier",
                f"{data.identifier_scheme} {data.identifier} already belongs to {other.name}: check the identifier",
            )
    for place in data.places or []:
        if place.system_id != system.pk:
            raise field_error("places", "Choose places of this system only")
    if data.active_from and data.active_to and data.active_to < data.active_from:
        raise field_error("active_to", "The end date must be the same as or after the start date")
    _check_community(system, data)
    return do_save_organisation(actor, system, data, organisation=organisation)


def _check_community(system: System, data: OrganisationInput) -> None:
    """A community group may speak for one community of its system; no other organisation speaks for one."""
    if data.community is None:
        return
    if data.community.system_id != system.pk:
        raise field_error("community", "Choose a community of this system")
    if data.sector != Sector.COMMUNITY_GROUP:
        raise field_error(
            "community",
            "Only a community group speaks for a community: choose the sector 'Community group', or leave the "
            "community empty",
        )


def do_save_organisation(
    actor: Any, system: System, data: OrganisationInput, *, organisation: Organisation | None = None
) -> Organisation:
    """Save an organisation that :func:`check_save_organisation` accepted (a new one when ``organisation`` is
    None) and the places it serves, audited."""
    before = _organisation_state(organisation) if organisation else None
    organisation = organisation or Organisation(system=system)
    for name in ORGANISATION_FIELDS:
        setattr(organisation, name, getattr(data, name))
    return audit.record_save(
        actor,
        "organisation",
        organisation,
        before,
        _organisation_state,
        then=lambda saved: saved.places.set(data.places or []),
        system=system,
    )


def do_delete_organisation(actor: Any, organisation: Organisation) -> None:
    """Delete an organisation. Participants who said they come from it keep their other answers."""
    audit.record_delete(actor, "organisation", organisation, _organisation_state)


@dataclass(frozen=True)
class ImportResult:
    """What an import added."""

    organisations: list[Organisation]
    by_sector: dict[str, int]

    @property
    def count(self) -> int:
        return len(self.organisations)


def check_import_organisations(
    actor: Any, system: System, data: bytes, *, filename: str = ""
) -> ImportResult:
    """Import organisations from a CSV file, all or nothing.

    Every row is checked first (see :mod:`commonweal.systems.organisation_import`); if any row is wrong, nothing is
    imported and :class:`~commonweal.core.errors.ImportFailed` lists every problem (row, column, what is wrong,
    how to fix it) in its detail. Otherwise :func:`do_import_organisations` saves them all.
    """
    parsed = parse_organisations(data, system, filename=filename)
    if parsed.errors:
        raise import_failed(parsed.errors)
    return do_import_organisations(actor, system, parsed.rows, filename=filename)


def import_failed(errors: list[RowError]) -> ImportFailed:
    rows = sorted({e.row for e in errors if e.row})
    if rows:
        message = (
            f"The file was not imported: {len(errors)} problem{'s' if len(errors) != 1 else ''} in "
            f"{len(rows)} row{'s' if len(rows) != 1 else ''}. Fix the rows listed and upload it again. "
            "Nothing was changed."
        )
    else:
        message = errors[0].problem + " " + errors[0].fix + " Nothing was changed."
    return ImportFailed(message, detail={"errors": [e.as_dict() for e in errors]})


def do_import_organisations(
    actor: Any, system: System, rows: list[OrganisationRow], *, filename: str = ""
) -> ImportResult:
    """Save checked rows in one transaction, with one audit entry for the import and one per organisation."""
    created: list[Organisation] = []
    with transaction.atomic():
        for row in rows:
            org = Organisation.objects.create(
                system=system,
                name=row.name,
                sector=row.sector,
                identifier_scheme=row.identifier_scheme,
                identifier=row.identifier,
                active_from=row.active_from,
                active_to=row.active_to,
            )
            if row.places:
                org.places.set(row.places)
            created.append(org)
            audit.record(
                actor,
                "organisation.create",
                org,
                after={
                    **_state(org, ORGANISATION_FIELDS),
                    "places": [p.name for p in row.places],
                    "row": row.row,
                },
                system=system,
            )
        by_sector: dict[str, int] = {}
        for org in created:
            label = str(org.get_sector_display())
            by_sector[label] = by_sector.get(label, 0) + 1
        audit.record(
            actor,
            "organisation.import",
            system,
            after={"file": filename, "organisations": len(created), "by_sector": by_sector},
            system=system,
        )
    return ImportResult(created, dict(sorted(by_sector.items())))


# --- Facilitators -------------------------------------------------------------------------------------------


def check_add_facilitator(actor: Any, system: System, username: str) -> SystemRole:
    user = find_account(username)
    if SystemRole.objects.filter(user=user, system=system, role=SystemRole.Role.FACILITATOR).exists():
        raise field_error("username", f"{user.username} is already a facilitator of this system")
    return do_add_facilitator(actor, system, user)


def do_add_facilitator(actor: Any, system: System, user: Any) -> SystemRole:
    with transaction.atomic():
        role = SystemRole.objects.create(user=user, system=system, role=SystemRole.Role.FACILITATOR)
        audit.record(
            actor, "system.add_facilitator", system, after={"facilitator": user.username}, system=system
        )
    return role


def do_remove_facilitator(actor: Any, system: System, user: Any) -> None:
    with transaction.atomic():
        deleted, _ = SystemRole.objects.filter(
            user=user, system=system, role=SystemRole.Role.FACILITATOR
        ).delete()
        if not deleted:
            raise NotFound(f"{user.username} is not a facilitator of this system.")
        audit.record(
            actor, "system.remove_facilitator", system, before={"facilitator": user.username}, system=system
        )


# --- Accounts -----------------------------------------------------------------------------------------------


def check_create_account(
    actor: Any,
    *,
    username: str,
    full_name: str = "",
    email: str = "",
    is_administrator: bool = False,
    system: System | None = None,
) -> tuple[Any, str]:
    """Create an account (see :func:`commonweal.accounts.actions.check_create_account`) and, when ``system`` is
    given, make it a facilitator of that system, both or neither. Returns the account and its one-time password."""
    with transaction.atomic():
        user, password = account_actions.check_create_account(
            actor, username=username, full_name=full_name, email=email, is_administrator=is_administrator
        )
        if system is not None:
            do_add_facilitator(actor, system, user)
    return user, password
