from __future__ import annotations

from django.apps import AppConfig


class CommunitiesConfig(AppConfig):
    name = "commonweal.communities"
    label = "communities"
    verbose_name = "Communities"
