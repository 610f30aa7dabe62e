"""The JSON API: one django-ninja router per app, mounted at /api/. OpenAPI document at /api/openapi.json,
interactive docs at /api/docs. Every error has the one shape ``{"error": {"code", "message", "detail"}}``."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from commonweal.core.errors import CommonwealError, InvalidInput, NotAuthenticated, RateLimited

api = NinjaAPI(
    title="commonweal API",
    version="1",
    description="Conversations, statements and votes of a health and care system's strategy. "
    "Participants authenticate with the participant token returned by the join endpoint "
    "(header `X-Participant-Token`); facilitators with an API token (`Authorization: Bearer <token>`).",
    urls_namespace="api",
)


def _render(request: HttpRequest, exc: CommonwealError) -> HttpResponse:
    response = api.create_response(request, exc.as_dict(), status=exc.status)
    if isinstance(exc, RateLimited):
        response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(CommonwealError)
def commonweal_error(request: HttpRequest, exc: CommonwealError) -> HttpResponse:
    return _render(request, exc)


@api.exception_handler(NinjaValidationError)
def validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    fields = []
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", []) if p not in ("body", "payload", "query", "path")]
        fields.append({"field": ".".join(loc) or None, "problem": err.get("msg", "invalid")})
    return _render(request, InvalidInput(detail={"fields": fields}))


@api.exception_handler(AuthenticationError)
def auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _render(request, NotAuthenticated("Send a valid API token: 'Authorization: Bearer <token>'."))


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    err = CommonwealError(str(exc), code="http_error")
    err.status = exc.status_code
    return _render(request, err)


def _mount() -> None:
    from commonweal.conversations.api import router as conversations_router
    from commonweal.systems.api import router as systems_router

    api.add_router("/", conversations_router)
    api.add_router("/", systems_router)

    from commonweal.reports.exports.api import router as exports_router

    api.add_router("/manage", exports_router)


_mount()
