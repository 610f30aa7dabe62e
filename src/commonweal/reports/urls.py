"""Reports and exports. Pages for facilitators sit beside the conversation's own pages under
/manage/conversations/<slug>/; a shared report under /r/<token>/; the Pol.is import under /manage/systems/<system>/.

The URL lists are in urls_report.py (the report, its PDF and its share links) and urls_exports.py (exports and
the Pol.is import)."""

from django.urls import include, path

from commonweal.reports.exports.urls import urlpatterns as export_urlpatterns
from commonweal.reports.report.urls import urlpatterns as report_urlpatterns

app_name = "reports"
urlpatterns = [path("", include(report_urlpatterns)), path("", include(export_urlpatterns))]
