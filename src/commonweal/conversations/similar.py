"""Statements that say nearly the same as a text: for participants as they type, and for moderators' queue.

One :class:`~commonweal.analysis.similar.SimilarityIndex` of a conversation's accepted statements is kept in
memory per process and rebuilt when they change (a large one is extended instead when a few statements were
added). Whether they changed is one cheap query (the count, largest and sum of the accepted statements' ids), so
no signal or cache invalidation is needed, and each app server behind a load balancer keeps its own copy.

Participants only ever see accepted statements: pending and rejected ones are never indexed, and matches are
read back from the database (state checked again) before anything is shown, so a statement rejected a moment
ago does not slip through a stale index.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Max, Sum

from commonweal.analysis.similar import SimilarityIndex
from commonweal.conversations.models import Conversation, Participant, Statement, Vote
from commonweal.core.ratelimit import hit
from commonweal.core.text import duplicate_key

__all__ = [
    "MIN_LENGTH",
    "SimilarStatement",
    "accepted_index",
    "check_similar_query",
    "similar_statements",
    "very_similar",
]

#: Characters typed before suggestions are looked for (fewer match too much to help).
MIN_LENGTH = 12
#: Cosine similarity from which a statement is suggested while typing (0.3 catches rephrasings, and much noise
#: on the short texts of a young conversation).
SUGGEST_THRESHOLD = 0.4
#: Similarity from which adding a statement asks "Add mine anyway?" (texts usually say nearly the same).
CONFIRM_THRESHOLD = 0.7
#: Suggestions shown at most.
SHOWN = 3

#: Statements from which a changed index is extended in its vocabulary rather than rebuilt (refitting takes
#: about a second at 10,000 statements, and every app process keeps its own copy).
INCREMENTAL_FROM = 500

_CACHE_SIZE = 64
_cache: OrderedDict[int, tuple[tuple[str, str, int, int, int], SimilarityIndex]] = OrderedDict()
_lock = threading.Lock()


@dataclass(frozen=True)
class SimilarStatement:
    """An accepted statement like the text typed, with the participant's vote on it if they voted."""

    statement: Statement
    score: float
    #: The participant's current vote (1, -1, 0), or None.
    vote: int | None = None

    @property
    def vote_label(self) -> str:
        return {1: "Agree", -1: "Disagree", 0: "Pass"}.get(self.vote, "") if self.vote is not None else ""


def _accepted(conversation: Conversation):  # type: ignore[no-untyped-def]
    return Statement.objects.filter(conversation=conversation, state=Statement.State.ACCEPTED)


def accepted_index(conversation: Conversation) -> SimilarityIndex:
    """The similarity index of the conversation's accepted statements, rebuilt only when they changed."""
    row = _accepted(conversation).aggregate(n=Count("id"), top=Max("id"), total=Sum("id"))
    # The conversation's slug and creation time too: a database id can be used again (SQLite reuses the ids of a
    # rolled-back transaction), and another conversation's statements must never answer for this one's.
    key = (
        conversation.slug,
        conversation.created_at.isoformat() if conversation.created_at else "",
        int(row["n"] or 0),
        int(row["top"] or 0),
        int(row["total"] or 0),
    )
    with _lock:
        cached = _cache.get(conversation.pk)
        if cached is not None and cached[0] == key:
            _cache.move_to_end(conversation.pk)
            return cached[1]
    index = None
    if cached is not None and cached[0][:2] == key[:2]:
        index = _extended(conversation, cached[1])
    if index is None:
        pairs = list(_accepted(conversation).order_by("id").values_list("id", "text"))
        index = SimilarityIndex([t for _, t in pairs], [i for i, _ in pairs])
    with _lock:
        _cache[conversation.pk] = (key, index)
        _cache.move_to_end(conversation.pk)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return index


def _extended(conversation: Conversation, index: SimilarityIndex) -> SimilarityIndex | None:
    """A new index with the statements accepted since ``index`` was built, appended in its vocabulary, or None
    when rebuilding is better: the index is small (cheap to rebuild, and a small vocabulary would miss the new
    statements' words), a statement left the accepted ones, or many are new."""
    if len(index) < INCREMENTAL_FROM:
        return None
    ids = list(_accepted(conversation).order_by("id").values_list("id", flat=True))
    known = set(index.ids)
    new = [i for i in ids if i not in known]
    if len(ids) - len(new) != len(known) or not new or len(new) > len(known) // 10:
        return None
    texts = dict(_accepted(conversation).filter(pk__in=new).values_list("id", "text"))
    # A copy: requests reading the cached index in other threads must not see it change under them.
    extended = SimilarityIndex.__new__(SimilarityIndex)
    extended.__dict__.update(index.__dict__)
    extended.texts = list(index.texts)
    extended.ids = list(index.ids)
    extended.add([texts[i] for i in new], new)
    return extended


def similar_statements(
    conversation: Conversation,
    text: str,
    *,
    participant: Participant | None = None,
    threshold: float = SUGGEST_THRESHOLD,
    limit: int = SHOWN,
) -> list[SimilarStatement]:
    """Accepted statements of ``conversation`` most like ``text``, best first (at most ``limit``).

    Texts shorter than :data:`MIN_LENGTH` characters (spaces trimmed) find nothing. With ``participant``, each
    match carries their current vote on it.
    """
    text = " ".join((text or "").split())
    if len(text) < MIN_LENGTH:
        return []
    matches = accepted_index(conversation).query(text, top_k=limit, threshold=threshold)
    if not matches:
        return []
    # Read back from the database: the index may be a moment old, and only accepted statements may be shown.
    current = {s.pk: s for s in _accepted(conversation).filter(pk__in=[m.id for m in matches])}
    votes: dict[int, int] = {}
    if participant is not None:
        votes = dict(
            Vote.objects.filter(participant=participant, statement_id__in=list(current)).values_list(
                "statement_id", "value"
            )
        )
    out = []
    for m in matches:
        statement = current.get(int(m.id))
        if statement is None:
            continue
        statement.conversation = conversation
        out.append(SimilarStatement(statement=statement, score=m.score, vote=votes.get(statement.pk)))
    return out


def check_similar_query(
    participant: Participant, conversation: Conversation, text: str
) -> list[SimilarStatement]:
    """Suggestions while a participant types, rate-limited by ``settings.RATE_SIMILAR`` per participant."""
    hit(f"similar:p:{participant.pk}", settings.RATE_SIMILAR, what="look-ups of similar statements")
    return similar_statements(conversation, text, participant=participant)


def very_similar(
    conversation: Conversation,
    text: str,
    *,
    participant: Participant | None = None,
    seen: set[int] | None = None,
) -> list[SimilarStatement]:
    """Accepted statements so like ``text`` that adding it should be confirmed ("Add mine anyway").

    Nothing when the participant was already shown every one of them while typing (``seen``: their ids), and
    nothing for an exact duplicate, which adding refuses with its own message.
    """
    found = similar_statements(conversation, text, participant=participant, threshold=CONFIRM_THRESHOLD)
    if not found:
        return []
    normalised = duplicate_key(" ".join(text.split()))
    if any(s.statement.normalised_text == normalised for s in found):
        return []
    if seen is not None and all(s.statement.pk in seen for s in found):
        return []
    return found
