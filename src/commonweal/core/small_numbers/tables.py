"""Publish the linked tables of one conversation together, so that no small cell can be worked out.

A caller registers every table it will show of one conversation, with how they relate, and publishes them in
one go::

    d = Disclosure()
    everyone = d.total("participants", 80)
    sector = d.table("sector", {"Acute trust": 40, "VCSE": 9, "Healthwatch": 3, ...}, total=everyone)
    group = d.table("group", {"A": 50, "B": 26, "not in a group": 4}, total=everyone)
    d.cross("sector by group", {("Acute trust", "A"): 30, ...}, rows=sector, cols=group)
    published = d.publish()
    published["sector"].cells["Healthwatch"].display   # "fewer than 5"

How the cells are chosen (the proofs are in ``docs/disclosure.md``):

1. **Primary suppression.** In a table of people, a cell of 1 to t-1 is small ("fewer than t"). Zero is shown.
2. **Breakdowns of hidden groups are withheld.** Every cell that breaks down, or is a subset of, a cell that is
   not shown is not shown either (zeros included): whatever happens inside a hidden group stays hidden, and
   every move of people between hidden groups can be mirrored inside their breakdowns.
3. **Complementary suppression, one-way.** In a table whose cells add up to a shown total, the hidden cells must
   be able to trade people so that every small cell can be 1 and can be t-1 without changing anything shown:
   the other hidden cells must be able to give ``t-1-v`` and to take ``v-1``. Where they cannot, the smallest
   shown cell that can is hidden too; failing that a roundable total is rounded; failing that the breakdown is
   withheld.
4. **Complementary suppression, two-way.** A small cell inside a two-way table whose row and column are shown
   needs a rectangle of hidden cells (its row, its column and the cell where they cross) that can move it to
   1 and to t-1 while keeping every row and column sum; shown corners are hidden as needed.

The protection rule this gives, checked by :func:`~commonweal.core.small_numbers.audit`: an attacker who knows
every published number, every relation and what the labels mean learns nothing about a small cell beyond "1
to t-1", and no hidden cell of 1 to t-1 people can be worked out exactly.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
from django.utils.translation import gettext as _

from . import cells as c
from .audit import AuditReport, Relation, Seen, audit
from .cells import Cell

Key = Hashable

# Statuses inside the engine (small ints for speed); published as the words in ``cells``.
_SHOWN, _SMALL, _HIDDEN, _WITHHELD, _ROUNDED = range(5)
_INF = math.inf


class CellRef(NamedTuple):
    """A cell of a registered table; ``key`` is None for a headline total (see :meth:`Disclosure.total`)."""

    table: str
    key: Key


@dataclass(frozen=True)
class TableRef:
    """A registered table: ``ref[key]`` names one of its cells, ``ref.total`` its total (when it has one)."""

    name: str
    keys: tuple[Key, ...]
    total: CellRef | None = None

    def __getitem__(self, key: Key) -> CellRef:
        return CellRef(self.name, key)


@dataclass
class _Table:
    name: str
    kind: str  # "total", "table" or "cross"
    keys: list[Key]
    idx: list[int]
    people: bool
    published: bool
    total: int | None = None  # the cell the table's cells add up to
    rows: list[Key] = field(default_factory=list)  # a two-way table's row and column keys
    cols: list[Key] = field(default_factory=list)
    withheld: bool = False  # the whole breakdown was withheld (too few people to show it safely)
    breakdown: bool = True  # a table about groups of people (False: headline totals, votes by value)


class Disclosure:
    """The linked tables of one conversation, to be published together by :meth:`publish`.

    Parameters
    ----------
    threshold : the smallest count of people a cell may show; ``settings.SMALL_NUMBER_THRESHOLD`` by default.
    """

    def __init__(self, threshold: int | None = None) -> None:
        self.threshold = int(threshold) if threshold is not None else c.threshold()
        if self.threshold < 2:
            raise ValueError("the small-number threshold must be at least 2")
        self._tables: dict[str, _Table] = {}
        self._refs: list[CellRef] = []
        self._index: dict[CellRef, int] = {}
        self._value: list[int] = []
        self._people: list[bool] = []
        self._partitions: list[tuple[int, list[int], bool]] = []  # (total, parts, two-way)
        self._le: list[tuple[int, int]] = []  # (child, parent): child <= parent
        self._roundable: set[int] = set()
        # Indexes for the engine, kept as tables are registered so that publishing does not rebuild them.
        self._part_of: list[list[int]] = []  # the partitions a cell is a part of
        self._children: dict[int, list[int]] = {}  # hidden parent -> withheld child (rule 2)
        self._cap: list[float] = []  # the smallest count a cell is within

    # --- Registration ------------------------------------------------------------------------------------------

    def total(
        self, name: str, count: int, *, within: CellRef | None = None, roundable: bool = False
    ) -> CellRef:
        """Register a headline count (everyone who joined, the voters on a statement): shown exactly, never
        suppressed, unless ``roundable`` (then it may be shown as "about N" when that protects a small cell;
        a roundable total may be the total of one table whose cells nothing else breaks down).
        ``within`` names a count it is part of (people in opinion groups are within everyone who joined)."""
        table = self._new_table(name, "total", people=False, published=True)
        table.breakdown = False
        i = self._add_cell(table, None, count)
        if within is not None:
            self._relate_within(i, self._cell(within))
        if roundable:
            self._roundable.add(i)
        return CellRef(name, None)

    def table(
        self,
        name: str,
        counts: Mapping[Any, int] | Iterable[tuple[Any, int]],
        *,
        total: CellRef | int | None = None,
        people: bool = True,
        within: TableRef | None = None,
        describes: TableRef | None = None,
        roundable: bool = False,
        published: bool = True,
    ) -> TableRef:
        """Register a one-way table ``{key: count}``.

        ``total``: the cell its cells add up to (a :meth:`total`, or a cell of another table when this table
        breaks that cell down), or a number (a total of its own, ``roundable`` as in :meth:`total`); None when
        the cells are not parts of a whole (communities: people may be in several). ``people``: the cells count
        people of a group (sector, place, organisation, community, opinion group), so small cells are
        suppressed; False for counts that are not groups of people (votes by value). ``within``: a table with
        the same keys of which each cell is a subset (voters on a statement by sector, within people by sector).
        ``describes``: a table with the same keys whose groups these cells describe (votes cast by sector):
        hidden with them. ``published=False`` registers a table the attacker knows exists but that is not shown.
        """
        items = list(counts.items() if isinstance(counts, Mapping) else counts)
        if any(k is None for k, _n in items):
            raise ValueError(f"table {name!r}: None is not a key (it names a table's total)")
        table = self._new_table(name, "table", people=people, published=published)
        table.breakdown = people or within is not None or describes is not None
        parts = [self._add_cell(table, k, n) for k, n in items]
        if roundable and not isinstance(total, int):
            raise ValueError(f"table {name!r}: only a total of its own (a number) can be roundable")
        if isinstance(total, int):
            total_idx = self._cell(self.total(f"{name} (total)", total, roundable=roundable))
        elif total is not None:
            total_idx = self._cell(total)
        else:
            total_idx = None
        if total_idx is not None:
            self._partition(name, total_idx, parts, two_way=False)
            table.total = total_idx
        for parent, le in ((within, True), (describes, False)):
            if parent is None:
                continue
            for k, i in zip(table.keys, parts, strict=True):
                if CellRef(parent.name, k) not in self._index:
                    raise ValueError(f"table {name!r}: key {k!r} is not in {parent.name!r}")
                p = self._index[CellRef(parent.name, k)]
                if le:
                    self._relate_within(i, p)
                else:
                    self._children.setdefault(p, []).append(i)
        total_ref = self._refs[total_idx] if total_idx is not None else None
        return TableRef(name, tuple(table.keys), total_ref)

    def cross(
        self,
        name: str,
        counts: Mapping[tuple[Any, Any], int],
        *,
        rows: TableRef | Mapping[Any, CellRef],
        cols: TableRef | Mapping[Any, CellRef] | None = None,
        people: bool = True,
        within: TableRef | None = None,
        published: bool = True,
    ) -> TableRef:
        """Register a two-way table ``{(row key, column key): count}`` (missing pairs count 0).

        Row ``r`` adds up to the cell ``rows[r]`` and, when ``cols`` is given, column ``k`` to ``cols[k]``:
        a one-way table, or any cells (a column of another two-way table: voters on one statement by sector).
        Rows and columns must then cover everyone (give the tables a "not in a group" or "not said" key).
        Without ``cols`` the column keys are those seen in ``counts``. ``within``: a table keyed like the rows
        of which each cell of a row is a subset (voters on a statement from a sector, within that sector).
        """
        row_cells = {k: rows[k] for k in rows.keys} if isinstance(rows, TableRef) else dict(rows)
        col_cells = None
        if cols is not None:
            col_cells = {k: cols[k] for k in cols.keys} if isinstance(cols, TableRef) else dict(cols)
            col_keys = list(col_cells)
            row_sum = sum(self._value[self._cell(ref)] for ref in row_cells.values())
            col_sum = sum(self._value[self._cell(ref)] for ref in col_cells.values())
            if row_sum != col_sum:
                raise ValueError(
                    f"two-way table {name!r}: its rows add up to {row_sum}, its columns to {col_sum}"
                )
        else:
            col_keys = list(dict.fromkeys(k for _r, k in counts))
        row_keys = list(row_cells)
        unknown = [rk for rk in counts if rk[0] not in row_cells or rk[1] not in set(col_keys)]
        if unknown:
            raise ValueError(f"two-way table {name!r}: cells outside its rows or columns: {unknown[:3]!r}")
        table = self._new_table(name, "cross", people=people, published=published)
        table.rows, table.cols = row_keys, col_keys if col_cells is not None else []
        grid = [[self._add_cell(table, (r, k), counts.get((r, k), 0)) for k in col_keys] for r in row_keys]
        for r, line in zip(row_keys, grid, strict=True):
            self._partition(name, self._cell(row_cells[r]), line, two_way=col_cells is not None)
            if within is not None:
                parent = self._cell(within[r])
                for i in line:
                    self._relate_within(i, parent)
        if col_cells is not None:
            for j, k in enumerate(col_keys):
                self._partition(name, self._cell(col_cells[k]), [line[j] for line in grid], two_way=True)
        return TableRef(name, tuple(table.keys))

    # --- Publishing --------------------------------------------------------------------------------------------

    def publish(self) -> Publication:
        """Apply primary and complementary suppression to every registered table at once."""
        engine = _Engine(self)
        engine.run()
        return Publication(self, engine)

    # --- Internals ---------------------------------------------------------------------------------------------

    def _new_table(self, name: str, kind: str, *, people: bool, published: bool) -> _Table:
        if name in self._tables:
            raise ValueError(f"a table named {name!r} is already registered")
        table = _Table(name, kind, [], [], people, published)
        self._tables[name] = table
        return table

    def _add_cell(self, table: _Table, key: Key, count: int) -> int:
        n = int(count)
        if n != count or n < 0:
            raise ValueError(f"table {table.name!r}: {key!r} is {count!r}, not a count")
        ref = CellRef(table.name, key)
        if ref in self._index:
            raise ValueError(f"table {table.name!r}: key {key!r} appears twice")
        i = len(self._refs)
        self._refs.append(ref)
        self._index[ref] = i
        self._value.append(n)
        self._people.append(table.people and table.kind != "total")
        self._part_of.append([])
        self._cap.append(_INF)
        table.keys.append(key)
        table.idx.append(i)
        return i

    def _cell(self, ref: CellRef) -> int:
        if ref not in self._index:
            raise ValueError(f"no such cell: {ref!r}")
        return self._index[ref]

    def _partition(self, name: str, total: int, parts: list[int], *, two_way: bool) -> None:
        s = sum(self._value[i] for i in parts)
        if s != self._value[total]:
            raise ValueError(
                f"table {name!r}: the cells add up to {s}, not to {self._refs[total]!r} = {self._value[total]}"
            )
        p = len(self._partitions)
        self._partitions.append((total, parts, two_way))
        self._children.setdefault(total, []).extend(parts)
        for j in parts:
            self._part_of[j].append(p)

    def _relate_within(self, child: int, parent: int) -> None:
        if self._value[child] > self._value[parent]:
            raise ValueError(
                f"{self._refs[child]!r} counts more than {self._refs[parent]!r}, which it is within"
            )
        self._le.append((child, parent))
        self._cap[child] = min(self._cap[child], self._value[parent])
        self._children.setdefault(parent, []).append(child)


class _Engine:
    """Chooses the status of every cell: the algorithm of the module docstring, on flat lists for speed."""

    def __init__(self, d: Disclosure) -> None:
        self.d = d
        self.t = d.threshold
        n = len(d._value)
        self.val = d._value
        self.people = d._people
        self.status = [_SHOWN] * n
        self.rounded: dict[int, tuple[int, int, int]] = {}
        # Cells that must be able to rise and fall this far without changing anything shown: small cells
        # (to t-1 and to 1), and margins hidden for a small cell of a two-way table that no rectangle protects.
        self.needs: dict[int, tuple[int, int]] = {}
        self.children = d._children
        self.part_of = d._part_of
        self.propagated: set[int] = set()  # hidden cells whose descendants are all withheld already
        # Two-way cells with a rectangle for each direction: a rectangle of hidden cells stays one (hiding
        # more only gives its corners more room), so a cell is searched for once.
        self.protected: set[int] = set()
        # The most a cell can hold: the smallest count it is within (a certificate keeps every count it is
        # within at its true value, so the true value is a safe cap).
        self.cap = d._cap
        self._check_roundable()

    def _check_roundable(self) -> None:
        for i in self.d._roundable:
            partitions = [p for p, (total, _parts, _two) in enumerate(self.d._partitions) if total == i]
            nested = any(j in self.children for p in partitions for j in self.d._partitions[p][1])
            if len(partitions) > 1 or nested or any(parent == i for _c, parent in self.d._le):
                raise ValueError(
                    f"{self.d._refs[i]!r} cannot be roundable: it must be the total of one table whose cells "
                    "nothing else breaks down"
                )

    def run(self) -> None:
        self._primary()
        for _pass in range(len(self.val) + 2):
            changed = self._withhold_descendants()
            changed = self._protect_one_way() or changed
            changed = self._protect_two_way() or changed
            if not changed:
                return
        raise RuntimeError("small-number suppression did not settle")  # each pass hides more: unreachable

    def _primary(self) -> None:
        t = self.t
        for table in self.d._tables.values():
            if not table.published:
                for i in table.idx:
                    self.status[i] = _WITHHELD
                continue
            if table.kind == "total" or not table.people:
                continue
            for i in table.idx:
                if 0 < self.val[i] < t:
                    self.status[i] = _SMALL
                    self.needs[i] = (t - 1 - self.val[i], self.val[i] - 1)

    def _withhold_descendants(self) -> bool:
        status, children, done = self.status, self.children, self.propagated
        stack = [i for i in children if i not in done and status[i] in (_SMALL, _HIDDEN, _WITHHELD)]
        changed = False
        while stack:
            i = stack.pop()
            done.add(i)
            for j in children[i]:
                if status[j] != _WITHHELD:
                    status[j] = _WITHHELD
                    changed = True
                if j in children and j not in done:
                    stack.append(j)
        return changed

    def bounds(self, i: int) -> tuple[float, float]:
        """The attacker's bounds on cell ``i`` from its label, capped by the counts it is within."""
        s = self.status[i]
        if s == _SHOWN:
            return self.val[i], self.val[i]
        if s == _SMALL:
            lo, hi = 1.0, float(self.t - 1)
        elif s == _HIDDEN:
            lo, hi = float(self.t if self.people[i] else 1), _INF
        elif s == _ROUNDED:
            lo, hi = float(self.rounded[i][1]), float(self.rounded[i][2])
        else:
            lo, hi = 0.0, _INF
        return lo, min(hi, self.cap[i])

    # --- One-way tables ----------------------------------------------------------------------------------------

    def _protect_one_way(self) -> bool:
        todo = {p for i in self.needs if self.status[i] in (_SMALL, _HIDDEN) for p in self.part_of[i]}
        changed = False
        for p in sorted(todo):
            total, parts, two_way = self.d._partitions[p]
            if not two_way and self.status[total] in (_SHOWN, _ROUNDED):
                changed = self._protect_partition(total, parts) or changed
        return changed

    def deficits(self, total: int, parts: list[int]) -> tuple[float, float]:
        """How far the hidden cells of ``parts`` fall short of moving every small cell to t-1 (first) and to
        1 (second), or a protected margin as far as it needs; both <= 0 when every such cell is protected."""
        give = take = 0.0
        unbounded = 0  # hidden cells that can take any number of people (their room to rise is infinite)
        smalls = []
        for j in parts:
            status = self.status[j]
            if status == _SHOWN:
                continue
            lo, hi = self.bounds(j)
            give += self.val[j] - lo
            if hi == _INF:
                unbounded += 1
            else:
                take += hi - self.val[j]
            if j in self.needs and status in (_SMALL, _HIDDEN):
                smalls.append((j, lo, hi))
        if self.status[total] == _ROUNDED:
            lo, hi = self.bounds(total)
            give += hi - self.val[total]  # a rounded total can grow as far as its range allows...
            take += self.val[total] - lo  # ...and shrink
        up = down = -_INF
        for j, lo, hi in smalls:
            v = self.val[j]
            need_up, need_down = self.needs[j]
            if hi - v < need_up or v - lo < need_down:
                return _INF, _INF  # its own label or a count it is within stops it: nothing else can help
            up = max(up, need_up - (give - (v - lo)))
            others_unbounded = unbounded - (hi == _INF)
            down = max(down, need_down - (_INF if others_unbounded else take - (hi - v)))
        return up, down

    def _protect_partition(self, total: int, parts: list[int]) -> bool:
        changed = False
        while True:
            up, down = self.deficits(total, parts)
            if up <= 0 and down <= 0:
                return changed
            changed = True
            # Rounding a total the caller allows to be rounded keeps every cell that is not small in view, so
            # it comes before hiding one; it is tried again once cells are hidden (a finer base may do then).
            if self._round(total, parts):
                return True
            j = self._complement(parts, up, down)
            if j is None:
                self._withhold_partition(total, parts)
                return True
            self.status[j] = _HIDDEN

    def _complement(self, parts: list[int], up: float, down: float) -> int | None:
        """The shown cell to hide next: the smallest that covers both shortfalls, else the largest that helps."""
        best: tuple[int, int] | None = None
        choice = None
        for j in parts:
            v = self.val[j]
            if self.status[j] != _SHOWN or v == 0:
                continue  # zero stays zero: hiding a zero would let a hidden cell be anything from 0
            give = v - (self.t if self.people[j] else 1)
            take = self.cap[j] - v
            if (up <= 0 or give >= up) and (down <= 0 or take >= down):
                key = (0, v)
            elif (up > 0 and give > 0) or (down > 0 and take > 0):
                key = (1, -v)
            else:
                continue
            if best is None or key < best:
                best, choice = key, j
        return choice

    def _round(self, total: int, parts: list[int]) -> bool:
        """Round a roundable total, to the smallest base that protects every small cell of ``parts``."""
        if total not in self.d._roundable or self.status[total] != _SHOWN:
            return False
        value = self.val[total]
        bases = list(c.ROUNDING_BASES)
        while bases[-1] < 2 * (value + self.t):
            bases.append(bases[-1] * 10)
        for base in bases:
            self.rounded[total] = c.rounding_interval(value, base)
            self.status[total] = _ROUNDED
            up, down = self.deficits(total, parts)
            if up <= 0 and down <= 0:
                return True
        self.status[total] = _SHOWN
        del self.rounded[total]
        return False

    def _withhold_partition(self, total: int, parts: list[int]) -> None:
        for j in parts:
            self.status[j] = _WITHHELD
        if self.status[total] == _ROUNDED:
            # Nothing small is shown beside it any more: the exact total gives nothing away.
            self.status[total] = _SHOWN
            del self.rounded[total]
        owner = self.d._refs[parts[0]].table if parts else None
        if owner is not None:
            table = self.d._tables[owner]
            table.withheld = table.kind == "table" or all(self.status[i] == _WITHHELD for i in table.idx)

    # --- Two-way tables ----------------------------------------------------------------------------------------

    def _protect_two_way(self) -> bool:
        changed = False
        for table in self.d._tables.values():
            if table.kind != "cross" or not table.cols or not table.published:
                continue
            if any(i in self.needs and i not in self.protected for i in table.idx):
                changed = self._protect_grid(table) or changed
        return changed

    def _protect_grid(self, table: _Table) -> bool:
        grid = _Grid(self, table)
        changed = False
        for r, k in grid.targets():
            i = int(grid.idx[r, k])
            for direction, need in zip((+1, -1), self.needs[i], strict=True):
                if need <= 0:
                    continue
                corners = grid.rectangle(r, k, direction, need)
                if corners is None:
                    self._escalate(table, i)
                    return True
                for rr, kk in corners:
                    if grid.shown[rr, kk]:
                        grid.hide(rr, kk)
                        changed = True
            self.protected.add(i)
        return changed

    def _escalate(self, table: _Table, i: int) -> None:
        """No rectangle protects cell ``i``: hide its row's (else its column's) total instead, to be protected
        in its own table as far as ``i`` needs; the whole row then is withheld. Failing both, withhold the table."""
        for p in self.part_of[i]:
            margin = self.d._partitions[p][0]
            if self.status[margin] == _SHOWN and self.d._tables[self.d._refs[margin].table].kind != "total":
                self.status[margin] = _HIDDEN
                old = self.needs.get(margin, (0, 0))
                self.needs[margin] = (max(old[0], self.needs[i][0]), max(old[1], self.needs[i][1]))
                return
        for j in table.idx:
            self.status[j] = _WITHHELD
        table.withheld = True


class _Grid:
    """A two-way table as arrays: how far each cell can fall and rise as a corner of a rectangle (a shown
    cell as if it were hidden; a shown zero cannot be used, zero stays zero), whether it is shown, its count."""

    def __init__(self, e: _Engine, table: _Table) -> None:
        self.e = e
        rows, cols = len(table.rows), len(table.cols)
        self.idx = np.asarray(table.idx).reshape(rows, cols)
        self.val = np.asarray([e.val[i] for i in table.idx], dtype=float).reshape(rows, cols)
        self.status = np.asarray([e.status[i] for i in table.idx]).reshape(rows, cols)
        cap = np.asarray([e.cap[i] for i in table.idx], dtype=float).reshape(rows, cols)
        floor = e.t if table.people else 1
        v, st = self.val, self.status
        lo = np.select([st == _SMALL, st == _HIDDEN, st == _SHOWN], [1.0, floor, floor], 0.0)
        hi = np.minimum(np.where(st == _SMALL, e.t - 1.0, _INF), cap)
        usable = (st != _SHOWN) | (v > 0)
        self.fall = np.where(usable, v - lo, 0.0)
        self.rise = np.where(usable, hi - v, 0.0)
        self.shown = st == _SHOWN
        self.cost = np.where(self.shown, 1_000_000.0 + v, 0.0)  # hide nothing, else few and small cells

    def targets(self) -> list[tuple[int, int]]:
        """The cells that need protecting whose row and column totals are shown, in reading order."""
        e = self.e
        out = []
        for r, k in zip(*np.nonzero((self.status == _SMALL) | (self.status == _HIDDEN)), strict=True):
            i = int(self.idx[r, k])
            if (
                i in e.needs
                and i not in e.protected
                and all(e.status[e.d._partitions[p][0]] == _SHOWN for p in e.part_of[i])
            ):
                out.append((int(r), int(k)))
        return out

    def hide(self, r: int, k: int) -> None:
        self.e.status[int(self.idx[r, k])] = _HIDDEN
        self.shown[r, k] = False
        self.status[r, k] = _HIDDEN
        self.cost[r, k] = 0.0

    def rectangle(self, r: int, k: int, direction: int, need: int) -> list[tuple[int, int]] | None:
        """The cheapest rectangle through (r, k) that moves it by ``need`` in ``direction`` (its other three
        corners), hiding as few and as small shown cells as it can; None when there is none."""
        a_room = (self.fall if direction > 0 else self.rise)[r, :].copy()  # same row: moves against (r, k)
        b_room = (self.fall if direction > 0 else self.rise)[:, k].copy()  # same column: against (r, k)
        d_room = self.rise if direction > 0 else self.fall  # the opposite corner moves with it
        a_room[k] = b_room[r] = -1.0
        a_ok, b_ok = np.nonzero(a_room >= need)[0], np.nonzero(b_room >= need)[0]
        if not len(a_ok) or not len(b_ok):
            return None
        cost = self.cost
        for few in (4, None):  # the few cheapest corners first; all of them only when those fail
            a = a_ok[np.argsort(cost[r, a_ok], kind="stable")[:few]]
            b = b_ok[np.argsort(cost[b_ok, k], kind="stable")[:few]]
            d_ok = d_room[b[:, None], a[None, :]] >= need
            if d_ok.any():
                total = cost[b, k][:, None] + cost[r, a][None, :] + cost[b[:, None], a[None, :]]
                total[~d_ok] = np.inf
                bi, ai = np.unravel_index(int(np.argmin(total)), total.shape)
                return [(r, int(a[ai])), (int(b[bi]), k), (int(b[bi]), int(a[ai]))]
        return None


# --- What is published -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublishedTable:
    """One table as published: its cells in registration order, its total, and what to say under it."""

    name: str
    cells: dict[Key, Cell]
    total: Cell | None
    withheld: bool
    notes: tuple[str, ...]

    @property
    def rows(self) -> list[Cell]:
        return list(self.cells.values())

    @property
    def rounded(self) -> bool:
        return self.total is not None and self.total.rounded

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "cells": [cell.as_dict() for cell in self.cells.values()],
            "total": self.total.as_dict() if self.total is not None else None,
            "withheld": self.withheld,
            "notes": list(self.notes),
        }


class Publication:
    """Every table of one conversation as published, with what an attacker sees of it (:meth:`audit`).

    Tables and cells are built when first asked for, so publishing stays fast however many there are.
    """

    def __init__(self, d: Disclosure, e: _Engine) -> None:
        self.threshold = d.threshold
        self._refs = list(d._refs)
        self._index = dict(d._index)
        self._value = list(d._value)
        self._people = list(d._people)
        self._status = list(e.status)
        self._rounded = dict(e.rounded)
        self._meta = dict(d._tables)
        self._partitions = list(d._partitions)
        self._le = list(d._le)
        self._built: dict[str, PublishedTable] = {}

    @property
    def tables(self) -> dict[str, PublishedTable]:
        """Every table but the headline totals, in registration order."""
        return {name: self[name] for name, meta in self._meta.items() if meta.kind != "total"}

    def __getitem__(self, name: str) -> PublishedTable:
        if name not in self._built:
            meta = self._meta[name]
            total = self._cell(meta.total) if meta.total is not None else None
            body = {k: self._cell(i) for k, i in zip(meta.keys, meta.idx, strict=True)}
            withheld = meta.withheld or not meta.published
            notes = _notes(body, total, withheld, self.threshold)
            self._built[name] = PublishedTable(name, body, total, withheld, notes)
        return self._built[name]

    def cell(self, ref: CellRef) -> Cell:
        """The published cell ``ref`` (a :meth:`Disclosure.total` too)."""
        return self._cell(self._index[ref])

    def share(self, numerator: CellRef, denominator: CellRef) -> float | None:
        """``numerator / denominator`` when both are shown exactly and the denominator is not zero, else None:
        a share of a hidden count would give the count away."""
        top, bottom = self.cell(numerator).count, self.cell(denominator).count
        if top is None or bottom is None or bottom == 0:
            return None
        return top / bottom

    def attacker_view(self) -> tuple[list[Seen], list[Relation]]:
        """What is published of every cell and the relations between them, for :func:`audit`."""
        refs = self._refs
        seen = [
            Seen(ref, *self._label_bounds(i), true=self._value[i], small=self._status[i] == _SMALL)
            for i, ref in enumerate(refs)
        ]
        relations = [
            Relation(refs[total], tuple(refs[j] for j in parts)) for total, parts, _two in self._partitions
        ]
        relations += [Relation(refs[parent], (refs[child],), exact=False) for child, parent in self._le]
        return seen, relations

    def baseline_view(self) -> list[Seen]:
        """What the headline totals, the tables that are not breakdowns and the published zeros alone tell:
        every other cell is only known to be at least 0."""
        seen, _relations = self.attacker_view()
        return [
            Seen(s.cell, 0.0, _INF, true=s.true)
            if self._meta[ref.table].breakdown and not (s.exact and s.low == 0)
            else s
            for ref, s in zip(self._refs, seen, strict=True)
        ]

    def audit(self, *, integer: bool = False) -> AuditReport:
        """Run the adversary over everything published (slow: a few linear programmes per hidden cell)."""
        seen, relations = self.attacker_view()
        return audit(seen, relations, self.threshold, integer=integer, baseline=self.baseline_view())

    def as_dict(self) -> dict[str, Any]:
        return {
            "small_number_threshold": self.threshold,
            "tables": [t.as_dict() for t in self.tables.values()],
        }

    def _cell(self, i: int) -> Cell:
        ref, s, t = self._refs[i], self._status[i], self.threshold
        if ref.key is None:
            label = str(ref.table)
        elif isinstance(ref.key, tuple):
            label = ", ".join(map(str, ref.key))
        else:
            label = str(ref.key)
        if s == _SHOWN:
            return Cell(label, self._value[i], limit=t)
        if s == _ROUNDED:
            shown, low, high = self._rounded[i]
            return Cell(label, None, about=shown, low=low, high=high, limit=t)
        return Cell(label, None, complementary=s == _HIDDEN, withheld=s == _WITHHELD, limit=t)

    def _label_bounds(self, i: int) -> tuple[float, float]:
        """What the label alone tells an attacker (the auditor adds the relations itself)."""
        s = self._status[i]
        if s == _SHOWN:
            return float(self._value[i]), float(self._value[i])
        if s == _SMALL:
            return 1.0, float(self.threshold - 1)
        if s == _HIDDEN:
            return float(self.threshold if self._people[i] else 1), _INF
        if s == _ROUNDED:
            return float(self._rounded[i][1]), float(self._rounded[i][2])
        return 0.0, _INF


def _notes(body: dict[Key, Cell], total: Cell | None, withheld: bool, t: int) -> tuple[str, ...]:
    if withheld:
        return (_("Not shown: too few people for this breakdown to be shown without singling anyone out."),)
    notes = []
    statuses = {cell.status for cell in body.values()}
    if c.HIDDEN in statuses:
        notes.append(
            _("Some counts are not shown, so that a group of fewer than %(t)s cannot be worked out.")
            % {"t": t}
        )
    if c.WITHHELD in statuses:
        notes.append(_("What happens inside a group that is not shown is not shown either."))
    if total is not None and total.rounded:
        notes.append(
            _(
                "The total is rounded (it is between %(low)s and %(high)s), so that a group of fewer than %(t)s "
                "cannot be worked out."
            )
            % {"low": f"{total.low:,}", "high": f"{total.high:,}", "t": t}
        )
    return tuple(notes)


# --- The one-table helpers, kept for the pages that use them ----------------------------------------------------


def suppress_partition(counts: Mapping[str, int], total: int) -> tuple[list[Cell], str]:
    """Suppress a breakdown whose cells are the parts of a whole shown exactly (everyone who joined, by sector).

    Small cells say "fewer than 5"; other cells are hidden ("not shown") until no small cell can be narrowed
    from the total; when no cell can do it the breakdown is withheld. Returns the cells and the total to show
    beside them. Tables of the same people shown together go through :class:`Disclosure` instead.
    """
    d = Disclosure()
    whole = d.total("total", total)
    d.table("breakdown", counts, total=whole)
    published = d.publish()["breakdown"]
    return published.rows, f"{total:,}"


def suppressed_total(cells: list[Cell], true_total: int) -> str:
    """The total to show beside ``cells`` (already suppressed): exact when the hidden cells cannot be narrowed
    from it, else rounded ("about 20") to the smallest base that protects them."""
    t = c.threshold()
    rest = true_total - sum(cell.count for cell in cells if cell.count is not None)
    hidden = [_legacy_bounds(cell, t) for cell in cells if cell.count is None]
    if _one_way_safe(hidden, rest, rest, t):
        return f"{true_total:,}"
    bases = list(c.ROUNDING_BASES)
    while bases[-1] < 2 * (true_total + t):
        bases.append(bases[-1] * 10)
    for base in bases:
        shown, low, high = c.rounding_interval(true_total, base)
        if _one_way_safe(hidden, rest - (true_total - low), rest + (high - true_total), t):
            return Cell("total", None, about=shown, low=low, high=high).display
    # A base over twice the total rounds it to 0, "fewer than <base/2>", which protects any cell.
    raise AssertionError("unreachable: the coarsest rounding protects every cell")


def _legacy_bounds(cell: Cell, t: int) -> tuple[float, float, bool]:
    if cell.status == c.SMALL:
        return 1.0, float(t - 1), True
    if cell.status == c.HIDDEN:
        return float(t), _INF, False
    if cell.status == c.ROUNDED and cell.low is not None and cell.high is not None:
        return float(cell.low), float(cell.high), False
    return 0.0, _INF, False


def _one_way_safe(hidden: list[tuple[float, float, bool]], rest_low: float, rest_high: float, t: int) -> bool:
    """Whether every small cell among ``hidden`` (bounds, small?) ranges over 1..t-1 when they add up to a
    number between ``rest_low`` and ``rest_high``."""
    lows, highs = sum(lo for lo, _hi, _s in hidden), sum(hi for _lo, hi, _s in hidden)
    for lo, hi, small in hidden:
        if not small:
            continue
        if min(hi, rest_high - (lows - lo)) < t - 1 or max(lo, rest_low - (highs - hi)) > 1:
            return False
    return True
