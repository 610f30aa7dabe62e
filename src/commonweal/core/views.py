"""Site-wide pages: the start page, the health check and the error pages."""

from __future__ import annotations

import logging
from typing import Any

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from commonweal.core.errors import CommonwealError, NotFound, PermissionDenied, request_refusal
from commonweal.core.health import run_checks
from commonweal.core.middleware import error_response

logger = logging.getLogger(__name__)


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html")


def healthz(request: HttpRequest) -> HttpResponse:
    """The health report as JSON: 200 when healthy, 503 when not.

    ``{"status": "ok", "database": "ok", "worker": {"state": "ok|stale|absent", "age_seconds": ...}}``. It is
    unhealthy when the database does not answer, or when no analysis worker has beaten for
    ``COMMONWEAL_WORKER_STALE_AFTER`` seconds while conversations wait for an analysis (monitoring should page
    someone). ``?scope=web`` checks the database only: a load balancer's check, so that a stopped worker does
    not take every app server out of service.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        # The reason goes to the log, not to whoever asks (it may name hosts and users).
        logger.exception("health check: the database does not answer")
        message = (
            "The database does not answer: check that it runs and that COMMONWEAL_DATABASE_URL is right."
        )
        error = {"code": "database_unreachable", "message": message, "detail": {}}
        return JsonResponse({"status": "unhealthy", "database": "unreachable", "error": error}, status=503)
    body: dict[str, Any] = {"status": "ok", "database": "ok"}
    if request.GET.get("scope") == "web":
        return JsonResponse(body)
    checks = run_checks()
    for check in checks:
        body[check.name] = check.report
    problems = [check for check in checks if not check.healthy]
    if not problems:
        return JsonResponse(body)
    body["status"] = "unhealthy"
    body["error"] = {
        "code": problems[0].code,
        "message": " ".join(check.problem for check in problems),
        "detail": {"problems": [check.code for check in problems]},
    }
    return JsonResponse(body, status=503)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's 400 (a request it refused before any view), in the one error shape: 413 ``payload_too_large``
    for a body over the size limit, 400 ``too_many_fields`` or ``bad_request`` otherwise."""
    return error_response(request, request_refusal(exception))


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
