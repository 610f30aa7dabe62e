"""The pulse: short rounds of questions on direction, alignment and commitment across the system."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.apps import AppConfig

if TYPE_CHECKING:
    from django.http import HttpRequest

    from commonweal.systems.panels import Panel


class PulseConfig(AppConfig):
    name = "commonweal.pulse"
    label = "pulse"
    verbose_name = "Pulse"

    def system_panels(self, request: HttpRequest, system: Any) -> list[Panel]:
        """The system page's link to the pulse (called through the app registry by ``systems.panels``)."""
        # start-up: apps.py is imported while the app registry loads, before any model can be imported.
        from commonweal.pulse import panels

        return panels.system_panels(request, system)
