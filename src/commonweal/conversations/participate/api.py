"""The participant side of the JSON API, under /api/conversations/{slug}/: join, next statement, vote, add a
statement, list statements, my votes, about you.

A participant joins once (``POST .../join``) and gets a token; every later call sends it in the
``X-Participant-Token`` header. Only the token's hash is stored. The endpoints call the same actions as the pages
(``actions.participation``), so the rules and the error codes are the same; errors have the one JSON shape
``{"error": {"code", "message", "detail"}}``.
"""

from __future__ import annotations

import json
from datetime import datetime

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate
from ninja.responses import NinjaJSONEncoder
from ninja.security import APIKeyHeader
from pydantic import StrictInt

from commonweal.conversations.models import Conversation, Participant, Statement, VoteValue
from commonweal.conversations.participate.actions import (
    Progress,
    check_about_you,
    do_join,
    do_submit_statement,
    do_update_about_you,
    do_vote,
    find_for_vote,
    find_joined,
    find_participant,
    my_votes,
    next_statement,
    require_joined,
    require_open,
    visible_statements,
)
from commonweal.conversations.queries import get_conversation_for_participant
from commonweal.conversations.results.standing import where_you_stand
from commonweal.conversations.similar import check_similar_query
from commonweal.conversations.translate.queries import (
    load_statement_translations,
    shown_conversation,
    shown_statement,
)
from commonweal.core.errors import NotAuthenticated, NotFound
from commonweal.core.http import client_address
from commonweal.core.schemas import ERRORS, Id, InputSchema, Pagination

router = Router(tags=["participants"])

TOKEN_HEADER = "X-Participant-Token"


class ParticipantToken(APIKeyHeader):
    """The participant token from the join endpoint, in the ``X-Participant-Token`` header.

    Which participant it proves is looked up together with the conversation (one query that also says whether
    they joined it), so here it is only required to be present.
    """

    param_name = TOKEN_HEADER

    def authenticate(self, request: HttpRequest, key: str | None) -> str:
        if not key:
            raise NotAuthenticated(
                f"Send the participant token that the join endpoint returned, in the {TOKEN_HEADER} header."
            )
        return key


participant_token = ParticipantToken()


# --- Schemas ------------------------------------------------------------------------------------------------


# Strict types, no unknown fields, every string cleaned (core.schemas).
_In = InputSchema


class AboutYouIn(_In):
    sector: str | None = Field(
        default=None, max_length=40, description="One of the sector codes, e.g. 'vcse', 'acute'."
    )
    organisation_id: Id | None = Field(default=None, description="An organisation of this system.")
    place_id: Id | None = Field(default=None, description="A place of this system.")
    community_ids: list[Id] = Field(
        default_factory=list, max_length=200, description="Communities of this system."
    )
    age_band: str | None = Field(
        default=None, max_length=12, description="An age band, e.g. '16-24', '85+', or 'prefer-not'."
    )
    ethnic_group: str | None = Field(
        default=None,
        max_length=12,
        description="'asian', 'black', 'mixed', 'white', 'other' or 'prefer-not'.",
    )


class JoinIn(AboutYouIn):
    """Calling join confirms that the participant has read the consent text and agreed to take part."""


class ProgressOut(Schema):
    voted: int
    total: int
    remaining: int
    done: bool


class StatementOut(Schema):
    id: int
    text: str = Field(
        description="In the request's language (its Accept-Language header) where a facilitator translated the "
        "statement, the original otherwise; votes are on the statement whatever the language."
    )
    language: str = Field(description="The language of `text`, e.g. 'en-gb', 'cy', 'ur'.")
    translated: bool = Field(description="Whether `text` is a translation of the original.")
    theme: str
    is_meta: bool
    is_seed: bool
    state: str
    created_at: datetime


class JoinedConversationOut(Schema):
    """The conversation as a participant sees it on joining (the facilitators' view is ``ConversationOut``)."""

    slug: str
    title: str
    question: str
    status: str
    moderation: str
    participants_can_add: bool
    themes: list[str]
    asks: dict[str, bool] = Field(description="Which 'about you' questions this conversation asks.")


class AboutYouOut(Schema):
    sector: str
    organisation_id: int | None
    place_id: int | None
    community_ids: list[int]
    age_band: str
    ethnic_group: str


class JoinOut(Schema):
    participant: str = Field(description="The participant's public handle.")
    token: str | None = Field(
        description=f"Send it as the {TOKEN_HEADER} header from now on. Shown once: only its hash is kept. "
        "Null when an existing participant (who sent their token) joined."
    )
    new_participant: bool
    conversation: JoinedConversationOut
    about_you: AboutYouOut
    progress: ProgressOut


class NextOut(Schema):
    statement: StatementOut | None = Field(
        description="Null when the participant has voted on every statement."
    )
    progress: ProgressOut


class VoteIn(_In):
    statement_id: Id
    value: StrictInt = Field(description="1 agree, -1 disagree, 0 pass.")


class VoteOut(Schema):
    statement_id: int
    value: int
    label: str
    at: datetime
    next: NextOut | None = Field(None, description="The next statement, when asked for with ?next=true.")


class StatementIn(_In):
    text: str = Field(description="1 to 280 characters after trimming spaces.")
    theme: str | None = Field(None, max_length=100, description="One of the conversation's themes, or none.")


class SubmittedOut(Schema):
    statement: StatementOut
    your_vote: int = Field(description="The author's agree vote, recorded with the statement.")
    shown_now: bool = Field(
        description="False while the statement waits for a moderator (strict moderation)."
    )
    message: str


class MyVoteOut(Schema):
    statement: StatementOut
    value: int
    label: str
    updated_at: datetime
    can_change: bool


# --- Helpers ------------------------------------------------------------------------------------------------


_BAD_TOKEN = (
    f"That participant token is not valid for this conversation. Join it to get one, and send it in the "
    f"{TOKEN_HEADER} header."
)


def _participant(request: HttpRequest, conversation: Conversation) -> Participant:
    participant = find_participant(conversation, token=request.auth)  # type: ignore[attr-defined]
    if participant is None:
        raise NotAuthenticated(_BAD_TOKEN)
    return participant


def _progress(p: Progress) -> dict[str, int | bool]:
    return p.as_dict()


def _statement(s: Statement) -> dict[str, object]:
    shown = shown_statement(s)
    return {
        "id": s.pk,
        "text": shown.text,
        "language": shown.language,
        "translated": shown.translated,
        "theme": s.theme,
        "is_meta": s.is_meta,
        "is_seed": s.is_seed,
        "state": s.state,
        "created_at": s.created_at,
    }


class _InLanguage:
    """A page of statements in the request's language: the paginator slices it, and each page's translations are
    looked up in one query (not one a statement)."""

    def __init__(self, statements: QuerySet[Statement]) -> None:
        self.statements = statements

    def all(self) -> _InLanguage:
        return self

    def count(self) -> int:
        return self.statements.count()

    def __getitem__(self, page: slice) -> list[dict[str, object]]:
        statements = list(self.statements[page])
        load_statement_translations(statements)
        return [_statement(s) for s in statements]


def _next(participant: Participant, conversation: Conversation) -> dict[str, object]:
    upcoming = next_statement(participant, conversation)
    return {
        "statement": _statement(upcoming.statement) if upcoming.statement else None,
        "progress": _progress(upcoming.progress),
    }


def _about_you(participant: Participant) -> dict[str, object]:
    return {
        "sector": participant.sector,
        "organisation_id": participant.organisation_id,
        "place_id": participant.place_id,
        "community_ids": sorted(participant.communities.values_list("pk", flat=True)),
        "age_band": participant.age_band,
        "ethnic_group": participant.ethnic_group,
    }


def _respond(status: int, body: dict[str, object]) -> HttpResponse:
    """The JSON answer of a hot-path endpoint, rendered by the API's own renderer without validating ``body``
    against the response schema again (that costs as much as the rest of the request's Python). ``body`` must
    be exactly what the endpoint's schema would produce (same fields, same order); the schema still documents
    it, and the tests check the answers against it."""
    # The same bytes as NinjaAPI.create_response with the default JSON renderer, without importing the
    # project-level API object (a higher layer than this app).
    return HttpResponse(
        json.dumps(body, cls=NinjaJSONEncoder), status=status, content_type="application/json; charset=utf-8"
    )


# --- Endpoints ----------------------------------------------------------------------------------------------


@router.post(
    "/conversations/{slug}/join",
    response={201: JoinOut, **ERRORS},
    summary="Join a conversation (after the participant agreed to take part)",
)
def join(request: HttpRequest, slug: str, payload: JoinIn | None = None) -> Status[dict[str, object]]:
    """Creates a pseudonymous participant and returns its token, or, when a valid `X-Participant-Token` of
    the same system is sent, joins that participant. The optional "about you" answers are validated against
    what the conversation asks and the system's own lists (for an existing participant they replace earlier
    answers to the questions this conversation asks). New participants count against the per-address
    join rate limit (HTTP 429 with `Retry-After`)."""
    conversation = get_conversation_for_participant(slug)
    require_open(conversation)
    existing = None
    raw = request.headers.get(TOKEN_HEADER)
    if raw:
        existing = find_participant(conversation, token=raw)
        if existing is None:
            raise NotAuthenticated(
                f"That participant token is not valid for this conversation's system. Leave out the "
                f"{TOKEN_HEADER} header to join as a new participant."
            )
    payload = payload or JoinIn()
    answers = payload.model_dump(exclude_defaults=True)
    about = None
    if answers:
        # Validate before creating anyone, so a bad answer creates no participant.
        about = check_about_you(
            existing or Participant(system_id=conversation.system_id),
            conversation,
            sector=payload.sector,
            organisation_id=payload.organisation_id,
            place_id=payload.place_id,
            community_ids=payload.community_ids,
            age_band=payload.age_band,
            ethnic_group=payload.ethnic_group,
        )
    result = do_join(
        conversation, participant=existing, ip=client_address(request), issue_token=existing is None
    )
    participant = result.participant
    if about is not None:
        do_update_about_you(participant, conversation, about)
    return Status(
        201,
        {
            "participant": participant.handle,
            "token": result.token,
            "new_participant": result.new_participant,
            "conversation": {
                "slug": conversation.slug,
                "title": shown_conversation(conversation, "title").text,
                "question": shown_conversation(conversation, "question").text,
                "status": conversation.status,
                "moderation": conversation.moderation,
                "participants_can_add": conversation.participants_can_add,
                "themes": list(conversation.themes or []),
                "asks": {
                    "sector": conversation.ask_sector,
                    "organisation": conversation.ask_organisation,
                    "place": conversation.ask_place,
                    "communities": conversation.ask_community,
                    "age_band": conversation.ask_age_band,
                    "ethnic_group": conversation.ask_ethnic_group,
                },
            },
            "about_you": _about_you(participant),
            "progress": _next(participant, conversation)["progress"],
        },
    )


@router.put(
    "/conversations/{slug}/about-you",
    auth=participant_token,
    response={200: AboutYouOut, **ERRORS},
    summary="Answer (or change) the optional 'about you' questions",
)
def about_you(request: HttpRequest, slug: str, payload: AboutYouIn) -> dict[str, object]:
    """Replaces the answers to the questions this conversation asks; a question left out is cleared."""
    conversation = get_conversation_for_participant(slug)
    participant = require_joined(_participant(request, conversation), conversation)
    about = check_about_you(
        participant,
        conversation,
        sector=payload.sector,
        organisation_id=payload.organisation_id,
        place_id=payload.place_id,
        community_ids=payload.community_ids,
        age_band=payload.age_band,
        ethnic_group=payload.ethnic_group,
    )
    do_update_about_you(participant, conversation, about)
    return _about_you(participant)


@router.get(
    "/conversations/{slug}/next",
    auth=participant_token,
    response={200: NextOut, **ERRORS},
    summary="The next statement to vote on, and progress",
)
def next_(request: HttpRequest, slug: str) -> HttpResponse:
    """A statement the participant has not voted on (weighted by the latest analysis' priorities), or null
    when they have voted on every one."""
    found = find_joined(slug, token=request.auth)  # type: ignore[attr-defined]
    if found is None:  # say why: no such conversation, a bad token, or not joined
        conversation = get_conversation_for_participant(slug)
        participant = require_joined(_participant(request, conversation), conversation)
    else:
        conversation, participant = found
    require_open(conversation)
    return _respond(200, _next(participant, conversation))


@router.post(
    "/conversations/{slug}/votes",
    auth=participant_token,
    response={201: VoteOut, **ERRORS},
    summary="Vote on a statement, or change a vote",
)
def vote(request: HttpRequest, slug: str, payload: VoteIn, next: bool = False) -> HttpResponse:
    """Records the vote as a new event and makes it the current vote; once this answers 201 the vote is
    kept. With `?next=true` the answer includes the next statement, saving a round trip."""
    found = find_for_vote(slug, payload.statement_id, token=request.auth)  # type: ignore[attr-defined]
    if found is None:
        get_conversation_for_participant(slug)  # 404 for the conversation itself first
        raise NotFound(f"There is no statement {payload.statement_id} in this conversation.")
    statement, participant = found
    conversation = statement.conversation
    if participant is None:
        raise NotAuthenticated(_BAD_TOKEN)
    recorded = do_vote(participant, statement, payload.value)
    body: dict[str, object] = {
        "statement_id": statement.pk,
        "value": recorded.value,
        "label": VoteValue(recorded.value).label,
        "at": recorded.updated_at,
        "next": _next(participant, conversation) if next else None,
    }
    return _respond(201, body)


@router.post(
    "/conversations/{slug}/statements",
    auth=participant_token,
    response={201: SubmittedOut, **ERRORS},
    summary="Add a statement",
)
def add_statement(request: HttpRequest, slug: str, payload: StatementIn) -> Status[dict[str, object]]:
    """Adds a statement (pending under strict moderation, shown at once under permissive moderation) and
    records the author's agree vote on it. An exact duplicate is refused with `duplicate_statement`, whose
    detail gives the existing statement's id."""
    conversation = get_conversation_for_participant(slug)
    participant = _participant(request, conversation)
    submitted = do_submit_statement(participant, conversation, payload.text, theme=payload.theme or "")
    message = (
        "Your statement was added and others can vote on it now."
        if submitted.shown_now
        else "Your statement was sent; others will see it once a moderator accepts it."
    )
    return Status(
        201,
        {
            "statement": _statement(submitted.statement),
            "your_vote": submitted.vote.value,
            "shown_now": submitted.shown_now,
            "message": message + " We've counted your agree vote on it.",
        },
    )


@router.get(
    "/conversations/{slug}/statements",
    response={200: list[StatementOut], **ERRORS},
    summary="The statements participants can see",
)
@paginate(Pagination)
def statements(request: HttpRequest, slug: str) -> object:
    """Every statement shown to participants (accepted ones; under permissive moderation also those not yet
    moderated), oldest first. Public to anyone with the conversation's link, like the pages."""
    conversation = get_conversation_for_participant(slug)
    if conversation.status == Conversation.Status.DRAFT:
        require_open(conversation)
    return _InLanguage(visible_statements(conversation).order_by("id"))


@router.get(
    "/conversations/{slug}/my-votes",
    auth=participant_token,
    response={200: list[MyVoteOut], **ERRORS},
    summary="The participant's current votes",
)
def my_votes_(request: HttpRequest, slug: str) -> list[dict[str, object]]:
    """Every statement the participant voted on, with their current vote and whether it can still change.
    Works after the conversation closes."""
    conversation = get_conversation_for_participant(slug)
    participant = require_joined(_participant(request, conversation), conversation)
    rows = list(my_votes(participant, conversation))
    load_statement_translations(row.statement for row in rows)
    return [
        {
            "statement": _statement(row.statement),
            "value": row.value,
            "label": row.label,
            "updated_at": row.updated_at,
            "can_change": row.votable,
        }
        for row in rows
    ]


# --- Where you stand, and similar statements (the participant part of issue 4) ------------------------------


class BeliefOut(Schema):
    statement: StatementOut
    direction: str = Field(description="'agree' or 'disagree': what the people stand out for.")
    share: str = Field(
        description="In words, e.g. '9 in 10 who voted on it agree'; empty when too few voted."
    )


class GroupSizeOut(Schema):
    label: str = Field(description="'Group A', 'Group B', ...")
    size: str = Field(description="'15 people', or 'fewer than 5 people'.")
    is_yours: bool


class StandingOut(Schema):
    state: str = Field(
        description="need_votes (fewer than `needed` votes), no_snapshot (not analysed yet), catching_up (the "
        "latest analysis predates the participant's last needed vote), not_placed (analysed, in no opinion "
        "group) or placed."
    )
    votes: int
    needed: int = Field(description="Votes needed to be placed in an opinion group (7, or every statement).")
    remaining: int
    closed: bool
    newer_votes: bool = Field(description="The participant has votes newer than the analysis shown.")
    computed_at: datetime | None
    group: str | None = Field(description="The participant's opinion group when placed, e.g. 'Group B'.")
    group_size: str = Field(description="E.g. 'with 14 other people'; empty unless placed.")
    groups: list[GroupSizeOut]
    common_ground: list[BeliefOut] = Field(description="What almost everyone agrees on, in every group.")
    group_beliefs: list[BeliefOut] = Field(description="What the participant's group believes most.")
    map_text: str = Field(description="The opinion map in words.")
    common_ground_reason: str = Field(
        "",
        description="Why there is no common ground yet, from the analysis ('' when there is some, or no reason).",
    )
    groups_reason: str = Field(
        "",
        description="Why there is one opinion group or none, from the analysis ('' when there is nothing to say).",
    )


class SimilarOut(Schema):
    statement: StatementOut
    score: float = Field(description="Similarity to the text, 0 to 1.")
    your_vote: int | None = Field(description="The participant's current vote on it, or null.")


@router.get(
    "/conversations/{slug}/standing",
    auth=participant_token,
    response={200: StandingOut, **ERRORS},
    summary="Where the participant stands: their opinion group and the common ground",
)
def standing(request: HttpRequest, slug: str) -> dict[str, object]:
    """From the latest analysis: after 7 votes, the participant's opinion group, what it believes most and what
    almost everyone agrees on (the same as the "Where you stand" page). Works after the conversation closes."""
    conversation = get_conversation_for_participant(slug)
    if conversation.status == Conversation.Status.DRAFT:
        require_open(conversation)
    participant = require_joined(_participant(request, conversation), conversation)
    found = where_you_stand(conversation, participant)
    assert found is not None
    load_statement_translations(b.statement for b in (*found.common_ground, *found.group_beliefs))

    def belief(b: object) -> dict[str, object]:
        return {"statement": _statement(b.statement), "direction": b.direction, "share": b.share}  # type: ignore[attr-defined]

    return {
        "state": found.state,
        "votes": found.votes,
        "needed": found.needed,
        "remaining": found.remaining,
        "closed": found.closed,
        "newer_votes": found.newer_votes,
        "computed_at": found.computed_at,
        "group": found.group_label or None,
        "group_size": found.group_size_text,
        "groups": [{"label": g.label, "size": g.size, "is_yours": g.is_yours} for g in found.groups],
        "common_ground": [belief(b) for b in found.common_ground],
        "group_beliefs": [belief(b) for b in found.group_beliefs],
        "map_text": found.map_text,
        "common_ground_reason": found.common_ground_reason,
        "groups_reason": found.groups_reason,
    }


@router.get(
    "/conversations/{slug}/similar",
    auth=participant_token,
    response={200: list[SimilarOut], **ERRORS},
    summary="Accepted statements like a text being typed",
)
def similar(request: HttpRequest, slug: str, text: str = "") -> list[dict[str, object]]:
    """Up to 3 accepted statements most like `text` (at least 12 characters), best first, so a participant can
    vote on one instead of adding a near-duplicate. Never pending or rejected statements. Rate-limited per
    participant (`COMMONWEAL_RATE_SIMILAR`)."""
    conversation = get_conversation_for_participant(slug)
    require_open(conversation)
    participant = require_joined(_participant(request, conversation), conversation)
    found = check_similar_query(participant, conversation, text[:1000])
    load_statement_translations(s.statement for s in found)
    return [
        {"statement": _statement(s.statement), "score": round(s.score, 3), "your_vote": s.vote} for s in found
    ]
