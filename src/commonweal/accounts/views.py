"""Signing in and out, choosing a new password, and the decorator every facilitator page uses.

Accounts are for facilitators, moderators and administrators only; participants never sign in.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from commonweal.accounts import lockout
from commonweal.accounts.models import OneTimePassword
from commonweal.core import audit
from commonweal.core.forms import LoginForm, PasswordChangeForm
from commonweal.core.http import client_address, is_htmx, posted

# Set at sign-in when the password was issued by an administrator (or reset) and has not been replaced yet.
MUST_CHANGE_PASSWORD = "commonweal_must_change_password"


def _safe_next(request: HttpRequest, value: str | None) -> str:
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return str(settings.LOGIN_REDIRECT_URL)


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if request.user.is_authenticated and request.method != "POST":
        return redirect(next_url)
    form = LoginForm(posted(request))
    status = 200
    locked: lockout.LockOut | None = None
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        ip = client_address(request)
        locked = lockout.current_lockout(username, ip)
        if locked is None:
            user = authenticate(request, username=username, password=form.cleaned_data["password"])
            if user is not None:
                first_use = OneTimePassword.objects.filter(user=user).exists()
                lockout.clear_failures(username)
                login(request, user)
                audit.record(user, "account.signed_in", user, after={"ip": ip})
                if first_use:
                    request.session[MUST_CHANGE_PASSWORD] = True
                    messages.info(
                        request,
                        "You signed in with a password an administrator gave you. Choose your own password now.",
                    )
                    return redirect(f"{reverse('password_change')}?{urlencode({'next': next_url})}")
                return HttpResponseRedirect(next_url)
            locked = lockout.record_failure(username, ip)
            if locked is None:
                form.add_error(
                    None,
                    "The username or password is not right. Check them and try again "
                    "(passwords are case-sensitive).",
                )
        if locked is not None:
            status = 429
    response = render(
        request,
        "core/login.html",
        {"form": form, "next": next_url, "lockout": locked},
        status=status,
    )
    if locked is not None:
        response["Retry-After"] = str(locked.seconds_left)
    return response


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        audit.record(request.user, "account.signed_out", request.user)
    logout(request)
    messages.info(request, "You have signed out.")
    return redirect(settings.LOGOUT_REDIRECT_URL)


@sensitive_post_parameters("current_password", "new_password", "new_password_again")
@never_cache
def password_change_view(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    form = PasswordChangeForm(request.user, posted(request))
    if request.method == "POST" and form.is_valid():
        user: Any = request.user
        user.set_password(form.cleaned_data["new_password"])
        user.save(update_fields=["password"])
        update_session_auth_hash(request, user)
        request.session.pop(MUST_CHANGE_PASSWORD, None)
        OneTimePassword.objects.filter(user=user).delete()
        audit.record(user, "account.password_changed", user)
        messages.success(request, "Your new password is saved. Use it next time you sign in.")
        return redirect(next_url)
    return render(
        request,
        "core/password_change.html",
        {"form": form, "next": next_url, "must_change": request.session.get(MUST_CHANGE_PASSWORD, False)},
    )


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
