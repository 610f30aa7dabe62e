"""The translators' CSV file of a conversation: one row per thing to translate (its title, its question, each
statement) and language, with the original beside an empty or filled-in translation. A facilitator downloads it,
a translator fills in the last column in a spreadsheet, and the facilitator uploads it back
(:func:`commonweal.conversations.translate.actions.check_import_translations`)."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from commonweal.conversations.models import TRANSLATION_MAX_LENGTH, Conversation
from commonweal.conversations.translate.queries import (
    conversation_translations,
    translation_languages,
    translation_rows,
)
from commonweal.core.csv_input import RowError, check_header, data_rows, read_records
from commonweal.core.spreadsheet import SpreadsheetWriter, restore_cell

COLUMNS = ["item", "language", "original", "translation"]
REQUIRED = ["item", "language", "translation"]
#: The longest translation of a title and of a question (the fields' sizes).
FIELD_LIMITS = {"title": 400, "question": 1000}
_STATEMENT = re.compile(r"^(?:statement\s*[: ]?\s*)?(\d{1,18})$", re.IGNORECASE)


def export_csv(conversation: Conversation) -> str:
    """The conversation's translators' file: every language, then the title, the question and each statement."""
    out = io.StringIO()
    writer = SpreadsheetWriter(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    titles = conversation_translations(conversation)
    rows = translation_rows(conversation)
    for language, _name in translation_languages():
        found = titles.get(language)
        writer.writerow(["title", language, conversation.title, found.title if found else ""])
        writer.writerow(["question", language, conversation.question, found.question if found else ""])
        for row in rows:
            writer.writerow(
                [f"statement {row.statement.pk}", language, row.statement.text, row.texts.get(language, "")]
            )
    return "\ufeff" + out.getvalue()


@dataclass(frozen=True)
class TranslationInput:
    """One row of an uploaded file that passed every check: ``item`` is "title", "question" or a statement's
    id; an empty ``text`` leaves that translation as it is."""

    row: int
    item: str | int
    language: str
    text: str


def _row_item(row: int, raw: str, statement_ids: set[int], errors: list[RowError]) -> str | int | None:
    value = raw.strip().lower()
    if value in FIELD_LIMITS:
        return value
    match = _STATEMENT.match(value)
    if match and int(match.group(1)) in statement_ids:
        return int(match.group(1))
    errors.append(
        RowError(
            row,
            "item",
            f"'{raw}' is not the title, the question or a statement of this conversation."
            if raw
            else "The item is empty.",
            "Keep the item column as it was in the downloaded file ('title', 'question' or 'statement' and "
            "its number).",
        )
    )
    return None


def _row_text(row: int, item: str | int | None, raw: str, errors: list[RowError]) -> str:
    text = restore_cell(raw).strip()
    limit = (
        FIELD_LIMITS.get(item, TRANSLATION_MAX_LENGTH) if isinstance(item, str) else TRANSLATION_MAX_LENGTH
    )
    if len(text) > limit:
        errors.append(
            RowError(
                row,
                "translation",
                f"The translation has {len(text)} characters; the limit is {limit}.",
                "Shorten it, keeping one idea in a sentence.",
            )
        )
    return text


def parse_translations(
    data: bytes, filename: str, *, statement_ids: set[int]
) -> tuple[list[TranslationInput], list[RowError]]:
    """Every row of an uploaded translators' file, and every problem with it (row by row). The caller imports
    the rows only when there is no problem at all."""
    records, problem = read_records(data, filename, contents="the translations")
    if problem or records is None:
        return [], [problem] if problem else []
    header, errors = check_header(records, COLUMNS, REQUIRED)
    if errors:
        return [], errors
    languages = {code for code, _ in translation_languages()}
    seen: dict[tuple[str | int, str], int] = {}
    out: list[TranslationInput] = []
    for row, values, row_errors in data_rows(records, header):
        item = _row_item(row, values.get("item", ""), statement_ids, row_errors)
        language = values.get("language", "").strip().lower()
        if language not in languages:
            row_errors.append(
                RowError(
                    row,
                    "language",
                    f"'{values.get('language', '')}' is not a language the participant pages offer for translation."
                    if language
                    else "The language is empty.",
                    "Use one of: " + ", ".join(sorted(languages)) + ".",
                )
            )
        text = _row_text(row, item, values.get("translation", ""), row_errors)
        if item is not None and language in languages:
            first = seen.setdefault((item, language), row)
            if first != row:
                row_errors.append(
                    RowError(
                        row,
                        "item",
                        f"This item and language are already on row {first}.",
                        "Keep one row for each item and language.",
                    )
                )
        errors += row_errors
        if not row_errors and item is not None:
            out.append(TranslationInput(row, item, language, text))
    return out, errors
