"""Strategy: the app's pages.

- /manage/systems/<system>/strategy/...: the strategy page, aims, commitments and progress, publishing the
  accountability page, participants' updates and the exports (facilitators);
- /commit/<token>/...: an organisation's commitments and progress, by its secret survey link (no account);
- /s/<system>/accountability/: the public accountability page, once published;
- /sr/<token>/: the strategy report (and its PDF) by a secret revocable link.
"""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from commonweal.strategy.accountability import views as accountability
from commonweal.strategy.aims import views as aims
from commonweal.strategy.commitments import views as commitments
from commonweal.strategy.later import views as later
from commonweal.strategy.participation import views as participation
from commonweal.strategy.report import views as report

app_name = "strategy"
_S = "manage/systems/<slug:system>/strategy/"
_ORG = "commit/<str:token>/"

urlpatterns: list[URLPattern | URLResolver] = [
    path(_S, aims.strategy_home, name="home"),
    path(f"{_S}aims/draft/", aims.aim_draft, name="aim_draft"),
    path(f"{_S}aims/test/", aims.aims_test, name="aims_test"),
    path(f"{_S}aims/<id:pk>/", aims.aim_detail, name="aim_detail"),
    path(f"{_S}aims/<id:pk>/edit/", aims.aim_edit, name="aim_edit"),
    path(f"{_S}aims/<id:pk>/status/", aims.aim_status, name="aim_status"),
    path(f"{_S}aims/<id:pk>/commitments/new/", commitments.commitment_create, name="commitment_create"),
    path(f"{_S}commitments/<id:pk>/edit/", commitments.commitment_edit, name="commitment_edit"),
    path(f"{_S}commitments/<id:pk>/progress/", commitments.progress_create, name="progress_create"),
    path(f"{_S}publish/", accountability.publish, name="publish"),
    path(f"{_S}conversations/<slug:slug>/update/", accountability.loop_update, name="loop_update"),
    path(f"{_S}export/<str:name>", report.export, name="export"),
    path(f"{_S}participation/", participation.participation, name="participation"),
    path(f"{_S}a-year-later/", later.year_later, name="year_later"),
    path(f"{_S}report/", report.report, name="report"),
    path(f"{_S}report.pdf", report.report_pdf, name="report_pdf"),
    path(f"{_S}report/links/<id:pk>/revoke/", report.share_revoke, name="share_revoke"),
    path("sr/<str:token>/", report.shared_report, name="shared_report"),
    path("sr/<str:token>/report.pdf", report.shared_report_pdf, name="shared_report_pdf"),
    path(_ORG, commitments.org_home, name="org_home"),
    path(f"{_ORG}aims/<id:aim_id>/commit/", commitments.org_commit, name="org_commit"),
    path(f"{_ORG}commitments/<id:pk>/edit/", commitments.org_commitment_edit, name="org_commitment_edit"),
    path(f"{_ORG}commitments/<id:pk>/progress/", commitments.org_progress, name="org_progress"),
    path("s/<slug:system>/accountability/", accountability.accountability, name="accountability"),
]
