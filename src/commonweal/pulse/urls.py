"""The pulse's pages: rounds, wording, links, moderation and results for facilitators
(/manage/systems/<system>/pulse/...), and the one page respondents answer (/pulse/<token>/, no account)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from commonweal.pulse import views

app_name = "pulse"
ROUNDS = "manage/systems/<slug:system>/pulse/"
ROUND = ROUNDS + "<id:round_id>/"

urlpatterns: list[URLPattern | URLResolver] = [
    path(ROUNDS, views.round_list, name="round_list"),
    path(ROUNDS + "new/", views.round_create, name="round_create"),
    path(ROUND, views.round_detail, name="round_detail"),
    path(ROUND + "questions/", views.round_items, name="round_items"),
    path(ROUND + "status/", views.round_status, name="round_status"),
    path(ROUND + "results/", views.results, name="results"),
    path(ROUND + "results.csv", views.results_csv, name="results_csv"),
    path(ROUND + "moderation/", views.moderation, name="moderation"),
    path(ROUND + "moderation/<id:response_id>/", views.moderate, name="moderate"),
    path("pulse/<str:token>/", views.respond, name="respond"),
]
