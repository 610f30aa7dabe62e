"""URLs of community asset mapping: the facilitators' links and QR codes and the moderation queue (under
/manage/systems/<system>/assets/), and the residents' form (/assets/add/<token>/, no account)."""

from django.urls import URLPattern, path

from commonweal.communities.mapping import views

_ASSETS = "manage/systems/<slug:system>/assets/"

urlpatterns: list[URLPattern] = [
    path(f"{_ASSETS}links/", views.links, name="mapping_links"),
    path(f"{_ASSETS}links/switch/", views.link_switch, name="mapping_link_switch"),
    path(f"{_ASSETS}links/<id:pk>/qr.svg", views.link_qr_svg, name="mapping_qr_svg"),
    path(f"{_ASSETS}links/<id:pk>/qr.png", views.link_qr_png, name="mapping_qr_png"),
    path(f"{_ASSETS}moderation/", views.queue, name="mapping_queue"),
    path(f"{_ASSETS}moderation/bulk/", views.moderate_bulk, name="mapping_moderate_bulk"),
    path(f"{_ASSETS}moderation/<id:pk>/", views.moderate, name="mapping_moderate"),
    path("assets/add/<str:token>/", views.mapping_add, name="mapping_add"),
    path("assets/add/<str:token>/thanks/", views.mapping_thanks, name="mapping_thanks"),
]
