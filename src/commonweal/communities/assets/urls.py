"""URLs of the asset register: the register, each asset's page, add, change and delete, and the map (its page,
its image and its data), under /manage/systems/<system>/assets/."""

from django.urls import URLPattern, path

from commonweal.communities.assets import views
from commonweal.core.pages import kind_urls

_ASSETS = "manage/systems/<slug:system>/assets/"

urlpatterns: list[URLPattern] = [
    path(f"{_ASSETS}map/", views.asset_map, name="asset_map"),
    path(f"{_ASSETS}map.svg", views.asset_map_image, name="asset_map_image"),
    path(f"{_ASSETS}map.json", views.asset_map_data, name="asset_map_data"),
    path(f"{_ASSETS}<id:pk>/", views.asset_detail, name="asset_detail"),
    *kind_urls(_ASSETS, "asset", views.ASSETS, list_view=views.register, item_view=views.asset_page),
]
