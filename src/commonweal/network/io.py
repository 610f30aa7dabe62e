"""The system map in and out of files: a round's ties as CSV, GraphML and Kumu's spreadsheet layout, and
relationships imported from CSV into a round.

Exports: every directed rating of the round (0 included: "we know them, no relationship" is information),
combined over the rater's respondents by the median (:mod:`commonweal.network.graph`). Counts of people (the
respondents behind a rating) under 5 are written "fewer than 5" (:mod:`commonweal.core.small_numbers`).

Import: the first row names the columns, in any order and any case. ``organisation``, ``partner`` and
``intensity`` are required; ``trust_openness``, ``trust_reliability``, ``trust_mission``, ``value_power``,
``value_involvement``, ``value_resources`` (1 to 4), ``contributions`` (separated by semicolons) and
``respondent`` (any label: the rows of one person share it) are optional. Organisations are matched by name
(case and spacing do not count) or by org id such as ``GB-NHS-RXX``. Row numbers are those a spreadsheet shows:
the header is row 1.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import networkx as nx
from openpyxl import Workbook
from openpyxl.styles import Font

from commonweal.analysis.network.types import RoundNetwork, Tie
from commonweal.core.csv_input import RowError, check_header, data_rows, key, loose, read_records
from commonweal.core.small_numbers import fewer_than, suppress_count
from commonweal.core.spreadsheet import SpreadsheetWriter, append_row
from commonweal.network.graph import round_network
from commonweal.network.models import (
    INTENSITY_DEFINITIONS,
    TRUST_ITEMS,
    VALUE_ITEMS,
    Contribution,
    Intensity,
    Interdependency,
    SurveyRound,
)
from commonweal.systems.models import Organisation, Place, Sector

ITEMS = [*TRUST_ITEMS, *VALUE_ITEMS]
IMPORT_COLUMNS = ["organisation", "partner", "intensity", *ITEMS, "contributions", "respondent"]
REQUIRED_COLUMNS = ["organisation", "partner", "intensity"]
MAX_ROWS = 100_000
RESPONDENT_MAX = 200

EXPORT_FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "graphml": ("application/graphml+xml; charset=utf-8", "graphml"),
    "kumu": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}


# ---------------------------------------------------------------------------------------------------------
# Export


@dataclass(frozen=True)
class Element:
    """An organisation (or, for interdependencies, a community) as the exports describe it."""

    key: str  # "organisation-12", "community-3": unique across both kinds
    name: str
    kind: str  # "organisation" or "community"
    sector: str = ""  # the label, such as "Acute trust"
    org_id: str = ""
    places: tuple[str, ...] = ()


@dataclass(frozen=True)
class Flow:
    """An interdependency, between two elements."""

    source: str
    target: str
    kind: str
    strength: str
    description: str
    evidence: str


@dataclass
class RoundExport:
    """Everything an export of one round writes."""

    system_name: str
    round_name: str
    elements: dict[str, Element]
    ties: tuple[Tie, ...]
    flows: list[Flow] = field(default_factory=list)

    def organisation(self, org_pk: int) -> Element:
        return self.elements[f"organisation-{org_pk}"]


def round_export(survey_round: SurveyRound, net: RoundNetwork | None = None) -> RoundExport:
    """Read a round's ties, the system's organisations and its interdependencies from the database."""
    system = survey_round.system
    net = net or round_network(survey_round)
    sectors = dict(Sector.choices)
    place_names = dict(Place.objects.filter(system=system).values_list("pk", "name"))
    org_ids = {
        pk: f"{scheme}-{identifier}"
        for pk, scheme, identifier in Organisation.objects.filter(system=system)
        .exclude(identifier="")
        .values_list("pk", "identifier_scheme", "identifier")
    }
    elements = {
        f"organisation-{n.id}": Element(
            key=f"organisation-{n.id}",
            name=n.name,
            kind="organisation",
            sector=str(sectors.get(n.sector, n.sector)),
            org_id=org_ids.get(n.id, ""),
            places=tuple(sorted(place_names[p] for p in n.place_ids if p in place_names)),
        )
        for n in net.nodes
    }
    flows = []
    interdependencies = Interdependency.objects.filter(system=system).select_related(
        "from_community", "to_community"
    )
    for dep in interdependencies:
        ends = []
        for org_pk, community in (
            (dep.from_organisation_id, dep.from_community),
            (dep.to_organisation_id, dep.to_community),
        ):
            if org_pk is not None:
                ends.append(f"organisation-{org_pk}")
            else:
                assert community is not None  # the interdependency_one_from/_to constraints
                key = f"community-{community.pk}"
                elements.setdefault(key, Element(key=key, name=community.name, kind="community"))
                ends.append(key)
        flows.append(
            Flow(
                source=ends[0],
                target=ends[1],
                kind=str(dep.get_kind_display()),
                strength=dep.strength,
                description=dep.description,
                evidence=dep.evidence,
            )
        )
    ties = tuple(
        t
        for t in net.ties
        if f"organisation-{t.rater}" in elements and f"organisation-{t.partner}" in elements
    )
    return RoundExport(system.name, survey_round.name, elements, ties, flows)


def people(n: int) -> str:
    """A count of people for an export: the number, or "fewer than 5"."""
    shown = suppress_count(n)
    return fewer_than() if shown is None else str(shown)


def _contributions(tie: Tie) -> str:
    # Most named first; the counts are people, so they are left out rather than shown as small numbers.
    labels = dict(Contribution.choices)
    ordered = sorted(tie.contributions, key=lambda c: (-c[1], c[0]))
    return "; ".join(str(labels.get(code, code)) for code, _ in ordered)


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


CSV_COLUMNS = [
    "organisation", "organisation_org_id", "organisation_sector",
    "partner", "partner_org_id", "partner_sector",
    "intensity", "intensity_meaning", "trust", "value", "respondents", "contributions",
]  # fmt: skip
# Written as numbers; every other column is text, guarded against formula injection (core.spreadsheet).
CSV_NUMBER_COLUMNS = [CSV_COLUMNS.index(c) for c in ("intensity", "trust", "value", "respondents")]


def export_csv(data: RoundExport) -> str:
    """One row per directed rating: who rates whom, how (median over the rater's respondents), and by how many."""
    out = io.StringIO()
    writer = SpreadsheetWriter(out, numbers=CSV_NUMBER_COLUMNS, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for tie in sorted(
        data.ties, key=lambda t: (data.organisation(t.rater).name, data.organisation(t.partner).name)
    ):
        rater, partner = data.organisation(tie.rater), data.organisation(tie.partner)
        writer.writerow(
            [
                rater.name,
                rater.org_id,
                rater.sector,
                partner.name,
                partner.org_id,
                partner.sector,
                _number(tie.intensity),
                _intensity_meaning(tie.intensity),
                _number(tie.trust),
                _number(tie.value),
                people(tie.respondents),
                _contributions(tie),
            ]  # fmt: skip
        )
    return out.getvalue()


def _intensity_meaning(value: float) -> str:
    labels = dict(Intensity.choices)
    if value == int(value):
        return str(labels[int(value)])
    return f"between {str(labels[int(value)]).lower()} and {str(labels[min(4, int(value) + 1)]).lower()}"


def as_graph(data: RoundExport) -> nx.MultiDiGraph:
    """The round as a networkx graph: organisations (and communities with interdependencies) as nodes; ratings
    (``kind`` "relationship") and interdependencies (``kind`` "interdependency") as directed edges."""
    graph = nx.MultiDiGraph(name=f"{data.system_name}: {data.round_name}")
    for e in data.elements.values():
        graph.add_node(
            e.key, name=e.name, type=e.kind, sector=e.sector, org_id=e.org_id, places="; ".join(e.places)
        )
    for tie in data.ties:
        graph.add_edge(
            f"organisation-{tie.rater}",
            f"organisation-{tie.partner}",
            kind="relationship",
            intensity=float(tie.intensity),
            trust=float(tie.trust) if tie.trust is not None else -1.0,
            value=float(tie.value) if tie.value is not None else -1.0,
            respondents=people(tie.respondents),
            contributions=_contributions(tie),
        )
    for flow in data.flows:
        graph.add_edge(
            flow.source,
            flow.target,
            kind="interdependency",
            interdependency=flow.kind,
            strength=flow.strength,
            description=flow.description,
            evidence=flow.evidence,
        )
    return graph


def export_graphml(data: RoundExport) -> bytes:
    """GraphML (Gephi, yEd, Cytoscape desktop). A missing trust or value is written -1: GraphML attributes have
    one type, so a number column cannot hold "none"."""
    out = io.BytesIO()
    nx.write_graphml(as_graph(data), out, encoding="utf-8")
    return out.getvalue()


KUMU_ELEMENT_COLUMNS = ["Label", "Type", "Sector", "Places", "Description"]
KUMU_CONNECTION_COLUMNS = [
    "From",
    "To",
    "Type",
    "Direction",
    "Intensity",
    "Trust",
    "Value",
    "Strength",
    "Description",
]


def export_kumu(data: RoundExport) -> bytes:
    """Kumu's spreadsheet layout: a workbook with the sheets "Elements" and "Connections", which Kumu's import
    reads (Label is the key; several values in a cell are separated by "|")."""
    book = Workbook()
    elements = book.active
    elements.title = "Elements"
    append_row(elements, KUMU_ELEMENT_COLUMNS)
    for e in sorted(data.elements.values(), key=lambda e: (e.kind != "organisation", e.name)):
        description = f"Org id {e.org_id}" if e.org_id else ""
        append_row(elements, [e.name, e.kind.capitalize(), e.sector, "|".join(e.places), description])
    connections = book.create_sheet("Connections")
    append_row(connections, KUMU_CONNECTION_COLUMNS)
    for tie in sorted(
        data.ties, key=lambda t: (data.organisation(t.rater).name, data.organisation(t.partner).name)
    ):
        meaning = _intensity_meaning(tie.intensity)
        contributions = _contributions(tie)
        append_row(
            connections,
            [
                data.organisation(tie.rater).name,
                data.organisation(tie.partner).name,
                "Relationship",
                "directed",
                tie.intensity,
                tie.trust,
                tie.value,
                # Kumu sizes connections by Strength: the intensity, 0 to 4.
                tie.intensity,
                f"{meaning}. Respondents: {people(tie.respondents)}."
                + (f" Contributes: {contributions}." if contributions else ""),
            ],
        )
    for flow in data.flows:
        append_row(
            connections,
            [
                data.elements[flow.source].name,
                data.elements[flow.target].name,
                "Interdependency",
                "directed",
                None,
                None,
                None,
                {"low": 1, "medium": 2, "high": 3}.get(flow.strength, 2),
                f"{flow.kind}: {flow.description}" + (f" Evidence: {flow.evidence}" if flow.evidence else ""),
            ],
        )
    for sheet in (elements, connections):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export(survey_round: SurveyRound, fmt: str) -> tuple[bytes, str, str]:
    """The round in ``fmt`` (csv, graphml or kumu): (content, content type, file name)."""
    data = round_export(survey_round)
    content_type, extension = EXPORT_FORMATS[fmt]
    if fmt == "csv":
        content = export_csv(data).encode("utf-8")
    elif fmt == "graphml":
        content = export_graphml(data)
    else:
        content = export_kumu(data)
    slug = re.sub(r"[^0-9A-Za-z]+", "-", f"{survey_round.system.slug} {survey_round.name}").strip("-").lower()
    suffix = "-kumu" if fmt == "kumu" else ""
    return content, content_type, f"{slug}-network{suffix}.{extension}"


# ---------------------------------------------------------------------------------------------------------
# Import


@dataclass
class ImportedRating:
    """A row that passed every check."""

    row: int
    partner: Organisation
    intensity: int
    items: dict[str, int | None]
    contributions: list[str]


@dataclass
class ImportedRespondent:
    """The rows of one person (one ``respondent`` label within an organisation; without labels, one person per
    organisation)."""

    organisation: Organisation
    label: str
    ratings: list[ImportedRating] = field(default_factory=list)


@dataclass
class ParsedRelationships:
    respondents: list[ImportedRespondent]
    errors: list[RowError]

    @property
    def n_ratings(self) -> int:
        return sum(len(r.ratings) for r in self.respondents)


def _contribution_lookup() -> dict[str, str]:
    lookup = {}
    for value, label in Contribution.choices:
        lookup[loose(value)] = value
        lookup[loose(str(label))] = value
    return lookup


def allowed_contributions_text() -> str:
    return "; ".join(f"{value} ({label})" for value, label in Contribution.choices)


def _organisation_lookup(organisations: Iterable[Organisation]) -> dict[str, Organisation]:
    lookup: dict[str, Organisation] = {}
    for org in organisations:
        lookup[key(org.name)] = org
        if org.identifier:
            lookup[key(f"{org.identifier_scheme}-{org.identifier}")] = org
    return lookup


def parse_relationships(data: bytes, survey_round: SurveyRound, *, filename: str = "") -> ParsedRelationships:
    """Check every row against the rules and the system's organisations; save nothing."""
    records, problem = read_records(data, filename, contents="your organisations' ratings")
    if problem or records is None:
        return ParsedRelationships([], [problem] if problem else [])
    header, errors = check_header(records, IMPORT_COLUMNS, REQUIRED_COLUMNS)
    if errors:
        return ParsedRelationships([], errors)
    if len(records) - 1 > MAX_ROWS:
        return ParsedRelationships([], [_too_many_rows(len(records) - 1)])
    checks = _RowChecks(_organisation_lookup(Organisation.objects.filter(system=survey_round.system)))
    respondents: dict[tuple[int, str], ImportedRespondent] = {}
    for index, values, row_errors in data_rows(records, header):
        rating = checks.row(_Row(index, values, row_errors))
        if row_errors or rating is None:
            errors.extend(row_errors)
            continue
        rater, label, imported = rating
        person = respondents.setdefault((rater.pk, key(label)), ImportedRespondent(rater, label))
        person.ratings.append(imported)
    if not respondents and not errors:
        errors.append(
            RowError(
                None,
                "",
                "The file has a header row but no ratings.",
                "Add one row for each rating under the header row.",
            )
        )
    return ParsedRelationships(list(respondents.values()) if not errors else [], errors)


def _too_many_rows(n: int) -> RowError:
    return RowError(
        None,
        "",
        f"The file has {n:,} rows; the limit is {MAX_ROWS:,}.",
        "Split it into smaller files, one for a group of organisations each.",
    )


@dataclass
class _Row:
    """One data row being checked: its number (as a spreadsheet shows it), its values and its problems."""

    index: int
    values: dict[str, str]
    errors: list[RowError]

    def bad(self, column: str, problem: str, fix: str) -> None:
        self.errors.append(RowError(self.index, column, problem, fix))


class _RowChecks:
    """The checks of one file's rows, column by column; remembers the pairs seen, to refuse a repeated one."""

    def __init__(self, organisations: dict[str, Organisation]) -> None:
        self.organisations = organisations
        self.contributions = _contribution_lookup()
        self.seen: dict[tuple[int, str, int], int] = {}

    def row(self, row: _Row) -> tuple[Organisation, str, ImportedRating] | None:
        """Check every column of ``row`` (its problems go to ``row.errors``, in the order of the columns):
        (the rater, the respondent's label, the rating), or None when a required value is missing or wrong."""
        rater, partner = self.ends(row)
        intensity = _intensity(row)
        items = _items(row)
        named = self.named_contributions(row)
        label = _respondent(row)
        if rater is not None and partner is not None:
            self.repeated(row, rater, partner, label)
        if rater is None or partner is None or intensity is None:
            return None
        return rater, label, ImportedRating(row.index, partner, intensity, items, named)

    def ends(self, row: _Row) -> tuple[Organisation | None, Organisation | None]:
        ends: dict[str, Organisation | None] = {}
        for column in ("organisation", "partner"):
            text = " ".join(row.values.get(column, "").split())
            ends[column] = self.organisations.get(key(text)) if text else None
            if not text:
                row.bad(
                    column,
                    f"The {column} is empty.",
                    f"Give the {column}'s name or org id (such as GB-NHS-RXX).",
                )
            elif ends[column] is None:
                row.bad(
                    column,
                    f"'{text}' is not an organisation of this system.",
                    "Write the name as it is on the organisations page, or its org id (such as GB-NHS-RXX); "
                    "or add the organisation to the system first.",
                )
        rater, partner = ends["organisation"], ends["partner"]
        if rater is not None and partner is not None and rater.pk == partner.pk:
            row.bad(
                "partner",
                f"'{rater.name}' rates itself.",
                "Remove this row: an organisation rates its partners only.",
            )
        return rater, partner

    def named_contributions(self, row: _Row) -> list[str]:
        named: list[str] = []
        for text in (c.strip() for c in row.values.get("contributions", "").split(";")):
            if not text:
                continue
            code = self.contributions.get(loose(text))
            if code is None:
                row.bad(
                    "contributions",
                    f"'{text}' is not a contribution we know.",
                    "Use these, separated by semicolons (the code or the words): "
                    + allowed_contributions_text()
                    + ".",
                )
            elif code not in named:
                named.append(code)
        return named

    def repeated(self, row: _Row, rater: Organisation, partner: Organisation, label: str) -> None:
        pair = (rater.pk, key(label), partner.pk)
        if pair not in self.seen:
            self.seen[pair] = row.index
            return
        who = f"respondent '{label}' of {rater.name}" if label else rater.name
        row.bad(
            "partner",
            f"{who} rates {partner.name} on row {self.seen[pair]} too.",
            "Keep one row for each partner, or put a respondent column in to tell the people apart."
            if not label
            else "Keep one row for each partner a person rates.",
        )


def _intensity(row: _Row) -> int | None:
    raw = row.values.get("intensity", "")
    if not raw:
        row.bad(
            "intensity",
            "The intensity is empty.",
            "Give a whole number from 0 (no relationship) to 4 (integration).",
        )
        return None
    if not re.fullmatch(r"[0-4]", raw):
        row.bad(
            "intensity",
            f"'{raw}' is not an intensity: it is a whole number from 0 to 4.",
            "Use 0 none, 1 awareness, 2 cooperation, 3 coordination or 4 integration.",
        )
        return None
    return int(raw)


def _items(row: _Row) -> dict[str, int | None]:
    items: dict[str, int | None] = {}
    for item in ITEMS:
        raw = row.values.get(item, "")
        items[item] = None
        if raw and not re.fullmatch(r"[1-4]", raw):
            row.bad(
                item,
                f"'{raw}' is not a score from 1 to 4.",
                "Use a whole number from 1 (not at all) to 4 (a great deal), or leave it empty.",
            )
        elif raw:
            items[item] = int(raw)
    return items


def _respondent(row: _Row) -> str:
    label = " ".join(row.values.get("respondent", "").split())
    if len(label) > RESPONDENT_MAX:
        row.bad(
            "respondent",
            f"The respondent is {len(label)} characters long; the limit is {RESPONDENT_MAX}.",
            "Use a short label, such as a number or initials.",
        )
    return label


def template_csv() -> str:
    """An example file to start from: two people of one organisation and one of another."""
    out = io.StringIO()
    writer = SpreadsheetWriter(out, lineterminator="\r\n")
    writer.writerow(IMPORT_COLUMNS)
    writer.writerow(
        [
            "Riverside Hospitals NHS Foundation Trust",
            "Riverside Carers Centre",
            "3",
            "4",
            "3",
            "4",
            "2",
            "3",
            "2",
            "information; community connections",
            "1",
        ]
    )
    writer.writerow(
        ["Riverside Hospitals NHS Foundation Trust", "GB-LAE-RIV", "2", "3", "3", "", "", "", "", "", "1"]
    )
    writer.writerow(
        [
            "Riverside Hospitals NHS Foundation Trust",
            "Riverside Carers Centre",
            "2",
            "",
            "",
            "",
            "",
            "",
            "",
            "volunteers",
            "2",
        ]
    )
    writer.writerow(
        [
            "Riverside Carers Centre",
            "Riverside Hospitals NHS Foundation Trust",
            "1",
            "2",
            "2",
            "3",
            "3",
            "1",
            "1",
            "",
            "",
        ]
    )
    return out.getvalue()


def intensity_help() -> list[tuple[int, str]]:
    return [(value, str(text)) for value, text in sorted(INTENSITY_DEFINITIONS.items())]
