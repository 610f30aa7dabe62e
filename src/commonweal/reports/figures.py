"""A conversation's headline figures, from one place: the report's key findings, its "who took part" list and the
exports page all read them here, so they cannot disagree.

People, voters and votes are the disclosure layer's exact headline counts (``ConversationNumbers``): votes are
the current votes, one per person and statement; every vote cast, changed ones included (the rows of
votes.csv), is ``vote_events``. Statements are counted by moderation state in one query; "written by
participants" counts only the statements people vote on (accepted), never the ones waiting or rejected.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

from commonweal.conversations.disclosure import ConversationNumbers
from commonweal.conversations.models import Conversation, Statement


@dataclass(frozen=True)
class Figures:
    people: int  # joined the conversation
    voters: int
    votes: int  # current votes
    vote_events: int  # every vote cast, changed votes included
    statements: int  # every statement, whatever its moderation
    accepted: int  # statements to vote on
    written: int  # accepted statements written by participants
    rejected: int
    waiting: int


def conversation_figures(conversation: Conversation, numbers: ConversationNumbers) -> Figures:
    """The headline figures of ``conversation``, with its people and votes from the publication ``numbers``."""
    State = Statement.State
    counts = Statement.objects.filter(conversation=conversation).aggregate(
        statements=Count("id"),
        accepted=Count("id", filter=Q(state=State.ACCEPTED)),
        written=Count("id", filter=Q(state=State.ACCEPTED, author__isnull=False)),
        rejected=Count("id", filter=Q(state=State.REJECTED)),
        waiting=Count("id", filter=Q(state=State.PENDING)),
    )
    return Figures(
        people=numbers.participants,
        voters=numbers.voters,
        votes=numbers.votes,
        vote_events=numbers.vote_events,
        **{key: int(value or 0) for key, value in counts.items()},
    )
