"""Use cases of translations: a facilitator saves a statement's translations, the conversation's title and
question in each language, or a translator's whole CSV file (every row checked first; one bad row and nothing is
imported). Each change is one transaction, recorded in the audit log."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from commonweal.conversations.models import (
    TRANSLATION_MAX_LENGTH,
    Conversation,
    ConversationTranslation,
    Statement,
    StatementTranslation,
)
from commonweal.conversations.translate.io import FIELD_LIMITS, TranslationInput, parse_translations
from commonweal.conversations.translate.queries import translation_languages
from commonweal.core import audit
from commonweal.core.csv_input import RowError
from commonweal.core.errors import ImportFailed, InvalidInput


def _check_languages(texts: Mapping[str, Any]) -> None:
    known = {code for code, _ in translation_languages()}
    unknown = sorted(set(texts) - known)
    if unknown:
        raise InvalidInput(
            f"Statements can be translated into {', '.join(sorted(known))} only, not {', '.join(unknown)}.",
            detail={
                "fields": [
                    {"field": f"text_{code}", "problem": "Not a language of the site."} for code in unknown
                ]
            },
        )


def _check_length(field: str, text: str, limit: int) -> None:
    if len(text) > limit:
        problem = f"The translation has {len(text)} characters; the limit is {limit}."
        raise InvalidInput(problem, detail={"fields": [{"field": field, "problem": problem}]})


def check_save_statement_translations(actor: Any, statement: Statement, texts: Mapping[str, str]) -> int:
    """Check a statement's translations (``texts`` by language; an empty one removes that translation), then
    save them with :func:`do_save_statement_translations`. Returns how many translations the statement has."""
    _check_languages(texts)
    for language, text in texts.items():
        _check_length(f"text_{language}", text.strip(), TRANSLATION_MAX_LENGTH)
    return do_save_statement_translations(actor, statement, {k: v.strip() for k, v in texts.items()})


def _upsert_statement(statement_id: int, language: str, text: str) -> None:
    if text:
        StatementTranslation.objects.update_or_create(
            statement_id=statement_id, language=language, defaults={"text": text}
        )
    else:
        StatementTranslation.objects.filter(statement_id=statement_id, language=language).delete()


def do_save_statement_translations(actor: Any, statement: Statement, texts: Mapping[str, str]) -> int:
    """Save a statement's translations in one transaction and record it; votes stay on the statement."""
    with transaction.atomic():
        before = dict(statement.translations.values_list("language", "text"))
        for language, text in texts.items():
            _upsert_statement(statement.pk, language, text)
        after = dict(statement.translations.values_list("language", "text"))
        if before != after:
            audit.record(
                actor,
                "statement.translate",
                statement,
                before=before,
                after=after,
                system=statement.conversation.system,
            )
    return len(after)


def check_save_conversation_translations(
    actor: Any, conversation: Conversation, texts: Mapping[str, Mapping[str, str]]
) -> None:
    """Check the conversation's title and question in each language (``texts[language]["title"]`` and
    ``["question"]``; empty: the original shows), then save them with
    :func:`do_save_conversation_translations`."""
    _check_languages(texts)
    for language, fields in texts.items():
        for field, limit in FIELD_LIMITS.items():
            _check_length(f"{field}_{language}", fields.get(field, "").strip(), limit)
    do_save_conversation_translations(actor, conversation, texts)


def _upsert_conversation(conversation: Conversation, language: str, fields: Mapping[str, str]) -> None:
    found = ConversationTranslation.objects.filter(conversation=conversation, language=language).first()
    values = {
        field: fields.get(field, getattr(found, field, "") if found else "").strip() for field in FIELD_LIMITS
    }
    if not any(values.values()):
        if found is not None:
            found.delete()
        return
    ConversationTranslation.objects.update_or_create(
        conversation=conversation, language=language, defaults=values
    )


def _conversation_state(conversation: Conversation) -> dict[str, Any]:
    return {
        t.language: {"title": t.title, "question": t.question}
        for t in ConversationTranslation.objects.filter(conversation=conversation)
    }


def do_save_conversation_translations(
    actor: Any, conversation: Conversation, texts: Mapping[str, Mapping[str, str]]
) -> None:
    """Save the conversation's title and question translations in one transaction and record it."""
    with transaction.atomic():
        before = _conversation_state(conversation)
        for language, fields in texts.items():
            _upsert_conversation(conversation, language, fields)
        after = _conversation_state(conversation)
        if before != after:
            audit.record(actor, "conversation.translate", conversation, before=before, after=after)


@dataclass(frozen=True)
class ImportReport:
    """What an import of a translators' file did."""

    saved: int  # translations written (new or changed)
    blank: int  # rows left blank, so left as they were


def _failed(errors: list[RowError]) -> ImportFailed:
    if len(errors) == 1:
        message = f"{errors[0].problem} {errors[0].fix} Nothing was changed."
    else:
        message = f"The file has {len(errors)} problems: fix them and upload it again. Nothing was changed."
    return ImportFailed(message, detail={"errors": [e.as_dict() for e in errors]})


def check_import_translations(
    actor: Any, conversation: Conversation, data: bytes, filename: str = ""
) -> ImportReport:
    """Check every row of a translators' file (:func:`commonweal.conversations.translate.io.parse_translations`);
    with any problem, raise :class:`ImportFailed` listing them all and change nothing; otherwise import it with
    :func:`do_import_translations`."""
    statement_ids = set(Statement.objects.filter(conversation=conversation).values_list("id", flat=True))
    rows, errors = parse_translations(data, filename, statement_ids=statement_ids)
    if errors:
        raise _failed(errors)
    return do_import_translations(actor, conversation, rows)


def do_import_translations(
    actor: Any, conversation: Conversation, rows: list[TranslationInput]
) -> ImportReport:
    """Write every filled-in translation of checked rows in one transaction, and record it."""
    filled = [r for r in rows if r.text]
    by_language: dict[str, dict[str, str]] = {}
    with transaction.atomic():
        for r in filled:
            if isinstance(r.item, int):
                _upsert_statement(r.item, r.language, r.text)
            else:
                by_language.setdefault(r.language, {})[r.item] = r.text
        for language, fields in by_language.items():
            _upsert_conversation(conversation, language, fields)
        audit.record(
            actor,
            "conversation.import_translations",
            conversation,
            after={"saved": len(filled), "blank": len(rows) - len(filled)},
        )
    return ImportReport(saved=len(filled), blank=len(rows) - len(filled))
