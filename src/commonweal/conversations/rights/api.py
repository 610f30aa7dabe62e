"""The participant's data rights in the JSON API, under /api/conversations/{slug}/: everything held about them
(``GET .../my-data``) and deleting it (``DELETE .../me``), with the participant token in ``X-Participant-Token``.

The same queries and action as the "Your data" page: the data covers every conversation of the system the
participant took part in, and deleting it ends the token.
"""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from commonweal.conversations.models import Conversation, Participant
from commonweal.conversations.participate.actions import find_participant
from commonweal.conversations.participate.api import TOKEN_HEADER, participant_token
from commonweal.conversations.queries import get_conversation_for_participant
from commonweal.conversations.rights.actions import do_erase_participant
from commonweal.conversations.rights.queries import data_document, participant_data
from commonweal.core.errors import NotAuthenticated
from commonweal.core.schemas import ERRORS

router = Router(tags=["participants"])


class MyDataVoteOut(Schema):
    statement_id: int
    statement: str = Field(description="The statement's text.")
    value: int = Field(description="1 agree, -1 disagree, 0 pass.")
    label: str
    at: datetime


class MyDataStatementOut(Schema):
    id: int
    text: str
    state: str = Field(description="pending, accepted or rejected.")
    created_at: datetime


class MyDataConversationOut(Schema):
    slug: str
    title: str
    status: str
    closed_at: datetime | None
    joined_at: datetime | None
    votes: list[MyDataVoteOut] = Field(description="The current vote on each statement.")
    vote_history: list[MyDataVoteOut] = Field(
        description="Every vote cast, changed ones included, oldest first."
    )
    statements: list[MyDataStatementOut] = Field(description="Statements the participant wrote.")


class MyDataAboutYouOut(Schema):
    sector: str | None
    organisation: str | None
    place: str | None
    communities: list[str]
    age_band: str | None = None
    ethnic_group: str | None = None


class MyDataOut(Schema):
    reference: str = Field(
        description="The participant's reference, to give a facilitator to erase their data."
    )
    system: str
    generated_at: datetime
    first_seen_at: datetime
    consented_at: datetime | None
    retention_days: int = Field(description="Days the system keeps this data after a conversation closes.")
    about_you: MyDataAboutYouOut
    has_app_token: bool = Field(description="Whether a participant token (only its hash) is stored.")
    conversations: list[MyDataConversationOut] = Field(
        description="Every conversation of the system the participant took part in."
    )


class ErasedOut(Schema):
    reference: str
    conversations: list[str] = Field(description="Slugs of the conversations the data was erased from.")
    votes: int
    vote_events: int
    statements_deleted: int = Field(description="Statements nobody else had voted on.")
    statements_unattributed: int = Field(
        description="Statements others had voted on: kept, without their author."
    )
    answers_about_you: bool = Field(description="Whether answers about the participant were deleted.")
    message: str


def _participant(request: HttpRequest, conversation: Conversation) -> Participant:
    participant = find_participant(conversation, token=request.auth)  # type: ignore[attr-defined]
    if participant is None:
        raise NotAuthenticated(
            f"That participant token is not valid for this conversation's system (or its data was deleted). "
            f"Send the token the join endpoint returned, in the {TOKEN_HEADER} header."
        )
    return participant


@router.get(
    "/conversations/{slug}/my-data",
    auth=participant_token,
    response={200: MyDataOut, **ERRORS},
    summary="Everything held about the participant",
)
def my_data(request: HttpRequest, slug: str) -> dict[str, object]:
    """The participant's answers about themselves and, in every conversation of this system they took part in,
    their current votes, every vote they cast and the statements they wrote: the same as the "Your data" page
    and its download. Works whatever the conversation's state."""
    conversation = get_conversation_for_participant(slug)
    return data_document(participant_data(_participant(request, conversation)))


@router.delete(
    "/conversations/{slug}/me",
    auth=participant_token,
    response={200: ErasedOut, **ERRORS},
    summary="Delete the participant's data",
)
def erase_me(request: HttpRequest, slug: str) -> dict[str, object]:
    """Erases the participant's votes, vote history, answers about themselves and the statements they wrote that
    nobody else voted on, in every conversation of this system (statements others voted on stay, without their
    author), and the participant itself: the token stops working. Results computed before are marked "updated
    after an erasure" until the next analysis leaves the data out."""
    conversation = get_conversation_for_participant(slug)
    summary = do_erase_participant(_participant(request, conversation))
    return {
        "reference": summary.reference,
        "conversations": summary.conversations,
        "votes": summary.votes,
        "vote_events": summary.vote_events,
        "statements_deleted": summary.statements_deleted,
        "statements_unattributed": summary.statements_unattributed,
        "answers_about_you": summary.answers_about_you,
        "message": _("Your data is deleted. This token no longer works."),
    }
