"""Exports of a conversation and the Pol.is import (names ``reports:export*``, ``reports:import_polis``)."""

from django.urls import path

from commonweal.reports.exports import views

urlpatterns = [
    path("manage/conversations/<slug:slug>/exports/", views.exports, name="exports"),
    path("manage/conversations/<slug:slug>/exports/polis.zip", views.export_polis, name="export_polis"),
    path(
        "manage/conversations/<slug:slug>/exports/analysis.json",
        views.export_analysis,
        name="export_analysis",
    ),
    path(
        "manage/conversations/<slug:slug>/exports/analysis-raw.json",
        views.export_analysis_raw,
        name="export_analysis_raw",
    ),
    path(
        "manage/conversations/<slug:slug>/exports/statements.csv",
        views.export_statements,
        name="export_statements",
    ),
    path("manage/systems/<slug:system>/import-polis/", views.import_polis, name="import_polis"),
    path("manage/systems/<slug:system>/imports/<id:job>/", views.import_job, name="import_job"),
]
