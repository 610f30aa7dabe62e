"""Input of the report pages: a new secret link's label."""

from __future__ import annotations

from django import forms

from commonweal.core.forms import NHSUKFormMixin
from commonweal.reports.report.actions import LABEL_MAX_LENGTH


class ShareForm(NHSUKFormMixin, forms.Form):
    label = forms.CharField(
        label="Who is the link for?",
        max_length=LABEL_MAX_LENGTH,
        help_text="For example 'ICP board, 4 December'. Only you and the other facilitators see this.",
        error_messages={
            "required": "Enter who the link is for",
            "max_length": f"Keep it to {LABEL_MAX_LENGTH} characters or fewer",
        },
        widget=forms.TextInput(attrs={"class": "nhsuk-input--width-20", "autocomplete": "off"}),
    )
