"""The asset register's facilitator pages, under /manage/systems/<system>/assets/: the register (a table with
filters), each asset's page, add, change and delete, and the map (Leaflet over the points when JavaScript runs;
an SVG drawn on the server and the same data as a table without it).

Views parse input, call ``require`` and then one action (changes) or a query; every change is a POST that
redirects (POST-redirect-GET).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from commonweal.accounts.decorators import manager_view
from commonweal.communities import queries
from commonweal.communities.assets import actions
from commonweal.communities.assets.drawing import COLOURS, render_svg
from commonweal.communities.assets.forms import AssetForm, read_filters
from commonweal.communities.models import Asset, Category, Status
from commonweal.communities.permissions import can, require
from commonweal.core.middleware import CONTENT_SECURITY_POLICY
from commonweal.core.pages import Kind, kind_page
from commonweal.systems.models import System
from commonweal.systems.queries import get_system

PAGE_SIZE = 100


def _query(request: HttpRequest, **extra: Any) -> str:
    """The request's filters (without its page) as a query string, with ``extra``."""
    params = {k: v for k, v in request.GET.items() if k != "page" and v}
    params.update({k: v for k, v in extra.items() if v})
    return urlencode(params)


def _page(request: HttpRequest, items: Any, count: int | None = None) -> Any:
    """The requested page of ``items`` (``count`` is their number when it is known already).

    The page's ids are found first, then only those rows are read: with OFFSET the database steps over every
    row before the page, and over ids alone it does so in the register's index instead of reading each asset
    (the last of 200 pages took twice as long as the first)."""
    paginator = Paginator(items.values_list("pk", flat=True), PAGE_SIZE)
    if count is not None:
        paginator.__dict__["count"] = count  # Paginator.count is a cached property: not counted again.
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = list(items.filter(pk__in=list(page.object_list)))  # in the same order
    return page


@manager_view
@require_GET
def register(request: HttpRequest, system: str) -> HttpResponse:
    obj = get_system(system)
    require(request.user, "asset.view", obj)
    form, filters = read_filters(request.GET, obj)
    found = queries.filtered_assets(obj, filters).select_related("holder_organisation", "holder_community")
    page = _page(request, found.prefetch_related("places", "tags"))
    return render(
        request,
        "communities/assets/register.html",
        {
            "system": obj,
            "form": form,
            "page": page,
            "query": _query(request),
            "can_edit": can(request.user, "asset.edit", obj),
            "pending": Asset.objects.filter(system=obj, status=Status.PENDING).count(),
        },
    )


@manager_view
@require_GET
def asset_detail(request: HttpRequest, system: str, pk: int) -> HttpResponse:
    obj = get_system(system)
    require(request.user, "asset.view", obj)
    asset = queries.get_asset(obj, pk)
    return render(
        request,
        "communities/assets/asset.html",
        {
            "system": obj,
            "asset": asset,
            "places": list(asset.places.all()),
            "communities": list(asset.communities.all()),
            "tags": list(asset.tags.values_list("name", flat=True)),
            "can_edit": can(request.user, "asset.edit", obj),
        },
    )


def _save(actor: Any, system: System, form: Any, asset: Asset | None) -> Asset:
    return actions.check_save_asset(actor, system, form.to_input(), asset=asset)


#: The add, change and delete pages of an asset (core.pages.Kind).
ASSETS = Kind(
    Asset,
    "communities/assets/asset_form.html",
    "communities:asset_list",
    form=lambda system, data, item: AssetForm(system, data, initial=AssetForm.initial_for(item)),
    save=_save,
    delete=actions.do_delete_asset,
    left_behind=lambda item: [
        "It leaves the register, the map and the exports.",
        "Aims and commitments that name it no longer list it.",
    ],
    related=("holder_organisation", "holder_community"),
)


@manager_view
@require_http_methods(["GET", "HEAD", "POST"])
def asset_page(
    request: HttpRequest, system: str, kind: Kind[Any], pk: int | None = None, delete: bool = False
) -> HttpResponse:
    """An asset's add, change or delete page (``kind`` and ``delete`` come from the URL)."""
    obj = get_system(system)
    require(request.user, "asset.edit", obj)
    return kind_page(request, obj, kind, pk, delete=delete)


# --- The map ------------------------------------------------------------------------------------------------


def _tiles_policy() -> str:
    """The page's Content-Security-Policy: the site's, with the tile server's origin allowed for images."""
    parts = urlsplit(settings.MAP_TILES.replace("{s}", "a"))
    origin = f"{parts.scheme}://{parts.netloc}".replace("://a.", "://*.")
    return CONTENT_SECURITY_POLICY.replace("img-src 'self' data:", f"img-src 'self' data: {origin}")


@manager_view
@require_GET
def asset_map(request: HttpRequest, system: str) -> HttpResponse:
    obj = get_system(system)
    require(request.user, "asset.view", obj)
    form, filters = read_filters(request.GET, obj)
    located, without_location = queries.location_counts(obj, filters)
    found = queries.filtered_assets(obj, filters).filter(latitude__isnull=False)
    page = _page(request, found.prefetch_related("places"), count=located)
    query = _query(request)
    response = render(
        request,
        "communities/assets/map.html",
        {
            "system": obj,
            "form": form,
            "page": page,
            "query": query,
            "tiles": settings.MAP_TILES,
            "attribution": settings.MAP_ATTRIBUTION,
            "without_location": without_location,
            "legend": [(label, COLOURS[Category(value)]) for value, label in Category.choices],
        },
    )
    if settings.MAP_TILES:
        response["Content-Security-Policy"] = _tiles_policy()
    return response


def _map_title(system: System) -> str:
    return f"Map of {system.name}'s community assets"


@manager_view
@require_GET
def asset_map_image(request: HttpRequest, system: str) -> HttpResponse:
    obj = get_system(system)
    require(request.user, "asset.view", obj)
    _, filters = read_filters(request.GET, obj, shown=False)
    svg = render_svg(queries.map_points(obj, filters), queries.place_centres(obj), title=_map_title(obj))
    return HttpResponse(svg, content_type="image/svg+xml")


@manager_view
@require_GET
def asset_map_data(request: HttpRequest, system: str) -> JsonResponse:
    """The map's points for Leaflet: [id, name, category, latitude, longitude] each, the places' middles, the
    colour of each category and the address of an asset's page (with 0 for its id)."""
    obj = get_system(system)
    require(request.user, "asset.view", obj)
    _, filters = read_filters(request.GET, obj, shown=False)
    return JsonResponse(
        {
            "points": queries.map_points(obj, filters),
            "places": queries.place_centres(obj),
            "colours": {str(k): v for k, v in COLOURS.items()},
            "asset_url": reverse("communities:asset_detail", kwargs={"system": obj.slug, "pk": 0}),
        },
        json_dumps_params={"separators": (",", ":")},
    )
