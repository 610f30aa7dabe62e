"""Communities: the app's pages, by capability:

- ``assets``: the asset register for facilitators (the table, each asset, the map), under
  /manage/systems/<system>/assets/;
- ``mapping``: the public mapping links with their QR codes, the residents' form (/assets/add/<token>/) and
  the moderation queue;
- ``openreferral``: the Open Referral UK import, and the downloads (Open Referral UK JSON and CSV, plain CSV
  and JSON);
- ``representation``: a system's baselines (/manage/systems/<system>/baselines/) and each conversation's
  representation page (/manage/conversations/<slug>/representation/);
- ``profile``: each community's page (/manage/systems/<system>/communities/<id>/).
"""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

from commonweal.communities.assets import urls as urls_assets
from commonweal.communities.mapping import urls as urls_mapping
from commonweal.communities.openreferral import urls as urls_openreferral
from commonweal.communities.profile import urls as urls_profile
from commonweal.communities.representation import urls as urls_representation

app_name = "communities"
urlpatterns: list[URLPattern | URLResolver] = [
    *urls_mapping.urlpatterns,
    *urls_openreferral.urlpatterns,
    *urls_assets.urlpatterns,
    *urls_representation.urlpatterns,
    *urls_profile.urlpatterns,
]
