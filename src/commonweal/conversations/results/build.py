"""What a conversation's analysis found, in the words the pages use (a view-model over the latest snapshot).

:func:`build_results` reads the latest :class:`~commonweal.conversations.models.AnalysisSnapshot` (through
:mod:`commonweal.conversations.results.snapshot`, which types it) and turns it into plain words: "Group A (34
people)", "82% of Group A agree". The facilitator's results page, present mode, the participant's "where you
stand" page and the board report all read it, so the rules live here once:

- Statement texts, themes and moderation states come from the database, not the snapshot: a statement rejected
  or marked meta since the snapshot is not shown anywhere.
- Every count comes from the conversation's one publication
  (:func:`commonweal.conversations.disclosure.conversation_publication`): a group of fewer than 5 people shows
  "fewer than 5", a group hidden beside it "not shown", and a share of a group agreeing is given only when the
  layer shows both its counts. The opinion map draws marks of at least 5 people, never one person.
- Why a part is empty or single (one group, no common ground) is said from the engine's reasons
  (:mod:`commonweal.conversations.results.reasons`).
- Common ground on the theme "What is working" comes first (the bright side).
- Before the first snapshot, :attr:`Results.waiting` says what is needed instead of an empty page.

A handful of aggregate queries whatever the size of the conversation (none per statement or per person).
"""

from __future__ import annotations

import dataclasses
import string
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib.humanize.templatetags.humanize import apnumber
from django.db.models import Count, Max, Min
from django.db.models.functions import TruncDay, TruncHour
from django.utils import timezone
from django.utils.translation import gettext as _

from commonweal.conversations.disclosure import (
    ConversationNumbers,
    GroupTally,
    conversation_publication,
)
from commonweal.conversations.facilitate.dashboard import build_dashboard
from commonweal.conversations.jobs.compute import analysis_health
from commonweal.conversations.models import (
    AnalysisSnapshot,
    Conversation,
    Participation,
    Statement,
    Vote,
    VoteEvent,
)
from commonweal.conversations.queries import latest_snapshot
from commonweal.conversations.results.makeup import group_makeup, sector_table
from commonweal.conversations.results.names import conversation_names
from commonweal.conversations.results.reasons import why as reason_why
from commonweal.conversations.results.snapshot import CommonGround as StoredCommonGround
from commonweal.conversations.results.snapshot import (
    CommonGroundStatement,
    ShareIntervals,
    StoredResult,
    read_result,
)
from commonweal.conversations.results.snapshot import GroupStability as StoredStability
from commonweal.conversations.results.snapshot import NearMiss as StoredNearMiss
from commonweal.conversations.rights.queries import ErasureNote, erasure_note
from commonweal.core.small_numbers import SMALL, Cell, fewer_than, suppress_partition, threshold
from commonweal.systems.models import Organisation, Sector

WHAT_IS_WORKING = "What is working"
# Each person needs this many votes before the engine places them in an opinion group (Pol.is' in-conv rule).
VOTES_TO_BE_GROUPED = 7
REPRESENTATIVE_PER_GROUP = 5
GROUP_DIMENSION = "opinion group"


def group_name(index: int) -> str:
    """The name pages, reports and exports give opinion group ``index`` (0-based): "Group A", "Group B", ...

    Pol.is names groups by letter too, so people who know it read ours the same way.
    """
    if index < 0:
        raise ValueError(f"An opinion group's index is 0 or more, not {index}")
    letters = string.ascii_uppercase
    name = ""
    n = index
    while True:
        name = letters[n % 26] + name
        n = n // 26 - 1
        if n < 0:
            return f"Group {name}"


def statement_label(text: str, limit: int = 60) -> str:
    """A statement's text shortened for a chart axis or a tooltip: cut at a word, with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:.")
    return cut + "…"


def percent(share: float | None) -> str:
    """``0.823`` -> ``"82%"``; ``None`` -> ``""``."""
    if share is None:
        return ""
    return f"{round(share * 100)}%"


def people(n: int | None) -> str:
    """``34`` -> ``"34 people"``, ``1`` -> ``"1 person"``, ``None`` (suppressed) -> ``"fewer than 5 people"``."""
    if n is None:
        return fewer_than("people")
    return f"{n:,} person" if n == 1 else f"{n:,} people"


def people_words(cell: Cell) -> str:
    """A published count of people in words: "34 people", "fewer than 5 people", "about 80 people", or "number
    not shown" for a count hidden so that a small one beside it cannot be worked out."""
    if cell.count is not None:
        return people(cell.count)
    if cell.status == SMALL:
        return people(None)
    if cell.rounded:
        return _("%(about)s people") % {"about": cell.display}
    return _("number not shown")


# --- The view-model ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatementInfo:
    """A statement as shown: its id, text, theme."""

    id: int
    text: str
    theme: str

    @property
    def label(self) -> str:
        return statement_label(self.text)


@dataclass(frozen=True)
class GroupShare:
    """How one opinion group voted on one statement, as published (:class:`GroupTally`)."""

    group: int
    name: str
    voters: Cell
    agree_share: float | None  # None unless the layer shows both the agrees and the voters exactly
    disagree_share: float | None

    @property
    def judged(self) -> bool:
        """Enough of the group voted on it, and it is shown, to give a share."""
        return self.agree_share is not None and self.disagree_share is not None

    @property
    def voted(self) -> int | None:
        return self.voters.count

    @property
    def words(self) -> str:
        """For example "82% of Group A agree, 10% disagree", or why there is no share."""
        if self.judged:
            return (
                f"{percent(self.agree_share)} of {self.name} agree, {percent(self.disagree_share)} disagree"
            )
        return no_share_words(self.name, self.voters)


def no_share_words(name: str, voters: Cell) -> str:
    """Why a group's share is not given: few of it voted, nobody did, or the layer does not show it."""
    if voters.status == SMALL:
        return f"Fewer than {threshold()} people in {name} voted on it"
    if voters.count == 0:
        return _("Nobody in %(group)s voted on it") % {"group": name}
    return _("How %(group)s voted on it is not shown") % {"group": name}


@dataclass(frozen=True)
class RepresentativeStatement:
    """A statement that sets a group apart: it agrees (or disagrees) with it more than the others do."""

    statement: StatementInfo
    direction: str  # "agree" or "disagree"
    share: float | None  # of the group voting this way, among those in it who voted on the statement
    voted: int | None  # None when not shown exactly
    words: str  # "82% of Group A agree"


@dataclass(frozen=True)
class Group:
    """An opinion group: people who voted alike."""

    index: int
    name: str  # "Group A", or the name a facilitator gave it
    size: Cell  # as published: "fewer than 5", "not shown" or exact
    representative: list[RepresentativeStatement] = field(default_factory=list)
    stability: float | None = None
    stability_words: str = ""
    letter: str = ""  # "Group A" always (the map's legend and the exports' columns keep it beside a name)
    who: str = ""  # who is in it, in a sentence: "More people from Eastmarsh than among everyone."
    #: Pol.is' subgroups within it (Pol.is mode, when it finds two or more): their number, and their sizes as
    #: published (suppressed as a breakdown of the group; none when the group's own size is not shown exactly).
    n_subgroups: int = 0
    subgroup_sizes: tuple[Cell, ...] = ()

    @property
    def subgroup_words(self) -> str:
        """ "Within it, Pol.is' second level of clusters finds 2 subgroups: 23 and 11 people." """
        if self.n_subgroups < 2:
            return ""
        words = f"Within it, Pol.is' second level of clusters finds {self.n_subgroups} subgroups"
        if self.subgroup_sizes:
            sizes = [people_words(c) for c in self.subgroup_sizes]
            words += ": " + ", ".join(sizes[:-1]) + " and " + sizes[-1]
        return words + "."

    @property
    def size_words(self) -> str:
        return people_words(self.size)

    @property
    def named(self) -> bool:
        return bool(self.letter) and self.name != self.letter

    @property
    def title(self) -> str:
        """For example "Group A (34 people)", or "Prevention first (Group A, 34 people)" when named."""
        if self.named:
            return f"{self.name} ({self.letter}, {self.size_words})"
        return f"{self.name} ({self.size_words})"


@dataclass(frozen=True)
class CommonGround:
    """A statement that holds in every opinion group and every declared sector that could be judged."""

    statement: StatementInfo
    agree_share: float | None  # of everyone who voted on it (passes included)
    voted: int
    rank_score: float  # group-informed consensus
    groups: list[GroupShare]
    judged: dict[
        str, int
    ]  # dimension ("opinion groups", "sectors") -> how many of its categories were judged
    too_small: dict[str, list[str]]  # dimension -> names with too few voters on this statement

    @property
    def judged_words(self) -> str:
        """For example "Holds in 3 opinion groups and 4 sectors"."""
        parts = [f"{n} {dim if n != 1 else _singular(dim)}" for dim, n in self.judged.items() if n]
        return f"Holds in {_and(parts)}" if parts else ""

    @property
    def words(self) -> str:
        """For example "82% of the 120 people who voted on it agree"."""
        return f"{percent(self.agree_share)} of the {people(self.voted)} who voted on it agree"

    @property
    def is_what_is_working(self) -> bool:
        return self.statement.theme == WHAT_IS_WORKING


@dataclass(frozen=True)
class NearMiss:
    """A statement many agree with that is not common ground, and why: where a majority did not agree."""

    statement: StatementInfo
    agree_share: float | None  # of everyone who voted on it (passes included)
    voted: int
    held_back_by: list[
        str
    ]  # opinion groups, sectors, ... where a majority did not agree (with room for chance)
    finer: bool  # a smaller set of people who voted alike rejects it

    @property
    def words(self) -> str:
        """For example "82% of the 120 people who voted on it agree"."""
        return f"{percent(self.agree_share)} of the {people(self.voted)} who voted on it agree"

    @property
    def why(self) -> str:
        """For example "Not common ground: agreement in Group B and Acute trust (sector) is not clearly a
        majority"."""
        reasons = []
        if self.held_back_by:
            # The rule needs a majority with room for chance: a few voters who mostly agree may still fall short.
            reasons.append(f"agreement in {_and(self.held_back_by)} is not clearly a majority")
        if self.finer:
            reasons.append(
                "it holds in every group and sector, but a smaller set of people who voted alike, inside "
                "the opinion groups, disagrees with it"
            )
        return "Not common ground: " + "; and ".join(reasons) + "."


@dataclass(frozen=True)
class Divisive:
    """A statement some groups agree with and others disagree with."""

    statement: StatementInfo
    spread: float
    agree_groups: list[str]
    disagree_groups: list[str]
    groups: list[GroupShare]

    @property
    def words(self) -> str:
        """For example "Group A agrees; Group B and Group C disagree"."""

        def verb(names: list[str], word: str) -> str:
            return f"{_and(names)} {word}s" if len(names) == 1 else f"{_and(names)} {word}"

        return f"{verb(self.agree_groups, 'agree')}; {verb(self.disagree_groups, 'disagree')}"


@dataclass(frozen=True)
class Bridging:
    """A statement's bridging score beside its plain approval."""

    statement: StatementInfo
    approval: float  # share agreeing (passes count as half in the model, not here)
    score: float  # the model's statement intercept: agreement the main divide does not explain
    voters: int


@dataclass(frozen=True)
class Stability:
    """How firmly people sit in their groups, in words."""

    overall: float | None
    words: str
    per_group: list[tuple[str, float, str]]  # (group name, value, words)


@dataclass(frozen=True)
class ParticipationPoint:
    """Cumulative people who joined and votes cast up to the end of one hour or day."""

    at: datetime
    people: int
    votes: int


@dataclass(frozen=True)
class ParticipationSummary:
    over_time: list[ParticipationPoint]
    interval: str  # "hour" or "day"
    breakdowns: list[Any]  # dashboard.Breakdown: by sector, place and community, suppressed
    breakdowns_withheld: bool


@dataclass(frozen=True)
class Health:
    """How the analysis is going: the snapshot shown and whether it is behind or failing."""

    tick: int | None
    computed_at: datetime | None
    pending: bool  # votes or moderation newer than the snapshot
    failing: bool  # the last attempt failed
    error: str
    error_at: datetime | None

    @property
    def stale(self) -> bool:
        return self.failing


@dataclass(frozen=True)
class MapPoint:
    """A mark of the opinion map: at least 5 people of one group who voted alike, or a whole group that is not
    shown exactly (one mark at its centre). Never one person."""

    x: float
    y: float
    people: Cell
    group: int  # -1 when not in a group
    group_name: str

    @property
    def label(self) -> str:
        """ "12 people", "fewer than 5 people" or "number not shown"."""
        return people_words(self.people)

    @property
    def size(self) -> int:
        """How many people the mark is drawn for: a mark whose count is not shown is drawn as 5."""
        return self.people.count if self.people.count is not None else threshold()


@dataclass(frozen=True)
class GroupCentre:
    x: float
    y: float
    group: int
    name: str


@dataclass
class OpinionMap:
    """The opinion map's data: marks of at least 5 people (never one person) and group centres.

    ``participant_ids``, ``projections`` and ``group_labels`` are per person, for the server to find where one
    participant sits ("you are here"); they are never drawn or sent.
    """

    points: list[MapPoint]
    centres: list[GroupCentre]
    participant_ids: list[int]
    projections: list[Sequence[float | None]]
    group_labels: list[int]
    _index: dict[int, int] | None = field(default=None, repr=False)

    def _row(self, participant_id: int) -> int | None:
        if self._index is None:
            self._index = {int(pid): i for i, pid in enumerate(self.participant_ids)}
        return self._index.get(int(participant_id))

    def position(self, participant_id: int) -> tuple[float, float] | None:
        """Where participant ``participant_id`` (Participant.pk) sits on the map, or None when not placed."""
        row = self._row(participant_id)
        if row is None or row >= len(self.projections):
            return None
        xy = self.projections[row]
        if not xy or xy[0] is None or xy[1] is None:
            return None
        return float(xy[0]), float(xy[1])

    def group_of(self, participant_id: int) -> int | None:
        """The opinion group (index) of participant ``participant_id``, or None when not grouped."""
        row = self._row(participant_id)
        if row is None or row >= len(self.group_labels):
            return None
        g = int(self.group_labels[row])
        return g if g >= 0 else None

    @property
    def empty(self) -> bool:
        return not self.points


@dataclass
class Results:
    """Everything the results pages show, in plain words. Fields are added, never renamed."""

    conversation: Conversation
    theme: str | None
    themes: list[str]
    health: Health
    participants: int  # people who joined
    voters: int
    votes: int
    snapshot_tick: int | None = None
    computed_at: datetime | None = None
    waiting: str = ""  # why there are no results yet, and what is needed; "" when there are
    groups_waiting: str = ""  # why there are no opinion groups yet
    grouped: Cell | None = None  # people placed in opinion groups (exact only when that hides no group)
    #: Why an output of the analysis is missing, empty or single, by output name (the engine's stable codes).
    reasons: dict[str, str] = field(default_factory=dict)
    groups: list[Group] = field(default_factory=list)
    common_ground: list[CommonGround] = field(default_factory=list)
    #: The statements nearest to common ground that are not, and why.
    near_misses: list[NearMiss] = field(default_factory=list)
    judged_dimensions: list[str] = field(default_factory=list)  # "opinion groups", "sectors"
    too_small_to_judge: dict[str, list[str]] = field(default_factory=dict)  # dimension -> names never judged
    inactive_dimensions: list[str] = field(default_factory=list)  # dimensions too few people declared
    divisive: list[Divisive] = field(default_factory=list)
    bridging: list[Bridging] = field(default_factory=list)
    stability: Stability | None = None
    participation: ParticipationSummary | None = None
    opinion_map: OpinionMap | None = None
    #: The conversation's one publication, which every count above comes from (for the pages built beside it).
    numbers: ConversationNumbers | None = None
    #: What to say about the latest erasure of participant data (conversations.rights.queries.ErasureNote).
    erasure: ErasureNote | None = None
    #: Which method found the opinion groups ("polis" or "commonweal"), and that in words (with whether the
    #: groups overlap on the two-dimensional map).
    grouping: str = "polis"
    grouping_words: str = ""
    #: Facilitators' names of the groups of this snapshot (group index -> name), and names that no group holds
    #: most of the people of any more (``results.names``; shown only on the results page, with a notice).
    group_names: dict[int, str] = field(default_factory=dict)
    lost_names: list[Any] = field(default_factory=list)
    #: Who is in each group, by sector, place and community (``results.makeup``).
    makeup: list[Any] = field(default_factory=list)
    #: How each sector voted on each statement shown (``results.makeup.sector_table``).
    sector_table: Any = None

    def group_label(self, group: int) -> str:
        """What pages call group ``group``: its facilitator's name, else "Group A"."""
        return self.group_names.get(group) or group_name(group)

    @property
    def ready(self) -> bool:
        return self.snapshot_tick is not None and not self.waiting

    def why(self, output: str) -> str:
        """Why the analysis' ``output`` is missing, empty or single, in words ("" when it is complete)."""
        return reason_why(self.reasons, output)

    @property
    def groups_reason(self) -> str:
        return self.why("groups")

    @property
    def common_ground_reason(self) -> str:
        return self.why("common_ground")

    @property
    def divisive_reason(self) -> str:
        return self.why("divisive")

    @property
    def stability_reason(self) -> str:
        return self.why("group_stability")

    @property
    def map_reason(self) -> str:
        return self.why("pca")

    @property
    def top_common_ground(self) -> list[CommonGround]:
        return self.common_ground[:5]

    @property
    def too_small_words(self) -> str:
        """For example "Too few people in Group C and the Ambulance sector voted to judge them." or ""."""
        names: list[str] = []
        for dimension, items in self.too_small_to_judge.items():
            if not items:
                continue
            if dimension == GROUP_DIMENSION:
                names.extend(items)
            else:
                names.extend(f"{item} ({_dimension_singular(dimension)})" for item in items)
        if not names:
            return ""
        return f"Too few people in {_and(names)} voted to judge them."


# --- Building it ---------------------------------------------------------------------------------------------


def _and(names: list[str]) -> str:
    if not names:
        return "no group"
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


_DIMENSION_NAMES = {
    GROUP_DIMENSION: "opinion groups",
    "sector": "sectors",
    "organisation": "organisations",
    "place": "places",
    "community": "communities",
}


def _dimension_plural(dimension: str) -> str:
    return _DIMENSION_NAMES.get(dimension, dimension)


def _singular(plural: str) -> str:
    return {"communities": "community"}.get(plural, plural[:-1] if plural.endswith("s") else plural)


def _dimension_singular(dimension: str) -> str:
    return {"opinion group": "opinion group", "community": "community"}.get(dimension, dimension)


@dataclass(frozen=True)
class LiveMarker:
    """What a live page shows, in brief: it asks for new results only when this changed (a few index lookups,
    without reading the snapshot)."""

    tick: int
    failing: bool
    participants: int
    votes: int


def live_marker(conversation: Conversation, *, counts: bool = False) -> LiveMarker:
    """The latest tick and whether the analysis is failing; with ``counts``, people who joined and votes too."""
    health = _health(conversation)
    participants = votes = 0
    if counts:
        participants = Participation.objects.filter(conversation=conversation).count()
        votes = Vote.objects.filter(conversation=conversation).count()
    return LiveMarker(health.tick or 0, health.failing, participants, votes)


def _health(conversation: Conversation) -> Health:
    h = analysis_health(conversation)
    return Health(
        tick=h.tick,
        computed_at=h.computed_at,
        pending=bool(h.pending),
        failing=bool(h.failing),
        error=str(h.error or ""),
        error_at=h.error_at,
    )


def _category_names(dimension: str, values: list[Any], names: dict[int, str] | None = None) -> list[str]:
    """Names of the categories of a dimension as the engine reports them (group index, sector code, ...)."""
    if dimension == GROUP_DIMENSION:
        return [(names or {}).get(int(v)) or group_name(int(v)) for v in values]
    if dimension == "sector":
        labels = dict(Sector.choices)
        return [str(labels.get(str(v), v)) for v in values]
    if dimension == "organisation":
        ids = [int(v) for v in values if str(v).isdigit()]
        names = dict(Organisation.objects.filter(pk__in=ids).values_list("pk", "name")) if ids else {}
        return [str(names.get(int(v), v)) if str(v).isdigit() else str(v) for v in values]
    return [str(v) for v in values]


def _participation(conversation: Conversation, dashboard: Any) -> ParticipationSummary:
    events = VoteEvent.objects.filter(conversation=conversation).order_by()
    joins = Participation.objects.filter(conversation=conversation).order_by()
    span = events.aggregate(first=Min("at"), last=Max("at"))
    first, last = span["first"], span["last"]
    joined_first = joins.aggregate(first=Min("joined_at"))["first"]
    if joined_first is not None and (first is None or joined_first < first):
        first = joined_first
    over_time: list[ParticipationPoint] = []
    interval = "hour"
    if first is not None:
        last = last or first
        interval = "hour" if (last - first) <= timedelta(days=3) else "day"
        trunc = TruncHour if interval == "hour" else TruncDay
        tz = timezone.get_current_timezone()
        votes_by = dict(
            events.annotate(b=trunc("at", tzinfo=tz))
            .values("b")
            .annotate(n=Count("id"))
            .values_list("b", "n")
        )
        people_by = dict(
            joins.annotate(b=trunc("joined_at", tzinfo=tz))
            .values("b")
            .annotate(n=Count("id"))
            .values_list("b", "n")
        )
        people_total = votes_total = 0
        for bucket in sorted(set(votes_by) | set(people_by)):
            people_total += people_by.get(bucket, 0)
            votes_total += votes_by.get(bucket, 0)
            over_time.append(ParticipationPoint(bucket, people_total, votes_total))
    return ParticipationSummary(
        over_time=over_time,
        interval=interval,
        breakdowns=list(dashboard.breakdowns),
        breakdowns_withheld=bool(dashboard.breakdowns_withheld),
    )


def stability_words(value: float | None) -> str:
    """What a group-stability number means, in words."""
    if value is None:
        return ""
    out_of_100 = round(value * 100)
    if value >= 0.9:
        level = "Very stable"
    elif value >= 0.75:
        level = "Stable"
    elif value >= 0.6:
        level = "Fairly stable"
    else:
        level = "Not yet settled: the groups may change as more people vote"
    return (
        f"{level}: when the analysis is re-run on a different sample of the statements, "
        f"{out_of_100} in 100 people stay in the same group."
    )


def _waiting_message(voters: int, participants: int) -> str:
    if voters == 0:
        return (
            f"Results appear once people have voted: each person needs {VOTES_TO_BE_GROUPED} votes to be placed "
            "in an opinion group. Nobody has voted yet."
        )
    return (
        f"{people(voters) if voters >= threshold() else people(None)} have voted so far. The first results are "
        "being worked out and appear here within a few seconds."
    )


def build_results(
    conversation: Conversation,
    *,
    theme: str | None = None,
    snapshot: AnalysisSnapshot | None = None,
    group_names: bool = True,
) -> Results:
    """The results of ``conversation`` in plain words, from ``snapshot`` (default: the latest).

    Parameters
    ----------
    conversation : Conversation
    theme : str, optional
        Show only statements with this theme (one of the conversation's themes); ``None`` or ``""`` for all.
    snapshot : AnalysisSnapshot, optional
        The snapshot to read; the latest when not given.
    group_names : bool
        Call the groups by the names facilitators gave them (``results.names``); False keeps "Group A", as the
        participant's "where you stand" does, whose words and translations name groups by letter.
    """
    theme = theme or None
    if snapshot is None:
        # Without the engine's state: the pages never read it, and it is the largest part.
        snapshot = latest_snapshot(conversation, defer=("state", "priorities"))
    numbers = conversation_publication(conversation, snapshot)
    dashboard = build_dashboard(conversation, numbers)
    themes = list(conversation.themes or [])
    results = Results(
        conversation=conversation,
        theme=theme,
        themes=themes,
        health=_health(conversation),
        participants=dashboard.participants,
        voters=dashboard.voters,
        votes=dashboard.votes,
        participation=_participation(conversation, dashboard),
        numbers=numbers,
    )
    stored = read_result(snapshot)
    if snapshot is None or stored is None:
        results.waiting = _waiting_message(dashboard.voters, dashboard.participants)
        return results
    results.snapshot_tick = snapshot.tick
    results.computed_at = snapshot.computed_at
    results.erasure = erasure_note(conversation, snapshot)
    _fill_from_result(results, stored, theme, numbers, group_names)
    return results


def _fill_from_result(
    results: Results, stored: StoredResult, theme: str | None, numbers: ConversationNumbers, group_names: bool
) -> None:
    if group_names:
        named = conversation_names(results.conversation, stored)
        results.group_names, results.lost_names = dict(named.names), list(named.lost)
    columns = _columns(stored, theme, numbers, results.group_names)
    # Stability is not given for a group whose size is not shown (a share of a few people is theirs).
    per_group_stability = {
        g: value
        for g, value in _per_group_stability(stored.group_stability).items()
        if numbers.group_size(g).count is not None
    }
    results.grouped = numbers.grouped()
    results.reasons = dict(stored.reasons or {})
    results.grouping = stored.grouping
    if stored.k > 0:
        results.grouping_words = grouping_words(stored)
    if stored.k == 0:
        results.groups_waiting = (
            f"Opinion groups appear once enough people have each cast {VOTES_TO_BE_GROUPED} votes "
            "and they do not all vote alike."
        )
    results.groups = [_group(stored, columns, g, per_group_stability.get(g)) for g in range(stored.k)]
    _fill_common_ground(results, stored, columns)
    results.divisive = _divisive(stored, columns)
    results.bridging = _bridging(stored, columns)
    results.stability = _stability(stored.group_stability, per_group_stability, columns)
    results.opinion_map = _opinion_map(stored, numbers, columns)
    results.makeup = group_makeup(numbers, [(g.index, g.name) for g in results.groups])
    who = {m.group: m.sentence for m in results.makeup}
    results.groups = [dataclasses.replace(g, who=who.get(g.index, "")) for g in results.groups]
    results.sector_table = sector_table(numbers, columns.shown_statements())


def grouping_words(stored: StoredResult) -> str:
    """Which method found the opinion groups, in words; for commonweal mode, in how many dimensions and whether
    the groups overlap on the two-dimensional map."""
    if stored.grouping != "commonweal":
        return "The groups were found the way Pol.is finds them: on the two dimensions of the map."
    dims = stored.grouping_detail.get("dimensions")
    words = "The groups were found by commonweal's method"
    words += f", in {int(dims)} dimensions of the votes" if isinstance(dims, int) and dims > 2 else ""
    words += "; the map shows two of them."
    polis_k = stored.grouping_detail.get("polis_k")
    if isinstance(polis_k, int) and polis_k != stored.k:
        words += f" Pol.is' method, on the map's two dimensions, would find {apnumber(polis_k)} groups."
    if stored.map_overlap:
        words += " On the map the groups overlap: people who look close on it may be in different groups."
    return words


@dataclass(frozen=True)
class _Columns:
    """The result's statement columns as the pages show them."""

    statement_ids: tuple[int, ...]
    info: dict[int, StatementInfo]  # by statement id
    shown: frozenset[int]  # columns shown: not rejected, not meta, in the theme
    numbers: ConversationNumbers  # every count, as published
    names: dict[int, str] = field(default_factory=dict)  # facilitators' names of the groups

    def statement(self, column: int) -> StatementInfo:
        return self.info[self.statement_ids[column]]

    def name(self, group: int) -> str:
        return self.names.get(group) or group_name(group)

    def shown_statements(self) -> list[StatementInfo]:
        """The statements shown, in the analysis' column order."""
        return [self.statement(col) for col in sorted(self.shown)]


def _columns(
    stored: StoredResult, theme: str | None, numbers: ConversationNumbers, names: dict[int, str] | None = None
) -> _Columns:
    """Statement texts, themes and moderation come from the database, not the snapshot (see the module's doc)."""
    info: dict[int, StatementInfo] = {}
    excluded: set[int] = set()
    rows = Statement.objects.filter(pk__in=stored.statement_ids).values_list(
        "pk", "text", "theme", "state", "is_meta"
    )
    for pk, text, st_theme, state, is_meta in rows:
        info[pk] = StatementInfo(pk, text, st_theme or "")
        if state == Statement.State.REJECTED or is_meta:
            excluded.add(pk)
    shown = frozenset(
        col
        for col, sid in enumerate(stored.statement_ids)
        if sid in info and sid not in excluded and (theme is None or info[sid].theme == theme)
    )
    return _Columns(stored.statement_ids, info, shown, numbers, dict(names or {}))


def _share(columns: _Columns, group: int, column: int) -> GroupShare:
    tally: GroupTally = columns.numbers.group_tally(group, columns.statement_ids[column])
    voters = tally.voters
    if voters.count is None and columns.numbers.group_size(group).status == SMALL:
        # Withheld with its group; that fewer than 5 of a group of fewer than 5 voted says nothing new.
        voters = Cell(voters.label, None, limit=voters.limit)
    return GroupShare(group, columns.name(group), voters, tally.agree_share, tally.disagree_share)


def _shares(stored: StoredResult, columns: _Columns, column: int) -> list[GroupShare]:
    """How each opinion group with people in it voted on the statement in ``column``."""
    sizes = stored.group_sizes
    return [_share(columns, g, column) for g in range(stored.k) if g < len(sizes) and sizes[g] > 0]


def _per_group_stability(stability: StoredStability | None) -> dict[int, float]:
    if stability is None:
        return {}
    return {g: value for g, value in stability.per_group.items() if value is not None}


def _group(stored: StoredResult, columns: _Columns, g: int, stability: float | None) -> Group:
    """Opinion group ``g`` with the statements that set it apart (at most five, only what most of it holds)."""
    reps: list[RepresentativeStatement] = []
    for entry in stored.representative(g):
        if entry.statement not in columns.shown:
            continue
        gs = _share(columns, g, entry.statement)
        direction = "agree" if entry.repful_for == "agree" else "disagree"
        value = gs.agree_share if direction == "agree" else gs.disagree_share
        if value is not None and value < 0.5:
            # Pol.is ranks a statement by how much more the group holds it than the others do; when only a
            # minority of the group holds it, it does not say what the group believes.
            continue
        words = (
            f"{percent(value)} of {gs.name} {direction}"
            if value is not None
            else no_share_words(gs.name, gs.voters)
        )
        reps.append(
            RepresentativeStatement(columns.statement(entry.statement), direction, value, gs.voted, words)
        )
        if len(reps) >= REPRESENTATIVE_PER_GROUP:
            break
    size = columns.numbers.group_size(g)
    n_sub, sub_sizes = _subgroups(stored, g, size)
    return Group(
        index=g,
        name=columns.name(g),
        size=dataclasses.replace(size, label=columns.name(g)),
        letter=group_name(g),
        representative=reps,
        stability=stability,
        stability_words=stability_words(stability),
        n_subgroups=n_sub,
        subgroup_sizes=sub_sizes,
    )


def _subgroups(stored: StoredResult, g: int, size: Cell) -> tuple[int, tuple[Cell, ...]]:
    """How many subgroups Pol.is finds in group ``g`` and their sizes, each a part of the group's published size:
    suppressed as one breakdown of it (small parts "fewer than 5", a part that would give one away "not shown").
    No sizes when the group's size is not shown exactly or the parts do not add up to it."""
    found = next((sg for sg in stored.subgroups or () if sg.group == g), None)
    if found is None or found.k < 2:
        return 0, ()
    if size.count is None or sum(found.sizes) != size.count:
        return found.k, ()
    cells, _total = suppress_partition(
        {f"Subgroup {i + 1}": int(n) for i, n in enumerate(found.sizes)}, size.count
    )
    return found.k, tuple(cells)


def _fill_common_ground(results: Results, stored: StoredResult, columns: _Columns) -> None:
    """The common ground, "What is working" first, and which dimensions could be judged."""
    found = stored.common_ground or StoredCommonGround()
    for dimension, active in found.active.items():
        if active:
            results.judged_dimensions.append(_dimension_plural(dimension))
        else:
            results.inactive_dimensions.append(_dimension_plural(dimension))
    for dimension, values in found.never_judged.items():
        named = [v for v in values if _may_name(columns.numbers, dimension, v)]
        if named:
            results.too_small_to_judge[dimension] = _category_names(dimension, named, columns.names)
    overall = stored.intervals.agree if stored.intervals is not None else None
    items = [
        (rank, _common_ground_item(stored, columns, entry, overall))
        for rank, entry in enumerate(found.statements)
        if entry.statement in columns.shown
    ]
    items.sort(key=lambda pair: (not pair[1].is_what_is_working, pair[0]))
    results.common_ground = [item for _, item in items]
    near = [_near_miss(columns, miss) for miss in found.near_misses if miss.statement in columns.shown]
    # Near: most of the people who voted on it agree.
    results.near_misses = [m for m in near if m.agree_share is not None and m.agree_share > 0.5]


def _near_miss(columns: _Columns, miss: StoredNearMiss) -> NearMiss:
    sid = columns.statement_ids[miss.statement]
    counted = columns.numbers.analysis_votes(sid)
    agree = columns.numbers.analysis_share(sid, "agree") if counted is not None else None
    # Only judged categories block (at least min_voters of them voted on it), so naming one says no count
    # under 5; the opinion groups come first.
    held_back_by = [
        name if dim == GROUP_DIMENSION else f"{name} ({_singular(_dimension_plural(dim))})"
        for dim in sorted(miss.blocking, key=lambda d: d != GROUP_DIMENSION)
        for name in _category_names(dim, list(miss.blocking[dim]), columns.names)
    ]
    return NearMiss(
        statement=columns.statement(miss.statement),
        agree_share=float(agree) if agree is not None else None,
        voted=int(counted["voters"].count or 0) if counted is not None else 0,
        held_back_by=held_back_by,
        finer=miss.finer and not held_back_by,  # a hidden minority: nothing else held it back
    )


def _common_ground_item(
    stored: StoredResult, columns: _Columns, entry: CommonGroundStatement, overall: ShareIntervals | None
) -> CommonGround:
    col = entry.statement
    sid = columns.statement_ids[col]
    # Everyone's votes on a statement are headline counts, shown exactly; the analysis' own, from the layer.
    counted = columns.numbers.analysis_votes(sid)
    shares = overall.share if overall is not None else ()
    totals = overall.total if overall is not None else ()
    total = counted["voters"].count if counted is not None else (totals[col] if col < len(totals) else None)
    agree = (
        columns.numbers.analysis_share(sid, "agree")
        if counted is not None
        else (shares[col] if col < len(shares) else None)
    )
    too_small = {}
    for dim, values in entry.too_small.items():
        named = [v for v in values if _may_name(columns.numbers, dim, v, sid)]
        if named:
            too_small[dim] = _category_names(dim, named, columns.names)
    return CommonGround(
        statement=columns.statement(col),
        agree_share=float(agree) if agree is not None else None,
        voted=int(total) if total is not None else 0,
        rank_score=float(entry.gic or 0.0),
        groups=_shares(stored, columns, col),
        judged={_dimension_plural(dim): n for dim, n in entry.judged.items()},
        too_small=too_small,
    )


def _may_name(numbers: ConversationNumbers, dimension: str, value: Any, statement: int | None = None) -> bool:
    """Whether a category may be named as too few to judge: only when what the layer shows of it says so too
    (its voters on the statement, else its people, are "fewer than 5" or shown exactly). Naming one the layer
    hides would say its count is under 5."""
    cell = None
    if dimension == GROUP_DIMENSION and isinstance(value, int) and value in numbers.groups:
        cell = numbers.group_size(value)
        if statement is not None and cell.status != SMALL:  # (fewer than 5 of a small group: nothing new)
            cell = numbers.group_tally(value, statement).voters
    elif dimension == "sector" and value in numbers.dimensions["sector"].labels:
        cell = numbers.cell("sector", value)
        if statement in numbers.statements and cell.status != SMALL:
            cell = numbers.dimension_voters("sector", value, statement)
    return cell is None or cell.count is not None or cell.status == SMALL


def _divisive(stored: StoredResult, columns: _Columns) -> list[Divisive]:
    found = stored.divisive.statements if stored.divisive is not None else ()
    return [
        Divisive(
            statement=columns.statement(entry.statement),
            spread=float(entry.spread or 0.0),
            agree_groups=[columns.name(int(g)) for g in entry.agree],
            disagree_groups=[columns.name(int(g)) for g in entry.disagree],
            groups=_shares(stored, columns, entry.statement),
        )
        for entry in found
        if entry.statement in columns.shown
    ]


def _bridging(stored: StoredResult, columns: _Columns) -> list[Bridging]:
    """Bridging against approval, the best bridging statement first."""
    found = stored.bridging.statements if stored.bridging is not None else ()
    bridging = [
        Bridging(
            statement=columns.statement(entry.statement),
            approval=entry.approval,
            score=entry.intercept,
            voters=entry.voters,
        )
        for entry in found
        if entry.statement in columns.shown and entry.intercept is not None and entry.approval is not None
    ]
    bridging.sort(key=lambda b: -b.score)
    return bridging


def _stability(
    stability: StoredStability | None, per_group: dict[int, float], columns: _Columns
) -> Stability | None:
    if stability is None or stability.overall is None:
        return None
    return Stability(
        overall=stability.overall,
        words=stability_words(stability.overall),
        per_group=[(columns.name(g), v, stability_words(v)) for g, v in sorted(per_group.items())],
    )


def _opinion_map(stored: StoredResult, numbers: ConversationNumbers, columns: _Columns) -> OpinionMap:
    """The opinion map: the layer's marks of at least 5 people each, never individual people."""
    points = [
        MapPoint(x=m.x, y=m.y, people=m.people, group=m.group, group_name=columns.name(m.group))
        for m in numbers.marks
    ]
    centres = []
    for g, xy in enumerate(stored.group_centres):
        x, y = _point(xy)
        if x is not None and y is not None:
            centres.append(GroupCentre(x, y, g, columns.name(g)))
    return OpinionMap(
        points=points,
        centres=centres,
        participant_ids=list(stored.participant_ids),
        projections=list(stored.participant_projections),
        group_labels=list(stored.group_labels),
    )


def _point(xy: Sequence[float | None]) -> tuple[float | None, float | None]:
    """A point of the map, or (None, None) when the engine could not place it."""
    if len(xy) < 2:
        return None, None
    return xy[0], xy[1]
