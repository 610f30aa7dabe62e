"""What every JSON API input shares: strict request bodies with clean text, bounded numbers, the error shape.

- :class:`InputSchema` is the base of every request body. A misspelt field is an error, not ignored; types are
  strict (``false`` is not a place id, ``"3"`` is not a statement id, ``1`` is not a title); and every string
  in it, in lists too, passes through :func:`commonweal.core.text.clean_text` before its length is checked,
  so the API stores the same text the pages would. A field annotated :data:`MULTILINE` keeps its line breaks.
- :data:`Id` (in a body), :data:`PathId` (in a path) and :data:`QueryPage` (in a query) are whole numbers in
  the range a database id can take: a number of 2^63 or more is refused as ``invalid_input`` (400) like any
  other bad value, instead of overflowing the database driver.
- :class:`Pagination` is django-ninja's ``?limit=&offset=`` with both bounded.
- :class:`ErrorOut` documents the one error shape, ``{"error": {"code", "message", "detail"}}``.
"""

from __future__ import annotations

from typing import Annotated, Any

from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination
from ninja.params.functions import Path
from pydantic import ConfigDict, ValidationInfo, field_validator

from commonweal.core.converters import MAX_ID
from commonweal.core.text import clean_text

__all__ = [
    "ERRORS",
    "MAX_ID",
    "MAX_OFFSET",
    "MAX_PAGE_SIZE",
    "MULTILINE",
    "ErrorBody",
    "ErrorOut",
    "Id",
    "InputSchema",
    "PageQuery",
    "Pagination",
    "PathId",
    "QueryPage",
]

#: Pages of a list answer: at most this many items, starting at most this far in.
MAX_PAGE_SIZE = 1000
MAX_OFFSET = 2**31 - 1

Id = Annotated[int, Field(strict=True, ge=1, le=MAX_ID, description="An id (a whole number from 1).")]
PathId = Annotated[int, Path(ge=1, le=MAX_ID, description="An id (a whole number from 1).")]
QueryPage = Annotated[int, Field(ge=1, le=MAX_OFFSET, description="A page number, from 1.")]


class Multiline:
    """A marker for a text field that keeps its line breaks: ``Annotated[str, MULTILINE]``."""


MULTILINE = Multiline()


def _clean(value: Any, multiline: bool) -> Any:
    # Only strings are cleaned; anything else is left for the strict type check to refuse.
    if isinstance(value, str):
        return clean_text(value, multiline=multiline)
    if isinstance(value, list):
        return [_clean(item, multiline) for item in value]
    return value


class InputSchema(Schema):
    """The base of every JSON request body (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    @field_validator("*", mode="before")
    @classmethod
    def _clean_text(cls, value: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields.get(info.field_name or "")
        multiline = field is not None and any(isinstance(m, Multiline) for m in field.metadata)
        return _clean(value, multiline)


class ErrorBody(Schema):
    code: str = Field(
        description="Stable and machine-readable, e.g. 'invalid_input' (docs/api.md lists them)."
    )
    message: str = Field(description="What went wrong, in words a person can act on.")
    detail: object | None = None


class ErrorOut(Schema):
    """Every error answer of the API."""

    error: ErrorBody


#: The error answers an endpoint may give, for its ``response`` mapping.
ERRORS: dict[int, type[Schema]] = dict.fromkeys((400, 401, 403, 404, 409, 413, 414, 429), ErrorOut)


class PageQuery(Schema):
    limit: int = Field(100, ge=1, le=MAX_PAGE_SIZE, description="How many items, 1 to 1000.")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="How many items to skip.")


class Pagination(LimitOffsetPagination):
    """``?limit=&offset=``: at most :data:`MAX_PAGE_SIZE` items from an offset of at most :data:`MAX_OFFSET`."""

    Input = PageQuery  # type: ignore[assignment]
