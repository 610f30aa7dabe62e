"""Facilitator and moderator pages, relative to /manage/conversations/ (names ``conversations:manage_*``)."""

from django.urls import path

from commonweal.conversations.facilitate import views

urlpatterns = [
    path("new/<slug:system>/", views.manage_create, name="manage_create"),
    path("<slug:slug>/", views.manage_detail, name="manage_detail"),
    path("<slug:slug>/edit/", views.manage_edit, name="manage_edit"),
    path("<slug:slug>/seed/", views.manage_seed, name="manage_seed"),
    path("<slug:slug>/status/", views.manage_status, name="manage_status"),
    path("<slug:slug>/qr.svg", views.manage_qr_svg, name="manage_qr_svg"),
    path("<slug:slug>/qr.png", views.manage_qr_png, name="manage_qr_png"),
    path("<slug:slug>/moderation/", views.manage_moderation, name="manage_moderation"),
    path("<slug:slug>/moderation/bulk/", views.manage_moderate_bulk, name="manage_moderate_bulk"),
    path("<slug:slug>/moderation/<id:statement_id>/", views.manage_moderate, name="manage_moderate"),
    path("<slug:slug>/dashboard/", views.manage_dashboard, name="manage_dashboard"),
    path("<slug:slug>/dashboard/live/", views.manage_dashboard_live, name="manage_dashboard_live"),
    path("<slug:slug>/moderators/", views.manage_moderators, name="manage_moderators"),
    path(
        "<slug:slug>/moderators/<id:user_id>/remove/",
        views.manage_moderator_remove,
        name="manage_moderator_remove",
    ),
]
