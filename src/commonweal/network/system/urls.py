"""URLs of the system map: see commonweal/network/urls.py for who owns which part."""

from django.urls import URLPattern, path

from commonweal.network.system import views as views_system

BASE = "manage/systems/<slug:system>/network/"

urlpatterns: list[URLPattern] = [
    path(BASE, views_system.home, name="home"),
    path(f"{BASE}import/", views_system.import_relationships, name="import_relationships"),
    path(f"{BASE}import/template.csv", views_system.import_template, name="import_template"),
    path(f"{BASE}export/<str:fmt>/", views_system.export_round, name="export"),
]
