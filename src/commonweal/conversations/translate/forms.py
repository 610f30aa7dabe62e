"""Forms of the translation pages: a statement's translations (one box per language), the conversation's title and
question in each language, and the upload of a translators' CSV file."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import get_language_info

from commonweal.conversations.models import TRANSLATION_MAX_LENGTH, Conversation, Statement
from commonweal.conversations.translate.io import FIELD_LIMITS
from commonweal.conversations.translate.queries import conversation_translations, translation_languages
from commonweal.core.forms import NHSUKFormMixin, text_field


def _attrs(code: str) -> dict[str, str]:
    # The box is typed in that language: screen readers read it so, and Urdu runs right to left.
    return {"lang": code, "dir": "rtl" if get_language_info(code)["bidi"] else "ltr", "spellcheck": "true"}


def _too_long(limit: int) -> str:
    return f"Keep the translation to {limit} characters"


class StatementTranslationForm(NHSUKFormMixin, forms.Form):
    """One text area per language; an empty one removes that language's translation."""

    def __init__(self, *args: Any, statement: Statement, **kwargs: Any) -> None:
        found = dict(statement.translations.values_list("language", "text"))
        kwargs.setdefault("initial", {f"text_{code}": text for code, text in found.items()})
        super().__init__(*args, **kwargs)
        for code, name in translation_languages():
            self.fields[f"text_{code}"] = text_field(
                f"{name} ({code})",
                max_length=TRANSLATION_MAX_LENGTH,
                too_long=_too_long(TRANSLATION_MAX_LENGTH),
                help_text="Leave it empty to show the original to participants reading in this language.",
                rows=3,
                attrs=_attrs(code),
            )

    def texts(self) -> dict[str, str]:
        """The translations typed, by language."""
        return {code: self.cleaned_data.get(f"text_{code}", "") for code, _ in translation_languages()}


class ConversationTranslationForm(NHSUKFormMixin, forms.Form):
    """The conversation's title and question in each language."""

    def __init__(self, *args: Any, conversation: Conversation, **kwargs: Any) -> None:
        found = conversation_translations(conversation)
        initial = {}
        for code, t in found.items():
            initial[f"title_{code}"] = t.title
            initial[f"question_{code}"] = t.question
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        for code, name in translation_languages():
            for field, limit in FIELD_LIMITS.items():
                self.fields[f"{field}_{code}"] = text_field(
                    f"{field.capitalize()} in {name} ({code})",
                    max_length=limit,
                    too_long=_too_long(limit),
                    rows=2 if field == "question" else 0,
                    attrs=_attrs(code),
                )

    def texts(self) -> dict[str, dict[str, str]]:
        """The title and question typed, by language."""
        return {
            code: {field: self.cleaned_data.get(f"{field}_{code}", "") for field in FIELD_LIMITS}
            for code, _ in translation_languages()
        }


class TranslationsUploadForm(NHSUKFormMixin, forms.Form):
    file = forms.FileField(
        label="The translators' CSV file",
        help_text="The file downloaded from this page, with the translation column filled in, saved as CSV UTF-8.",
        error_messages={
            "required": "Choose a CSV file to upload",
            "empty": "The file is empty: choose another",
        },
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
