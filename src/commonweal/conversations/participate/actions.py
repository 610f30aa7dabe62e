"""What participants do in a conversation: join, say who they are, get the next statement, vote, add a statement.

The pages (``views_participant``), the JSON API (``api_participant``) and the CLI call these functions and nothing
else, so every rule lives here once.

Participants' own actions are not written to the audit log, which records what facilitators and moderators do:
every vote is already kept as a :class:`~commonweal.conversations.models.VoteEvent` and every statement keeps its
author and time, and an audit row per vote would double the writes on the busiest path of the platform.

Voting is the hot path (hundreds of votes a second at an online event), so :func:`do_vote` and
:func:`next_statement` are written to a budget of SQL statements; the tests count them.
"""

from __future__ import annotations

import random
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from commonweal.accounts.models import hash_token
from commonweal.conversations.models import (
    STATEMENT_MAX_LENGTH,
    AgeBand,
    AnalysisSnapshot,
    Conversation,
    EthnicGroup,
    Participant,
    Participation,
    Statement,
    Vote,
    VoteEvent,
    VoteValue,
)
from commonweal.conversations.participate import queries as hotpath
from commonweal.core.errors import (
    ConversationClosed,
    ConversationNotOpen,
    DuplicateStatement,
    InvalidInput,
    NotFound,
    PermissionDenied,
    StatementNotVotable,
)
from commonweal.core.ratelimit import hit, parse_rate, refusal, window_start
from commonweal.core.text import clean_text, duplicate_key
from commonweal.systems.models import Community, Organisation, Place, Sector

__all__ = [
    "AboutYou",
    "JoinResult",
    "LoadedVotes",
    "MyVote",
    "NextStatement",
    "NotJoined",
    "Progress",
    "StatementsNotAllowed",
    "Submitted",
    "bulk_load_votes",
    "check_about_you",
    "clean_statement_text",
    "clean_theme",
    "clean_vote_value",
    "do_join",
    "do_submit_statement",
    "do_update_about_you",
    "do_vote",
    "find_joined",
    "find_participant",
    "is_votable",
    "my_votes",
    "next_statement",
    "require_joined",
    "require_open",
    "visible_states",
    "visible_statements",
]


class NotJoined(PermissionDenied):
    code = "not_joined"
    default_message = (
        "You have not joined this conversation yet: open its link and choose 'I agree, take part' "
        "(or call the join endpoint) first."
    )


class StatementsNotAllowed(PermissionDenied):
    code = "statements_not_allowed"
    default_message = (
        "This conversation does not take new statements from participants. You can still vote on the "
        "statements in it."
    )


# --- Conversation state -------------------------------------------------------------------------------------


def require_open(conversation: Conversation) -> None:
    """Raise unless the conversation takes votes and statements now."""
    if conversation.status == Conversation.Status.CLOSED:
        raise ConversationClosed()
    if conversation.status != Conversation.Status.OPEN:
        raise ConversationNotOpen()


def visible_states(conversation: Conversation) -> tuple[str, ...]:
    """The statement states participants see and vote on.

    Strict moderation shows a statement only once a moderator accepts it. Permissive moderation shows new
    statements at once, until a moderator rejects them (as Pol.is does with its permissive setting).
    """
    if conversation.moderation == Conversation.Moderation.PERMISSIVE:
        return (Statement.State.ACCEPTED, Statement.State.PENDING)
    return (Statement.State.ACCEPTED,)


def visible_statements(conversation: Conversation) -> QuerySet[Statement]:
    return Statement.objects.filter(conversation=conversation, state__in=visible_states(conversation))


def is_votable(conversation: Conversation, statement: Statement) -> bool:
    return statement.state in visible_states(conversation)


# --- Who the participant is ---------------------------------------------------------------------------------


def _issue_token() -> tuple[str, str]:
    raw = "cwp_" + secrets.token_urlsafe(32)
    return raw, hash_token(raw)


def find_participant(
    conversation: Conversation, *, participant_id: int | None = None, token: str | None = None
) -> Participant | None:
    """The participant of the conversation's system with this id (from a session) or raw token (from the API).

    One query. The result knows whether it joined ``conversation`` (``require_joined`` and ``do_vote`` use that
    without asking the database again). None when there is no such participant in this system.
    """
    if participant_id is not None:
        found = hotpath.participant(conversation, by="id", value=participant_id)
    elif token:
        found = hotpath.participant(conversation, by="token_hash", value=hash_token(token))
    else:
        return None
    if found is None:
        return None
    participant, joined = found
    participant.joined = joined  # type: ignore[attr-defined]
    participant._cw_joined = {conversation.pk} if joined else set()  # type: ignore[attr-defined]
    return participant


def find_joined(slug: str, *, token: str) -> tuple[Conversation, Participant] | None:
    """The conversation with this slug and the token's participant, in one query, when they joined it.

    None otherwise (no such conversation, a bad token, or not joined): callers then find out which, on the
    slower path of :func:`find_participant`, to say so.
    """
    if not token:
        return None
    found = hotpath.joined(slug, hash_token(token))
    if found is None:
        return None
    conversation, participant = found
    participant.joined = True  # type: ignore[attr-defined]
    participant._cw_joined = {conversation.pk}  # type: ignore[attr-defined]
    return conversation, participant


def find_for_vote(slug: str, statement_id: int, *, token: str) -> tuple[Statement, Participant | None] | None:
    """The statement (with its conversation) and the token's participant of that conversation's system, in one
    query: what a vote through the API needs. The participant is None when the token is not valid there (and
    knows whether it joined the conversation, like :func:`find_participant`'s). None when the conversation has
    no such statement.
    """
    found = hotpath.vote_context(slug, statement_id, hash_token(token))
    if found is None:
        return None
    statement, who = found
    if who is None:
        return statement, None
    participant, joined = who
    participant.joined = joined  # type: ignore[attr-defined]
    participant._cw_joined = {statement.conversation_id} if joined else set()  # type: ignore[attr-defined]
    return statement, participant


def _has_joined(participant: Participant, conversation: Conversation) -> bool:
    known = getattr(participant, "_cw_joined", None)
    if known is not None and conversation.pk in known:
        return True
    joined = Participation.objects.filter(participant=participant, conversation=conversation).exists()
    if joined:
        participant._cw_joined = (known or set()) | {conversation.pk}  # type: ignore[attr-defined]
    return joined


def require_joined(participant: Participant | None, conversation: Conversation) -> Participant:
    """The participant, when they joined this conversation; :class:`NotJoined` otherwise."""
    if participant is None or participant.system_id != conversation.system_id:
        raise NotJoined()
    if not _has_joined(participant, conversation):
        raise NotJoined()
    return participant


@dataclass(frozen=True)
class JoinResult:
    participant: Participant
    #: The raw participant token, returned once when one was issued; only its hash is stored.
    token: str | None
    new_participant: bool


def do_join(
    conversation: Conversation,
    *,
    participant: Participant | None = None,
    ip: str | None = None,
    issue_token: bool = False,
    now: datetime | None = None,
) -> JoinResult:
    """A person agrees to take part in an open conversation.

    With ``participant`` (remembered from an earlier visit to any conversation of the same system) they join as
    themselves; otherwise a new pseudonymous participant is created, which counts against the join rate limit of
    the address ``ip`` (``settings.RATE_JOINS``). ``issue_token`` gives the new participant a secret token for
    the API. Joining twice is harmless.
    """
    require_open(conversation)
    now = now or timezone.now()
    if participant is not None and participant.system_id != conversation.system_id:
        participant = None
    token = None
    new = participant is None
    if new:
        hit(f"joins:ip:{ip or 'unknown'}", settings.RATE_JOINS, what="new participants from your network")
    with transaction.atomic():
        if participant is None:
            token_hash = None
            if issue_token:
                token, token_hash = _issue_token()
            participant = Participant.objects.create(
                system_id=conversation.system_id, consented_at=now, token_hash=token_hash
            )
            Participation.objects.create(participant=participant, conversation=conversation)
        else:
            if participant.consented_at is None:
                participant.consented_at = now
                participant.save(update_fields=["consented_at"])
            Participation.objects.get_or_create(participant=participant, conversation=conversation)
    participant._cw_joined = getattr(participant, "_cw_joined", set()) | {conversation.pk}  # type: ignore[attr-defined]
    return JoinResult(participant=participant, token=token, new_participant=new)


# --- About you ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AboutYou:
    """Validated "about you" answers. Empty values mean "not answered"."""

    sector: str = ""
    organisation: Organisation | None = None
    place: Place | None = None
    communities: tuple[Community, ...] = ()
    age_band: str = ""
    ethnic_group: str = ""


def _check_census_answers(
    conversation: Conversation, age_band: str | None, ethnic_group: str | None, problems: list[dict[str, str]]
) -> dict[str, str]:
    """The optional Census-aligned answers (age band, ethnic group): each only when the conversation asks it."""
    answers: dict[str, str] = {}
    for field, label, given, choices in (
        ("age_band", "age band", age_band, AgeBand),
        ("ethnic_group", "ethnic group", ethnic_group, EthnicGroup),
    ):
        if not given:
            continue
        if not getattr(conversation, f"ask_{field}"):
            problems.append({"field": field, "problem": f"This conversation does not ask for your {label}."})
        elif given not in choices.values:
            problems.append(
                {"field": field, "problem": f"Choose one of the listed options for your {label}."}
            )
        else:
            answers[field] = given
    return answers


def check_about_you(
    participant: Participant,
    conversation: Conversation,
    *,
    sector: str | None = None,
    organisation_id: int | None = None,
    place_id: int | None = None,
    community_ids: Sequence[int] | None = None,
    age_band: str | None = None,
    ethnic_group: str | None = None,
) -> AboutYou:
    """Validate "about you" answers against what the conversation asks and the system's own lists.

    Raises :class:`InvalidInput` naming every field that is wrong. Every answer is optional.
    """
    problems: list[dict[str, str]] = []
    system_id = conversation.system_id

    def not_asked(field: str, label: str, given: object) -> bool:
        asked = getattr(conversation, f"ask_{field}")
        if given not in (None, "", [], ()) and not asked:
            problems.append({"field": field, "problem": f"This conversation does not ask for your {label}."})
            return True
        return False

    answers: dict[str, Any] = {}
    if not not_asked("sector", "sector", sector) and sector:
        if sector not in Sector.values:
            problems.append(
                {
                    "field": "sector",
                    "problem": f"Choose one of the listed sectors ({', '.join(Sector.values)}).",
                }
            )
        else:
            answers["sector"] = sector
    if not not_asked("organisation", "organisation", organisation_id) and organisation_id:
        org = Organisation.objects.filter(system_id=system_id, pk=organisation_id).first()
        if org is None:
            problems.append(
                {"field": "organisation", "problem": "Choose an organisation from this system's list."}
            )
        answers["organisation"] = org
    if not not_asked("place", "place", place_id) and place_id:
        place = Place.objects.filter(system_id=system_id, pk=place_id).first()
        if place is None:
            problems.append({"field": "place", "problem": "Choose a place from this system's list."})
        answers["place"] = place
    if not not_asked("community", "communities", list(community_ids or [])) and community_ids:
        wanted = set(community_ids)
        found = list(Community.objects.filter(system_id=system_id, pk__in=wanted))
        if len(found) != len(wanted):
            problems.append(
                {"field": "communities", "problem": "Choose communities from this system's list only."}
            )
        answers["communities"] = tuple(found)
    answers.update(_check_census_answers(conversation, age_band, ethnic_group, problems))
    if problems:
        raise InvalidInput(
            "Some of your answers about you could not be saved: " + " ".join(p["problem"] for p in problems),
            detail={"fields": problems},
        )
    return AboutYou(**answers)


def do_update_about_you(
    participant: Participant, conversation: Conversation, about: AboutYou | None
) -> Participant:
    """Save the "about you" answers (``None``: the participant chose to skip the questions).

    Only the questions this conversation asks are changed; an unanswered question clears an earlier answer to
    it, so a participant can take back what they said.
    """
    with transaction.atomic():
        fields = ["about_you_done"]
        participant.about_you_done = True
        if about is not None:
            if conversation.ask_sector:
                participant.sector = about.sector
                fields.append("sector")
            if conversation.ask_organisation:
                participant.organisation = about.organisation
                fields.append("organisation")
            if conversation.ask_place:
                participant.place = about.place
                fields.append("place")
            for census in ("age_band", "ethnic_group"):
                if getattr(conversation, f"ask_{census}"):
                    setattr(participant, census, getattr(about, census))
                    fields.append(census)
        participant.save(update_fields=fields)
        if about is not None and conversation.ask_community:
            participant.communities.set(about.communities)
    return participant


# --- The next statement -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    """How far a participant has got: ``voted`` of the ``total`` statements they can see."""

    voted: int
    total: int

    @property
    def remaining(self) -> int:
        return self.total - self.voted

    @property
    def done(self) -> bool:
        return self.total > 0 and self.voted >= self.total

    def as_dict(self) -> dict[str, int | bool]:
        return {"voted": self.voted, "total": self.total, "remaining": self.remaining, "done": self.done}


@dataclass(frozen=True)
class NextStatement:
    statement: Statement | None
    progress: Progress


# A snapshot never changes once written (a new analysis writes a new one with a higher tick), so its priorities
# can be kept in memory by snapshot id; parsing a 10,000-entry JSON object on every request would not be cheap.
_PRIORITY_CACHE_SIZE = 64
_priority_cache: OrderedDict[int, dict[int, float]] = OrderedDict()
_priority_lock = threading.Lock()


def _priorities(snapshot_id: int | None) -> dict[int, float]:
    if snapshot_id is None:
        return {}
    with _priority_lock:
        cached = _priority_cache.get(snapshot_id)
        if cached is not None:
            _priority_cache.move_to_end(snapshot_id)
            return cached
    raw = AnalysisSnapshot.objects.filter(pk=snapshot_id).values_list("priorities", flat=True).first() or {}
    priorities: dict[int, float] = {}
    for key, value in raw.items():
        try:
            priorities[int(key)] = float(value)
        except (TypeError, ValueError):
            continue
    with _priority_lock:
        _priority_cache[snapshot_id] = priorities
        while len(_priority_cache) > _PRIORITY_CACHE_SIZE:
            _priority_cache.popitem(last=False)
    return priorities


def _choose(candidates: list[int], priorities: dict[int, float], rng: random.Random | Any) -> int:
    if not priorities:
        return int(rng.choice(candidates))
    # A statement newer than the snapshot has no priority yet: give it the highest one, so new statements get
    # their first votes quickly (Pol.is boosts new comments for the same reason).
    known = [p for p in (priorities.get(c) for c in candidates) if p is not None and p > 0]
    fresh = max(known) if known else 1.0
    weights = []
    for c in candidates:
        p = priorities.get(c)
        if p is None:
            p = fresh
        # A zero, negative or NaN priority must still leave the statement reachable.
        weights.append(p if p > 0 else 1e-6)
    return int(rng.choices(candidates, weights=weights, k=1)[0])


def next_statement(
    participant: Participant, conversation: Conversation, *, rng: random.Random | None = None
) -> NextStatement:
    """Choose the next statement for the participant, and say how far they have got.

    The choice is among the visible statements they have not voted on, weighted by the priorities of the latest
    analysis snapshot when there is one, uniformly at random otherwise. Two queries (three when a new snapshot's
    priorities are read for the first time; three when every statement is voted on); votes are never loaded.
    """
    candidates, total, snapshot_id = hotpath.candidates(
        conversation.pk, participant.pk, visible_states(conversation)
    )
    if not candidates:
        total = visible_statements(conversation).count()
        return NextStatement(statement=None, progress=Progress(voted=total, total=total))
    assert total is not None
    progress_ = Progress(voted=max(total - len(candidates), 0), total=total)
    chosen = _choose(candidates, _priorities(snapshot_id), rng or random)
    statement = hotpath.statement(chosen)
    if statement is not None:
        statement.conversation = conversation
    return NextStatement(statement=statement, progress=progress_)


# --- Voting -------------------------------------------------------------------------------------------------


def clean_vote_value(value: object) -> int:
    """1 (agree), -1 (disagree) or 0 (pass), from an int or its text; :class:`InvalidInput` otherwise."""
    if isinstance(value, bool):
        value = None  # True == 1 in Python, but a boolean is not a vote
    elif isinstance(value, str):
        text = value.strip().lower()
        named = {"agree": 1, "disagree": -1, "pass": 0}.get(text)
        try:
            value = named if named is not None else int(text)
        except ValueError:
            value = None
    if not isinstance(value, int) or value not in VoteValue.values:
        raise InvalidInput(
            "A vote must be 1 (agree), -1 (disagree) or 0 (pass).",
            detail={
                "fields": [{"field": "value", "problem": "Use 1 to agree, -1 to disagree or 0 to pass."}]
            },
        )
    return value


def _statement_not_votable(statement: Statement) -> StatementNotVotable:
    if statement.state == Statement.State.REJECTED:
        return StatementNotVotable(
            "That statement was removed by a moderator, so it no longer takes votes.",
            detail={"statement_id": statement.pk, "state": statement.state},
        )
    return StatementNotVotable(
        "That statement is waiting for a moderator to accept it; you can vote on it once it is shown.",
        detail={"statement_id": statement.pk, "state": statement.state},
    )


def _record_vote(participant: Participant, statement: Statement, value: int, now: datetime) -> Vote:
    """Insert the event and make it the current vote. Call inside a transaction."""
    conversation_id = statement.conversation_id
    event_id = hotpath.insert_vote_event(conversation_id, participant.pk, statement.pk, value, now)
    hotpath.upsert_current_vote(conversation_id, participant.pk, statement.pk, value, now, event_id)
    return _vote_objects(participant, statement, value, now, event_id)


def _vote_objects(
    participant: Participant, statement: Statement, value: int, now: datetime, event_id: int
) -> Vote:
    """The current vote (with its event) as stored, without reading it back."""
    conversation_id = statement.conversation_id
    event = VoteEvent(
        id=event_id,
        conversation_id=conversation_id,
        participant=participant,
        statement=statement,
        value=value,
        at=now,
    )
    return Vote(
        conversation_id=conversation_id,
        participant=participant,
        statement=statement,
        value=value,
        updated_at=now,
        event=event,
    )


def do_vote(
    participant: Participant, statement: Statement, value: object, *, now: datetime | None = None
) -> Vote:
    """Record a participant's vote (agree 1, disagree -1, pass 0) on a statement, or change it.

    Refuses a value other than -1, 0 or 1 (:class:`InvalidInput`), a statement of another system
    (:class:`NotFound`), a participant who has not joined (:class:`NotJoined`), a conversation that is not open
    (:class:`ConversationNotOpen`, :class:`ConversationClosed`), a statement that is pending in strict
    moderation or rejected (:class:`StatementNotVotable`), and more votes than ``settings.RATE_VOTES`` allows
    (:class:`RateLimited`). Then, in one transaction, keeps the vote as a new event and makes it the current
    vote: once this returns, the vote is committed.

    ``statement.conversation`` should be loaded already (``select_related``); with a participant from
    :func:`find_participant` the vote is one transaction of three SQL statements (count it against the rate
    limit, insert the event, upsert the current vote), besides the reads that found them; on PostgreSQL the
    three are one statement.
    """
    value = clean_vote_value(value)
    conversation = statement.conversation
    if participant.system_id != conversation.system_id:
        raise NotFound("We could not find that statement in this conversation.")
    require_open(conversation)
    require_joined(participant, conversation)
    if not is_votable(conversation, statement):
        raise _statement_not_votable(statement)
    now = now or timezone.now()
    rate_key = f"votes:p:{participant.pk}"
    if connection.vendor == "postgresql":
        # The same three changes in one statement: a quarter of the round trips (no BEGIN, no COMMIT).
        limit, seconds = parse_rate(settings.RATE_VOTES)
        clock = int(time.time())
        event_id = hotpath.record_vote_limited(
            rate_key=rate_key,
            window=window_start(clock, seconds),
            limit=limit,
            conversation_id=statement.conversation_id,
            participant_id=participant.pk,
            statement_id=statement.pk,
            value=value,
            at=now,
        )
        if event_id is None:
            raise refusal(limit, seconds, clock, what="votes")
        return _vote_objects(participant, statement, value, now, event_id)
    with transaction.atomic():
        # Counted in the vote's own transaction: one commit per vote, and a refused vote is not counted.
        hit(rate_key, settings.RATE_VOTES, what="votes")
        return _record_vote(participant, statement, value, now)


@dataclass(frozen=True)
class MyVote:
    statement: Statement
    value: int
    updated_at: datetime
    votable: bool

    @property
    def label(self) -> str:
        return VoteValue(self.value).label


def my_votes(participant: Participant, conversation: Conversation) -> list[MyVote]:
    """Every statement the participant voted on in this conversation, with their current vote, oldest first."""
    votes = (
        Vote.objects.filter(participant=participant, conversation=conversation)
        .select_related("statement")
        .order_by("statement_id")
    )
    open_ = conversation.is_open
    result = []
    for vote in votes:
        vote.statement.conversation = conversation
        result.append(
            MyVote(
                statement=vote.statement,
                value=vote.value,
                updated_at=vote.updated_at,
                votable=open_ and is_votable(conversation, vote.statement),
            )
        )
    return result


# --- Adding a statement -------------------------------------------------------------------------------------


def clean_statement_text(text: object) -> str:
    """The statement text cleaned (:func:`commonweal.core.text.clean_text`: no control or invisible characters,
    single spaces); :class:`InvalidInput` with a message to act on otherwise."""
    # Line breaks and runs of spaces mean nothing in a one-line statement: count and keep single spaces. Text
    # that is only invisible characters counts as empty.
    text = clean_text(text)
    if not text:
        raise InvalidInput(
            "Enter your statement.",
            detail={"fields": [{"field": "text", "problem": "Enter your statement."}]},
        )
    if len(text) > STATEMENT_MAX_LENGTH:
        message = (
            f"You have {len(text)} characters; the limit is {STATEMENT_MAX_LENGTH}. "
            "Shorten your statement and try again."
        )
        raise InvalidInput(
            message,
            detail={
                "fields": [{"field": "text", "problem": message}],
                "length": len(text),
                "limit": STATEMENT_MAX_LENGTH,
            },
        )
    return text


def clean_theme(conversation: Conversation, theme: object) -> str:
    theme = (theme or "").strip() if isinstance(theme, str) or theme is None else str(theme)
    if not theme:
        return ""
    themes = list(conversation.themes or [])
    if theme not in themes:
        if themes:
            problem = "Choose one of this conversation's themes: " + "; ".join(f"'{t}'" for t in themes) + "."
        else:
            problem = "This conversation has no themes: leave the theme out."
        raise InvalidInput(problem, detail={"fields": [{"field": "theme", "problem": problem}]})
    return theme


def _duplicate_error(existing: Statement, conversation: Conversation) -> DuplicateStatement:
    detail = {
        "statement_id": existing.pk,
        "state": existing.state,
        "votable": is_votable(conversation, existing),
    }
    if existing.state == Statement.State.REJECTED:
        return DuplicateStatement(
            "That statement was submitted before and a moderator did not accept it. "
            "Try saying what you mean in a different way.",
            detail=detail,
        )
    if not is_votable(conversation, existing):
        return DuplicateStatement(
            "That statement has already been submitted and is waiting for a moderator. "
            "It will be shown to everyone once it is accepted.",
            detail=detail,
        )
    return DuplicateStatement(
        "That statement is already in this conversation. You can vote on it instead.", detail=detail
    )


@dataclass(frozen=True)
class Submitted:
    statement: Statement
    #: The author's own agree vote, recorded with the statement (see :func:`do_submit_statement`).
    vote: Vote

    @property
    def shown_now(self) -> bool:
        """Whether others see the statement now (or only once a moderator accepts it)."""
        return is_votable(self.statement.conversation, self.statement)


def do_submit_statement(
    participant: Participant,
    conversation: Conversation,
    text: object,
    *,
    theme: object = "",
    now: datetime | None = None,
) -> Submitted:
    """A participant adds a statement to an open conversation that takes them.

    The text is trimmed and must be 1 to 280 characters; ``theme`` is empty or one of the conversation's themes.
    An exact duplicate (ignoring case, spacing and final punctuation) of a statement already in the
    conversation is refused with :class:`DuplicateStatement`, whose detail names the existing statement. The
    statement is pending under strict moderation and accepted under permissive moderation. Rate-limited by
    ``settings.RATE_STATEMENTS``.

    The author's agree vote is recorded with the statement, in the same transaction, as Pol.is does: someone
    who writes a statement evidently agrees with it, and the page tells them so. It is not subject to the
    vote rate limit, and it counts even while the statement waits for moderation.
    """
    require_open(conversation)
    if not conversation.participants_can_add:
        raise StatementsNotAllowed()
    require_joined(participant, conversation)
    text = clean_statement_text(text)
    theme = clean_theme(conversation, theme)
    normalised = duplicate_key(text)
    existing = Statement.objects.filter(conversation=conversation, normalised_text=normalised).first()
    if existing is not None:
        raise _duplicate_error(existing, conversation)
    hit(f"statements:p:{participant.pk}", settings.RATE_STATEMENTS, what="statements")
    now = now or timezone.now()
    state = (
        Statement.State.ACCEPTED
        if conversation.moderation == Conversation.Moderation.PERMISSIVE
        else Statement.State.PENDING
    )
    try:
        with transaction.atomic():
            statement = Statement.objects.create(
                conversation=conversation, text=text, author=participant, state=state, theme=theme
            )
            vote = _record_vote(participant, statement, VoteValue.AGREE, now)
    except IntegrityError:
        # Someone else submitted the same statement a moment ago: the unique constraint caught it.
        existing = Statement.objects.filter(conversation=conversation, normalised_text=normalised).first()
        if existing is not None:
            raise _duplicate_error(existing, conversation) from None
        raise
    statement.conversation = conversation
    return Submitted(statement=statement, vote=vote)


# --- Many votes at once -------------------------------------------------------------------------------------

#: Rows per ``executemany`` of :func:`bulk_load_votes`.
BULK_BATCH = 5000


@dataclass(frozen=True)
class LoadedVotes:
    """What :func:`bulk_load_votes` wrote: every vote event, and the current votes derived from them."""

    vote_events: int
    votes: int


def _insert_sql(model: Any, columns: list[str]) -> str:
    """One row's INSERT, run with ``executemany``: ``bulk_create`` builds the SQL of every row in Python, which
    took most of a large import's time; one statement run with many parameter rows does the same in a
    fraction of it."""
    q = connection.ops.quote_name
    cols = ", ".join(q(c) for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    return f"INSERT INTO {q(model._meta.db_table)} ({cols}) VALUES ({marks})"


def bulk_load_votes(
    conversation: Conversation,
    participant_ids: Sequence[int],
    statement_ids: Sequence[int],
    values: Sequence[int],
    at: Sequence[datetime],
    *,
    progress: Callable[[str, int, int], None] | None = None,
) -> LoadedVotes:
    """Write many vote events of a new conversation, and its current votes, the fast way.

    The loader of the Pol.is import and of the demo: the i-th event is ``participant_ids[i]`` voting
    ``values[i]`` on ``statement_ids[i]`` at ``at[i]``. Events are stored in the order given, so their ids grow
    in that order, and the current vote of each participant and statement is its last event in that order.
    No checks, no rate limit and no audit entry: call it inside the caller's transaction (which records what
    was loaded), or outside any (the batched import on SQLite), where each batch of rows is a transaction of its
    own, for a conversation that nobody else can vote in yet. ``progress(stage, done, total)`` hears of the
    stages "votes" (the events) and "latest votes" (the current votes), after each batch is written.
    """
    report = progress or (lambda stage, done, total: None)
    n = len(values)
    adapt = connection.ops.adapt_datetimefield_value
    cid = conversation.pk
    report("votes", 0, n)
    event_sql = _insert_sql(VoteEvent, ["conversation_id", "participant_id", "statement_id", "value", "at"])
    with connection.cursor() as cursor:
        for begin in range(0, n, BULK_BATCH):
            stop = min(begin + BULK_BATCH, n)
            # One transaction a batch (a savepoint inside the caller's): in autocommit, SQLite would commit,
            # and sync to disk, every row of executemany on its own.
            with transaction.atomic():
                cursor.executemany(
                    event_sql,
                    [
                        (cid, int(participant_ids[i]), int(statement_ids[i]), int(values[i]), adapt(at[i]))
                        for i in range(begin, stop)
                    ],
                )
            report("votes", stop, n)
        # Nobody else writes to this conversation yet, so its events, by id, are the rows in the order given.
        event_ids = np.fromiter(
            VoteEvent.objects.filter(conversation_id=cid)
            .order_by("id")
            .values_list("id", flat=True)
            .iterator(chunk_size=BULK_BATCH),
            dtype=np.int64,
        )
        if len(event_ids) != n:
            raise RuntimeError(f"Inserted {n} vote events but read back {len(event_ids)}")
        latest = _last_of_each_pair(participant_ids, statement_ids)
        vote_sql = _insert_sql(
            Vote, ["conversation_id", "participant_id", "statement_id", "value", "updated_at", "event_id"]
        )
        report("latest votes", 0, len(latest))
        for begin in range(0, len(latest), BULK_BATCH):
            with transaction.atomic():
                cursor.executemany(
                    vote_sql,
                    [
                        (
                            cid,
                            int(participant_ids[i]),
                            int(statement_ids[i]),
                            int(values[i]),
                            adapt(at[i]),
                            int(event_ids[i]),
                        )
                        for i in latest[begin : begin + BULK_BATCH].tolist()
                    ],
                )
            report("latest votes", min(begin + BULK_BATCH, len(latest)), len(latest))
    return LoadedVotes(vote_events=n, votes=len(latest))


def _last_of_each_pair(participant_ids: Sequence[int], statement_ids: Sequence[int]) -> np.ndarray:
    """The index of the last event of each (participant, statement) pair, in increasing order (arrays: a dict of
    two million pairs would take several hundred MB)."""
    participant = np.asarray(participant_ids, dtype=np.int64)
    statement = np.asarray(statement_ids, dtype=np.int64)
    if not len(participant):
        return np.empty(0, dtype=np.int64)
    # A stable sort by pair keeps each pair's events in their order, so a pair's last is the one before the next
    # pair begins.
    order = np.lexsort((statement, participant))
    p, s = participant[order], statement[order]
    last = np.ones(len(order), dtype=bool)
    last[:-1] = (p[1:] != p[:-1]) | (s[1:] != s[:-1])
    return np.sort(order[last])
