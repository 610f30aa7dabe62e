"""Forms of the baselines pages: a Census 2021 table with its optional mapping of areas to places, and a
workforce file. They parse what was sent; the rules are in ``actions`` and ``census``."""

from __future__ import annotations

from typing import Any

from django import forms

from commonweal.core.csv_input import MAX_BYTES
from commonweal.core.forms import CleanTextMixin


def _file_field() -> forms.FileField:
    return forms.FileField(
        label="CSV file",
        help_text="A CSV file in UTF-8, at most 2 MB.",
        error_messages={
            "required": "Choose a CSV file to upload",
            "empty": "The file is empty: choose another",
        },
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )


class _FileForm(CleanTextMixin, forms.Form):
    file = _file_field()

    def clean_file(self) -> Any:
        f = self.cleaned_data["file"]
        if f.size > MAX_BYTES:
            raise forms.ValidationError(
                f"The file is larger than {MAX_BYTES // 1024 // 1024} MB: download the table for fewer areas"
            )
        return f


class CensusForm(_FileForm):
    mapping = forms.CharField(
        label="Which areas make up which place (optional)",
        help_text="One line per area: its code or name, '=', and the place, for example 'E01011229 = Eastmarsh'. "
        "Areas named like a place are matched without it; areas in no place are left out.",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "false"}),
        max_length=20000,
    )


class WorkforceForm(_FileForm):
    pass
