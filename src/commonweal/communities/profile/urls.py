"""A community's page, under /manage/systems/<system>/communities/<id>/ (the list, add, change and delete pages
are the systems app's)."""

from django.urls import URLPattern, path

from commonweal.communities.profile import views

urlpatterns: list[URLPattern] = [
    path("manage/systems/<slug:system>/communities/<id:community_id>/", views.community, name="community"),
]
