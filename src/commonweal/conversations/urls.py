"""Participant pages live under /c/<slug>/; facilitator and moderator pages under /manage/conversations/."""

from django.urls import include, path

from .urls_manage import urlpatterns as manage_urlpatterns
from .urls_participant import urlpatterns as participant_urlpatterns

app_name = "conversations"
urlpatterns = [
    path("c/", include(participant_urlpatterns)),
    path("manage/conversations/", include(manage_urlpatterns)),
]
