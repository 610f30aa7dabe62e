"""The conversations' sections of the systems' pages (see ``commonweal.systems.panels``): a system's
conversations on its page, and the conversations someone moderates on their start page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from commonweal.conversations.models import Conversation
from commonweal.conversations.queries import conversations_with_counts
from commonweal.systems.panels import Panel


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
