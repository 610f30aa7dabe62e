"""Facilitator and administrator pages under /manage/ (conversation pages are under /manage/conversations/, the
API token pages, the accounts app's, under /manage/tokens/)."""

from django.urls import path

from commonweal.systems import views

app_name = "systems"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("systems/new/", views.system_create, name="system_create"),
    path("systems/<slug:system>/", views.system_detail, name="system_detail"),
    path("systems/<slug:system>/edit/", views.system_edit, name="system_edit"),
    path("systems/<slug:system>/activity/", views.system_activity, name="system_activity"),
    path("systems/<slug:system>/places/", views.place_list, name="place_list"),
    path("systems/<slug:system>/places/new/", views.place_edit, name="place_create"),
    path("systems/<slug:system>/places/<int:pk>/edit/", views.place_edit, name="place_edit"),
    path("systems/<slug:system>/places/<int:pk>/delete/", views.place_delete, name="place_delete"),
    path("systems/<slug:system>/communities/", views.community_list, name="community_list"),
    path("systems/<slug:system>/communities/new/", views.community_edit, name="community_create"),
    path("systems/<slug:system>/communities/<int:pk>/edit/", views.community_edit, name="community_edit"),
    path(
        "systems/<slug:system>/communities/<int:pk>/delete/", views.community_delete, name="community_delete"
    ),
    path("systems/<slug:system>/organisations/", views.organisation_list, name="organisation_list"),
    path("systems/<slug:system>/organisations/new/", views.organisation_edit, name="organisation_create"),
    path(
        "systems/<slug:system>/organisations/import/", views.organisation_import, name="organisation_import"
    ),
    path(
        "systems/<slug:system>/organisations/import/organisations.csv",
        views.organisation_import_template,
        name="organisation_import_template",
    ),
    path(
        "systems/<slug:system>/organisations/<int:pk>/edit/",
        views.organisation_edit,
        name="organisation_edit",
    ),
    path(
        "systems/<slug:system>/organisations/<int:pk>/delete/",
        views.organisation_delete,
        name="organisation_delete",
    ),
    path("systems/<slug:system>/facilitators/", views.facilitators, name="facilitators"),
    path(
        "systems/<slug:system>/facilitators/<int:user_id>/remove/",
        views.facilitator_remove,
        name="facilitator_remove",
    ),
    path("accounts/", views.accounts, name="accounts"),
    path("accounts/<int:pk>/reset-password/", views.account_reset_password, name="account_reset_password"),
    path("accounts/<int:pk>/active/", views.account_set_active, name="account_set_active"),
]
