from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.apps import AppConfig

if TYPE_CHECKING:
    from django.http import HttpRequest

    from commonweal.core.health import HealthCheck
    from commonweal.systems.panels import Panel


class ConversationsConfig(AppConfig):
    name = "commonweal.conversations"
    label = "conversations"
    verbose_name = "Conversations"

    def system_panels(self, request: HttpRequest, system: Any) -> list[Panel]:
        """The system page's conversations (called through the app registry by ``systems.panels``)."""
        # start-up: apps.py is imported while the app registry loads, before any model can be imported.
        from commonweal.conversations import panels

        return panels.system_panels(request, system)

    def dashboard_panels(self, request: HttpRequest, systems: list[Any]) -> list[Panel]:
        """The conversations the person moderates, on their start page (through ``systems.panels``)."""
        # start-up: apps.py is imported while the app registry loads, before any model can be imported.
        from commonweal.conversations import panels

        return panels.dashboard_panels(request, systems)

    def health_checks(self) -> list[HealthCheck]:
        """The analysis worker's part of ``/healthz`` (called through the app registry by ``core``)."""
        # start-up: apps.py is imported while the app registry loads, before any model can be imported.
        from commonweal.conversations.jobs.health import worker_health_check

        return [worker_health_check()]
