"""``{% load translations %}``: the participant pages show a statement, and a conversation's title and question,
in the participant's language where a facilitator translated it, and the original otherwise
(:mod:`commonweal.conversations.translate.queries`).

``{{ statement|shown_text }}`` gives the words; ``{{ statement|shown_attrs }}`` the ``lang`` and ``dir``
attributes to put on the element holding them when they are the original in another language than the page's
(so a screen reader reads the English original as English on a Welsh page). The same for a conversation's fields:
``{{ conversation|shown_field:"question" }}`` and ``{{ conversation|shown_field_attrs:"question" }}``."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from commonweal.conversations.translate.queries import Shown, shown_conversation, shown_statement

register = template.Library()


def _attrs(shown: Shown) -> SafeString:
    if shown.translated or shown.language == get_language():
        return SafeString("")
    return format_html(' lang="{}" dir="{}"', shown.language, shown.direction)


@register.filter
def shown_text(statement: Any) -> str:
    return shown_statement(statement).text if statement is not None else ""


@register.filter
def shown_attrs(statement: Any) -> SafeString:
    return _attrs(shown_statement(statement)) if statement is not None else SafeString("")


@register.filter
def shown_field(conversation: Any, field: str) -> str:
    return shown_conversation(conversation, field).text


@register.filter
def shown_field_attrs(conversation: Any, field: str) -> SafeString:
    return _attrs(shown_conversation(conversation, field))
