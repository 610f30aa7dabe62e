"""``{% retention_sentence system %}``: how long a system keeps participants' data, in the participant's words,
for the pages whose views do not pass it (the consent and closed pages)."""

from __future__ import annotations

from typing import Any

from django import template

from commonweal.conversations.rights.queries import retention_sentence as _sentence

register = template.Library()


@register.simple_tag
def retention_sentence(system: Any) -> str:
    """For example "Riverside keeps your votes, statements and answers for 365 days after a conversation closes,
    then deletes them." (translated)."""
    return _sentence(system.name, system.retention_days)
