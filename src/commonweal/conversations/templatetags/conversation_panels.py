"""``{% results_panels conversation results %}`` and ``{% participant_panels conversation participant %}``: the
sections higher apps add to the conversations' pages, through the app registry (``conversations/panels.py``)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from commonweal.conversations import panels

register = template.Library()


@register.simple_tag(takes_context=True)
def results_panels(context: Any, conversation: Any, results: Any) -> SafeString:
    return mark_safe("".join(panels.results_panels(context["request"], conversation, results)))  # noqa: S308


@register.simple_tag(takes_context=True)
def participant_panels(context: Any, conversation: Any, participant: Any = None) -> SafeString:
    return mark_safe("".join(panels.participant_panels(context["request"], conversation, participant)))  # noqa: S308
