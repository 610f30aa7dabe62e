"""Publishing a system's accountability page, and the updates a facilitator posts to a conversation's
participants ("You said ... We are doing ..."). Audited."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from commonweal.conversations.models import Conversation
from commonweal.core import audit
from commonweal.core.errors import field_error
from commonweal.core.text import clean_text
from commonweal.strategy.models import LoopUpdate, StrategySettings
from commonweal.systems.models import System

LOOP_MAX = 1000


def do_set_public(actor: Any, system: System, public: bool) -> StrategySettings:
    with transaction.atomic():
        found, _ = StrategySettings.objects.select_for_update().get_or_create(system=system)
        before = {"public_accountability": found.public_accountability}
        found.public_accountability = public
        found.save()
        audit.record(
            actor,
            "strategy.publish",
            found,
            before=before,
            after={"public_accountability": public},
            system=system,
        )
    return found


def check_post_loop_update(actor: Any, conversation: Conversation, text: str) -> LoopUpdate:
    cleaned = clean_text(text, multiline=True)
    if not cleaned:
        raise field_error("text", "Write the update: what people said, and what is being done")
    if len(cleaned) > LOOP_MAX:
        raise field_error("text", f"Keep the update to {LOOP_MAX} characters")
    return do_post_loop_update(actor, conversation, cleaned)


def do_post_loop_update(actor: Any, conversation: Conversation, text: str) -> LoopUpdate:
    with transaction.atomic():
        update = LoopUpdate.objects.create(
            conversation=conversation,
            text=text,
            posted_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit.record(actor, "strategy.loop_update", update, after={"text": text}, system=conversation.system)
    return update
