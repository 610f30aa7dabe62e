"""Communities: the app's pages, by capability:

- ``assets``: the asset register for facilitators (the table, each asset, the map), under
  /manage/systems/<system>/assets/.
"""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

from commonweal.communities.assets import urls as urls_assets

app_name = "communities"
urlpatterns: list[URLPattern | URLResolver] = [*urls_assets.urlpatterns]
