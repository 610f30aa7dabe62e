"""Importing an Open Referral UK file into the asset register (a council's service directory, say).

:func:`check_import_openreferral` reads the file (:mod:`.oruk`), turns each service into an asset's input, checks
every one as the register's pages do, and refuses the whole file when anything is wrong, listing each bad row
(:class:`~commonweal.core.errors.ImportFailed`, nothing changed); otherwise :func:`do_import` adds them all in one
transaction, audited as ``asset.import``. Services already in the register (by their id) are left as they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from commonweal.communities.assets.actions import AssetInput, check_asset, do_create_assets
from commonweal.communities.models import MAX_TAGS, TAG_MAX, Asset, Category, Holder, Source
from commonweal.communities.openreferral import oruk
from commonweal.core.csv_input import RowError, key
from commonweal.core.errors import ImportFailed, InvalidInput
from commonweal.systems.models import Community, Organisation, Place, System

#: The largest file the import takes.
MAX_BYTES = 20 * 1024 * 1024

#: Which table each field of an asset comes from, to say where a problem is.
_TABLE_OF = {
    "latitude": "locations",
    "longitude": "locations",
    "postcode": "locations",
    "address": "locations",
    "accessibility": "locations",
}


@dataclass
class ImportReport:
    """What an import did: the assets added, the services already in the register, and notes on what was
    read but not kept (more than one location, service areas that name no place of the system, ...)."""

    added: list[Asset] = field(default_factory=list)
    already: int = 0
    notes: list[str] = field(default_factory=list)


@dataclass
class _Lookups:
    places: dict[str, Place]
    communities: dict[str, Community]
    organisations: dict[str, Organisation]
    default_category: str
    notes: list[str] = field(default_factory=list)


def _lookups(system: System, default_category: str) -> _Lookups:
    return _Lookups(
        places={key(p.name): p for p in Place.objects.filter(system=system)},
        communities={key(c.name): c for c in Community.objects.filter(system=system)},
        organisations={key(o.name): o for o in Organisation.objects.filter(system=system)},
        default_category=default_category,
    )


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _terms(service: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        link.get("taxonomy") or {}
        for link in service.get("service_taxonomys") or []
        if isinstance(link, dict)
    ]


def _category_and_tags(service: dict[str, Any], lookups: _Lookups, label: str) -> tuple[str, list[str], bool]:
    category, tags, resident = "", [], False
    labels = {key(str(v)): k for k, v in Category.choices}
    for term in _terms(service):
        vocabulary, name, ident = (
            _text(term.get("vocabulary")),
            _text(term.get("name")),
            _text(term.get("id")),
        )
        if vocabulary == oruk.ABCD_VOCABULARY:
            value = ident.removeprefix("abcd:")
            category = value if value in Category.values else labels.get(key(name), category)
        elif vocabulary == oruk.HOLDER_VOCABULARY:
            resident = name == "resident"
        elif name and len(name) <= TAG_MAX:
            tags.append(name)
        elif name:
            lookups.notes.append(
                f"{label}: the taxonomy term '{name[:60]}' is longer than {TAG_MAX} characters."
            )
    if len(tags) > MAX_TAGS:
        lookups.notes.append(f"{label}: {len(tags)} taxonomy terms; the first {MAX_TAGS} are kept as tags.")
        tags = tags[:MAX_TAGS]
    return category or lookups.default_category, tags, resident


def _holder(organization: dict[str, Any], resident: bool, lookups: _Lookups) -> dict[str, Any]:
    name = _text(organization.get("name"))
    if resident:
        return {"holder": Holder.RESIDENT, "resident_name": "" if name == "A resident" else name}
    if key(name) in lookups.organisations:
        return {"holder": Holder.ORGANISATION, "holder_organisation": lookups.organisations[key(name)]}
    if key(name) in lookups.communities:
        return {"holder": Holder.COMMUNITY, "holder_community": lookups.communities[key(name)]}
    return {"holder": Holder.OTHER, "holder_other": name}


def _location(service: dict[str, Any], label: str, lookups: _Lookups) -> dict[str, Any]:
    links = [x for x in service.get("service_at_locations") or [] if isinstance(x, dict)]
    if not links:
        return {}
    if len(links) > 1:
        lookups.notes.append(f"{label}: {len(links)} locations; the first is kept.")
    loc = links[0].get("location") or {}
    addresses = loc.get("physical_addresses") or [{}]
    address = addresses[0] or {}
    line = ", ".join(_text(address.get(k)) for k in ("address_1", "city", "state_province") if address.get(k))
    notes = [_text(a.get("accessibility")) for a in loc.get("accessibility_for_disabilities") or []]
    return {
        "latitude": loc.get("latitude"),
        "longitude": loc.get("longitude"),
        "address": line[:300],
        "postcode": _text(address.get("postal_code")),
        "accessibility": "\n".join(n for n in notes if n),
    }


def _named(
    rows: Any, field_name: str, found: dict[str, Any], label: str, what: str, lookups: _Lookups
) -> list[Any]:
    chosen, unknown = [], []
    for row in rows or []:
        name = _text((row or {}).get(field_name))
        if key(name) in found:
            chosen.append(found[key(name)])
        elif name:
            unknown.append(name)
    if unknown:
        lookups.notes.append(f"{label}: {what} {', '.join(unknown[:5])} name no {what[:-1]} of this system.")
    return list({id(x): x for x in chosen}.values())


def asset_input(service: dict[str, Any], lookups: _Lookups, label: str) -> AssetInput:
    """One Open Referral UK service as an asset's input (not yet checked)."""
    category, tags, resident = _category_and_tags(service, lookups, label)
    organization = service.get("organization") or {}
    phones = [_text(p.get("number")) for p in service.get("phones") or [] if isinstance(p, dict)]
    schedules = service.get("regular_schedules") or []
    opening = [
        _text(s.get("description"))
        or " ".join(_text(s.get(k)) for k in ("byday", "opens_at", "closes_at")).strip()
        for s in schedules
        if isinstance(s, dict)
    ]
    return AssetInput(
        name=_text(service.get("name")),
        category=category,
        description=_text(service.get("description")),
        places=_named(service.get("service_areas"), "service_area", lookups.places, label, "places", lookups),
        communities=_named(
            service.get("eligibilitys"), "eligibility", lookups.communities, label, "communities", lookups
        ),
        contact_email=_text(service.get("email")),
        contact_phone=phones[0] if phones else "",
        website=_text(service.get("url")),
        opening_times="\n".join(o for o in opening if o),
        tags=tags,
        openreferral_id=_text(service.get("id"))[:100],
        **_holder(organization, resident, lookups),
        **_location(service, label, lookups),
    )


def read_file(data: bytes, filename: str) -> tuple[list[oruk.Service], list[RowError]]:
    """The services of an uploaded file (a zip, the CSV data package, or JSON) and the rows whose links are
    broken."""
    if not data:
        raise ImportFailed(_("The file is empty: choose the Open Referral UK file."), detail={"errors": []})
    if len(data) > MAX_BYTES:
        problem = RowError(None, "", f"The file is larger than {MAX_BYTES // 1024 // 1024} MB.", "Split it.")
        raise ImportFailed(problem.problem, detail={"errors": [problem.as_dict()]})
    try:
        return oruk.read_csv_zip(data) if data[:4] == b"PK\x03\x04" else (oruk.read_json(data), [])
    except oruk.Unreadable as exc:
        raise _failed(exc.errors) from exc


def _failed(errors: Sequence[RowError]) -> ImportFailed:
    count = len(errors)
    return ImportFailed(
        f"The file was not imported: {count} problem{'s' if count != 1 else ''} to fix, listed below. "
        "Nothing was changed.",
        detail={"errors": [e.as_dict() for e in errors]},
    )


def _existing_ids(system: System) -> set[str]:
    found = set(
        Asset.objects.filter(system=system)
        .exclude(openreferral_id="")
        .values_list("openreferral_id", flat=True)
    )
    found |= {
        oruk._id(system.slug, "asset", pk)
        for pk in Asset.objects.filter(system=system).values_list("pk", flat=True)
    }
    return found


def check_import_openreferral(
    actor: Any,
    system: System,
    data: bytes,
    filename: str = "",
    *,
    default_category: str = Category.INSTITUTIONS,
) -> ImportReport:
    """Import an Open Referral UK file into ``system``'s register: every service checked, every bad one
    reported (:class:`ImportFailed` with ``detail["errors"]``), nothing added unless all are good."""
    if default_category not in Category.values:
        raise InvalidInput(
            "Choose the category of services that name none.",
            detail={"fields": [{"field": "default_category", "problem": "Choose a category"}]},
        )
    services, errors = read_file(data, filename)
    lookups = _lookups(system, default_category)
    existing = _existing_ids(system)
    report = ImportReport()
    checked, seen = [], set()
    for service in services:
        label = service.label
        sid = _text(service.data.get("id"))
        if sid and (sid in existing or sid in seen):
            report.already += 1
            continue
        seen.add(sid)
        data_in = asset_input(service.data, lookups, label)
        try:
            checked.append(check_asset(system, data_in))
        except InvalidInput as exc:
            for item in exc.detail["fields"]:
                where = service.at(_TABLE_OF.get(item["field"], "services"))
                name = data_in.name or sid or "a service with no name"
                errors.append(
                    RowError(
                        None,
                        item["field"],
                        f"{where} ({name}): {item['problem']}.",
                        "Correct it in the file and upload it again.",
                    )
                )
    if errors:
        raise _failed(errors)
    report.notes = lookups.notes
    report.added = do_import(actor, system, checked, filename=filename, skipped=report.already)
    return report


def do_import(
    actor: Any, system: System, checked: Sequence[Any], *, filename: str, skipped: int
) -> list[Asset]:
    """Add the checked assets in one transaction, audited as ``asset.import``."""
    return do_create_assets(
        actor,
        system,
        checked,
        source=Source.IMPORT,
        action="asset.import",
        note={"file": filename[:200], "format": "openreferral-uk", "already_in_register": skipped},
    )
