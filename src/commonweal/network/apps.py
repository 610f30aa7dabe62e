from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.apps import AppConfig

if TYPE_CHECKING:
    from django.http import HttpRequest

    from commonweal.systems.panels import Panel


class NetworkConfig(AppConfig):
    name = "commonweal.network"
    label = "network"
    verbose_name = "System map"

    def system_panels(self, request: HttpRequest, system: Any) -> list[Panel]:
        """The system page's links to the map (called through the app registry by ``systems.panels``)."""
        # start-up: apps.py is imported while the app registry loads, before any model can be imported.
        from commonweal.network import panels

        return panels.system_panels(request, system)
