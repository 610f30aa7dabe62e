"""Aims grown from common ground, the commitments partners make to them and their progress."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.http import HttpRequest


class StrategyConfig(AppConfig):
    name = "commonweal.strategy"
    label = "strategy"
    verbose_name = "Strategy"

    # The sections this app adds to lower apps' pages (see panels.py); collected through the app registry.

    def system_panels(self, request: HttpRequest, system: Any) -> list[Any]:
        # start-up: apps.py is imported while the app registry loads, before any model can be imported.
        from commonweal.strategy import panels

        return panels.system_panels(request, system)

    def results_panels(self, request: HttpRequest, conversation: Any, results: Any) -> list[Any]:
        # start-up: apps.py is imported while the app registry loads, before any model can be imported.
        from commonweal.strategy import panels

        return panels.results_panels(request, conversation, results)

    def participant_panels(self, request: HttpRequest, conversation: Any, participant: Any) -> list[Any]:
        # start-up: apps.py is imported while the app registry loads, before any model can be imported.
        from commonweal.strategy import panels

        return panels.participant_panels(request, conversation, participant)

    def organisation_panels(self, request: HttpRequest, organisation: Any) -> list[Any]:
        # start-up: apps.py is imported while the app registry loads, before any model can be imported.
        from commonweal.strategy import panels

        return panels.organisation_panels(request, organisation)
