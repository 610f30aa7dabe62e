"""Read-only lookups of conversations and their analysis snapshots, each lookup with the one message a person sees
when it finds nothing."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from commonweal.conversations.models import (
    AnalysisSnapshot,
    Conversation,
    ConversationModerator,
    Participation,
    Statement,
)
from commonweal.core.errors import NotFound


def get_conversation(slug: str) -> Conversation:
    """The conversation with this short name, with its system, for the facilitator's pages and API."""
    conversation = Conversation.objects.select_related("system").filter(slug=slug).first()
    if conversation is None:
        raise NotFound(
            "There is no conversation at this address. Check the link, or find it on its system's page."
        )
    return conversation


def get_conversation_for_participant(slug: str) -> Conversation:
    """The conversation with this short name, with its system, for the participant's pages and API (a participant
    came from a link or a QR code, so the message says what to do about one)."""
    conversation = Conversation.objects.select_related("system").filter(slug=slug).first()
    if conversation is None:
        raise NotFound(
            _(
                "We could not find a conversation at this link (there is no conversation '%(slug)s'). Check the "
                "link or QR code you were given, or ask the person who shared it."
            )
            % {"slug": slug}
        )
    return conversation


def snapshots_newest_first(conversation: Conversation | int) -> QuerySet[AnalysisSnapshot]:
    """The conversation's analysis snapshots, the latest (highest tick) first."""
    pk = conversation if isinstance(conversation, int) else conversation.pk
    return AnalysisSnapshot.objects.filter(conversation_id=pk).order_by("-tick")


def latest_snapshot(
    conversation: Conversation | int, *, defer: tuple[str, ...] = ()
) -> AnalysisSnapshot | None:
    """The conversation's latest analysis snapshot (the highest tick), or None before the first analysis.

    ``defer`` names large columns the caller does not read (``result``, ``state``, ``priorities``): they are
    left out of the query and loaded only if touched.
    """
    return snapshots_newest_first(conversation).defer(*defer).first()


def conversations_with_counts(qs: QuerySet[Conversation]) -> QuerySet[Conversation]:
    """Conversations with their statement and participant counts, one query, without multiplying joins."""

    def count_of(model: Any, **filters: Any) -> Coalesce:
        sub = (
            model.objects.filter(conversation=OuterRef("pk"), **filters)
            .order_by()
            .values("conversation")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return Coalesce(Subquery(sub, output_field=IntegerField()), 0)

    return qs.annotate(
        n_participants=count_of(Participation),
        n_accepted=count_of(Statement, state=Statement.State.ACCEPTED),
        n_to_review=count_of(
            Statement, moderated_at__isnull=True, is_seed=False, state__in=["pending", "accepted"]
        ),
    )


def moderators_of(conversation: Conversation) -> QuerySet[ConversationModerator]:
    """The moderators of ``conversation`` with their accounts, by username."""
    return (
        ConversationModerator.objects.filter(conversation=conversation)
        .select_related("user")
        .order_by("user__username")
    )
