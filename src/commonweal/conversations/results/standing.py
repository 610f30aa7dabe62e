"""Where a participant stands: their opinion group, what it believes most, and the common ground it shares.

A participant sees this after seven votes (the engine places a participant in an opinion group once they have
voted on ``AnalysisOptions().min_votes`` statements, or on every statement when there are fewer). It is read from
the conversation's latest analysis snapshot; requests never run the analysis, so a participant whose seventh vote
came after the snapshot is told their votes will show shortly.

The bright side comes first: the statements almost everyone agrees on, across every opinion group, then what the
participant's own group believes most. Everything is in plain words ("Group B", "most of your group agree"), and
the opinion map comes with a text equivalent that says the same thing.

Every count comes from the conversation's one publication
(:func:`commonweal.conversations.disclosure.conversation_publication`), the same the results page and the report
read: group sizes as the layer shows them, shares only of counts it shows exactly, and an opinion map of marks of
at least 5 people (the participant's own place is added to it; nobody else's). Where a part is empty or single,
the engine's reason is said (:mod:`commonweal.conversations.results.reasons`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from commonweal.analysis.engine import AnalysisOptions
from commonweal.conversations.disclosure import ConversationNumbers, conversation_publication
from commonweal.conversations.models import (
    AnalysisSnapshot,
    Conversation,
    Participant,
    Statement,
    Vote,
    VoteEvent,
)
from commonweal.conversations.participate.actions import visible_statements
from commonweal.conversations.queries import latest_snapshot
from commonweal.conversations.results import charts
from commonweal.conversations.results.build import WHAT_IS_WORKING, build_results, group_name, people_words
from commonweal.conversations.results.reasons import why
from commonweal.conversations.results.snapshot import StoredResult, read_result
from commonweal.core.small_numbers import SMALL, Cell, fewer_than

__all__ = ["Belief", "GroupSize", "Standing", "min_votes", "where_you_stand"]

#: Most common-ground statements and group beliefs shown.
SHOWN = 5

# What a Standing can say, in order of how far along the participant is.
NEED_VOTES = "need_votes"  # fewer than seven votes
NO_SNAPSHOT = "no_snapshot"  # the conversation has not been analysed yet
CATCHING_UP = "catching_up"  # the latest snapshot predates their seventh vote
NOT_PLACED = "not_placed"  # analysed, but the engine left them out of the opinion groups
PLACED = "placed"


def min_votes() -> int:
    """Votes the engine needs from a participant to place them in an opinion group (7)."""
    return int(AnalysisOptions().min_votes)


@dataclass(frozen=True)
class Belief:
    """A statement and how a set of people voted on it, in words."""

    statement: Statement
    #: "agree" or "disagree": what the people stand out for.
    direction: str
    #: "9 in 10 people who voted on it agree", or "" when too few voted to say.
    share: str


@dataclass(frozen=True)
class GroupSize:
    """An opinion group's name and size in words (small groups are not counted out)."""

    label: str
    size: str
    is_yours: bool


@dataclass
class Standing:
    """What the "where you stand" page shows (see :func:`where_you_stand`)."""

    state: str
    votes: int
    needed: int
    closed: bool = False
    #: The participant has votes newer than the snapshot (it shows them as they were a moment ago).
    newer_votes: bool = False
    computed_at: Any = None
    group_label: str = ""
    #: "with 40 other people", "in a small group (fewer than 5 people)".
    group_size_text: str = ""
    groups: list[GroupSize] = field(default_factory=list)
    common_ground: list[Belief] = field(default_factory=list)
    group_beliefs: list[Belief] = field(default_factory=list)
    #: Server-rendered opinion map (SVG markup) and the Vega-Lite spec it came from.
    map_svg: str = ""
    map_spec: dict[str, Any] | None = None
    #: The map in words (its text equivalent).
    map_text: str = ""
    #: Why there is no common ground, or only one group, in words ("" when there is nothing to explain).
    common_ground_reason: str = ""
    groups_reason: str = ""

    @property
    def map_spec_json(self) -> str:
        """The map's spec as JSON, for charts.js (vega-embed) to draw it in the browser."""
        return json.dumps(self.map_spec, separators=(",", ":")) if self.map_spec else ""

    @property
    def remaining(self) -> int:
        return max(self.needed - self.votes, 0)

    @property
    def placed(self) -> bool:
        return self.state == PLACED


def _needed(conversation: Conversation) -> int:
    visible = visible_statements(conversation).count()
    return max(1, min(min_votes(), visible)) if visible else min_votes()


def _share_words(share: float | None, direction: str) -> str:
    """A share in tenths ("9 in 10 who voted on it agree"); "" when the layer gives no share (too few voted)."""
    if share is None:
        return ""
    tenths = round(share * 10)
    if tenths >= 10 and share < 1:
        tenths = 9  # "10 in 10" would say everyone, which is not true
    agree = direction == "agree"
    if tenths >= 10:
        return _("everyone who voted on it agrees") if agree else _("everyone who voted on it disagrees")
    words = _("%(n)s in 10 who voted on it agree") if agree else _("%(n)s in 10 who voted on it disagree")
    return words % {"n": tenths}


def _size_text(size: Cell) -> str:
    if size.count is not None:
        others = size.count - 1
        return ngettext("with %(n)s other person", "with %(n)s other people", others) % {"n": f"{others:,}"}
    if size.status == SMALL:
        return _("in a small group (%(fewer)s people)") % {"fewer": fewer_than()}
    return _("in a group whose size is not shown, so that a smaller group cannot be worked out")


def _statements(conversation: Conversation, ids: set[int]) -> dict[int, Statement]:
    # Only what participants may read: accepted statements, not about the conversation itself.
    rows = Statement.objects.filter(
        conversation=conversation, pk__in=ids, state=Statement.State.ACCEPTED, is_meta=False
    )
    return {s.pk: s for s in rows}


def where_you_stand(conversation: Conversation, participant: Participant | None) -> Standing | None:
    """Where ``participant`` stands in ``conversation``, from its latest analysis snapshot.

    Returns None when there is no participant. Otherwise a :class:`Standing` whose ``state`` says which case
    applies: ``need_votes`` (fewer than seven votes), ``no_snapshot``, ``catching_up`` (the snapshot predates
    their seventh vote: compare the vote events with the snapshot's ``vote_event_high_water``), ``not_placed``
    (the engine left them out of the opinion groups) or ``placed`` (with their group, its beliefs, the common
    ground and the opinion map).
    """
    if participant is None:
        return None
    votes = Vote.objects.filter(conversation=conversation, participant=participant).count()
    standing = Standing(
        state=NEED_VOTES,
        votes=votes,
        needed=_needed(conversation),
        closed=conversation.status == Conversation.Status.CLOSED,
    )
    if votes < standing.needed:
        return standing
    snapshot = latest_snapshot(conversation)
    stored = read_result(snapshot)
    if snapshot is None or stored is None:
        standing.state = NO_SNAPSHOT
        return standing
    standing.computed_at = snapshot.computed_at
    high_water = int(snapshot.vote_event_high_water or 0)
    events = VoteEvent.objects.filter(conversation=conversation, participant=participant)
    counted = events.filter(pk__lte=high_water).values("statement_id").distinct().count()
    standing.newer_votes = events.filter(pk__gt=high_water).exists()
    if counted < standing.needed:
        standing.state = CATCHING_UP
        return standing
    row, group = stored.group_of(participant.pk)
    numbers = conversation_publication(conversation, snapshot)
    _common_ground(standing, conversation, stored, numbers)
    standing.common_ground_reason = "" if standing.common_ground else why(stored.reasons, "common_ground")
    standing.groups_reason = why(stored.reasons, "groups")
    if group < 0:
        standing.state = NOT_PLACED
        return standing
    standing.state = PLACED
    standing.group_label = _group_label(group)
    standing.group_size_text = _size_text(numbers.group_size(group))
    standing.groups = [
        GroupSize(label=_group_label(g), size=_people_words(numbers.group_size(g)), is_yours=g == group)
        for g in numbers.groups
    ]
    _beliefs(standing, conversation, stored, group, numbers)
    _map(standing, conversation, snapshot, _position(stored, row))
    return standing


def _group_label(group: int) -> str:
    """The name of opinion group ``group`` ("Group A") in the participant's language; the letter is the same on
    every page and report."""
    return _("Group %(name)s") % {"name": group_name(group).removeprefix("Group ")}


def _people_words(cell: Cell) -> str:
    """:func:`people_words` in the participant's language."""
    if cell.count is not None:
        return ngettext("%(n)s person", "%(n)s people", cell.count) % {"n": f"{cell.count:,}"}
    if cell.status == SMALL:
        return _("%(fewer)s people") % {"fewer": fewer_than()}
    return people_words(cell)


def _position(stored: StoredResult, row: int) -> tuple[float, float] | None:
    """Where the participant in ``row`` sits on the map; None when the engine could not place them."""
    if not 0 <= row < len(stored.participant_projections):
        return None
    xy = stored.participant_projections[row]
    if len(xy) < 2 or xy[0] is None or xy[1] is None:
        return None
    return xy[0], xy[1]


def _common_ground(
    standing: Standing, conversation: Conversation, stored: StoredResult, numbers: ConversationNumbers
) -> None:
    statement_ids = stored.statement_ids
    if stored.common_ground is not None:
        columns = [entry.statement for entry in stored.common_ground.statements]
    else:
        # Computed without the beyond-Pol.is measures: Pol.is' overall consensus (agree side) instead.
        columns = [entry.statement for entry in stored.consensus.agree]
    wanted = [statement_ids[j] for j in columns if 0 <= j < len(statement_ids)]
    found = _statements(conversation, set(wanted))
    # The bright side first, as on the results pages: common ground on "what is working" leads.
    columns.sort(
        key=lambda j: (
            not (
                0 <= j < len(statement_ids)
                and getattr(found.get(statement_ids[j]), "theme", "") == WHAT_IS_WORKING
            )
        )
    )
    for j in columns:
        if not 0 <= j < len(statement_ids) or statement_ids[j] not in found:
            continue
        share = _share_words(numbers.analysis_share(statement_ids[j], "agree"), "agree")
        standing.common_ground.append(
            Belief(statement=found[statement_ids[j]], direction="agree", share=share)
        )
        if len(standing.common_ground) >= SHOWN:
            break


def _beliefs(
    standing: Standing,
    conversation: Conversation,
    stored: StoredResult,
    group: int,
    numbers: ConversationNumbers,
) -> None:
    statement_ids = stored.statement_ids
    representative = stored.representative(group)
    common = {b.statement.pk for b in standing.common_ground}
    wanted = {item.statement_id for item in representative if item.statement_id is not None}
    found = _statements(conversation, wanted)
    for item in representative:
        sid = item.statement_id
        if sid is None:
            j = item.statement
            sid = statement_ids[j] if 0 <= j < len(statement_ids) else None
        if sid is None or sid not in found or sid in common:
            continue
        direction = "disagree" if item.repful_for == "disagree" else "agree"
        tally = numbers.group_tally(group, sid)
        share = _share_words(tally.agree_share if direction == "agree" else tally.disagree_share, direction)
        standing.group_beliefs.append(Belief(statement=found[sid], direction=direction, share=share))
        if len(standing.group_beliefs) >= SHOWN:
            break


# --- The opinion map ---------------------------------------------------------------------------------------


def _map_text(standing: Standing) -> str:
    others = [g for g in standing.groups if not g.is_yours]
    sentences = [
        _("The map shows %(n)s opinion groups. You are in %(group)s, %(size)s.")
        % {"n": len(standing.groups), "group": standing.group_label, "size": standing.group_size_text}
    ]
    if others:
        parts = [f"{g.label} ({g.size})" for g in others]
        sentences.append(_("The other groups: %(groups)s.") % {"groups": ", ".join(parts)})
    sentences.append(_("The closer two people are on the map, the more alike they voted."))
    return " ".join(sentences)


def _map(
    standing: Standing,
    conversation: Conversation,
    snapshot: AnalysisSnapshot,
    you: tuple[float, float] | None,
) -> None:
    standing.map_text = _map_text(standing)
    # The same view-model and chart as the facilitators' results page, so the two maps always agree.
    # Letters, as the page's words say them ("You are in Group B"), not a facilitator's names.
    spec = charts.opinion_map(build_results(conversation, snapshot=snapshot, group_names=False), you=you)
    svg = charts.to_svg(spec)
    standing.map_spec = spec
    standing.map_svg = svg
