"""Read a CSV file of organisations and say what is wrong with each bad row, before anything is saved.

Columns (the first row names them, in any order, in any case): ``name`` and ``sector`` are required;
``identifier_scheme``, ``identifier``, ``places`` (place names separated by semicolons), ``active_from`` and
``active_to`` are optional. The sector may be given by its code (``vcse``) or its label
(``Voluntary, community and social enterprise (VCSE)``), in any case. Dates are ``YYYY-MM-DD`` (or the UK's
``DD/MM/YYYY``, as spreadsheets write them).

Row numbers are those a spreadsheet shows: the header is row 1, the first organisation row 2.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from commonweal.core.csv_input import MAX_BYTES, RowError, check_header, data_rows, key, loose, read_records
from commonweal.core.spreadsheet import SpreadsheetWriter
from commonweal.systems.models import IdentifierScheme, Organisation, Place, Sector, System

# MAX_BYTES and RowError are the shared ones of core.csv_input, named here too for this import's callers.
__all__ = [
    "COLUMNS",
    "MAX_BYTES",
    "REQUIRED_COLUMNS",
    "OrganisationRow",
    "ParsedFile",
    "RowError",
    "allowed_sectors_text",
    "parse_organisations",
    "template_csv",
]

COLUMNS = ["name", "sector", "identifier_scheme", "identifier", "places", "active_from", "active_to"]
REQUIRED_COLUMNS = ["name", "sector"]
MAX_ROWS = 5000
NAME_MAX = Organisation._meta.get_field("name").max_length or 200
IDENTIFIER_MAX = Organisation._meta.get_field("identifier").max_length or 50


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


def _sector_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for value, label in Sector.choices:
        lookup[loose(value)] = value
        lookup[loose(str(label))] = value
        # "Integrated care board (ICB)" may be written "ICB".
        abbreviation = re.search(r"\(([A-Z]+)\)$", str(label))
        if abbreviation:
            lookup[loose(abbreviation.group(1))] = value
    return lookup


def allowed_sectors_text() -> str:
    return "; ".join(f"{value} ({label})" for value, label in Sector.choices)


_SCHEMES = {key(v): v for v in IdentifierScheme.values}
_UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
# bad(column, problem, fix): records one problem of the row being checked.
_Bad = Callable[[str, str, str], None]


def _parse_date(text: str) -> date:
    text = text.strip()
    m = _UK_DATE.match(text)
    if m:
        day, month, year = (int(g) for g in m.groups())
        return date(year, month, day)
    return datetime.strptime(text, "%Y-%m-%d").date()


def _too_many_rows(count: int) -> RowError:
    return RowError(
        None,
        "",
        f"The file has {count:,} rows; the limit is {MAX_ROWS:,}.",
        "Split it into smaller files and import them one after the other.",
    )


class _RowChecker:
    """What a row is checked against: the system's places and organisations, and the rows seen before it.

    Each ``_*`` method checks one group of columns of one row, adds a :class:`RowError` for each problem and
    returns the cleaned value.
    """

    def __init__(self, system: System) -> None:
        self.sectors = _sector_lookup()
        self.places = {key(p.name): p for p in Place.objects.filter(system=system)}
        self.existing_names = {
            key(n) for n in Organisation.objects.filter(system=system).values_list("name", flat=True)
        }
        self.existing_ids = {
            (s, key(i))
            for s, i in Organisation.objects.filter(system=system)
            .exclude(identifier="")
            .values_list("identifier_scheme", "identifier")
        }
        self.seen_names: dict[str, int] = {}
        self.seen_ids: dict[tuple[str, str], int] = {}

    def check(self, index: int, values: dict[str, str], errors: list[RowError]) -> OrganisationRow | None:
        """The row ready to save, or None when ``errors`` (this row's) gained a problem."""

        def bad(column: str, problem: str, fix: str) -> None:
            errors.append(RowError(index, column, problem, fix))

        name = self._name(index, values, bad)
        sector = self._sector(values, bad)
        scheme, identifier = self._identifier(index, values, bad)
        row_places = self._places(values, bad)
        active_from, active_to = self._dates(values, bad)
        if errors:
            return None
        return OrganisationRow(
            row=index,
            name=name,
            sector=sector,
            identifier_scheme=scheme,
            identifier=identifier,
            places=row_places,
            active_from=active_from,
            active_to=active_to,
        )

    def _name(self, index: int, values: dict[str, str], bad: _Bad) -> str:
        name = " ".join(values.get("name", "").split())
        if not name:
            bad("name", "The name is empty.", "Give the organisation's name.")
        elif len(name) > NAME_MAX:
            bad(
                "name",
                f"The name is {len(name)} characters long; the limit is {NAME_MAX}.",
                "Shorten the name.",
            )
        elif key(name) in self.existing_names:
            bad(
                "name",
                f"'{name}' is already an organisation in this system.",
                "Remove this row, or change the name if it is a different organisation.",
            )
        elif key(name) in self.seen_names:
            bad(
                "name",
                f"'{name}' is also on row {self.seen_names[key(name)]} of this file.",
                "Keep one row for each organisation.",
            )
        else:
            self.seen_names[key(name)] = index
        return name

    def _sector(self, values: dict[str, str], bad: _Bad) -> str:
        sector_text = values.get("sector", "")
        sector = self.sectors.get(loose(sector_text))
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
        return sector or ""

    def _identifier(self, index: int, values: dict[str, str], bad: _Bad) -> tuple[str, str]:
        scheme_text = values.get("identifier_scheme", "")
        identifier = values.get("identifier", "")
        scheme = _SCHEMES.get(key(scheme_text), "")
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
            self._identifier_is_new(index, scheme, identifier, bad)
        return scheme, identifier

    def _identifier_is_new(self, index: int, scheme: str, identifier: str, bad: _Bad) -> None:
        id_key = (scheme, key(identifier))
        if id_key in self.existing_ids:
            bad(
                "identifier",
                f"{scheme} {identifier} already belongs to an organisation in this system.",
                "Remove this row, or correct the identifier.",
            )
        elif id_key in self.seen_ids:
            bad(
                "identifier",
                f"{scheme} {identifier} is also on row {self.seen_ids[id_key]} of this file.",
                "Each identifier belongs to one organisation: correct one of the two rows.",
            )
        else:
            self.seen_ids[id_key] = index

    def _places(self, values: dict[str, str], bad: _Bad) -> list[Place]:
        row_places: list[Place] = []
        for place_name in (p.strip() for p in values.get("places", "").split(";")):
            if not place_name:
                continue
            place = self.places.get(key(place_name))
            if place is None:
                known = ", ".join(sorted(p.name for p in self.places.values())) or "none yet"
                bad(
                    "places",
                    f"'{place_name}' is not a place in this system.",
                    f"Use the places' names separated by semicolons (this system's places: {known}), "
                    "or add the place to the system first.",
                )
            elif place not in row_places:
                row_places.append(place)
        return row_places

    @staticmethod
    def _dates(values: dict[str, str], bad: _Bad) -> tuple[date | None, date | None]:
        start, end = _date(values, "active_from", bad), _date(values, "active_to", bad)
        if start and end and end < start:
            bad(
                "active_to",
                f"The end date {end:%Y-%m-%d} is before the start date {start:%Y-%m-%d}.",
                "Correct one of the two dates.",
            )
        return start, end


def _date(values: dict[str, str], column: str, bad: _Bad) -> date | None:
    raw = values.get(column, "")
    if not raw:
        return None
    try:
        return _parse_date(raw)
    except ValueError:
        bad(
            column,
            f"'{raw}' is not a date we can read.",
            "Write dates as YYYY-MM-DD, for example 2024-04-01 (or 01/04/2024), or leave it empty.",
        )
        return None


def parse_organisations(data: bytes, system: System, *, filename: str = "") -> ParsedFile:
    """Check every row of the file against the rules and the system's existing data; save nothing."""
    records, problem = read_records(data, filename, contents="your organisations")
    if problem or records is None:
        return ParsedFile([], [problem] if problem else [], [])
    header, errors = check_header(records, COLUMNS, REQUIRED_COLUMNS)
    if errors:
        return ParsedFile([], errors, header)
    if len(records) - 1 > MAX_ROWS:
        return ParsedFile([], [_too_many_rows(len(records) - 1)], header)

    checker = _RowChecker(system)
    rows: list[OrganisationRow] = []
    for index, values, row_errors in data_rows(records, header):
        row = checker.check(index, values, row_errors)
        if row is None:
            errors.extend(row_errors)
        else:
            rows.append(row)
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
    writer = SpreadsheetWriter(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerow(
        ["Riverside Hospitals NHS Foundation Trust", "acute", "GB-NHS", "RXX", "", "2020-04-01", ""]
    )
    writer.writerow(["Riverside Carers Centre", "VCSE", "GB-CHC", "1234567", "", "", ""])
    return out.getvalue()
