"""Every number a conversation publishes about its people, registered and published together, once.

The facilitator's dashboard (page and API), the results page, present mode, "where you stand", the opinion map,
the board report (page, PDF and shared link) and the exports (``statements.csv``, ``analysis.json``) all read
their counts from the one :class:`ConversationNumbers` that :func:`conversation_publication` builds. It registers
every linked table of the conversation with :class:`commonweal.core.small_numbers.Disclosure` and publishes them
in one go, so every page hides the same cells: pages that each chose their own cells to hide would give a small
cell away when read together (issue 11). ``docs/disclosure.md`` ("Where it applies") lists the tables and who
shows them.

Two kinds of table, from two sources:

- **Live** (the database now): people who joined; by sector, place and community; votes cast and statements
  written by each; every statement's votes (agree, disagree, pass), voters on it by sector and their votes.
- **The analysis** (the snapshot shown): people in each opinion group and those in none; each group's voters on
  each statement and their votes, beside everyone's; the opinion map's marks, each of at least 5 people
  (:func:`commonweal.core.small_numbers.cluster_marks`), registered as breakdowns of their group.

The two meet only in headline counts that are shown exactly in both (the votes on a statement), so publishing
them side by side tells an attacker nothing the layer has not already allowed for.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count

from commonweal.conversations.models import (
    AnalysisSnapshot,
    Conversation,
    Participant,
    Statement,
    Vote,
    VoteEvent,
)
from commonweal.conversations.results.snapshot import StoredResult, read_result
from commonweal.core.small_numbers import (
    Cell,
    CellRef,
    Disclosure,
    Mark,
    Publication,
    PublishedTable,
    TableRef,
    cluster_marks,
)
from commonweal.systems.models import Community, Place, Sector

__all__ = [
    "NOT_IN_GROUP",
    "NOT_SAID",
    "VALUES",
    "ConversationNumbers",
    "Dimension",
    "GroupTally",
    "MapMark",
    "conversation_publication",
]

#: The key of people who said nothing (sector, place) and of people in no opinion group.
NOT_SAID = "not said"
NOT_IN_GROUP = "not in a group"
#: Votes by value, in the order pages give them (Vote.value 1, -1, 0).
VALUES = ("agree", "disagree", "pass")
_VALUE_OF = {1: "agree", -1: "disagree", 0: "pass"}

# Table names. A statement's tables are named with its id; an opinion group's map marks with its index.
PARTICIPANTS = "participants"
VOTERS = "voters"
VOTES = "votes"
VOTE_EVENTS = "vote events"
VOTES_BY_VALUE = "votes by value"
WRITTEN = "statements written"
VOTERS_BY_STATEMENT = "voters by statement"
GROUP = "opinion group"
ANALYSED = "people in the analysis"
ANALYSIS_VOTES = "analysis votes"
ANALYSIS_VOTERS = "analysis voters by statement"
GROUP_VOTES = "analysis votes by group"
GROUP_BY_STATEMENT = "group by statement"
#: Who is in each opinion group: "opinion group by <dimension>" (people by group and category, the group's row
#: adding up to its size) over "analysed by <dimension>" (everyone the analysis counted, by category).
MAKEUP_DIMENSIONS = ("sector", "place", "community")


def group_by(dimension: str) -> str:
    return f"opinion group by {dimension}"


def analysed_by(dimension: str) -> str:
    return f"analysed by {dimension}"


def votes_on(statement: int) -> str:
    return f"votes on {statement}"


def analysis_votes_on(statement: int) -> str:
    return f"analysis votes on {statement}"


def group_votes_on(statement: int) -> str:
    return f"group votes on {statement}"


def by_statement(dimension: str) -> str:
    return f"{dimension} by statement"


def dimension_votes_on(dimension: str, statement: int) -> str:
    return f"{dimension} votes on {statement}"


def marks_of(group: int) -> str:
    return f"map marks of {group}"


@dataclass(frozen=True)
class Dimension:
    """A declared attribute of participants: its categories (key -> name, in order) and whether it was asked."""

    key: str  # "sector", "place", "community"
    title: str  # "By sector"
    heading: str  # "Sector"
    asked: bool
    labels: dict[Hashable, str]
    #: The cells add up to everyone who joined ("not said" included); communities do not (several, or none).
    partition: bool


@dataclass(frozen=True)
class GroupTally:
    """How one opinion group voted on one statement, as published: its voters and their votes, each a cell, and
    the shares that may be given (None unless both counts are shown exactly)."""

    group: int
    voters: Cell
    agree: Cell
    disagree: Cell
    passes: Cell
    agree_share: float | None
    disagree_share: float | None


@dataclass(frozen=True)
class MapMark:
    """A mark of the opinion map: at least 5 people of one group, or a whole group that is not shown (one mark at
    its centre). ``people`` is the published count: exact, or "fewer than 5" / "not shown"."""

    x: float
    y: float
    group: int
    people: Cell


@dataclass(frozen=True)
class _Facts:
    """What the live tables count, read in a handful of aggregate queries."""

    participants: int
    voters: int
    votes: int
    vote_events: int
    by_value: dict[str, int]
    written: int
    people: dict[str, dict[Hashable, int]]  # dimension -> category -> people
    votes_by: dict[str, dict[Hashable, int]]  # dimension -> category -> votes cast
    written_by: dict[str, dict[Hashable, int]]  # dimension -> category -> statements written
    statements: tuple[int, ...]
    # (statement id, sector key, value) -> votes; sector key NOT_SAID for people who said none
    sector_votes: dict[tuple[int, Hashable, str], int]


@dataclass
class ConversationNumbers:
    """One conversation's published numbers: the :class:`Publication` and the lookups the pages use.

    Every count a page shows of the conversation comes from here, as a :class:`Cell` (``display`` is what to
    print). Headline counts (people who joined, voters, votes) are exact; everything that breaks people down is
    suppressed as the layer decided.
    """

    publication: Publication
    conversation_id: int
    dimensions: dict[str, Dimension]
    statements: tuple[int, ...]  # the live tables' statements (every statement of the conversation)
    snapshot_tick: int | None = None
    groups: tuple[int, ...] = ()  # the analysis' opinion groups (0..k-1)
    columns: tuple[int, ...] = ()  # the analysis' statements (ids, in its column order)
    has_analysis_totals: bool = False  # the analysis recorded everyone's votes on each statement
    marks: list[MapMark] = field(default_factory=list)
    makeup: tuple[str, ...] = ()  # the dimensions whose people by opinion group are published
    _headline: dict[str, int] = field(default_factory=dict)

    @property
    def threshold(self) -> int:
        return self.publication.threshold

    # --- Headline counts (exact) -----------------------------------------------------------------------------

    @property
    def participants(self) -> int:
        return self._headline[PARTICIPANTS]

    @property
    def voters(self) -> int:
        return self._headline[VOTERS]

    @property
    def votes(self) -> int:
        return self._headline[VOTES]

    @property
    def vote_events(self) -> int:
        return self._headline[VOTE_EVENTS]

    @property
    def statements_written(self) -> int:
        return self._headline[WRITTEN]

    def votes_by_value(self) -> dict[str, int]:
        """Every current vote by value (exact: not a breakdown of people)."""
        table = self.publication[VOTES_BY_VALUE]
        return {value: int(table.cells[value].count or 0) for value in VALUES}

    # --- Breakdowns of people ----------------------------------------------------------------------------------

    def cell(self, table: str, key: Hashable) -> Cell:
        return self.publication.cell(CellRef(table, key))

    def table(self, name: str) -> PublishedTable:
        return self.publication[name]

    def breakdown(self, dimension: str) -> list[Cell]:
        """People who joined by ``dimension``, one cell per category, labelled with its name."""
        dim = self.dimensions[dimension]
        table = self.publication[dimension]
        return [_labelled(table.cells[key], name) for key, name in dim.labels.items()]

    def cast_by(self, dimension: str, key: Hashable) -> Cell:
        """Votes cast by the people of one category (hidden with them)."""
        return self.cell(f"votes by {dimension}", key)

    def written_by(self, dimension: str, key: Hashable) -> Cell:
        """Statements written by the people of one category (hidden with them)."""
        return self.cell(f"statements written by {dimension}", key)

    # --- Every statement's votes, now ------------------------------------------------------------------------

    def statement_votes(self, statement: int) -> dict[str, Cell]:
        """The current votes on ``statement`` by value, and ``"voters"`` (exact: headline counts)."""
        cells = {str(value): c for value, c in self.publication[votes_on(statement)].cells.items()}
        cells["voters"] = self.cell(VOTERS_BY_STATEMENT, statement)
        return cells

    def statement_share(self, statement: int, value: str) -> float | None:
        """The share of everyone who voted on ``statement`` now who voted ``value`` (None: nobody voted)."""
        return self.publication.share(
            CellRef(votes_on(statement), value), CellRef(VOTERS_BY_STATEMENT, statement)
        )

    def dimension_share(self, dimension: str, key: Hashable, statement: int, value: str) -> float | None:
        """The share of the people of one category who voted on ``statement`` and voted ``value``; None unless
        both counts are shown exactly."""
        return self.publication.share(
            CellRef(dimension_votes_on(dimension, statement), (key, value)),
            CellRef(by_statement(dimension), (key, statement)),
        )

    def dimension_voters(self, dimension: str, key: Hashable, statement: int) -> Cell:
        return self.cell(by_statement(dimension), (key, statement))

    # --- The analysis --------------------------------------------------------------------------------------

    @property
    def has_groups(self) -> bool:
        return bool(self.groups)

    def group_size(self, group: int) -> Cell:
        """People in opinion group ``group``."""
        return self.cell(GROUP, group)

    def grouped(self) -> Cell | None:
        """People placed in an opinion group: exact only when the people in none are shown exactly (it would
        otherwise give a hidden group away by subtraction); None when the analysis did not record them."""
        if not self.groups or NOT_IN_GROUP not in self.publication[GROUP].cells:
            return None
        everyone = self.cell(ANALYSED, None)
        outside = self.cell(GROUP, NOT_IN_GROUP)
        if everyone.count is None or outside.count is None:
            return Cell("people in groups", None, withheld=True, limit=self.threshold)
        return Cell("people in groups", everyone.count - outside.count, limit=self.threshold)

    def group_tally(self, group: int, statement: int) -> GroupTally:
        """How ``group`` voted on ``statement`` (a statement the analysis did not count reads as nobody)."""
        if statement not in self.columns or group not in self.groups:
            zero = Cell(str(group), 0, limit=self.threshold)
            return GroupTally(group, zero, zero, zero, zero, None, None)
        voters = CellRef(GROUP_BY_STATEMENT, (group, statement))
        name = group_votes_on(statement)
        share = self.publication.share
        return GroupTally(
            group=group,
            voters=self.publication.cell(voters),
            agree=self.cell(name, (group, "agree")),
            disagree=self.cell(name, (group, "disagree")),
            passes=self.cell(name, (group, "pass")),
            agree_share=share(CellRef(name, (group, "agree")), voters),
            disagree_share=share(CellRef(name, (group, "disagree")), voters),
        )

    def _member_ref(self, dimension: str, group: Hashable, key: Hashable) -> CellRef:
        # Sector and place are keyed (category, group); communities (group, category): _register_makeup.
        pair = (key, group) if self.dimensions[dimension].partition else (group, key)
        return CellRef(group_by(dimension), pair)

    def group_member_cell(self, dimension: str, group: Hashable, key: Hashable) -> Cell:
        """People of category ``key`` of ``dimension`` in opinion group ``group`` (``NOT_IN_GROUP``: in none)."""
        return self.publication.cell(self._member_ref(dimension, group, key))

    def group_member_share(self, dimension: str, group: int, key: Hashable) -> float | None:
        """The share of opinion group ``group`` who are of category ``key``; None unless both are exact."""
        return self.publication.share(self._member_ref(dimension, group, key), CellRef(GROUP, group))

    def analysed_cell(self, dimension: str, key: Hashable) -> Cell:
        """Everyone the analysis counted who is of category ``key`` of ``dimension``."""
        return self.cell(analysed_by(dimension), key)

    def analysed_share(self, dimension: str, key: Hashable) -> float | None:
        """The share of everyone the analysis counted who are of category ``key``; None unless exact."""
        return self.publication.share(CellRef(analysed_by(dimension), key), CellRef(ANALYSED, None))

    def analysed_total(self) -> int | None:
        """Everyone the analysis counted (a headline count), or None when it did not record them."""
        return self.cell(ANALYSED, None).count if self.makeup else None

    def analysis_votes(self, statement: int) -> dict[str, Cell] | None:
        """Everyone's votes on ``statement`` as the analysis counted them, and ``"voters"``; None when the
        analysis did not record them (or did not count the statement)."""
        if not self.has_analysis_totals or statement not in self.columns:
            return None
        cells = {str(value): c for value, c in self.publication[analysis_votes_on(statement)].cells.items()}
        cells["voters"] = self.cell(ANALYSIS_VOTERS, statement)
        return cells

    def analysis_share(self, statement: int, value: str) -> float | None:
        """The share of the analysis' voters on ``statement`` who voted ``value`` (None: not recorded)."""
        if not self.has_analysis_totals or statement not in self.columns:
            return None
        return self.publication.share(
            CellRef(analysis_votes_on(statement), value), CellRef(ANALYSIS_VOTERS, statement)
        )


def _labelled(cell: Cell, label: str) -> Cell:
    return dataclasses.replace(cell, label=label)


# --- Reading the counts ---------------------------------------------------------------------------------------


def _counts(rows: Iterable[tuple[Any, int]]) -> dict[Any, int]:
    out: dict[Any, int] = defaultdict(int)
    for key, n in rows:
        out[key] += int(n)
    return dict(out)


def _dimensions(conversation: Conversation) -> dict[str, Dimension]:
    """The declared attributes the conversation's tables break people down by, with their categories. Sector
    is always there (the statements CSV has a column for each sector); place and community when asked."""
    sectors: dict[Hashable, str] = {code: str(label) for code, label in Sector.choices}
    sectors[NOT_SAID] = "Not said"
    dims = {"sector": Dimension("sector", "By sector", "Sector", conversation.ask_sector, sectors, True)}
    if conversation.ask_place:
        places: dict[Hashable, str] = {
            p.pk: p.name for p in Place.objects.filter(system_id=conversation.system_id)
        }
        places[NOT_SAID] = "Not said"
        dims["place"] = Dimension("place", "By place", "Place", True, places, True)
    if conversation.ask_community:
        communities: dict[Hashable, str] = {
            c.pk: c.name for c in Community.objects.filter(system_id=conversation.system_id)
        }
        dims["community"] = Dimension("community", "By community", "Community", True, communities, False)
    return dims


def _by_dimension(rows: dict[Any, int], dimension: Dimension) -> dict[Hashable, int]:
    """Counts keyed as the dimension is (a blank sector or no place is "not said"), every category present."""
    found: dict[Hashable, int] = defaultdict(int)
    for raw, n in rows.items():
        key: Hashable = NOT_SAID if raw in ("", None) else raw
        found[key] += n
    return {key: found.get(key, 0) for key in dimension.labels}


def _pairs(qs: Any, a: str, b: str) -> dict[tuple[Any, Any], int]:
    """``qs`` counted by two fields at once (one query for two breakdowns)."""
    return _counts(((x, y), n) for x, y, n in qs.values(a, b).annotate(n=Count("id")).values_list(a, b, "n"))


def _margin(pairs: dict[tuple[Any, Any], int], side: int) -> dict[Any, int]:
    return _counts((key[side], n) for key, n in pairs.items())


def _by_field(qs: Any, field_name: str, dim: Dimension, count: str = "id") -> dict[Hashable, int]:
    """``qs`` counted by one field (``count``: what to count, distinct), keyed as ``dim`` is."""
    counted = qs.values(field_name).annotate(n=Count(count, distinct=count != "id"))
    return _by_dimension(_counts(counted.values_list(field_name, "n")), dim)


def _vote_counts(votes: Any, by_place: bool) -> dict[tuple[int, Hashable, Hashable, str], int]:
    """(statement id, sector key, place key, value) -> votes, in one query (place NOT_SAID unless ``by_place``):
    every table of votes adds up from the same read."""
    fields = ["statement_id", "participant__sector", "value"] + (["participant__place"] if by_place else [])
    out: dict[tuple[int, Hashable, Hashable, str], int] = defaultdict(int)
    for row in votes.values(*fields).annotate(n=Count("id")).values_list(*fields, "n"):
        sid, sector, value = row[0], row[1], row[2]
        place = row[3] if by_place else None
        out[(sid, sector or NOT_SAID, place or NOT_SAID, _VALUE_OF[int(value)])] += int(row[-1])
    return dict(out)


def _read_facts(conversation: Conversation, dims: dict[str, Dimension]) -> _Facts:
    """The live counts, in a few aggregate queries (several breakdowns from one query where they can).

    The votes are read first and the people after them, so that everyone whose vote was read is counted among
    the people too (a person joins before voting); :func:`conversation_publication` reads again the rare time an
    erasure or a changed answer falls between the two."""
    votes = Vote.objects.filter(conversation=conversation).order_by()
    written = Statement.objects.filter(conversation=conversation, author__isnull=False).order_by()
    counted = _vote_counts(votes, "place" in dims)
    voters = votes.values("participant_id").distinct().count()
    vote_events = VoteEvent.objects.filter(conversation=conversation).count()
    statements = tuple(
        Statement.objects.filter(conversation=conversation).order_by("pk").values_list("pk", flat=True)
    )
    people = Participant.objects.filter(participations__conversation=conversation).order_by()
    sector_place = _pairs(people, "sector", "place")
    written_pairs = _pairs(written, "author__sector", "author__place")
    by_value = dict.fromkeys(VALUES, 0)
    sector_votes: dict[tuple[int, Hashable, str], int] = defaultdict(int)
    by_sector: dict[Any, int] = defaultdict(int)
    by_place: dict[Any, int] = defaultdict(int)
    for (sid, sector, place, value), n in counted.items():
        by_value[value] += n
        sector_votes[(sid, sector, value)] += n
        by_sector[sector] += n
        by_place[place] += n
    facts = _Facts(
        participants=sum(sector_place.values()),  # one participation, so one row, per person
        voters=voters,
        votes=sum(by_value.values()),
        vote_events=vote_events,
        by_value=by_value,
        written=sum(written_pairs.values()),
        people={"sector": _by_dimension(_margin(sector_place, 0), dims["sector"])},
        votes_by={"sector": _by_dimension(by_sector, dims["sector"])},
        written_by={"sector": _by_dimension(_margin(written_pairs, 0), dims["sector"])},
        statements=statements,
        sector_votes=dict(sector_votes),
    )
    if "place" in dims:
        place = dims["place"]
        facts.people["place"] = _by_dimension(_margin(sector_place, 1), place)
        facts.votes_by["place"] = _by_dimension(by_place, place)
        facts.written_by["place"] = _by_dimension(_margin(written_pairs, 1), place)
    if "community" in dims:
        _read_communities(facts, conversation, dims["community"], votes, written)
    return facts


def _read_communities(
    facts: _Facts, conversation: Conversation, community: Dimension, votes: Any, written: Any
) -> None:
    members = Participant.communities.through.objects.filter(
        participant__participations__conversation=conversation
    ).order_by()
    facts.people["community"] = _by_field(members, "community", community, count="participant")
    # People with no community are left out (they would otherwise count as a category of None).
    facts.votes_by["community"] = _by_field(
        votes.filter(participant__communities__isnull=False), "participant__communities", community
    )
    facts.written_by["community"] = _by_field(
        written.filter(author__communities__isnull=False), "author__communities", community
    )


# --- Registering the tables -----------------------------------------------------------------------------------


def _register_people(d: Disclosure, facts: _Facts, dims: dict[str, Dimension]) -> CellRef:
    """Headline counts, people by sector, place and community, and what each category did."""
    everyone = d.total(PARTICIPANTS, facts.participants)
    d.total(VOTERS, facts.voters, within=everyone)
    votes = d.total(VOTES, facts.votes)
    d.total(VOTE_EVENTS, facts.vote_events)
    d.table(VOTES_BY_VALUE, facts.by_value, total=votes, people=False)
    written = d.total(WRITTEN, facts.written)
    for key, dim in dims.items():
        people = d.table(key, facts.people[key], total=everyone if dim.partition else None)
        # What a category's people did is hidden with them (a small sector's votes would count its people).
        d.table(
            f"votes by {key}",
            facts.votes_by[key],
            total=votes if dim.partition else None,
            people=False,
            describes=people,
        )
        d.table(
            f"statements written by {key}",
            facts.written_by[key],
            total=written if dim.partition else None,
            people=False,
            describes=people,
        )
    return everyone


def _register_statements(d: Disclosure, facts: _Facts, dims: dict[str, Dimension]) -> None:
    """Every statement's votes now (the statements CSV), and its voters and their votes by sector: a two-way
    table whose rows add up to the votes each sector cast, so the report's votes by sector are covered too."""
    if not facts.statements:
        return
    sectors = list(dims["sector"].labels)
    sv = facts.sector_votes
    voters = {s: sum(sv.get((s, k, v), 0) for k in sectors for v in VALUES) for s in facts.statements}
    per_statement = d.table(VOTERS_BY_STATEMENT, voters, total=CellRef(VOTES, None), people=False)
    table = by_statement("sector")
    d.cross(
        table,
        {(k, s): sum(sv.get((s, k, v), 0) for v in VALUES) for k in sectors for s in facts.statements},
        rows=TableRef("votes by sector", tuple(sectors)),
        cols=per_statement,
        within=TableRef("sector", tuple(sectors)),
    )
    for s in facts.statements:
        values = d.table(
            votes_on(s),
            {v: sum(sv.get((s, k, v), 0) for k in sectors) for v in VALUES},
            total=per_statement[s],
            people=False,
        )
        d.cross(
            dimension_votes_on("sector", s),
            {(k, v): sv.get((s, k, v), 0) for k in sectors for v in VALUES},
            rows={k: CellRef(table, (k, s)) for k in sectors},
            cols=values,
            people=False,
        )


@dataclass(frozen=True)
class _Analysis:
    """What the analysis tables count, from the snapshot's typed result."""

    groups: tuple[int, ...]
    sizes: dict[int, int]
    analysed: int | None  # people the analysis counted (None: it did not record them)
    columns: tuple[int, ...]
    tally: dict[tuple[Hashable, int, str], int]  # (group, statement id, value) -> votes
    totals: dict[tuple[int, str], int] | None  # (statement id, value) -> everyone's votes; None: not recorded


def _read_analysis(stored: StoredResult) -> _Analysis:
    groups = tuple(range(stored.k))
    sizes = {g: stored.group_size(g) for g in groups}
    grouped = sum(sizes.values())
    # Snapshots made by hand, or before it was stored, may not say who they counted: no total then.
    analysed = len(stored.participant_ids) if len(stored.participant_ids) >= grouped else None
    columns = stored.statement_ids
    tally: dict[tuple[Hashable, int, str], int] = {}
    for g in groups:
        for j, sid in enumerate(columns):
            seen, agree, disagree = stored.group_tally(g, j)
            tally[(g, sid, "agree")], tally[(g, sid, "disagree")] = agree, disagree
            tally[(g, sid, "pass")] = seen - agree - disagree
    return _Analysis(groups, sizes, analysed, columns, tally, _analysis_totals(stored, tally, analysed))


def _analysis_totals(
    stored: StoredResult, tally: dict[tuple[Hashable, int, str], int], analysed: int | None
) -> dict[tuple[int, str], int] | None:
    """Everyone's votes on each statement as the analysis counted them, from its share intervals; None when
    they are not recorded or do not cover the groups' own (an older or hand-made snapshot)."""
    found = stored.intervals
    agree = found.agree if found is not None else None
    disagree = found.disagree if found is not None else None
    n = len(stored.statement_ids)
    if (
        analysed is None
        or agree is None
        or disagree is None
        or len(agree.total) != n
        or len(disagree.count) != n
    ):
        return None
    totals: dict[tuple[int, str], int] = {}
    for j, sid in enumerate(stored.statement_ids):
        seen, yes, no = agree.total[j], agree.count[j], disagree.count[j]
        if seen is None or yes is None or no is None:
            return None
        totals[(sid, "agree")], totals[(sid, "disagree")] = int(yes), int(no)
        totals[(sid, "pass")] = int(seen) - int(yes) - int(no)
        for value in VALUES:
            if totals[(sid, value)] < sum(tally.get((g, sid, value), 0) for g in range(stored.k)):
                return None
    return totals


def _register_analysis(d: Disclosure, a: _Analysis, everyone: CellRef, participants: int) -> bool:
    """People by opinion group (and in none), each group's voters and votes on each statement beside everyone's.
    Returns whether everyone's votes were recorded (the "not in a group" row and the column totals)."""
    counts: dict[Hashable, int] = dict(a.sizes.items())
    total: CellRef | None = None
    if a.analysed is not None:
        counts[NOT_IN_GROUP] = a.analysed - sum(a.sizes.values())
        within = everyone if a.analysed <= participants else None
        total = d.total(ANALYSED, a.analysed, within=within)
    group = d.table(GROUP, counts, total=total)
    rows: list[Hashable] = list(counts)
    tally = dict(a.tally)
    if a.totals is not None:
        for sid in a.columns:
            for v in VALUES:
                tally[(NOT_IN_GROUP, sid, v)] = a.totals[(sid, v)] - sum(
                    a.tally[(g, sid, v)] for g in a.groups
                )
    elif NOT_IN_GROUP in rows:
        rows.remove(NOT_IN_GROUP)  # its votes are not recorded: the group table keeps its size only
    seen = {(r, s): sum(tally[(r, s, v)] for v in VALUES) for r in rows for s in a.columns}
    cols = None
    if a.totals is not None:
        all_votes = d.total(ANALYSIS_VOTES, sum(a.totals.values()))
        cols = d.table(
            ANALYSIS_VOTERS,
            {s: sum(a.totals[(s, v)] for v in VALUES) for s in a.columns},
            total=all_votes,
            people=False,
        )
    by_group = d.table(
        GROUP_VOTES,
        {r: sum(seen[(r, s)] for s in a.columns) for r in rows},
        total=CellRef(ANALYSIS_VOTES, None) if cols is not None else None,
        people=False,
        describes=TableRef(GROUP, tuple(rows)),
    )
    d.cross(GROUP_BY_STATEMENT, seen, rows=by_group, cols=cols, within=group)
    for s in a.columns:
        values = None
        if cols is not None and a.totals is not None:
            values = d.table(
                analysis_votes_on(s), {v: a.totals[(s, v)] for v in VALUES}, total=cols[s], people=False
            )
        d.cross(
            group_votes_on(s),
            {(r, v): tally[(r, s, v)] for r in rows for v in VALUES},
            rows={r: CellRef(GROUP_BY_STATEMENT, (r, s)) for r in rows},
            cols=values,
            people=False,
        )
    return cols is not None


@dataclass(frozen=True)
class _Makeup:
    """Who the analysis counted, by opinion group and by each declared attribute (as it is now)."""

    rows: tuple[Hashable, ...]  # the opinion group table's keys: the groups, then NOT_IN_GROUP
    cells: dict[str, dict[tuple[Hashable, Hashable], int]]  # dimension -> (group row, category) -> people


def _read_makeup(
    conversation: Conversation, stored: StoredResult, a: _Analysis, facts: _Facts, dims: dict[str, Dimension]
) -> _Makeup | None:
    """People by opinion group and sector, place and community, read now; None when the snapshot counts someone
    who has since left (erased): its groups then no longer add up from the people here, until the next update.
    A dimension whose counts would not fit the live tables (an answer changed between the reads) is left out."""
    row_of = {
        int(pid): (int(g) if g >= 0 else NOT_IN_GROUP)
        for pid, g in zip(stored.participant_ids, stored.group_labels, strict=False)
    }
    if len(row_of) != a.analysed:
        return None
    people = Participant.objects.filter(participations__conversation=conversation).order_by()
    attrs = {
        pk: (sector, place)
        for pk, sector, place in people.values_list("pk", "sector", "place_id")
        if pk in row_of
    }
    if len(attrs) != len(row_of):
        return None
    rows: tuple[Hashable, ...] = (*a.groups, NOT_IN_GROUP)
    cells: dict[str, dict[tuple[Hashable, Hashable], int]] = {}
    for i, key in enumerate(("sector", "place")):
        if key not in dims:
            continue
        counted: dict[tuple[Hashable, Hashable], int] = defaultdict(int)
        for pk, row in row_of.items():
            counted[(row, attrs[pk][i] or NOT_SAID)] += 1
        cells[key] = dict(counted)
    if "community" in dims:
        links = Participant.communities.through.objects.filter(
            participant__participations__conversation=conversation
        )
        counted = defaultdict(int)  # (group row, community) -> people
        for pk, community in links.order_by().values_list("participant_id", "community_id"):
            if pk in row_of:
                counted[(row_of[pk], community)] += 1
        cells["community"] = dict(counted)
    sizes: dict[Hashable, int] = {g: a.sizes[g] for g in a.groups}
    sizes[NOT_IN_GROUP] = (a.analysed or 0) - sum(a.sizes.values())
    fitting = {
        key: found for key, found in cells.items() if _fits(found, rows, sizes, dims[key], facts.people[key])
    }
    return _Makeup(rows, fitting)


def _fits(
    counted: dict[tuple[Hashable, Hashable], int],
    rows: tuple[Hashable, ...],
    sizes: dict[Hashable, int],
    dim: Dimension,
    live: dict[Hashable, int],
) -> bool:
    """Whether people by group and category agree with the live table (each category within its people who
    joined) and, for a partition, with the groups' sizes: the layer refuses counts that do not add up."""
    labels = dim.labels
    if not all(k in labels for _r, k in counted):
        return False
    if not all(sum(counted.get((r, k), 0) for r in rows) <= live.get(k, 0) for k in labels):
        return False
    return not dim.partition or all(sum(counted.get((r, k), 0) for k in labels) == sizes[r] for r in rows)


def _register_makeup(d: Disclosure, makeup: _Makeup, dims: dict[str, Dimension]) -> None:
    """Who is in each opinion group: a two-way table of people by group and category for each dimension.

    Sector and place cover everyone the analysis counted, so each group's row adds up to its size and each
    category's column to the people of it the analysis counted (within the people of it who joined). People may
    be in several communities or none, so there the rows add up to an unpublished count of memberships (hidden
    with the group) and each cell is within its group."""
    group = TableRef(GROUP, makeup.rows)
    for key, counted in makeup.cells.items():
        labels = tuple(dims[key].labels)
        margin = d.table(
            analysed_by(key),
            {k: sum(counted.get((r, k), 0) for r in makeup.rows) for k in labels},
            total=CellRef(ANALYSED, None) if dims[key].partition else None,
            within=TableRef(key, labels),
        )
        if dims[key].partition:
            # Categories as rows and groups as columns: when no rectangle protects a small cell, the layer hides
            # its row's total first, so it hides a category's count here rather than a group's size.
            by_key = {(k, r): n for (r, k), n in counted.items()}
            d.cross(group_by(key), by_key, rows=margin, cols=group)
            continue
        held = d.table(
            f"{key} memberships by opinion group",
            {r: sum(counted.get((r, k), 0) for k in labels) for r in makeup.rows},
            people=False,
            describes=group,
            published=False,
        )
        d.cross(group_by(key), counted, rows=held, cols=margin, within=group)


def _group_marks(stored: StoredResult, groups: tuple[int, ...]) -> dict[int, list[Mark]]:
    """Each group's marks of at least t people, merged from the engine's base clusters (never one person)."""
    xs, ys, sizes, of = [], [], [], []
    for i, xy in enumerate(stored.base_centres):
        g = stored.group_of_base[i] if i < len(stored.group_of_base) else -1
        n = stored.base_sizes[i] if i < len(stored.base_sizes) else 0
        if g not in groups or len(xy) < 2 or xy[0] is None or xy[1] is None or n <= 0:
            continue
        xs.append(float(xy[0]))
        ys.append(float(xy[1]))
        sizes.append(int(n))
        of.append(int(g))
    out: dict[int, list[Mark]] = {}
    for mark in cluster_marks(xs, ys, sizes, of):
        out.setdefault(mark.group, []).append(mark)
    return out


def _register_marks(d: Disclosure, marks: dict[int, list[Mark]], sizes: dict[int, int]) -> None:
    for g, found in marks.items():
        counts = {i: m.people for i, m in enumerate(found)}
        # A base cluster the engine could not place is not drawn: its marks then fall short of the group.
        whole = sum(counts.values()) == sizes.get(g)
        d.table(marks_of(g), counts, total=CellRef(GROUP, g) if whole else None)


def _published_marks(pub: Publication, marks: dict[int, list[Mark]]) -> list[MapMark]:
    """The marks to draw: a group shown exactly gets its marks of at least t people; any other group one mark
    at its centre, its size as the group's (several marks would say it holds at least 5 per mark)."""
    out: list[MapMark] = []
    for g, found in marks.items():
        size = pub.cell(CellRef(GROUP, g))
        if size.count is not None:
            out += [MapMark(m.x, m.y, g, pub.cell(CellRef(marks_of(g), i))) for i, m in enumerate(found)]
            continue
        n = sum(m.people for m in found)
        x = sum(m.x * m.people for m in found) / n
        y = sum(m.y * m.people for m in found) / n
        out.append(MapMark(x, y, g, dataclasses.replace(size, label=str(g))))
    return out


# --- Building it ----------------------------------------------------------------------------------------------


#: Reads of the live counts before giving up on counts that do not add up (see :func:`_live_tables`).
READS = 3


def _live_tables(
    conversation: Conversation, dims: dict[str, Dimension]
) -> tuple[Disclosure, _Facts, CellRef]:
    """The live tables, registered. The counts come from several queries while people vote: the layer refuses
    counts that do not add up (a vote counted whose voter had just been erased, say), and then they are read
    again; after :data:`READS` reads the layer's error is raised."""
    for attempt in range(READS):
        facts = _read_facts(conversation, dims)
        d = Disclosure()
        try:
            everyone = _register_people(d, facts, dims)
            _register_statements(d, facts, dims)
        except ValueError:
            if attempt == READS - 1:
                raise
            continue
        return d, facts, everyone
    raise AssertionError("unreachable")  # the last attempt returns or raises


def conversation_publication(
    conversation: Conversation, snapshot: AnalysisSnapshot | None = None
) -> ConversationNumbers:
    """Every number ``conversation`` publishes about its people, with the analysis of ``snapshot`` (None: the
    live tables only), published together through the disclosure layer.

    Kept on the snapshot object once built, so the pages of one request (the results and the map of "where you
    stand", the report and its results) read one publication.
    """
    cached = snapshot.__dict__.get("_publication") if snapshot is not None else None
    if isinstance(cached, ConversationNumbers) and cached.conversation_id == conversation.pk:
        return cached
    dims = _dimensions(conversation)
    d, facts, everyone = _live_tables(conversation, dims)
    stored = read_result(snapshot)
    analysis = _read_analysis(stored) if stored is not None and stored.k > 0 else None
    marks: dict[int, list[Mark]] = {}
    totals = False
    makeup: tuple[str, ...] = ()
    if analysis is not None and stored is not None:
        totals = _register_analysis(d, analysis, everyone, facts.participants)
        found = (
            _read_makeup(conversation, stored, analysis, facts, dims)
            if analysis.analysed is not None
            else None
        )
        if found is not None:
            _register_makeup(d, found, dims)
            makeup = tuple(found.cells)
        marks = _group_marks(stored, analysis.groups)
        _register_marks(d, marks, analysis.sizes)
    pub = d.publish()
    numbers = ConversationNumbers(
        publication=pub,
        conversation_id=conversation.pk,
        dimensions=dims,
        statements=facts.statements,
        snapshot_tick=snapshot.tick if snapshot is not None and stored is not None else None,
        groups=analysis.groups if analysis is not None else (),
        columns=analysis.columns if analysis is not None else (),
        has_analysis_totals=totals,
        marks=_published_marks(pub, marks),
        makeup=makeup,
        _headline={
            PARTICIPANTS: facts.participants,
            VOTERS: facts.voters,
            VOTES: facts.votes,
            VOTE_EVENTS: facts.vote_events,
            WRITTEN: facts.written,
        },
    )
    if snapshot is not None:
        snapshot.__dict__["_publication"] = numbers
    return numbers
