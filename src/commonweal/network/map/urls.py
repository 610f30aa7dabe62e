"""URLs of the system map: see commonweal/network/urls.py for who owns which part.

This part: the map (interactive, and as an SVG image), each organisation's "my part" (for facilitators, and for
the organisation's lead through its survey link), interdependencies and joint work.
"""

from django.urls import URLPattern, path

from commonweal.network.map import views as views_map

_NET = "manage/systems/<slug:system>/network/"

urlpatterns: list[URLPattern] = [
    path(f"{_NET}map/", views_map.map_view, name="map"),
    path(f"{_NET}map.svg", views_map.map_image, name="map_image"),
    path(
        f"{_NET}organisations/<int:organisation_id>/", views_map.organisation_part, name="organisation_part"
    ),
    path("survey/<str:token>/my-part/", views_map.my_part, name="my_part"),
    path(f"{_NET}interdependencies/", views_map.interdependency_list, name="interdependency_list"),
    path(f"{_NET}interdependencies/new/", views_map.interdependency_edit, name="interdependency_create"),
    path(
        f"{_NET}interdependencies/<int:pk>/edit/", views_map.interdependency_edit, name="interdependency_edit"
    ),
    path(
        f"{_NET}interdependencies/<int:pk>/delete/",
        views_map.interdependency_delete,
        name="interdependency_delete",
    ),
    path(f"{_NET}joint-work/", views_map.joint_work_list, name="joint_work_list"),
    path(f"{_NET}joint-work/new/", views_map.joint_work_edit, name="joint_work_create"),
    path(f"{_NET}joint-work/<int:pk>/edit/", views_map.joint_work_edit, name="joint_work_edit"),
    path(f"{_NET}joint-work/<int:pk>/delete/", views_map.joint_work_delete, name="joint_work_delete"),
]
