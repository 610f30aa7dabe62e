"""Small-number suppression: the one helper every breakdown goes through.

No breakdown (by sector, organisation, place, community or opinion group) shows a cell of fewer than
``settings.SMALL_NUMBER_THRESHOLD`` people (5 by default); it shows "fewer than 5" instead, so that people
from small organisations cannot be identified.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings


def threshold() -> int:
    return int(settings.SMALL_NUMBER_THRESHOLD)


@dataclass(frozen=True)
class Cell:
    """One cell of a breakdown: the count, or None when it is suppressed."""

    label: str
    count: int | None
    # Hidden although not small, so that a small cell beside it cannot be worked out from a total.
    complementary: bool = False

    @property
    def suppressed(self) -> bool:
        return self.count is None

    @property
    def display(self) -> str:
        if self.complementary:
            return "not shown"
        return f"fewer than {threshold()}" if self.count is None else f"{self.count:,}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "count": self.count,
            "suppressed": self.suppressed,
            "display": self.display,
        }


def suppress_count(n: int) -> int | None:
    """Return ``n``, or None when ``0 < n < threshold`` (zero is not a person and is shown as zero)."""
    return None if 0 < n < threshold() else n


def suppress_breakdown(counts: Mapping[str, int] | Iterable[tuple[str, int]]) -> list[Cell]:
    """Turn ``{label: people}`` into cells with every small cell suppressed.

    When exactly one cell is suppressed and a total is shown beside it, the small cell could be worked out by
    subtraction; callers that show a total must use :func:`suppressed_total`.
    """
    items = counts.items() if isinstance(counts, Mapping) else counts
    return [Cell(str(label), suppress_count(int(n))) for label, n in items]


def suppressed_total(cells: list[Cell], true_total: int) -> str:
    """The total to show beside suppressed cells: exact unless it would reveal a single suppressed cell."""
    hidden = sum(1 for c in cells if c.suppressed)
    if hidden == 1:
        # Round down to a multiple of the threshold so the lone small cell cannot be recovered.
        t = threshold()
        return f"about {true_total - true_total % t:,}"
    return f"{true_total:,}"


def suppress_partition(counts: Mapping[str, int], total: int) -> tuple[list[Cell], str]:
    """Suppress a breakdown whose cells are parts of a known whole (everyone who joined, by sector...).

    A single hidden cell could be recovered by subtracting the others from the total, so when exactly one
    cell is small the smallest other cell with people in it is hidden too (complementary suppression).
    Returns the cells and the total to show beside them.
    """
    cells = suppress_breakdown(counts)
    if sum(1 for c in cells if c.suppressed) == 1:
        candidates = [(c.count, i) for i, c in enumerate(cells) if c.count]
        if candidates:
            _, i = min(candidates)
            cells[i] = Cell(cells[i].label, None, complementary=True)
    return cells, suppressed_total(cells, total)
