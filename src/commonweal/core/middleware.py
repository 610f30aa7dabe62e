"""Security headers and error pages in the site layout."""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import unquote_plus

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation

from commonweal.core.errors import (
    CommonwealError,
    QueryTooLong,
    RateLimited,
    field_error,
    number_out_of_range,
)
from commonweal.core.refusals import record_refusal

log = logging.getLogger("commonweal.errors")

# No inline scripts or styles: every script is a file served from our own origin.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            # Every page, the API's documentation included (its Swagger UI is vendored and started by a file).
            response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        response.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response


class StaffPagesInEnglishMiddleware:
    """The staff pages (``settings.ENGLISH_ONLY_PATHS``: managing a system, signing in) are written in English
    only: show them in English whatever language the browser or the switcher chose, so a page never says it is in
    Urdu (right to left) around English words. Runs after Django's LocaleMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.prefixes = tuple(settings.ENGLISH_ONLY_PATHS)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(self.prefixes):
            translation.activate(settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = settings.LANGUAGE_CODE
        return self.get_response(request)


def wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", "")


def error_response(request: HttpRequest, exc: CommonwealError) -> HttpResponse:
    record_refusal(request, exc)  # a 401 or 403, in the activity log (rate-limited)
    if wants_json(request):
        response: HttpResponse = JsonResponse(exc.as_dict(), status=exc.status)
    else:
        response = render(request, "core/error.html", {"error": exc}, status=exc.status)
    if isinstance(exc, RateLimited):
        response["Retry-After"] = str(exc.retry_after)
    return response


class RequestLimitsMiddleware:
    """Refuse, in the one error shape, a request that no view could answer sensibly.

    - A query string longer than ``settings.MAX_QUERY_STRING`` characters: 414 ``query_too_long``. gunicorn
      refuses a request line longer than its ``limit_request_line`` (8,190 bytes, set by ``commonweal serve``)
      with a plain-text 414 of its own before the app sees it; below that, the answer is ours, as JSON for the
      API and as a page for the site.
    - A NUL character in the path or the query: 400 ``invalid_input``. PostgreSQL cannot hold one in a string,
      so looking it up would fail as a server error; no address or search of ours needs one.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.META.get("QUERY_STRING", "")
        if len(query) > settings.MAX_QUERY_STRING:
            return error_response(request, QueryTooLong())
        if "\x00" in request.path or "\x00" in unquote_plus(query):
            problem = "The address contains a NUL character (%00), which no address or search needs."
            return error_response(request, field_error("query", problem))
        return self.get_response(request)


class ErrorPageMiddleware:
    """Render a :class:`CommonwealError` raised by an HTML view as a page in the same layout."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, CommonwealError):
            return error_response(request, exception)
        out_of_range = number_out_of_range(exception)
        if out_of_range is not None:
            log.warning("%s %s: %s", request.method, request.path, exception)
            return error_response(request, out_of_range)
        return None
