"""The exports anyone may pass on: ``statements.csv`` and ``analysis.json``, every count from the conversation's one
publication (:func:`commonweal.conversations.disclosure.conversation_publication`).

They say what the results page and the report say, in files: a count of fewer than 5 people reads "fewer than
5", a count hidden beside one "not shown", and a share is given only of counts the layer shows exactly. Nothing
in them is per person: no participant ids, no group of each participant, no position on the map, no base
cluster. Those are in the raw exports (the Pol.is zip, the raw analysis), which carry small numbers, sit behind
their own permission and say so in their names (:mod:`commonweal.reports.exports.build`).

What ``analysis.json`` leaves out of the stored result, and why: every per-person array; the groups' raw tallies
and their share intervals (the layer's cells replace them); each statement's group-informed consensus, the
representative statements' and the overall consensus' success counts and probabilities, divisive spreads and
the PCA's column means (each a function of a hidden group's votes that could give them back); base clusters
(the map's marks replace them).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from commonweal.conversations.disclosure import (
    NOT_IN_GROUP,
    VALUES,
    ConversationNumbers,
    conversation_publication,
)
from commonweal.conversations.models import AnalysisSnapshot, Conversation, Statement
from commonweal.conversations.queries import latest_snapshot
from commonweal.conversations.results.build import group_name
from commonweal.conversations.results.names import conversation_names
from commonweal.conversations.results.snapshot import StoredResult, read_result
from commonweal.core.small_numbers import SMALL, Cell, fewer_than
from commonweal.systems.models import Sector

__all__ = ["analysis_cells", "statement_rows", "statements_header"]

#: What a statement column holds when the latest analysis did not count the statement.
NOT_IN_ANALYSIS = "not in the latest analysis"


def share_text(share: float | None, voters: Cell, of: Cell | None = None) -> str:
    """A share agreeing as a whole percent; else why not: "no votes", "fewer than 5" (few voted, or the group or
    sector itself is under 5), or "not shown" (hidden so that a small count cannot be worked out)."""
    if share is not None:
        return str(round(100 * share))
    if voters.count == 0:
        return "no votes"
    if voters.status == SMALL or (of is not None and of.status == SMALL):
        return fewer_than()
    return str(_("not shown"))


def statements_header(
    n_groups: int, sectors: list[tuple[str, Any]], names: dict[int, str] | None = None
) -> list[str]:
    header = [
        "statement id",
        "text",
        "theme",
        "moderation",
        "agree",
        "disagree",
        "pass",
        "agree % of voters",
    ]
    # A group a facilitator named is headed by its name (results.names), else "Group A".
    header += [f"{(names or {}).get(g) or group_name(g)} agree %" for g in range(n_groups)]
    header += [f"{label} agree %" for _code, label in sectors]
    return header


def _row(numbers: ConversationNumbers, statement: Statement, export_id: int) -> list[str]:
    votes = numbers.statement_votes(statement.pk)
    row = [
        str(export_id),
        statement.text,
        statement.theme,
        statement.state,
        *(str(votes[v].count) if votes[v].count is not None else votes[v].display for v in VALUES),
        share_text(numbers.statement_share(statement.pk, "agree"), votes["voters"]),
    ]
    for g in numbers.groups:
        if statement.pk not in numbers.columns:
            row.append(NOT_IN_ANALYSIS)
            continue
        tally = numbers.group_tally(g, statement.pk)
        row.append(share_text(tally.agree_share, tally.voters, numbers.group_size(g)))
    for code, _label in Sector.choices:
        row.append(
            share_text(
                numbers.dimension_share("sector", code, statement.pk, "agree"),
                numbers.dimension_voters("sector", code, statement.pk),
                numbers.cell("sector", code),
            )
        )
    return row


def statement_rows(
    conversation: Conversation, statement_ids: dict[int, int]
) -> tuple[list[str], list[list[str]]]:
    """The header and rows of ``statements.csv``: each statement's votes now, and the share agreeing overall, in
    each opinion group of the latest analysis and in each sector, as the layer publishes them.
    ``statement_ids``: database id -> export id."""
    snapshot = latest_snapshot(conversation, defer=("state", "priorities"))
    numbers = conversation_publication(conversation, snapshot)
    names = conversation_names(conversation, read_result(snapshot)).names if numbers.groups else {}
    header = statements_header(len(numbers.groups), list(Sector.choices), names)
    rows = [
        _row(numbers, s, statement_ids[s.pk])
        for s in Statement.objects.filter(conversation=conversation).order_by("pk")
    ]
    return header, rows


# --- analysis.json -------------------------------------------------------------------------------------------


def _cell(cell: Cell) -> dict[str, Any]:
    out = cell.as_dict()
    out.pop("label", None)  # the key says what it is
    return out


def _groups(
    numbers: ConversationNumbers, stored: StoredResult, names: dict[int, str]
) -> list[dict[str, Any]]:
    stability = stored.group_stability.per_group if stored.group_stability is not None else {}
    out = []
    for g in numbers.groups:
        size = numbers.group_size(g)
        centre = stored.group_centres[g] if g < len(stored.group_centres) else ()
        out.append(
            {
                "group": g,
                "name": names.get(g) or group_name(g),
                "letter": group_name(g),
                "people": _cell(size),
                "centre": list(centre) if len(centre) >= 2 else None,
                # A share of a group whose size is not shown is not given (it is about a few people).
                "stability": stability.get(g) if size.count is not None else None,
            }
        )
    return out


def _votes(numbers: ConversationNumbers, ids: dict[int, int]) -> list[dict[str, Any]]:
    out = []
    for sid in numbers.columns:
        everyone = numbers.analysis_votes(sid)
        entry: dict[str, Any] = {"statement": ids.get(sid)}
        if everyone is not None:
            entry.update({key: _cell(cell) for key, cell in everyone.items()})
            entry["agree_share"] = numbers.analysis_share(sid, "agree")
        entry["groups"] = []
        for g in numbers.groups:
            tally = numbers.group_tally(g, sid)
            entry["groups"].append(
                {
                    "group": g,
                    "voters": _cell(tally.voters),
                    "agree": _cell(tally.agree),
                    "disagree": _cell(tally.disagree),
                    "pass": _cell(tally.passes),
                    "agree_share": tally.agree_share,
                    "disagree_share": tally.disagree_share,
                }
            )
        out.append(entry)
    return out


def _findings(stored: StoredResult, ids: dict[int, int], names: dict[int, str]) -> dict[str, Any]:
    """Which statements are common ground, divide the groups and bridge them, without the figures behind them
    that are functions of a hidden group's votes (see the module's docstring)."""
    columns = stored.statement_ids

    def sid(column: int) -> int | None:
        return ids.get(columns[column]) if 0 <= column < len(columns) else None

    found = stored.common_ground
    divisive = stored.divisive
    bridging = stored.bridging
    return {
        "common_ground": [
            {"statement": sid(e.statement), "judged": dict(e.judged)}
            for e in (found.statements if found else ())
        ],
        "divisive": [
            {
                "statement": sid(e.statement),
                "agree": [names.get(int(g)) or group_name(int(g)) for g in e.agree],
                "disagree": [names.get(int(g)) or group_name(int(g)) for g in e.disagree],
            }
            for e in (divisive.statements if divisive else ())
        ],
        "bridging": [
            {"statement": sid(e.statement), "score": e.intercept, "approval": e.approval, "voters": e.voters}
            for e in (bridging.statements if bridging else ())
        ],
        "consensus": {
            "agree": [sid(e.statement) for e in stored.consensus.agree],
            "disagree": [sid(e.statement) for e in stored.consensus.disagree],
        },
    }


def analysis_cells(
    conversation: Conversation, snapshot: AnalysisSnapshot, statement_ids: dict[int, int]
) -> dict[str, Any]:
    """The analysis of ``snapshot`` as ``analysis.json`` publishes it: people and votes by opinion group as the
    layer's cells (``count`` null unless shown exactly, ``status`` saying why), the map's marks, and which
    statements are common ground, divisive and bridging. ``statement_ids``: database id -> export id."""
    stored = read_result(snapshot)
    numbers = conversation_publication(conversation, snapshot)
    if stored is None:
        return {"participants": numbers.participants, "groups": [], "map": [], "votes": []}
    outside = (
        _cell(numbers.cell("opinion group", NOT_IN_GROUP))
        if NOT_IN_GROUP in numbers.table("opinion group").cells
        else None
    )
    grouped = numbers.grouped()
    names = conversation_names(conversation, stored).names
    return {
        "small_number_threshold": numbers.threshold,
        "participants": numbers.participants,
        "people_in_groups": _cell(grouped) if grouped is not None else None,
        "not_in_a_group": outside,
        "groups": _groups(numbers, stored, names),
        "map": [
            {"x": round(m.x, 4), "y": round(m.y, 4), "group": m.group, "people": _cell(m.people)}
            for m in numbers.marks
        ],
        "votes": _votes(numbers, statement_ids),
        **_findings(stored, statement_ids, names),
        "stability": stored.group_stability.overall if stored.group_stability is not None else None,
        "reasons": dict(stored.reasons or {}),
        # Which method found the groups ("polis" or "commonweal"), in how many dimensions, and whether they
        # overlap on the two-dimensional map.
        "grouping": {
            "method": stored.grouping,
            "dimensions": stored.grouping_detail.get("dimensions", 2),
            "map_overlap": stored.map_overlap,
        },
    }
