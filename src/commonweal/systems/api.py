"""The facilitator side of the JSON API for systems, under /api/manage/systems (signed with an API token: see
:mod:`commonweal.accounts.api`)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.http import HttpRequest
from ninja import Field, Router, Schema

from commonweal.accounts.api import api_token
from commonweal.core.permissions import is_admin
from commonweal.systems.models import System, SystemRole
from commonweal.systems.permissions import require
from commonweal.systems.queries import get_system

router = Router(tags=["facilitators: systems"])


class SystemOut(Schema):
    slug: str
    name: str
    description: str
    places: list[dict[str, Any]] = Field(description="id, name, population")
    communities: list[dict[str, Any]] = Field(description="id, name, kind, population_estimate")
    organisations: int = Field(description="How many organisations the system has.")


class SystemSummaryOut(Schema):
    slug: str
    name: str
    conversations: int


def _system_out(system: System) -> dict[str, Any]:
    return {
        "slug": system.slug,
        "name": system.name,
        "description": system.description,
        "places": list(system.places.values("id", "name", "population")),
        "communities": list(system.communities.values("id", "name", "kind", "population_estimate")),
        "organisations": system.organisations.count(),
    }


@router.get(
    "/manage/systems",
    auth=api_token,
    response=list[SystemSummaryOut],
    summary="The systems you facilitate (every system, for an administrator)",
)
def list_systems(request: HttpRequest) -> list[dict[str, Any]]:
    user = request.auth  # type: ignore[attr-defined]
    require(user, "system.list")
    systems = System.objects.all()
    if not is_admin(user):
        systems = systems.filter(roles__user=user, roles__role=SystemRole.Role.FACILITATOR).distinct()
    return [
        {"slug": s.slug, "name": s.name, "conversations": s.n}
        for s in systems.annotate(n=Count("conversations", distinct=True))
    ]


@router.get(
    "/manage/systems/{slug}",
    auth=api_token,
    response=SystemOut,
    summary="A system, its places and communities",
)
def get_system_(request: HttpRequest, slug: str) -> dict[str, Any]:
    system = get_system(slug)
    require(request.auth, "system.view", system)  # type: ignore[attr-defined]
    return _system_out(system)
