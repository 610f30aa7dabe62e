"""What a facilitator changes from the results page: the names of the opinion groups.

``check_*`` validates against the database, then calls ``do_*``, which changes the data in one transaction and
records it in the audit log (``conversation.group_name``).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from commonweal.conversations.models import GROUP_NAME_MAX_LENGTH, Conversation, GroupName
from commonweal.conversations.queries import latest_snapshot
from commonweal.conversations.results.build import group_name
from commonweal.conversations.results.names import conversation_names, group_members
from commonweal.conversations.results.snapshot import StoredResult, read_result
from commonweal.core import audit
from commonweal.core.errors import InvalidInput

AUDIT_ACTION = "conversation.group_name"


def _problem(message: str) -> InvalidInput:
    return InvalidInput(message, detail={"fields": [{"field": "name", "problem": message}]})


def check_name_group(
    actor: Any, conversation: Conversation, group: int, tick: int, name: str
) -> GroupName | None:
    """Name opinion group ``group`` of the snapshot ``tick`` (the one the facilitator was reading); a blank name
    clears the group's name. Refused when the analysis has been updated since (the letters may have moved), when
    the name is too long, or when another group already has it. Returns the stored name (None when cleared)."""
    snapshot = latest_snapshot(conversation, defer=("state", "priorities"))
    stored = read_result(snapshot)
    if snapshot is None or stored is None or not 0 <= group < stored.k:
        raise _problem(
            "There is no such opinion group in the latest analysis: reload the results and try again"
        )
    if snapshot.tick != tick:
        raise _problem(
            "The analysis was updated while you were typing, so the groups may have changed: check them and name "
            "the group again"
        )
    name = " ".join(name.split())
    if len(name) > GROUP_NAME_MAX_LENGTH:
        raise _problem(f"Keep the group's name to {GROUP_NAME_MAX_LENGTH} characters")
    current = conversation_names(conversation, stored)
    for other, other_name in current.names.items():
        if other != group and name and other_name.casefold() == name.casefold():
            raise _problem(f"{group_name(other)} is already called “{other_name}”: choose another name")
    return do_name_group(actor, conversation, stored, group, name)


def do_name_group(
    actor: Any, conversation: Conversation, stored: StoredResult, group: int, name: str
) -> GroupName | None:
    """Give group ``group`` of ``stored`` the name ``name`` (blank: no name), replacing the name it shows now."""
    with transaction.atomic():
        current = conversation_names(conversation, stored)
        before = current.rows.get(group)
        if before is not None and before.name == name:
            return before
        if before is not None:
            before.delete()
        row = None
        if name:
            row = GroupName.objects.create(
                conversation=conversation,
                name=name,
                members=group_members(stored, group),
                tick=stored.tick,
                group=group,
            )
        audit.record(
            actor,
            AUDIT_ACTION,
            conversation,
            before={"group": group_name(group), "name": before.name if before is not None else ""},
            after={"group": group_name(group), "name": name, "tick": stored.tick},
        )
    return row


def check_forget_group_name(actor: Any, conversation: Conversation, name_id: int) -> bool:
    """Forget a name that no longer matches a group (the results page lists them with a notice). Returns False
    when the conversation keeps no such name (forgotten already, say, by another facilitator)."""
    row = GroupName.objects.filter(conversation=conversation, pk=name_id).first()
    if row is None:
        return False
    do_forget_group_name(actor, conversation, row)
    return True


def do_forget_group_name(actor: Any, conversation: Conversation, row: GroupName) -> None:
    with transaction.atomic():
        audit.record(actor, AUDIT_ACTION, conversation, before={"name": row.name, "tick": row.tick}, after={})
        row.delete()
