"""Facilitators' names for opinion groups ("Prevention first" in place of "Group A"), and how a name follows its
group from one analysis update to the next.

A group's letter is only its place in one snapshot: after an update the people of "Group A" may be "Group B". So a
name is stored with the people the group held when it was named (:class:`~commonweal.conversations.models.
GroupName`), and on every snapshot it goes to the group that now holds **more than half** of those of them who are
still placed in a group (:func:`match_names`). Two names never share a group: when two claim one, the name whose
people it holds more of keeps it (the newer name on a tie) and the other is left without a group. A name without a
group is shown nowhere but on the results page, with a notice, until a facilitator forgets it or names the group
again; it follows its group again if the people come back together. docs/analysis.md, "Naming an opinion group".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from commonweal.conversations.models import Conversation, GroupName
from commonweal.conversations.results.snapshot import StoredResult

__all__ = ["NameMatch", "match_names", "group_members", "conversation_names"]


@dataclass(frozen=True)
class NameMatch:
    """Where each stored name goes in one snapshot."""

    names: dict[int, str] = field(default_factory=dict)  # group index -> its name
    rows: dict[int, GroupName] = field(default_factory=dict)  # group index -> the stored name it shows
    lost: list[GroupName] = field(default_factory=list)  # names no group holds most of the people of


def group_members(stored: StoredResult, group: int) -> list[int]:
    """The participant ids in opinion ``group`` of ``stored``."""
    return [
        int(pid) for pid, g in zip(stored.participant_ids, stored.group_labels, strict=False) if g == group
    ]


def _claim(labels: dict[int, int], members: Iterable[int]) -> tuple[int, int] | None:
    """The group holding more than half of ``members`` still placed in a group, and how many of them it holds."""
    placed = Counter(labels[m] for m in members if labels.get(m, -1) >= 0)
    if not placed:
        return None
    group, held = placed.most_common(1)[0]
    return (group, held) if 2 * held > sum(placed.values()) else None


def match_names(stored: StoredResult | None, named: Sequence[GroupName]) -> NameMatch:
    """Give each stored name the group of ``stored`` that holds most of its people (module docstring)."""
    if stored is None or stored.k == 0 or not named:
        return NameMatch(lost=list(named) if stored is not None and stored.k == 0 else [])
    labels = {int(pid): int(g) for pid, g in zip(stored.participant_ids, stored.group_labels, strict=False)}
    best: dict[int, tuple[int, int, GroupName]] = {}  # group -> (people held, order, name)
    lost: list[GroupName] = []
    for order, row in enumerate(named):
        claim = _claim(labels, row.members or [])
        if claim is None or claim[0] >= stored.k:
            lost.append(row)
            continue
        group, held = claim
        rival = best.get(group)
        if rival is None or (held, order) > (rival[0], rival[1]):
            if rival is not None:
                lost.append(rival[2])
            best[group] = (held, order, row)
        else:
            lost.append(row)
    rows = {g: entry[2] for g, entry in sorted(best.items())}
    lost.sort(key=lambda row: (row.created_at is None, row.created_at, row.pk or 0))
    return NameMatch(names={g: row.name for g, row in rows.items()}, rows=rows, lost=lost)


def conversation_names(conversation: Conversation, stored: StoredResult | None) -> NameMatch:
    """The names of ``conversation``'s groups in ``stored`` (oldest first, so a newer name wins a tie)."""
    named = list(GroupName.objects.filter(conversation=conversation).order_by("created_at", "id"))
    return match_names(stored, named)
