"""The live participation dashboard of a conversation, for its facilitators and moderators.

Counts of people who joined and voted, votes and statements, and who took part by sector, place and community.
Every breakdown of people goes through :mod:`commonweal.core.small_numbers`: a cell of fewer than 5 people says
"fewer than 5". Sector and place split everyone who joined into parts that add up to the headline count, so one
hidden cell could be worked out by subtraction; when exactly one cell of such a breakdown is hidden, the next
smallest cell is hidden too (``suppress_partition``, complementary suppression). No
breakdown is shown until at least 5 people have joined.

A handful of aggregate queries, whatever the size of the conversation (no query per row).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from commonweal.conversations.facilitate.actions import ModerationCounts, moderation_counts
from commonweal.conversations.models import Conversation, Participant, Participation, Vote, VoteEvent
from commonweal.core.small_numbers import Cell, fewer_than, suppress_breakdown, suppress_partition, threshold
from commonweal.systems.models import Community, Place, Sector

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


def _partition(key: str, title: str, counts: dict[str, int], total: int) -> Breakdown:
    rows, shown_total = suppress_partition(counts, total)
    note = ""
    if any(r.complementary for r in rows):
        note = f"One more row is not shown, so that a group of {fewer_than()} cannot be worked out."
    return Breakdown(key, title, rows, shown_total, note)


def build_dashboard(conversation: Conversation) -> Dashboard:
    """Count everything shown on the dashboard, with small numbers suppressed."""
    joined = Participation.objects.filter(conversation=conversation)
    participants = joined.count()
    votes = Vote.objects.filter(conversation=conversation).aggregate(
        n=Count("id"),
        voters=Count("participant", distinct=True),
        agree=Count("id", filter=Q(value=1)),
        disagree=Count("id", filter=Q(value=-1)),
        passes=Count("id", filter=Q(value=0)),
    )
    dashboard = Dashboard(
        participants=participants,
        voters=votes["voters"] or 0,
        votes=votes["n"] or 0,
        vote_events=VoteEvent.objects.filter(conversation=conversation).count(),
        agree=votes["agree"] or 0,
        disagree=votes["disagree"] or 0,
        passes=votes["passes"] or 0,
        statements=moderation_counts(conversation),
        updated_at=timezone.now(),
    )
    if participants < threshold():
        dashboard.breakdowns_withheld = True
        return dashboard

    # One row per person: a participant joins a conversation at most once.
    people = Participant.objects.filter(participations__conversation=conversation).order_by()

    if conversation.ask_sector:
        by_sector = dict(people.values("sector").annotate(n=Count("id")).values_list("sector", "n"))
        counts = {str(label): by_sector.get(value, 0) for value, label in Sector.choices}
        counts[NOT_SAID] = by_sector.get("", 0)
        dashboard.breakdowns.append(_partition("sector", "By sector", counts, participants))

    if conversation.ask_place:
        by_place = dict(people.values("place").annotate(n=Count("id")).values_list("place", "n"))
        counts = {p.name: by_place.get(p.pk, 0) for p in Place.objects.filter(system=conversation.system)}
        counts[NOT_SAID] = by_place.get(None, 0)
        dashboard.breakdowns.append(_partition("place", "By place", counts, participants))

    if conversation.ask_community:
        through = Participant.communities.through
        by_community = dict(
            through.objects.filter(participant__participations__conversation=conversation)
            .values("community")
            .annotate(n=Count("participant", distinct=True))
            .order_by()
            .values_list("community", "n")
        )
        counts = {
            c.name: by_community.get(c.pk, 0) for c in Community.objects.filter(system=conversation.system)
        }
        rows = suppress_breakdown(counts)
        dashboard.breakdowns.append(
            Breakdown(
                "community",
                "By community",
                rows,
                None,
                "People can belong to several communities, or none, so these do not add up to the total.",
            )
        )
    return dashboard
