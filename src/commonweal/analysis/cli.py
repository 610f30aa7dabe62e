"""``commonweal analyse <folder>``: analyse a Pol.is open-data export and print a readable summary.

Imports nothing from Django, like the rest of the engine: it runs from a notebook or a shell as well.
"""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from commonweal.analysis.bridging import BridgingResult
from commonweal.analysis.engine import analyse
from commonweal.analysis.errors import AnalysisInputError
from commonweal.analysis.polis_io import PolisExport, read_polis_export
from commonweal.analysis.result import AnalysisResult

__all__ = ["run_analyse", "summarise"]

_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _wrap(text: str, indent: str) -> str:
    return textwrap.fill(
        " ".join(text.split()), width=100, initial_indent=indent, subsequent_indent=indent + "  "
    )


def _pct(x: float) -> str:
    return "n/a" if not np.isfinite(x) else f"{100 * x:.0f}%"


def summarise(
    result: AnalysisResult, export: PolisExport, *, top: int = 5, out: TextIO | None = None
) -> None:
    """Print groups with their sizes and representative statements, common ground and divisive statements.

    Parameters
    ----------
    result : AnalysisResult
        The analysis of ``export``.
    export : PolisExport
        The conversation, for the statements' texts.
    top : int
        Statements listed under each heading.
    out : file-like, optional
        Where to print (standard output by default).
    """
    out = sys.stdout if out is None else out
    text = {c.comment_id: c.body for c in export.comments}
    sid = result.statement_ids

    def statement(j: int) -> str:
        key = sid[j].item() if hasattr(sid[j], "item") else sid[j]
        return f"[{key}] {text.get(key, '(no text)')}"

    topic = export.summary.get("topic") or export.summary.get("conversation-description") or ""
    if topic:
        print(_wrap(topic, ""), file=out)
    n_in = int(result.in_conv.sum())
    print(
        f"{result.n_participants:,} participants ({n_in:,} grouped), {result.n_statements:,} statements with votes, "
        f"{int(result.group_seen.sum()) if result.k else 0:,} votes by grouped participants.",
        file=out,
    )
    _print_groups(result, statement, top, out)
    _print_common_ground(result, statement, top, out)
    _print_divisive(result, statement, top, out)
    if result.bridging is not None and result.k:
        _print_bridging(result.bridging, statement, top, out)
    gs = result.group_stability
    if gs is not None:
        print(
            f"\nGroup stability: {_pct(float(gs.overall))} of participants keep their group when statements are "
            f"resampled ({gs.n_resamples} resamples).",
            file=out,
        )


def _print_groups(result: AnalysisResult, statement: Callable[[int], str], top: int, out: TextIO) -> None:
    print(f"\nOpinion groups: {result.k}", file=out)
    for g in range(result.k):
        print(f"\n  Group {_LETTERS[g % 26]}: {int(result.group_sizes[g]):,} participants", file=out)
        reps = result.repness.get(g, [])[:top]
        if not reps:
            print("    (no statement stands out for this group)", file=out)
        for r in reps:
            word = "agree" if r.repful_for == "agree" else "disagree"
            print(
                _wrap(f"{_pct(r.p_success)} {word}: {statement(int(r.statement))}", "    "),
                file=out,
            )


def _print_common_ground(
    result: AnalysisResult, statement: Callable[[int], str], top: int, out: TextIO
) -> None:
    agree_share = result.intervals["agree"] if isinstance(result.intervals, dict) else None
    print(
        "\nCommon ground (holds in every opinion group and declared category with 5 or more voters):",
        file=out,
    )
    cg = result.common_ground
    if cg is None or len(cg.statements) == 0:
        print("  None found.", file=out)
        return
    for j in cg.statements[:top].tolist():
        extra = ""
        if agree_share is not None:
            lo, hi = agree_share.lower[j], agree_share.upper[j]
            extra = f" (agree share 90% interval {_pct(float(lo))}-{_pct(float(hi))})"
        print(_wrap(f"GIC {float(cg.gic[j]):.2f}{extra}: {statement(j)}", "  "), file=out)
    never = {k: v for k, v in cg.never_judged().items() if v}
    for dim, cats in never.items():
        names = ", ".join(str(c) for c in cats)
        print(_wrap(f"Too small to judge ({dim}): {names}", "  "), file=out)


def _print_divisive(result: AnalysisResult, statement: Callable[[int], str], top: int, out: TextIO) -> None:
    print("\nDivisive statements (strong agreement in some groups, strong disagreement in others):", file=out)
    dv = result.divisive
    if dv is None or len(dv.statements) == 0:
        print("  None found.", file=out)
        return
    for j in dv.statements[:top].tolist():
        sides = dv.sides(int(j))
        agree = ", ".join(_LETTERS[int(c) % 26] for c in sides["agree"])
        disagree = ", ".join(_LETTERS[int(c) % 26] for c in sides["disagree"])
        print(_wrap(f"groups {agree} agree, {disagree} disagree: {statement(int(j))}", "  "), file=out)


def _print_bridging(br: BridgingResult, statement: Callable[[int], str], top: int, out: TextIO) -> None:
    print("\nHighest bridging scores (shown with the plain approval rate):", file=out)
    order = np.argsort(-np.nan_to_num(br.statement_intercept, nan=-np.inf))[:top]
    for j in order.tolist():
        print(
            _wrap(
                f"bridging {float(br.statement_intercept[j]):+.2f}, approval {_pct(float(br.approval[j]))}: "
                f"{statement(j)}",
                "  ",
            ),
            file=out,
        )


def run_analyse(folder: str, *, json_path: str | None = None, random_state: Any = 0) -> int:
    """Analyse the export in ``folder``; print a summary and optionally write the full result as JSON.

    Parameters
    ----------
    folder : str
        A Pol.is open-data export (comments.csv with votes.csv or participants-votes.csv).
    json_path : str, optional
        Write ``result.to_dict()`` there ("-" for standard output, which then replaces the summary).
    random_state : int
        Seed for the resampling in group stability.

    Returns
    -------
    int
        Exit code: 0, or 2 when the folder cannot be read.
    """
    path = Path(folder)
    try:
        export = read_polis_export(path)
        result = analyse(export.to_vote_matrix(), random_state=random_state)
    except (AnalysisInputError, FileNotFoundError, NotADirectoryError) as exc:
        print(f"commonweal analyse: {exc}", file=sys.stderr)
        return 2
    if json_path == "-":
        json.dump(result.to_dict(), sys.stdout)
        sys.stdout.write("\n")
        return 0
    summarise(result, export)
    if json_path:
        Path(json_path).write_text(json.dumps(result.to_dict()))
        print(f"\nFull result written to {json_path}")
    return 0
