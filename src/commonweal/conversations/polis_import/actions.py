"""Import a Pol.is open-data export into a system as a new, closed conversation.

The facilitator's import page and ``commonweal import-polis`` both call :func:`check_import_polis`, which reads
the export with :func:`commonweal.analysis.polis_io.read_polis_export`, checks what that reader does not (votes
on comments the export does not have), and then :func:`do_import_polis` writes everything in one transaction:
a malformed file is refused with the file, the row and the reason, and nothing is half-imported.

What becomes of what:

- Each comment becomes a statement. Pol.is' ``moderated`` -1 is rejected and 1 accepted; 0 means nobody has
  moderated it yet, so it stays pending, and the conversation is made permissive, our rule for "shown until a
  moderator rejects it" (what Pol.is does with unmoderated comments unless strict moderation was on, which the
  export does not say): the statement counts in the results and a moderator can still accept or reject it.
  ``is-meta`` and ``is-seed`` are kept when the export has them. An imported statement holds at most 600
  characters (new ones 280) and a conversation holds each text once, where Pol.is allowed longer comments and
  repeats: a longer text is cut at 600 characters (ending with "…"), a repeated text gets " (Pol.is comment N)" after it, and an empty
  one says so; the import counts each of these.
- Each Pol.is participant (a voter or an author) becomes a new pseudonymous participant of the system, with
  no declared sector, organisation, place or community and no device that can act as them.
- Each vote event becomes a vote event at its Pol.is time (the import's time when the export has only
  ``participants-votes.csv``), and the latest per participant and statement the current vote.
- The conversation is closed, ``imported_from`` says where it came from, and the import is in the audit log.

Rows in the messages are counted as a spreadsheet shows them: the header is row 1, the first data row 2
(``summary.csv`` has no header: its first row is row 1).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import shutil
import socket
import tempfile
import time
import uuid
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast, overload

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from commonweal.analysis.errors import AnalysisInputError
from commonweal.analysis.polis_io import ExportTooLarge, PolisExport, read_polis_export
from commonweal.conversations.jobs.heartbeat import process_exists, stale_after
from commonweal.conversations.models import (
    STATEMENT_STORED_MAX_LENGTH,
    Conversation,
    ImportJob,
    Participant,
    Participation,
    Statement,
    WorkerHeartbeat,
)
from commonweal.conversations.participate.actions import bulk_load_votes
from commonweal.core import audit
from commonweal.core.errors import ImportFailed
from commonweal.core.spreadsheet import restore_cell
from commonweal.core.text import clean_text, duplicate_key
from commonweal.systems.models import System

__all__ = [
    "POLIS_FILES",
    "ImportProblem",
    "ImportResult",
    "Progress",
    "check_import_polis",
    "do_import_polis",
    "fail_stale_import_jobs",
    "queue_import_polis",
    "run_import_job",
    "run_next_import_job",
    "max_upload_bytes",
]

logger = logging.getLogger(__name__)

POLIS_FILES = ("comments.csv", "votes.csv", "participants-votes.csv", "summary.csv")
BATCH = 5000
#: Bytes per row of votes.csv that a zip's unpacked size is measured against before unpacking: a Pol.is row
#: ("1436482946000,Thu Jul 09 2015 23:02:26 GMT+0000 (UTC),123,4567,-1") is about 65, so this is generous.
VOTE_ROW_BYTES = 128
TITLE_MAX = 200
QUESTION_MAX = 500
IMPORTED_FROM_MAX = 300

#: ``progress(stage, done, total)``: stage is "participants", "statements", "votes" (the vote events) or
#: "latest votes" (each participant's current vote on each statement).
Progress = Callable[[str, int, int], None]


def max_upload_bytes() -> int:
    """The largest upload the import page takes (``COMMONWEAL_POLIS_IMPORT_MAX_MB``)."""
    return int(settings.POLIS_IMPORT_MAX_MB) * 1024 * 1024


@dataclass(frozen=True)
class ImportProblem:
    """Why an export was refused: which file, which row (spreadsheet numbering; None for the whole file)."""

    file: str
    row: int | None
    column: str
    problem: str
    fix: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "row": self.row,
            "column": self.column,
            "problem": self.problem,
            "fix": self.fix,
        }

    @property
    def where(self) -> str:
        return f"{self.file}, row {self.row}" if self.row is not None else (self.file or "the export")


def _failed(problem: ImportProblem) -> ImportFailed:
    message = f"{problem.where}: {problem.problem}"
    if not message.endswith("."):
        message += "."
    return ImportFailed(
        f"{message} Nothing was imported.",
        detail={"errors": [problem.as_dict()]},
    )


@dataclass
class ImportResult:
    """What an import created, for the success message and the CLI's summary line."""

    conversation: Conversation
    statements: int
    participants: int
    votes: int
    vote_events: int
    shortened: int = 0
    repeated: int = 0
    empty: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        text = (
            f"Imported {self.statements:,} statement{'s' if self.statements != 1 else ''}, "
            f"{self.participants:,} participant{'s' if self.participants != 1 else ''} and "
            f"{self.vote_events:,} vote{'s' if self.vote_events != 1 else ''}"
        )
        if self.vote_events != self.votes:
            text += f" ({self.votes:,} current after changes of mind)"
        text += "."
        if self.notes:
            text += " " + " ".join(self.notes)
        return text


# --- Reading ----------------------------------------------------------------------------------------------------


_FIXES = {
    "comments.csv": "Correct comments.csv (or export the conversation from Pol.is again) and import it again.",
    "votes.csv": "Correct votes.csv (or export the conversation from Pol.is again) and import it again.",
    "participants-votes.csv": (
        "Correct participants-votes.csv (or export the conversation from Pol.is again) and import it again."
    ),
    "summary.csv": "Correct summary.csv, or leave it out: it is optional.",
}


def _problem_from(exc: AnalysisInputError, root: Path) -> ImportProblem:
    """Turn the reader's message (``<path>: row N, ...``) into a problem naming the file, not a temporary path."""
    message = str(exc)
    prefix = str(root)
    rest = message[len(prefix) :] if message.startswith(prefix) else message
    file = ""
    match = re.match(r"^/?([^/:]+\.csv): (.*)$", rest, re.S)
    if match:
        file, rest = match.group(1), match.group(2)
    else:
        rest = rest.lstrip(":/ ")
    row: int | None = None
    column = ""
    row_match = re.match(r"^row (\d+)(?:, | )(.*)$", rest, re.S)
    if row_match:
        # The reader counts data rows from 1 after the header; a spreadsheet counts the header as row 1.
        row = int(row_match.group(1)) + (0 if file == "summary.csv" else 1)
        rest = row_match.group(2)
    column_match = re.search(r"column '([^']+)'", rest)
    if column_match:
        column = column_match.group(1)
    elif "missing column" in rest:
        row = 1
    problem = rest[:1].upper() + rest[1:]
    if "no comments.csv" in rest:
        file, problem = "comments.csv", "The export has no comments.csv."
        fix = "Include comments.csv from the Pol.is export: it holds the statements."
    elif "no votes.csv or participants-votes.csv" in rest:
        file = "votes.csv"
        problem = "The export has neither votes.csv nor participants-votes.csv, so it has no votes."
        fix = "Include votes.csv (or participants-votes.csv) from the Pol.is export."
    else:
        fix = _FIXES.get(file, "Export the conversation from Pol.is again and import that.")
    return ImportProblem(file=file, row=row, column=column, problem=problem, fix=fix)


def _check_comment_ids(export: PolisExport) -> None:
    """Every vote is on a comment that comments.csv has."""
    known = np.array(sorted(c.comment_id for c in export.comments), dtype=np.int64)
    if export.votes_source == "participants-votes.csv":
        known_ids = set(known.tolist())
        unknown = [c for c in export.vote_columns or [] if c not in known_ids]
        if unknown:
            raise _failed(
                ImportProblem(
                    file="participants-votes.csv",
                    row=1,
                    column=str(unknown[0]),
                    problem=f"The column {unknown[0]} is a comment id that comments.csv does not have.",
                    fix="Import the comments.csv exported with this file, or remove that column.",
                )
            )
        return
    statements = export.votes["statement"].to_numpy()
    bad = ~np.isin(statements, known)
    if bad.any():
        index = int(np.flatnonzero(bad)[0])
        raise _failed(
            ImportProblem(
                file="votes.csv",
                row=index + 2,
                column="comment-id",
                problem=f"The vote is on comment {int(statements[index])}, which comments.csv does not have.",
                fix="Import the comments.csv exported with this votes.csv, or remove the votes on that comment.",
            )
        )


def _materialise(source: Any, folder: Path) -> tuple[Path, str]:
    """The folder to read and a name for where the export came from.

    ``source`` is a folder, a ``.zip`` file, or a mapping of file name to bytes (uploaded files; a ``.zip``
    among them is unpacked). Files other than the four of the format are ignored.
    """
    if isinstance(source, Mapping):
        names = []
        for raw_name, data in source.items():
            name = os.path.basename(str(raw_name))
            if name.lower().endswith(".zip"):
                zip_path = folder / "upload.zip"
                zip_path.write_bytes(data)
                _unzip(zip_path, folder, name)
                names.append(name)
            elif name in POLIS_FILES:
                (folder / name).write_bytes(data)
                names.append(name)
        return folder, ", ".join(names) or "uploaded files"
    path = Path(source)
    if path.is_file() and path.suffix.lower() == ".zip":
        _unzip(path, folder, path.name)
        return folder, path.name
    if not path.exists():
        raise _failed(
            ImportProblem("", None, "", f"There is no folder or file at {path}.", "Give the export's folder.")
        )
    return path, path.name


def _unzip(zip_path: Path, folder: Path, label: str) -> None:
    limit = 10 * max_upload_bytes()
    try:
        with zipfile.ZipFile(zip_path) as archive:
            wanted: dict[str, zipfile.ZipInfo] = {}
            for info in archive.infolist():
                name = os.path.basename(info.filename)
                if info.is_dir() or name not in POLIS_FILES or info.filename.startswith("__MACOSX"):
                    continue
                if name in wanted:
                    raise _failed(
                        ImportProblem(
                            label,
                            None,
                            "",
                            f"The zip holds {name} twice ({wanted[name].filename} and {info.filename}).",
                            "Zip one conversation's export at a time.",
                        )
                    )
                wanted[name] = info
            if sum(i.file_size for i in wanted.values()) > limit:
                raise _failed(
                    ImportProblem(
                        label,
                        None,
                        "",
                        f"Unpacked, the zip's files come to more than {limit // 1024 // 1024} MB.",
                        "Import it from the command line: commonweal import-polis <folder> --system <slug>.",
                    )
                )
            _check_unpacked_size(wanted, label)
            for name, info in wanted.items():
                with archive.open(info) as src, (folder / name).open("wb") as dst:
                    while chunk := src.read(1 << 20):
                        dst.write(chunk)
    except zipfile.BadZipFile:
        raise _failed(
            ImportProblem(
                label,
                None,
                "",
                "The file is not a zip file that can be opened.",
                "Upload the zip of the Pol.is export as downloaded, or its CSV files one by one.",
            )
        ) from None


def _limits() -> tuple[int, int]:
    return int(settings.IMPORT_MAX_VOTES), int(settings.IMPORT_MAX_PARTICIPANTS)


def _over_limit(label: str, what: str, count: str, limit: int, setting: str) -> ImportFailed:
    return _failed(
        ImportProblem(
            label,
            None,
            "",
            f"The export has {count} {what}; one import takes at most {limit:,} ({setting}).",
            f"Import it with `commonweal import-polis` on the server after raising {setting} for that command "
            "(the server needs the memory for it), or import a smaller export.",
        )
    )


def _check_unpacked_size(wanted: Mapping[str, zipfile.ZipInfo], label: str) -> None:
    """Refuse a zip whose votes file, unpacked, is larger than the vote limit can fill, before unpacking it."""
    max_votes, _ = _limits()
    for name in ("votes.csv", "participants-votes.csv"):
        info = wanted.get(name)
        if info is not None and info.file_size > max_votes * VOTE_ROW_BYTES + 1024 * 1024:
            mb = info.file_size // 1024 // 1024
            raise _over_limit(
                label,
                "votes",
                f"a {name} of {mb:,} MB unpacked, more",
                max_votes,
                "COMMONWEAL_IMPORT_MAX_VOTES",
            )


def _too_large(exc: ExportTooLarge) -> ImportFailed:
    setting = (
        "COMMONWEAL_IMPORT_MAX_PARTICIPANTS" if exc.what == "participants" else "COMMONWEAL_IMPORT_MAX_VOTES"
    )
    return _over_limit(exc.file, exc.what, f"more than {exc.limit:,}", exc.limit, setting)


def _reading(report: Progress) -> Callable[[str, int, int], None]:
    """The reader's progress (bytes of a vote file) as the stage "reading", in megabytes."""

    def read(name: str, done: int, total: int) -> None:
        report("reading", done // 1024 // 1024, max(1, total // 1024 // 1024))

    return read


def _read(folder: Path, report: Progress | None = None) -> PolisExport:
    """Read and check the export. The reader streams the vote files and stops at the first limit passed
    (``COMMONWEAL_IMPORT_MAX_VOTES``, ``COMMONWEAL_IMPORT_MAX_PARTICIPANTS``), so an export over a limit is
    refused after reading up to the limit, never whole; the datetime text of votes.csv is not kept (the import
    uses the timestamps)."""
    max_votes, max_people = _limits()
    try:
        export = read_polis_export(
            folder,
            max_votes=max_votes,
            max_participants=max_people,
            datetimes=False,
            progress=_reading(report) if report is not None else None,
        )
    except ExportTooLarge as exc:
        raise _too_large(exc) from None
    except AnalysisInputError as exc:
        raise _failed(_problem_from(exc, folder)) from None
    if not export.comments:
        raise _failed(
            ImportProblem(
                "comments.csv",
                None,
                "",
                "comments.csv has no comments.",
                "Export a conversation that has some.",
            )
        )
    _check_comment_ids(export)
    return export


# --- The actions ----------------------------------------------------------------------------------------------------


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip() + "…"


def check_import_polis(
    user: Any,
    system: System,
    folder_or_files: Any,
    *,
    title: str | None = None,
    progress: Progress | None = None,
    on_draft: Callable[[Conversation], None] | None = None,
) -> Conversation:
    """Import a Pol.is export into ``system`` as a new closed conversation and return it.

    ``folder_or_files`` is the export's folder, a ``.zip`` of it, or a mapping of file name to bytes (the
    uploaded files). The caller has checked ``conversation.import`` on the system. Raises
    :class:`~commonweal.core.errors.ImportFailed` naming the file, the row and the reason when the export is
    malformed; nothing is written then. The returned conversation carries the counts as ``import_result``
    (:class:`ImportResult`). ``on_draft`` is passed to :func:`do_import_polis`.
    """
    title = clean_text(title)
    if len(title) > TITLE_MAX:
        raise ImportFailed(
            f"The title is {len(title)} characters; keep it to {TITLE_MAX}.",
            detail={"fields": [{"field": "title", "problem": f"Keep the title to {TITLE_MAX} characters"}]},
            code="invalid_input",
        )
    with tempfile.TemporaryDirectory(prefix="commonweal-import-") as scratch:
        folder, label = _materialise(folder_or_files, Path(scratch))
        export = _read(folder, progress)
    result = do_import_polis(
        user, system, export, title=title or None, source=label, progress=progress, on_draft=on_draft
    )
    conversation = result.conversation
    conversation.import_result = result  # type: ignore[attr-defined]
    return conversation


def _statement_texts(export: PolisExport) -> tuple[list[str], int, int, int]:
    """Texts that fit our statements (at most 600 characters, each once), and how many had to change."""
    texts: list[str] = []
    seen: set[str] = set()
    shortened = repeated = empty = 0
    for c in export.comments:
        # Our own exports guard texts against formula injection with a leading quote: take it off again.
        text = clean_text(restore_cell(c.body))
        if not text:
            empty += 1
            text = f"(Pol.is comment {c.comment_id} has no text)"
        if len(text) > STATEMENT_STORED_MAX_LENGTH:
            shortened += 1
            text = _clip(text, STATEMENT_STORED_MAX_LENGTH)
        if duplicate_key(text) in seen:
            repeated += 1
            suffix = f" (Pol.is comment {c.comment_id})"
            text = _clip(text, STATEMENT_STORED_MAX_LENGTH - len(suffix)) + suffix
        seen.add(duplicate_key(text))
        texts.append(text)
    return texts, shortened, repeated, empty


def _bulk(model: Any, objects: list[Any]) -> list[Any]:
    return list(model.objects.bulk_create(objects, batch_size=BATCH))


@dataclass(frozen=True)
class _Heading:
    """The new conversation's title, question, description and where it came from."""

    title: str
    question: str
    description: str
    imported_from: str


def _heading(export: PolisExport, title: str | None, source: str) -> _Heading:
    summary = export.summary
    topic = clean_text(restore_cell(summary.get("topic", "")))
    description = clean_text(restore_cell(summary.get("conversation-description", "")), multiline=True)
    name = title or _clip(topic, TITLE_MAX) or _clip(source, TITLE_MAX) or "Imported Pol.is conversation"
    question = _clip(" ".join(description.split()), QUESTION_MAX) if description else (topic or name)
    url = summary.get("url", "").strip()
    imported_from = _clip(f"Pol.is export {url or source}".strip(), IMPORTED_FROM_MAX)
    return _Heading(name, question, description, imported_from)


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class _Times(Sequence[dt.datetime]):
    """The vote events' times, each made when asked for from its milliseconds (a list of two million datetimes
    would take about 100 MB); ``now`` for every event when the export has no times."""

    def __init__(self, ms: np.ndarray | None, n: int, now: dt.datetime) -> None:
        self.ms, self.n, self.now = ms, n, now

    def __len__(self) -> int:
        return self.n

    @overload
    def __getitem__(self, index: int) -> dt.datetime: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[dt.datetime]: ...

    def __getitem__(self, index: int | slice) -> dt.datetime | Sequence[dt.datetime]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self.n))]
        if not -self.n <= index < self.n:
            raise IndexError(index)
        if self.ms is None:
            return self.now
        return _EPOCH + dt.timedelta(milliseconds=int(self.ms[index]))

    def first(self) -> dt.datetime:
        """The earliest time (the events are in time order), ``now`` when there are none."""
        return self[0] if self.n else self.now


@dataclass(frozen=True)
class _Events:
    """The vote events in time order as arrays: Pol.is voter, comment id and vote of each, and their times."""

    participant: np.ndarray
    statement: np.ndarray
    vote: np.ndarray
    at: _Times


def _ordered_votes(export: PolisExport, now: dt.datetime) -> _Events:
    """The vote events in time order (file order breaking ties, as Pol.is' own reader does), so that event ids
    grow with time and "latest wins" is the last event of each participant and statement; and their times (the
    import's time for all when the export has none, as ``participants-votes.csv`` alone)."""
    votes = export.votes
    n = len(votes)
    participant = votes["participant"].to_numpy(dtype=np.int64)
    statement = votes["statement"].to_numpy(dtype=np.int64)
    vote = votes["vote"].to_numpy(dtype=np.int64)
    if not (n and bool(votes["timestamp"].notna().all())):
        return _Events(participant, statement, vote, _Times(None, n, now))
    ms = votes["timestamp"].to_numpy(dtype=np.int64)
    order = np.argsort(ms, kind="stable")
    return _Events(participant[order], statement[order], vote[order], _Times(ms[order], n, now))


def _create_participants(
    system: System, conversation: Conversation, polis_people: list[int], report: Progress
) -> dict[int, int]:
    """A new participant of the system, joined to the conversation, for each Pol.is participant: their pks."""
    report("participants", 0, len(polis_people))
    participant_pk: dict[int, int] = {}
    for start in range(0, len(polis_people), BATCH):
        chunk = polis_people[start : start + BATCH]
        created = _bulk(Participant, [Participant(system=system) for _ in chunk])
        _bulk(Participation, [Participation(participant=p, conversation=conversation) for p in created])
        participant_pk.update({pid: p.pk for pid, p in zip(chunk, created, strict=True)})
        report("participants", start + len(chunk), len(polis_people))
    return participant_pk


def _create_statements(
    conversation: Conversation,
    export: PolisExport,
    texts: list[str],
    participant_pk: dict[int, int],
    report: Progress,
) -> dict[int, int]:
    """A statement for each Pol.is comment (with ``texts``, made to fit): their pks by comment id."""
    report("statements", 0, len(texts))
    statement_pk: dict[int, int] = {}
    for start in range(0, len(texts), BATCH):
        comments = export.comments[start : start + BATCH]
        objects = [
            Statement(
                conversation=conversation,
                text=text,
                normalised_text=duplicate_key(text),
                author_id=participant_pk.get(c.author_id) if c.author_id is not None else None,
                is_seed=bool(c.is_seed),
                is_meta=bool(c.is_meta),
                state=c.moderation,
            )
            for c, text in zip(comments, texts[start : start + BATCH], strict=True)
        ]
        created = _bulk(Statement, objects)
        statement_pk.update({c.comment_id: s.pk for c, s in zip(comments, created, strict=True)})
        report("statements", start + len(comments), len(texts))
    return statement_pk


def _notes(shortened: int, repeated: int, empty: int) -> list[str]:
    """What the import had to change in the statements, in sentences for the success message."""
    notes = []
    if shortened:
        notes.append(
            f"{shortened} statement{'s were' if shortened != 1 else ' was'} longer than "
            f"{STATEMENT_STORED_MAX_LENGTH} characters and {'were' if shortened != 1 else 'was'} shortened."
        )
    if repeated:
        notes.append(
            f"{repeated} statement{'s' if repeated != 1 else ''} repeated an earlier text and "
            f"{'have' if repeated != 1 else 'has'} its Pol.is comment number added."
        )
    if empty:
        notes.append(f"{empty} comment{'s' if empty != 1 else ''} had no text.")
    return notes


@dataclass
class _Plan:
    """What an import writes, worked out from the export before anything is written."""

    heading: _Heading
    texts: list[str]
    shortened: int
    repeated: int
    empty: int
    events: _Events
    polis_people: list[int]
    now: dt.datetime


def _plan(export: PolisExport, title: str | None, source: str) -> _Plan:
    texts, shortened, repeated, empty = _statement_texts(export)
    now = timezone.now()
    events = _ordered_votes(export, now)
    author_ids = {c.author_id for c in export.comments if c.author_id is not None}
    polis_people = sorted(set(np.unique(events.participant).tolist()) | author_ids)
    return _Plan(
        _heading(export, title, source), texts, shortened, repeated, empty, events, polis_people, now
    )


def _pks(pk_of: Mapping[int, int], polis_ids: np.ndarray) -> np.ndarray:
    """The primary key of each Pol.is id in ``polis_ids`` (every one is in ``pk_of``), as one array."""
    keys = np.array(sorted(pk_of), dtype=np.int64)
    pks = np.array([pk_of[k] for k in keys.tolist()], dtype=np.int64)
    return pks[np.searchsorted(keys, polis_ids)]


def _write(
    system: System, export: PolisExport, plan: _Plan, conversation: Conversation, report: Progress
) -> ImportResult:
    """Write the participants, the statements and the votes of ``plan`` into ``conversation``."""
    participant_pk = _create_participants(system, conversation, plan.polis_people, report)
    statement_pk = _create_statements(conversation, export, plan.texts, participant_pk, report)
    events = plan.events
    # Arrays, not lists: the loader only takes their length and items (two million Python ints are ~60 MB each).
    loaded = bulk_load_votes(
        conversation,
        cast(Sequence[int], _pks(participant_pk, events.participant)),
        cast(Sequence[int], _pks(statement_pk, events.statement)),
        cast(Sequence[int], events.vote),
        events.at,
        progress=report,
    )
    return ImportResult(
        conversation=conversation,
        statements=len(plan.texts),
        participants=len(plan.polis_people),
        votes=loaded.votes,
        vote_events=loaded.vote_events,
        shortened=plan.shortened,
        repeated=plan.repeated,
        empty=plan.empty,
        notes=_notes(plan.shortened, plan.repeated, plan.empty),
    )


def _new_conversation(system: System, plan: _Plan, status: str) -> Conversation:
    return Conversation.objects.create(
        system=system,
        title=plan.heading.title,
        question=plan.heading.question,
        description=plan.heading.description,
        status=status,
        moderation=Conversation.Moderation.PERMISSIVE,
        participants_can_add=False,
        themes=[],
        imported_from=plan.heading.imported_from,
        opened_at=plan.events.at.first(),
        closed_at=plan.now,
    )


def _record(actor: Any, result: ImportResult, plan: _Plan, source: str) -> None:
    audit.record(
        actor,
        "conversation.import_polis",
        result.conversation,
        after={
            "source": source,
            "imported_from": plan.heading.imported_from,
            "statements": result.statements,
            "participants": result.participants,
            "vote_events": result.vote_events,
            "votes": result.votes,
            "shortened": plan.shortened,
            "repeated": plan.repeated,
            "empty": plan.empty,
        },
    )


#: Seconds the batched import waits after each committed batch, so that a participant's write waiting for
#: SQLite's one write lock (its busy handler retries every few milliseconds) gets it before the next batch.
BATCH_PAUSE = 0.02


def _pausing(report: Progress) -> Progress:
    def pause_after(stage: str, done: int, total: int) -> None:
        report(stage, done, total)
        if done:
            time.sleep(BATCH_PAUSE)

    return pause_after


def _remove_partial(conversation: Conversation | None) -> None:
    """Delete what a failed batched import wrote: the conversation (its statements, votes and joins with it)
    and the participants made for it (an imported participant belongs to that one conversation only)."""
    if conversation is None:
        return
    with transaction.atomic():
        made = list(
            Participant.objects.filter(participations__conversation=conversation).values_list("pk", flat=True)
        )
        Conversation.objects.filter(pk=conversation.pk).delete()
        for start in range(0, len(made), BATCH):
            Participant.objects.filter(pk__in=made[start : start + BATCH]).delete()


def _import_in_batches(
    actor: Any,
    system: System,
    export: PolisExport,
    plan: _Plan,
    source: str,
    report: Progress,
    on_draft: Callable[[Conversation], None] | None,
) -> ImportResult:
    """The import on SQLite outside a transaction: each batch of rows commits on its own, so that participants'
    votes and joins get the database's one write lock between batches (one transaction would hold it for the
    whole import). The conversation is a draft, which no participant can open, until the last step closes it and
    records the import; a failure deletes what was written."""
    conversation: Conversation | None = None
    try:
        conversation = _new_conversation(system, plan, Conversation.Status.DRAFT)
        if on_draft is not None:
            on_draft(conversation)
        result = _write(system, export, plan, conversation, _pausing(report))
        with transaction.atomic():
            Conversation.objects.filter(pk=conversation.pk).update(status=Conversation.Status.CLOSED)
            conversation.status = Conversation.Status.CLOSED
            _record(actor, result, plan, source)
    except BaseException:
        _remove_partial(conversation)
        raise
    return result


def do_import_polis(
    actor: Any,
    system: System,
    export: PolisExport,
    *,
    title: str | None = None,
    source: str = "",
    progress: Progress | None = None,
    on_draft: Callable[[Conversation], None] | None = None,
) -> ImportResult:
    """Write ``export`` (read and checked) into ``system`` as a new closed conversation and record it in the
    audit log.

    In one transaction, except on SQLite when no transaction is open: there the rows are committed in batches
    (see :func:`_import_in_batches`) so that participants are not locked out for the length of the import, and
    a failure deletes what was written. Either way nothing half-imported is ever visible to participants.
    ``on_draft(conversation)`` is called with the draft once it is committed, before its rows (batched import
    only: in one transaction a process that dies leaves nothing), so that a job can remove it if its process dies.
    """
    report = progress or (lambda stage, done, total: None)
    plan = _plan(export, title, source)
    if connection.vendor == "sqlite" and not connection.in_atomic_block:
        return _import_in_batches(actor, system, export, plan, source, report, on_draft)
    with transaction.atomic():
        conversation = _new_conversation(system, plan, Conversation.Status.CLOSED)
        result = _write(system, export, plan, conversation, report)
        _record(actor, result, plan, source)
    return result


# --- Imports as background jobs ------------------------------------------------------------------------------------

#: Least seconds between two writes of a running job's progress.
PROGRESS_EVERY = 1.0


def _upload_root() -> Path:
    return Path(settings.DATA_DIR) / "imports"


def queue_import_polis(user: Any, system: System, uploads: Iterable[Any], *, title: str = "") -> ImportJob:
    """Save uploaded export files in the data folder and queue their import, for the analysis worker.

    ``uploads`` are Django uploaded files (read in chunks, never whole). The caller has checked
    ``conversation.import`` on the system and the files' names and size. Returns the queued
    :class:`~commonweal.conversations.models.ImportJob`; :func:`run_next_import_job` runs it.
    """
    folder = _upload_root() / uuid.uuid4().hex
    folder.mkdir(parents=True)
    names = []
    for upload in uploads:
        name = os.path.basename(str(upload.name or ""))
        names.append(name)
        with (folder / name).open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
    return ImportJob.objects.create(
        system=system,
        created_by=user if getattr(user, "is_authenticated", False) else None,
        title=clean_text(title),
        upload=str(folder),
        source=_clip(", ".join(names), IMPORTED_FROM_MAX),
    )


def _job_source(folder: Path) -> Path:
    """What to import from a job's upload folder: the zip when one was uploaded, else the folder of CSV files."""
    zips = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".zip")
    return zips[0] if zips else folder


def _job_progress(job: ImportJob) -> Progress:
    last_stage, last_at = "", 0.0

    def report(stage: str, done: int, total: int) -> None:
        nonlocal last_stage, last_at
        now = time.monotonic()
        # A write per stage and at most one a second within it: progress is for people, not a log.
        if stage == last_stage and now - last_at < PROGRESS_EVERY and done < total:
            return
        last_stage, last_at = stage, now
        ImportJob.objects.filter(pk=job.pk).update(stage=stage, done=done, total=total)

    return report


def _this_worker() -> str:
    """This process as the worker's heartbeat names it (``host:pid``)."""
    return f"{socket.gethostname()}:{os.getpid()}"


#: The jobs this process is running now (a worker restarted in a container may have the pid its dead self had).
_running_here: set[int] = set()


def _outcome(job: ImportJob) -> dict[str, Any]:
    """Import the job's upload; the job's fields that say how it ended. The upload is deleted either way."""
    folder = Path(job.upload)

    def on_draft(draft: Conversation) -> None:
        ImportJob.objects.filter(pk=job.pk).update(draft=draft)

    try:
        conversation = check_import_polis(
            job.created_by,
            job.system,
            _job_source(folder),
            title=job.title or None,
            progress=_job_progress(job),
            on_draft=on_draft,
        )
    except ImportFailed as exc:
        detail = exc.detail if isinstance(exc.detail, dict) else {}
        return {"status": ImportJob.Status.FAILED, "error": str(exc), "errors": detail.get("errors", [])}
    except Exception as exc:  # noqa: BLE001 - the job records the failure; the worker carries on
        logger.exception("Pol.is import job %s failed", job.pk)
        return {
            "status": ImportJob.Status.FAILED,
            "error": f"The import failed unexpectedly ({type(exc).__name__}). Nothing was imported.",
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    result = conversation.import_result  # type: ignore[attr-defined]
    return {"status": ImportJob.Status.DONE, "conversation": conversation, "summary": result.summary}


def run_import_job(job: ImportJob) -> ImportJob:
    """Run a claimed (``running``) import job to its end: ``done`` with the new conversation and the summary, or
    ``failed`` with the reason (a refused export: the file, row and reason). The upload is deleted either way."""
    _running_here.add(job.pk)
    try:
        fields = _outcome(job)
        fields.update(finished_at=timezone.now(), draft=None)
        # Only while still running: a job another worker has meanwhile found stale keeps that outcome.
        ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.RUNNING).update(**fields)
    finally:
        # Only now: until its outcome is written, this process's worker must not take the job for a dead one.
        _running_here.discard(job.pk)
    job.refresh_from_db()
    return job


def run_next_import_job(worker: str | None = None) -> ImportJob | None:
    """Claim the oldest queued import job and run it (None when none is queued). The claim is a conditional
    update, so two workers never run one job; it records ``worker`` (this process's ``host:pid`` by default, as
    its heartbeat names it), by which :func:`fail_stale_import_jobs` tells whether the job's process still runs."""
    for job in ImportJob.objects.filter(status=ImportJob.Status.QUEUED).order_by("created_at", "id")[:5]:
        # Marked as this process's before the claim: this process's worker never sees it running and not here.
        _running_here.add(job.pk)
        claimed = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.QUEUED).update(
            status=ImportJob.Status.RUNNING, started_at=timezone.now(), worker=worker or _this_worker()
        )
        if claimed:
            job.refresh_from_db()
            return run_import_job(job)
        _running_here.discard(job.pk)
    return None


def _worker_gone(job: ImportJob, alive: Callable[[], set[str]]) -> bool:
    """Whether the process that claimed ``job`` no longer runs it. On this machine the process itself says (this
    process: whether it runs the job now); for another machine, whether its worker has stopped beating."""
    host, _, pid = job.worker.rpartition(":")
    if host == socket.gethostname() and pid.isdigit():
        if int(pid) == os.getpid():
            return job.pk not in _running_here
        return not process_exists(int(pid))
    return job.worker not in alive()


def _stale_reason(job: ImportJob) -> str:
    return (
        f"The import stopped before it finished: the process running it ({job.worker or 'unknown'}) ended part-way "
        "(it was restarted, or ran out of memory). Nothing of it was kept. Import the export again; if it stops "
        "again, the export may need more memory than the server has (COMMONWEAL_IMPORT_MAX_VOTES)."
    )


def fail_stale_import_jobs() -> list[ImportJob]:
    """Mark failed, with the reason, each ``running`` import job whose process has gone (killed, out of memory, the
    machine restarted), and remove what it wrote (on SQLite the draft conversation its batches had committed; in
    one transaction nothing was kept) and its upload. Returns those jobs. The analysis worker calls it every poll.

    Gone means: on this machine, no process has the job's pid (or, for this process, it is not running the job);
    on another, its worker has not beaten for ``COMMONWEAL_WORKER_STALE_AFTER`` seconds.
    """
    found: list[ImportJob] = []
    running = list(ImportJob.objects.filter(status=ImportJob.Status.RUNNING).select_related("draft"))
    beating: set[str] | None = None

    def alive() -> set[str]:
        nonlocal beating
        if beating is None:
            since = timezone.now() - dt.timedelta(seconds=stale_after())
            beating = set(WorkerHeartbeat.objects.filter(beat_at__gte=since).values_list("worker", flat=True))
        return beating

    for job in running:
        if not _worker_gone(job, alive):
            continue
        failed = ImportJob.objects.filter(
            pk=job.pk, status=ImportJob.Status.RUNNING, worker=job.worker
        ).update(
            status=ImportJob.Status.FAILED, error=_stale_reason(job), finished_at=timezone.now(), draft=None
        )
        if not failed:
            continue  # it ended meanwhile, or another worker took care of it
        logger.warning("Pol.is import job %s: its process %s has gone; marked failed", job.pk, job.worker)
        # A draft only: a conversation already closed is a finished import (the process ended just after).
        if job.draft is not None and job.draft.status == Conversation.Status.DRAFT:
            _remove_partial(job.draft)
        shutil.rmtree(job.upload, ignore_errors=True)
        job.refresh_from_db()
        found.append(job)
    return found
