"""The asset register's sections of other apps' pages (see ``commonweal.systems.panels``): the system page's
links, and on an organisation's "my part" page the assets it holds."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from commonweal.communities.models import Asset, Status
from commonweal.communities.queries import assets_held_by
from commonweal.systems.panels import Panel


def system_panels(request: HttpRequest, system: Any) -> list[Panel]:
    context = {
        "system": system,
        "accepted": Asset.objects.filter(system=system, status=Status.ACCEPTED).count(),
        "pending": Asset.objects.filter(system=system, status=Status.PENDING).count(),
    }
    return [Panel.render(30, "communities/includes/system_panel.html", context, request)]


def organisation_panels(request: HttpRequest, organisation: Any) -> list[Panel]:
    context = {"organisation": organisation, "assets": assets_held_by(organisation)}
    return [Panel.render(40, "communities/includes/organisation_panel.html", context, request)]
