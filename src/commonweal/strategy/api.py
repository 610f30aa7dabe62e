"""The strategy in the JSON API, under /api/manage/systems/{system}/ (signed with an API token): the aims with
their frozen evidence (every count about people as the disclosure layer published it), measures and commitments;
a commitment's progress updates; adding a commitment and posting progress (audited with the route ``api``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from commonweal.accounts.api import api_token
from commonweal.core.schemas import InputSchema
from commonweal.strategy.commitments.actions import (
    Actor,
    CommitmentInput,
    ProgressInput,
    ResourceInput,
    check_post_progress,
    check_save_commitment,
)
from commonweal.strategy.models import Commitment
from commonweal.strategy.permissions import require
from commonweal.strategy.queries import commitment_asset_ids, get_aim, get_commitment, is_stale
from commonweal.strategy.report.build import aims_json, update_json
from commonweal.systems.queries import get_system

router = Router(tags=["facilitators: strategy"])


class AimsOut(Schema):
    system: str
    aims: list[dict[str, Any]] = Field(
        description="Each aim: id, title, meaning, outcome, status (draft, proposed, agreed, retired), agreed_on, "
        "agreed_by, retired_reason, places, communities, assets (the community assets it builds on: id, name), "
        "measures, evidence (statement, text, conversation, common_ground, analysis_update, figures: overall, "
        "groups and sectors as published, counts in words) and commitments (owner, partners, what, lead_role, "
        "dates, resources, assets it uses (id, name), status, last_update_on, no_update_since)."
    )


class ResourceIn(InputSchema):
    kind: str = Field(description="money, wte, hours, space, data, volunteers or other")
    amount: float | None = Field(None, description="Not negative; pounds for money.")
    description: str = ""


class CommitmentIn(InputSchema):
    what: str
    organisation: int | None = None
    community: int | None = None
    partners: list[int] = []
    lead_role: str = ""
    starts_on: date | None = None
    ends_on: date | None = None
    interdependency: int | None = None
    resources: list[ResourceIn] = []
    assets: list[int] | None = Field(
        None,
        description="Ids of accepted community assets of the system's register that the commitment uses; "
        "left out, none are set.",
    )


class CommitmentOut(Schema):
    id: int
    aim: int
    owner: str
    status: str
    assets: list[int] = Field(description="Ids of the community assets it uses.")


class ProgressIn(InputSchema):
    status: str = Field(description="not_started, on_track, at_risk, off_track, done or withdrawn")
    text: str
    on: date | None = None
    evidence_url: str = ""
    figures: dict[str, float] = Field({}, description="Measure id -> the figure now.")


class UpdatesOut(Schema):
    commitment: int
    status: str
    no_update_since: date | None
    updates: list[dict[str, Any]]


def _system(request: HttpRequest, slug: str, action: str) -> Any:
    system = get_system(slug)
    require(request.auth, action, system)  # type: ignore[attr-defined]
    return system


@router.get("/manage/systems/{system}/aims", auth=api_token, response=AimsOut, summary="The system's aims")
def list_aims(request: HttpRequest, system: str) -> dict[str, Any]:
    obj = _system(request, system, "strategy.view")
    return {"system": obj.slug, "aims": aims_json(obj)}


@router.post(
    "/manage/systems/{system}/aims/{aim}/commitments",
    auth=api_token,
    response={201: CommitmentOut},
    summary="Add a commitment to an aim",
)
def add_commitment(
    request: HttpRequest, system: str, aim: int, body: CommitmentIn
) -> tuple[int, dict[str, Any]]:
    obj = _system(request, system, "strategy.edit")
    found = get_aim(obj, aim)
    data = CommitmentInput(
        what=body.what,
        organisation=body.organisation,
        community=body.community,
        partners=body.partners,
        lead_role=body.lead_role,
        starts_on=body.starts_on,
        ends_on=body.ends_on,
        interdependency=body.interdependency,
        resources=[
            ResourceInput(r.kind, None if r.amount is None else str(r.amount), r.description)
            for r in body.resources
        ],
        assets=body.assets,
    )
    item = check_save_commitment(Actor(request.auth, Commitment.Route.API), found, data)  # type: ignore[attr-defined]
    assets = commitment_asset_ids(item)
    return 201, {
        "id": item.pk,
        "aim": found.pk,
        "owner": item.owner_name,
        "status": item.status,
        "assets": assets,
    }


@router.get(
    "/manage/systems/{system}/commitments/{commitment}/updates",
    auth=api_token,
    response=UpdatesOut,
    summary="A commitment's progress updates, oldest first",
)
def list_updates(request: HttpRequest, system: str, commitment: int) -> dict[str, Any]:
    obj = _system(request, system, "strategy.view")
    item = get_commitment(obj, commitment)
    last = item.last_update_on or item.created_at.date()
    return {
        "commitment": item.pk,
        "status": item.status,
        "no_update_since": last if is_stale(item) else None,
        "updates": [update_json(u) for u in item.updates.order_by("on", "pk")],
    }


@router.post(
    "/manage/systems/{system}/commitments/{commitment}/updates",
    auth=api_token,
    response={201: dict[str, Any]},
    summary="Post a progress update on a commitment",
)
def post_update(
    request: HttpRequest, system: str, commitment: int, body: ProgressIn
) -> tuple[int, dict[str, Any]]:
    obj = _system(request, system, "strategy.edit")
    item = get_commitment(obj, commitment)
    figures: dict[int, Any] = {}
    for key, value in body.figures.items():
        figures[int(key) if key.isdigit() else -1] = str(value)
    data = ProgressInput(body.status, body.text, body.on, body.evidence_url, figures)
    update = check_post_progress(Actor(request.auth, Commitment.Route.API), item, data)  # type: ignore[attr-defined]
    return 201, update_json(update)
