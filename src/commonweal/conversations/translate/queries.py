"""Read-only lookups of translations: what a participant reading in a language sees for a statement or a
conversation's title and question (the translation where one exists, the original otherwise), and what a
facilitator's translation pages list."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import get_language, get_language_info

from commonweal.conversations.models import (
    Conversation,
    ConversationTranslation,
    Statement,
    StatementTranslation,
)

# Where a statement or conversation keeps the translations already looked up, by language (None: no translation).
_CACHE = "_shown_translations"


def original_language() -> str:
    """The language statements are written in: the site's default (settings.LANGUAGE_CODE)."""
    return str(settings.LANGUAGE_CODE)


def translation_languages() -> list[tuple[str, str]]:
    """The languages a facilitator can translate into: every one of settings.LANGUAGES but the original, with its
    English name."""
    return [
        (code, str(get_language_info(code)["name"]))
        for code, _ in settings.LANGUAGES
        if code != original_language()
    ]


def _active(language: str | None) -> str:
    return language or get_language() or original_language()


@dataclass(frozen=True)
class Shown:
    """A text as shown to a participant: the words, their language, and whether they are a translation."""

    text: str
    language: str
    translated: bool

    @property
    def direction(self) -> str:
        return "rtl" if get_language_info(self.language)["bidi"] else "ltr"


def _cached(obj: Any) -> dict[str, Any]:
    cache: dict[str, Any] | None = obj.__dict__.get(_CACHE)
    if cache is None:
        cache = obj.__dict__[_CACHE] = {}
    return cache


def load_statement_translations(statements: Iterable[Statement], language: str | None = None) -> None:
    """Look up, in one query, the translations of ``statements`` into ``language`` (the active one by default),
    so that :func:`shown_statement` asks the database nothing more for them."""
    language = _active(language)
    pending = [s for s in statements if s is not None and language not in _cached(s)]
    if language == original_language() or not pending:
        return
    found = dict(
        StatementTranslation.objects.filter(
            statement_id__in={s.pk for s in pending}, language=language
        ).values_list("statement_id", "text")
    )
    for statement in pending:
        _cached(statement)[language] = found.get(statement.pk)


def shown_statement(statement: Statement, language: str | None = None) -> Shown:
    """The statement as a participant reading in ``language`` sees it."""
    language = _active(language)
    if language == original_language():
        return Shown(statement.text, language, False)
    cache = _cached(statement)
    if language not in cache:
        load_statement_translations([statement], language)
    text = cache.get(language)
    return Shown(text, language, True) if text else Shown(statement.text, original_language(), False)


def shown_conversation(conversation: Conversation, field: str, language: str | None = None) -> Shown:
    """The conversation's ``field`` ("title" or "question") as a participant reading in ``language`` sees it."""
    original = str(getattr(conversation, field))
    language = _active(language)
    if language == original_language():
        return Shown(original, language, False)
    cache = _cached(conversation)
    if language not in cache:
        cache[language] = ConversationTranslation.objects.filter(
            conversation=conversation, language=language
        ).first()
    found = cache[language]
    text = getattr(found, field, "") if found is not None else ""
    return Shown(text, language, True) if text else Shown(original, original_language(), False)


@dataclass(frozen=True)
class TranslationRow:
    """One statement of a conversation with its translations, by language."""

    statement: Statement
    texts: dict[str, str]


def translation_rows(conversation: Conversation) -> list[TranslationRow]:
    """Every statement of the conversation that participants can see or that waits for a moderator, oldest
    first, with its translations."""
    statements = list(
        Statement.objects.filter(conversation=conversation)
        .exclude(state=Statement.State.REJECTED)
        .order_by("id")
    )
    texts: dict[int, dict[str, str]] = {s.pk: {} for s in statements}
    for statement_id, language, text in StatementTranslation.objects.filter(
        statement__conversation=conversation
    ).values_list("statement_id", "language", "text"):
        if statement_id in texts:
            texts[statement_id][language] = text
    return [TranslationRow(s, texts[s.pk]) for s in statements]


def conversation_translations(conversation: Conversation) -> dict[str, ConversationTranslation]:
    """The conversation's title and question translations, by language."""
    return {t.language: t for t in ConversationTranslation.objects.filter(conversation=conversation)}
