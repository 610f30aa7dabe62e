"""URLs of the system map: see commonweal/network/urls.py for who owns which part."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
