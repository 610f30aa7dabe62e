from __future__ import annotations

from django.apps import AppConfig


class PulseConfig(AppConfig):
    name = "commonweal.pulse"
    label = "pulse"
    verbose_name = "Pulse"
