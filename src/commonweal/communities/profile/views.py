"""A community's page (facilitators): who speaks for it on the system map, what depends on it and what it
depends on, the assets that serve it, and how many of its people took part in each conversation."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from commonweal.accounts.decorators import manager_view
from commonweal.communities.permissions import require
from commonweal.communities.profile.queries import community_page, get_community, other_end
from commonweal.systems.queries import get_system


@manager_view
@require_GET
def community(request: HttpRequest, system: str, community_id: int) -> HttpResponse:
    obj = get_system(system)
    require(request.user, "community.view", obj)
    page = community_page(get_community(obj, community_id))
    dependencies = [
        {
            "dependency": d,
            "other": other_end(d, page.community),
            "outward": d.from_community_id == page.community.pk,
        }
        for d in page.interdependencies
    ]
    return render(
        request,
        "communities/profile/community.html",
        {"system": obj, "page": page, "community": page.community, "dependencies": dependencies},
    )
