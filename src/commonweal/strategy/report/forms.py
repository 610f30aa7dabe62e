"""The strategy report's form: a new secret link, labelled with who it is for."""

from __future__ import annotations

from django import forms

from commonweal.core.forms import NHSUKFormMixin, text_field
from commonweal.strategy.report.actions import LABEL_MAX


class ShareForm(NHSUKFormMixin, forms.Form):
    """NHSUKFormMixin is a CleanTextMixin: the label is cleaned of control characters before it is checked."""

    label = text_field(
        "Who is the link for?",
        max_length=LABEL_MAX,
        required="Say who the link is for, for example 'ICP board, May'",
        too_long=f"Keep it to {LABEL_MAX} characters or fewer",
        help_text="For example 'ICP board, May'. Only the system's facilitators see this.",
        attrs={"autocomplete": "off"},
    )
