"""Input of the system part of the map: the relationship import."""

from __future__ import annotations

from typing import Any

from django import forms

from commonweal.core.csv_input import MAX_BYTES
from commonweal.core.forms import NHSUKFormMixin
from commonweal.network.models import SurveyRound


class RoundChoiceField(forms.ModelChoiceField[SurveyRound]):
    def label_from_instance(self, obj: SurveyRound) -> str:
        return f"{obj.name} ({obj.get_status_display().lower()})"


class RelationshipImportForm(NHSUKFormMixin, forms.Form):
    survey_round = RoundChoiceField(
        label="Survey round",
        queryset=SurveyRound.objects.none(),
        empty_label=None,
        help_text="The ratings go into this round, as if the organisations' people had answered its survey.",
        error_messages={
            "required": "Choose the survey round to import into",
            "invalid_choice": "That round is not in this system any more: choose one of the list",
        },
    )
    file = forms.FileField(
        label="CSV file",
        help_text="A CSV file in UTF-8, at most 2 MB.",
        error_messages={
            "required": "Choose a CSV file to upload",
            "empty": "The file is empty: choose another",
        },
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def __init__(self, *args: Any, system: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        rounds = SurveyRound.objects.filter(system=system).order_by("-opened_at", "-pk")
        field: Any = self.fields["survey_round"]
        field.queryset = rounds

    def clean_file(self) -> Any:
        f = self.cleaned_data["file"]
        if f.size > MAX_BYTES:
            raise forms.ValidationError(
                f"The file is larger than {MAX_BYTES // 1024 // 1024} MB: split it into smaller files"
            )
        return f
