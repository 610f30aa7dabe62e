"""Exports (CSV, GraphML, Kumu's workbook) read back, and the relationship import: every kind of bad row
reported with its row number, nothing half-imported."""

from __future__ import annotations

import csv
import io

import networkx as nx
import pytest
from openpyxl import load_workbook

from commonweal.core.errors import ImportFailed
from commonweal.core.models import AuditEntry
from commonweal.network.graph import round_network
from commonweal.network.io import IMPORT_COLUMNS, export, parse_relationships, template_csv
from commonweal.network.models import Rating, SurveyResponse
from commonweal.network.system.actions import check_import_relationships
from commonweal.systems.models import Community, IdentifierScheme, Sector
from tests.factories import (
    make_community,
    make_facilitator,
    make_interdependency,
    make_organisation,
    make_place,
    make_response,
    make_round,
    make_system,
    rate,
)

pytestmark = pytest.mark.django_db

HOSPITAL = "Riverside Hospitals NHS Foundation Trust"
CARERS = "Riverside Carers Centre"
COUNCIL = "Riverside Council"


@pytest.fixture
def world():
    system = make_system(slug="riverside")
    place = make_place(system, name="Riverside")
    hospital = make_organisation(
        system,
        name=HOSPITAL,
        sector=Sector.ACUTE,
        identifier_scheme=IdentifierScheme.GB_NHS,
        identifier="RXX",
    )
    hospital.places.set([place])
    carers = make_organisation(system, name=CARERS, sector=Sector.VCSE)
    council = make_organisation(
        system,
        name=COUNCIL,
        sector=Sector.LOCAL_AUTHORITY,
        identifier_scheme=IdentifierScheme.GB_LAE,
        identifier="RIV",
    )
    survey_round = make_round(system, name="2026")
    return {
        "system": system,
        "round": survey_round,
        "hospital": hospital,
        "carers": carers,
        "council": council,
        "facilitator": make_facilitator(system),
    }


def rated_round(world):
    """Two people at the hospital rate the carers (3 and 4, median 3.5); the carers rate the hospital 1."""
    r, hospital, carers = world["round"], world["hospital"], world["carers"]
    rate(make_response(r, hospital), carers, 3, trust=(3, 3, 3), contributions=["volunteers", "information"])
    rate(make_response(r, hospital), carers, 4, trust=(4, 4, 4), contributions=["volunteers"])
    rate(make_response(r, carers), hospital, 1, value=(2, 2, 2))
    rate(make_response(r, carers), world["council"], 0)
    make_interdependency(
        world["system"], carers, hospital, kind="staff", strength="high", evidence="Audit 2025"
    )
    community = make_community(world["system"], name="Carers of Riverside", kind=Community.Kind.INTEREST)
    from commonweal.network.models import Interdependency

    Interdependency.objects.create(
        system=world["system"],
        from_community=community,
        to_organisation=carers,
        kind="capacity",
        description="Carers volunteer at the centre.",
    )
    return r


def test_csv_export_has_one_row_per_directed_rating_with_small_numbers_suppressed(world):
    content, content_type, filename = export(rated_round(world), "csv")
    assert content_type.startswith("text/csv") and filename == "riverside-2026-network.csv"
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8"))))
    by_pair = {(r["organisation"], r["partner"]): r for r in rows}
    assert set(by_pair) == {(HOSPITAL, CARERS), (CARERS, HOSPITAL), (CARERS, COUNCIL)}
    tie = by_pair[(HOSPITAL, CARERS)]
    assert tie["organisation_org_id"] == "GB-NHS-RXX" and tie["organisation_sector"] == "Acute trust"
    assert (tie["intensity"], tie["intensity_meaning"], tie["trust"]) == (
        "3.5",
        "between coordination and integration",
        "3.5",
    )
    # Two people: a count of people under 5 is never written.
    assert tie["respondents"] == "fewer than 5"
    assert tie["contributions"] == "Volunteers; Information"
    assert by_pair[(CARERS, COUNCIL)]["intensity"] == "0"
    assert by_pair[(CARERS, HOSPITAL)]["value"] == "2"


def test_graphml_export_reads_back_with_networkx(world):
    content, _, filename = export(rated_round(world), "graphml")
    assert filename.endswith(".graphml")
    graph = nx.read_graphml(io.BytesIO(content))
    hospital = f"organisation-{world['hospital'].pk}"
    carers = f"organisation-{world['carers'].pk}"
    assert graph.nodes[hospital] == {
        "name": HOSPITAL,
        "type": "organisation",
        "sector": "Acute trust",
        "org_id": "GB-NHS-RXX",
        "places": "Riverside",
    }
    relationships = [(u, v, d) for u, v, d in graph.edges(data=True) if d["kind"] == "relationship"]
    assert len(relationships) == 3
    (tie,) = [d for u, v, d in relationships if (u, v) == (hospital, carers)]
    assert (tie["intensity"], tie["trust"], tie["value"]) == (3.5, 3.5, -1.0)
    flows = {(graph.nodes[u]["name"], graph.nodes[v]["name"], d["interdependency"]) for u, v, d in graph.edges(data=True) if d["kind"] == "interdependency"}  # fmt: skip
    assert flows == {(CARERS, HOSPITAL, "Staff"), ("Carers of Riverside", CARERS, "Capacity")}


def test_kumu_workbook_has_elements_and_connections_sheets(world):
    content, content_type, filename = export(rated_round(world), "kumu")
    assert filename.endswith("-kumu.xlsx") and "spreadsheetml" in content_type
    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["Elements", "Connections"]
    elements = list(book["Elements"].iter_rows(values_only=True))
    assert elements[0] == ("Label", "Type", "Sector", "Places", "Description")
    assert (HOSPITAL, "Organisation", "Acute trust", "Riverside", "Org id GB-NHS-RXX") in elements
    assert ("Carers of Riverside", "Community", None, None, None) in elements
    connections = list(book["Connections"].iter_rows(values_only=True))
    assert connections[0] == (
        "From", "To", "Type", "Direction", "Intensity", "Trust", "Value", "Strength", "Description",
    )  # fmt: skip
    tie = next(c for c in connections if c[:3] == (HOSPITAL, CARERS, "Relationship"))
    assert tie[3:8] == ("directed", 3.5, 3.5, None, 3.5)
    assert "Respondents: fewer than 5" in tie[8]
    flow = next(c for c in connections if c[:3] == (CARERS, HOSPITAL, "Interdependency"))
    assert flow[7] == 3 and flow[8] == "Staff: Discharges wait for care-home places. Evidence: Audit 2025"


def test_an_empty_round_exports_its_organisations_and_no_ties(world):
    content, _, _ = export(world["round"], "csv")
    assert content.decode().strip().count("\n") == 0
    graph = nx.read_graphml(io.BytesIO(export(world["round"], "graphml")[0]))
    assert graph.number_of_nodes() == 3 and graph.number_of_edges() == 0


# --- Import ---------------------------------------------------------------------------------------------------

HEADER = ",".join(IMPORT_COLUMNS) + "\n"


def line(org="", partner="", intensity="", items=("",) * 6, contributions="", respondent=""):
    return ",".join([org, partner, intensity, *items, contributions, respondent]) + "\n"


def test_a_good_file_is_imported_as_responses_grouped_by_respondent(world):
    text = HEADER + "".join(
        [
            line(
                HOSPITAL,
                CARERS,
                "3",
                ("4", "3", "4", "2", "3", "2"),
                "information; Community connections",
                "A",
            ),
            line("gb-nhs-rxx", "GB-LAE-RIV", "2", respondent="A"),  # org ids, any case
            line(HOSPITAL.upper(), CARERS, "4", respondent="B"),
            line(f"  {CARERS}  ", HOSPITAL, "1"),  # no respondent: the carers' rows are one person's
            line(CARERS, COUNCIL, "0"),
        ]
    )
    result = check_import_relationships(
        world["facilitator"], world["round"], text.encode(), filename="rel.csv"
    )
    assert (result.ratings, result.respondents, result.organisations, result.replaced) == (5, 3, 2, 0)
    responses = SurveyResponse.objects.filter(invitation__round=world["round"])
    assert set(responses.values_list("source", flat=True)) == {"import"}
    assert all(r.submitted_at for r in responses)
    first = Rating.objects.get(response__ratings__partner=world["council"], partner=world["carers"])
    assert (first.trust_openness, first.value_resources, first.contributions) == (
        4,
        2,
        ["information", "community_connections"],
    )
    # The two hospital people combine by the median: (3 + 4) / 2.
    ties = {(t.rater, t.partner): t for t in round_network(world["round"]).ties}
    assert ties[(world["hospital"].pk, world["carers"].pk)].intensity == 3.5
    assert ties[(world["hospital"].pk, world["carers"].pk)].respondents == 2
    entry = AuditEntry.objects.get(action="network.import_relationships")
    assert entry.after["ratings"] == 5 and entry.actor == world["facilitator"]


def test_importing_again_replaces_the_earlier_import_and_keeps_survey_answers(world):
    survey = make_response(world["round"], world["council"])
    rate(survey, world["hospital"], 2)
    once = HEADER + line(HOSPITAL, CARERS, "3") + line(CARERS, HOSPITAL, "2")
    check_import_relationships(world["facilitator"], world["round"], once.encode())
    again = check_import_relationships(
        world["facilitator"], world["round"], (HEADER + line(HOSPITAL, CARERS, "1")).encode()
    )
    assert again.replaced == 2
    assert SurveyResponse.objects.filter(source="import").count() == 1
    assert Rating.objects.filter(response=survey).count() == 1
    assert Rating.objects.filter(response__source="import").get().intensity == 1


def test_the_template_file_imports_when_its_organisations_exist(world):
    result = check_import_relationships(world["facilitator"], world["round"], template_csv().encode())
    assert result.ratings == 4 and result.respondents == 3


def problems(world, text: str | bytes, filename: str = "rel.csv") -> list[tuple[int | None, str, str]]:
    data = text.encode() if isinstance(text, str) else text
    parsed = parse_relationships(data, world["round"], filename=filename)
    return [(e.row, e.column, e.problem) for e in parsed.errors]


@pytest.mark.parametrize(
    ("row", "column", "problem"),
    [
        (line("", CARERS, "2"), "organisation", "The organisation is empty."),
        (line("Riverside Hospital", CARERS, "2"), "organisation", "'Riverside Hospital' is not an organisation of this system."),
        (line(HOSPITAL, "GB-NHS-R99", "2"), "partner", "'GB-NHS-R99' is not an organisation of this system."),
        (line(HOSPITAL, "", "2"), "partner", "The partner is empty."),
        (line(HOSPITAL, "gb-nhs-rxx", "2"), "partner", f"'{HOSPITAL}' rates itself."),
        (line(HOSPITAL, CARERS, ""), "intensity", "The intensity is empty."),
        (line(HOSPITAL, CARERS, "5"), "intensity", "'5' is not an intensity: it is a whole number from 0 to 4."),
        (line(HOSPITAL, CARERS, "2.5"), "intensity", "'2.5' is not an intensity: it is a whole number from 0 to 4."),
        (line(HOSPITAL, CARERS, "high"), "intensity", "'high' is not an intensity: it is a whole number from 0 to 4."),
        (line(HOSPITAL, CARERS, "2", ("0", "", "", "", "", "")), "trust_openness", "'0' is not a score from 1 to 4."),
        (line(HOSPITAL, CARERS, "2", ("", "", "", "", "", "5")), "value_resources", "'5' is not a score from 1 to 4."),
        (line(HOSPITAL, CARERS, "2", contributions="data; money"), "contributions", "'money' is not a contribution we know."),
        (line(HOSPITAL, CARERS, "2", respondent="x" * 201), "respondent", "The respondent is 201 characters long; the limit is 200."),
        (line(HOSPITAL, CARERS, "2").rstrip("\n") + ",extra\n", "", "The row has 12 values but the first row names 11 columns."),
    ],
)  # fmt: skip
def test_each_kind_of_bad_row_is_reported_with_its_row_and_column(world, row, column, problem):
    text = HEADER + line(CARERS, HOSPITAL, "1") + row
    assert problems(world, text) == [(3, column, problem)]


def test_a_partner_rated_twice_by_one_person_is_reported_with_the_other_row(world):
    text = HEADER + line(HOSPITAL, CARERS, "2") + line(CARERS, HOSPITAL, "2") + line(HOSPITAL, CARERS, "3")
    ((row, column, problem),) = problems(world, text)
    assert (row, column) == (4, "partner") and problem == f"{HOSPITAL} rates {CARERS} on row 2 too."
    # Two people told apart by the respondent column are no problem; one person twice is.
    labelled = (
        HEADER + line(HOSPITAL, CARERS, "2", respondent="1") + line(HOSPITAL, CARERS, "3", respondent="2")
    )
    assert problems(world, labelled) == []
    twice = labelled + line(HOSPITAL, CARERS, "4", respondent="2")
    assert problems(world, twice)[0][:2] == (4, "partner")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("organisation,partner,intensity,colour\n", (1, "colour", "Unknown column: colour.")),
        ("organisation,intensity\n", (1, "partner", "The required column partner is missing.")),
        (
            "organisation,partner,intensity,partner\n",
            (1, "partner", "The column partner appears more than once."),
        ),
        (",,\n", (1, "", "The first row is empty.")),
        (HEADER, (None, "", "The file has a header row but no ratings.")),
        ("", (None, "", "The file is empty.")),
    ],
)
def test_a_header_or_file_that_cannot_be_used_is_reported(world, text, expected):
    assert problems(world, text)[0] == expected


def test_a_spreadsheet_or_non_utf8_file_is_refused_with_how_to_fix_it(world):
    ((_, _, problem),) = problems(world, b"PK\x03\x04rest", filename="rel.xlsx")
    assert problem == "The file is a spreadsheet, not a CSV file."
    ((row, _, problem),) = problems(
        world, (HEADER + line(HOSPITAL, CARERS, "2")).encode() + "Café".encode("latin-1")
    )
    assert row == 3 and "not in UTF-8" in problem


def test_semicolon_separated_files_with_a_bom_are_understood(world):
    text = "\ufeff" + HEADER.replace(",", ";") + f"{HOSPITAL};{CARERS};2;;;;;;;;\n"
    assert problems(world, text) == []


def test_every_bad_row_is_reported_at_once_and_nothing_is_imported(world):
    text = HEADER + line(HOSPITAL, CARERS, "3") + line("Nobody", CARERS, "2") + line(CARERS, HOSPITAL, "9")
    with pytest.raises(ImportFailed) as caught:
        check_import_relationships(world["facilitator"], world["round"], text.encode())
    rows = [e["row"] for e in caught.value.detail["errors"]]
    assert rows == [3, 4]
    assert "2 problems in 2 rows" in caught.value.message
    assert not SurveyResponse.objects.exists() and not Rating.objects.exists()
    assert not AuditEntry.objects.filter(action="network.import_relationships").exists()


def test_organisations_of_another_system_are_not_matched(world):
    other = make_system()
    make_organisation(other, name="Elsewhere Trust")
    assert problems(world, HEADER + line("Elsewhere Trust", CARERS, "2"))[0][1:] == (
        "organisation",
        "'Elsewhere Trust' is not an organisation of this system.",
    )
