"""Importing organisations from CSV: every kind of bad row is reported (row, column, what is wrong, how to fix it),
nothing is half-imported, and a good file is imported in full with a summary and an audit trail."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from commonweal.core.errors import ImportFailed
from commonweal.core.models import AuditEntry
from commonweal.systems.actions import check_import_organisations
from commonweal.systems.models import Organisation, Sector
from tests.factories import (
    make_facilitator,
    make_organisation,
    make_place,
    make_system,
)

pytestmark = pytest.mark.django_db

HEADER = "name,sector,identifier_scheme,identifier,places,active_from,active_to\n"


@pytest.fixture
def system(system):
    """Riverside with the two places the files name."""
    make_place(system, name="Riverside North")
    make_place(system, name="Eastgate")
    return system


def errors_of(system, facilitator, text: str | bytes, filename: str = "orgs.csv") -> list[dict]:
    data = text.encode() if isinstance(text, str) else text
    with pytest.raises(ImportFailed) as info:
        check_import_organisations(facilitator, system, data, filename=filename)
    assert (
        Organisation.objects.filter(system=system).count() == 0 or info.value
    )  # see the all-or-nothing test
    return info.value.detail["errors"]


def test_a_good_file_is_imported_in_full_with_places_dates_and_an_audit_trail(system, facilitator):
    text = HEADER + (
        "Riverside Hospitals NHS Foundation Trust,acute,GB-NHS,RXX,Riverside North;eastgate,2020-04-01,\n"
        "Riverside Carers Centre,Voluntary community and social enterprise (VCSE),,,,,\n"
        "Eastgate Council,LOCAL AUTHORITY,gb-lae,EAS,Eastgate,01/04/2019,31/03/2030\n"
        "\n"
    )
    result = check_import_organisations(facilitator, system, text.encode(), filename="orgs.csv")
    assert result.count == 3
    trust = Organisation.objects.get(name="Riverside Hospitals NHS Foundation Trust")
    assert trust.sector == Sector.ACUTE
    assert trust.org_id == "GB-NHS-RXX"
    assert sorted(p.name for p in trust.places.all()) == ["Eastgate", "Riverside North"]
    assert str(trust.active_from) == "2020-04-01" and trust.active_to is None
    carers = Organisation.objects.get(name="Riverside Carers Centre")
    assert carers.sector == Sector.VCSE  # the label without its comma still names the sector
    council = Organisation.objects.get(name="Eastgate Council")
    assert council.identifier_scheme == "GB-LAE"
    assert str(council.active_from) == "2019-04-01" and str(council.active_to) == "2030-03-31"
    summary = AuditEntry.objects.get(action="organisation.import")
    assert summary.after["organisations"] == 3
    assert AuditEntry.objects.filter(action="organisation.create", system=system).count() == 3


def test_a_bom_and_semicolon_separated_columns_are_understood(system, facilitator):
    text = "\ufeffname;sector\nRiverside Carers Centre;vcse\n"
    assert check_import_organisations(facilitator, system, text.encode()).count == 1


def test_an_unknown_sector_is_reported_with_the_allowed_values(system, facilitator):
    errors = errors_of(system, facilitator, HEADER + "Good Org,vcse,,,,,\nBad Org,charity,,,,,\n")
    assert len(errors) == 1
    (e,) = errors
    assert e["row"] == 3 and e["column"] == "sector"
    assert "'charity' is not a sector we know" in e["problem"]
    assert "vcse (Voluntary, community and social enterprise (VCSE))" in e["fix"]
    assert "acute (Acute trust)" in e["fix"]


def test_a_bad_date_is_reported_with_the_format_to_use(system, facilitator):
    (e,) = errors_of(system, facilitator, HEADER + "Org,vcse,,,,2024-13-01,\n")
    assert (e["row"], e["column"]) == (2, "active_from")
    assert "is not a date we can read" in e["problem"]
    assert "YYYY-MM-DD" in e["fix"]


def test_an_end_before_the_start_is_reported(system, facilitator):
    (e,) = errors_of(system, facilitator, HEADER + "Org,vcse,,,,2024-04-01,2023-04-01\n")
    assert e["column"] == "active_to" and "before the start date" in e["problem"]


def test_a_name_twice_in_the_file_is_reported_with_the_other_row(system, facilitator):
    (e,) = errors_of(
        system, facilitator, HEADER + "Carers Centre,vcse,,,,,\nOther,vcse,,,,,\ncarers  centre,vcse,,,,,\n"
    )
    assert (e["row"], e["column"]) == (4, "name")
    assert "also on row 2" in e["problem"]


def test_a_name_already_in_the_system_is_reported(system, facilitator):
    make_organisation(system, name="Riverside Carers Centre")
    (e,) = errors_of(system, facilitator, HEADER + "RIVERSIDE CARERS CENTRE,vcse,,,,,\n")
    assert e["column"] == "name" and "already an organisation in this system" in e["problem"]


def test_a_name_in_another_system_is_no_problem(system, facilitator):
    make_organisation(make_system(), name="Riverside Carers Centre")
    assert (
        check_import_organisations(
            facilitator, system, (HEADER + "Riverside Carers Centre,vcse,,,,,\n").encode()
        ).count
        == 1
    )


def test_an_unknown_place_is_reported_with_the_systems_places(system, facilitator):
    (e,) = errors_of(system, facilitator, HEADER + "Org,vcse,,,Riverside North;Westbrook,,\n")
    assert e["column"] == "places" and "'Westbrook' is not a place in this system" in e["problem"]
    assert "Eastgate, Riverside North" in e["fix"]


def test_identifier_problems_are_reported(system, facilitator):
    make_organisation(system, name="Existing", identifier_scheme="GB-NHS", identifier="RXX")
    text = HEADER + (
        "A,acute,GB-XYZ,1,,,\n"  # unknown scheme
        "B,acute,GB-NHS,,,,\n"  # scheme without identifier
        "C,acute,,R1,,,\n"  # identifier without scheme
        "D,acute,GB-NHS,rxx,,,\n"  # already in the system
        "E,acute,GB-NHS,R2,,,\n"
        "F,acute,GB-NHS,R2,,,\n"  # twice in the file
    )
    errors = errors_of(system, facilitator, text)
    by_row = {e["row"]: e for e in errors}
    assert sorted(by_row) == [2, 3, 4, 5, 7]
    assert "not an identifier scheme we know" in by_row[2]["problem"]
    assert by_row[3]["column"] == "identifier"
    assert by_row[4]["column"] == "identifier_scheme"
    assert "already belongs to an organisation" in by_row[5]["problem"]
    assert "also on row 6" in by_row[7]["problem"]


def test_missing_values_and_extra_values_are_reported(system, facilitator):
    errors = errors_of(system, facilitator, HEADER + ",vcse,,,,,\nOrg,,,,,,\nOrg2,vcse,,,,,,extra\n")
    assert [(e["row"], e["column"]) for e in errors] == [(2, "name"), (3, "sector"), (4, "")]
    assert "put quotation marks around a value that contains a comma" in errors[2]["fix"]


def test_a_header_with_unknown_or_missing_columns_is_reported(system, facilitator):
    errors = errors_of(system, facilitator, "organisation,type\nOrg,vcse\n")
    assert {e["row"] for e in errors} == {1}
    assert "Unknown columns: organisation, type" in errors[0]["problem"]
    assert "name and sector are missing" in errors[1]["problem"]


def test_every_bad_row_is_reported_at_once_and_nothing_is_imported(system, facilitator):
    text = (
        HEADER + "Good One,vcse,,,,,\nBad One,nonsense,,,,,\nGood Two,acute,,,,,\nBad Two,vcse,,,Nowhere,,\n"
    )
    errors = errors_of(system, facilitator, text)
    assert [e["row"] for e in errors] == [3, 5]
    assert Organisation.objects.filter(system=system).count() == 0  # the good rows were not imported either
    assert not AuditEntry.objects.filter(action__startswith="organisation").exists()


@pytest.mark.parametrize(
    ("data", "filename", "expected"),
    [
        (b"", "orgs.csv", "The file is empty"),
        (b"   \n\n", "orgs.csv", "The file is empty"),
        (b"name,sector\n", "orgs.csv", "has a header row but no organisations"),
        ("name,sector\nCaf\xe9,vcse\n".encode("latin-1"), "orgs.csv", "not in UTF-8"),
        (b"PK\x03\x04\x14\x00\x06\x00", "orgs.xlsx", "is a spreadsheet, not a CSV file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "logo.png", "not a text file"),
    ],
)
def test_files_that_are_not_usable_csv_are_refused_clearly(system, facilitator, data, filename, expected):
    errors = errors_of(system, facilitator, data, filename=filename)
    assert expected in errors[0]["problem"]
    assert errors[0]["fix"]


# --- Through the page -------------------------------------------------------------------------------------------


def upload(client, system, text: str | bytes, name: str = "orgs.csv"):
    data = text.encode() if isinstance(text, str) else text
    return client.post(
        f"/manage/systems/{system.slug}/organisations/import/",
        {"file": SimpleUploadedFile(name, data, content_type="text/csv")},
    )


def test_the_import_page_lists_each_problem_in_a_table(client, system, facilitator):
    client.force_login(facilitator)
    response = upload(client, system, HEADER + "Org,charity,,,,,\nOrg2,vcse,,,,31-12-2024,\n")
    assert response.status_code == 400
    html = response.content.decode()
    assert "The file was not imported" in html
    assert "2 problems in 2 rows" in html
    assert "&#x27;charity&#x27; is not a sector we know" in html
    assert "&#x27;31-12-2024&#x27; is not a date we can read" in html
    assert Organisation.objects.count() == 0


def test_the_import_page_says_what_was_imported(client, system, facilitator):
    client.force_login(facilitator)
    response = upload(client, system, HEADER + "One,vcse,,,,,\nTwo,vcse,,,,,\nThree,acute,,,,,\n")
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert (
        "3 organisations imported (1 Acute trust, 2 Voluntary, community and social enterprise (VCSE))"
        in (page.content.decode())
    )


def test_the_import_page_asks_for_a_file(client, system, facilitator):
    client.force_login(facilitator)
    response = client.post(f"/manage/systems/{system.slug}/organisations/import/", {})
    assert response.status_code == 400
    assert "Choose a CSV file to upload" in response.content.decode()


def test_the_example_file_imports_cleanly(client, system, facilitator):
    client.force_login(facilitator)
    example = client.get(f"/manage/systems/{system.slug}/organisations/import/organisations.csv")
    assert example["Content-Type"].startswith("text/csv")
    assert upload(client, system, example.content).status_code == 302
    assert Organisation.objects.filter(system=system).count() == 2


def test_only_the_systems_facilitators_can_import(client, system):
    other = make_facilitator(make_system())
    client.force_login(other)
    response = upload(client, system, HEADER + "One,vcse,,,,,\n")
    assert response.status_code == 403
    assert Organisation.objects.count() == 0
