"""The evidence an aim is grown from: each statement's figures, frozen as the disclosure layer published them.

:func:`freeze` reads the conversation's results once (the one publication of its numbers,
:func:`commonweal.conversations.disclosure.conversation_publication`, through the results' view-model) and keeps,
for each statement, what the results page showed: agreement overall, by opinion group and by sector, every count
as its published words ("fewer than 5" for a small cell) and every share only when the layer gave it. Later
analysis updates never change what was frozen; :func:`since_then` compares it with the figures now.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from commonweal.conversations.disclosure import ConversationNumbers
from commonweal.conversations.models import Conversation, Statement
from commonweal.conversations.results.build import Results, build_results, group_name, percent

SECTOR = "sector"


@dataclass(frozen=True)
class StatementFigures:
    """One statement's published figures, ready to be stored (``as_dict``) and compared."""

    statement: Statement
    common_ground: bool
    figures: dict[str, Any]


def _share(value: float | None) -> float | None:
    return round(float(value), 4) if value is not None else None


def _overall(numbers: ConversationNumbers, sid: int) -> dict[str, Any]:
    counted = numbers.analysis_votes(sid)
    if counted is not None:
        agree = numbers.analysis_share(sid, "agree")
        disagree = numbers.analysis_share(sid, "disagree")
    else:
        counted = numbers.statement_votes(sid)
        agree = numbers.statement_share(sid, "agree")
        disagree = numbers.statement_share(sid, "disagree")
    return {
        "voters": counted["voters"].display,
        "agree": _share(agree),
        "disagree": _share(disagree),
        "words": f"{percent(agree)} agree, {percent(disagree)} disagree"
        if agree is not None
        else "not shown",
    }


def _groups(numbers: ConversationNumbers, sid: int) -> list[dict[str, Any]]:
    rows = []
    for g in numbers.groups:
        tally = numbers.group_tally(g, sid)
        rows.append(
            {
                "name": group_name(g),
                "voters": tally.voters.display,
                "agree": _share(tally.agree_share),
                "disagree": _share(tally.disagree_share),
            }
        )
    return rows


def _sectors(numbers: ConversationNumbers, sid: int) -> list[dict[str, Any]]:
    dim = numbers.dimensions.get(SECTOR)
    if dim is None or not dim.asked:
        return []
    rows = []
    for key, label in dim.labels.items():
        voters = numbers.dimension_voters(SECTOR, key, sid)
        if voters.count == 0:
            continue
        rows.append(
            {
                "name": str(label),
                "voters": voters.display,
                "agree": _share(numbers.dimension_share(SECTOR, key, sid, "agree")),
                "disagree": _share(numbers.dimension_share(SECTOR, key, sid, "disagree")),
            }
        )
    return rows


def figures_of(results: Results, statements: Iterable[Statement]) -> list[StatementFigures]:
    """Each statement's figures as ``results`` (built for its conversation) publish them."""
    numbers = results.numbers
    common = {item.statement.id for item in results.common_ground}
    found = []
    for statement in statements:
        figures: dict[str, Any] = {"overall": {}, "groups": [], "sectors": []}
        if numbers is not None:
            figures = {
                "overall": _overall(numbers, statement.pk),
                "groups": _groups(numbers, statement.pk),
                "sectors": _sectors(numbers, statement.pk),
            }
        found.append(StatementFigures(statement, statement.pk in common, figures))
    return found


def current_figures(conversation: Conversation, statements: list[Statement]) -> list[StatementFigures]:
    """The statements' figures now (the latest analysis update)."""
    return figures_of(build_results(conversation), statements)


def _pc(share: float | None) -> str:
    return percent(share) or "not shown"


def _shares(figures: dict[str, Any]) -> list[tuple[str, float | None]]:
    overall = figures.get("overall") or {}
    out = [("Everyone", overall.get("agree"))]
    out += [(row["name"], row.get("agree")) for row in figures.get("groups", [])]
    out += [(row["name"], row.get("agree")) for row in figures.get("sectors", [])]
    return out


def since_then(frozen: dict[str, Any], now: dict[str, Any]) -> list[str]:
    """What changed between the frozen figures and the current ones, in words ("Everyone: 82% agree then, 78%
    now"); empty when nothing shown changed."""
    then = dict(_shares(frozen))
    lines = []
    for name, share in _shares(now):
        before = then.get(name)
        if before is None and share is None:
            continue
        if name not in then:
            lines.append(f"{name}: {_pc(share)} agree now (not shown then)")
        elif before != share and (before is None or share is None or abs(before - share) >= 0.005):
            lines.append(f"{name}: {_pc(before)} agree then, {_pc(share)} now")
    return lines
