"""The adversary: what can be worked out about each hidden cell from everything published together.

Pure numpy and scipy, no Django, so it audits any publication, the layer's own or a naive one built by hand.

The attacker knows every published number (a rounded total as the range of values that round to it), every
relation between the tables (a table's cells add up to its total, a row of a two-way table adds up to a cell
of a one-way table, a subset counts no more than its whole), what each label means (a cell published as
"fewer than t" is between 1 and t-1, a cell hidden beside it is at least t, a withheld cell is at least 0) and
that every count is a whole number at least 0. For each hidden cell the auditor finds its smallest and largest
possible value by linear programming (scipy's HiGHS; with ``integer=True``, by integer programming) and reports:

- **recovered**: a hidden cell whose true count is between 1 and t-1 and whose feasible range is one value,
  so it can be worked out exactly (a differencing attack);
- **narrowed**: a cell published as "fewer than t" whose feasible range is narrower than 1..t-1, so the
  tables say more about it than the label does. The layer's protection rule is that this never happens.

Given a ``baseline`` (what is known from the headline totals, the tables that are not breakdowns and the
published zeros alone, a strict subset of what is published), a finding that the baseline attacker makes too
is reported as **implied** instead: no suppression of breakdowns can hide it (everyone who joined is in one
sector, so the voters on a statement from that sector are all its voters).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import csr_matrix

CellId = Hashable

# LP optima are floats; a bound within this of a whole number is that number.
_EPS = 1e-6


@dataclass(frozen=True)
class Seen:
    """What the attacker knows of one cell from its own publication: ``low <= count <= high``.

    An exact count has ``low == high``; ``high`` is ``math.inf`` when unbounded. ``true`` is the real count,
    used only to report and to check that the publication is consistent, never as knowledge. ``small`` marks
    a cell labelled "fewer than t", to which the protection rule applies.
    """

    cell: CellId
    low: float
    high: float
    true: int
    small: bool = False

    @property
    def exact(self) -> bool:
        return self.low == self.high


@dataclass(frozen=True)
class Relation:
    """``total == sum(parts)`` when ``exact``, else ``sum(parts) <= total`` (a subset of a whole)."""

    total: CellId
    parts: tuple[CellId, ...]
    exact: bool = True


@dataclass(frozen=True)
class Finding:
    """A hidden cell the attacker knows too much about: its true count and feasible range."""

    cell: CellId
    true: int
    low: int
    high: float
    small: bool

    @property
    def recovered(self) -> bool:
        return self.low == self.high


@dataclass
class AuditReport:
    """The feasible range of every hidden cell that matters, and the cells that break the rule."""

    threshold: int
    intervals: dict[CellId, tuple[int, float]] = field(default_factory=dict)
    recovered: list[Finding] = field(default_factory=list)
    narrowed: list[Finding] = field(default_factory=list)
    implied: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no small cell can be worked out and no "fewer than t" cell is narrowed."""
        return not self.recovered and not self.narrowed

    def explain(self) -> str:
        """One line per finding, for an assertion message."""
        lines = [f"recovered {f.cell!r} = {f.true} (range {f.low}..{f.high})" for f in self.recovered]
        lines += [f"narrowed {f.cell!r} = {f.true} to {f.low}..{f.high}" for f in self.narrowed]
        lines += [f"(implied by the totals alone: {f.cell!r} = {f.true})" for f in self.implied]
        return "\n".join(lines) or "nothing recovered or narrowed"


def audit(
    seen: Iterable[Seen],
    relations: Iterable[Relation],
    threshold: int,
    *,
    integer: bool = False,
    every_cell: bool = False,
    baseline: Iterable[Seen] | None = None,
) -> AuditReport:
    """Work out the feasible range of every hidden cell whose true count is small or that is labelled small.

    Parameters
    ----------
    seen : what is published of each cell (cells named in a relation but not here are unknown, >= 0).
    relations : the additive relations the attacker knows.
    threshold : t; a count from 1 to t-1 is small.
    integer : solve for whole numbers (stronger, slower) instead of the linear relaxation.
    every_cell : report the range of every hidden cell, not only the small ones.
    baseline : what the headline totals and the zeros alone tell (each bound implied by ``seen``); findings
        the baseline attacker makes as well go to ``implied``.

    Raises
    ------
    ValueError
        When the published numbers contradict the relations (the truth itself is not feasible).
    """
    cells = {s.cell: s for s in seen}
    rels = list(relations)
    for r in rels:
        for c in (r.total, *r.parts):
            if c not in cells:
                cells[c] = Seen(c, 0.0, math.inf, true=-1)
    report = AuditReport(threshold)
    for component in _components(cells, rels):
        _audit_component(component, cells, rels, report, integer, every_cell)
    if baseline is not None and (report.recovered or report.narrowed):
        _exempt_implied(report, cells, {s.cell: s for s in baseline}, rels, integer)
    return report


def _exempt_implied(
    report: AuditReport,
    cells: dict[CellId, Seen],
    base: dict[CellId, Seen],
    rels: list[Relation],
    integer: bool,
) -> None:
    """Move to ``implied`` the findings the baseline attacker makes too."""
    for c, s in cells.items():
        if c not in base:
            base[c] = Seen(c, 0.0, math.inf, s.true)
    t = report.threshold
    comps = _components(base, rels)
    index_of = {c: k for k, comp in enumerate(comps) for c in comp}
    problems: dict[int, tuple[dict[CellId, int], _Problem]] = {}

    def interval(c: CellId) -> tuple[float, float]:
        if base[c].exact:
            return base[c].low, base[c].high
        k = index_of[c]
        if k not in problems:
            index = {x: i for i, x in enumerate(comps[k])}
            problems[k] = (index, _Problem(comps[k], index, base, rels, integer))
        index, problem = problems[k]
        return problem.optimum(index[c], +1), -problem.optimum(index[c], -1)

    for findings in (report.recovered, report.narrowed):
        for f in list(findings):
            low, high = interval(f.cell)
            if f.small:  # the label is known anyway: compare what each attacker adds to it
                low, high = max(low, 1), min(high, t - 1)
            if math.ceil(low - _EPS) >= f.low and math.floor(high + _EPS) <= f.high:
                findings.remove(f)
                report.implied.append(f)


def _components(cells: dict[CellId, Seen], rels: list[Relation]) -> list[list[CellId]]:
    """Groups of hidden cells linked by relations (published cells are constants and link nothing)."""
    parent = {c: c for c, s in cells.items() if not s.exact}

    def find(c: CellId) -> CellId:
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    for r in rels:
        hidden = [c for c in (r.total, *r.parts) if c in parent]
        for c in hidden[1:]:
            a, b = find(hidden[0]), find(c)
            if a != b:
                parent[b] = a
    groups: dict[CellId, list[CellId]] = {}
    for c in parent:
        groups.setdefault(find(c), []).append(c)
    return list(groups.values())


def _audit_component(
    component: list[CellId],
    cells: dict[CellId, Seen],
    rels: list[Relation],
    report: AuditReport,
    integer: bool,
    every_cell: bool,
) -> None:
    t = report.threshold
    targets = [c for c in component if every_cell or cells[c].small or 1 <= cells[c].true <= t - 1]
    if not targets:
        return
    index = {c: i for i, c in enumerate(component)}
    problem = _Problem(component, index, cells, rels, integer)
    for c in targets:
        s = cells[c]
        low = math.ceil(problem.optimum(index[c], +1) - _EPS)
        high_f = -problem.optimum(index[c], -1)
        high = math.floor(high_f + _EPS) if math.isfinite(high_f) else math.inf
        report.intervals[c] = (low, high)
        if 1 <= s.true <= t - 1 and low == high:
            report.recovered.append(Finding(c, s.true, low, high, s.small))
        elif s.small and (low > 1 or high < t - 1):
            report.narrowed.append(Finding(c, s.true, low, high, s.small))


class _Problem:
    """The linear (or integer) programme of one component: its equalities, inequalities and bounds."""

    def __init__(
        self,
        component: list[CellId],
        index: dict[CellId, int],
        cells: dict[CellId, Seen],
        rels: list[Relation],
        integer: bool,
    ) -> None:
        n = len(component)
        eq_rows: list[dict[int, float]] = []
        eq_rhs: list[float] = []
        ub_rows: list[dict[int, float]] = []
        ub_rhs: list[float] = []
        for r in rels:
            coef: dict[int, float] = {}
            const = 0.0  # sum(parts) - total, of the published cells
            for c, sign in [(r.total, -1.0)] + [(p, 1.0) for p in r.parts]:
                if c in index:
                    coef[index[c]] = coef.get(index[c], 0.0) + sign
                elif cells[c].exact:
                    const += sign * cells[c].low
                else:
                    break  # a hidden cell of another component: this relation is not this component's
            else:
                if not coef:
                    continue
                (eq_rows if r.exact else ub_rows).append(coef)
                (eq_rhs if r.exact else ub_rhs).append(-const)
        self.n = n
        self.integer = integer
        self.a_eq, self.b_eq = _matrix(eq_rows, eq_rhs, n)
        self.a_ub, self.b_ub = _matrix(ub_rows, ub_rhs, n)
        self.low = np.array([cells[c].low for c in component], dtype=float)
        self.high = np.array([cells[c].high for c in component], dtype=float)

    def optimum(self, i: int, sign: float) -> float:
        """The minimum of ``sign * x_i``; ``-inf`` when unbounded."""
        cost = np.zeros(self.n)
        cost[i] = sign
        if self.integer:
            return self._milp(cost)
        result = linprog(
            cost,
            A_ub=self.a_ub,
            b_ub=self.b_ub,
            A_eq=self.a_eq,
            b_eq=self.b_eq,
            bounds=np.column_stack([self.low, self.high]),
            method="highs",
        )
        return _value(result.status, result.fun)

    def _milp(self, cost: np.ndarray) -> float:
        constraints = []
        if self.a_eq is not None:
            constraints.append(LinearConstraint(self.a_eq, self.b_eq, self.b_eq))
        if self.a_ub is not None:
            constraints.append(LinearConstraint(self.a_ub, -np.inf, self.b_ub))
        result = milp(
            cost,
            integrality=np.ones(self.n),
            bounds=Bounds(self.low, self.high),
            constraints=constraints,
        )
        return _value(result.status, result.fun)


def _value(status: int, fun: float | None) -> float:
    if status == 3:  # unbounded
        return -math.inf
    if status == 2 or fun is None:
        raise ValueError("the published tables contradict their relations: the true counts are not feasible")
    return float(fun)


def _matrix(
    rows: list[dict[int, float]], rhs: list[float], n: int
) -> tuple[csr_matrix | None, np.ndarray | None]:
    if not rows:
        return None, None
    data, ri, ci = [], [], []
    for r, coef in enumerate(rows):
        for c, v in coef.items():
            ri.append(r)
            ci.append(c)
            data.append(v)
    return csr_matrix((data, (ri, ci)), shape=(len(rows), n)), np.array(rhs, dtype=float)
