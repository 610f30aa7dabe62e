"""Participant pages, relative to /c/ (names are prefixed ``participant-`` in the ``conversations`` namespace)."""

from django.urls import path

from commonweal.conversations.participate import views

urlpatterns = [
    path("<slug:slug>/", views.conversation_home, name="participant-home"),
    path("<slug:slug>/join/", views.join, name="participant-join"),
    path("<slug:slug>/about-you/", views.about_you, name="participant-about-you"),
    path("<slug:slug>/vote/", views.vote, name="participant-vote"),
    path("<slug:slug>/add/", views.add_statement, name="participant-add"),
    path("<slug:slug>/add/similar/", views.similar, name="participant-similar"),
    path("<slug:slug>/where-you-stand/", views.where_you_stand_page, name="participant-where-you-stand"),
    path("<slug:slug>/my-votes/", views.my_votes_page, name="participant-my-votes"),
    path("<slug:slug>/statements/<id:statement_id>/", views.statement_page, name="participant-statement"),
]
