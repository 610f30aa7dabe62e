from django.urls import include, path

from commonweal.accounts.urls import token_urlpatterns
from commonweal.api import api
from commonweal.core import views as core_views
from commonweal.systems.urls import public_urlpatterns as system_public_urlpatterns

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    # Django's set_language: the participant pages' language switcher posts here.
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("commonweal.accounts.urls")),
    path("manage/tokens/", include(token_urlpatterns)),
    path("manage/", include("commonweal.systems.urls")),
    path("", include(system_public_urlpatterns)),
    path("", include("commonweal.conversations.urls")),
    path("", include("commonweal.network.urls")),
    path("", include("commonweal.reports.urls")),
    path("", include("commonweal.pulse.urls")),
    path("", include("commonweal.communities.urls")),
    path("", include("commonweal.strategy.urls")),
    path("api/", api.urls),
]

handler400 = "commonweal.core.views.bad_request"
handler403 = "commonweal.core.views.permission_denied"
handler404 = "commonweal.core.views.not_found"
handler500 = "commonweal.core.views.server_error"
