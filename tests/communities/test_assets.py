"""The asset register's rules: ABCD categories, who holds an asset, a location that is a UK postcode and/or
coordinates in range, tags, and the audit log of every change."""

from __future__ import annotations

from decimal import Decimal

import pytest

from commonweal.communities import queries
from commonweal.communities.assets.actions import (
    AssetInput,
    check_save_asset,
    clean_tags,
    do_delete_asset,
)
from commonweal.communities.models import Category, Holder, Status, normalise_postcode
from commonweal.core.errors import InvalidInput, NotFound
from commonweal.core.models import AuditEntry
from tests.communities.factories import make_asset
from tests.factories import make_community, make_organisation, make_place, make_system

pytestmark = pytest.mark.django_db


def _fields(exc: InvalidInput) -> dict[str, str]:
    return {f["field"]: f["problem"] for f in exc.detail["fields"]}


def test_categories_are_the_abcd_six():
    assert set(Category.values) == {
        "individuals",
        "associations",
        "institutions",
        "physical",
        "economic",
        "culture",
    }


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("ls1 4ap", "LS1 4AP"),
        ("SW1A1AA", "SW1A 1AA"),
        (" m1  1ae ", "M1 1AE"),
        ("", ""),
        ("GIR0AA", "GIR 0AA"),
    ],
)
def test_postcodes_are_stored_in_one_form(raw, stored):
    assert normalise_postcode(raw) == stored


@pytest.mark.parametrize("raw", ["12345", "LS1", "not a postcode", "LS1 4APX"])
def test_other_postcodes_are_refused(raw):
    with pytest.raises(ValueError):
        normalise_postcode(raw)


def test_a_facilitator_adds_an_asset_with_everything(system, facilitator):
    place, community = make_place(system), make_community(system)
    organisation = make_organisation(system)
    asset = check_save_asset(
        facilitator,
        system,
        AssetInput(
            name="  Eastmarsh   Men's Shed ",
            category=Category.ASSOCIATIONS,
            description="Woodwork and company, Tuesdays.",
            places=[place],
            communities=[community],
            holder=Holder.ORGANISATION,
            holder_organisation=organisation,
            contact_email="shed@example.org",
            contact_phone="01234 567890",
            website="https://shed.example.org",
            opening_times="Tuesdays 10:00 to 16:00",
            accessibility="Step-free entrance; hearing loop.",
            postcode="ab1 2cd",
            latitude="53.80081",
            longitude=-1.549,
            tags="Woodwork, men's health, woodwork",
        ),
    )
    assert asset.name == "Eastmarsh Men's Shed"
    assert asset.postcode == "AB1 2CD"
    assert asset.latitude == Decimal("53.800810") and asset.longitude == Decimal("-1.549000")
    assert sorted(asset.tags.values_list("name", flat=True)) == ["men's health", "woodwork"]
    assert asset.holder_name == organisation.name
    assert asset.status == Status.ACCEPTED
    entry = AuditEntry.objects.get(action="asset.create")
    assert entry.actor == facilitator and entry.after["places"] == [place.pk]
    assert queries.assets_held_by(organisation) == [asset]


def test_every_bad_field_is_named(system):
    other = make_system()
    with pytest.raises(InvalidInput) as caught:
        check_save_asset(
            None,
            system,
            AssetInput(
                name="",
                category="parks",
                places=[make_place(other)],
                holder=Holder.ORGANISATION,
                holder_organisation=make_organisation(other),
                contact_email="not an email",
                website="javascript:alert(1)",
                postcode="nowhere",
                latitude="91",
                longitude="",
            ),
        )
    fields = _fields(caught.value)
    assert set(fields) == {
        "name",
        "category",
        "places",
        "holder_organisation",
        "contact_email",
        "website",
        "postcode",
        "latitude",
    }


def test_coordinates_come_in_pairs(system):
    with pytest.raises(InvalidInput) as caught:
        make_asset(system, latitude="51.5")
    assert set(_fields(caught.value)) == {"longitude"}


def test_a_resident_holder_keeps_no_name_unless_given(system):
    anonymous = make_asset(system, holder=Holder.RESIDENT)
    named = make_asset(system, name="Knitting circle", holder=Holder.RESIDENT, resident_name="Mrs Patel")
    assert anonymous.resident_name == "" and anonymous.holder_name == "A resident"
    assert named.holder_name == "Mrs Patel"
    # A holder organisation given with "a resident" is not stored.
    other = make_asset(
        system, name="X", holder=Holder.RESIDENT, holder_organisation=make_organisation(system)
    )
    assert other.holder_organisation is None


def test_changing_and_deleting_are_audited(system, facilitator):
    asset = make_asset(system)
    check_save_asset(
        facilitator,
        system,
        AssetInput(name="Riverside Central Library", category=Category.INSTITUTIONS),
        asset=asset,
    )
    entry = AuditEntry.objects.get(action="asset.update")
    assert entry.before["name"] == "Riverside Library" and entry.after["name"] == "Riverside Central Library"
    do_delete_asset(facilitator, asset)
    assert AuditEntry.objects.filter(action="asset.delete").count() == 1
    with pytest.raises(NotFound):
        queries.get_asset(system, asset.pk)


def test_tags_are_cleaned():
    assert clean_tags(" Food ,food;  Advice\n\n") == ["food", "advice"]
    assert clean_tags(["a, b", "B"]) == ["a", "b"]


def test_the_register_filters(system):
    north, south = make_place(system, name="North"), make_place(system, name="South")
    carers = make_community(system, name="Carers")
    park = make_asset(system, name="Park", category=Category.PHYSICAL, places=[north], tags=["outdoors"])
    choir = make_asset(system, name="Choir", category=Category.CULTURE, places=[south], communities=[carers])
    make_asset(system, name="Pending thing", status=Status.PENDING)
    everything = queries.filtered_assets(system, queries.AssetFilters())
    assert list(everything) == [choir, park]
    assert list(queries.filtered_assets(system, queries.AssetFilters(category="physical"))) == [park]
    assert list(queries.filtered_assets(system, queries.AssetFilters(place=south.pk))) == [choir]
    assert list(queries.filtered_assets(system, queries.AssetFilters(community=carers.pk))) == [choir]
    assert list(queries.filtered_assets(system, queries.AssetFilters(tag="outdoors"))) == [park]
    assert queries.tag_names(system) == ["outdoors"]
    assert queries.tag_names(system, only="outdoors") == ["outdoors"]
    assert queries.tag_names(system, only="indoors") == queries.tag_names(system, only="") == []


def test_the_map_reads_coordinates_as_numbers_and_counts_in_one_pass(system):
    place = make_place(system, name="North")
    make_asset(system, name="Park", places=[place], latitude="53.812345", longitude="-1.523456")
    make_asset(system, name="Choir", places=[place])
    make_asset(system, name="Pending", status=Status.PENDING, latitude="53.8", longitude="-1.5")
    points = queries.map_points(system, queries.AssetFilters())
    assert [p[1:] for p in points] == [("Park", "institutions", 53.812345, -1.523456)]
    assert isinstance(points[0][3], float)
    assert queries.location_counts(system, queries.AssetFilters()) == (1, 1)
    assert queries.location_counts(system, queries.AssetFilters(place=place.pk, tag="none")) == (0, 0)


def test_other_apps_read_accepted_assets_only(system):
    accepted = make_asset(system, name="Library")
    pending = make_asset(system, name="Pending", status=Status.PENDING)
    other = make_asset(make_system(), name="Elsewhere")
    assert queries.assets_by_ids(system, [accepted.pk, pending.pk, other.pk, "x"]) == [accepted]
    assert queries.asset_choices(system) == [
        (accepted.pk, "Library (Institutions: schools, libraries, businesses, services)")
    ]
    with pytest.raises(NotFound):
        queries.get_asset(system, pending.pk, accepted_only=True)
    with pytest.raises(NotFound):
        queries.get_asset(system, "nope")
