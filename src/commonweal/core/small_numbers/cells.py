"""One published count: :class:`Cell`, the threshold, and the one-cell helpers.

A cell is shown exactly, or it says why it is not: "fewer than 5" (a small cell, primary suppression), "not
shown" (hidden so that a small cell cannot be worked out, complementary suppression, or part of a breakdown
that is withheld), or "about 80" (a total rounded so that a small cell cannot be worked out from it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

# How a cell is published. The values are the words of the API (`status` in JSON).
SHOWN = "shown"
SMALL = "small"  # fewer than the threshold: primary suppression
HIDDEN = "hidden"  # not small, hidden so that a small cell cannot be worked out: complementary suppression
WITHHELD = "withheld"  # part of a breakdown that is not shown at all (of a hidden group, or too few people)
ROUNDED = "rounded"  # a total shown as "about N"


def threshold() -> int:
    """The smallest number of people a published cell may count (``COMMONWEAL_SMALL_NUMBER``, 5 by default)."""
    return int(settings.SMALL_NUMBER_THRESHOLD)


@dataclass(frozen=True)
class Cell:
    """One cell of a breakdown as published: the exact count, or None when it is not shown exactly.

    ``Cell(label, None)`` is a small cell ("fewer than 5"); ``complementary=True`` marks a cell hidden so that a
    small cell beside it cannot be worked out; ``withheld=True`` a cell of a breakdown that is not shown at
    all; ``about`` (with ``low`` and ``high``, the range it stands for) a rounded total.
    """

    label: str
    count: int | None
    # Hidden although not small, so that a small cell beside it cannot be worked out from a total.
    complementary: bool = False
    withheld: bool = False
    about: int | None = None
    low: int | None = None
    high: int | None = None
    # The threshold the cell was published with (None: the setting at the time it is displayed).
    limit: int | None = None

    @property
    def status(self) -> str:
        """One of ``shown``, ``small``, ``hidden``, ``withheld``, ``rounded``."""
        if self.count is not None:
            return SHOWN
        if self.about is not None:
            return ROUNDED
        if self.withheld:
            return WITHHELD
        return HIDDEN if self.complementary else SMALL

    @property
    def suppressed(self) -> bool:
        """True when the exact count is not published (small, hidden, withheld or rounded)."""
        return self.count is None

    @property
    def rounded(self) -> bool:
        return self.about is not None

    @property
    def display(self) -> str:
        """The words to show in place of the number."""
        status = self.status
        if status == SHOWN:
            return f"{self.count:,}"
        if status == SMALL:
            return _("fewer than %(n)s") % {"n": self.limit or threshold()}
        if status == ROUNDED:
            if self.about == 0 and self.high is not None:
                return _("fewer than %(n)s") % {"n": f"{self.high + 1:,}"}
            return _("about %(n)s") % {"n": f"{self.about:,}"}
        return _("not shown")

    def as_dict(self) -> dict[str, Any]:
        """JSON-safe: ``count`` is null unless the exact number is published; ``status`` says why not."""
        out: dict[str, Any] = {
            "label": self.label,
            "count": self.count,
            "suppressed": self.suppressed,
            "display": self.display,
            "status": self.status,
        }
        if self.rounded:
            out.update(about=self.about, low=self.low, high=self.high)
        return out


def suppress_count(n: int) -> int | None:
    """Return ``n``, or None when ``0 < n < threshold`` (zero is not a person and is shown as zero).

    Safe only for a count that is not part of a whole published elsewhere; a breakdown with a total, or
    tables that share people, go through :class:`~commonweal.core.small_numbers.Disclosure`.
    """
    return None if 0 < n < threshold() else n


def suppress_breakdown(counts: Mapping[str, int] | Iterable[tuple[str, int]]) -> list[Cell]:
    """Turn ``{label: people}`` into cells with every small cell suppressed (primary suppression only).

    Safe only when no total or other table of the same people is shown: when the cells are parts of a whole,
    use :func:`suppress_partition` or :class:`~commonweal.core.small_numbers.Disclosure`.
    """
    items = counts.items() if isinstance(counts, Mapping) else counts
    return [Cell(str(label), suppress_count(int(n))) for label, n in items]


# --- Rounded totals ----------------------------------------------------------------------------------------------

# A rounded total is rounded to the nearest multiple of the first of these that protects every small cell.
ROUNDING_BASES = (10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000)


def rounding_interval(value: int, base: int) -> tuple[int, int, int]:
    """``(shown, low, high)``: ``value`` rounded to the nearest multiple of ``base`` (halves up) and the range
    of true values that round to it, which is all an attacker learns from "about <shown>"."""
    shown = (value + base // 2) // base * base
    low = max(0, shown - base // 2)
    high = shown + (base - 1 - base // 2)
    return shown, low, high
