"""URLs of import and export: the Open Referral UK import, and the downloads of the register."""

from django.urls import URLPattern, path

from commonweal.communities.openreferral import views

_ASSETS = "manage/systems/<slug:system>/assets/"

urlpatterns: list[URLPattern] = [
    path(f"{_ASSETS}transfer/", views.transfer, name="asset_transfer"),
    path(f"{_ASSETS}import/", views.import_page, name="asset_import"),
    path(
        f"{_ASSETS}export/openreferral-uk.json", views.export_openreferral_json, name="asset_export_oruk_json"
    ),
    path(f"{_ASSETS}export/openreferral-uk.zip", views.export_openreferral_zip, name="asset_export_oruk_zip"),
    path(f"{_ASSETS}export/assets.csv", views.export_csv, name="asset_export_csv"),
    path(f"{_ASSETS}export/assets.json", views.export_json, name="asset_export_json"),
]
