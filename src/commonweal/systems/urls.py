"""Facilitator and administrator pages under /manage/ (conversation pages are under /manage/conversations/, the
API token pages, the accounts app's, under /manage/tokens/)."""

from django.urls import include, path

from commonweal.core.pages import kind_urls
from commonweal.systems import views

_ITEM_PAGES = {"item_view": views.item_page}

#: The pages of one system, under /manage/systems/<its slug>/.
system_pages = [
    path("", views.system_detail, name="system_detail"),
    path("edit/", views.system_edit, name="system_edit"),
    path("privacy-and-accessibility/", views.notices_edit, name="notices_edit"),
    path("activity/", views.system_activity, name="system_activity"),
    *kind_urls("places/", "place", views.PLACES, list_view=views.place_list, **_ITEM_PAGES),
    *kind_urls("communities/", "community", views.COMMUNITIES, list_view=views.community_list, **_ITEM_PAGES),
    path("organisations/import/", views.organisation_import, name="organisation_import"),
    path(
        "organisations/import/organisations.csv",
        views.organisation_import_template,
        name="organisation_import_template",
    ),
    *kind_urls(
        "organisations/",
        "organisation",
        views.ORGANISATIONS,
        list_view=views.organisation_list,
        **_ITEM_PAGES,
    ),
    path("facilitators/", views.facilitators, name="facilitators"),
    path("facilitators/<id:user_id>/remove/", views.facilitator_remove, name="facilitator_remove"),
]

app_name = "systems"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("systems/new/", views.system_create, name="system_create"),
    path("systems/<slug:system>/", include(system_pages)),
    path("accounts/", views.accounts, name="accounts"),
    path("accounts/<id:pk>/reset-password/", views.account_reset_password, name="account_reset_password"),
    path("accounts/<id:pk>/active/", views.account_set_active, name="account_set_active"),
]

#: Public pages of a system, for participants (mounted at the site's root).
public_urlpatterns = [
    path("accessibility/", views.accessibility, name="accessibility_statement_site"),
    path("accessibility/<slug:system>/", views.accessibility, name="accessibility_statement"),
    path("privacy/<slug:system>/", views.privacy_notice, name="privacy_notice"),
]
