"""Read-only lookups for participants' data rights.

- :func:`participant_data`: everything held about a participant (their answers about themselves, and in each
  conversation of the system they took part in: their current votes, every vote they cast, the statements they
  wrote), for the "Your data" page, its download (:func:`data_document`, :func:`data_csv`) and the API.
- :func:`erasure_plan`: what erasing a participant would remove and what it would keep, for the confirmation
  pages; the erasure action reads the same plan inside its transaction.
- :func:`erasure_note`: what the results, the report and the exports say about erasures beside a snapshot.
- :func:`due_for_retention`: the closed conversations whose system's retention period has run out.

A participant is known by their *reference*: the random handle they were given when they joined (never the
database id), written in groups of four (:func:`format_reference`). It is on their "Your data" page, so they can
give it to a facilitator to have their data erased.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from commonweal.conversations.models import (
    AnalysisSnapshot,
    Conversation,
    Erasure,
    Participant,
    Participation,
    Statement,
    Vote,
    VoteEvent,
    VoteValue,
)
from commonweal.core.errors import field_error
from commonweal.core.spreadsheet import SpreadsheetWriter
from commonweal.systems.models import Sector
from commonweal.systems.notices import retention_sentence

__all__ = [
    "ConversationData",
    "ConversationPlan",
    "ErasureNote",
    "ErasurePlan",
    "ParticipantData",
    "RetentionDue",
    "StatementRow",
    "VoteRow",
    "data_csv",
    "data_document",
    "due_for_retention",
    "erasure_note",
    "erasure_plan",
    "find_by_reference",
    "format_reference",
    "parse_reference",
    "participant_data",
    "participants_of",
    "retention_sentence",
]


# --- The participant's reference --------------------------------------------------------------------------------


def format_reference(handle: str) -> str:
    """A participant's reference as people read and type it: their handle in groups of four."""
    return "-".join(handle[i : i + 4] for i in range(0, len(handle), 4))


def parse_reference(text: str) -> str:
    """The handle a typed reference stands for (spaces, hyphens and capitals do not matter); :class:`InvalidInput`
    on the ``reference`` field when it cannot be one."""
    cleaned = re.sub(r"[\s\-]", "", text or "").lower()
    if not re.fullmatch(r"[0-9a-f]{16}", cleaned):
        raise field_error(
            "reference",
            "A participant reference is 16 letters and digits, such as 3f9a-07c2-11de-8b40: copy it from the "
            "person's 'Your data' page.",
        )
    return cleaned


def find_by_reference(conversation: Conversation, text: str) -> Participant:
    """The participant of this conversation with the reference ``text``; :class:`InvalidInput` on the
    ``reference`` field when it is malformed or nobody in the conversation has it."""
    handle = parse_reference(text)
    participant = (
        Participant.objects.select_related("system")
        .filter(system_id=conversation.system_id, handle=handle)
        .filter(
            Q(participations__conversation=conversation)
            | Q(vote_events__conversation=conversation)
            | Q(statements__conversation=conversation)
        )
        .distinct()
        .first()
    )
    if participant is None:
        raise field_error(
            "reference",
            f"Nobody in this conversation has the reference {format_reference(handle)}. Check it with the "
            "person: it is on their 'Your data' page. Their data may already have been erased.",
        )
    return participant


# --- What is held about a participant -----------------------------------------------------------------------------


@dataclass(frozen=True)
class VoteRow:
    """A vote: current (the latest on a statement) or one event of the history."""

    statement_id: int
    statement: str
    value: int
    at: datetime

    @property
    def label(self) -> str:
        return str(VoteValue(self.value).label)


@dataclass(frozen=True)
class StatementRow:
    """A statement the participant wrote."""

    id: int
    text: str
    state: str
    state_label: str
    created_at: datetime


@dataclass(frozen=True)
class ConversationData:
    """What a participant did in one conversation."""

    conversation: Conversation
    joined_at: datetime | None
    votes: list[VoteRow]
    history: list[VoteRow]
    statements: list[StatementRow]


@dataclass(frozen=True)
class ParticipantData:
    """Everything held about a participant of a system (see :func:`participant_data`)."""

    participant: Participant
    reference: str
    retention_days: int
    sector: str  # the sector's name, "" when not answered
    organisation: str
    place: str
    communities: list[str]
    has_app_token: bool
    conversations: list[ConversationData]
    age_band: str = ""  # the answer's words ("16 to 24", "Prefer not to say"), "" when not answered
    ethnic_group: str = ""

    @property
    def answered_about_you(self) -> bool:
        return bool(
            self.sector
            or self.organisation
            or self.place
            or self.communities
            or self.age_band
            or self.ethnic_group
        )

    def in_conversation(self, conversation: Conversation) -> ConversationData | None:
        return next((c for c in self.conversations if c.conversation.pk == conversation.pk), None)


def participants_of(conversation: Conversation) -> QuerySet[Participant]:
    """Everyone with data in the conversation: who joined it, voted in it or wrote a statement in it."""
    return Participant.objects.filter(system_id=conversation.system_id).filter(
        Exists(Participation.objects.filter(participant=OuterRef("pk"), conversation=conversation))
        | Exists(VoteEvent.objects.filter(participant=OuterRef("pk"), conversation=conversation))
        | Exists(Statement.objects.filter(author=OuterRef("pk"), conversation=conversation))
    )


def _conversations_of(participant: Participant) -> list[Conversation]:
    """The conversations the participant joined, voted in or wrote in, oldest first."""
    return list(
        Conversation.objects.filter(
            Q(participations__participant=participant)
            | Q(vote_events__participant=participant)
            | Q(statements__author=participant)
        )
        .distinct()
        .order_by("created_at", "pk")
    )


def _votes(rows: Any) -> list[VoteRow]:
    return [VoteRow(sid, text, value, at) for sid, text, value, at in rows]


def _conversation_data(participant: Participant, conversation: Conversation) -> ConversationData:
    joined = (
        Participation.objects.filter(participant=participant, conversation=conversation)
        .values_list("joined_at", flat=True)
        .first()
    )
    current = Vote.objects.filter(participant=participant, conversation=conversation).order_by("statement_id")
    events = VoteEvent.objects.filter(participant=participant, conversation=conversation).order_by("at", "id")
    written = Statement.objects.filter(author=participant, conversation=conversation).order_by("created_at")
    return ConversationData(
        conversation=conversation,
        joined_at=joined,
        votes=_votes(current.values_list("statement_id", "statement__text", "value", "updated_at")),
        history=_votes(events.values_list("statement_id", "statement__text", "value", "at")),
        statements=[
            StatementRow(s.pk, s.text, s.state, str(s.get_state_display()), s.created_at) for s in written
        ],
    )


def participant_data(participant: Participant) -> ParticipantData:
    """Everything the platform holds about ``participant``: the same for the page, the download and the API."""
    system = participant.system
    return ParticipantData(
        participant=participant,
        reference=format_reference(participant.handle),
        retention_days=system.retention_days,
        sector=str(Sector(participant.sector).label) if participant.sector else "",
        organisation=participant.organisation.name if participant.organisation_id else "",  # type: ignore[union-attr]
        place=participant.place.name if participant.place_id else "",  # type: ignore[union-attr]
        communities=list(participant.communities.order_by("name").values_list("name", flat=True)),
        has_app_token=bool(participant.token_hash),
        conversations=[_conversation_data(participant, c) for c in _conversations_of(participant)],
        age_band=str(participant.get_age_band_display()) if participant.age_band else "",
        ethnic_group=str(participant.get_ethnic_group_display()) if participant.ethnic_group else "",
    )


def _vote_dicts(rows: list[VoteRow]) -> list[dict[str, Any]]:
    return [
        {
            "statement_id": v.statement_id,
            "statement": v.statement,
            "value": v.value,
            "label": v.label,
            "at": v.at,
        }
        for v in rows
    ]


def data_document(data: ParticipantData) -> dict[str, Any]:
    """The participant's data as one JSON-ready document: the download and the API's answer."""
    participant = data.participant
    return {
        "reference": data.reference,
        "system": participant.system.name,
        "generated_at": timezone.now(),
        "first_seen_at": participant.created_at,
        "consented_at": participant.consented_at,
        "retention_days": data.retention_days,
        "about_you": {
            "sector": data.sector or None,
            "organisation": data.organisation or None,
            "place": data.place or None,
            "communities": data.communities,
            "age_band": data.age_band or None,
            "ethnic_group": data.ethnic_group or None,
        },
        "has_app_token": data.has_app_token,
        "conversations": [
            {
                "slug": c.conversation.slug,
                "title": c.conversation.title,
                "status": c.conversation.status,
                "closed_at": c.conversation.closed_at,
                "joined_at": c.joined_at,
                "votes": _vote_dicts(c.votes),
                "vote_history": _vote_dicts(c.history),
                "statements": [
                    {"id": s.id, "text": s.text, "state": s.state, "created_at": s.created_at}
                    for s in c.statements
                ],
            }
            for c in data.conversations
        ],
    }


CSV_HEADER = ["record", "conversation", "statement_id", "text", "answer", "at"]


def data_csv(data: ParticipantData) -> str:
    """The participant's data as CSV, one row a fact (an answer, a vote, a vote in the history, a statement);
    safe to open in a spreadsheet."""
    buffer = io.StringIO()
    writer = SpreadsheetWriter(buffer, numbers=(2,))
    writer.writerow(CSV_HEADER)
    writer.writerow(["reference", "", "", "", data.reference, ""])
    about = [("sector", data.sector), ("organisation", data.organisation), ("place", data.place)]
    about += [("community", name) for name in data.communities]
    about += [("age band", data.age_band), ("ethnic group", data.ethnic_group)]
    for question, answer in about:
        if answer:
            writer.writerow(["about you", "", "", question, answer, ""])
    for c in data.conversations:
        title = c.conversation.title
        if c.joined_at:
            writer.writerow(["joined", title, "", "", "", c.joined_at.isoformat()])
        for v in c.votes:
            writer.writerow(["current vote", title, v.statement_id, v.statement, v.label, v.at.isoformat()])
        for v in c.history:
            writer.writerow(["vote cast", title, v.statement_id, v.statement, v.label, v.at.isoformat()])
        for s in c.statements:
            writer.writerow(["statement", title, s.id, s.text, s.state_label, s.created_at.isoformat()])
    return buffer.getvalue()


# --- What an erasure removes and keeps ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ConversationPlan:
    """What erasing some participants removes from one conversation, and which of their statements stay."""

    conversation: Conversation
    votes: int
    vote_events: int
    #: Statements that nobody but their author voted on: deleted.
    statements_deleted: list[Statement]
    #: Statements that others voted on: kept, without their author (docs/data-rights.md says why).
    statements_kept: list[Statement]


@dataclass(frozen=True)
class ErasurePlan:
    """What erasing a participant removes, conversation by conversation, and whether answers about them go."""

    participant: Participant
    reference: str
    conversations: list[ConversationPlan]
    answered_about_you: bool

    @property
    def votes(self) -> int:
        return sum(c.votes for c in self.conversations)

    @property
    def statements_deleted(self) -> int:
        return sum(len(c.statements_deleted) for c in self.conversations)

    @property
    def statements_kept(self) -> int:
        return sum(len(c.statements_kept) for c in self.conversations)


def split_statements(
    conversation: Conversation, authors: QuerySet[Participant] | None
) -> tuple[list[Statement], list[Statement]]:
    """The statements of ``authors`` (every participant when None) in the conversation: (those nobody but their
    author voted on, those someone else voted on)."""
    others = VoteEvent.objects.filter(statement=OuterRef("pk")).exclude(participant=OuterRef("author"))
    written = Statement.objects.filter(conversation=conversation, author__isnull=False)
    if authors is not None:
        written = written.filter(author__in=authors)
    rows = list(written.annotate(others_voted=Exists(others)).order_by("pk"))
    return [s for s in rows if not s.others_voted], [s for s in rows if s.others_voted]


def conversation_plan(conversation: Conversation, participant: Participant | None) -> ConversationPlan:
    """What erasing ``participant`` (every participant when None) removes from ``conversation``."""
    votes = Vote.objects.filter(conversation=conversation)
    events = VoteEvent.objects.filter(conversation=conversation)
    authors = None
    if participant is not None:
        votes, events = votes.filter(participant=participant), events.filter(participant=participant)
        authors = Participant.objects.filter(pk=participant.pk)
    deleted, kept = split_statements(conversation, authors)
    return ConversationPlan(conversation, votes.count(), events.count(), deleted, kept)


def erasure_plan(participant: Participant) -> ErasurePlan:
    """What erasing ``participant`` would remove (every conversation of the system they took part in, and their
    answers about themselves) and which of their statements would stay."""
    return ErasurePlan(
        participant=participant,
        reference=format_reference(participant.handle),
        conversations=[conversation_plan(c, participant) for c in _conversations_of(participant)],
        answered_about_you=bool(
            participant.sector
            or participant.organisation_id
            or participant.place_id
            or participant.age_band
            or participant.ethnic_group
            or participant.communities.exists()
        ),
    )


# --- The note beside results after an erasure ---------------------------------------------------------------------


@dataclass(frozen=True)
class ErasureNote:
    """What results, the report and the exports say about the latest erasure in a conversation.

    ``pending``: the snapshot shown was computed before it, so it still counts the erased data ("updated after
    an erasure"); otherwise the snapshot leaves the erased data out ("includes an erasure on ...").
    ``final``: no votes were left after it, so no new analysis will replace the snapshot.
    """

    at: datetime
    reason: str
    pending: bool
    final: bool

    @property
    def date(self) -> str:
        return date_format(timezone.localtime(self.at), "j F Y")

    @property
    def heading(self) -> str:
        return _("Updated after an erasure") if self.pending else _("Includes an erasure")

    @property
    def text(self) -> str:
        if not self.pending:
            return _(
                "Includes an erasure on %(date)s: participants' data erased on that day is not counted in "
                "these results."
            ) % {"date": self.date}
        if self.final:
            return _(
                "Updated after an erasure on %(date)s: participants' data was erased after these results were "
                "computed. The results still count it, and as no votes are left they will not be computed again."
            ) % {"date": self.date}
        return _(
            "Updated after an erasure on %(date)s: participants' data was erased after these results were "
            "computed. The results still count it until the analysis runs again, within moments."
        ) % {"date": self.date}

    def as_dict(self) -> dict[str, Any]:
        return {
            "state": "pending" if self.pending else "included",
            "at": self.at.isoformat(),
            "reason": self.reason,
            "text": self.text,
        }


def snapshot_includes(snapshot: AnalysisSnapshot, erasure: Erasure) -> bool:
    """Whether the snapshot was computed without the data ``erasure`` removed.

    The erasure bumps the analysis version in its own transaction, and an analysis reads the version before the
    votes, so a snapshot with that version (or a later one) read the votes after the erasure. With no votes
    left the version is not bumped (there is nothing to analyse), and only a later snapshot can include it.
    """
    if erasure.analysis_version is not None:
        return snapshot.moderation_version >= erasure.analysis_version
    return snapshot.computed_at > erasure.at


def erasure_note(conversation: Conversation, snapshot: AnalysisSnapshot | None) -> ErasureNote | None:
    """The note to show beside ``snapshot`` (the latest, usually) about the conversation's latest erasure; None
    when nothing was ever erased from it or there are no results to qualify (one query)."""
    if snapshot is None:
        return None
    latest = Erasure.objects.filter(conversation=conversation).order_by("-at", "-id").first()
    if latest is None:
        return None
    pending = not snapshot_includes(snapshot, latest)
    return ErasureNote(
        at=latest.at, reason=latest.reason, pending=pending, final=pending and latest.analysis_version is None
    )


# --- Retention ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetentionDue:
    """A closed conversation whose participant data the retention period has run out for."""

    conversation: Conversation
    closed_at: datetime
    retention_days: int
    participants: int
    votes: int


def due_for_retention(now: datetime | None = None) -> list[RetentionDue]:
    """Closed conversations that closed longer ago than their system keeps participant data and still hold
    some, oldest first. A reopened conversation is open, so not due."""
    now = now or timezone.now()
    closed = (
        Conversation.objects.filter(status=Conversation.Status.CLOSED, closed_at__isnull=False)
        .select_related("system")
        .order_by("closed_at", "pk")
    )
    due = []
    for conversation in closed:
        days = conversation.system.retention_days
        assert conversation.closed_at is not None
        if conversation.closed_at + timedelta(days=days) > now:
            continue
        people = participants_of(conversation).count()
        if people:
            votes = Vote.objects.filter(conversation=conversation).count()
            due.append(RetentionDue(conversation, conversation.closed_at, days, people, votes))
    return due
