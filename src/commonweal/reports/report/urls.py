"""The report, its PDF and its secret share links (names ``reports:report*``, ``reports:share*``)."""

from django.urls import URLPattern, path

from commonweal.reports.report import views

urlpatterns: list[URLPattern] = [
    path("manage/conversations/<slug:slug>/report/", views.report, name="report"),
    path("manage/conversations/<slug:slug>/report.pdf", views.report_pdf, name="report_pdf"),
    path("manage/conversations/<slug:slug>/report/share/", views.share, name="share"),
    path(
        "manage/conversations/<slug:slug>/report/share/<id:pk>/revoke/",
        views.share_revoke,
        name="share_revoke",
    ),
    path("r/<str:token>/", views.shared, name="shared"),
    path("r/<str:token>/report.pdf", views.shared_pdf, name="shared_pdf"),
]
