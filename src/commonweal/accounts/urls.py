"""The accounts app's pages: signing in and out under /accounts/, and each person's API tokens under
/manage/tokens/ beside the other signed-in pages (the project's ``urls.py`` mounts both). The names have no
namespace, as Django's ``LOGIN_URL`` and every template use them."""

from django.urls import path

from commonweal.accounts import views

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("password/", views.password_change_view, name="password_change"),
]

token_urlpatterns = [
    path("", views.tokens, name="api_tokens"),
    path("<id:pk>/revoke/", views.token_revoke, name="api_token_revoke"),
]
