"""Who is in each opinion group, and where the sectors differ, in the words the results pages and the report use.

Every count comes from the conversation's one publication (``conversations.disclosure``: the tables "opinion
group by sector / place / community" over "analysed by ..."), so a cell of fewer than 5 people reads "fewer than
5", a cell hidden beside it "not shown", and a share is given only of counts shown exactly.

**When a category is named as over-represented in a group** (:func:`over_represented`, docs/analysis.md, "Who is
in an opinion group"): all of

- at least :data:`MIN_PEOPLE` people of the group are of it, shown exactly;
- its share of the group is at least :data:`MIN_RATIO` times its share of everyone the analysis counted;
- the lower end of the 90% Wilson interval of its share of the group is above its share among everyone else the
  analysis counted (the people not in the group), so that a few people more than expected by chance are not
  named.

"Not said" is never named. A group whose size is not shown exactly gives no shares, so nothing is named in it.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from commonweal.conversations.disclosure import NOT_SAID, ConversationNumbers
from commonweal.core.small_numbers import SMALL, Cell, threshold

#: The fewest people of a category in a group for it to be named as over-represented.
MIN_PEOPLE = 5
#: How many times its share of everyone a category's share of the group must be, at least.
MIN_RATIO = 1.25
#: The z of a two-sided 90% interval.
Z_90 = 1.6448536269514722


def wilson_lower(successes: int, trials: int, z: float = Z_90) -> float:
    """The lower end of the Wilson score interval of ``successes / trials`` (0 when there are no trials)."""
    if trials <= 0:
        return 0.0
    p = successes / trials
    z2 = z * z
    centre = p + z2 / (2 * trials)
    spread = z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials))
    return max(0.0, (centre - spread) / (1 + z2 / trials))


def over_represented(in_group: int, group_size: int, in_all: int, everyone: int) -> bool:
    """Whether a category with ``in_group`` people in a group of ``group_size`` and ``in_all`` among the
    ``everyone`` the analysis counted is clearly more common in the group than overall (the module's rule)."""
    if (
        in_group < MIN_PEOPLE
        or group_size <= 0
        or everyone <= 0
        or in_group > group_size
        or in_all > everyone
    ):
        return False
    share_group = in_group / group_size
    share_all = in_all / everyone
    if share_group < MIN_RATIO * share_all:
        return False
    rest = everyone - group_size
    share_rest = (in_all - in_group) / rest if rest > 0 else 0.0
    return wilson_lower(in_group, group_size) > share_rest


def percent(share: float | None) -> str:
    return "" if share is None else f"{round(share * 100)}%"


def _and(items: list[str], joiner: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + joiner + items[-1]


# --- Who is in each group ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MakeupRow:
    """One category in one group: its people there (as published), its share of the group and of everyone."""

    key: Hashable
    label: str
    people: Cell
    group_share: float | None
    overall_share: float | None
    over: bool

    @property
    def people_display(self) -> str:
        return self.people.display

    @property
    def group_percent(self) -> str:
        return percent(self.group_share) or _("not shown")

    @property
    def overall_percent(self) -> str:
        return percent(self.overall_share) or _("not shown")


@dataclass(frozen=True)
class MakeupTable:
    """A group's people by one dimension (sector, place or community)."""

    dimension: str
    heading: str
    rows: list[MakeupRow]
    partition: bool  # False for communities: people may be in several, or none

    @property
    def over(self) -> list[str]:
        return [row.label for row in self.rows if row.over]

    @property
    def withheld(self) -> bool:
        """Nothing of it is shown exactly: the layer hid every cell to protect the small ones."""
        return all(row.people.count is None for row in self.rows)

    @property
    def withheld_words(self) -> str:
        return _(
            "By %(dimension)s: not shown. Too many groups hold fewer than %(t)s people of one %(dimension)s, so "
            "none of it can be shown without giving a small number away."
        ) % {"dimension": self.heading.lower(), "t": threshold()}


@dataclass(frozen=True)
class GroupMakeup:
    """Who is in one opinion group."""

    group: int
    name: str
    size: Cell
    tables: list[MakeupTable] = field(default_factory=list)

    @property
    def shown(self) -> bool:
        return self.size.count is not None and bool(self.tables)

    @property
    def over(self) -> list[str]:
        return [label for table in self.tables for label in table.over]

    @property
    def sentence(self) -> str:
        """For example "More people from Voluntary, community and social enterprise (VCSE) and from Eastmarsh
        than among everyone." or why nothing is said."""
        if self.size.count is None:
            return _("Who is in %(group)s is not shown: the size of the group is not shown.") % {
                "group": self.name
            }
        if not self.tables:
            return ""
        shown = [table.heading.lower() for table in self.tables if not table.withheld]
        if not shown:
            return _(
                "Who is in %(group)s is not shown: too many of its parts hold fewer than %(t)s people."
            ) % {
                "group": self.name,
                "t": threshold(),
            }
        if not self.over:
            return _("No %(dimensions)s stands out in %(group)s compared with everyone.") % {
                "dimensions": _and(shown, _(" or ")),
                "group": self.name,
            }
        return _("More people from %(these)s than among everyone.") % {
            "these": _and(self.over, _(" and from "))
        }


def _table(
    numbers: ConversationNumbers, dimension: str, group: int, size: int | None, everyone: int | None
) -> MakeupTable:
    dim = numbers.dimensions[dimension]
    rows = []
    for key, label in dim.labels.items():
        cell = numbers.group_member_cell(dimension, group, key)
        overall = numbers.analysed_cell(dimension, key)
        over = (
            key != NOT_SAID
            and cell.count is not None
            and overall.count is not None
            and size is not None
            and everyone is not None
            and over_represented(cell.count, size, overall.count, everyone)
        )
        rows.append(
            MakeupRow(
                key=key,
                label=str(label),
                people=cell,
                group_share=numbers.group_member_share(dimension, group, key),
                overall_share=numbers.analysed_share(dimension, key),
                over=over,
            )
        )
    # Categories with nobody in the analysis say nothing about the group: left out (a zero is public anyway).
    rows = [row for row in rows if numbers.analysed_cell(dimension, row.key).count != 0]
    return MakeupTable(dimension, dim.heading, rows, dim.partition)


def group_makeup(numbers: ConversationNumbers | None, groups: Sequence[tuple[int, str]]) -> list[GroupMakeup]:
    """Who is in each of ``groups`` ((index, name) pairs), by every dimension the publication breaks them down
    by; empty when it breaks them down by none (an older snapshot, or someone erased since it was made)."""
    if numbers is None or not numbers.makeup:
        return []
    everyone = numbers.analysed_total()
    out = []
    for g, name in groups:
        size = numbers.group_size(g)
        tables = [_table(numbers, dim, g, size.count, everyone) for dim in numbers.makeup]
        out.append(
            GroupMakeup(g, name, size, [t for t in tables if t.rows] if size.count is not None else [])
        )
    return out


# --- Where the sectors differ --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SectorCell:
    share: float | None
    voters: Cell

    @property
    def display(self) -> str:
        """ "82%", "fewer than 5", "no votes" or "not shown"."""
        if self.share is not None:
            return percent(self.share)
        if self.voters.status == SMALL:
            return self.voters.display
        if self.voters.count == 0:
            return _("no votes")
        return _("not shown")


@dataclass(frozen=True)
class SectorTable:
    """The share agreeing with each statement in each sector (columns: sectors anyone joined from)."""

    sectors: list[tuple[Hashable, str]]
    rows: list[tuple[Any, list[SectorCell]]]  # (statement, cells in the order of ``sectors``)

    @property
    def empty(self) -> bool:
        return not self.rows or not self.sectors


def sector_table(numbers: ConversationNumbers | None, statements: Sequence[Any]) -> SectorTable | None:
    """How each sector voted on each of ``statements`` (anything with an ``id``), from the two-way tables of
    voters and votes by sector on each statement; None when the conversation does not break people down by
    sector."""
    if numbers is None or "sector" not in numbers.dimensions:
        return None
    dim = numbers.dimensions["sector"]
    people = numbers.table("sector").cells
    sectors = [(k, str(label)) for k, label in dim.labels.items() if people[k].count != 0]
    rows = []
    for statement in statements:
        if statement.id not in numbers.statements:
            continue
        cells = [
            SectorCell(
                numbers.dimension_share("sector", k, statement.id, "agree"),
                numbers.dimension_voters("sector", k, statement.id),
            )
            for k, _label in sectors
        ]
        rows.append((statement, cells))
    return SectorTable(sectors, rows)
