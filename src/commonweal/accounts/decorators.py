"""The decorator every facilitator, moderator and administrator page uses, in every app."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import urlencode

from commonweal.core.http import is_htmx

# Set at sign-in when the password was issued by an administrator (or reset) and has not been replaced yet.
MUST_CHANGE_PASSWORD = "commonweal_must_change_password"


def manager_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For every facilitator, moderator and administrator page: sign in first (anonymous people are sent to
    the sign-in page and brought back), and replace an administrator-issued password before anything else.
    The page itself still calls its app's ``require``: being signed in grants nothing by itself."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            if is_htmx(request):
                # An htmx request from a page whose session has ended: send the whole page to sign in,
                # rather than swapping the sign-in page into a fragment.
                response = HttpResponse(status=204)
                response["HX-Redirect"] = redirect_to_login(
                    request.headers.get("HX-Current-URL", "/manage/")
                )["Location"]
                return response
            return redirect_to_login(request.get_full_path())
        if request.session.get(MUST_CHANGE_PASSWORD):
            return redirect(f"{reverse('password_change')}?{urlencode({'next': request.get_full_path()})}")
        response = view(request, *args, **kwargs)
        add_never_cache_headers(response)
        return response

    return wrapper
