"""Pulse: the app's pages (each capability adds its own urls module here)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

app_name = "pulse"
urlpatterns: list[URLPattern | URLResolver] = []
