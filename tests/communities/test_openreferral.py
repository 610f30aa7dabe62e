"""Open Referral UK import and export: a council's directory (JSON and the CSV data package), every bad row
reported with nothing half-imported, the round trip of the register, and the plain CSV and JSON exports."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest

from commonweal.communities.models import Asset, Category, Holder, Source, Status
from commonweal.communities.openreferral import oruk, plain
from commonweal.communities.openreferral.actions import check_import_openreferral
from commonweal.core.errors import ImportFailed
from commonweal.core.models import AuditEntry
from commonweal.core.spreadsheet import FORMULA_TRIGGERS
from tests.communities.factories import make_asset
from tests.communities.oruk_samples import council_directory, council_json, with_bad_rows
from tests.factories import make_community, make_organisation, make_place, make_system

pytestmark = pytest.mark.django_db

BASE = "/manage/systems/riverside/assets/"


def _riverside(system):
    make_place(system, name="Eastmarsh")
    make_community(system, name="Unpaid carers")
    make_organisation(system, name="Riverside Council for Voluntary Service")


def test_a_councils_directory_imports(system, facilitator):
    _riverside(system)
    report = check_import_openreferral(facilitator, system, council_json(), "council.json")
    assert len(report.added) == 3 and report.already == 0
    club = Asset.objects.get(name="Eastmarsh Lunch Club")
    assert club.category == Category.INSTITUTIONS  # the default: the file puts it in no ABCD category
    assert club.holder == Holder.ORGANISATION and club.holder_organisation.name.startswith(
        "Riverside Council"
    )
    assert club.postcode == "S1 2HH" and float(club.latitude) == pytest.approx(53.411)
    assert club.address == "1 High Street, Eastmarsh" and club.accessibility == "Step-free entrance"
    assert club.opening_times == "TU 10:00 12:00" and club.contact_phone == "01632 960000"
    assert [p.name for p in club.places.all()] == ["Eastmarsh"]
    assert list(club.tags.values_list("name", flat=True)) == ["social activities"]
    assert club.source == Source.IMPORT and club.status == Status.ACCEPTED and club.openreferral_id == "svc-1"
    assert Asset.objects.get(name="Eastmarsh Walking for Health").category == Category.ASSOCIATIONS
    library = Asset.objects.get(name="Eastmarsh Library")
    assert library.holder == Holder.OTHER and library.holder_name == "Riverside Metropolitan Borough Council"
    assert [c.name for c in library.communities.all()] == ["Unpaid carers"]
    assert AuditEntry.objects.get(action="asset.import").after["assets"] == 3
    # The same file again adds nothing.
    again = check_import_openreferral(facilitator, system, council_json(), "council.json")
    assert again.added == [] and again.already == 3 and Asset.objects.count() == 3


def test_every_bad_row_is_reported_and_nothing_is_imported(system, facilitator):
    with pytest.raises(ImportFailed) as caught:
        check_import_openreferral(facilitator, system, with_bad_rows(), "council.json")
    problems = [e["problem"] for e in caught.value.detail["errors"]]
    assert len(problems) == 3
    assert any(p.startswith("service 1 (svc-1): Enter the asset's name") for p in problems)
    assert any("service 3 (Eastmarsh Library): Enter a UK postcode" in p for p in problems)
    assert any("service 3 (Eastmarsh Library): Enter the latitude" in p for p in problems)
    assert not Asset.objects.exists() and not AuditEntry.objects.filter(action="asset.import").exists()


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (b"{not json", "not valid JSON"),
        (b'{"services": 1}', "no list of services"),
        (b"PK\x03\x04xx", "not a zip"),
    ],
)
def test_unreadable_files_are_refused(system, data, words):
    with pytest.raises(ImportFailed) as caught:
        check_import_openreferral(None, system, data, "x")
    assert words in caught.value.message or words in json.dumps(caught.value.detail)


def _full_register(system):
    place, community = make_place(system, name="Northvale"), make_community(system, name="Young people")
    organisation = make_organisation(system, name="Age Well")
    make_asset(
        system,
        name="=Knit club",
        category=Category.ASSOCIATIONS,
        description="Wool; tea",
        places=[place],
        communities=[community],
        holder=Holder.ORGANISATION,
        holder_organisation=organisation,
        contact_email="knit@example.org",
        contact_phone="+44 1632 960001",
        website="https://knit.example.org",
        opening_times="Mondays 2pm",
        accessibility="Hearing loop",
        address="Church Hall",
        postcode="LS1 4AP",
        latitude="53.8",
        longitude="-1.55",
        tags=["crafts", "company"],
    )
    make_asset(
        system,
        name="Mrs Patel's recipes",
        category=Category.INDIVIDUALS,
        holder=Holder.RESIDENT,
        resident_name="Mrs Patel",
    )
    make_asset(system, name="Hidden", status=Status.PENDING)


def _same(a, b):
    fields = [
        "name",
        "category",
        "description",
        "holder",
        "holder_name",
        "contact_email",
        "contact_phone",
        "website",
        "opening_times",
        "accessibility",
        "address",
        "postcode",
        "latitude",
        "longitude",
    ]
    assert [getattr(a, f) for f in fields] == [getattr(b, f) for f in fields]
    assert [p.name for p in a.places.all()] == [p.name for p in b.places.all()]
    assert [c.name for c in a.communities.all()] == [c.name for c in b.communities.all()]
    assert sorted(t.name for t in a.tags.all()) == sorted(t.name for t in b.tags.all())


@pytest.mark.parametrize("form", ["json", "zip"])
def test_the_register_round_trips(fclient, system, form):
    _full_register(system)
    url = f"{BASE}export/openreferral-uk.{form}"
    body = fclient.get(url).content
    if form == "zip":
        names = set(zipfile.ZipFile(io.BytesIO(body)).namelist())
        assert {
            "services.csv",
            "organizations.csv",
            "locations.csv",
            "taxonomies.csv",
            "service_taxonomies.csv",
        } <= names
    else:
        assert json.loads(body)["totalElements"] == 2  # accepted assets only
    other = make_system(slug="elsewhere")
    make_place(other, name="Northvale")
    make_community(other, name="Young people")
    make_organisation(other, name="Age Well")
    report = check_import_openreferral(None, other, body, f"riverside.{form}")
    assert len(report.added) == 2
    for original in Asset.objects.filter(system=system, status=Status.ACCEPTED):
        _same(original, Asset.objects.get(system=other, name=original.name))
    # Into the system it came from, nothing is added twice.
    assert check_import_openreferral(None, system, body, "again").already == 2


def test_a_bad_row_of_the_csv_package_names_its_file_and_row(system):
    make_asset(system, name="Park", latitude="53.8", longitude="-1.5")
    archive = zipfile.ZipFile(io.BytesIO(oruk.to_csv_zip(Asset.objects.all())))
    files = {n: archive.read(n).decode() for n in archive.namelist()}
    files["locations.csv"] = files["locations.csv"].replace("53.8", "north")
    files["services.csv"] += "svc-x,missing-org,Orphan,,,,active\n"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, text in files.items():
            z.writestr(name, text)
    with pytest.raises(ImportFailed) as caught:
        check_import_openreferral(None, make_system(), out.getvalue(), "bad.zip")
    errors = caught.value.detail["errors"]
    assert any(e["row"] == 3 and "organization" in e["column"] for e in errors)
    assert any("locations.csv row 2 (Park): Enter the latitude" in e["problem"] for e in errors)


def test_plain_exports_and_no_formulas(fclient, system):
    _full_register(system)
    rows = list(csv.reader(io.StringIO(fclient.get(f"{BASE}export/assets.csv").content.decode())))
    assert rows[0] == plain.COLUMNS and len(rows) == 3
    knit = next(r for r in rows if "Knit" in r[1])
    assert knit[1] == "'=Knit club" and knit[rows[0].index("tags")] in ("crafts; company", "company; crafts")
    for row in rows[1:]:
        for cell in row:
            assert cell[:1] not in FORMULA_TRIGGERS or cell.lstrip("-").replace(".", "").isdigit()
    data = json.loads(fclient.get(f"{BASE}export/assets.json").content)
    assert {d["name"] for d in data} == {"=Knit club", "Mrs Patel's recipes"}
    zipped = zipfile.ZipFile(io.BytesIO(fclient.get(f"{BASE}export/openreferral-uk.zip").content))
    for name in zipped.namelist():
        for row in csv.reader(io.StringIO(zipped.read(name).decode())):
            for cell in row:
                assert cell[:1] not in FORMULA_TRIGGERS or cell.lstrip("-").replace(".", "").isdigit()


def test_the_import_page(fclient, system):
    _riverside(system)
    bad = fclient.post(
        f"{BASE}import/", {"file": io.BytesIO(with_bad_rows()), "default_category": "institutions"}
    )
    html = bad.content.decode()
    assert bad.status_code == 200 and "3 problems to fix" in html and "Enter a UK postcode" in html
    upload = io.BytesIO(council_json())
    upload.name = "council.json"
    done = fclient.post(f"{BASE}import/", {"file": upload, "default_category": "associations"}, follow=True)
    assert "Imported 3 assets from council.json." in done.content.decode()
    assert Asset.objects.get(name="Eastmarsh Lunch Club").category == Category.ASSOCIATIONS
    assert "Open Referral UK" in fclient.get(f"{BASE}transfer/").content.decode()


def test_council_fixture_is_the_api_shape():
    assert council_directory()["content"][0]["organization"]["id"] == "org-vcs"
