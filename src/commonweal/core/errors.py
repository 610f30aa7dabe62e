"""One exception hierarchy for the whole platform.

Every error has a stable ``code`` (machine-readable, never changes once published), an HTTP ``status`` and a
``message`` a person can act on. The JSON API renders them as ``{"error": {"code", "message", "detail"}}``;
HTML views render them as a page in the site layout (``core/middleware.py``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent


class CommonwealError(Exception):
    """Base class: an error a person can understand and act on."""

    code = "error"
    status = 400
    default_message = "Something went wrong with that request."

    def __init__(self, message: str | None = None, *, detail: Any = None, code: str | None = None) -> None:
        self.message = message or self.default_message
        self.detail = detail
        if code:
            self.code = code
        super().__init__(self.message)

    def as_dict(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "detail": self.detail}}


class InvalidInput(CommonwealError):
    code = "invalid_input"
    status = 400
    default_message = (
        "Some of what was sent is not valid. Check the fields named in the detail and try again."
    )


def field_error(field: str, problem: str) -> InvalidInput:
    """An :class:`InvalidInput` about one field, in the shape the API's validation errors use (a page puts it on
    the field with :func:`commonweal.core.forms.apply_errors`)."""
    return InvalidInput(problem, detail={"fields": [{"field": field, "problem": problem}]})


class NotAuthenticated(CommonwealError):
    code = "not_authenticated"
    status = 401
    default_message = "Sign in with your facilitator or moderator account to do this."


class PermissionDenied(CommonwealError):
    code = "permission_denied"
    status = 403
    default_message = "You do not have permission to do this. Ask a facilitator of this system for access."


class NotFound(CommonwealError):
    code = "not_found"
    status = 404
    default_message = "We could not find that. Check the link, or go back and try again."


class Conflict(CommonwealError):
    code = "conflict"
    status = 409
    default_message = "That conflicts with something that already exists."


class ConversationClosed(Conflict):
    code = "conversation_closed"
    default_message = "This conversation is closed, so it no longer takes votes or statements."


class ConversationNotOpen(Conflict):
    code = "conversation_not_open"
    default_message = (
        "This conversation has not opened yet. Try the link again when the facilitator opens it."
    )


class StatementNotVotable(Conflict):
    code = "statement_not_votable"
    default_message = "That statement is not open for votes (it is waiting for moderation or was rejected)."


class DuplicateStatement(Conflict):
    code = "duplicate_statement"
    default_message = "That statement is already in this conversation. You can vote on it instead."


class PayloadTooLarge(CommonwealError):
    code = "payload_too_large"
    status = 413
    default_message = (
        "What was sent is too large. Send less at a time: a request body (not counting uploaded files) can be "
        "at most {limit}."
    )

    def __init__(self, message: str | None = None, *, limit_bytes: int | None = None, **kw: Any) -> None:
        if message is None and limit_bytes is not None:
            message = self.default_message.format(limit=f"{limit_bytes / 1024 / 1024:.1f} MB")
        super().__init__(message or "What was sent is too large. Send less at a time.", **kw)


class QueryTooLong(CommonwealError):
    code = "query_too_long"
    status = 414
    default_message = "The address is too long. Shorten its query (the part after '?') and try again."


class RateLimited(CommonwealError):
    code = "rate_limited"
    status = 429
    default_message = "You are going faster than we allow. Wait a minute, then carry on: nothing was lost."

    def __init__(self, message: str | None = None, *, retry_after: int = 60, **kw: Any) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kw)


class LockedOut(CommonwealError):
    code = "locked_out"
    status = 429
    default_message = (
        "Too many failed sign-in attempts. Wait 15 minutes and try again, or ask an administrator."
    )


class ImportFailed(InvalidInput):
    code = "import_failed"
    default_message = (
        "The file was not imported: fix the rows listed and upload it again. Nothing was changed."
    )


def number_out_of_range(exc: BaseException) -> InvalidInput | None:
    """The 400 for SQLite's refusal of a whole number beyond 64 bits that reached a lookup from what someone
    sent (a form field, a query parameter): ``invalid_input``, not a server error. None for any other error.

    The API's schemas, the ``<id:...>`` addresses and the forms bound the numbers they take; this covers the
    lookups that take a number straight from a request. PostgreSQL compares such a number without complaint.
    """
    if isinstance(exc, OverflowError) and "too large to convert to SQLite INTEGER" in str(exc):
        return InvalidInput(
            "A number in what was sent is larger than any we use. Check it and try again.",
            code="number_out_of_range",
        )
    return None


def request_refusal(exception: BaseException | None) -> CommonwealError:
    """The error for a request Django refused as it read it: a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` is 413
    ``payload_too_large``, too many form fields or files 400 ``too_many_fields``, anything else 400
    ``bad_request``."""
    if isinstance(exception, RequestDataTooBig):
        return PayloadTooLarge(limit_bytes=settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    if isinstance(exception, TooManyFieldsSent | TooManyFilesSent):
        return CommonwealError(
            "The form sent too many fields or files. Send fewer at a time.", code="too_many_fields"
        )
    return CommonwealError("The request was not understood. Go back and try again.", code="bad_request")
