"""Reading population counts from Census 2021 tables as the ONS publishes them, and workforce counts by sector.

The ONS website's "download" of a Census 2021 table (TS007A age by five-year bands, TS007 age by single year,
TS008 sex, TS021 ethnic group; for any area type: local authorities, wards, small areas) is a CSV file of five
columns, one row per area and category::

    "Lower tier local authorities Code","Lower tier local authorities","Age (18 categories) Code",
    "Age (18 categories)","Observation"

This module knows that layout (the exact headers it accepts are listed in docs/communities.md), refuses every
other layout with a message saying what it expected, reads each row's count, and sums the Census categories into
the "about you" answers a participant can give (:class:`~commonweal.conversations.models.AgeBand`,
:class:`~commonweal.conversations.models.EthnicGroup`). It matches nothing to places: that is
:mod:`.actions`' job. Pure functions of the file's bytes, no database.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from commonweal.conversations.models import AgeBand, EthnicGroup
from commonweal.core.csv_input import RowError, key, loose, read_records
from commonweal.systems.models import Sector

#: The ONS area types whose downloads are accepted (the label column's header; the code column adds " Code").
GEOGRAPHIES = (
    "Lower tier local authorities",
    "Upper tier local authorities",
    "Local authorities",
    "Electoral wards and divisions",
    "Middle layer Super Output Areas",
    "Lower layer Super Output Areas",
    "Output Areas",
    "Integrated care boards",
    "Sub integrated care board locations",
    "Countries",
    "Regions",
)

#: The classifications accepted, as (header pattern, dimension): "Age (18 categories)", "Age (101 categories)",
#: "Sex (2 categories)", "Ethnic group (20 categories)", "Ethnic group (6 categories)".
CLASSIFICATIONS = (
    (re.compile(r"^age \((18|101) categories\)$"), "age_band"),
    (re.compile(r"^sex \(2 categories\)$"), "sex"),
    (re.compile(r"^ethnic group \((20|6) categories\)$"), "ethnic_group"),
)

OBSERVATION = "Observation"

#: The "about you" age bands as (first year, last year); the last is open (85 or over).
AGE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    (AgeBand.AGED_16_24.value, 16, 24),
    (AgeBand.AGED_25_34.value, 25, 34),
    (AgeBand.AGED_35_44.value, 35, 44),
    (AgeBand.AGED_45_54.value, 45, 54),
    (AgeBand.AGED_55_64.value, 55, 64),
    (AgeBand.AGED_65_74.value, 65, 74),
    (AgeBand.AGED_75_84.value, 75, 84),
    (AgeBand.AGED_85_PLUS.value, 85, None),
)

# The first words of each of TS021's labels ("Asian, Asian British or Asian Welsh: Indian") -> the high-level group.
_ETHNIC_PREFIXES = (
    ("asian", EthnicGroup.ASIAN.value),
    ("black", EthnicGroup.BLACK.value),
    ("mixed", EthnicGroup.MIXED.value),
    ("white", EthnicGroup.WHITE.value),
    ("other ethnic group", EthnicGroup.OTHER.value),
)
_SEXES = {"female": "female", "male": "male"}
# Census categories that are nobody in particular (TS021's "Does not apply", code -8): skipped, not an error.
_NOT_APPLICABLE = {"does not apply"}

_AGE_PATTERNS = (
    (re.compile(r"^aged under (\d+) years?$"), lambda a: (0, a - 1)),
    (re.compile(r"^aged (\d+) years? and under$"), lambda a: (0, a)),
    (re.compile(r"^aged (\d+) years? and over$"), lambda a: (a, None)),
    (re.compile(r"^aged (\d+) years?$"), lambda a: (a, a)),
)
_AGE_RANGE = re.compile(r"^aged (\d+) to (\d+) years?$")


class CensusLayoutError(ValueError):
    """The file is not a Census 2021 table in a layout this importer knows; ``problems`` says why."""

    def __init__(self, problems: list[RowError]) -> None:
        super().__init__(problems[0].problem if problems else "The file cannot be read.")
        self.problems = problems


@dataclass(frozen=True)
class AreaCounts:
    """One area of the file: its ONS code and name, and its people summed into the "about you" categories."""

    code: str
    name: str
    counts: dict[str, float]


@dataclass
class CensusTable:
    """What a Census file holds: its dimension, area type and classification, the areas in the order they came,
    and every row that could not be read."""

    dimension: str  # "age_band", "sex", "ethnic_group"
    geography: str
    classification: str
    areas: list[AreaCounts] = field(default_factory=list)
    problems: list[RowError] = field(default_factory=list)


# --- Categories -------------------------------------------------------------------------------------------------


def age_range(label: str) -> tuple[int, int | None] | None:
    """A Census age category's years, first and last (None: "and over"), from its label; None if not an age."""
    text = key(label)
    found = _AGE_RANGE.match(text)
    if found:
        return int(found.group(1)), int(found.group(2))
    for pattern, years in _AGE_PATTERNS:
        found = pattern.match(text)
        if found:
            return years(int(found.group(1)))
    return None


def age_shares(first: int, last: int | None) -> dict[str, float] | None:
    """How the people of a Census age range are shared among the "about you" bands, assuming they are spread
    evenly over its years (15 to 19: four fifths in 16 to 24, one fifth under 16 and not counted). None when the
    range is open and starts below 85 ("Aged 65 years and over" cannot be split between 65 to 74 and older)."""
    if last is None:
        return {AgeBand.AGED_85_PLUS.value: 1.0} if first >= 85 else None
    years = last - first + 1
    shares: dict[str, float] = {}
    for band, low, high in AGE_BANDS:
        top = last if high is None else min(high, last)
        overlap = top - max(low, first) + 1
        if overlap > 0:
            shares[band] = overlap / years
    return shares


def category_shares(dimension: str, label: str) -> dict[str, float] | None:
    """The "about you" categories one Census category's people go to, with the share of them each gets ({} for
    "Does not apply" and for ages under 16); None when the label is not a category of ``dimension``."""
    text = key(label)
    if text in _NOT_APPLICABLE:
        return {}
    if dimension == "age_band":
        years = age_range(label)
        return age_shares(*years) if years is not None else None
    if dimension == "sex":
        return {_SEXES[text]: 1.0} if text in _SEXES else None
    for prefix, group in _ETHNIC_PREFIXES:
        if text.startswith(prefix):
            return {group: 1.0}
    return None


# --- The layout -------------------------------------------------------------------------------------------------


def _layout_problem(found: list[str]) -> RowError:
    return RowError(
        1,
        "",
        "This is not a Census 2021 table in the layout the ONS publishes (the first row is: "
        + ", ".join(f'"{h}"' for h in found[:6])
        + ").",
        'Download the table from the ONS website as CSV (for example TS007A "Age by five-year age bands", TS008 '
        '"Sex" or TS021 "Ethnic group", for your local authorities or small areas) and upload it unchanged. Its '
        'first row is the area type\'s "Code" column and name column, the category\'s "Code" column and name '
        'column, and "Observation"; docs/communities.md lists every layout accepted.',
    )


def read_layout(header: list[str]) -> tuple[str, str, str] | None:
    """(dimension, area type, classification) of an ONS header row, or None when it is not one we accept."""
    names = [key(h) for h in header]
    while names and not names[-1]:
        names.pop()
    if len(names) != 5 or names[4] != key(OBSERVATION):
        return None
    area, area_code, category, category_code = names[1], names[0], names[3], names[2]
    geography = next((g for g in GEOGRAPHIES if key(g) == area), None)
    if geography is None or area_code != f"{area} code" or category_code != f"{category} code":
        return None
    for pattern, dimension in CLASSIFICATIONS:
        if pattern.match(category):
            return dimension, geography, header[3].strip()
    return None


def _count(raw: str) -> int | None:
    text = raw.replace(",", "").strip()
    return int(text) if text.isdigit() else None


def _row_problems(row: int, values: list[str], table: CensusTable) -> tuple[dict[str, float], list[RowError]]:
    problems: list[RowError] = []
    code, name, label = values[0], values[1], values[3]
    if not code and not name:
        problems.append(RowError(row, "area", "The row names no area.", "Give the area's code and name."))
    people = _count(values[4])
    if people is None:
        raw = values[4]
        problems.append(
            RowError(
                row,
                OBSERVATION,
                f'The count "{raw}" is not a whole number of people.',
                "Give a whole number, 0 or more, as the ONS file does.",
            )
        )
    shares = category_shares(table.dimension, label)
    if shares is None:
        problems.append(
            RowError(
                row,
                table.classification,
                f'"{label}" is not a category of {table.classification} that can be compared with the "about '
                'you" answers.',
                "Use the ONS table unchanged: TS007A (18 age bands) or TS007 (single years) for ages, TS008 for "
                "sex, TS021 (20 or 6 groups) for ethnic group.",
            )
        )
    if problems or people is None or shares is None:
        return {}, problems
    return {category: people * share for category, share in shares.items()}, []


def read_census(data: bytes, filename: str = "") -> CensusTable:
    """The areas and counts of a Census 2021 CSV file in the ONS layout.

    Raises :class:`CensusLayoutError` when the file cannot be read or is not in an accepted layout (nothing
    else is looked at then). Rows that cannot be read are listed in the table's ``problems``, each with its row
    number; the caller imports nothing while there are any."""
    records, problem = read_records(data, filename, contents="the Census table")
    if problem is not None or records is None:
        raise CensusLayoutError([problem] if problem else [])
    layout = read_layout(records[0]) if records else None
    if layout is None:
        raise CensusLayoutError([_layout_problem(records[0] if records else [])])
    table = CensusTable(*layout)
    counts: dict[tuple[str, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for row, values in enumerate(records[1:], start=2):
        if not any(v.strip() for v in values):
            continue
        cells = [v.strip() for v in values] + [""] * (5 - len(values))
        added, problems = _row_problems(row, cells, table)
        table.problems.extend(problems)
        area = counts[(cells[0], cells[1])]
        for category, people in added.items():
            area[category] += people
    if not counts and not table.problems:
        table.problems.append(
            RowError(None, "", "The file has no rows of counts.", "Upload the whole table.")
        )
    table.areas = [AreaCounts(code, name, dict(c)) for (code, name), c in counts.items()]
    return table


# --- Workforce --------------------------------------------------------------------------------------------------

WORKFORCE_COLUMNS = ["place", "sector", "count"]


@dataclass
class WorkforceTable:
    """Workforce counts by sector, per place ("" when the file gives the system's whole workforce)."""

    rows: dict[tuple[str, str], float] = field(default_factory=dict)  # (place name, sector) -> people
    problems: list[RowError] = field(default_factory=list)


def sector_of(text: str) -> str | None:
    """The sector a cell names, by code ("vcse") or by label ("Acute trust"), spacing and case ignored."""
    wanted = loose(text)
    for code, label in Sector.choices:
        if wanted in (loose(code), loose(str(label))):
            return str(code)
    return None


def read_workforce(data: bytes, filename: str = "") -> WorkforceTable:
    """Workforce counts from a simple CSV file: columns ``sector`` and ``count``, and ``place`` (optional).

    Raises :class:`CensusLayoutError` when the file or its header cannot be used; bad rows are in ``problems``."""
    records, problem = read_records(data, filename, contents="the workforce counts")
    if problem is not None or records is None:
        raise CensusLayoutError([problem] if problem else [])
    header = [key(h) for h in records[0]] if records else []
    if (
        "sector" not in header
        or "count" not in header
        or any(h not in WORKFORCE_COLUMNS for h in header if h)
    ):
        raise CensusLayoutError(
            [
                RowError(
                    1,
                    "",
                    "A workforce file's first row must name the columns sector and count (and place, optionally); "
                    "this one names " + ", ".join(f'"{h}"' for h in records[0][:6]) + ".",
                    "Write place,sector,count in the first row, then one row per place and sector.",
                )
            ]
        )
    table = WorkforceTable()
    for row, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue
        values = {h: (record[i].strip() if i < len(record) else "") for i, h in enumerate(header)}
        _workforce_row(table, row, values)
    if not table.rows and not table.problems:
        table.problems.append(RowError(None, "", "The file has no rows of counts.", "Add a row per sector."))
    return table


def _workforce_row(table: WorkforceTable, row: int, values: dict[str, str]) -> None:
    sector = sector_of(values.get("sector", ""))
    people = _count(values.get("count", ""))
    if sector is None:
        table.problems.append(
            RowError(
                row,
                "sector",
                f'"{values.get("sector", "")}" is not one of the sectors.',
                "Use one of: " + ", ".join(str(label) for _, label in Sector.choices) + ".",
            )
        )
    if people is None:
        table.problems.append(
            RowError(
                row,
                "count",
                f'The count "{values.get("count", "")}" is not a whole number of people.',
                "Give a whole number, 0 or more.",
            )
        )
    if sector is not None and people is not None:
        place = values.get("place", "")
        table.rows[(place, sector)] = table.rows.get((place, sector), 0.0) + people
