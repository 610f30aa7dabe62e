"""Participant pages live under /c/<slug>/; facilitator and moderator pages under /manage/conversations/."""

from django.urls import include, path

from commonweal.conversations.facilitate.urls import urlpatterns as manage_urlpatterns
from commonweal.conversations.participate.urls import urlpatterns as participant_urlpatterns
from commonweal.conversations.results.urls import urlpatterns as results_urlpatterns
from commonweal.conversations.rights.urls import manage_urlpatterns as rights_manage_urlpatterns
from commonweal.conversations.rights.urls import participant_urlpatterns as rights_participant_urlpatterns
from commonweal.conversations.translate.urls import manage_urlpatterns as translate_manage_urlpatterns

app_name = "conversations"
urlpatterns = [
    path("c/", include(participant_urlpatterns)),
    path("c/", include(rights_participant_urlpatterns)),
    path("manage/conversations/", include(manage_urlpatterns)),
    path("manage/conversations/", include(results_urlpatterns)),
    path("manage/conversations/", include(rights_manage_urlpatterns)),
    path("manage/conversations/", include(translate_manage_urlpatterns)),
]
