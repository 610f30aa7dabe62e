"""Exports of a conversation: the Pol.is open-data zip, the analysis snapshot as JSON, and a per-statement CSV.

The three share one set of pseudonymous ids (:func:`export_ids`): participants and statements are numbered
0, 1, 2, ... in the order they were created, so the files join with each other and with Pol.is tools, and
no database id or participant handle leaves the platform.

Two kinds. The **published** exports say what the results page and the report say, every count through the
conversation's one publication (:mod:`commonweal.reports.exports.published`), so they may be passed on:

- ``statements``: one row a statement with its votes, and the share agreeing overall, in each opinion group and
  in each declared sector: "fewer than 5" where few voted, "not shown" where the layer hides a count so that a
  small one cannot be worked out from the others (the overall votes are headline counts, shown exactly).
- ``analysis``: the latest analysis as the layer publishes it: group sizes and each group's votes on each
  statement as cells (count or null, with a status), the map's marks of at least 5 people, and which statements
  are common ground, divisive or bridging. Nothing per person.

The **raw** exports hold per-person data and small numbers, for a facilitator to check or re-analyse the data;
they sit behind their own permission (``conversation.export_raw``), are recorded in the audit log as
``export.download_raw``, and say "contains small numbers" in their file names (the raw analysis also in its
first key):

- ``polis``: a zip of ``comments.csv``, ``votes.csv`` (every vote event), ``participants-votes.csv`` (the latest
  vote of each participant, with their opinion group at the latest snapshot as ``group-id``) and
  ``summary.csv``, written by :func:`commonweal.analysis.polis_io.write_polis_export`. Votes use our signs,
  which are Pol.is' open-data signs: +1 agree, -1 disagree, 0 pass.
- ``analysis-raw``: the latest snapshot's whole result (participant ids, groups and positions, raw tallies).

Each export is an action (:func:`do_export`): it writes the file and records the download in the audit log.
"""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd
from django.db import transaction

from commonweal.analysis.polis_io import VOTES_HEADER, PolisComment, PolisExport, write_polis_export
from commonweal.conversations.disclosure import conversation_publication
from commonweal.conversations.models import (
    AnalysisSnapshot,
    Conversation,
    Statement,
    VoteEvent,
)
from commonweal.conversations.queries import latest_snapshot
from commonweal.conversations.results.snapshot import read_result
from commonweal.conversations.rights.queries import erasure_note
from commonweal.core import audit
from commonweal.core.errors import InvalidInput, NotFound
from commonweal.core.spreadsheet import SpreadsheetWriter, safe_cell
from commonweal.reports.exports import published
from commonweal.reports.figures import conversation_figures

__all__ = [
    "FORMATS",
    "ExportFile",
    "ExportIds",
    "analysis_document",
    "do_export",
    "permission",
    "raw_analysis_document",
    "export_ids",
    "polis_export",
    "statement_rows",
    "write_analysis_json",
    "write_polis_zip",
    "write_statements_csv",
]

POLIS_FILES = ("comments.csv", "votes.csv", "participants-votes.csv", "summary.csv")


@dataclass(frozen=True)
class ExportFormat:
    key: str
    suffix: str
    content_type: str
    title: str
    #: Per-person data and small numbers: its own permission, its own audit action, said in its file name.
    raw: bool = False


#: Words every raw export's file name carries, so that it is never mistaken for one to pass on.
RAW_MARK = "raw-contains-small-numbers"

#: The exports, by the name the URL, the CLI (``--format``) and the audit log use.
FORMATS: dict[str, ExportFormat] = {
    "polis": ExportFormat(
        "polis", f"{RAW_MARK}-polis.zip", "application/zip", "Pol.is open data, raw (zip)", raw=True
    ),
    "analysis": ExportFormat("analysis", "analysis.json", "application/json", "The analysis (JSON)"),
    "analysis-raw": ExportFormat(
        "analysis-raw", f"{RAW_MARK}-analysis.json", "application/json", "The analysis, raw (JSON)", raw=True
    ),
    "statements": ExportFormat(
        "statements", "statements.csv", "text/csv; charset=utf-8", "Statements with agreement (CSV)"
    ),
}


def permission(fmt: str) -> str:
    """The permission export ``fmt`` needs: ``conversation.export_raw`` for a raw one, else
    ``export.download`` (:mod:`commonweal.reports.permissions`)."""
    spec = FORMATS.get(fmt)
    return "conversation.export_raw" if spec is not None and spec.raw else "export.download"


@dataclass(frozen=True)
class ExportFile:
    """What :func:`do_export` wrote: the file name to offer and its content type."""

    filename: str
    content_type: str


# --- Ids --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportIds:
    """Database id -> export id, for participants and statements. Export ids count from 0 in creation order."""

    participants: dict[int, int]
    statements: dict[int, int]


def export_ids(conversation: Conversation) -> ExportIds:
    """The pseudonymous ids every export of ``conversation`` uses.

    Participants are those who voted or wrote a statement in the conversation; statements are all of its
    statements (rejected ones included, as Pol.is exports them with ``moderated`` -1).
    """
    # From the events, not the current votes: every event needs its participant's export id.
    voters = (
        VoteEvent.objects.filter(conversation=conversation)
        .values_list("participant_id", flat=True)
        .distinct()
    )
    authors = (
        Statement.objects.filter(conversation=conversation, author__isnull=False)
        .values_list("author_id", flat=True)
        .distinct()
    )
    people = sorted(set(voters) | set(authors))
    statements = (
        Statement.objects.filter(conversation=conversation).order_by("pk").values_list("pk", flat=True)
    )
    return ExportIds(
        participants={pk: i for i, pk in enumerate(people)},
        statements={pk: i for i, pk in enumerate(statements)},
    )


def _snapshot_groups(snapshot: AnalysisSnapshot | None, ids: ExportIds) -> dict[int, int | None]:
    """Export participant id -> opinion group at the snapshot (None: not clustered)."""
    stored = read_result(snapshot)
    if stored is None:
        return {}
    out: dict[int, int | None] = {}
    for pk, label in zip(stored.participant_ids, stored.group_labels, strict=False):
        export_id = ids.participants.get(pk)
        if export_id is not None:
            out[export_id] = None if label < 0 else label
    return out


# --- Pol.is open data ---------------------------------------------------------------------------------------------


def _ms(value: Any) -> int:
    return int(value.timestamp() * 1000)


def _vote_events(conversation: Conversation, ids: ExportIds) -> pd.DataFrame:
    """Every vote event as Pol.is' votes table, read in chunks straight into arrays (a million events take
    tens of megabytes this way, not the hundreds a list of rows would)."""
    statement_pks = np.array(sorted(ids.statements), dtype=np.int64)
    participant_pks = np.array(sorted(ids.participants), dtype=np.int64)
    chunks: list[np.ndarray] = []
    rows = VoteEvent.objects.filter(conversation=conversation).order_by("pk")
    buffer: list[tuple[int, int, int, int]] = []
    for a, s, p, v in rows.values_list("at", "statement_id", "participant_id", "value").iterator(
        chunk_size=20000
    ):
        buffer.append((int(a.timestamp() * 1000), s, p, v))
        if len(buffer) == 50000:
            chunks.append(np.array(buffer, dtype=np.int64))
            buffer = []
    if buffer or not chunks:
        chunks.append(np.array(buffer, dtype=np.int64).reshape(-1, 4))
    table = np.concatenate(chunks)
    ms = table[:, 0]
    # Export ids count from 0 in database-id order, so an id's export id is its position among the sorted ids.
    statement = np.searchsorted(statement_pks, table[:, 1])
    participant = np.searchsorted(participant_pks, table[:, 2])
    times = pd.to_datetime(pd.Series(ms), unit="ms", utc=True)
    return pd.DataFrame(
        {
            "timestamp": pd.array(ms, dtype="Int64"),
            "datetime": times.dt.strftime("%a %b %d %H:%M:%S UTC %Y").astype(object),
            "statement": statement.astype(np.int64),
            "participant": participant.astype(np.int64),
            "vote": table[:, 3].astype(np.int8),
        }
    )


def polis_export(
    conversation: Conversation, ids: ExportIds | None = None, snapshot: AnalysisSnapshot | None = None
) -> tuple[PolisExport, dict[int, int | None]]:
    """The conversation in Pol.is' open-data form, and the opinion group of each export participant."""
    ids = ids or export_ids(conversation)
    stored = read_result(snapshot)
    gic: dict[int, float] = {}
    if stored is not None:
        for pk, value in zip(stored.statement_ids, stored.group_informed_consensus, strict=False):
            if value is not None:
                gic[pk] = value
    comments = [
        PolisComment(
            comment_id=ids.statements[s.pk],
            body=safe_cell(s.text),  # comments.csv is opened in spreadsheets
            author_id=ids.participants.get(s.author_id) if s.author_id else None,
            moderation=s.state,
            timestamp=_ms(s.created_at),
            is_meta=s.is_meta,
            is_seed=s.is_seed,
            group_informed_consensus=gic.get(s.pk),
        )
        for s in Statement.objects.filter(conversation=conversation).order_by("pk")
    ]
    votes = _vote_events(conversation, ids)
    groups = _snapshot_groups(snapshot, ids)
    voters = int(votes["participant"].nunique())
    # Everyone who voted when there is no analysis yet; nobody when the snapshot holds no result.
    if snapshot is None:
        in_conv = voters
    else:
        in_conv = len(stored.in_conv) if stored is not None else 0
    summary = {
        "topic": safe_cell(conversation.title),
        "voters": str(voters),
        "voters-in-conv": str(in_conv),
        "commenters": str(len({c.author_id for c in comments if c.author_id is not None})),
        "comments": str(len(comments)),
        "groups": str(len({g for g in groups.values() if g is not None})),
        "conversation-description": safe_cell(conversation.question),
    }
    export = PolisExport(
        comments=comments,
        votes=votes,
        summary=summary,
        votes_source="votes.csv",
        comments_header="extended",
    )
    return export, groups


def write_polis_zip(conversation: Conversation, out: IO[bytes]) -> None:
    """Write the Pol.is open-data zip of ``conversation`` to the binary file ``out``.

    The CSV files are written to a temporary folder and compressed one after the other, so memory holds the
    votes once (as arrays), not the files.
    """
    ids = export_ids(conversation)
    export, groups = polis_export(conversation, ids, latest_snapshot(conversation))
    with tempfile.TemporaryDirectory(prefix="commonweal-export-") as folder:
        write_polis_export(export, folder, groups=groups)
        votes_csv = Path(folder) / "votes.csv"
        if not votes_csv.exists():
            # Nobody has voted yet: the writer leaves votes.csv out; an empty one keeps the four files.
            votes_csv.write_text(",".join(VOTES_HEADER) + "\n", encoding="utf-8")
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name in POLIS_FILES:
                path = Path(folder) / name
                if path.exists():
                    archive.write(path, arcname=name)


# --- The analysis snapshot ------------------------------------------------------------------------------------------


def _latest_or_404(conversation: Conversation) -> AnalysisSnapshot:
    snapshot = latest_snapshot(conversation)
    if snapshot is None:
        raise NotFound(
            "There are no results to export yet: the analysis runs once people have voted. "
            "Come back when the results page shows them.",
            code="no_snapshot",
        )
    return snapshot


def _statement_texts(conversation: Conversation, ids: ExportIds) -> dict[str, dict[str, Any]]:
    return {
        str(ids.statements[s.pk]): {
            "text": s.text,
            "theme": s.theme,
            "moderation": s.state,
            "is_meta": s.is_meta,
            "is_seed": s.is_seed,
        }
        for s in Statement.objects.filter(conversation=conversation).order_by("pk")
    }


def analysis_document(conversation: Conversation) -> dict[str, Any]:
    """The latest analysis as ``analysis.json`` publishes it, every count through the disclosure layer
    (:func:`commonweal.reports.exports.published.analysis_cells`). Raises :class:`NotFound` when there is none
    yet."""
    snapshot = _latest_or_404(conversation)
    ids = export_ids(conversation)
    return {
        "format": "commonweal-analysis/2",
        "small_numbers": (
            "Counts of people are published as cells: 'count' is null unless shown exactly, and 'status' says "
            "why (small: fewer than the threshold; hidden: hidden so that a small count cannot be worked out; "
            "withheld: a breakdown of a group that is not shown). Nothing here is per person."
        ),
        "conversation": {"title": conversation.title, "question": conversation.question},
        "question": conversation.question,
        "tick": snapshot.tick,
        "computed_at": snapshot.computed_at.isoformat(),
        "ids": "Statements carry the export ids of this conversation's other exports (0, 1, 2, ... in creation order).",
        "statements": _statement_texts(conversation, ids),
        "analysis": published.analysis_cells(conversation, snapshot, ids.statements),
        # Participant data erased since (or before) this snapshot was computed: see docs/data-rights.md.
        "erasure": note.as_dict() if (note := erasure_note(conversation, snapshot)) else None,
    }


def raw_analysis_document(conversation: Conversation) -> dict[str, Any]:
    """The latest snapshot's whole result, per person and with small numbers: a raw export (see the module's
    docstring). Raises :class:`NotFound` when there is none yet."""
    snapshot = _latest_or_404(conversation)
    ids = export_ids(conversation)
    statements = {
        str(ids.statements[s.pk]): {
            "text": s.text,
            "theme": s.theme,
            "moderation": s.state,
            "is_meta": s.is_meta,
            "is_seed": s.is_seed,
        }
        for s in Statement.objects.filter(conversation=conversation).order_by("pk")
    }
    return {
        "warning": (
            "Contains small numbers and data about each participant (pseudonymous). For checking and "
            "re-analysis only: do not publish or pass it on. analysis.json is the version to share."
        ),
        "format": "commonweal-analysis-raw/1",
        "conversation": {"title": conversation.title, "question": conversation.question},
        "question": conversation.question,
        "tick": snapshot.tick,
        "computed_at": snapshot.computed_at.isoformat(),
        "ids": (
            "Participants and statements carry the export ids of this conversation's Pol.is zip and statements "
            "CSV (0, 1, 2, ... in creation order); 'statement' in repness, consensus, common ground, divisive "
            "and bridging entries is a position in statement_ids."
        ),
        "statements": statements,
        "result": _exported_result(snapshot, ids),
        # Participant data erased since (or before) this snapshot was computed: see docs/data-rights.md.
        "erasure": note.as_dict() if (note := erasure_note(conversation, snapshot)) else None,
    }


def _exported_result(snapshot: AnalysisSnapshot, ids: ExportIds) -> dict[str, Any]:
    """The snapshot's result with database ids replaced by export ids (None for a participant since erased)."""
    stored = read_result(snapshot)
    if stored is None:
        return {}
    return stored.to_dict(participant_id=ids.participants.get, statement_id=ids.statements.get)


def write_analysis_json(conversation: Conversation, out: IO[bytes]) -> None:
    document = analysis_document(conversation)
    out.write(json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8"))


def write_raw_analysis_json(conversation: Conversation, out: IO[bytes]) -> None:
    document = raw_analysis_document(conversation)
    out.write(json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8"))


# --- Per-statement CSV ---------------------------------------------------------------------------------------------


def statement_rows(conversation: Conversation) -> tuple[list[str], list[list[str]]]:
    """The header and rows of the per-statement CSV (:func:`commonweal.reports.exports.published.statement_rows`)."""
    return published.statement_rows(conversation, export_ids(conversation).statements)


def write_statements_csv(conversation: Conversation, out: IO[bytes]) -> None:
    header, rows = statement_rows(conversation)
    text = io.StringIO()
    # Text columns (the statement, its theme and moderation state) are guarded against formula injection;
    # the id, the counts and the shares are numbers (or words such as "fewer than 5").
    numbers = [0, *range(4, len(header))]
    writer = SpreadsheetWriter(text, numbers=numbers, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    # A byte-order mark so that spreadsheets open the file as UTF-8 (names and texts carry accents).
    out.write(("\ufeff" + text.getvalue()).encode("utf-8"))


# --- The action ------------------------------------------------------------------------------------------------------

_WRITERS = {
    "polis": write_polis_zip,
    "analysis": write_analysis_json,
    "analysis-raw": write_raw_analysis_json,
    "statements": write_statements_csv,
}


def filename(conversation: Conversation, fmt: str) -> str:
    return f"{conversation.slug}-{FORMATS[fmt].suffix}"


def do_export(actor: Any, conversation: Conversation, fmt: str, out: IO[bytes]) -> ExportFile:
    """Write export ``fmt`` (``polis``, ``analysis``, ``analysis-raw`` or ``statements``) of ``conversation`` to
    ``out`` and record the download in the audit log (``export.download_raw`` for a raw export, else
    ``export.download``). The caller has checked :func:`permission` of ``fmt``.

    Raises :class:`InvalidInput` for an unknown format and :class:`NotFound` for the analysis when there is no
    snapshot yet (nothing is recorded then).
    """
    if fmt not in FORMATS:
        raise InvalidInput(
            f"Unknown export format {fmt!r}: choose one of {', '.join(FORMATS)}.", code="unknown_format"
        )
    _WRITERS[fmt](conversation, out)
    name = filename(conversation, fmt)
    with transaction.atomic():
        action = "export.download_raw" if FORMATS[fmt].raw else "export.download"
        audit.record(actor, action, conversation, after={"format": fmt, "filename": name})
    return ExportFile(filename=name, content_type=FORMATS[fmt].content_type)


def describe(conversation: Conversation) -> dict[str, Any]:
    """What the exports page says about the data behind the downloads (counts as text, with thousands marked)."""
    snapshot = latest_snapshot(conversation, defer=("state", "priorities"))
    # The same figures as the report's (reports/figures.py), so the two pages cannot disagree.
    figures = conversation_figures(conversation, conversation_publication(conversation, snapshot))
    return {
        "figures": figures,
        "text": {
            key: f"{getattr(figures, key):,}"
            for key in ("accepted", "statements", "votes", "vote_events", "voters")
        },
        "snapshot": snapshot,
        "erasure": erasure_note(conversation, snapshot),
    }
