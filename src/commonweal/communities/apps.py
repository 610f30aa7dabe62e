"""Communities as partners: the community asset register and who is taking part against who lives here."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.apps import AppConfig

if TYPE_CHECKING:
    from django.http import HttpRequest

    from commonweal.systems.panels import Panel


class CommunitiesConfig(AppConfig):
    name = "commonweal.communities"
    label = "communities"
    verbose_name = "Communities"

    def system_panels(self, request: HttpRequest, system: Any) -> list[Panel]:
        """The system page's links to the asset register (called through the app registry by ``systems.panels``)."""
        # start-up: apps.py is imported while the app registry loads, before any model can be imported.
        from commonweal.communities import panels

        return panels.system_panels(request, system)

    def organisation_panels(self, request: HttpRequest, organisation: Any) -> list[Panel]:
        """The assets an organisation holds, on its "my part" page (collected by ``systems.panels``)."""
        # start-up: apps.py is imported while the app registry loads, before any model can be imported.
        from commonweal.communities import panels

        return panels.organisation_panels(request, organisation)

    def results_panels(self, request: HttpRequest, conversation: Any, results: Any) -> list[Panel]:
        """A link to who is taking part, on a conversation's results page (collected by ``conversations.panels``)."""
        # start-up: apps.py is imported while the app registry loads, before any model can be imported.
        from commonweal.communities.representation import panels

        return panels.results_panels(request, conversation, results)
