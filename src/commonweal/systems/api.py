"""The facilitator side of the JSON API for systems, under /api/manage/systems, and the API token check that
every facilitator endpoint uses.

Facilitators create a token on the "API tokens" page and send it as ``Authorization: Bearer <token>``. Only a hash
of the token is stored. A token acts as its owner: it can do what the owner can do on the pages, checked by the
same ``require`` calls.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Count
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.security import HttpBearer

from commonweal.accounts.models import ApiToken, hash_token
from commonweal.core.permissions import is_admin
from commonweal.systems.models import System, SystemRole
from commonweal.systems.permissions import require
from commonweal.systems.views import get_system

router = Router(tags=["facilitators: systems"])

# Recording each use would write on every request; once a minute is enough to show "last used".
_LAST_USED_RESOLUTION = timedelta(minutes=1)


class ApiTokenAuth(HttpBearer):
    """``Authorization: Bearer <token>``: a live token of an active account. Returns the account."""

    openapi_description = "An API token created on the 'API tokens' page (/manage/tokens/)."

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        if not token:
            return None
        found = (
            ApiToken.objects.select_related("user")
            .filter(token_hash=hash_token(token.strip()), revoked_at__isnull=True)
            .first()
        )
        if found is None or not found.user.is_active:
            return None
        now = timezone.now()
        if found.last_used_at is None or now - found.last_used_at > _LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.user
        return found.user


api_token = ApiTokenAuth()


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
