"""The conversations' sections of the systems' pages (see ``commonweal.systems.panels``): a system's
conversations on its page, and the conversations someone moderates on their start page.

And the hooks through which higher apps add sections to the conversations' own pages, collected the same way:
``results_panels(request, conversation, results)`` on the facilitator's results page (the strategy app offers
"Draft an aim from these statements" there), and ``participant_panels(request, conversation, participant)`` on
the participant's pages of a conversation and "where you stand" (what came of it: "You said ... We are doing
..."). The templates call them with ``{% results_panels %}`` and ``{% participant_panels %}``
(``templatetags/conversation_panels.py``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.safestring import SafeString

from commonweal.conversations.models import Conversation
from commonweal.conversations.queries import conversations_with_counts
from commonweal.systems.panels import Panel, _collect


def system_panels(request: HttpRequest, system: Any) -> list[Panel]:
    conversations = conversations_with_counts(system.conversations.all())
    context = {"system": system, "conversations": conversations}
    return [Panel.render(10, "conversations/manage/includes/system_conversations.html", context, request)]


def dashboard_panels(request: HttpRequest, systems: list[Any]) -> list[Panel]:
    if not request.user.is_authenticated:  # the start page is signed in only; nobody moderates anonymously
        return []
    moderated = conversations_with_counts(
        Conversation.objects.filter(moderators__user=request.user)
        .exclude(system__in=[s.pk for s in systems])
        .select_related("system")
    )
    if not moderated:
        return []
    context = {"moderated": moderated}
    return [Panel.render(10, "conversations/manage/includes/moderated_conversations.html", context, request)]


def results_panels(request: HttpRequest, conversation: Conversation, results: Any) -> list[SafeString]:
    """The sections higher apps add to ``conversation``'s results page, in order."""
    return _collect("results_panels", request, conversation, results)


def participant_panels(
    request: HttpRequest, conversation: Conversation, participant: Any
) -> list[SafeString]:
    """The sections higher apps add to a participant's pages of ``conversation`` (``participant`` may be None)."""
    return _collect("participant_panels", request, conversation, participant)
