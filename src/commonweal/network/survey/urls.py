"""URLs of the relationship survey: rounds for facilitators, and the survey for respondents (no account; the
organisation's secret link, then the respondent's own key). See commonweal/network/urls.py for the other parts."""

from django.urls import path

from commonweal.network.survey import views

ROUNDS = "manage/systems/<slug:system>/network/rounds/"
SURVEY = "survey/<str:token>/"

urlpatterns = [
    path(ROUNDS, views.round_list, name="round_list"),
    path(ROUNDS + "new/", views.round_create, name="round_create"),
    path(ROUNDS + "<id:round_id>/", views.round_detail, name="round_detail"),
    path(ROUNDS + "<id:round_id>/status/", views.round_status, name="round_status"),
    path(ROUNDS + "<id:round_id>/links.csv", views.round_links_csv, name="round_links_csv"),
    path(ROUNDS + "<id:round_id>/qr/<id:organisation_id>.svg", views.round_qr, name="round_qr"),
    path(SURVEY, views.survey_start, name="survey_start"),
    path(SURVEY + "r/<str:key>/partners/", views.survey_partners, name="survey_partners"),
    path(SURVEY + "r/<str:key>/closeness/", views.survey_closeness, name="survey_closeness"),
    path(SURVEY + "r/<str:key>/partners/<id:partner_id>/", views.survey_rate, name="survey_rate"),
    path(SURVEY + "r/<str:key>/check/", views.survey_check, name="survey_check"),
]
