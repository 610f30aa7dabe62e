"""The attacker of issue 11, against the app: everything one conversation publishes, read as a client reads it,
turned into what it says about each count, and handed to the adversary (:func:`commonweal.core.small_numbers.audit`)
with every relation between the counts that anyone can know.

The attacker reads the dashboard's JSON, the results page, the board report, ``statements.csv``,
``analysis.json``, one participant's "where you stand" page and the opinion maps' data (the Vega-Lite specs), and
combines them: a count shown by two of them is one count. What it reads of each count:

- a number: that number; "fewer than 5": 1 to 4 (the label of a small cell); "about 80": its range;
- "not shown": at least 5 where the JSON says the cell is ``hidden`` (the layer's own promise), else nothing;
- a share ("82% of Group A agree"): as if both counts behind it were shown (stronger than the truth: the page
  gives only the ratio), so that the check never relies on a share being hard to invert;
- "Fewer than 5 people in Group A voted on it": 0 to 4; "No one from X took part": 0;
- a map mark: at least 1 person, its own label as above; a table's count of marks of a group: a lower bound.

The relations are what the tables mean, whoever publishes them: the sectors (and places) of everyone who joined
add up to them; each statement's voters split by sector and by opinion group, and their votes by value; a
category's votes on the statements add up to the votes it cast; a group's marks add up to the group; a subset
counts no more than its whole. The true counts come from the database and the snapshot, never from a page.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from commonweal.conversations.models import Participant, Statement, Vote
from commonweal.conversations.results.snapshot import StoredResult
from commonweal.core.small_numbers import Relation, Seen
from commonweal.systems.models import Sector

T = 5
INF = math.inf
VALUES = ("agree", "disagree", "pass")
VALUE_OF = {1: "agree", -1: "disagree", 0: "pass"}
NOT_SAID = "not said"
NONE = "none"  # people in the analysis who are in no opinion group

Cell = tuple[Hashable, ...]


def group_index(name: str) -> int:
    """ "Group A" -> 0 (the app's names; one or two letters are enough here)."""
    letters = name.removeprefix("Group ").strip()
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


# --- The truth --------------------------------------------------------------------------------------------------


@dataclass
class Truth:
    """Every count the attacker reasons about, from the database and the snapshot."""

    counts: dict[Cell, int] = field(default_factory=dict)
    relations: list[Relation] = field(default_factory=list)
    statements: list[int] = field(default_factory=list)  # statement ids in creation (export id) order
    sectors: dict[str, Hashable] = field(default_factory=dict)  # label -> key
    places: dict[str, Hashable] = field(default_factory=dict)
    communities: dict[str, Hashable] = field(default_factory=dict)
    sector_phrases: dict[str, str] = field(default_factory=dict)  # "acute trusts" -> key
    groups: list[int] = field(default_factory=list)
    base: dict[tuple[float, float], tuple[int, int]] = field(default_factory=dict)  # rounded centre -> (g, n)
    nonempty: set[Cell] = field(default_factory=set)  # counts known to be at least 1 whatever is published

    def add(self, total: Cell, parts: list[Cell], exact: bool = True) -> None:
        self.relations.append(Relation(total, tuple(parts), exact=exact))

    def get(self, cell: Cell) -> int:
        return self.counts[cell]


def _people(conversation: Any) -> list[Participant]:
    return list(
        Participant.objects.filter(participations__conversation=conversation)
        .prefetch_related("communities")
        .order_by("pk")
    )


def read_truth(conversation: Any, stored: StoredResult | None) -> Truth:
    """The true counts of ``conversation`` and the relations between them (see the module's docstring)."""
    from commonweal.reports.report.build import SECTOR_PHRASES

    truth = Truth()
    truth.statements = list(
        Statement.objects.filter(conversation=conversation).order_by("pk").values_list("pk", flat=True)
    )
    truth.sectors = {str(label): code for code, label in Sector.choices} | {"Not said": NOT_SAID}
    truth.sector_phrases = {phrase: code for code, phrase in SECTOR_PHRASES.items()}
    system = conversation.system
    truth.places = {p.name: p.pk for p in system.places.all()} | {"Not said": NOT_SAID}
    truth.communities = {c.name: c.pk for c in system.communities.all()}
    people = _people(conversation)
    votes = list(
        Vote.objects.filter(conversation=conversation).values_list("participant_id", "statement_id", "value")
    )
    _attribute_counts(truth, people, votes, conversation)
    _statement_counts(truth, people, votes)
    if stored is not None and stored.k > 0:
        _group_counts(truth, stored, votes)
    return truth


def _attribute_counts(truth: Truth, people: list[Participant], votes: list[tuple], conversation: Any) -> None:
    c = truth.counts
    n = len(people)
    c[("N",)] = n
    c[("voters",)] = len({p for p, _s, _v in votes})
    c[("votes",)] = len(votes)
    truth.add(("N",), [("voters",)], exact=False)
    of: dict[str, dict[int, list[Hashable]]] = {
        "sector": {p.pk: [p.sector or NOT_SAID] for p in people},
        "place": {p.pk: [p.place_id or NOT_SAID] for p in people},
        "community": {p.pk: [m.pk for m in p.communities.all()] for p in people},
    }
    written = Counter()
    for author in Statement.objects.filter(conversation=conversation, author__isnull=False).values_list(
        "author_id", flat=True
    ):
        written[author] += 1
    c[("written",)] = sum(written.values())
    cast = Counter(p for p, _s, _v in votes)
    for dim, keys in (
        ("sector", set(truth.sectors.values())),
        ("place", set(truth.places.values())),
        ("community", set(truth.communities.values())),
    ):
        for k in keys:
            members = [p.pk for p in people if k in of[dim][p.pk]]
            c[(dim, k)] = len(members)
            c[("votes by", dim, k)] = sum(cast[p] for p in members)
            c[("written by", dim, k)] = sum(written[p] for p in members)
        if dim != "community":
            truth.add(("N",), [(dim, k) for k in keys])
            truth.add(("votes",), [("votes by", dim, k) for k in keys])
            truth.add(("written",), [("written by", dim, k) for k in keys])
        else:
            for k in keys:
                truth.add(("N",), [(dim, k)], exact=False)


def _statement_counts(truth: Truth, people: list[Participant], votes: list[tuple]) -> None:
    c = truth.counts
    sector_of = {p.pk: p.sector or NOT_SAID for p in people}
    sectors = sorted(set(truth.sectors.values()), key=str)
    by = Counter((sector_of.get(p, NOT_SAID), s, VALUE_OF[v]) for p, s, v in votes)
    for s in truth.statements:
        for v in VALUES:
            c[("votes on", s, v)] = sum(by[(k, s, v)] for k in sectors)
        c[("voters on", s)] = sum(c[("votes on", s, v)] for v in VALUES)
        truth.add(("voters on", s), [("votes on", s, v) for v in VALUES])
        for k in sectors:
            for v in VALUES:
                c[("sector votes on", k, s, v)] = by[(k, s, v)]
            c[("sector on", k, s)] = sum(by[(k, s, v)] for v in VALUES)
            truth.add(("sector on", k, s), [("sector votes on", k, s, v) for v in VALUES])
            truth.add(("sector", k), [("sector on", k, s)], exact=False)
        truth.add(("voters on", s), [("sector on", k, s) for k in sectors])
        for v in VALUES:
            truth.add(("votes on", s, v), [("sector votes on", k, s, v) for k in sectors])
    truth.add(("votes",), [("voters on", s) for s in truth.statements])
    for k in sectors:
        truth.add(("votes by", "sector", k), [("sector on", k, s) for s in truth.statements])


def _group_counts(truth: Truth, stored: StoredResult, votes: list[tuple]) -> None:
    """Opinion groups as the snapshot made them (computed after every vote, so its counts are today's)."""
    c = truth.counts
    group_of = {
        pid: (g if g >= 0 else NONE)
        for pid, g in zip(stored.participant_ids, stored.group_labels, strict=True)
    }
    truth.groups = list(range(stored.k))
    keys: list[Hashable] = [*truth.groups, NONE]
    truth.nonempty = {("group", g) for g in truth.groups}  # the engine's groups are never empty
    members = Counter(group_of.values())
    for g in keys:
        c[("group", g)] = members[g]
    c[("grouped",)] = sum(members[g] for g in truth.groups)
    truth.add(("voters",), [("group", g) for g in keys])  # the analysis counts everyone who voted
    truth.add(("grouped",), [("group", g) for g in truth.groups])
    by = Counter((group_of[p], s, VALUE_OF[v]) for p, s, v in votes if p in group_of)
    for s in truth.statements:
        for g in keys:
            for v in VALUES:
                c[("group votes on", g, s, v)] = by[(g, s, v)]
            c[("group on", g, s)] = sum(by[(g, s, v)] for v in VALUES)
            truth.add(("group on", g, s), [("group votes on", g, s, v) for v in VALUES])
            truth.add(("group", g), [("group on", g, s)], exact=False)
        truth.add(("voters on", s), [("group on", g, s) for g in keys])
        for v in VALUES:
            truth.add(("votes on", s, v), [("group votes on", g, s, v) for g in keys])
    for i, xy in enumerate(stored.base_centres):
        if (
            len(xy) >= 2
            and xy[0] is not None
            and i < len(stored.base_sizes)
            and i < len(stored.group_of_base)
        ):
            truth.base[(round(xy[0], 4), round(xy[1], 4))] = (stored.group_of_base[i], stored.base_sizes[i])


# --- What the attacker reads ------------------------------------------------------------------------------------


@dataclass
class Reading:
    """The attacker's knowledge: bounds on each count, intersected over every publisher."""

    truth: Truth
    bounds: dict[Cell, tuple[float, float]] = field(default_factory=dict)
    small: set[Cell] = field(default_factory=set)
    zeros: set[Cell] = field(default_factory=set)
    marks: int = 0

    def know(self, cell: Cell, low: float, high: float, *, small: bool = False) -> None:
        if cell not in self.truth.counts:
            raise AssertionError(f"a page published {cell!r}, which the attacker cannot place")
        lo, hi = self.bounds.get(cell, (0.0, INF))
        self.bounds[cell] = (max(lo, low), min(hi, high))
        if small:
            self.small.add(cell)
        if low == high == 0:
            self.zeros.add(cell)

    def exact(self, cell: Cell, n: int) -> None:
        self.know(cell, n, n)

    def exact_truth(self, *cells: Cell) -> None:
        """A share was published: count its numerator and denominator as shown (see the module's docstring)."""
        for cell in cells:
            self.exact(cell, self.truth.get(cell))

    def words(self, cell: Cell, text: str, status: str | None = None) -> None:
        """A count as printed: a number, "fewer than 5", "about 80", "not shown" (with its JSON status)."""
        text = text.strip()
        if re.fullmatch(r"[\d,]+", text):
            self.exact(cell, int(text.replace(",", "")))
        elif text.startswith("fewer than") or status == "small":
            self.know(cell, 1, T - 1, small=True)
        elif text.startswith("about"):
            raise AssertionError(
                f"{cell!r} is rounded ({text}): no table of a conversation has a roundable total"
            )
        elif status == "hidden":
            self.know(cell, T, INF)

    def add_mark(self, family: str, g: int, people: str, xy: tuple[float, float], only: bool) -> None:
        """One mark of a map: ``family`` names the map it is on (each map's marks add up to each group)."""
        cell: Cell = ("mark", family, g, self.marks)
        self.marks += 1
        self.truth.counts[cell] = _mark_truth(self.truth, g, people, xy, only)
        if m := re.fullmatch(r"([\d,]+) (people|person)", people.strip()):
            self.exact(cell, int(m.group(1).replace(",", "")))
        else:
            self.words(cell, people)
        self.know(cell, 1, INF)
        self.truth.counts.setdefault(("marks", family, g), 0)
        self.truth.counts[("marks", family, g)] += self.truth.counts[cell]


def _mark_truth(truth: Truth, g: int, people: str, xy: tuple[float, float], only: bool) -> int:
    m = re.fullmatch(r"([\d,]+) (people|person)", people.strip())
    if m:
        return int(m.group(1).replace(",", ""))
    if only:
        return truth.get(("group", g))
    found = truth.base.get((round(xy[0], 4), round(xy[1], 4)))
    if found is None or found[0] != g:
        raise AssertionError(f"a mark of group {g} at {xy} is neither a group nor a base cluster")
    return found[1]


def close_marks(reading: Reading) -> None:
    """Each map's marks of a group add up to the group (or to no more, where the engine could not place some)."""
    truth = reading.truth
    families: dict[tuple[str, int], list[Cell]] = defaultdict(list)
    for cell in list(truth.counts):
        if cell[0] == "mark":
            families[(cell[1], cell[2])].append(cell)
    for (family, g), cells in families.items():
        exact = truth.counts[("marks", family, g)] == truth.get(("group", g))
        truth.add(("group", g), cells, exact=exact)


# --- The auditor ------------------------------------------------------------------------------------------------


#: Counts of votes (by value, cast, or statements written) rather than of people in a category: the layer shows
#: them whenever it shows the people they belong to (``people=False`` in the layer), so working one out is a leak
#: only where the layer does not show it.
VOTE_CELLS = frozenset({"group votes on", "sector votes on", "votes by", "written by"})


def attack(reading: Reading, layer_shows: Callable[[Cell], bool] | None = None) -> Any:
    """Run the adversary over everything read: the report of what it could recover or narrow.

    A count of votes worked out exactly is a finding only where the layer hides it (``layer_shows``: whether the
    conversation's publication shows a cell exactly; without it, vote counts are not judged): the layer may show
    how a group it shows voted, and a page that leaves one such count out gives nothing away by it."""
    report = _audit(reading)
    if layer_shows is None:
        report.recovered = [f for f in report.recovered if f.cell[0] not in VOTE_CELLS]
    else:
        report.recovered = [
            f for f in report.recovered if f.cell[0] not in VOTE_CELLS or not layer_shows(f.cell)
        ]
    return report


def _audit(reading: Reading) -> Any:
    from commonweal.core.small_numbers import audit

    truth = reading.truth
    close_marks(reading)
    seen, base = [], []
    headline = {("N",), ("voters",), ("votes",), ("written",)}
    headline |= {("voters on", s) for s in truth.statements}
    headline |= {("votes on", s, v) for s in truth.statements for v in VALUES}
    for cell, n in truth.counts.items():
        if cell[0] == "marks":
            continue
        low, high = reading.bounds.get(cell, (0.0, INF))
        floor = 1.0 if cell in truth.nonempty else 0.0
        seen.append(Seen(cell, max(low, floor), high, true=n, small=cell in reading.small))
        known = cell in headline or cell in reading.zeros
        base.append(Seen(cell, n if known else floor, n if known else INF, true=n))
    return audit(seen, truth.relations, T, baseline=base)


__all__ = [
    "INF",
    "NONE",
    "NOT_SAID",
    "T",
    "VALUES",
    "Reading",
    "Truth",
    "attack",
    "group_index",
    "read_truth",
]
