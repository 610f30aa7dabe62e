"""The pulse's section of a system's page (see ``commonweal.systems.panels``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from commonweal.pulse.permissions import can
from commonweal.systems.panels import Panel


def system_panels(request: HttpRequest, system: Any) -> list[Panel]:
    if not can(request.user, "pulse.view", system):
        return []
    return [Panel.render(30, "pulse/system_panel.html", {"system": system}, request)]
