"""Sections that other apps add to the systems' pages.

The system page lists the system's conversations and links to its map; the facilitator's start page lists the
conversations they moderate. Those belong to apps above ``systems`` in the layers, which ``systems`` must not
import. Instead, an app adds sections by giving its ``AppConfig`` a method ``system_panels(request, system)``
, ``dashboard_panels(request, systems)`` or ``organisation_panels(request, organisation)`` (for an
organisation's "my part" page) that returns :class:`Panel` objects; this module calls them through
Django's app registry and the page shows them in ``order``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class Panel:
    """One section of a page, rendered by the app that owns it; lower ``order`` comes first."""

    order: int
    html: SafeString

    @classmethod
    def render(cls, order: int, template: str, context: dict[str, Any], request: HttpRequest) -> Panel:
        return cls(order, mark_safe(render_to_string(template, context, request=request)))  # noqa: S308


def _collect(hook: str, request: HttpRequest, *args: Any) -> list[SafeString]:
    found: list[Panel] = []
    for config in apps.get_app_configs():
        method = getattr(config, hook, None)
        if callable(method):
            found.extend(method(request, *args))
    return [panel.html for panel in sorted(found, key=lambda panel: panel.order)]


def system_panels(request: HttpRequest, system: Any) -> list[SafeString]:
    """The sections other apps show on ``system``'s page, in order."""
    return _collect("system_panels", request, system)


def organisation_panels(request: HttpRequest, organisation: Any) -> list[SafeString]:
    """The sections other apps show on ``organisation``'s "my part" page (the assets it holds, ...), in order."""
    return _collect("organisation_panels", request, organisation)


def dashboard_panels(request: HttpRequest, systems: Iterable[Any]) -> list[SafeString]:
    """The sections other apps show on the signed-in person's start page, beside ``systems`` (theirs)."""
    return _collect("dashboard_panels", request, list(systems))
