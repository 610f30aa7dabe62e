"""The results pages and present mode, relative to /manage/conversations/ (names ``conversations:manage_*``)."""

from django.urls import path

from commonweal.conversations.results import views as views_results

urlpatterns = [
    path("<slug:slug>/present/", views_results.manage_present, name="manage_present"),
    path("<slug:slug>/present/live/", views_results.manage_present_live, name="manage_present_live"),
    path("<slug:slug>/results/", views_results.manage_results, name="manage_results"),
    path("<slug:slug>/results/live/", views_results.manage_results_live, name="manage_results_live"),
    path("<slug:slug>/results/group-names/", views_results.manage_group_name, name="manage_group_name"),
    path(
        "<slug:slug>/results/group-names/<int:name_id>/forget/",
        views_results.manage_group_name_forget,
        name="manage_group_name_forget",
    ),
    path(
        "<slug:slug>/results/charts/<slug:name>.<str:fmt>",
        views_results.manage_results_chart,
        name="manage_results_chart",
    ),
]
