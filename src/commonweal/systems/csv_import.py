"""Read a CSV file of organisations and say what is wrong with each bad row, before anything is saved.

Columns (the first row names them, in any order, in any case): ``name`` and ``sector`` are required;
``identifier_scheme``, ``identifier``, ``places`` (place names separated by semicolons), ``active_from`` and
``active_to`` are optional. The sector may be given by its code (``vcse``) or its label
(``Voluntary, community and social enterprise (VCSE)``), in any case. Dates are ``YYYY-MM-DD`` (or the UK's
``DD/MM/YYYY``, as spreadsheets write them).

Row numbers are those a spreadsheet shows: the header is row 1, the first organisation row 2.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from .models import IdentifierScheme, Organisation, Place, Sector, System

COLUMNS = ["name", "sector", "identifier_scheme", "identifier", "places", "active_from", "active_to"]
REQUIRED_COLUMNS = ["name", "sector"]
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
NAME_MAX = Organisation._meta.get_field("name").max_length or 200
IDENTIFIER_MAX = Organisation._meta.get_field("identifier").max_length or 50


@dataclass(frozen=True)
class RowError:
    """One thing wrong with one row: where, what, and how to fix it."""

    row: int | None  # None: the file as a whole
    column: str
    problem: str
    fix: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "problem": self.problem, "fix": self.fix}


@dataclass
class OrganisationRow:
    """A row that passed every check, ready to save."""

    row: int
    name: str
    sector: str
    identifier_scheme: str = ""
    identifier: str = ""
    places: list[Place] = field(default_factory=list)
    active_from: date | None = None
    active_to: date | None = None


@dataclass
class ParsedFile:
    rows: list[OrganisationRow]
    errors: list[RowError]
    columns: list[str]


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


def _loose(text: str) -> str:
    """Case, punctuation and spacing do not count when matching a sector."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text.casefold()).split())


def _sector_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for value, label in Sector.choices:
        lookup[_loose(value)] = value
        lookup[_loose(str(label))] = value
        # "Integrated care board (ICB)" may be written "ICB".
        abbreviation = re.search(r"\(([A-Z]+)\)$", str(label))
        if abbreviation:
            lookup[_loose(abbreviation.group(1))] = value
    return lookup


def allowed_sectors_text() -> str:
    return "; ".join(f"{value} ({label})" for value, label in Sector.choices)


_SCHEMES = {_key(v): v for v in IdentifierScheme.values}
_UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def _parse_date(text: str) -> date:
    text = text.strip()
    m = _UK_DATE.match(text)
    if m:
        day, month, year = (int(g) for g in m.groups())
        return date(year, month, day)
    return datetime.strptime(text, "%Y-%m-%d").date()


def file_problem(data: bytes, filename: str = "") -> RowError | None:
    """What makes the file unusable as a whole (empty, too big, not text, not UTF-8), if anything."""
    if not data or not data.strip():
        return RowError(None, "", "The file is empty.", "Choose the CSV file with your organisations in it.")
    if len(data) > MAX_BYTES:
        return RowError(
            None,
            "",
            f"The file is {len(data) / 1024 / 1024:.1f} MB; the limit is {MAX_BYTES // 1024 // 1024} MB.",
            f"Split it into files of at most {MAX_ROWS:,} organisations each.",
        )
    lower = filename.lower()
    if lower.endswith((".xlsx", ".xls", ".ods", ".numbers")) or data[:4] in (
        b"PK\x03\x04",
        b"\xd0\xcf\x11\xe0",
    ):
        return RowError(
            None,
            "",
            "The file is a spreadsheet, not a CSV file.",
            "In your spreadsheet, choose 'Save as' (or 'Download') and 'CSV UTF-8', then upload that file.",
        )
    if b"\x00" in data[:4096]:
        return RowError(
            None,
            "",
            "The file is not a text file, so it cannot be a CSV file.",
            "Save your list as 'CSV UTF-8' from your spreadsheet and upload that file.",
        )
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return RowError(
            line,
            "",
            f"The file is not in UTF-8 text (the first character that is not is on row {line}).",
            "Save the file again choosing 'CSV UTF-8' as the format (in Excel: File, Save as, 'CSV UTF-8').",
        )
    return None


def parse_organisations(data: bytes, system: System, *, filename: str = "") -> ParsedFile:
    """Check every row of the file against the rules and the system's existing data; save nothing."""
    problem = file_problem(data, filename)
    if problem:
        return ParsedFile([], [problem], [])
    text = data.decode("utf-8-sig")
    # The header row says which separator the file uses (spreadsheets in some locales write semicolons);
    # sniffing the whole text would be fooled by the semicolons inside the places column.
    first_line = text.split("\n", 1)[0]
    delimiter = max([",", ";", "\t"], key=lambda d: (first_line.count(d), d == ","))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    errors: list[RowError] = []
    try:
        records = list(reader)
    except csv.Error as exc:
        return ParsedFile(
            [],
            [
                RowError(
                    reader.line_num or None,
                    "",
                    f"The file is not valid CSV ({exc}).",
                    "Check for a quotation mark that is opened and never closed, or save it again as CSV.",
                )
            ],
            [],
        )

    header = [_key(h).replace(" ", "_") for h in (records[0] if records else [])]
    if not any(header):
        return ParsedFile(
            [],
            [
                RowError(
                    1,
                    "",
                    "The first row is empty.",
                    "The first row must name the columns: " + ", ".join(COLUMNS) + ".",
                )
            ],
            [],
        )
    unknown = [h for h in header if h and h not in COLUMNS]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    duplicated = sorted({h for h in header if h and header.count(h) > 1})
    if unknown:
        errors.append(
            RowError(
                1,
                ", ".join(unknown),
                f"Unknown column{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}.",
                "Use only these column names in the first row: " + ", ".join(COLUMNS) + ".",
            )
        )
    if missing:
        errors.append(
            RowError(
                1,
                ", ".join(missing),
                f"The required column{'s' if len(missing) > 1 else ''} {' and '.join(missing)} "
                f"{'are' if len(missing) > 1 else 'is'} missing.",
                "Add a column named " + " and one named ".join(missing) + " to the first row.",
            )
        )
    if duplicated:
        errors.append(
            RowError(
                1,
                ", ".join(duplicated),
                f"The column {', '.join(duplicated)} appears more than once.",
                "Keep one column of each name.",
            )
        )
    if errors:
        return ParsedFile([], errors, header)

    body = records[1:]
    if len(body) > MAX_ROWS:
        return ParsedFile(
            [],
            [
                RowError(
                    None,
                    "",
                    f"The file has {len(body):,} rows; the limit is {MAX_ROWS:,}.",
                    "Split it into smaller files and import them one after the other.",
                )
            ],
            header,
        )

    sectors = _sector_lookup()
    places = {_key(p.name): p for p in Place.objects.filter(system=system)}
    existing_names = {
        _key(n) for n in Organisation.objects.filter(system=system).values_list("name", flat=True)
    }
    existing_ids = {
        (s, _key(i))
        for s, i in Organisation.objects.filter(system=system)
        .exclude(identifier="")
        .values_list("identifier_scheme", "identifier")
    }
    seen_names: dict[str, int] = {}
    seen_ids: dict[tuple[str, str], int] = {}
    rows: list[OrganisationRow] = []

    for index, record in enumerate(body, start=2):
        if not any(cell.strip() for cell in record):
            continue  # blank lines, often at the end of a file, are not rows
        row_errors: list[RowError] = []

        def bad(
            column: str, problem: str, fix: str, *, _row: int = index, _errors: list = row_errors
        ) -> None:
            _errors.append(RowError(_row, column, problem, fix))

        if len(record) > len(header):
            bad(
                "",
                f"The row has {len(record)} values but the first row names {len(header)} columns.",
                "Remove the extra values, or put quotation marks around a value that contains a comma.",
            )
        values = {h: (record[i].strip() if i < len(record) else "") for i, h in enumerate(header) if h}

        name = " ".join(values.get("name", "").split())
        if not name:
            bad("name", "The name is empty.", "Give the organisation's name.")
        elif len(name) > NAME_MAX:
            bad(
                "name",
                f"The name is {len(name)} characters long; the limit is {NAME_MAX}.",
                "Shorten the name.",
            )
        elif _key(name) in existing_names:
            bad(
                "name",
                f"'{name}' is already an organisation in this system.",
                "Remove this row, or change the name if it is a different organisation.",
            )
        elif _key(name) in seen_names:
            bad(
                "name",
                f"'{name}' is also on row {seen_names[_key(name)]} of this file.",
                "Keep one row for each organisation.",
            )
        else:
            seen_names[_key(name)] = index

        sector_text = values.get("sector", "")
        sector = sectors.get(_loose(sector_text))
        if not sector_text:
            bad(
                "sector", "The sector is empty.", "Give one of these sectors: " + allowed_sectors_text() + "."
            )
        elif sector is None:
            bad(
                "sector",
                f"'{sector_text}' is not a sector we know.",
                "Use one of these (the code or the words): " + allowed_sectors_text() + ".",
            )

        scheme_text = values.get("identifier_scheme", "")
        identifier = values.get("identifier", "")
        scheme = _SCHEMES.get(_key(scheme_text), "")
        if scheme_text and not scheme:
            bad(
                "identifier_scheme",
                f"'{scheme_text}' is not an identifier scheme we know.",
                "Use one of " + ", ".join(IdentifierScheme.values) + ", or leave it empty.",
            )
        elif scheme and not identifier:
            bad(
                "identifier",
                f"The identifier scheme is {scheme} but the identifier is empty.",
                "Give the identifier (for GB-NHS, the ODS code), or leave both empty.",
            )
        elif identifier and not scheme_text:
            bad(
                "identifier_scheme",
                f"The identifier is {identifier} but the identifier scheme is empty.",
                "Say which scheme it belongs to: " + ", ".join(IdentifierScheme.values) + ".",
            )
        elif identifier and len(identifier) > IDENTIFIER_MAX:
            bad(
                "identifier",
                f"The identifier is {len(identifier)} characters long; the limit is {IDENTIFIER_MAX}.",
                "Check the identifier: it is probably in the wrong column.",
            )
        elif identifier:
            id_key = (scheme, _key(identifier))
            if id_key in existing_ids:
                bad(
                    "identifier",
                    f"{scheme} {identifier} already belongs to an organisation in this system.",
                    "Remove this row, or correct the identifier.",
                )
            elif id_key in seen_ids:
                bad(
                    "identifier",
                    f"{scheme} {identifier} is also on row {seen_ids[id_key]} of this file.",
                    "Each identifier belongs to one organisation: correct one of the two rows.",
                )
            else:
                seen_ids[id_key] = index

        row_places: list[Place] = []
        for place_name in (p.strip() for p in values.get("places", "").split(";")):
            if not place_name:
                continue
            place = places.get(_key(place_name))
            if place is None:
                known = ", ".join(sorted(p.name for p in places.values())) or "none yet"
                bad(
                    "places",
                    f"'{place_name}' is not a place in this system.",
                    f"Use the places' names separated by semicolons (this system's places: {known}), "
                    "or add the place to the system first.",
                )
            elif place not in row_places:
                row_places.append(place)

        dates: dict[str, date | None] = {}
        for column in ("active_from", "active_to"):
            raw = values.get(column, "")
            dates[column] = None
            if raw:
                try:
                    dates[column] = _parse_date(raw)
                except ValueError:
                    bad(
                        column,
                        f"'{raw}' is not a date we can read.",
                        "Write dates as YYYY-MM-DD, for example 2024-04-01 (or 01/04/2024), or leave it empty.",
                    )
        if dates["active_from"] and dates["active_to"] and dates["active_to"] < dates["active_from"]:
            bad(
                "active_to",
                f"The end date {dates['active_to']:%Y-%m-%d} is before the start date "
                f"{dates['active_from']:%Y-%m-%d}.",
                "Correct one of the two dates.",
            )

        if row_errors:
            errors.extend(row_errors)
        else:
            rows.append(
                OrganisationRow(
                    row=index,
                    name=name,
                    sector=sector or "",
                    identifier_scheme=scheme,
                    identifier=identifier,
                    places=row_places,
                    active_from=dates["active_from"],
                    active_to=dates["active_to"],
                )
            )

    if not rows and not errors:
        errors.append(
            RowError(
                None,
                "",
                "The file has a header row but no organisations.",
                "Add one row for each organisation under the header row.",
            )
        )
    return ParsedFile(rows, errors, header)


def template_csv() -> str:
    """An example file to start from."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerow(
        ["Riverside Hospitals NHS Foundation Trust", "acute", "GB-NHS", "RXX", "", "2020-04-01", ""]
    )
    writer.writerow(["Riverside Carers Centre", "VCSE", "GB-CHC", "1234567", "", "", ""])
    return out.getvalue()
