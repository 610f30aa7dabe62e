"""The asset register in the JSON API, under /api/manage/systems/{system}/assets (signed with an API token: see
:mod:`commonweal.accounts.api`): list (with the register's filters), read, add, change and delete an asset,
moderate what residents added, and the register as Open Referral UK JSON. Every change goes through the same
actions as the pages, audited."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from commonweal.accounts.api import api_token
from commonweal.communities import queries
from commonweal.communities.assets.actions import AssetInput, check_save_asset, do_delete_asset
from commonweal.communities.mapping.actions import check_moderate_assets
from commonweal.communities.models import Asset, Category, Holder, Status
from commonweal.communities.openreferral import oruk, plain
from commonweal.communities.permissions import require
from commonweal.core.errors import field_error
from commonweal.core.schemas import MULTILINE, Id, InputSchema, PathId
from commonweal.systems.models import Community, Organisation, Place, System
from commonweal.systems.queries import get_system

router = Router(tags=["facilitators: community assets"])

_BASE = "/manage/systems/{system}/assets"


class AssetFilterQuery(Schema):
    category: Category | None = Field(None, description="Only this ABCD category.")
    place: int | None = Field(
        None, ge=1, le=2**63 - 1, description="Only assets serving this place (its id)."
    )
    community: int | None = Field(None, ge=1, le=2**63 - 1, description="Only assets serving this community.")
    tag: str = Field("", max_length=40, description="Only assets with this tag.")
    status: Status = Field(Status.ACCEPTED, description="accepted (the default), pending or rejected.")
    limit: int = Field(100, ge=1, le=1000, description="How many assets, 1 to 1000.")
    offset: int = Field(0, ge=0, le=2**31 - 1, description="How many to skip.")


class AssetOut(Schema):
    id: int
    name: str
    category: str
    description: str
    places: list[str]
    communities: list[str]
    holder: str
    held_by: str
    contact_email: str
    contact_phone: str
    website: str
    opening_times: str
    accessibility: str
    address: str
    postcode: str
    latitude: float | None
    longitude: float | None
    tags: list[str]
    status: str
    source: str
    created_at: str


class AssetPage(Schema):
    count: int = Field(description="How many assets match the filters.")
    items: list[AssetOut]


class AssetIn(InputSchema):
    name: str = Field(max_length=200)
    category: Category = Field(strict=False, description="The ABCD category.")
    description: Annotated[str, MULTILINE] = Field("", max_length=4000)
    places: list[Id] = Field(default_factory=list, max_length=200, description="Place ids.")
    communities: list[Id] = Field(default_factory=list, max_length=200, description="Community ids.")
    holder: Holder = Field(Holder.RESIDENT, strict=False, description="Who holds it.")
    holder_organisation: Id | None = Field(None, description="With holder 'organisation': its id.")
    holder_community: Id | None = Field(None, description="With holder 'community': its id.")
    holder_other: str = Field("", max_length=200, description="With holder 'other': its name.")
    resident_name: str = Field(
        "", max_length=120, description="With holder 'resident', only if they want it shown."
    )
    contact_email: str = Field("", max_length=254)
    contact_phone: str = Field("", max_length=40)
    website: str = Field("", max_length=300)
    opening_times: Annotated[str, MULTILINE] = Field("", max_length=4000)
    accessibility: Annotated[str, MULTILINE] = Field("", max_length=4000)
    address: str = Field("", max_length=300)
    postcode: str = Field("", max_length=10)
    latitude: float | None = Field(None, ge=-90, le=90, allow_inf_nan=False)
    longitude: float | None = Field(None, ge=-180, le=180, allow_inf_nan=False)
    tags: list[Annotated[str, Field(max_length=40)]] = Field(default_factory=list, max_length=12)


class ModerateIn(InputSchema):
    asset_ids: list[Id] = Field(min_length=1, max_length=1000)
    decision: Literal["accept", "reject"]


class ModerateOut(Schema):
    count: int


def _objects(system: System, model: Any, ids: list[int], name: str) -> list[Any]:
    found = list(model.objects.filter(system=system, pk__in=ids))
    if len(found) != len(set(ids)):
        raise field_error(name, f"Choose {name} of this system (by id)")
    return found


def _input(system: System, body: AssetIn) -> AssetInput:
    data = body.dict()
    organisation = community = None
    if body.holder_organisation is not None:
        organisation = _objects(system, Organisation, [body.holder_organisation], "holder_organisation")[0]
    if body.holder_community is not None:
        community = _objects(system, Community, [body.holder_community], "holder_community")[0]
    return AssetInput(
        **{
            k: v
            for k, v in data.items()
            if k not in ("places", "communities", "holder_organisation", "holder_community")
        },
        places=_objects(system, Place, body.places, "places"),
        communities=_objects(system, Community, body.communities, "communities"),
        holder_organisation=organisation,
        holder_community=community,
    )


def _out(asset: Asset) -> dict[str, Any]:
    return plain.record(asset)


def _prefetched(system: System, pk: int) -> Asset:
    asset = queries.get_asset(system, pk)
    return (
        Asset.objects.prefetch_related("places", "communities", "tags")
        .select_related("holder_organisation", "holder_community")
        .get(pk=asset.pk)
    )


@router.get(_BASE, auth=api_token, response=AssetPage, summary="The asset register, filtered")
def list_assets(request: HttpRequest, system: str, filters: Query[AssetFilterQuery]) -> dict[str, Any]:
    obj = get_system(system)
    require(request.auth, "asset.view", obj)  # type: ignore[attr-defined]
    found = queries.filtered_assets(
        obj,
        queries.AssetFilters(
            category=filters.category or "",
            place=filters.place,
            community=filters.community,
            tag=filters.tag.strip().lower(),
            status=filters.status,
        ),
    )
    page = found.select_related("holder_organisation", "holder_community").prefetch_related(
        "places", "communities", "tags"
    )[filters.offset : filters.offset + filters.limit]
    return {"count": found.count(), "items": [_out(a) for a in page]}


@router.post(_BASE, auth=api_token, response={201: AssetOut}, summary="Add an asset to the register")
def create_asset(request: HttpRequest, system: str, body: AssetIn) -> tuple[int, dict[str, Any]]:
    obj = get_system(system)
    require(request.auth, "asset.edit", obj)  # type: ignore[attr-defined]
    asset = check_save_asset(request.auth, obj, _input(obj, body))  # type: ignore[attr-defined]
    return 201, _out(_prefetched(obj, asset.pk))


@router.get(_BASE + "/openreferral-uk", auth=api_token, summary="The register as Open Referral UK JSON")
def openreferral_uk(request: HttpRequest, system: str) -> dict[str, Any]:
    obj = get_system(system)
    require(request.auth, "asset.view", obj)  # type: ignore[attr-defined]
    assets = queries.accepted_assets(obj).select_related("system", "holder_organisation", "holder_community")
    return oruk.to_json(assets.prefetch_related("places", "communities", "tags"))


@router.post(_BASE + "/moderate", auth=api_token, response=ModerateOut, summary="Accept or reject assets")
def moderate_assets(request: HttpRequest, system: str, body: ModerateIn) -> dict[str, Any]:
    obj = get_system(system)
    require(request.auth, "asset.moderate", obj)  # type: ignore[attr-defined]
    result = check_moderate_assets(request.auth, obj, body.asset_ids, body.decision)  # type: ignore[attr-defined]
    return {"count": result.count}


@router.get(_BASE + "/{asset}", auth=api_token, response=AssetOut, summary="One asset")
def get_asset(request: HttpRequest, system: str, asset: PathId) -> dict[str, Any]:
    obj = get_system(system)
    require(request.auth, "asset.view", obj)  # type: ignore[attr-defined]
    return _out(_prefetched(obj, asset))


@router.put(_BASE + "/{asset}", auth=api_token, response=AssetOut, summary="Change an asset (all its fields)")
def update_asset(request: HttpRequest, system: str, asset: PathId, body: AssetIn) -> dict[str, Any]:
    obj = get_system(system)
    require(request.auth, "asset.edit", obj)  # type: ignore[attr-defined]
    existing = queries.get_asset(obj, asset)
    check_save_asset(request.auth, obj, _input(obj, body), asset=existing)  # type: ignore[attr-defined]
    return _out(_prefetched(obj, asset))


@router.delete(_BASE + "/{asset}", auth=api_token, response={204: None}, summary="Delete an asset")
def delete_asset(request: HttpRequest, system: str, asset: PathId) -> tuple[int, None]:
    obj = get_system(system)
    require(request.auth, "asset.edit", obj)  # type: ignore[attr-defined]
    do_delete_asset(request.auth, queries.get_asset(obj, asset))  # type: ignore[attr-defined]
    return 204, None
