"""Spreadsheet cells (core.spreadsheet): text that would start a formula is guarded, numbers stay numbers."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import Workbook, load_workbook

from commonweal.core.spreadsheet import SpreadsheetWriter, append_row, restore_cell, safe_cell

HOSTILE = ["=1+1", "+1", "-2+3", "@SUM(A1)", "\tTab", "\rReturn", "\uff1dFULLWIDTH", '=HYPERLINK("http://x")']


@pytest.mark.parametrize("text", HOSTILE)
def test_a_text_that_would_start_a_formula_gets_a_quote(text):
    assert safe_cell(text) == "'" + text
    assert restore_cell(safe_cell(text)) == text


@pytest.mark.parametrize("text", ["Fund nurses", "", "'quoted already", "1 in 5", "a=b", "email@example.org"])
def test_other_text_is_unchanged(text):
    assert safe_cell(text) == text
    assert restore_cell(text) == text


def _rows(writer_numbers, rows):
    out = io.StringIO()
    writer = SpreadsheetWriter(out, numbers=writer_numbers, lineterminator="\n")
    writer.writerows(rows)
    return list(csv.reader(io.StringIO(out.getvalue())))


def test_the_column_decides_number_or_text():
    rows = _rows([1, 2], [["-1", -1, "-1"], ["=cmd", "=cmd", "fewer than 5"], [None, None, 2.5]])
    # Column 0 is text: "-1" is a statement that reads "-1", guarded. Columns 1 and 2 hold numbers.
    assert rows[0] == ["'-1", "-1", "-1"]
    # A number column handed something that is not a number treats it as text.
    assert rows[1] == ["'=cmd", "'=cmd", "fewer than 5"]
    assert rows[2] == ["", "", "2.5"]


def test_a_workbook_writes_strings_as_strings_never_formulas(tmp_path):
    book = Workbook()
    sheet = book.active
    append_row(sheet, ['=HYPERLINK("http://evil")', "+1", -1, 2.5, None, "bad\x00char"])
    path = tmp_path / "book.xlsx"
    book.save(path)
    cells = list(load_workbook(path).active.iter_rows(values_only=False))[0]
    assert [c.data_type for c in cells[:2]] == ["s", "s"]
    assert cells[0].value == '=HYPERLINK("http://evil")'
    assert cells[2].value == -1 and cells[2].data_type == "n"
    assert cells[3].value == 2.5
    assert cells[5].value == "badchar"
