"""The Pol.is import form: the export's files (a zip, or its CSV files) and an optional title."""

from __future__ import annotations

from typing import Any

from django import forms

from commonweal.conversations.polis_import.actions import POLIS_FILES, max_upload_bytes
from commonweal.core.forms import NHSUKFormMixin


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """One or more files; cleaned to a list."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".zip,.csv,application/zip,text/csv"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data] if data else single(None, initial)
        return [single(data, initial)]


class ImportPolisForm(NHSUKFormMixin, forms.Form):
    export = MultipleFileField(
        label="The Pol.is export",
        help_text=(
            "The zip of the export, or its CSV files chosen together: comments.csv and votes.csv (or "
            "participants-votes.csv); participants-votes.csv and summary.csv are optional."
        ),
        error_messages={
            "required": "Choose the zip of the Pol.is export, or its CSV files",
            "empty": "A file you chose is empty: choose the export's files again",
        },
    )
    title = forms.CharField(
        label="Title (optional)",
        help_text="What facilitators will call the conversation. Leave it empty to use the export's own topic.",
        required=False,
        max_length=200,
        error_messages={"max_length": "Keep the title to 200 characters"},
    )

    def clean_export(self) -> Any:
        files = self.cleaned_data["export"]
        limit = max_upload_bytes()
        if sum(f.size for f in files) > limit:
            raise forms.ValidationError(
                f"The files come to more than {limit // 1024 // 1024} MB: import an export this large from the "
                "command line (commonweal import-polis)"
            )
        names = [f.name or "" for f in files]
        unknown = [n for n in names if not n.lower().endswith(".zip") and n not in POLIS_FILES]
        if unknown:
            raise forms.ValidationError(
                f"{', '.join(unknown)} is not part of a Pol.is export: choose the zip, or files named "
                + ", ".join(POLIS_FILES)
            )
        return files
