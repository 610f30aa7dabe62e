"""The Census 2021 importer: the ONS download layouts it knows, bad files refused with a clear message, each bad
row reported, areas matched to places (by name or by the mapping), and nothing half-imported."""

from __future__ import annotations

import pytest

from commonweal.communities.models import Baseline
from commonweal.communities.representation.actions import (
    check_import_census,
    check_import_workforce,
    do_import_baseline,
)
from commonweal.communities.representation.census import (
    CensusLayoutError,
    age_shares,
    category_shares,
    read_census,
    read_layout,
)
from commonweal.core.errors import ImportFailed
from tests.factories import make_place, make_system

AGE_HEADER = (
    '"Lower tier local authorities Code","Lower tier local authorities","Age (18 categories) Code",'
    '"Age (18 categories)","Observation"\n'
)
ETHNIC_HEADER = (
    "Lower layer Super Output Areas Code,Lower layer Super Output Areas,Ethnic group (20 categories) Code,"
    "Ethnic group (20 categories),Observation\n"
)


def age_file(rows: list[tuple[str, str, int, str, str]]) -> bytes:
    return (AGE_HEADER + "".join(f'{c},{n},{k},"{label}",{v}\n' for c, n, k, label, v in rows)).encode()


def test_the_accepted_layouts_are_recognised_whatever_the_case():
    assert read_layout(AGE_HEADER.replace('"', "").strip().split(",")) == (
        "age_band",
        "Lower tier local authorities",
        "Age (18 categories)",
    )
    assert read_layout(ETHNIC_HEADER.strip().split(","))[0] == "ethnic_group"
    sex = [
        "Electoral Wards and Divisions Code",
        "Electoral wards and divisions",
        "Sex (2 categories) Code",
        "Sex (2 categories)",
        "Observation",
    ]
    assert read_layout(sex)[0] == "sex"


@pytest.mark.parametrize(
    "header",
    [
        "date,geography,geography code,Age: Total; measures: Value\n",  # Nomis' bulk layout
        "area,age,count\n",
        "Lower tier local authorities Code,Lower tier local authorities,Religion (10 categories) Code,"
        "Religion (10 categories),Observation\n",  # a table it does not compare
        "Lower tier local authorities Code,Lower tier local authorities,Age (18 categories) Code,"
        "Age (18 categories),Percentage\n",
    ],
)
def test_other_layouts_are_refused_saying_what_was_expected(header):
    with pytest.raises(CensusLayoutError) as caught:
        read_census((header + "E1,Eastmarsh,1,x,3\n").encode())
    problem = caught.value.problems[0]
    assert "not a Census 2021 table in the layout the ONS publishes" in problem.problem
    assert "Observation" in problem.fix and "TS007A" in problem.fix


def test_a_spreadsheet_is_refused():
    with pytest.raises(CensusLayoutError) as caught:
        read_census(b"PK\x03\x04rest", "ts007a.xlsx")
    assert "spreadsheet" in caught.value.problems[0].problem


def test_five_year_bands_are_summed_into_the_about_you_bands_evenly_by_year():
    assert age_shares(15, 19) == {"16-24": pytest.approx(0.8)}  # one year in five is under 16
    assert age_shares(20, 24) == {"16-24": 1.0}
    assert age_shares(0, 4) == {}
    assert age_shares(85, None) == {"85+": 1.0}
    assert age_shares(65, None) is None  # "65 and over" cannot be split
    assert category_shares("age_band", "Aged 4 years and under") == {}
    assert category_shares("age_band", "Aged 30 years") == {"25-34": 1.0}
    assert category_shares(
        "ethnic_group", "Black, Black British, Black Welsh, Caribbean or African: African"
    ) == {"black": 1.0}
    assert category_shares("ethnic_group", "Does not apply") == {}
    assert category_shares("ethnic_group", "Martian") is None


def test_rows_are_read_and_each_bad_row_is_reported():
    table = read_census(
        age_file(
            [
                ("E1", "Eastmarsh", 4, "Aged 15 to 19 years", "100"),
                ("E1", "Eastmarsh", 5, "Aged 20 to 24 years", "1,000"),
                ("E1", "Eastmarsh", 6, "Aged 25 to 29 years", "lots"),
                ("E1", "Eastmarsh", 99, "Aged forever", "5"),
            ]
        )
    )
    assert [p.row for p in table.problems] == [4, 5]
    assert "lots" in table.problems[0].problem and "Aged forever" in table.problems[1].problem


@pytest.mark.django_db
def test_import_matches_areas_to_places_by_name_and_by_mapping_and_ignores_the_rest():
    system = make_system(name="Riverside")
    eastmarsh, westbrook = make_place(system, name="Eastmarsh"), make_place(system, name="Westbrook")
    data = age_file(
        [
            ("E1", "Eastmarsh", 4, "Aged 15 to 19 years", "100"),
            ("E1", "Eastmarsh", 5, "Aged 20 to 24 years", "120"),
            ("E2", "Westbrook Ward A", 7, "Aged 30 to 34 years", "50"),
            ("E3", "Westbrook Ward B", 7, "Aged 30 to 34 years", "70"),
            ("E9", "Leeds", 7, "Aged 30 to 34 years", "9000"),
        ]
    )
    plan = check_import_census(
        None, system, data, "ts007a.csv", mapping="E2 = Westbrook\nwestbrook ward b=westbrook"
    )
    assert plan.counts == {(eastmarsh.pk, "16-24"): pytest.approx(200), (westbrook.pk, "25-34"): 120}
    assert plan.ignored == ("Leeds (E9)",)
    assert do_import_baseline(None, plan) == 2
    assert Baseline.objects.filter(system=system, dimension="age_band").count() == 2
    # A second import of the same places replaces their counts.
    do_import_baseline(None, check_import_census(None, system, data, mapping="E2=Westbrook\nE3=Westbrook"))
    assert Baseline.objects.filter(system=system, dimension="age_band").count() == 2


@pytest.mark.django_db
def test_a_file_with_a_bad_row_imports_nothing():
    system = make_system()
    make_place(system, name="Eastmarsh")
    data = age_file([("E1", "Eastmarsh", 5, "Aged 20 to 24 years", "120"), ("E1", "Eastmarsh", 6, "x", "-3")])
    with pytest.raises(ImportFailed) as caught:
        check_import_census(None, system, data)
    errors = caught.value.detail["errors"]
    assert {e["row"] for e in errors} == {3} and len(errors) == 2  # the count and the category
    assert "1 row could not be read" in str(caught.value)
    assert not Baseline.objects.exists()


@pytest.mark.django_db
def test_a_file_with_none_of_the_places_is_refused_and_a_bad_mapping_line_is_named():
    system = make_system(name="Riverside")
    make_place(system, name="Eastmarsh")
    data = age_file([("E9", "Leeds", 5, "Aged 20 to 24 years", "120")])
    with pytest.raises(ImportFailed) as caught:
        check_import_census(None, system, data)
    assert (
        "None of the file's areas (Leeds (E9)) is one of Riverside's places"
        in caught.value.detail["errors"][0]["problem"]
    )
    with pytest.raises(ImportFailed) as caught:
        check_import_census(None, system, data, mapping="E9 = Atlantis")
    assert "Line 1 of the mapping" in caught.value.detail["errors"][0]["problem"]


@pytest.mark.django_db
def test_workforce_counts_by_sector_with_bad_rows_reported():
    system = make_system()
    eastmarsh = make_place(system, name="Eastmarsh")
    plan = check_import_workforce(
        None, system, b"place,sector,count\nEastmarsh,Acute trust,400\nEastmarsh,vcse,90\n"
    )
    assert plan.counts == {(eastmarsh.pk, "acute"): 400, (eastmarsh.pk, "vcse"): 90}
    with pytest.raises(ImportFailed) as caught:
        check_import_workforce(None, system, b"place,sector,count\nAtlantis,Acute trust,4\n,Bakers,x\n")
    problems = [e["problem"] for e in caught.value.detail["errors"]]
    assert any("Bakers" in p for p in problems) and any("Atlantis" in p for p in problems)
    assert any('"x"' in p for p in problems)
    with pytest.raises(ImportFailed):
        check_import_workforce(None, system, AGE_HEADER.encode())
