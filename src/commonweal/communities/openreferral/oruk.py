"""Open Referral UK: the UK data standard for community services (an application profile of the Human Services
Data Specification, HSDS). The register is written and read in its two forms:

- JSON, as the Open Referral UK API's ``/services`` answer: ``{"content": [service, ...], "totalElements": n,
  ...}``, each service with its ``organization``, ``service_at_locations`` (each with a ``location``, its
  ``physical_addresses`` and ``accessibility_for_disabilities``), ``phones``, ``regular_schedules``,
  ``service_areas``, ``eligibilitys`` and ``service_taxonomys`` (each with a ``taxonomy``: id, name,
  vocabulary). A plain list of services reads too.
- CSV, as its data package: a zip of one file per table (:data:`TABLES`), joined by ids.

An asset is a service. Its category is a taxonomy term of the vocabulary ``ABCD`` (:data:`ABCD_VOCABULARY`), its
tags terms of ``commonweal-tag``, and a resident holder a term of ``commonweal-holder``; any other vocabulary's
terms (a council's own, esd, OpenActive) become tags. The places it serves are its service areas, the
communities its eligibilities, its holder its organization. This module only converts: it reads no table and
writes none (see :mod:`.actions`).
"""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from commonweal.communities.models import Asset, Holder
from commonweal.core.csv_input import RowError, check_header, data_rows, read_records
from commonweal.core.spreadsheet import SpreadsheetWriter, restore_cell

ABCD_VOCABULARY = "ABCD"
TAG_VOCABULARY = "commonweal-tag"
HOLDER_VOCABULARY = "commonweal-holder"
#: Where the ids of exported rows come from (uuid5), so the same asset has the same ids in every export.
NAMESPACE = uuid.UUID("5d1b7f64-4c0e-4f7e-9c77-0b8f3f2a6c11")

#: The tables of the CSV data package: file name -> (columns, required columns).
TABLES: dict[str, tuple[list[str], list[str]]] = {
    "organizations": (["id", "name", "description", "email", "url"], ["id", "name"]),
    "services": (
        ["id", "organization_id", "name", "description", "url", "email", "status"],
        ["id", "organization_id", "name"],
    ),
    "locations": (["id", "name", "description", "latitude", "longitude"], ["id"]),
    "physical_addresses": (
        ["id", "location_id", "address_1", "city", "state_province", "postal_code", "country"],
        ["id", "location_id"],
    ),
    "service_at_locations": (["id", "service_id", "location_id"], ["id", "service_id", "location_id"]),
    "accessibility_for_disabilities": (["id", "location_id", "accessibility"], ["id", "location_id"]),
    "phones": (["id", "service_id", "number"], ["id", "service_id", "number"]),
    "regular_schedules": (
        ["id", "service_id", "opens_at", "closes_at", "byday", "description"],
        ["id", "service_id"],
    ),
    "service_areas": (["id", "service_id", "service_area"], ["id", "service_id", "service_area"]),
    "eligibilitys": (["id", "service_id", "eligibility"], ["id", "service_id", "eligibility"]),
    "taxonomies": (["id", "name", "vocabulary", "parent_id"], ["id", "name"]),
    "service_taxonomies": (["id", "service_id", "taxonomy_id"], ["id", "service_id", "taxonomy_id"]),
}


def _id(*parts: Any) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(str(p) for p in parts)))


def service_id(asset: Asset) -> str:
    """The asset's service id: the one it was imported with, or one made from the system and its id."""
    return asset.openreferral_id or _id(asset.system.slug, "asset", asset.pk)


# --- Writing ------------------------------------------------------------------------------------------------


def _organization(asset: Asset) -> dict[str, Any]:
    slug = asset.system.slug
    if asset.holder == Holder.ORGANISATION and asset.holder_organisation is not None:
        organisation = asset.holder_organisation
        ident = organisation.org_id or _id(slug, "organisation", organisation.pk)
        return {"id": ident, "name": organisation.name, "description": "", "email": "", "url": ""}
    name = asset.holder_name or asset.system.name
    return {
        "id": _id(slug, "holder", asset.holder, name),
        "name": name,
        "description": "",
        "email": "",
        "url": "",
    }


def _location(asset: Asset, sid: str) -> list[dict[str, Any]]:
    if not (asset.has_coordinates or asset.postcode or asset.address or asset.accessibility):
        return []
    lid = _id(sid, "location")
    location: dict[str, Any] = {
        "id": lid,
        "name": asset.name,
        "description": "",
        "latitude": float(asset.latitude) if asset.latitude is not None else None,
        "longitude": float(asset.longitude) if asset.longitude is not None else None,
        "physical_addresses": [],
        "accessibility_for_disabilities": [],
    }
    if asset.address or asset.postcode:
        location["physical_addresses"].append(
            {
                "id": _id(lid, "address"),
                "address_1": asset.address,
                "postal_code": asset.postcode,
                "country": "GB",
            }
        )
    if asset.accessibility:
        location["accessibility_for_disabilities"].append(
            {"id": _id(lid, "accessibility"), "accessibility": asset.accessibility}
        )
    return [{"id": _id(sid, "service_at_location"), "location": location}]


def _term(vocabulary: str, name: str, ident: str) -> dict[str, Any]:
    return {"id": ident, "name": name, "vocabulary": vocabulary}


def _taxonomys(asset: Asset, sid: str, tags: list[str]) -> list[dict[str, Any]]:
    terms = [_term(ABCD_VOCABULARY, asset.get_category_display(), f"abcd:{asset.category}")]
    terms += [_term(TAG_VOCABULARY, tag, _id("tag", tag)) for tag in tags]
    if asset.holder == Holder.RESIDENT:
        terms.append(_term(HOLDER_VOCABULARY, "resident", "commonweal-holder:resident"))
    return [{"id": _id(sid, "taxonomy", t["id"]), "taxonomy": t} for t in terms]


def service(asset: Asset) -> dict[str, Any]:
    """One asset as an Open Referral UK service (its places, communities and tags prefetched)."""
    sid = service_id(asset)
    tags = [t.name for t in asset.tags.all()]
    return {
        "id": sid,
        "name": asset.name,
        "description": asset.description,
        "url": asset.website,
        "email": asset.contact_email,
        "status": "active",
        "organization": _organization(asset),
        "phones": [{"id": _id(sid, "phone"), "number": asset.contact_phone}] if asset.contact_phone else [],
        "regular_schedules": (
            [{"id": _id(sid, "schedule"), "description": asset.opening_times}] if asset.opening_times else []
        ),
        "service_areas": [{"id": _id(sid, "area", p.pk), "service_area": p.name} for p in asset.places.all()],
        "eligibilitys": [
            {"id": _id(sid, "eligibility", c.pk), "eligibility": c.name} for c in asset.communities.all()
        ],
        "service_at_locations": _location(asset, sid),
        "service_taxonomys": _taxonomys(asset, sid, tags),
    }


def to_json(assets: Iterable[Asset]) -> dict[str, Any]:
    """The assets as the Open Referral UK API's ``/services`` answer (one page holding them all)."""
    content = [service(a) for a in assets]
    return {
        "totalElements": len(content),
        "totalPages": 1,
        "number": 1,
        "size": len(content),
        "first": True,
        "last": True,
        "content": content,
    }


def _rows(services: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The nested services as the data package's tables (each row once, even when shared)."""
    tables: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in TABLES}

    def put(table: str, row: dict[str, Any]) -> None:
        tables[table].setdefault(str(row["id"]), row)

    for s in services:
        put("organizations", {k: s["organization"].get(k, "") for k in TABLES["organizations"][0]})
        put(
            "services",
            {**{k: s.get(k, "") for k in TABLES["services"][0]}, "organization_id": s["organization"]["id"]},
        )
        for child, table, key in (
            ("phones", "phones", "number"),
            ("regular_schedules", "regular_schedules", "description"),
            ("service_areas", "service_areas", "service_area"),
            ("eligibilitys", "eligibilitys", "eligibility"),
        ):
            for row in s[child]:
                put(table, {"id": row["id"], "service_id": s["id"], key: row.get(key, "")})
        for link in s["service_at_locations"]:
            loc = link["location"]
            put("locations", {k: loc.get(k) for k in TABLES["locations"][0]})
            put("service_at_locations", {"id": link["id"], "service_id": s["id"], "location_id": loc["id"]})
            for address in loc["physical_addresses"]:
                put("physical_addresses", {**address, "location_id": loc["id"]})
            for note in loc["accessibility_for_disabilities"]:
                put("accessibility_for_disabilities", {**note, "location_id": loc["id"]})
        for link in s["service_taxonomys"]:
            term = link["taxonomy"]
            put(
                "taxonomies",
                {"id": term["id"], "name": term["name"], "vocabulary": term["vocabulary"], "parent_id": ""},
            )
            put("service_taxonomies", {"id": link["id"], "service_id": s["id"], "taxonomy_id": term["id"]})
    return {name: list(rows.values()) for name, rows in tables.items()}


def to_csv_zip(assets: Iterable[Asset]) -> bytes:
    """The assets as the Open Referral UK data package: a zip of one CSV file per table."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for table, rows in _rows([service(a) for a in assets]).items():
            columns = TABLES[table][0]
            text = io.StringIO()
            numbers = [i for i, c in enumerate(columns) if c in ("latitude", "longitude")]
            writer = SpreadsheetWriter(text, numbers=numbers, lineterminator="\n")
            writer.writerow(columns)
            writer.writerows([[row.get(c) for c in columns] for row in rows])
            archive.writestr(f"{table}.csv", text.getvalue())
    return out.getvalue()


# --- Reading ------------------------------------------------------------------------------------------------


@dataclass
class Service:
    """One service read from a file, nested as in the JSON form, with where it came from for the messages:
    ``label`` ("services.csv row 4", "service 3") and, for a CSV file, the row of its location."""

    data: dict[str, Any]
    label: str
    where: dict[str, str] = field(default_factory=dict)

    def at(self, table: str) -> str:
        """Where the service's row of ``table`` is, for a message."""
        return self.where.get(table, self.label)


class Unreadable(Exception):
    """The file cannot be read at all; ``errors`` say why."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(errors[0].problem if errors else "")
        self.errors = errors


def read_json(data: bytes) -> list[Service]:
    """The services of an Open Referral UK JSON file."""
    try:
        parsed = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise Unreadable(
            [
                RowError(
                    None,
                    "",
                    f"The file is not valid JSON ({exc}).",
                    "Upload the file as the directory gave it.",
                )
            ]
        ) from exc
    items = parsed.get("content") if isinstance(parsed, dict) else parsed
    if not isinstance(items, list):
        raise Unreadable(
            [
                RowError(
                    None,
                    "",
                    "The file holds no list of services.",
                    'Upload an Open Referral UK /services answer ({"content": [...]}) or a list of services.',
                )
            ]
        )
    services = []
    for n, item in enumerate(items, start=1):
        label = f"service {n}"
        if not isinstance(item, dict):
            raise Unreadable(
                [RowError(n, "", f"{label} is not an object.", "Each service must be a JSON object.")]
            )
        services.append(Service(item, label))
    return services


def _table(archive: zipfile.ZipFile, name: str, errors: list[RowError]) -> list[tuple[int, dict[str, str]]]:
    member = next((m for m in archive.namelist() if m.rsplit("/", 1)[-1].lower() == f"{name}.csv"), None)
    if member is None:
        if name in ("organizations", "services"):
            errors.append(RowError(None, name, f"The zip has no {name}.csv.", f"Add {name}.csv to the zip."))
        return []
    records, problem = read_records(archive.read(member), member, contents=f"the {name}")
    if problem:
        errors.append(RowError(problem.row, f"{name}.csv", problem.problem, problem.fix))
        return []
    columns, required = TABLES[name]
    header, header_errors = check_header(records or [], columns + _extra_columns(records), required)
    errors.extend(RowError(e.row, f"{name}.csv {e.column}".strip(), e.problem, e.fix) for e in header_errors)
    rows = []
    for number, values, row_errors in data_rows(records or [], header):
        errors.extend(RowError(e.row, f"{name}.csv", e.problem, e.fix) for e in row_errors)
        # A cell we (or another tool) wrote with a quote before a formula character reads back as typed.
        rows.append((number, {k: restore_cell(v) for k, v in values.items()}))
    return rows


def _extra_columns(records: list[list[str]] | None) -> list[str]:
    # A directory's files carry more of HSDS's columns than the register keeps: they are read and left alone.
    return [" ".join(h.split()).casefold().replace(" ", "_") for h in (records[0] if records else [])]


def read_csv_zip(data: bytes) -> tuple[list[Service], list[RowError]]:
    """The services of an Open Referral UK data package (a zip of CSV files), nested as in the JSON form, and
    the rows whose links name no row (an organization_id, a location_id, a taxonomy_id); a service with such a
    link is left out of the list.

    Raises :class:`Unreadable` listing every problem with the files themselves."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise Unreadable(
            [
                RowError(
                    None, "", "The file is not a zip.", "Upload the data package's zip of CSV files, or JSON."
                )
            ]
        ) from exc
    if sum(info.file_size for info in archive.infolist()) > 50 * 1024 * 1024:
        raise Unreadable(
            [RowError(None, "", "The zip's files come to more than 50 MB.", "Split the directory.")]
        )
    errors: list[RowError] = []
    tables = {name: _table(archive, name, errors) for name in TABLES}
    if errors:
        raise Unreadable(errors)
    services = _assemble(tables, errors)
    return services, errors


def _by(rows: list[tuple[int, dict[str, str]]], key: str) -> dict[str, list[tuple[int, dict[str, str]]]]:
    grouped: dict[str, list[tuple[int, dict[str, str]]]] = defaultdict(list)
    for number, row in rows:
        grouped[row.get(key, "")].append((number, row))
    return grouped


def _assemble(tables: dict[str, list[tuple[int, dict[str, str]]]], errors: list[RowError]) -> list[Service]:
    organizations = {row["id"]: row for _, row in tables["organizations"]}
    locations = {row["id"]: (n, row) for n, row in tables["locations"]}
    taxonomies = {row["id"]: row for _, row in tables["taxonomies"]}
    children = {name: _by(tables[name], "service_id") for name in TABLES if name not in ("services",)}
    by_location = {
        name: _by(tables[name], "location_id")
        for name in ("physical_addresses", "accessibility_for_disabilities")
    }
    services = []
    for number, row in tables["services"]:
        sid, where = row["id"], {"services": f"services.csv row {number}"}
        organization = organizations.get(row.get("organization_id", ""))
        if organization is None:
            errors.append(
                RowError(
                    number,
                    "services.csv organization_id",
                    f"No organization has the id {row.get('organization_id')!r}.",
                    "Add it to organizations.csv, or correct the id.",
                )
            )
            continue
        nested: dict[str, Any] = {**row, "organization": organization}
        for child in ("phones", "regular_schedules", "service_areas", "eligibilitys"):
            nested[child] = [r for _, r in children[child].get(sid, [])]
        nested["service_taxonomys"] = []
        for n, link in children["service_taxonomies"].get(sid, []):
            term = taxonomies.get(link["taxonomy_id"])
            if term is None:
                errors.append(
                    RowError(
                        n,
                        "service_taxonomies.csv taxonomy_id",
                        f"No taxonomy has the id {link['taxonomy_id']!r}.",
                        "Add it to taxonomies.csv, or correct the id.",
                    )
                )
                continue
            nested["service_taxonomys"].append({"id": link["id"], "taxonomy": term})
        nested["service_at_locations"] = []
        for n, link in children["service_at_locations"].get(sid, []):
            found = locations.get(link["location_id"])
            if found is None:
                errors.append(
                    RowError(
                        n,
                        "service_at_locations.csv location_id",
                        f"No location has the id {link['location_id']!r}.",
                        "Add it to locations.csv, or correct the id.",
                    )
                )
                continue
            loc_row, loc = found[0], dict[str, Any](found[1])
            loc["physical_addresses"] = [r for _, r in by_location["physical_addresses"].get(loc["id"], [])]
            loc["accessibility_for_disabilities"] = [
                r for _, r in by_location["accessibility_for_disabilities"].get(loc["id"], [])
            ]
            where.setdefault("locations", f"locations.csv row {loc_row}")
            nested["service_at_locations"].append({"id": link["id"], "location": loc})
        services.append(Service(nested, where["services"], where))
    return services
