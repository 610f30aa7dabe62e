"""The one disclosure-control layer: every count shown, exported or answered goes through it.

No breakdown (by sector, organisation, place, community or opinion group) shows a cell of fewer than
``settings.SMALL_NUMBER_THRESHOLD`` people (5 by default); it says "fewer than 5" instead, so that people from
small organisations cannot be identified. Tables of the same conversation are published together through
:class:`Disclosure`, which also hides (complementary suppression), rounds or withholds what would let a hidden
cell be worked out from totals, margins or another table; :func:`audit` is the adversary that checks it.
``docs/disclosure.md`` gives the rules in plain words.

- :mod:`.cells`: :class:`Cell` and the one-cell helpers (:func:`suppress_count`, :func:`suppress_breakdown`).
- :mod:`.tables`: :class:`Disclosure` and what it publishes; :func:`suppress_partition` and
  :func:`suppressed_total` for a single breakdown with a total.
- :mod:`.audit`: the linear-programming adversary.
- :mod:`.marks`: marks of at least t people for participant-facing maps.
"""

from .audit import AuditReport, Finding, Relation, Seen, audit
from .cells import (
    HIDDEN,
    ROUNDED,
    SHOWN,
    SMALL,
    WITHHELD,
    Cell,
    rounding_interval,
    suppress_breakdown,
    suppress_count,
    threshold,
)
from .marks import Mark, cluster_marks
from .tables import (
    CellRef,
    Disclosure,
    Publication,
    PublishedTable,
    TableRef,
    suppress_partition,
    suppressed_total,
)

__all__ = [
    "HIDDEN",
    "ROUNDED",
    "SHOWN",
    "SMALL",
    "WITHHELD",
    "AuditReport",
    "Cell",
    "CellRef",
    "Disclosure",
    "Finding",
    "Mark",
    "Publication",
    "PublishedTable",
    "Relation",
    "Seen",
    "TableRef",
    "audit",
    "cluster_marks",
    "fewer_than",
    "rounding_interval",
    "suppress_breakdown",
    "suppress_count",
    "suppress_partition",
    "suppressed_total",
    "threshold",
]


def fewer_than(things: str = "") -> str:
    """The words shown instead of a count under the threshold: "fewer than 5", or "fewer than 5 people" with
    ``things="people"``. Pages, exports and the ``{% fewer_than %}`` template tag all word it this way."""
    words = Cell("", None).display
    return f"{words} {things}" if things else words
