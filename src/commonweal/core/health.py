"""The checks behind ``/healthz``, gathered from the apps through Django's app registry.

``core`` imports no app, so an app that has something to report (the conversations app: its analysis worker)
gives its ``AppConfig`` a ``health_checks()`` method returning :class:`HealthCheck` items; :func:`run_checks`
calls every one. The database itself is checked by the view.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.apps import apps

__all__ = ["HealthCheck", "run_checks"]


@dataclass(frozen=True)
class HealthCheck:
    """One part of the health report.

    Attributes
    ----------
    name : str
        Its key in the ``/healthz`` answer ("worker").
    report : dict
        What it found (JSON-ready).
    healthy : bool
        False makes ``/healthz`` answer 503.
    code : str
        A stable error code when unhealthy ("worker_stale").
    problem : str
        What is wrong and what to do, in words, when unhealthy.
    """

    name: str
    report: dict[str, Any] = field(default_factory=dict)
    healthy: bool = True
    code: str = ""
    problem: str = ""


def run_checks() -> list[HealthCheck]:
    """Every installed app's health checks, in the order of ``INSTALLED_APPS``."""
    checks: list[HealthCheck] = []
    for config in apps.get_app_configs():
        method = getattr(config, "health_checks", None)
        if callable(method):
            checks.extend(method())
    return checks
