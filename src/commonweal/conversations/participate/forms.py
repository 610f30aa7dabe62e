"""Forms of the participant pages. They parse what was typed; the rules themselves are in ``actions``."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from commonweal.conversations.models import STATEMENT_MAX_LENGTH, AgeBand, Conversation, EthnicGroup
from commonweal.conversations.participate.actions import clean_statement_text, clean_theme
from commonweal.core.errors import InvalidInput
from commonweal.core.forms import CleanTextMixin
from commonweal.systems.models import Community, Organisation, Place, Sector


def _problems(exc: InvalidInput) -> dict[str, str]:
    detail = exc.detail or {}
    return {f["field"]: f["problem"] for f in detail.get("fields", []) if f.get("field")}


class AboutYouForm(CleanTextMixin, forms.Form):
    """The optional "about you" questions: only those the conversation asks, every one skippable."""

    sector = forms.ChoiceField(
        label=_("Which sector do you work in, or come from?"),
        required=False,
        # Not chosen until the participant chooses: "I'd rather not say" comes last and is never pre-selected.
        choices=list(Sector.choices) + [("", _("I'd rather not say"))],
        widget=forms.RadioSelect,
    )
    organisation = forms.ModelChoiceField(
        label=_("Which organisation do you work for or belong to?"),
        required=False,
        queryset=Organisation.objects.none(),
        empty_label=_("Not chosen (or not listed)"),
    )
    place = forms.ModelChoiceField(
        label=_("Which place do you live or work in?"),
        required=False,
        queryset=Place.objects.none(),
        empty_label=None,
        widget=forms.RadioSelect,
    )
    communities = forms.ModelMultipleChoiceField(
        label=_("Which of these communities are you part of?"),
        required=False,
        queryset=Community.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    age_band = forms.ChoiceField(
        label=_("How old are you?"),
        required=False,
        choices=AgeBand.choices,
        widget=forms.RadioSelect,
    )
    ethnic_group = forms.ChoiceField(
        label=_("What is your ethnic group?"),
        required=False,
        choices=EthnicGroup.choices,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, conversation: Conversation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        system_id = conversation.system_id
        querysets: dict[str, QuerySet[Any]] = {
            "organisation": Organisation.objects.filter(system_id=system_id).order_by("name"),
            "place": Place.objects.filter(system_id=system_id).order_by("name"),
            "communities": Community.objects.filter(system_id=system_id).order_by("name"),
        }
        for name, queryset in querysets.items():
            cast(forms.ModelChoiceField[Any], self.fields[name]).queryset = queryset
        asked = {
            "sector": conversation.ask_sector,
            "organisation": conversation.ask_organisation,
            "place": conversation.ask_place,
            "communities": conversation.ask_community,
            "age_band": conversation.ask_age_band,
            "ethnic_group": conversation.ask_ethnic_group,
        }
        for name, ask in asked.items():
            if not ask:
                del self.fields[name]
        # A question with nothing to choose from is not worth asking.
        for name, queryset in querysets.items():
            if name in self.fields and not queryset.exists():
                del self.fields[name]
        for name, field in self.fields.items():
            if name == "communities":
                field.error_messages["invalid_choice"] = _("Choose communities from the list only.")
                field.error_messages["invalid_pk_value"] = _("Choose communities from the list only.")
            else:
                field.error_messages["invalid_choice"] = _(
                    "Choose one of the options listed, or leave it blank."
                )


class StatementForm(CleanTextMixin, forms.Form):
    text = forms.CharField(
        label=_("Your statement"),
        help_text=format_lazy(
            _("One idea, in a sentence others can agree or disagree with. Up to {limit} characters."),
            limit=STATEMENT_MAX_LENGTH,
        ),
        required=False,  # emptiness gets our own message, from the action's rules
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    theme = forms.ChoiceField(label=_("Theme (optional)"), required=False, widget=forms.RadioSelect)

    def __init__(self, *args: Any, conversation: Conversation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.conversation = conversation
        themes = list(conversation.themes or [])
        if themes:
            theme = cast(forms.ChoiceField, self.fields["theme"])
            theme.choices = [("", _("No theme"))] + [(t, t) for t in themes]
            self.fields["theme"].error_messages["invalid_choice"] = _("Choose one of the themes listed.")
        else:
            del self.fields["theme"]

    def clean_text(self) -> str:
        try:
            return clean_statement_text(self.cleaned_data.get("text", ""))
        except InvalidInput as exc:
            raise forms.ValidationError(_problems(exc).get("text", exc.message)) from None

    def clean_theme(self) -> str:
        try:
            return clean_theme(self.conversation, self.cleaned_data.get("theme", ""))
        except InvalidInput as exc:
            raise forms.ValidationError(_problems(exc).get("theme", exc.message)) from None
