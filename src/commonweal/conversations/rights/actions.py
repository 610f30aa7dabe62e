"""Erasing participants' data: the one action that may delete what a participant submitted (votes are events,
kept for ever, but for this), audited.

Three ways in, one way of erasing (:func:`_erase_in`, for one conversation):

- :func:`do_erase_participant`: the participant deletes their own data (the "Your data" page, ``DELETE .../me``);
- :func:`check_erase_participant`: a facilitator erases a participant on request, found by their reference;
- :func:`do_erase_conversation_data` and :func:`do_retention`: the system's retention period has run out for a
  closed conversation (``commonweal retention``, and the worker daily).

What goes: the person's votes and vote events, the statements they wrote that nobody else voted on, their
joining of the conversation and, when nothing of theirs is left in the system, the participant with their
answers about themselves and their app token. What stays: statements of theirs that others voted on, without
their author (the others' votes on them are the others' data); published snapshots, which are not rewritten but
marked (an :class:`~commonweal.conversations.models.Erasure` row, read by ``queries.erasure_note``); the audit
entry, which names the reference and counts, nothing they said. The analysis worker recomputes the conversation
(its analysis version is bumped) so that the next snapshot leaves them out. docs/data-rights.md says why.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from commonweal.conversations.facilitate.actions import bump_moderation_version
from commonweal.conversations.models import (
    AnalysisStatus,
    Conversation,
    Erasure,
    Participant,
    Participation,
    RetentionRun,
    Statement,
    Vote,
    VoteEvent,
)
from commonweal.conversations.rights.queries import (
    ConversationPlan,
    RetentionDue,
    conversation_plan,
    due_for_retention,
    erasure_plan,
    find_by_reference,
    participants_of,
)
from commonweal.core import audit

__all__ = [
    "AUDIT_ACTIONS",
    "ErasureSummary",
    "RetentionReport",
    "check_erase_participant",
    "claim_retention_run",
    "do_erase_conversation_data",
    "do_erase_participant",
    "do_retention",
]

#: The audit log's name for each way of erasing.
AUDIT_ACTIONS = {
    Erasure.Reason.PARTICIPANT: "participant.delete_own_data",
    Erasure.Reason.REQUEST: "participant.erase",
    Erasure.Reason.RETENTION: "retention.erase",
}
#: Ids per ``IN (...)`` list: well under every database's limit on query parameters.
BATCH = 500


@dataclass
class ErasureSummary:
    """What an erasure removed and kept, in total over the conversations it touched."""

    reason: str
    reference: str = ""
    conversations: list[str] = field(default_factory=list)  # slugs
    participants: int = 0
    votes: int = 0
    vote_events: int = 0
    statements_deleted: int = 0
    statements_unattributed: int = 0
    answers_about_you: bool = False

    def add(self, erasure: Erasure) -> None:
        self.conversations.append(erasure.conversation.slug)
        self.votes += erasure.votes
        self.vote_events += erasure.vote_events
        self.statements_deleted += erasure.statements_deleted
        self.statements_unattributed += erasure.statements_unattributed

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"reason": self.reason}
        if self.reference:
            out["reference"] = self.reference
        out.update(
            conversations=self.conversations,
            participants=self.participants,
            votes=self.votes,
            vote_events=self.vote_events,
            statements_deleted=self.statements_deleted,
            statements_unattributed=self.statements_unattributed,
            answers_about_you=self.answers_about_you,
        )
        return out


def _batches(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]


def _erase_in(plan: ConversationPlan, participant: Participant | None, reason: str, now: datetime) -> Erasure:
    """Erase ``participant``'s data (everyone's when None) from ``plan.conversation``, as ``plan`` (read in this
    transaction) says, and mark the conversation. Call inside a transaction."""
    conversation = plan.conversation
    votes = Vote.objects.filter(conversation=conversation)
    events = VoteEvent.objects.filter(conversation=conversation)
    joined = Participation.objects.filter(conversation=conversation)
    if participant is not None:
        votes, events = votes.filter(participant=participant), events.filter(participant=participant)
        joined = joined.filter(participant=participant)
    n_votes = votes.delete()[0]
    # The current votes that point at these events went first, so nothing refers to them: a raw delete, where
    # Django's delete() would load every event (hundreds of thousands, at retention) to look for dependants.
    n_events = events._raw_delete(events.db)
    deleted = [s.pk for s in plan.statements_deleted]
    kept = [s.pk for s in plan.statements_kept]
    for batch in _batches(deleted):
        Statement.objects.filter(pk__in=batch).delete()
    for batch in _batches(kept):
        Statement.objects.filter(pk__in=batch).update(author=None)
    joined.delete()
    version = None
    # With no votes left there is nothing to analyse: a bump would have the worker try for ever in vain.
    if Vote.objects.filter(conversation=conversation).exists():
        bump_moderation_version(conversation)
        version = (
            AnalysisStatus.objects.filter(pk=conversation.pk)
            .values_list("moderation_version", flat=True)
            .get()
        )
    return Erasure.objects.create(
        conversation=conversation,
        at=now,
        reason=reason,
        votes=n_votes,
        vote_events=n_events,
        statements_deleted=len(deleted),
        statements_unattributed=len(kept),
        analysis_version=version,
    )


def do_erase_participant(
    participant: Participant,
    *,
    actor: Any = None,
    reason: str = Erasure.Reason.PARTICIPANT,
    now: datetime | None = None,
) -> ErasureSummary:
    """Erase everything held about ``participant`` in their system, in one transaction, and audit it.

    Their votes and vote events in every conversation they took part in, the statements they wrote that nobody
    else voted on (the others are kept without their author), their joining, their answers about themselves
    and the participant itself (so their device's session and app token no longer find them). Each conversation
    touched gets an :class:`Erasure` mark and is analysed again. ``reason`` is ``participant`` (they asked
    themselves; ``actor`` None) or ``request`` (a facilitator, ``actor``, did it for them).
    """
    now = now or timezone.now()
    reason = Erasure.Reason(reason)
    with transaction.atomic():
        plan = erasure_plan(participant)
        summary = ErasureSummary(
            reason=reason.value,
            reference=plan.reference,
            participants=1,
            answers_about_you=plan.answered_about_you,
        )
        for conversation_plan_ in plan.conversations:
            summary.add(_erase_in(conversation_plan_, participant, reason, now))
        audit.record(
            actor, AUDIT_ACTIONS[reason], participant, after=summary.as_dict(), system=participant.system
        )
        Participant.objects.filter(pk=participant.pk).delete()
    return summary


def check_erase_participant(actor: Any, conversation: Conversation, reference: str) -> ErasureSummary:
    """A facilitator erases, on the person's request, the participant of ``conversation`` with ``reference``
    (from their "Your data" page). :class:`InvalidInput` on the ``reference`` field when nobody in the
    conversation has it. The caller has checked ``conversation.erase_participant``."""
    participant = find_by_reference(conversation, reference)
    return do_erase_participant(participant, actor=actor, reason=Erasure.Reason.REQUEST)


def _without_data(ids: Sequence[int]) -> list[int]:
    """Those of the participants ``ids`` with nothing left anywhere: no conversation joined, no vote, no
    statement."""
    left: list[int] = []
    for batch in _batches(ids):
        left += (
            Participant.objects.filter(pk__in=batch)
            .exclude(
                Exists(Participation.objects.filter(participant=OuterRef("pk")))
                | Exists(VoteEvent.objects.filter(participant=OuterRef("pk")))
                | Exists(Statement.objects.filter(author=OuterRef("pk")))
            )
            .values_list("pk", flat=True)
        )
    return left


def do_erase_conversation_data(
    conversation: Conversation, *, actor: Any = None, now: datetime | None = None
) -> ErasureSummary:
    """Erase every participant's data from ``conversation`` (its retention period has run out), in one
    transaction, audited as ``retention.erase``.

    As :func:`do_erase_participant` does for one person, for everyone in the conversation; a participant with
    nothing left in any conversation of the system then goes too, with their answers about themselves. Those who
    still take part elsewhere keep their answers, which those conversations use.
    """
    now = now or timezone.now()
    reason = Erasure.Reason.RETENTION
    with transaction.atomic():
        people = list(participants_of(conversation).values_list("pk", flat=True))
        erasure = _erase_in(conversation_plan(conversation, None), None, reason, now)
        gone = _without_data(people)
        for batch in _batches(gone):
            Participant.objects.filter(pk__in=batch).delete()
        summary = ErasureSummary(reason=reason.value, participants=len(people))
        summary.add(erasure)
        after = {
            **summary.as_dict(),
            "participants_removed": len(gone),
            "closed_at": conversation.closed_at.isoformat() if conversation.closed_at else None,
            "retention_days": conversation.system.retention_days,
        }
        audit.record(actor, AUDIT_ACTIONS[reason], conversation, after=after)
    return summary


@dataclass(frozen=True)
class RetentionReport:
    """What a retention run found due and (unless a dry run) erased."""

    due: list[RetentionDue]
    erased: list[ErasureSummary]
    dry_run: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "conversations": [d.conversation.slug for d in self.due],
            "participants": sum(d.participants for d in self.due),
            "votes": sum(d.votes for d in self.due),
        }


def do_retention(*, now: datetime | None = None, dry_run: bool = False) -> RetentionReport:
    """Erase the participant data of every closed conversation that closed longer ago than its system keeps it
    (``System.retention_days``), one conversation per transaction, each audited as ``retention.erase``; with
    ``dry_run``, only say which. A real run is recorded as the last run (:class:`RetentionRun`)."""
    now = now or timezone.now()
    due = due_for_retention(now)
    if dry_run:
        return RetentionReport(due, [], True)
    erased = [do_erase_conversation_data(d.conversation, now=now) for d in due]
    report = RetentionReport(due, erased, False)
    RetentionRun.objects.get_or_create(pk=1)
    RetentionRun.objects.filter(pk=1).update(
        last_started_at=now, last_finished_at=timezone.now(), last_summary=report.as_dict()
    )
    return report


def claim_retention_run(now: datetime, *, every: timedelta = timedelta(days=1)) -> bool:
    """Claim today's retention run: True (and the run's start recorded) when none started within ``every``
    before ``now``. One conditional update, so of several workers on one database only one gets it."""
    RetentionRun.objects.get_or_create(pk=1)
    due = Q(last_started_at__isnull=True) | Q(last_started_at__lte=now - every)
    return bool(RetentionRun.objects.filter(due, pk=1).update(last_started_at=now))
