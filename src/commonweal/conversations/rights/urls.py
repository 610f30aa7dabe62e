"""Data rights pages: the participant's under /c/ (names ``participant-your-data*``) and the facilitator's under
/manage/conversations/ (``manage_erase``), both in the ``conversations`` namespace."""

from django.urls import path

from commonweal.conversations.rights import views

participant_urlpatterns = [
    path("<slug:slug>/your-data/", views.your_data, name="participant-your-data"),
    path(
        "<slug:slug>/your-data/download.<str:fmt>",
        views.your_data_download,
        name="participant-your-data-download",
    ),
    path("<slug:slug>/your-data/delete/", views.your_data_delete, name="participant-your-data-delete"),
]

manage_urlpatterns = [
    path("<slug:slug>/erase/", views.manage_erase, name="manage_erase"),
]
