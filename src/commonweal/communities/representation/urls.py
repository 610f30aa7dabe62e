"""URLs of representation: a system's baselines (the Census tables and the workforce counts, under
/manage/systems/<system>/baselines/) and each conversation's representation page and its CSV."""

from django.urls import URLPattern, path

from commonweal.communities.representation import views

urlpatterns: list[URLPattern] = [
    path("manage/systems/<slug:system>/baselines/", views.baselines, name="baselines"),
    path("manage/systems/<slug:system>/baselines/workforce/", views.workforce, name="baselines_workforce"),
    path("manage/conversations/<slug:slug>/representation/", views.representation, name="representation"),
    path(
        "manage/conversations/<slug:slug>/representation.csv",
        views.representation_csv,
        name="representation_csv",
    ),
]
