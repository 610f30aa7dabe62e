"""Input of the results page: a facilitator's name for an opinion group."""

from __future__ import annotations

from django import forms

from commonweal.conversations.models import GROUP_NAME_MAX_LENGTH
from commonweal.core.forms import NHSUKFormMixin, text_field


class GroupNameForm(NHSUKFormMixin, forms.Form):
    """Name one opinion group of the snapshot the page showed (``tick``); a blank name clears it."""

    name = text_field(
        "Name",
        max_length=GROUP_NAME_MAX_LENGTH,
        too_long=f"Keep the group's name to {GROUP_NAME_MAX_LENGTH} characters",
        help_text="A few words for what the group holds, such as 'Prevention first'. Leave it blank to call it "
        "by its letter again.",
        attrs={"class": "nhsuk-input--width-20", "spellcheck": "true"},
    )
    group = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    tick = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
