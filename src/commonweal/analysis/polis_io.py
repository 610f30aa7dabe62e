"""Read and write Pol.is' open-data export format, and read Pol.is math fixtures.

An export is a folder (one conversation) with:

* ``comments.csv``: ``timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body``,
  or the newer header ``timestamp,comment-id,author-id,agrees,disagrees,moderated,is-meta,is-seed,
  group-informed-consensus,comment-body``. ``moderated`` is -1 / 0 / 1 for rejected / pending /
  accepted.
* ``votes.csv``: ``timestamp,datetime,comment-id,voter-id,vote``, every vote event (re-votes
  included), +1 agree, -1 disagree, 0 pass.
* ``participants-votes.csv``: ``participant,[xid,]group-id,n-comments,n-votes,n-agree,n-disagree``
  then one column per comment id with the participant's latest vote (blank = not voted).
  ``group-id`` is Pol.is' opinion group at export time (blank when not clustered).
* ``summary.csv``: ``key,value`` rows without a header.

:func:`read_polis_export` needs ``comments.csv`` and either vote file; the others are optional.
:func:`write_polis_export` writes all four, computing what the export does not already carry.
Malformed input raises :class:`~commonweal.analysis.errors.AnalysisInputError` naming the file, the
row (1-based data row, header excluded) and the reason.

Pol.is math fixtures (``votes.json``, ``comments.json``, ``math-pca2.json``) are read by
:func:`read_polis_math_fixture`. The API's votes use agree = +1 in every fixture we hold (checked
against each comment's ``agree_count``), while ``math-pca2.json`` uses Pol.is' internal sign
(agree = -1); the reader returns votes in our sign (+1 agree) and the math dict untouched.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from commonweal.analysis.errors import AnalysisInputError
from commonweal.analysis.matrix import VoteMatrix

__all__ = [
    "MODERATION_CODES",
    "ExportTooLarge",
    "PolisComment",
    "PolisExport",
    "PolisMathFixture",
    "read_polis_export",
    "read_polis_math_fixture",
    "write_polis_export",
]

#: Pol.is ``moderated`` codes to our moderation states.
MODERATION_CODES: dict[int, str] = {-1: "rejected", 0: "pending", 1: "accepted"}
_MODERATION_TO_CODE = {v: k for k, v in MODERATION_CODES.items()}

CLASSIC_COMMENT_HEADER = [
    "timestamp",
    "datetime",
    "comment-id",
    "author-id",
    "agrees",
    "disagrees",
    "moderated",
    "comment-body",
]
EXTENDED_COMMENT_HEADER = [
    "timestamp",
    "comment-id",
    "author-id",
    "agrees",
    "disagrees",
    "moderated",
    "is-meta",
    "is-seed",
    "group-informed-consensus",
    "comment-body",
]
VOTES_HEADER = ["timestamp", "datetime", "comment-id", "voter-id", "vote"]
_PV_FIXED = ["participant", "xid", "group-id", "n-comments", "n-votes", "n-agree", "n-disagree"]


@dataclass(frozen=True)
class PolisComment:
    """One row of ``comments.csv``.

    Attributes
    ----------
    comment_id : int
    body : str
    author_id : int or None
    moderation : str
        ``"accepted"``, ``"pending"`` or ``"rejected"``.
    agrees, disagrees : int or None
        As exported (Pol.is' counts).
    timestamp : int or None
        Milliseconds since the epoch.
    datetime : str or None
        Pol.is' human-readable time (classic header only).
    is_meta, is_seed : bool or None
        Newer header only.
    group_informed_consensus : float or None
        Newer header only.
    """

    comment_id: int
    body: str
    author_id: int | None = None
    moderation: str = "accepted"
    agrees: int | None = None
    disagrees: int | None = None
    timestamp: int | None = None
    datetime: str | None = None
    is_meta: bool | None = None
    is_seed: bool | None = None
    group_informed_consensus: float | None = None


@dataclass
class PolisExport:
    """A conversation in Pol.is' open-data form.

    Attributes
    ----------
    comments : list of PolisComment
        In file order.
    votes : pandas.DataFrame
        Columns ``timestamp`` (nullable Int64), ``datetime`` (str or None), ``statement``,
        ``participant`` (int64), ``vote`` (int8: +1 agree, -1 disagree, 0 pass). Every event
        from ``votes.csv``; when only ``participants-votes.csv`` exists, the latest votes without
        times.
    summary : dict of str to str
        ``summary.csv`` in file order (empty if absent).
    participants : pandas.DataFrame or None
        The fixed columns of ``participants-votes.csv`` (``participant``, optional ``xid``,
        ``group-id`` nullable Int64, ``n-comments``, ``n-votes``, ``n-agree``, ``n-disagree``).
    vote_columns : list of int or None
        The comment ids heading the vote columns of ``participants-votes.csv``, in order.
    votes_source : str or None
        ``"votes.csv"`` or ``"participants-votes.csv"``.
    comments_header : str
        ``"classic"`` or ``"extended"`` (with is-meta, is-seed, group-informed-consensus).
    """

    comments: list[PolisComment]
    votes: pd.DataFrame
    summary: dict[str, str] = field(default_factory=dict)
    participants: pd.DataFrame | None = None
    vote_columns: list[int] | None = None
    votes_source: str | None = None
    comments_header: Literal["classic", "extended"] = "classic"

    def latest_votes(self) -> pd.DataFrame:
        """Latest vote per participant and statement (by timestamp, file order breaking ties).

        Returns
        -------
        pandas.DataFrame
            Columns ``participant``, ``statement``, ``vote``, sorted by participant then statement.
        """
        v = self.votes
        if v["timestamp"].notna().all():
            v = v.sort_values("timestamp", kind="stable")
        v = v.drop_duplicates(["participant", "statement"], keep="last")
        return (
            v[["participant", "statement", "vote"]]
            .sort_values(["participant", "statement"], kind="stable")
            .reset_index(drop=True)
        )

    def groups(self) -> dict[int, int | None]:
        """Pol.is' opinion group of each participant at export time (``None`` = not clustered)."""
        if self.participants is None:
            return {}
        gid = self.participants["group-id"]
        return {
            int(p): (None if pd.isna(g) else int(g))
            for p, g in zip(self.participants["participant"], gid, strict=True)
        }

    def to_vote_matrix(self) -> VoteMatrix:
        """The conversation as a :class:`~commonweal.analysis.matrix.VoteMatrix`.

        Every comment is a statement (with its moderation state), voted on or not.

        Returns
        -------
        VoteMatrix
        """
        v = self.votes
        times = (
            v["timestamp"].to_numpy(dtype=np.float64, na_value=np.nan)
            if v["timestamp"].notna().all()
            else None
        )
        ids = [c.comment_id for c in self.comments]
        known = set(ids)
        extra = sorted(set(v["statement"].tolist()) - known)
        return VoteMatrix.from_events(
            v["participant"].to_numpy(),
            v["statement"].to_numpy(),
            v["vote"].to_numpy(),
            times,
            statement_ids=ids + extra,
            moderation={c.comment_id: c.moderation for c in self.comments},
            is_meta={c.comment_id: bool(c.is_meta) for c in self.comments},
        )


# --------------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------------

#: Data rows of ``votes.csv`` read at a time: the reader holds one chunk of the file's text, never the file.
CHUNK_ROWS = 65_536
#: Cells of ``participants-votes.csv`` read at a time (its rows are as wide as the export has comments).
CHUNK_CELLS = 1_000_000

#: ``progress(file name, bytes read, file size)``, called after each chunk of a vote file.
ReadProgress = Callable[[str, int, int], None]


class ExportTooLarge(AnalysisInputError):
    """An export holds more than :func:`read_polis_export` was asked to take (``max_votes``,
    ``max_participants``). Raised as soon as the part of the file read so far passes the bound.

    Attributes
    ----------
    file : str
        The file's name (``votes.csv`` or ``participants-votes.csv``).
    what : str
        ``"vote events"`` (rows of ``votes.csv``), ``"votes"`` (answered cells of
        ``participants-votes.csv``) or ``"participants"``.
    limit : int
        The bound passed.
    """

    def __init__(self, path: Path, what: str, limit: int) -> None:
        super().__init__(f"{path}: more than {limit:,} {what}")
        self.file = path.name
        self.what = what
        self.limit = limit


@dataclass(frozen=True)
class _Bounds:
    """What the reader may take, and whom it tells of its progress."""

    max_votes: int | None = None
    max_participants: int | None = None
    progress: ReadProgress | None = None

    def check(self, path: Path, what: str, count: int) -> None:
        limit = self.max_participants if what == "participants" else self.max_votes
        if limit is not None and count > limit:
            raise ExportTooLarge(path, what, limit)


@contextmanager
def _csv_errors(path: Path) -> Iterator[None]:
    """pandas' errors reading ``path`` as the engine's, saying what is wrong with the file."""
    try:
        yield
    except pd.errors.ParserError as exc:
        raise AnalysisInputError(f"{path}: cannot parse CSV: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise AnalysisInputError(f"{path}: not UTF-8 text: {exc}") from exc
    except pd.errors.EmptyDataError as exc:
        raise AnalysisInputError(f"{path}: file is empty (expected a header row)") from exc


def _read_table(path: Path) -> pd.DataFrame:
    with _csv_errors(path):
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)


def _chunks(
    path: Path, rows: int, progress: ReadProgress | None = None
) -> Iterator[tuple[int, pd.DataFrame]]:
    """The file's data rows in frames of at most ``rows``, each with the number of rows before it.

    A file with a header and no data gives one empty frame (with the header's columns). Errors are those of
    :func:`_read_table`, raised when the chunk that holds the fault is read.
    """
    size = path.stat().st_size
    with (
        _csv_errors(path),
        path.open("rb") as handle,
        pd.read_csv(
            handle, dtype=str, keep_default_na=False, na_filter=False, chunksize=rows, encoding="utf-8"
        ) as reader,
    ):
        offset = 0
        for frame in reader:
            if progress is not None:
                progress(path.name, min(handle.tell(), size), size)
            yield offset, frame
            offset += len(frame)


def _int_column(
    frame: pd.DataFrame, column: str, path: Path, *, allow_blank: bool = False, offset: int = 0
) -> pd.Series:
    """The column as nullable integers; ``offset`` is the number of data rows before ``frame`` (a chunk)."""
    raw = frame[column].str.strip()
    blank = raw == ""
    nums = pd.to_numeric(raw.where(~blank, None), errors="coerce")
    bad = (nums.isna() & ~blank) | (blank & (not allow_blank))
    finite = nums.notna()
    bad |= finite & (nums != np.round(nums.where(finite, 0)))
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        value = frame[column].iloc[row]
        reason = "is blank" if value.strip() == "" else f"is {value!r}, not an integer"
        raise AnalysisInputError(f"{path}: row {offset + row + 1}, column {column!r} {reason}")
    return nums.astype("Int64")


def _bool_column(frame: pd.DataFrame, column: str, path: Path) -> list[bool | None]:
    out: list[bool | None] = []
    for i, raw in enumerate(frame[column].tolist()):
        key = raw.strip().lower()
        if key in ("true", "t", "1"):
            out.append(True)
        elif key in ("false", "f", "0"):
            out.append(False)
        elif key == "":
            out.append(None)
        else:
            raise AnalysisInputError(f"{path}: row {i + 1}, column {column!r} is {raw!r}, not true/false")
    return out


def _require(frame: pd.DataFrame, columns: list[str], path: Path) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise AnalysisInputError(f"{path}: missing column(s) {missing}; header is {list(frame.columns)}")


def _read_comments(path: Path) -> tuple[list[PolisComment], Literal["classic", "extended"]]:
    frame = _read_table(path)
    extended = "is-meta" in frame.columns
    header: Literal["classic", "extended"] = "extended" if extended else "classic"
    required = ["comment-id", "moderated", "comment-body"]
    _require(frame, required, path)
    cid = _int_column(frame, "comment-id", path)
    dup = cid.duplicated()
    if dup.any():
        row = int(np.flatnonzero(dup.to_numpy())[0])
        raise AnalysisInputError(f"{path}: row {row + 1}, comment-id {int(cid.iloc[row])} appears twice")
    mod = _int_column(frame, "moderated", path)
    bad = ~mod.isin([-1, 0, 1])
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise AnalysisInputError(
            f"{path}: row {row + 1}, moderated is {int(mod.iloc[row])}, expected -1, 0 or 1"
        )
    n = len(frame)

    def ints(col: str) -> list[int | None]:
        if col not in frame.columns:
            return [None] * n
        s = _int_column(frame, col, path, allow_blank=True)
        return [None if pd.isna(x) else int(x) for x in s]

    ts, author, agrees, disagrees = ints("timestamp"), ints("author-id"), ints("agrees"), ints("disagrees")
    dt = frame["datetime"].tolist() if "datetime" in frame.columns else [None] * n
    meta = _bool_column(frame, "is-meta", path) if "is-meta" in frame.columns else [None] * n
    seed = _bool_column(frame, "is-seed", path) if "is-seed" in frame.columns else [None] * n
    gic: list[float | None] = [None] * n
    if "group-informed-consensus" in frame.columns:
        raw = frame["group-informed-consensus"].str.strip()
        vals = pd.to_numeric(raw.where(raw != "", None), errors="coerce")
        bad = vals.isna() & (raw != "")
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise AnalysisInputError(
                f"{path}: row {row + 1}, group-informed-consensus is {raw.iloc[row]!r}, not a number"
            )
        gic = [None if pd.isna(x) else float(x) for x in vals]
    cids = [int(x) for x in cid.tolist()]
    mods = [MODERATION_CODES[int(x)] for x in mod.tolist()]
    bodies = frame["comment-body"].tolist()
    comments = [
        PolisComment(
            comment_id=cids[i],
            body=bodies[i],
            author_id=author[i],
            moderation=mods[i],
            agrees=agrees[i],
            disagrees=disagrees[i],
            timestamp=ts[i],
            datetime=dt[i],
            is_meta=meta[i],
            is_seed=seed[i],
            group_informed_consensus=gic[i],
        )
        for i in range(n)
    ]
    return comments, header


def _check_votes(values: pd.Series, path: Path, column: str, offset: int = 0) -> None:
    bad = values.notna() & ~values.isin([-1, 0, 1])
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise AnalysisInputError(
            f"{path}: row {offset + row + 1}, {column} is {int(values.iloc[row])}, expected -1, 0 or 1"
        )


@dataclass
class _VoteParts:
    """Vote events read so far, chunk by chunk, as compact arrays (joined once, at the end)."""

    timestamp: list[pd.Series] = field(default_factory=list)
    datetime: list[np.ndarray] = field(default_factory=list)
    statement: list[np.ndarray] = field(default_factory=list)
    participant: list[np.ndarray] = field(default_factory=list)
    vote: list[np.ndarray] = field(default_factory=list)
    count: int = 0

    def add(
        self,
        timestamp: pd.Series,
        datetimes: np.ndarray,
        statement: np.ndarray,
        participant: np.ndarray,
        vote: np.ndarray,
    ) -> None:
        self.timestamp.append(timestamp.reset_index(drop=True).astype("Int64"))
        self.datetime.append(datetimes)
        self.statement.append(statement.astype(np.int64, copy=False))
        self.participant.append(participant.astype(np.int64, copy=False))
        self.vote.append(vote.astype(np.int8, copy=False))
        self.count += len(vote)

    def frame(self) -> pd.DataFrame:
        """The events as the reader returns them (an empty frame of the same columns when there are none)."""
        if not self.vote:
            self.add(
                pd.Series([], dtype="Int64"),
                np.empty(0, dtype=object),
                np.empty(0, dtype=np.int64),
                np.empty(0, dtype=np.int64),
                np.empty(0, dtype=np.int8),
            )
        # A column at a time, each part let go once joined: the peak is the parts plus one column, not twice all.
        columns: dict[str, Any] = {"timestamp": pd.concat(self.timestamp, ignore_index=True).astype("Int64")}
        self.timestamp = []
        columns["datetime"] = pd.Series(np.concatenate(self.datetime), dtype=object)
        self.datetime = []
        for name in ("statement", "participant", "vote"):
            columns[name] = np.concatenate(getattr(self, name))
            setattr(self, name, [])
        return pd.DataFrame(columns, copy=False)


def _no_datetimes(n: int) -> np.ndarray:
    """A datetime column with none (NaN, as pandas fills an object column of nothing)."""
    return np.full(n, np.nan, dtype=object)


def _votes_chunk(frame: pd.DataFrame, path: Path, offset: int, parts: _VoteParts, *, datetimes: bool) -> None:
    """Check one chunk of ``votes.csv`` and add its events to ``parts``."""
    vote = _int_column(frame, "vote", path, offset=offset)
    _check_votes(vote, path, "vote", offset)
    ts = (
        _int_column(frame, "timestamp", path, allow_blank=True, offset=offset)
        if "timestamp" in frame.columns
        else pd.Series(pd.NA, index=frame.index, dtype="Int64")
    )
    dt = (
        frame["datetime"].where(frame["datetime"] != "", None).astype(object).to_numpy()
        if datetimes and "datetime" in frame.columns
        else _no_datetimes(len(frame))
    )
    statement = _int_column(frame, "comment-id", path, offset=offset).astype(np.int64).to_numpy()
    participant = _int_column(frame, "voter-id", path, offset=offset).astype(np.int64).to_numpy()
    parts.add(ts, dt, statement, participant, vote.astype(np.int8).to_numpy())


def _read_votes(path: Path, bounds: _Bounds, *, datetimes: bool = True) -> pd.DataFrame:
    """``votes.csv``, chunk by chunk: memory holds the events read (compact arrays) and one chunk of text."""
    parts = _VoteParts()
    voters: set[int] = set()
    for offset, frame in _chunks(path, CHUNK_ROWS, bounds.progress):
        if offset == 0:
            _require(frame, ["comment-id", "voter-id", "vote"], path)
        _votes_chunk(frame, path, offset, parts, datetimes=datetimes)
        bounds.check(path, "vote events", parts.count)
        if bounds.max_participants is not None:
            voters.update(np.unique(parts.participant[-1]).tolist())
            bounds.check(path, "participants", len(voters))
    return parts.frame()


def _pv_header(path: Path) -> tuple[list[str], list[str], list[int]]:
    """The fixed columns, the vote columns and their comment ids of ``participants-votes.csv``."""
    head = _read_table_header(path)
    _require(head, ["participant", "group-id"], path)
    fixed = [c for c in _PV_FIXED if c in head.columns]
    vote_cols = [c for c in head.columns if c not in fixed]
    ids: list[int] = []
    for c in vote_cols:
        try:
            ids.append(int(c))
        except ValueError:
            raise AnalysisInputError(
                f"{path}: column {c!r} is neither a known field nor a comment id"
            ) from None
    return fixed, vote_cols, ids


def _read_table_header(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path, dtype=str, nrows=0)
    except pd.errors.ParserError as exc:
        raise AnalysisInputError(f"{path}: cannot parse CSV: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise AnalysisInputError(f"{path}: not UTF-8 text: {exc}") from exc
    except pd.errors.EmptyDataError as exc:
        raise AnalysisInputError(f"{path}: file is empty (expected a header row)") from exc


def _pv_table(frame: pd.DataFrame, path: Path, offset: int, fixed: list[str], seen: set[int]) -> pd.DataFrame:
    """The fixed columns of one chunk of ``participants-votes.csv``; ``seen``: the participants of earlier rows."""
    table = pd.DataFrame(
        {"participant": _int_column(frame, "participant", path, offset=offset).astype(np.int64).to_numpy()}
    )
    ids = table["participant"]
    again = ids.duplicated().to_numpy() | ids.isin(seen).to_numpy()
    if again.any():
        row = int(np.flatnonzero(again)[0])
        raise AnalysisInputError(
            f"{path}: row {offset + row + 1}, participant {int(ids.iloc[row])} appears twice"
        )
    seen.update(ids.tolist())
    for c in fixed[1:]:
        if c == "xid":
            table[c] = frame[c].where(frame[c] != "", None).astype(object).to_numpy()
        else:
            table[c] = _int_column(frame, c, path, allow_blank=True, offset=offset).array
    return table


def _pv_cells(
    frame: pd.DataFrame, path: Path, offset: int, vote_cols: list[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The answered cells of one chunk (row in the chunk, column, vote), checked, vectorised."""
    cells = frame[vote_cols].to_numpy(dtype=object) if vote_cols else np.empty((len(frame), 0), dtype=object)
    filled = cells != ""
    rows, cols = np.nonzero(filled)
    raw = np.char.strip(cells[rows, cols].astype(str))
    nums = np.select([raw == "1", raw == "-1", raw == "0"], [1, -1, 0], default=99).astype(np.int64)
    bad = nums == 99
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise AnalysisInputError(
            f"{path}: row {offset + int(rows[k]) + 1}, column {vote_cols[int(cols[k])]!r} is {str(raw[k])!r}, "
            "expected -1, 0, 1 or blank"
        )
    return rows, cols, nums


def _read_participants_votes(
    path: Path, bounds: _Bounds, *, keep_votes: bool = True
) -> tuple[pd.DataFrame, list[int], pd.DataFrame | None]:
    """``participants-votes.csv``, chunk by chunk: its table, its vote columns' comment ids and (with
    ``keep_votes``) the votes in long form; every cell is checked either way."""
    fixed, vote_cols, ids = _pv_header(path)
    id_array = np.asarray(ids, dtype=np.int64)
    rows_per_chunk = max(1, min(CHUNK_ROWS, CHUNK_CELLS // max(1, len(vote_cols))))
    tables: list[pd.DataFrame] = []
    parts = _VoteParts()
    seen: set[int] = set()
    for offset, frame in _chunks(path, rows_per_chunk, bounds.progress):
        table = _pv_table(frame, path, offset, fixed, seen)
        rows, cols, nums = _pv_cells(frame, path, offset, vote_cols)
        tables.append(table)
        bounds.check(path, "participants", len(seen))
        if keep_votes:
            parts.add(
                pd.Series(pd.NA, index=range(rows.size), dtype="Int64"),
                _no_datetimes(rows.size),
                id_array[cols] if ids else np.empty(0, dtype=np.int64),
                table["participant"].to_numpy()[rows],
                nums.astype(np.int8),
            )
            bounds.check(path, "votes", parts.count)
    table = pd.concat(tables, ignore_index=True)
    return table, ids, parts.frame() if keep_votes else None


def _read_summary(path: Path) -> dict[str, str]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise AnalysisInputError(f"{path}: not UTF-8 text: {exc}") from exc
    out: dict[str, str] = {}
    try:
        for i, row in enumerate(csv.reader(io.StringIO(text, newline=""))):
            if not row:
                continue
            if len(row) != 2:
                raise AnalysisInputError(f"{path}: row {i + 1} has {len(row)} fields, expected key,value")
            out[row[0]] = row[1]
    except csv.Error as exc:
        raise AnalysisInputError(f"{path}: cannot parse CSV: {exc}") from exc
    return out


def read_polis_export(
    folder: str | os.PathLike[str],
    *,
    max_votes: int | None = None,
    max_participants: int | None = None,
    datetimes: bool = True,
    progress: ReadProgress | None = None,
) -> PolisExport:
    """Read a Pol.is open-data export folder.

    The vote files are read in chunks (:data:`CHUNK_ROWS` rows of ``votes.csv`` at a time), each turned
    into compact arrays before the next is read, so memory grows with the votes read (the frame returned
    takes 34 bytes a vote event, and a text each more with ``datetimes``; the peak while reading is two to
    three times the frame), not with the size of the file's text; and a bound is enforced as soon as
    the rows read pass it, before the rest of the file is read.

    Parameters
    ----------
    folder : path
        Folder with ``comments.csv`` and ``votes.csv`` and/or ``participants-votes.csv``
        (``summary.csv`` optional).
    max_votes : int, optional
        Refuse more vote events than this (rows of ``votes.csv``, or answered cells of
        ``participants-votes.csv`` when it is the source of the votes).
    max_participants : int, optional
        Refuse more participants than this (distinct voters of ``votes.csv``; rows of
        ``participants-votes.csv``).
    datetimes : bool, default True
        Keep ``votes.csv``'s ``datetime`` text. Without it the column is all missing (NaN; the
        timestamp says the same), which saves a Python string a vote event on a large file.
    progress : callable, optional
        ``progress(file name, bytes read, file size)`` after each chunk of a vote file.

    Returns
    -------
    PolisExport
        Votes come from ``votes.csv`` when present (every event), else from
        ``participants-votes.csv`` (latest votes, no times).

    Raises
    ------
    ExportTooLarge
        If a bound is passed (a subclass of AnalysisInputError naming the file and the bound).
    AnalysisInputError
        If the folder or a required file is missing, or a file is malformed (the message names
        the file, the row and the reason).
    """
    root = Path(folder)
    if not root.is_dir():
        raise AnalysisInputError(f"{root}: not a folder")
    comments_path = root / "comments.csv"
    if not comments_path.is_file():
        raise AnalysisInputError(f"{root}: no comments.csv")
    comments, header = _read_comments(comments_path)
    bounds = _Bounds(max_votes, max_participants, progress)
    participants, vote_columns, votes, source = _read_vote_files(root, bounds, datetimes=datetimes)
    summary_path = root / "summary.csv"
    summary = _read_summary(summary_path) if summary_path.is_file() else {}
    return PolisExport(
        comments=comments,
        votes=votes,
        summary=summary,
        participants=participants,
        vote_columns=vote_columns,
        votes_source=source,
        comments_header=header,
    )


def _read_vote_files(
    root: Path, bounds: _Bounds, *, datetimes: bool
) -> tuple[pd.DataFrame | None, list[int] | None, pd.DataFrame, str]:
    """The participants' table and its vote columns (when ``participants-votes.csv`` is there), the votes and
    the file they came from: ``votes.csv`` when there, else ``participants-votes.csv``."""
    votes_path, pv_path = root / "votes.csv", root / "participants-votes.csv"
    has_events = votes_path.is_file()
    participants = None
    vote_columns = None
    votes: pd.DataFrame | None = None
    source = ""
    if pv_path.is_file():
        # With votes.csv there, the table's cells are checked but not kept: votes.csv holds the votes.
        participants, vote_columns, votes = _read_participants_votes(
            pv_path, bounds, keep_votes=not has_events
        )
        source = "participants-votes.csv"
    if has_events:
        votes, source = _read_votes(votes_path, bounds, datetimes=datetimes), "votes.csv"
    if votes is None:
        raise AnalysisInputError(f"{root}: no votes.csv or participants-votes.csv, so no votes to read")
    return participants, vote_columns, votes, source


# --------------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------------


def _fmt(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _pol_datetime(ms: int | None) -> str:
    if ms is None:
        return ""
    return datetime.fromtimestamp(ms / 1000.0, tz=UTC).strftime("%a %b %d %H:%M:%S UTC %Y")


def _write_rows(path: Path, header: list[str] | None, rows: Any) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        if header is not None:
            writer.writerow(header)
        writer.writerows(rows)


def write_polis_export(
    export: PolisExport,
    folder: str | os.PathLike[str],
    *,
    groups: Mapping[int, int | None] | None = None,
    overwrite: bool = False,
) -> Path:
    """Write a conversation in Pol.is' open-data format.

    Writes ``comments.csv``, ``votes.csv``, ``participants-votes.csv`` and ``summary.csv``;
    ``votes.csv`` only when every vote event has a timestamp (Pol.is' file always has them), so an
    export read from ``participants-votes.csv`` alone is written back the same way.
    What the export does not carry is computed from the votes: comment agree/disagree counts
    (latest votes), the participants table (``n-comments`` from comment authors; ``group-id``
    from ``groups``, else blank), its vote columns (every comment with a vote, by id), and a
    summary (``voters``, ``voters-in-conv``, ``commenters``, ``comments``, ``groups``). Vote
    events without a ``datetime`` get one rendered from the timestamp in UTC.

    Parameters
    ----------
    export : PolisExport
        The conversation; build one from our own data or from :func:`read_polis_export`.
    folder : path
        Target folder (created if needed).
    groups : mapping of participant to group id, optional
        Opinion groups for the ``group-id`` column, overriding the export's own.
    overwrite : bool, default False
        Replace existing files.

    Returns
    -------
    pathlib.Path
        The folder.

    Raises
    ------
    AnalysisInputError
        If a file exists and ``overwrite`` is False, or the export is inconsistent.
    """
    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    names = ["comments.csv", "votes.csv", "participants-votes.csv", "summary.csv"]
    if not overwrite:
        existing = [n for n in names if (root / n).exists()]
        if existing:
            raise AnalysisInputError(f"{root}: {existing} already exist; pass overwrite=True to replace them")
    votes = export.votes
    for col in ("statement", "participant", "vote"):
        if col not in votes.columns:
            raise AnalysisInputError(f"export.votes lacks column {col!r}")
    latest = export.latest_votes()
    _write_comments(root / "comments.csv", export, latest)
    _write_vote_events(root / "votes.csv", votes)
    group_of = dict(groups) if groups is not None else export.groups()
    table = _participants_table(export, latest, group_of, replace_groups=groups is not None)
    columns = export.vote_columns
    if columns is None:
        columns = sorted(int(s) for s in latest["statement"].unique())
    _write_participants_votes(root / "participants-votes.csv", table, latest, columns)
    summary = dict(export.summary)
    if not summary:
        n_groups = len({g for g in group_of.values() if g is not None})
        summary = {
            "voters": str(latest["participant"].nunique()),
            "voters-in-conv": str(latest["participant"].nunique()),
            "commenters": str(len({c.author_id for c in export.comments if c.author_id is not None})),
            "comments": str(len(export.comments)),
            "groups": str(n_groups),
        }
    _write_rows(root / "summary.csv", None, list(summary.items()))
    return root


def _write_comments(path: Path, export: PolisExport, latest: pd.DataFrame) -> None:
    """comments.csv, in the export's header; agree and disagree counts from the latest votes when not given."""
    agree_count = latest[latest["vote"] == 1].groupby("statement").size()
    disagree_count = latest[latest["vote"] == -1].groupby("statement").size()
    extended = export.comments_header == "extended"
    header = EXTENDED_COMMENT_HEADER if extended else CLASSIC_COMMENT_HEADER
    rows = []
    for c in export.comments:
        if c.moderation not in _MODERATION_TO_CODE:
            raise AnalysisInputError(
                f"comment {c.comment_id} has moderation {c.moderation!r}; expected accepted, pending or rejected"
            )
        agrees = c.agrees if c.agrees is not None else int(agree_count.get(c.comment_id, 0))
        disagrees = c.disagrees if c.disagrees is not None else int(disagree_count.get(c.comment_id, 0))
        values: dict[str, Any] = {
            "timestamp": c.timestamp,
            "datetime": c.datetime if c.datetime is not None else _pol_datetime(c.timestamp),
            "comment-id": c.comment_id,
            "author-id": c.author_id,
            "agrees": agrees,
            "disagrees": disagrees,
            "moderated": _MODERATION_TO_CODE[c.moderation],
            "is-meta": c.is_meta if c.is_meta is not None else False,
            "is-seed": c.is_seed if c.is_seed is not None else False,
            "group-informed-consensus": c.group_informed_consensus,
            "comment-body": c.body,
        }
        rows.append([_fmt(values[h]) for h in header])
    _write_rows(path, header, rows)


def _write_vote_events(path: Path, votes: pd.DataFrame) -> None:
    """votes.csv, only when every vote event has a time (an export rebuilt from participants-votes.csv has none)."""
    ts = votes["timestamp"] if "timestamp" in votes.columns else pd.Series(pd.NA, index=votes.index)
    dts = votes["datetime"] if "datetime" in votes.columns else pd.Series(None, index=votes.index)
    has_times = bool(ts.notna().all()) and len(votes) > 0
    if not has_times:
        return
    vote_rows = (
        [
            _fmt(t),
            d if isinstance(d, str) else _pol_datetime(None if pd.isna(t) else int(t)),
            int(s),
            int(p),
            int(v),
        ]
        for t, d, s, p, v in zip(
            ts, dts, votes["statement"], votes["participant"], votes["vote"], strict=True
        )
    )
    _write_rows(path, VOTES_HEADER, vote_rows)


def _participants_table(
    export: PolisExport, latest: pd.DataFrame, group_of: Mapping[int, int | None], *, replace_groups: bool
) -> pd.DataFrame:
    """The export's participants table (its group ids replaced when asked), or one computed from the votes."""
    table = export.participants
    if table is not None:
        if replace_groups:
            table = table.copy()
            table["group-id"] = pd.array([group_of.get(int(p)) for p in table["participant"]], dtype="Int64")
        return table
    authors = pd.Series([c.author_id for c in export.comments if c.author_id is not None], dtype="Int64")
    n_comments = authors.value_counts()
    pids = np.unique(latest["participant"].to_numpy())
    g = latest.groupby("participant")["vote"]
    return pd.DataFrame(
        {
            "participant": pids,
            "group-id": pd.array([group_of.get(int(p)) for p in pids], dtype="Int64"),
            "n-comments": pd.array([int(n_comments.get(int(p), 0)) for p in pids], dtype="Int64"),
            "n-votes": pd.array(g.size().reindex(pids, fill_value=0).to_numpy(), dtype="Int64"),
            "n-agree": pd.array(
                g.apply(lambda s: int((s == 1).sum())).reindex(pids, fill_value=0).to_numpy(),
                dtype="Int64",
            ),
            "n-disagree": pd.array(
                g.apply(lambda s: int((s == -1).sum())).reindex(pids, fill_value=0).to_numpy(),
                dtype="Int64",
            ),
        }
    )


def _write_participants_votes(
    path: Path, table: pd.DataFrame, latest: pd.DataFrame, columns: list[int]
) -> None:
    """participants-votes.csv: the participants table, then each participant's latest vote per column."""
    fixed = [c for c in _PV_FIXED if c in table.columns]
    # Place the latest votes in the grid, vectorised.
    row_index = pd.Index(table["participant"].astype(np.int64))
    col_index = pd.Index(np.asarray(columns, dtype=np.int64))
    r_pos = row_index.get_indexer(latest["participant"].to_numpy())
    c_pos = col_index.get_indexer(latest["statement"].to_numpy())
    if (r_pos < 0).any():
        p_bad = int(latest["participant"].to_numpy()[np.flatnonzero(r_pos < 0)[0]])
        raise AnalysisInputError(f"participant {p_bad} has votes but no row in export.participants")
    grid = np.full((len(table), len(columns)), "", dtype=object)
    on = c_pos >= 0
    grid[r_pos[on], c_pos[on]] = latest["vote"].to_numpy()[on].astype(np.int64).astype(str)
    fixed_cols = [[_fmt(x) for x in table[f].tolist()] for f in fixed]
    pv_rows = ([col[i] for col in fixed_cols] + grid[i].tolist() for i in range(len(table)))
    _write_rows(path, fixed + [str(c) for c in columns], pv_rows)


# --------------------------------------------------------------------------------------------------
# Pol.is math fixtures
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PolisMathFixture:
    """A Pol.is math fixture: the API's votes and comments, and the math output.

    Attributes
    ----------
    votes : pandas.DataFrame
        Columns ``participant``, ``statement``, ``vote`` (our sign: +1 agree), ``timestamp``
        (ms, Int64).
    comments : pandas.DataFrame
        Columns ``statement``, ``text``, ``moderation`` (accepted/pending/rejected), ``is_meta``,
        ``is_seed``, ``author``, ``agree_count``, ``disagree_count``, ``pass_count``.
    math : dict
        ``math-pca2.json`` as parsed, untouched (Pol.is' internal sign: agree = -1).
    conversation : dict
        ``conversation.json`` (empty when absent).
    sign : int
        The sign the fixture's ``votes.json`` used for agree (+1 or -1) before conversion.
    """

    votes: pd.DataFrame
    comments: pd.DataFrame
    math: dict[str, Any]
    conversation: dict[str, Any]
    sign: int


def _load_json(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError:
        raise AnalysisInputError(f"{path}: file not found") from None
    except json.JSONDecodeError as exc:
        raise AnalysisInputError(f"{path}: invalid JSON at line {exc.lineno}: {exc.msg}") from exc


def read_polis_math_fixture(
    folder: str | os.PathLike[str], *, vote_sign: Literal["auto", 1, -1] = "auto"
) -> PolisMathFixture:
    """Read a Pol.is math fixture folder (``votes.json``, ``comments.json``, ``math-pca2.json``).

    Handles both key spellings the API has used (``pid``/``tid``/``mod`` and
    ``participant_id``/``statement_id``/``moderated``).

    Parameters
    ----------
    folder : path
        The fixture folder.
    vote_sign : {"auto", 1, -1}, default "auto"
        The value ``votes.json`` uses for agree. ``"auto"`` compares the latest votes with each
        comment's ``agree_count`` and picks the sign that matches more comments.

    Returns
    -------
    PolisMathFixture
        Votes converted to our sign (+1 agree).

    Raises
    ------
    AnalysisInputError
        If a file is missing or malformed (naming the file, the entry and the reason).
    """
    root = Path(folder)
    raw_votes = _load_json(root / "votes.json")
    raw_comments = _load_json(root / "comments.json")
    math = _load_json(root / "math-pca2.json")
    conv_path = root / "conversation.json"
    conversation = _load_json(conv_path) if conv_path.is_file() else {}
    if not isinstance(raw_votes, list) or not isinstance(raw_comments, list) or not isinstance(math, dict):
        raise AnalysisInputError(
            f"{root}: votes.json and comments.json must be lists, math-pca2.json an object"
        )

    votes = _fixture_votes(raw_votes, root / "votes.json")
    comments = _fixture_comments(raw_comments, root / "comments.json")
    if vote_sign == "auto":
        sign = _detect_sign(votes, comments)
    elif vote_sign in (1, -1):
        sign = int(vote_sign)
    else:
        raise AnalysisInputError(f"vote_sign must be 'auto', 1 or -1, got {vote_sign!r}")
    if sign == -1:
        votes["vote"] = -votes["vote"]
    votes["vote"] = votes["vote"].astype(np.int8)
    return PolisMathFixture(votes=votes, comments=comments, math=math, conversation=conversation, sign=sign)


def _pick(entry: Mapping[str, Any], keys: tuple[str, ...], path: Path, i: int) -> Any:
    """The value of the first of ``keys`` that entry ``i`` of ``path`` has (the API has used two spellings)."""
    for k in keys:
        if k in entry:
            return entry[k]
    raise AnalysisInputError(f"{path}: entry {i} has none of the keys {keys}")


def _fixture_votes(raw_votes: list[Any], vp: Path) -> pd.DataFrame:
    """The entries of a fixture's votes.json, in the fixture's own sign."""
    rows = []
    for i, e in enumerate(raw_votes):
        if not isinstance(e, dict):
            raise AnalysisInputError(f"{vp}: entry {i} is not an object")
        value = _pick(e, ("vote",), vp, i)
        if value not in (-1, 0, 1):
            raise AnalysisInputError(f"{vp}: entry {i} has vote {value!r}, expected -1, 0 or 1")
        modified = e.get("modified")
        rows.append(
            (
                int(_pick(e, ("pid", "participant_id"), vp, i)),
                int(_pick(e, ("tid", "statement_id"), vp, i)),
                int(value),
                None if modified is None else int(modified),
            )
        )
    votes = pd.DataFrame(rows, columns=["participant", "statement", "vote", "timestamp"])
    votes["timestamp"] = votes["timestamp"].astype("Int64")
    return votes


def _fixture_comments(raw_comments: list[Any], cp: Path) -> pd.DataFrame:
    """The entries of a fixture's comments.json."""
    crow = []
    for i, e in enumerate(raw_comments):
        if not isinstance(e, dict):
            raise AnalysisInputError(f"{cp}: entry {i} is not an object")
        mod = int(_pick(e, ("mod", "moderated"), cp, i))
        if mod not in MODERATION_CODES:
            raise AnalysisInputError(f"{cp}: entry {i} has moderation {mod!r}, expected -1, 0 or 1")
        crow.append(
            (
                int(_pick(e, ("tid", "statement_id"), cp, i)),
                str(e.get("txt", "")),
                MODERATION_CODES[mod],
                bool(e.get("is_meta", False)),
                bool(e.get("is_seed", False)),
                e.get("pid", e.get("participant_id")),
                e.get("agree_count"),
                e.get("disagree_count"),
                e.get("pass_count"),
            )
        )
    return pd.DataFrame(
        crow,
        columns=[
            "statement",
            "text",
            "moderation",
            "is_meta",
            "is_seed",
            "author",
            "agree_count",
            "disagree_count",
            "pass_count",
        ],
    )


def _detect_sign(votes: pd.DataFrame, comments: pd.DataFrame) -> int:
    if comments["agree_count"].isna().all() or votes.empty:
        return 1
    v = votes
    if v["timestamp"].notna().all():
        v = v.sort_values("timestamp", kind="stable")
    latest = v.drop_duplicates(["participant", "statement"], keep="last")
    plus = latest[latest["vote"] == 1].groupby("statement").size()
    minus = latest[latest["vote"] == -1].groupby("statement").size()
    counts = comments.set_index("statement")["agree_count"]
    match_plus = int((plus.reindex(counts.index, fill_value=0) == counts).sum())
    match_minus = int((minus.reindex(counts.index, fill_value=0) == counts).sum())
    return 1 if match_plus >= match_minus else -1
