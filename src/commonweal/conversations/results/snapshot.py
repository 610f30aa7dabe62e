"""A stored analysis result, typed: the one place that knows the keys of ``AnalysisSnapshot.result``.

The worker stores the engine's ``AnalysisResult.to_dict()`` with a ``meta`` entry of its own (how the snapshot was
made) as JSON. Everything that reads a snapshot back (the results pages, "where you stand", the board report, the
exports, the worker and the demo) reads it through :func:`read_result` (or :func:`read_meta` for the meta alone)
into the frozen dataclasses below, never by string keys.

- :meth:`StoredResult.from_dict` accepts snapshots written by older versions: a key they lack takes its default
  (empty lists; ``None`` for an output not computed, and for reasons and meta not recorded), so old snapshots
  keep reading.
- :meth:`StoredResult.to_dict` writes the same form back: ``to_dict(from_dict(stored)) == stored`` for every
  snapshot the worker writes (a test checks it on real snapshots). Top-level keys this version does not know (a
  newer engine's) are kept in ``unknown`` and written back untouched, never read.
- Statement columns: ``statement`` in a representative, consensus, common-ground, divisive or bridging entry is a
  position in ``statement_ids`` (a column of the vote matrix), not a statement's id.
- Numbers the engine could not compute (NaN) are stored as ``None`` (JSON has no NaN), so float fields of the
  engine's arrays are ``float | None``.

Only plain Python here, no Django: the model is named for typing only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from itertools import chain
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from commonweal.conversations.models import AnalysisSnapshot

__all__ = [
    "Bridging",
    "BridgingStatement",
    "Category",
    "CommonGround",
    "CommonGroundStatement",
    "Consensus",
    "ConsensusStatement",
    "Divisive",
    "DivisiveStatement",
    "GroupStability",
    "Intervals",
    "RepresentativeStatement",
    "ShareIntervals",
    "SnapshotMeta",
    "StoredResult",
    "meta_lookup",
    "read_meta",
    "read_result",
    "with_meta",
]

#: A category of a dimension as the engine reports it: an opinion group's index, a sector's code, ...
Category = int | str
#: Maps a database id to the id written out (the exports' pseudonymous ids); None for one not mapped.
IdMap = Callable[[int], int | None]

_META = "meta"


# --- Reading and writing plain values -----------------------------------------------------------------------


def _opt_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _opt_int(value: Any) -> int | None:
    return None if value is None else int(value)


# Arrays are checked for their types in C (set(map(type, ...))) and converted value by value only when they need
# it: at 10,000 participants a conversion per value took as long again as parsing the JSON.
_FLOAT_OR_NONE = frozenset({float, type(None)})


def _ints(values: Iterable[Any] | None) -> tuple[int, ...]:
    values = tuple(values or ())
    if set(map(type, values)) <= {int}:
        return values
    return tuple(map(int, values))


def _floats(values: Iterable[Any] | None) -> tuple[float | None, ...]:
    values = tuple(values or ())
    kinds = set(map(type, values))
    if kinds <= _FLOAT_OR_NONE:
        return values
    if type(None) not in kinds:
        return tuple(map(float, values))
    return tuple(None if v is None else float(v) for v in values)


def _bools(values: Iterable[Any] | None) -> tuple[bool, ...]:
    return tuple(map(bool, values or ()))


def _int_rows(values: Iterable[Any] | None) -> tuple[tuple[int, ...], ...]:
    return tuple(_ints(row) for row in values or ())


def _float_rows(values: Iterable[Any] | None) -> tuple[tuple[float | None, ...], ...]:
    rows = tuple(map(tuple, values or ()))
    if set(map(type, chain.from_iterable(rows))) <= _FLOAT_OR_NONE:
        return rows
    return tuple(_floats(row) for row in rows)


def _rows(rows: Iterable[Iterable[Any]]) -> list[list[Any]]:
    return [list(row) for row in rows]


def _category(value: Any) -> Category:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError(f"a category is a group index or a code, not {value!r}")
    return value


def _categories(by_dimension: Mapping[str, Any] | None) -> dict[str, tuple[Category, ...]]:
    return {
        str(dim): tuple(_category(v) for v in values or ()) for dim, values in (by_dimension or {}).items()
    }


def _category_lists(by_dimension: Mapping[str, tuple[Category, ...]]) -> dict[str, list[Category]]:
    return {dim: list(values) for dim, values in by_dimension.items()}


def _same(value: int) -> int | None:
    return value


def _mapped(ids: Iterable[int], to: IdMap) -> list[int | None]:
    return [to(i) for i in ids]


# --- Pol.is' outputs -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RepresentativeStatement:
    """A statement that sets an opinion group apart (the engine's ``RepStatement``).

    ``repful_for`` is ``"agree"`` or ``"disagree"`` ("" in a hand-made snapshot that lacks it); ``n_success`` of
    the group's ``n_trials`` votes on it go that way.
    """

    statement: int
    statement_id: int | None = None
    repful_for: str = ""
    n_success: int = 0
    n_trials: int = 0
    p_success: float | None = None
    p_test: float | None = None
    repness: float | None = None
    repness_test: float | None = None
    best_agree: bool = False
    n_agree: int | None = None

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> RepresentativeStatement:
        return cls(
            statement=int(d["statement"]),
            statement_id=_opt_int(d.get("statement_id")),
            repful_for=str(d.get("repful_for") or ""),
            n_success=int(d.get("n_success") or 0),
            n_trials=int(d.get("n_trials") or 0),
            p_success=_opt_float(d.get("p_success")),
            p_test=_opt_float(d.get("p_test")),
            repness=_opt_float(d.get("repness")),
            repness_test=_opt_float(d.get("repness_test")),
            best_agree=bool(d.get("best_agree", False)),
            n_agree=_opt_int(d.get("n_agree")),
        )

    def to_dict(self, statement_id: IdMap = _same) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["statement_id"] = None if self.statement_id is None else statement_id(self.statement_id)
        return out


@dataclass(frozen=True)
class ConsensusStatement:
    """A statement of Pol.is' overall consensus: ``n_success`` of all ``n_trials`` votes on it go one way."""

    statement: int
    statement_id: int | None = None
    n_success: int = 0
    n_trials: int = 0
    p_success: float | None = None
    p_test: float | None = None

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ConsensusStatement:
        return cls(
            statement=int(d["statement"]),
            statement_id=_opt_int(d.get("statement_id")),
            n_success=int(d.get("n_success") or 0),
            n_trials=int(d.get("n_trials") or 0),
            p_success=_opt_float(d.get("p_success")),
            p_test=_opt_float(d.get("p_test")),
        )

    def to_dict(self, statement_id: IdMap = _same) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["statement_id"] = None if self.statement_id is None else statement_id(self.statement_id)
        return out


@dataclass(frozen=True)
class Consensus:
    """Pol.is' overall consensus: the statements most people agree with, and those most disagree with."""

    agree: tuple[ConsensusStatement, ...] = ()
    disagree: tuple[ConsensusStatement, ...] = ()

    @classmethod
    def from_dict(cls, d: Mapping[str, Any] | None) -> Consensus:
        d = d or {}
        return cls(
            agree=tuple(ConsensusStatement.from_dict(e) for e in d.get("agree") or ()),
            disagree=tuple(ConsensusStatement.from_dict(e) for e in d.get("disagree") or ()),
        )

    def to_dict(self, statement_id: IdMap = _same) -> dict[str, Any]:
        return {
            "agree": [e.to_dict(statement_id) for e in self.agree],
            "disagree": [e.to_dict(statement_id) for e in self.disagree],
        }


# --- Beyond Pol.is --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommonGroundStatement:
    """A common-ground statement: ``gic`` ranks it; ``judged`` counts, by dimension, the categories judged on it;
    ``too_small`` names, by dimension, the categories with too few voters on it."""

    statement: int
    gic: float | None = None
    judged: Mapping[str, int] = field(default_factory=dict)
    too_small: Mapping[str, tuple[Category, ...]] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> CommonGroundStatement:
        return cls(
            statement=int(d["statement"]),
            gic=_opt_float(d.get("gic")),
            judged={str(dim): int(n) for dim, n in (d.get("judged") or {}).items()},
            too_small=_categories(d.get("too_small")),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "statement": self.statement,
            "gic": self.gic,
            "judged": dict(self.judged),
            "too_small": _category_lists(self.too_small),
        }


@dataclass(frozen=True)
class NearMiss:
    """A statement near common ground that is not: ``blocking`` names, by dimension, the judged categories where a
    majority did not agree (with room for chance); ``finer`` says a finer group rejects it."""

    statement: int
    gic: float | None = None
    blocking: Mapping[str, tuple[Category, ...]] = field(default_factory=dict)
    finer: bool = False

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> NearMiss:
        return cls(
            statement=int(d["statement"]),
            gic=_opt_float(d.get("gic")),
            blocking=_categories(d.get("blocking")),
            finer=bool(d.get("finer") or False),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "statement": self.statement,
            "gic": self.gic,
            "blocking": _category_lists(self.blocking),
            "finer": self.finer,
        }


@dataclass(frozen=True)
class CommonGround:
    """Common ground over the opinion groups and the declared dimensions (sector, ...), ranked.

    ``active``: whether each dimension had enough people declaring it to count; ``never_judged``: its categories
    judged on no statement.
    """

    statements: tuple[CommonGroundStatement, ...] = ()
    dimensions: tuple[str, ...] = ()
    active: Mapping[str, bool] = field(default_factory=dict)
    never_judged: Mapping[str, tuple[Category, ...]] = field(default_factory=dict)
    min_voters: int = 0
    confidence: float | None = None
    threshold: float | None = None
    #: Finer groups common ground was also checked in (0 in snapshots from before the check).
    finer_groups: int = 0
    #: Columns that held in every opinion group and declared category but that a finer group rejects.
    hidden_minority: tuple[int, ...] = ()
    #: The statements nearest to common ground that are not, and why (none in snapshots from before).
    near_misses: tuple[NearMiss, ...] = ()

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> CommonGround:
        return cls(
            statements=tuple(CommonGroundStatement.from_dict(e) for e in d.get("common_ground") or ()),
            dimensions=tuple(str(dim) for dim in d.get("dimensions") or ()),
            active={str(dim): bool(on) for dim, on in (d.get("active") or {}).items()},
            never_judged=_categories(d.get("never_judged")),
            min_voters=int(d.get("min_voters") or 0),
            confidence=_opt_float(d.get("confidence")),
            threshold=_opt_float(d.get("threshold")),
            finer_groups=int(d.get("finer_groups") or 0),
            hidden_minority=_ints(d.get("hidden_minority")),
            near_misses=tuple(NearMiss.from_dict(m) for m in d.get("near_misses") or ()),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "finer_groups": self.finer_groups,
            "hidden_minority": list(self.hidden_minority),
            "near_misses": [m.to_dict() for m in self.near_misses],
            "common_ground": [e.to_dict() for e in self.statements],
            "dimensions": list(self.dimensions),
            "active": dict(self.active),
            "never_judged": _category_lists(self.never_judged),
            "min_voters": self.min_voters,
            "confidence": self.confidence,
            "threshold": self.threshold,
        }


@dataclass(frozen=True)
class DivisiveStatement:
    """A statement some categories (``agree``) agree with and others (``disagree``) reject, both with confidence."""

    statement: int
    spread: float | None = None
    agree: tuple[Category, ...] = ()
    disagree: tuple[Category, ...] = ()

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> DivisiveStatement:
        sides = _categories(d.get("sides"))
        return cls(
            statement=int(d["statement"]),
            spread=_opt_float(d.get("spread")),
            agree=sides.get("agree", ()),
            disagree=sides.get("disagree", ()),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "statement": self.statement,
            "spread": self.spread,
            "sides": {"agree": list(self.agree), "disagree": list(self.disagree)},
        }


@dataclass(frozen=True)
class Divisive:
    """The divisive statements over one dimension (the opinion groups), ranked."""

    dimension: str = ""
    statements: tuple[DivisiveStatement, ...] = ()
    threshold: float | None = None

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Divisive:
        return cls(
            dimension=str(d.get("dimension") or ""),
            statements=tuple(DivisiveStatement.from_dict(e) for e in d.get("divisive") or ()),
            threshold=_opt_float(d.get("threshold")),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "dimension": self.dimension,
            "divisive": [e.to_dict() for e in self.statements],
            "threshold": self.threshold,
        }


@dataclass(frozen=True)
class BridgingStatement:
    """A statement's bridging score (``intercept``) beside its plain approval and the voters behind it."""

    statement: int
    intercept: float | None = None
    factor: float | None = None
    approval: float | None = None
    voters: int = 0

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> BridgingStatement:
        return cls(
            statement=int(d["statement"]),
            intercept=_opt_float(d.get("intercept")),
            factor=_opt_float(d.get("factor")),
            approval=_opt_float(d.get("approval")),
            voters=int(d.get("voters") or 0),
        )

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class Bridging:
    """The bridging model's fit: a score for every statement, and how the fit went."""

    mu: float | None = None
    statements: tuple[BridgingStatement, ...] = ()
    loss: float | None = None
    n_iter: int = 0
    converged: bool = False

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Bridging:
        return cls(
            mu=_opt_float(d.get("mu")),
            statements=tuple(BridgingStatement.from_dict(e) for e in d.get("statements") or ()),
            loss=_opt_float(d.get("loss")),
            n_iter=int(d.get("n_iter") or 0),
            converged=bool(d.get("converged", False)),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "mu": self.mu,
            "statements": [e.to_dict() for e in self.statements],
            "loss": self.loss,
            "n_iter": self.n_iter,
            "converged": self.converged,
        }


@dataclass(frozen=True)
class ShareIntervals:
    """Shares ``count / total`` with their Wilson intervals, one value a cell (a 2-D table row by row)."""

    share: tuple[float | None, ...] = ()
    lower: tuple[float | None, ...] = ()
    upper: tuple[float | None, ...] = ()
    count: tuple[float | None, ...] = ()
    total: tuple[float | None, ...] = ()
    confidence: float | None = None

    @classmethod
    def from_dict(cls, d: Mapping[str, Any] | None) -> ShareIntervals | None:
        if d is None:
            return None
        return cls(
            share=_floats(d.get("share")),
            lower=_floats(d.get("lower")),
            upper=_floats(d.get("upper")),
            count=_floats(d.get("count")),
            total=_floats(d.get("total")),
            confidence=_opt_float(d.get("confidence")),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "share": list(self.share),
            "lower": list(self.lower),
            "upper": list(self.upper),
            "count": list(self.count),
            "total": list(self.total),
            "confidence": self.confidence,
        }


@dataclass(frozen=True)
class Intervals:
    """Agree and disagree shares with intervals: over everyone (per statement) and per group (group x statement)."""

    agree: ShareIntervals | None = None
    disagree: ShareIntervals | None = None
    group_agree: ShareIntervals | None = None
    group_disagree: ShareIntervals | None = None

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Intervals:
        return cls(**{f.name: ShareIntervals.from_dict(d.get(f.name)) for f in fields(cls)})

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None:
                out[f.name] = value.to_dict()
        return out


@dataclass(frozen=True)
class GroupStability:
    """How often people stay in their opinion group when the analysis is re-run on resampled statements."""

    overall: float | None = None
    per_group: Mapping[int, float | None] = field(default_factory=dict)
    n_resamples: int = 0
    standard_error: float | None = None

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> GroupStability:
        return cls(
            overall=_opt_float(d.get("overall")),
            per_group={int(g): _opt_float(v) for g, v in (d.get("per_group") or {}).items()},
            n_resamples=int(d.get("n_resamples") or 0),
            standard_error=_opt_float(d.get("standard_error")),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "overall": self.overall,
            "per_group": {str(g): v for g, v in self.per_group.items()},
            "n_resamples": self.n_resamples,
            "standard_error": self.standard_error,
        }


@dataclass(frozen=True)
class Subgroups:
    """Pol.is' second level of clusters inside opinion group ``group`` (Pol.is mode only): ``k`` subgroups of
    the group's base clusters ``base`` (``of_base`` gives each one's subgroup), their centres and sizes (people),
    the best k at this update and the silhouettes it was chosen by."""

    group: int = 0
    base: tuple[int, ...] = ()
    of_base: tuple[int, ...] = ()
    centres: tuple[tuple[float | None, ...], ...] = ()
    sizes: tuple[int, ...] = ()
    k: int = 0
    best_k: int = 0
    silhouettes: Mapping[int, float | None] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Subgroups:
        return cls(
            group=int(d.get("group") or 0),
            base=_ints(d.get("base")),
            of_base=_ints(d.get("of_base")),
            centres=_float_rows(d.get("centres")),
            sizes=_ints(d.get("sizes")),
            k=int(d.get("k") or 0),
            best_k=int(d.get("best_k") or 0),
            silhouettes={int(n): _opt_float(v) for n, v in (d.get("silhouettes") or {}).items()},
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "base": list(self.base),
            "of_base": list(self.of_base),
            "centres": _rows(self.centres),
            "sizes": list(self.sizes),
            "k": self.k,
            "best_k": self.best_k,
            "silhouettes": {str(n): v for n, v in self.silhouettes.items()},
        }


# --- How the snapshot was made --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SnapshotMeta:
    """How a snapshot was made, written by the worker beside the engine's result.

    ``votes_at_or_below_high_water`` and ``event_id_sum_at_or_below_high_water`` are what the worker's late-vote
    check compares with the vote table (``conversations.jobs.compute``); ``None`` in snapshots made before they
    were recorded. ``start`` says how the engine started ("warm", or "cold: " and why).
    """

    n_votes: int = 0
    n_participants_voting: int = 0
    n_statements: int = 0
    computed_at: str = ""
    high_water: int = 0
    votes_at_or_below_high_water: int | None = None
    event_id_sum_at_or_below_high_water: int | None = None
    moderation_version: int = 0
    start: str = ""
    read_seconds: float = 0.0
    engine_seconds: float = 0.0
    timings: Mapping[str, float] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> SnapshotMeta:
        return cls(
            n_votes=int(d.get("n_votes") or 0),
            n_participants_voting=int(d.get("n_participants_voting") or 0),
            n_statements=int(d.get("n_statements") or 0),
            computed_at=str(d.get("computed_at") or ""),
            high_water=int(d.get("high_water") or 0),
            votes_at_or_below_high_water=_opt_int(d.get("votes_at_or_below_high_water")),
            event_id_sum_at_or_below_high_water=_opt_int(d.get("event_id_sum_at_or_below_high_water")),
            moderation_version=int(d.get("moderation_version") or 0),
            start=str(d.get("start") or ""),
            read_seconds=float(d.get("read_seconds") or 0.0),
            engine_seconds=float(d.get("engine_seconds") or 0.0),
            timings={str(k): float(v) for k, v in (d.get("timings") or {}).items()},
        )

    def to_dict(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["timings"] = dict(self.timings)
        return out

    @property
    def at_or_below_high_water(self) -> tuple[int, int] | None:
        """The count and event id sum of the votes it included at or below its high water; None: not recorded."""
        if self.votes_at_or_below_high_water is None or self.event_id_sum_at_or_below_high_water is None:
            return None
        return self.votes_at_or_below_high_water, self.event_id_sum_at_or_below_high_water


# --- The whole result -----------------------------------------------------------------------------------------


def _optional(reader: Callable[[Mapping[str, Any]], Any], value: Any) -> Any:
    """An output the engine may not have computed (stored as null, or absent in older snapshots)."""
    return None if value is None else reader(value)


@dataclass(frozen=True)
class StoredResult:
    """One stored analysis result (``AnalysisSnapshot.result``), typed.

    The fields are the engine's ``AnalysisResult`` (its docstring says what each holds) less its carried state,
    plus ``meta`` (how the snapshot was made). Per-participant tuples are aligned with ``participant_ids``,
    per-statement tuples with ``statement_ids`` (the columns); group ``g``'s row of ``group_agree``,
    ``group_disagree`` and ``group_seen`` counts its agrees, disagrees and votes on each column. Groups are
    numbered ``0..k-1``; a participant's group label is -1 when they are not in a group.
    """

    tick: int = 0
    participant_ids: tuple[int, ...] = ()
    statement_ids: tuple[int, ...] = ()
    n_participants: int = 0
    n_statements: int = 0
    in_conv: tuple[int, ...] = ()
    pca_center: tuple[float | None, ...] = ()
    pca_components: tuple[tuple[float | None, ...], ...] = ()
    pca_eigenvalues: tuple[float | None, ...] = ()
    participant_projections: tuple[tuple[float | None, ...], ...] = ()
    statement_projections: tuple[tuple[float | None, ...], ...] = ()
    statement_extremity: tuple[float | None, ...] = ()
    base_centres: tuple[tuple[float | None, ...], ...] = ()
    base_sizes: tuple[int, ...] = ()
    base_labels: tuple[int, ...] = ()
    k: int = 0
    best_k: int = 0
    silhouettes: Mapping[int, float | None] = field(default_factory=dict)
    group_centres: tuple[tuple[float | None, ...], ...] = ()
    group_of_base: tuple[int, ...] = ()
    group_labels: tuple[int, ...] = ()
    group_sizes: tuple[int, ...] = ()
    group_agree: tuple[tuple[int, ...], ...] = ()
    group_disagree: tuple[tuple[int, ...], ...] = ()
    group_seen: tuple[tuple[int, ...], ...] = ()
    group_informed_consensus: tuple[float | None, ...] = ()
    repness: Mapping[int, tuple[RepresentativeStatement, ...]] = field(default_factory=dict)
    consensus: Consensus = field(default_factory=Consensus)
    priorities: tuple[float | None, ...] = ()
    mod_out: tuple[bool, ...] = ()
    common_ground: CommonGround | None = None
    divisive: Divisive | None = None
    bridging: Bridging | None = None
    intervals: Intervals | None = None
    group_stability: GroupStability | None = None
    timings: Mapping[str, float] = field(default_factory=dict)
    #: Why an output is missing or reduced, by output name; None in snapshots from before the engine said why.
    reasons: Mapping[str, str] | None = None
    #: Which method found the opinion groups, "polis" or "commonweal" ("polis" in snapshots from before the
    #: engine had commonweal mode); ``grouping_detail`` is the engine's (dimensions, method, scores, polis_k).
    grouping: str = "polis"
    grouping_detail: Mapping[str, Any] = field(default_factory=dict)
    #: The groups overlap on the two-dimensional opinion map (found in more dimensions than it shows).
    map_overlap: bool = False
    #: Pol.is' subgroups, one per opinion group (Pol.is mode; empty otherwise and in older snapshots), and each
    #: participant's subgroup within their group (-1: none). None: a snapshot from before they were stored.
    subgroups: tuple[Subgroups, ...] | None = None
    subgroup_labels: tuple[int, ...] | None = None
    meta: SnapshotMeta | None = None
    #: Top-level keys this version does not know (from a newer engine): written back by ``to_dict``, never read.
    unknown: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> StoredResult:
        """Read a stored result; keys an older snapshot lacks take their defaults."""
        known = {f.name for f in fields(cls)} - {"unknown"}
        return cls(
            **_identity_fields(d),
            **_geometry_fields(d),
            **_group_fields(d),
            **_beyond_fields(d),
            subgroups=(
                None if d.get("subgroups") is None else tuple(Subgroups.from_dict(x) for x in d["subgroups"])
            ),
            subgroup_labels=None if d.get("subgroup_labels") is None else _ints(d["subgroup_labels"]),
            meta=_optional(SnapshotMeta.from_dict, d.get(_META)),
            unknown={key: value for key, value in d.items() if key not in known},
        )

    def to_dict(self, *, participant_id: IdMap = _same, statement_id: IdMap = _same) -> dict[str, Any]:
        """The stored form (what :meth:`from_dict` reads).

        ``participant_id`` and ``statement_id`` map the database ids written out (``participant_ids``,
        ``in_conv``, ``statement_ids`` and the ``statement_id`` of representative and consensus statements), for
        exports with ids of their own.
        """
        out: dict[str, Any] = {
            "tick": self.tick,
            "participant_ids": _mapped(self.participant_ids, participant_id),
            "statement_ids": _mapped(self.statement_ids, statement_id),
            "n_participants": self.n_participants,
            "n_statements": self.n_statements,
            "in_conv": _mapped(self.in_conv, participant_id),
        }
        for name in _GEOMETRY_ROWS:
            out[name] = _rows(getattr(self, name)) if name in _TABLES else list(getattr(self, name))
        out["k"], out["best_k"] = self.k, self.best_k
        out["silhouettes"] = {str(n): v for n, v in self.silhouettes.items()}
        for name in _GROUP_ROWS:
            out[name] = _rows(getattr(self, name)) if name in _TABLES else list(getattr(self, name))
        out["repness"] = {str(g): [e.to_dict(statement_id) for e in es] for g, es in self.repness.items()}
        out["consensus"] = self.consensus.to_dict(statement_id)
        out["priorities"], out["mod_out"] = list(self.priorities), list(self.mod_out)
        for name in ("common_ground", "divisive", "bridging", "intervals", "group_stability"):
            value = getattr(self, name)
            out[name] = None if value is None else value.to_dict()
        out["timings"] = dict(self.timings)
        if self.reasons is not None:
            out["reasons"] = dict(self.reasons)
        out["grouping"], out["map_overlap"] = self.grouping, self.map_overlap
        out["grouping_detail"] = dict(self.grouping_detail)
        if self.subgroups is not None:
            out["subgroups"] = [sg.to_dict() for sg in self.subgroups]
        if self.subgroup_labels is not None:
            out["subgroup_labels"] = list(self.subgroup_labels)
        if self.meta is not None:
            out[_META] = self.meta.to_dict()
        out.update(self.unknown)
        return out

    # --- Reading it -------------------------------------------------------------------------------------------

    def group_size(self, group: int) -> int:
        """People in opinion group ``group`` (0 for a group the result does not have)."""
        return self.group_sizes[group] if 0 <= group < len(self.group_sizes) else 0

    def group_tally(self, group: int, column: int) -> tuple[int, int, int]:
        """Group ``group``'s votes, agrees and disagrees on statement column ``column`` (0 without its row)."""

        def cell(table: tuple[tuple[int, ...], ...]) -> int:
            return table[group][column] if group < len(table) else 0

        return cell(self.group_seen), cell(self.group_agree), cell(self.group_disagree)

    def representative(self, group: int) -> tuple[RepresentativeStatement, ...]:
        """Group ``group``'s representative statements, best first."""
        return self.repness.get(group, ())

    def group_of(self, participant_id: int) -> tuple[int, int]:
        """The row of participant ``participant_id`` (-1 when not in the result) and their group (-1: none)."""
        try:
            row = self.participant_ids.index(participant_id)
        except ValueError:
            return -1, -1
        return row, self.group_labels[row] if row < len(self.group_labels) else -1


# Which fields the readers below fill, in the stored order; the 2-D ones are tables (a tuple of rows).
_GEOMETRY_ROWS = (
    "pca_center",
    "pca_components",
    "pca_eigenvalues",
    "participant_projections",
    "statement_projections",
    "statement_extremity",
    "base_centres",
    "base_sizes",
    "base_labels",
)
_GROUP_ROWS = (
    "group_centres",
    "group_of_base",
    "group_labels",
    "group_sizes",
    "group_agree",
    "group_disagree",
    "group_seen",
    "group_informed_consensus",
)
_TABLES = frozenset(
    {
        "pca_components",
        "participant_projections",
        "statement_projections",
        "base_centres",
        "group_centres",
        "group_agree",
        "group_disagree",
        "group_seen",
    }
)


def _identity_fields(d: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "tick": int(d.get("tick") or 0),
        "participant_ids": _ints(d.get("participant_ids")),
        "statement_ids": _ints(d.get("statement_ids")),
        "n_participants": int(d.get("n_participants") or 0),
        "n_statements": int(d.get("n_statements") or 0),
        "in_conv": _ints(d.get("in_conv")),
    }


def _geometry_fields(d: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "pca_center": _floats(d.get("pca_center")),
        "pca_components": _float_rows(d.get("pca_components")),
        "pca_eigenvalues": _floats(d.get("pca_eigenvalues")),
        "participant_projections": _float_rows(d.get("participant_projections")),
        "statement_projections": _float_rows(d.get("statement_projections")),
        "statement_extremity": _floats(d.get("statement_extremity")),
        "base_centres": _float_rows(d.get("base_centres")),
        "base_sizes": _ints(d.get("base_sizes")),
        "base_labels": _ints(d.get("base_labels")),
    }


def _group_fields(d: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "k": int(d.get("k") or 0),
        "best_k": int(d.get("best_k") or 0),
        "silhouettes": {int(n): _opt_float(v) for n, v in (d.get("silhouettes") or {}).items()},
        "group_centres": _float_rows(d.get("group_centres")),
        "group_of_base": _ints(d.get("group_of_base")),
        "group_labels": _ints(d.get("group_labels")),
        "group_sizes": _ints(d.get("group_sizes")),
        "group_agree": _int_rows(d.get("group_agree")),
        "group_disagree": _int_rows(d.get("group_disagree")),
        "group_seen": _int_rows(d.get("group_seen")),
        "group_informed_consensus": _floats(d.get("group_informed_consensus")),
        "repness": {
            int(g): tuple(RepresentativeStatement.from_dict(e) for e in entries or ())
            for g, entries in (d.get("repness") or {}).items()
        },
        "consensus": Consensus.from_dict(d.get("consensus")),
        "priorities": _floats(d.get("priorities")),
        "mod_out": _bools(d.get("mod_out")),
    }


def _reasons(d: Mapping[str, Any]) -> dict[str, str]:
    return {str(name): str(code) for name, code in d.items()}


def _beyond_fields(d: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "common_ground": _optional(CommonGround.from_dict, d.get("common_ground")),
        "divisive": _optional(Divisive.from_dict, d.get("divisive")),
        "bridging": _optional(Bridging.from_dict, d.get("bridging")),
        "intervals": _optional(Intervals.from_dict, d.get("intervals")),
        "group_stability": _optional(GroupStability.from_dict, d.get("group_stability")),
        "timings": {str(name): float(s) for name, s in (d.get("timings") or {}).items()},
        "reasons": _optional(_reasons, d.get("reasons")),
        "grouping": str(d.get("grouping") or "polis"),
        "grouping_detail": dict(d.get("grouping_detail") or {}),
        "map_overlap": bool(d.get("map_overlap") or False),
    }


# --- Snapshots ------------------------------------------------------------------------------------------------

# The typed result is kept on the snapshot it was read from: a snapshot never changes once written, and one
# request may read it twice (where-you-stand reads it, then draws the same opinion map as the results page).
_CACHE = "_typed_result"


def read_result(snapshot: AnalysisSnapshot | None) -> StoredResult | None:
    """The snapshot's result, typed; None when there is no snapshot or it holds no result (an empty one)."""
    if snapshot is None or not snapshot.result:
        return None
    cached = snapshot.__dict__.get(_CACHE)
    if cached is None:
        cached = StoredResult.from_dict(snapshot.result)
        snapshot.__dict__[_CACHE] = cached
    return cached


def read_meta(snapshot: AnalysisSnapshot) -> SnapshotMeta:
    """How the snapshot was made, without reading the rest of its result (all defaults when not recorded)."""
    stored = (snapshot.result or {}).get(_META)
    return SnapshotMeta.from_dict(stored or {})


def with_meta(engine_result: Mapping[str, Any], meta: SnapshotMeta) -> dict[str, Any]:
    """What the worker stores: the engine's ``AnalysisResult.to_dict()`` with how the snapshot was made."""
    return {**engine_result, _META: meta.to_dict()}


def meta_lookup(name: str) -> str:
    """The ORM lookup of meta field ``name`` inside ``AnalysisSnapshot.result``, to read it in the database."""
    if name not in {f.name for f in fields(SnapshotMeta)}:
        raise ValueError(f"snapshot meta has no field {name!r}")
    return f"result__{_META}__{name}"
