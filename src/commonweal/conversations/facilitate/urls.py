"""Facilitator and moderator pages, relative to /manage/conversations/ (names ``conversations:manage_*``, each
its view's name)."""

from django.urls import URLPattern, URLResolver, include, path

from commonweal.conversations.facilitate import views
from commonweal.core.pages import named_path

#: The pages of one conversation, under /manage/conversations/<its slug>/.
conversation_pages = [
    named_path("", views.manage_detail),
    named_path("edit/", views.manage_edit),
    named_path("seed/", views.manage_seed),
    named_path("status/", views.manage_status),
    named_path("qr.svg", views.manage_qr_svg),
    named_path("qr.png", views.manage_qr_png),
    named_path("moderation/", views.manage_moderation),
    named_path("moderation/bulk/", views.manage_moderate_bulk),
    named_path("moderation/<id:statement_id>/", views.manage_moderate),
    named_path("dashboard/", views.manage_dashboard),
    named_path("dashboard/live/", views.manage_dashboard_live),
    named_path("moderators/", views.manage_moderators),
    named_path("moderators/<id:user_id>/remove/", views.manage_moderator_remove),
    named_path("grouping/", views.manage_grouping),
]

urlpatterns: list[URLPattern | URLResolver] = [
    named_path("new/<slug:system>/", views.manage_create),
    path("<slug:slug>/", include(conversation_pages)),
]
