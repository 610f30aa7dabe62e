"""Signing in and out, choosing a new password, and each person's API tokens.

Accounts are for facilitators, moderators and administrators only; participants never sign in. The
administrators' accounts page, which also makes facilitators of a system, is in the systems app.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from commonweal.accounts import actions, lockout, queries
from commonweal.accounts.decorators import MUST_CHANGE_PASSWORD, manager_view
from commonweal.accounts.forms import LoginForm, PasswordChangeForm, TokenForm
from commonweal.accounts.permissions import require
from commonweal.core.errors import InvalidInput
from commonweal.core.forms import apply_errors
from commonweal.core.http import client_address, posted


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
                login(request, user)
                if actions.do_sign_in(user, username=username, ip=ip):
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
        actions.do_sign_out(request.user)
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
        actions.do_change_password(user, form.cleaned_data["new_password"])
        # The new password changes the session hash: keep this session signed in (others end).
        update_session_auth_hash(request, user)
        request.session.pop(MUST_CHANGE_PASSWORD, None)
        messages.success(request, "Your new password is saved. Use it next time you sign in.")
        return redirect(next_url)
    return render(
        request,
        "core/password_change.html",
        {"form": form, "next": next_url, "must_change": request.session.get(MUST_CHANGE_PASSWORD, False)},
    )


# --- API tokens ---------------------------------------------------------------------------------------------


@manager_view
@never_cache  # the page shows a new token once: no browser or proxy may keep it
@require_http_methods(["GET", "HEAD", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    require(request.user, "apitoken.manage", request.user)
    form = TokenForm(posted(request))
    issued: dict[str, Any] | None = None
    if request.method == "POST" and form.is_valid():
        try:
            token, raw = actions.check_issue_api_token(request.user, form.cleaned_data["name"])
        except InvalidInput as exc:
            apply_errors(form, exc)
        else:
            issued = {"token": token, "raw": raw}
            form = TokenForm()
    return render(
        request,
        "systems/tokens.html",
        {"form": form, "tokens": queries.api_tokens_of(request.user), "issued": issued},
    )


@manager_view
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = queries.get_api_token(pk)
    require(request.user, "apitoken.manage", token.user)
    actions.do_revoke_api_token(request.user, token)
    messages.success(request, f"The token '{token.name}' is revoked: it no longer works.")
    return redirect("api_tokens")
