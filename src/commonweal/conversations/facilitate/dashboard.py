"""The live participation dashboard of a conversation, for its facilitators and moderators.

Counts of people who joined and voted, votes and statements, and who took part by sector, place and community.
Every number comes from the conversation's one publication
(:func:`commonweal.conversations.disclosure.conversation_publication`), which the results page, the report and
the exports read too: a cell of fewer than 5 people says "fewer than 5", cells beside it are hidden ("not
shown") where one could otherwise be worked out from the total or from another page, and a breakdown that cannot
be shown safely says why. No breakdown is shown until at least 5 people have joined.

A handful of aggregate queries, whatever the size of the conversation (no query per row).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from commonweal.conversations.disclosure import ConversationNumbers, conversation_publication
from commonweal.conversations.facilitate.actions import ModerationCounts, moderation_counts
from commonweal.conversations.models import Conversation
from commonweal.conversations.queries import latest_snapshot
from commonweal.core.small_numbers import Cell, threshold

NOT_SAID = "Not said"


@dataclass(frozen=True)
class Breakdown:
    """People who joined, by one attribute."""

    key: str
    title: str
    rows: list[Cell]
    total: str | None  # None when the rows are not parts of a whole (communities: people may be in several)
    note: str = ""

    @property
    def any_suppressed(self) -> bool:
        return any(r.suppressed for r in self.rows)

    @property
    def any_complementary(self) -> bool:
        return any(r.complementary for r in self.rows)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "rows": [r.as_dict() for r in self.rows],
            "total": self.total,
            "note": self.note,
        }


@dataclass
class Dashboard:
    participants: int
    voters: int
    votes: int
    vote_events: int
    agree: int
    disagree: int
    passes: int
    statements: ModerationCounts
    breakdowns: list[Breakdown] = field(default_factory=list)
    breakdowns_withheld: bool = False
    updated_at: Any = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "participants": self.participants,
            "voters": self.voters,
            "votes": self.votes,
            "vote_events": self.vote_events,
            "votes_by_value": {"agree": self.agree, "disagree": self.disagree, "pass": self.passes},
            "statements": self.statements.as_dict(),
            "breakdowns": [b.as_dict() for b in self.breakdowns],
            "breakdowns_withheld": self.breakdowns_withheld,
            "small_number_threshold": threshold(),
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
        }


def _breakdown(numbers: ConversationNumbers, key: str) -> Breakdown:
    """People who joined by ``key``, as published; a breakdown that is not parts of a whole has no total."""
    dim = numbers.dimensions[key]
    table = numbers.table(key)
    total = table.total.display if table.total is not None else None
    note = " ".join(table.notes)
    if not dim.partition:
        several = "People can belong to several communities, or none, so these do not add up to the total."
        note = f"{several} {note}".strip()
    return Breakdown(key, dim.title, numbers.breakdown(key), total, note)


def build_dashboard(conversation: Conversation, numbers: ConversationNumbers | None = None) -> Dashboard:
    """Count everything shown on the dashboard, from the conversation's one publication (``numbers``: already
    built for this request; by default, built here with the latest analysis)."""
    if numbers is None:
        snapshot = latest_snapshot(conversation, defer=("state", "priorities"))
        numbers = conversation_publication(conversation, snapshot)
    by_value = numbers.votes_by_value()
    dashboard = Dashboard(
        participants=numbers.participants,
        voters=numbers.voters,
        votes=numbers.votes,
        vote_events=numbers.vote_events,
        agree=by_value["agree"],
        disagree=by_value["disagree"],
        passes=by_value["pass"],
        statements=moderation_counts(conversation),
        updated_at=timezone.now(),
    )
    if numbers.participants < threshold():
        dashboard.breakdowns_withheld = True
        return dashboard
    for key in ("sector", "place", "community"):
        if key in numbers.dimensions and numbers.dimensions[key].asked:
            dashboard.breakdowns.append(_breakdown(numbers, key))
    return dashboard
