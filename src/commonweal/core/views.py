"""Site-wide pages: the start page, the health check and the error pages."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from commonweal.core.errors import CommonwealError, NotFound, PermissionDenied
from commonweal.core.middleware import error_response


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html")


def healthz(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_response(request, CommonwealError("The request was not understood. Go back and try again."))


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_response(request, PermissionDenied())


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_response(request, NotFound())


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    err = CommonwealError(
        "This form had expired or your browser did not send its security cookie, so nothing was saved. "
        "Go back, reload the page and try again. If it keeps happening, allow cookies for this site.",
        code="csrf_failed",
    )
    err.status = 403
    return error_response(request, err)


def server_error(request: HttpRequest) -> HttpResponse:
    err = CommonwealError(
        "Something went wrong on our side. What you sent may not have been saved: go back and try again.",
        code="server_error",
    )
    err.status = 500
    return error_response(request, err)
