"""The JSON API: one django-ninja router per app, mounted at /api/. OpenAPI document at /api/openapi.json,
interactive docs at /api/docs. Every error has the one shape ``{"error": {"code", "message", "detail"}}``."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.docs import DocsBase

from commonweal.communities.assets.api import router as communities_router
from commonweal.conversations.api import router as conversations_router
from commonweal.core.errors import (
    CommonwealError,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    RateLimited,
    number_out_of_range,
    request_refusal,
)
from commonweal.core.refusals import record_refusal
from commonweal.core.schemas import ERRORS, ErrorBody, ErrorOut
from commonweal.pulse.api import router as pulse_router
from commonweal.reports.exports.api import router as exports_router
from commonweal.strategy.api import router as strategy_router
from commonweal.systems.api import router as systems_router

log = logging.getLogger("commonweal.errors")


class CommonwealAPI(NinjaAPI):
    """The API, whose OpenAPI document lists the error answers of every operation (one shape, ``ErrorOut``)."""

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        return document_errors(schema)


def document_errors(schema: Any) -> Any:
    """Add the error answers (400, 401, 403, 404, 409, 413, 414, 429, in the one error shape) to every operation
    of an OpenAPI document that does not describe them itself."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name, model in (("ErrorBody", ErrorBody), ("ErrorOut", ErrorOut)):
        components.setdefault(name, model.model_json_schema(ref_template="#/components/schemas/{model}"))
    components["ErrorOut"].pop("$defs", None)
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            # django-ninja keys an operation's own answers by number; JSON keys are text, and 400 beside "400"
            # made a document with duplicate keys that Swagger UI refused to read.
            responses = {str(code): answer for code, answer in operation.get("responses", {}).items()}
            operation["responses"] = responses
            for status in ERRORS:
                responses.setdefault(
                    str(status), {"description": HTTPStatus(status).phrase, "content": content}
                )
    return schema


class VendoredSwagger(DocsBase):
    """Swagger UI from the site's own static files (npm's swagger-ui-dist, copied by scripts/vendor_assets.py),
    started by a script file: a content delivery network, or an inline script, is refused by the site's policy."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        return render(
            request, "api/docs.html", {"api": api, "openapi_url": self.get_openapi_url(api, kwargs)}
        )


api = CommonwealAPI(
    docs=VendoredSwagger(),
    title="commonweal API",
    version="1",
    description="Conversations, statements and votes of a health and care system's strategy. "
    "Participants authenticate with the participant token returned by the join endpoint "
    "(header `X-Participant-Token`); facilitators with an API token (`Authorization: Bearer <token>`).",
    urls_namespace="api",
)


def _render(request: HttpRequest, exc: CommonwealError) -> HttpResponse:
    record_refusal(request, exc)  # a 401 or 403, in the activity log (rate-limited)
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


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    # get_object_or_404 and the like: 404 not_found in the one error shape, not django-ninja's {"detail": ...}.
    return _render(request, NotFound())


@api.exception_handler(AuthenticationError)
def auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _render(request, NotAuthenticated("Send a valid API token: 'Authorization: Bearer <token>'."))


@api.exception_handler(RequestDataTooBig)
@api.exception_handler(TooManyFieldsSent)
@api.exception_handler(TooManyFilesSent)
def request_refused(request: HttpRequest, exc: Exception) -> HttpResponse:
    # A body over the size limit (413 payload_too_large) or too many fields: the same answer as the site's.
    return _render(request, request_refusal(exc))


@api.exception_handler(OverflowError)
def overflow(request: HttpRequest, exc: Exception) -> HttpResponse:
    # A number beyond 64 bits that reached an SQLite lookup from the request is bad input; anything else is ours.
    out_of_range = number_out_of_range(exc)
    if out_of_range is None:
        raise exc
    log.warning("%s %s: %s", request.method, request.path, exc)
    return _render(request, out_of_range)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    err = CommonwealError(str(exc), code="http_error")
    err.status = exc.status_code
    return _render(request, err)


def _mount() -> None:
    api.add_router("/", conversations_router)
    api.add_router("/", systems_router)
    api.add_router("/manage", exports_router)
    api.add_router("/", pulse_router)
    api.add_router("/", strategy_router)
    api.add_router("/", communities_router)


_mount()
