"""URLs of the system map: see commonweal/network/urls.py for who owns which part.

This part: the map (interactive, and as an SVG image), each organisation's "my part" (for facilitators, and for
the organisation's lead through its survey link), interdependencies and joint work.
"""

from django.urls import URLPattern, path

from commonweal.core.pages import kind_urls
from commonweal.network.map import views as views_map

_NET = "manage/systems/<slug:system>/network/"
_ITEM_PAGES = {"item_view": views_map.item_page}

urlpatterns: list[URLPattern] = [
    path(f"{_NET}map/", views_map.map_view, name="map"),
    path(f"{_NET}map.svg", views_map.map_image, name="map_image"),
    path(f"{_NET}organisations/<id:organisation_id>/", views_map.organisation_part, name="organisation_part"),
    path("survey/<str:token>/my-part/", views_map.my_part, name="my_part"),
    *kind_urls(
        f"{_NET}interdependencies/",
        "interdependency",
        views_map.INTERDEPENDENCIES,
        list_view=views_map.interdependency_list,
        **_ITEM_PAGES,
    ),
    *kind_urls(
        f"{_NET}joint-work/",
        "joint_work",
        views_map.JOINT_WORK,
        list_view=views_map.joint_work_list,
        **_ITEM_PAGES,
    ),
]
