"""Read-only lookups of the community asset register, for this app's pages and for the apps above it.

The strategy app links aims and commitments to assets with these functions (it must not read the tables
itself): :func:`asset_choices` for its forms, :func:`assets_by_ids` to check what a facilitator chose, and
:func:`accepted_assets` / :func:`get_asset` to show them. "My part" shows :func:`assets_held_by`.
Only accepted assets are offered outside the register: pending and rejected ones are the moderators' business.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Avg, Count, FloatField, Q, QuerySet
from django.db.models.functions import Cast

from commonweal.communities.models import Asset, AssetTag, MappingLink, Status
from commonweal.core.errors import NotFound
from commonweal.systems.models import Organisation, Place, System

__all__ = [
    "AssetFilters",
    "accepted_assets",
    "asset_choices",
    "assets_by_ids",
    "assets_held_by",
    "filtered_assets",
    "get_asset",
    "get_mapping_link",
    "location_counts",
    "map_points",
    "place_centres",
    "tag_names",
]


@dataclass(frozen=True)
class AssetFilters:
    """What the register is narrowed to: ``place`` and ``community`` are ids, ``tag`` a tag's name, ``status``
    one of :class:`~commonweal.communities.models.Status` (accepted unless said), ``text`` words of the name."""

    category: str = ""
    place: int | None = None
    community: int | None = None
    tag: str = ""
    status: str = Status.ACCEPTED
    text: str = ""


def accepted_assets(system: System) -> QuerySet[Asset]:
    """The system's accepted assets, by name."""
    return Asset.objects.filter(system=system, status=Status.ACCEPTED)


def get_asset(system: System, asset_id: Any, *, accepted_only: bool = False) -> Asset:
    """The asset ``asset_id`` of ``system`` (any status unless ``accepted_only``), or :class:`NotFound`."""
    try:
        pk = int(asset_id)
    except (TypeError, ValueError):
        pk = 0
    found = Asset.objects.filter(system=system, pk=pk).select_related(
        "holder_organisation", "holder_community", "mapping_link__place", "moderated_by"
    )
    if accepted_only:
        found = found.filter(status=Status.ACCEPTED)
    asset = found.first()
    if asset is None:
        raise NotFound("That asset is not in this system's register: it may have been deleted.")
    return asset


def filtered_assets(system: System, filters: AssetFilters) -> QuerySet[Asset]:
    """The register narrowed by ``filters``, by name (each filter is one indexed condition)."""
    found = Asset.objects.filter(system=system)
    if filters.status:
        found = found.filter(status=filters.status)
    if filters.category:
        found = found.filter(category=filters.category)
    if filters.place:
        found = found.filter(places__id=filters.place)
    if filters.community:
        found = found.filter(communities__id=filters.community)
    if filters.tag:
        found = found.filter(pk__in=AssetTag.objects.filter(name=filters.tag).values("asset_id"))
    if filters.text:
        found = found.filter(Q(name__icontains=filters.text) | Q(description__icontains=filters.text))
    return found.order_by("name", "pk")


def assets_by_ids(system: System, ids: Iterable[Any]) -> list[Asset]:
    """The accepted assets of ``system`` among ``ids`` (others, and ids that are not numbers, are left out)."""
    wanted = {int(i) for i in ids if str(i).isdigit()}
    return list(accepted_assets(system).filter(pk__in=wanted))


def asset_choices(system: System) -> list[tuple[int, str]]:
    """(id, "name (category)") of every accepted asset, for a form's choices."""
    labels = dict(Asset._meta.get_field("category").choices or [])
    return [
        (pk, f"{name} ({labels.get(category, category)})")
        for pk, name, category in accepted_assets(system).values_list("pk", "name", "category")
    ]


def assets_held_by(organisation: Organisation) -> list[Asset]:
    """The accepted assets ``organisation`` holds, by name."""
    return list(
        Asset.objects.filter(holder_organisation=organisation, status=Status.ACCEPTED).order_by("name", "pk")
    )


def tag_names(system: System, *, only: str | None = None) -> list[str]:
    """Every tag of the system's accepted assets, alphabetically; with ``only``, just that tag when it is one
    (for what shows no list of tags: reading every distinct tag of 20,000 assets costs tens of milliseconds)."""
    found = AssetTag.objects.filter(asset__system=system, asset__status=Status.ACCEPTED)
    if only is not None:
        if not only:
            return []
        found = found.filter(name=only)
    return list(found.values_list("name", flat=True).distinct().order_by("name"))


def location_counts(system: System, filters: AssetFilters) -> tuple[int, int]:
    """(with coordinates, without) among the filtered register, in one pass over it."""
    counts = (
        filtered_assets(system, filters)
        .order_by()
        .aggregate(located=Count("latitude"), everything=Count("pk"))
    )
    return counts["located"], counts["everything"] - counts["located"]


def map_points(system: System, filters: AssetFilters) -> list[tuple[int, str, str, float, float]]:
    """(id, name, category, latitude, longitude) of each asset of the filtered register that has coordinates."""
    # The coordinates are read as floats by the database: converting 20,000 pairs to Decimal and back cost most
    # of a second (benchmarks/communities.py). In the order they were added, so the drawing is stable.
    rows = (
        filtered_assets(system, filters)
        .filter(latitude__isnull=False)
        .order_by("pk")
        .annotate(lat=Cast("latitude", FloatField()), lon=Cast("longitude", FloatField()))
        .values_list("pk", "name", "category", "lat", "lon")
    )
    return [(pk, name, category, float(lat or 0), float(lon or 0)) for pk, name, category, lat, lon in rows]


def get_mapping_link(token: str) -> MappingLink:
    """The open mapping link with ``token``, or :class:`NotFound` saying what to do."""
    link = (
        MappingLink.objects.filter(token=token, is_active=True).select_related("system", "place").first()
        if token
        else None
    )
    if link is None:
        raise NotFound(
            "This link does not work: it may have been closed, or not copied in full. Ask the person who "
            "shared it for the link to add community assets."
        )
    return link


def place_centres(system: System) -> list[tuple[str, float, float]]:
    """(name, latitude, longitude) of each place of ``system``: the middle of its accepted assets that have
    coordinates (places have no boundary of their own), for labelling the map."""
    on_map = Q(assets__status=Status.ACCEPTED, assets__latitude__isnull=False)
    rows = (
        Place.objects.filter(system=system)
        .annotate(lat=Avg("assets__latitude", filter=on_map), lon=Avg("assets__longitude", filter=on_map))
        .filter(lat__isnull=False)
        .values_list("name", "lat", "lon")
    )
    return [(name, float(lat), float(lon)) for name, lat, lon in rows]
