"""Reading a CSV file that a person uploaded: what is wrong with the file as a whole, its rows, and its header.

Shared by every CSV import (organisations, relationships, ...), so each reports the same problems in the same
words. Row numbers are those a spreadsheet shows: the header is row 1, the first data row 2.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from commonweal.core.text import clean_text

#: The largest file any import takes.
MAX_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class RowError:
    """One thing wrong with one row: where, what, and how to fix it."""

    row: int | None  # None: the file as a whole
    column: str
    problem: str
    fix: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "problem": self.problem, "fix": self.fix}


def key(text: str) -> str:
    """Spacing and case do not count when matching a name."""
    return " ".join(text.split()).casefold()


def loose(text: str) -> str:
    """Case, punctuation and spacing do not count when matching a choice (a sector, a contribution)."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text.casefold()).split())


def file_problem(data: bytes, filename: str = "", *, contents: str = "your data") -> RowError | None:
    """What makes the file unusable as a whole (empty, too big, a spreadsheet, not text, not UTF-8), if anything.
    ``contents`` names what the file should hold, for the messages ("your organisations")."""
    if not data or not data.strip():
        return RowError(None, "", "The file is empty.", f"Choose the CSV file with {contents} in it.")
    if len(data) > MAX_BYTES:
        return RowError(
            None,
            "",
            f"The file is {len(data) / 1024 / 1024:.1f} MB; the limit is {MAX_BYTES // 1024 // 1024} MB.",
            "Split it into smaller files and import them one after the other.",
        )
    lower = filename.lower()
    if lower.endswith((".xlsx", ".xls", ".ods", ".numbers")) or data[:4] in (
        b"PK\x03\x04",
        b"\xd0\xcf\x11\xe0",
    ):
        return RowError(
            None,
            "",
            "The file is a spreadsheet, not a CSV file.",
            "In your spreadsheet, choose 'Save as' (or 'Download') and 'CSV UTF-8', then upload that file.",
        )
    if b"\x00" in data[:4096]:
        return RowError(
            None,
            "",
            "The file is not a text file, so it cannot be a CSV file.",
            "Save your list as 'CSV UTF-8' from your spreadsheet and upload that file.",
        )
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return RowError(
            line,
            "",
            f"The file is not in UTF-8 text (the first character that is not is on row {line}).",
            "Save the file again choosing 'CSV UTF-8' as the format (in Excel: File, Save as, 'CSV UTF-8').",
        )
    return None


def read_records(
    data: bytes, filename: str = "", *, contents: str = "your data"
) -> tuple[list[list[str]] | None, RowError | None]:
    """The file's rows as lists of cells, or the reason it cannot be read."""
    problem = file_problem(data, filename, contents=contents)
    if problem:
        return None, problem
    text = data.decode("utf-8-sig")
    # The header row says which separator the file uses (spreadsheets in some locales write semicolons);
    # sniffing the whole text would be fooled by semicolons inside cells (lists of places or contributions).
    first_line = text.split("\n", 1)[0]
    delimiter = max([",", ";", "\t"], key=lambda d: (first_line.count(d), d == ","))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return list(reader), None
    except csv.Error as exc:
        return None, RowError(
            reader.line_num or None,
            "",
            f"The file is not valid CSV ({exc}).",
            "Check for a quotation mark that is opened and never closed, or save it again as CSV.",
        )


def check_header(
    records: list[list[str]], columns: list[str], required: list[str]
) -> tuple[list[str], list[RowError]]:
    """The header's column names (spacing and case ignored, spaces read as underscores) and what is wrong with
    it: empty, unknown, missing or repeated columns."""
    header = [key(h).replace(" ", "_") for h in (records[0] if records else [])]
    if not any(header):
        return header, [
            RowError(
                1,
                "",
                "The first row is empty.",
                "The first row must name the columns: " + ", ".join(columns) + ".",
            )
        ]
    errors: list[RowError] = []
    unknown = [h for h in header if h and h not in columns]
    missing = [c for c in required if c not in header]
    duplicated = sorted({h for h in header if h and header.count(h) > 1})
    if unknown:
        errors.append(
            RowError(
                1,
                ", ".join(unknown),
                f"Unknown column{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}.",
                "Use only these column names in the first row: " + ", ".join(columns) + ".",
            )
        )
    if missing:
        errors.append(
            RowError(
                1,
                ", ".join(missing),
                f"The required column{'s' if len(missing) > 1 else ''} {' and '.join(missing)} "
                f"{'are' if len(missing) > 1 else 'is'} missing.",
                "Add a column named " + " and one named ".join(missing) + " to the first row.",
            )
        )
    if duplicated:
        errors.append(
            RowError(
                1,
                ", ".join(duplicated),
                f"The column {', '.join(duplicated)} appears more than once.",
                "Keep one column of each name.",
            )
        )
    return header, errors


def data_rows(
    records: list[list[str]], header: list[str]
) -> Iterator[tuple[int, dict[str, str], list[RowError]]]:
    """Each data row that is not blank (blank lines, often at the end of a file, are not rows): its row number,
    its values by column (cleaned by :func:`commonweal.core.text.clean_text`; a missing cell is empty), and the error of a row with more values than the
    header names, if it has one (a list the caller adds its own row errors to)."""
    for index, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue
        errors: list[RowError] = []
        if len(record) > len(header):
            errors.append(
                RowError(
                    index,
                    "",
                    f"The row has {len(record)} values but the first row names {len(header)} columns.",
                    "Remove the extra values, or put quotation marks around a value that contains a comma.",
                )
            )
        # Every cell is text someone typed: cleaned like every other text input (core.text).
        values = {h: (clean_text(record[i]) if i < len(record) else "") for i, h in enumerate(header) if h}
        yield index, values, errors
