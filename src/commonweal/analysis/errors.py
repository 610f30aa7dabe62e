"""Errors raised by the analysis engine at its public edge."""

from __future__ import annotations

__all__ = ["AnalysisInputError"]


class AnalysisInputError(ValueError):
    """The input given to the analysis engine is malformed or inconsistent.

    The message says what is wrong and, where it applies, which file, row, column or
    argument. It subclasses :class:`ValueError` so callers that catch ``ValueError`` keep
    working; the web layer maps it to its own coded error.
    """
