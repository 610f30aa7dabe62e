"""Importing a system's baselines: population counts per place from a Census 2021 table (ONS layout) and workforce
counts by sector. The only place that writes :class:`~commonweal.communities.models.Baseline`.

``check_*`` reads and matches the whole file and raises :class:`~commonweal.core.errors.ImportFailed` listing
every bad row; ``do_import_baseline`` then replaces the dimension's counts for the places the file covers in one
transaction, audited as ``baseline.import``. Nothing is half-imported.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from commonweal.communities.models import Baseline
from commonweal.communities.representation.census import (
    CensusLayoutError,
    CensusTable,
    read_census,
    read_workforce,
)
from commonweal.core import audit
from commonweal.core.csv_input import RowError, key
from commonweal.core.errors import ImportFailed
from commonweal.systems.models import Place, System

__all__ = [
    "BaselineImport",
    "check_import_census",
    "check_import_workforce",
    "do_import_baseline",
    "parse_mapping",
]

#: At most this many area names are quoted in a message about areas outside the system.
QUOTED_AREAS = 5


@dataclass(frozen=True)
class BaselineImport:
    """A checked file, ready to write: the counts per (place id or None, category), the places it covers, and
    the areas of the file that are not in the system (ignored, and said so)."""

    system: System
    dimension: str
    source: str
    counts: dict[tuple[int | None, str], float]
    places: tuple[Place, ...]
    ignored: tuple[str, ...]
    whole_system: bool = False  # the counts are of the whole system (a workforce file without places)

    def summary(self) -> dict[str, Any]:
        return {
            "dimension": self.dimension,
            "source": self.source,
            "places": [p.name for p in self.places],
            "people": round(sum(self.counts.values())),
            "ignored_areas": len(self.ignored),
        }


def _failed(errors: list[RowError], what: str) -> ImportFailed:
    rows = len({e.row for e in errors if e.row not in (None, 1)})
    message = (
        f"The {what} was not imported: {rows} row{'s' if rows != 1 else ''} could not be read. Fix them and upload "
        "it again. Nothing was changed."
        if rows
        else f"The {what} was not imported: {errors[0].problem} Nothing was changed."
    )
    return ImportFailed(message, detail={"errors": [e.as_dict() for e in errors]})


def parse_mapping(text: str, places: Iterable[Place]) -> tuple[dict[str, Place], list[RowError]]:
    """The facilitator's mapping of the file's areas to the system's places: one line each, ``area = place``,
    where the area is its ONS code or name (E01011229 = Eastmarsh). Several areas may map to one place; their
    counts are added together."""
    by_name = {key(p.name): p for p in places}
    mapping: dict[str, Place] = {}
    problems: list[RowError] = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        area, sep, place_name = line.partition("=")
        place = by_name.get(key(place_name))
        if not sep or not area.strip() or place is None:
            problems.append(
                RowError(
                    None,
                    "mapping",
                    f'Line {number} of the mapping ("{line.strip()[:80]}") does not give an area and one of this '
                    "system's places.",
                    "Write one line per area: its code or name, '=', and the place's name as it is listed here.",
                )
            )
            continue
        mapping[key(area)] = place
    return mapping, problems


def _match_areas(
    table: CensusTable, system: System, mapping_text: str
) -> tuple[dict[tuple[int | None, str], float], list[Place], list[str], list[RowError]]:
    places = list(Place.objects.filter(system=system))
    mapping, problems = parse_mapping(mapping_text, places)
    by_name = {key(p.name): p for p in places}
    counts: dict[tuple[int | None, str], float] = {}
    matched: dict[int, Place] = {}
    ignored: list[str] = []
    for area in table.areas:
        place = mapping.get(key(area.code)) or mapping.get(key(area.name)) or by_name.get(key(area.name))
        if place is None:
            ignored.append(f"{area.name} ({area.code})" if area.code else area.name)
            continue
        matched[place.pk] = place
        for category, people in area.counts.items():
            counts[(place.pk, category)] = counts.get((place.pk, category), 0.0) + people
    return counts, sorted(matched.values(), key=lambda p: p.name), ignored, problems


def check_import_census(
    actor: Any, system: System, data: bytes, filename: str = "", mapping: str = ""
) -> BaselineImport:
    """Read a Census 2021 table in the ONS layout and match its areas to ``system``'s places (by the mapping,
    then by name). Areas of the file that are in no place are ignored; a file with none in any place is refused.

    Raises :class:`ImportFailed` naming the layout's problem or every bad row."""
    try:
        table = read_census(data, filename)
    except CensusLayoutError as exc:
        raise _failed(exc.problems, "Census table") from None
    counts, places, ignored, problems = _match_areas(table, system, mapping)
    problems = table.problems + problems
    if not problems and not places:
        quoted = ", ".join(ignored[:QUOTED_AREAS]) + (", ..." if len(ignored) > QUOTED_AREAS else "")
        problems.append(
            RowError(
                None,
                "area",
                f"None of the file's areas ({quoted}) is one of {system.name}'s places.",
                "Name each area's place in the mapping (its code or name = the place), or download the table "
                "for the areas that make up your places.",
            )
        )
    if problems:
        raise _failed(problems, "Census table")
    source = f"{table.classification}, {table.geography}" + (f" ({filename})" if filename else "")
    return BaselineImport(system, table.dimension, source[:200], counts, tuple(places), tuple(ignored))


def check_import_workforce(actor: Any, system: System, data: bytes, filename: str = "") -> BaselineImport:
    """Read workforce counts by sector (columns place, sector, count; place optional) for ``system``.

    Raises :class:`ImportFailed` naming every bad row (an unknown sector or place, a count that is not a whole
    number)."""
    try:
        table = read_workforce(data, filename)
    except CensusLayoutError as exc:
        raise _failed(exc.problems, "workforce file") from None
    places = {key(p.name): p for p in Place.objects.filter(system=system)}
    problems = list(table.problems)
    counts: dict[tuple[int | None, str], float] = {}
    matched: dict[int, Place] = {}
    for (place_name, sector), people in table.rows.items():
        place = places.get(key(place_name)) if place_name else None
        if place_name and place is None:
            problems.append(
                RowError(
                    None,
                    "place",
                    f'"{place_name}" is not one of {system.name}\'s places.',
                    "Use the places' names as they are listed on this page, or leave place empty for the whole "
                    "system.",
                )
            )
            continue
        if place is not None:
            matched[place.pk] = place
        counts[(place.pk if place else None, sector)] = people
    if problems:
        raise _failed(problems, "workforce file")
    whole = any(place_id is None for place_id, _ in counts)
    source = "workforce" + (f" ({filename})" if filename else "")
    return BaselineImport(
        system,
        Baseline.Dimension.SECTOR,
        source[:200],
        counts,
        tuple(matched.values()),
        (),
        whole_system=whole,
    )


def do_import_baseline(actor: Any, plan: BaselineImport) -> int:
    """Replace the dimension's counts for the places the file covers (and the whole system's, for a workforce
    file without places) with the file's, in one transaction; audited. Returns the rows written."""
    with transaction.atomic():
        old = Baseline.objects.filter(system=plan.system, dimension=plan.dimension)
        place_ids = [p.pk for p in plan.places]
        old.filter(place_id__in=place_ids).delete()
        if plan.whole_system:
            old.filter(place__isnull=True).delete()
        rows = [
            Baseline(
                system=plan.system,
                place_id=place_id,
                dimension=plan.dimension,
                category=category,
                people=people,
                source=plan.source,
            )
            for (place_id, category), people in sorted(
                plan.counts.items(), key=lambda kv: (kv[0][0] or 0, kv[0][1])
            )
        ]
        Baseline.objects.bulk_create(rows)
        audit.record(actor, "baseline.import", plan.system, after=plan.summary(), system=plan.system)
    return len(rows)
