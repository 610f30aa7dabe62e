"""The facilitator's form to find a participant by their reference (the rules are in ``queries``/``actions``)."""

from __future__ import annotations

from django import forms

from commonweal.core.forms import NHSUKFormMixin


class ReferenceForm(NHSUKFormMixin, forms.Form):
    reference = forms.CharField(
        label="The participant's reference",
        max_length=40,
        help_text="16 letters and digits, such as 3f9a-07c2-11de-8b40. The person finds it on the 'Your data' "
        "page of the conversation, from the link at the foot of every page.",
        error_messages={"required": "Enter the participant's reference"},
        widget=forms.TextInput(
            attrs={"class": "nhsuk-input--width-20", "spellcheck": "false", "autocomplete": "off"}
        ),
    )
