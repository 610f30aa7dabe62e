"""The facilitator and moderator side of the JSON API, under /api/manage/: conversations of a system (list,
create, get, update, open, close), seed statements, the moderation queue (list, accept and reject one or many,
meta and theme) and the dashboard's counts.

Authenticated with an API token (``Authorization: Bearer <token>``, see ``accounts.api``). Each endpoint calls
``require`` and then the same action as the pages (``actions.facilitation``), so the rules, the audit log and the
error codes are the same. Errors have the one JSON shape ``{"error": {"code", "message", "detail"}}``.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Annotated, Any, Literal

from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from commonweal.accounts.api import api_token
from commonweal.conversations.facilitate import actions
from commonweal.conversations.facilitate.dashboard import build_dashboard
from commonweal.conversations.facilitate.views import participant_url
from commonweal.conversations.models import Conversation, Statement
from commonweal.conversations.permissions import require
from commonweal.conversations.queries import get_conversation
from commonweal.core.errors import NotFound
from commonweal.core.schemas import MULTILINE, Id, InputSchema, PathId, QueryPage
from commonweal.systems.queries import get_system

router = Router(tags=["facilitators: conversations"], auth=api_token)

QUEUE_PAGE_SIZE = 100


# Strict types, no unknown fields, every string cleaned (core.schemas).
_In = InputSchema
Description = Annotated[str, MULTILINE]


class ConversationIn(_In):
    title: str = Field(max_length=actions.TITLE_MAX_LENGTH)
    question: str = Field(max_length=actions.QUESTION_MAX_LENGTH)
    description: Description = Field("", max_length=actions.DESCRIPTION_MAX_LENGTH)
    moderation: Literal["strict", "permissive"] = "strict"
    participants_can_add: bool = True
    ask_sector: bool = True
    ask_organisation: bool = True
    ask_place: bool = True
    ask_community: bool = True
    ask_age_band: bool = False
    ask_ethnic_group: bool = False
    slug: str = Field(
        "",
        max_length=200,
        description="A readable link, /c/<slug>/ (letters, numbers and hyphens, 3 to 40); empty: a random one.",
    )
    themes: list[str] | None = Field(
        None, description="The conversation's themes; the defaults ('What is working', ...) when left out."
    )


class ConversationPatch(_In):
    title: str | None = Field(None, max_length=actions.TITLE_MAX_LENGTH)
    question: str | None = Field(None, max_length=actions.QUESTION_MAX_LENGTH)
    description: Description | None = Field(None, max_length=actions.DESCRIPTION_MAX_LENGTH)
    moderation: Literal["strict", "permissive"] | None = None
    participants_can_add: bool | None = None
    ask_sector: bool | None = None
    ask_organisation: bool | None = None
    ask_place: bool | None = None
    ask_community: bool | None = None
    ask_age_band: bool | None = None
    ask_ethnic_group: bool | None = None
    slug: str | None = Field(
        None, max_length=200, description="A new link, while the conversation is a draft."
    )
    themes: list[str] | None = None


class ConversationOut(Schema):
    slug: str
    system: str
    title: str
    question: str
    description: str
    status: str
    moderation: str
    participants_can_add: bool
    ask_sector: bool
    ask_organisation: bool
    ask_place: bool
    ask_community: bool
    ask_age_band: bool
    ask_ethnic_group: bool
    themes: list[str]
    created_at: datetime
    opened_at: datetime | None
    closed_at: datetime | None
    participant_url: str = Field(description="The link participants join from (the QR code opens it).")
    statements: dict[str, int] = Field(description="Counts: to_review, pending, accepted, rejected, total.")


class SeedIn(_In):
    text: str
    theme: str = Field("", max_length=actions.THEME_MAX_LENGTH)


class SeedsIn(_In):
    statements: list[SeedIn] = Field(description="One item per seed statement.")


class SeedsOut(Schema):
    added: list[dict[str, Any]]
    duplicates: list[dict[str, Any]] = Field(description="Skipped: already in the conversation, or repeated.")


class QueueStatementOut(Schema):
    id: int
    text: str
    state: str
    reviewed: bool
    is_seed: bool
    is_meta: bool
    theme: str
    author: str | None = Field(description="The participant's public handle; null for a seed statement.")
    created_at: datetime
    moderated_at: datetime | None
    moderated_by: str | None


class QueueOut(Schema):
    view: str
    page: int
    pages: int
    count: int
    counts: dict[str, int]
    statements: list[QueueStatementOut]


class DecisionIn(_In):
    statement_ids: list[Id] = Field(min_length=1, max_length=1000)
    decision: Literal["accept", "reject"]


class DecisionOut(Schema):
    decision: str
    count: int
    statements: list[dict[str, Any]]


class StatementPatch(_In):
    is_meta: bool | None = None
    theme: str | None = Field(None, max_length=actions.THEME_MAX_LENGTH)


def _out(request: HttpRequest, c: Conversation) -> dict[str, Any]:
    return {
        "slug": c.slug,
        "system": c.system.slug,
        "title": c.title,
        "question": c.question,
        "description": c.description,
        "status": c.status,
        "moderation": c.moderation,
        "participants_can_add": c.participants_can_add,
        "ask_sector": c.ask_sector,
        "ask_organisation": c.ask_organisation,
        "ask_place": c.ask_place,
        "ask_community": c.ask_community,
        "ask_age_band": c.ask_age_band,
        "ask_ethnic_group": c.ask_ethnic_group,
        "themes": list(c.themes or []),
        "created_at": c.created_at,
        "opened_at": c.opened_at,
        "closed_at": c.closed_at,
        "participant_url": participant_url(request, c),
        "statements": actions.moderation_counts(c).as_dict(),
    }


def _queue_item(s: Statement) -> dict[str, Any]:
    return {
        "id": s.pk,
        "text": s.text,
        "state": s.state,
        "reviewed": s.moderated_at is not None,
        "is_seed": s.is_seed,
        "is_meta": s.is_meta,
        "theme": s.theme,
        "author": s.author.handle if s.author else None,
        "created_at": s.created_at,
        "moderated_at": s.moderated_at,
        "moderated_by": s.moderated_by.username if s.moderated_by else None,
    }


# --- Conversations ------------------------------------------------------------------------------------------


@router.get(
    "/systems/{system}/conversations", response=list[ConversationOut], summary="The conversations of a system"
)
def list_conversations(request: HttpRequest, system: str) -> list[dict[str, Any]]:
    obj = get_system(system)
    require(request.auth, "conversation.create", obj)  # type: ignore[attr-defined]
    return [_out(request, c) for c in obj.conversations.select_related("system")]


@router.post(
    "/systems/{system}/conversations",
    response={201: ConversationOut},
    summary="Create a conversation (as a draft)",
)
def create_conversation(request: HttpRequest, system: str, payload: ConversationIn) -> Status[dict[str, Any]]:
    obj = get_system(system)
    require(request.auth, "conversation.create", obj)  # type: ignore[attr-defined]
    conversation = actions.check_create_conversation(
        request.auth,  # type: ignore[attr-defined]
        obj,
        actions.ConversationInput(**payload.model_dump()),
    )
    return Status(201, _out(request, conversation))


@router.get(
    "/conversations/{slug}", response=ConversationOut, summary="A conversation and its statement counts"
)
def get_conversation_(request: HttpRequest, slug: str) -> dict[str, Any]:
    conversation = get_conversation(slug)
    require(request.auth, "conversation.view", conversation)  # type: ignore[attr-defined]
    return _out(request, conversation)


@router.patch(
    "/conversations/{slug}", response=ConversationOut, summary="Change a conversation's wording or settings"
)
def update_conversation(request: HttpRequest, slug: str, payload: ConversationPatch) -> dict[str, Any]:
    conversation = get_conversation(slug)
    require(request.auth, "conversation.edit", conversation)  # type: ignore[attr-defined]
    changes = {k: v for k, v in payload.model_dump(exclude_unset=True).items() if v is not None}
    actions.check_update_conversation(
        request.auth,  # type: ignore[attr-defined]
        conversation,
        dataclasses.replace(actions.ConversationInput.of(conversation), **changes),
    )
    return _out(request, conversation)


@router.post(
    "/conversations/{slug}/open", response=ConversationOut, summary="Open (or reopen) a conversation"
)
def open_conversation(request: HttpRequest, slug: str) -> dict[str, Any]:
    conversation = get_conversation(slug)
    require(request.auth, "conversation.change_status", conversation)  # type: ignore[attr-defined]
    actions.check_change_status(request.auth, conversation, Conversation.Status.OPEN)  # type: ignore[attr-defined]
    return _out(request, conversation)


@router.post("/conversations/{slug}/close", response=ConversationOut, summary="Close a conversation")
def close_conversation(request: HttpRequest, slug: str) -> dict[str, Any]:
    conversation = get_conversation(slug)
    require(request.auth, "conversation.change_status", conversation)  # type: ignore[attr-defined]
    actions.check_change_status(request.auth, conversation, Conversation.Status.CLOSED)  # type: ignore[attr-defined]
    return _out(request, conversation)


@router.post(
    "/conversations/{slug}/seeds",
    response={201: SeedsOut},
    summary="Add seed statements (accepted at once; duplicates skipped and reported)",
)
def add_seeds(request: HttpRequest, slug: str, payload: SeedsIn) -> Status[dict[str, Any]]:
    conversation = get_conversation(slug)
    require(request.auth, "conversation.seed", conversation)  # type: ignore[attr-defined]
    seeds = [actions.SeedLine(i, s.text, s.theme.strip()) for i, s in enumerate(payload.statements, start=1)]
    report = actions.check_add_seed_statements(request.auth, conversation, seeds)  # type: ignore[attr-defined]
    return Status(201, report.as_dict())


# --- Moderation ---------------------------------------------------------------------------------------------


class QueueQuery(Schema):
    view: Literal["to_review", "accepted", "rejected", "all"] = "to_review"
    page: QueryPage = 1


@router.get(
    "/conversations/{slug}/moderation", response=QueueOut, summary="The moderation queue, oldest first"
)
def moderation_queue(request: HttpRequest, slug: str, query: Query[QueueQuery]) -> dict[str, Any]:
    conversation = get_conversation(slug)
    require(request.auth, "conversation.moderate", conversation)  # type: ignore[attr-defined]
    paginator = Paginator(actions.moderation_queue(conversation, query.view), QUEUE_PAGE_SIZE)
    if query.page > max(paginator.num_pages, 1):
        raise NotFound(f"There are {paginator.num_pages} pages; ask for page 1 to {paginator.num_pages}.")
    page = paginator.get_page(query.page)
    return {
        "view": query.view,
        "page": page.number,
        "pages": paginator.num_pages,
        "count": paginator.count,
        "counts": actions.moderation_counts(conversation).as_dict(),
        "statements": [_queue_item(s) for s in page.object_list],
    }


@router.post(
    "/conversations/{slug}/moderation",
    response=DecisionOut,
    summary="Accept or reject statements (one or many)",
)
def moderate(request: HttpRequest, slug: str, payload: DecisionIn) -> dict[str, Any]:
    conversation = get_conversation(slug)
    require(request.auth, "conversation.moderate", conversation)  # type: ignore[attr-defined]
    result = actions.check_moderate(
        request.auth,  # type: ignore[attr-defined]
        conversation,
        payload.statement_ids,
        payload.decision,
    )
    return result.as_dict()


def _decide(request: HttpRequest, slug: str, statement_id: int, decision: str) -> dict[str, Any]:
    conversation = get_conversation(slug)
    require(request.auth, "conversation.moderate", conversation)  # type: ignore[attr-defined]
    result = actions.check_moderate(request.auth, conversation, [statement_id], decision)  # type: ignore[attr-defined]
    statement = result.statements[0]
    statement.refresh_from_db()
    return _queue_item(statement)


@router.post(
    "/conversations/{slug}/statements/{statement_id}/accept",
    response=QueueStatementOut,
    summary="Accept one statement",
)
def accept(request: HttpRequest, slug: str, statement_id: PathId) -> dict[str, Any]:
    return _decide(request, slug, statement_id, "accept")


@router.post(
    "/conversations/{slug}/statements/{statement_id}/reject",
    response=QueueStatementOut,
    summary="Reject one statement",
)
def reject(request: HttpRequest, slug: str, statement_id: PathId) -> dict[str, Any]:
    return _decide(request, slug, statement_id, "reject")


@router.patch(
    "/conversations/{slug}/statements/{statement_id}",
    response=QueueStatementOut,
    summary="Mark a statement as meta (or not), or change its theme",
)
def update_statement(
    request: HttpRequest, slug: str, statement_id: PathId, payload: StatementPatch
) -> dict[str, Any]:
    conversation = get_conversation(slug)
    require(request.auth, "conversation.moderate", conversation)  # type: ignore[attr-defined]
    statement = (
        Statement.objects.filter(conversation=conversation, pk=statement_id)
        .select_related("author", "moderated_by")
        .first()
    )
    if statement is None:
        raise NotFound("That statement is not in this conversation.")
    statement.conversation = conversation
    with transaction.atomic():  # both changes or neither
        if payload.theme is not None:
            actions.check_set_theme(request.auth, statement, payload.theme)  # type: ignore[attr-defined]
        if payload.is_meta is not None:
            actions.do_set_meta(request.auth, statement, payload.is_meta)  # type: ignore[attr-defined]
    return _queue_item(statement)


# --- Dashboard ----------------------------------------------------------------------------------------------


@router.get(
    "/conversations/{slug}/dashboard",
    summary="Participation counts, with every breakdown cell under 5 people suppressed",
)
def dashboard(request: HttpRequest, slug: str) -> dict[str, Any]:
    conversation = get_conversation(slug)
    require(request.auth, "conversation.view_dashboard", conversation)  # type: ignore[attr-defined]
    return build_dashboard(conversation).as_dict()
