"""The system map's section of a system's page (see ``commonweal.systems.panels``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from commonweal.systems.panels import Panel


def system_panels(request: HttpRequest, system: Any) -> list[Panel]:
    return [Panel.render(20, "network/includes/system_panel.html", {"system": system}, request)]
