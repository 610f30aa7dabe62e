"""Forms of the accountability and participants' update pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from commonweal.core.forms import CleanTextMixin, NHSUKFormMixin, text_field
from commonweal.strategy.accountability.actions import LOOP_MAX
from commonweal.systems.models import Sector, System


class PublishForm(NHSUKFormMixin, forms.Form):
    public = forms.BooleanField(label="Publish the accountability page for anyone to read", required=False)


class LoopUpdateForm(NHSUKFormMixin, forms.Form):
    text = text_field(
        "Your update to everyone who took part",
        required="Write the update: what people said, and what is being done",
        max_length=LOOP_MAX,
        too_long=f"Keep the update to {LOOP_MAX} characters",
        rows=5,
        help_text="Shown on the conversation's pages the next time each participant visits. No email is sent.",
    )


class FilterForm(CleanTextMixin, forms.Form):
    """The accountability page's filters (a GET form: no JavaScript needed); what is sent is cleaned like any
    other form's before the choices are checked."""

    place = forms.TypedChoiceField(label=_("Place"), required=False, coerce=int, empty_value=None)
    sector = forms.ChoiceField(label=_("Sector"), required=False)
    organisation = forms.TypedChoiceField(
        label=_("Organisation"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, system: System, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["place"].choices = [("", _("All places")), *system.places.values_list("pk", "name")]  # type: ignore[attr-defined]
        present = set(system.organisations.values_list("sector", flat=True))
        self.fields["sector"].choices = [("", _("All sectors"))] + [  # type: ignore[attr-defined]
            (k, v) for k, v in Sector.choices if k in present
        ]
        self.fields["organisation"].choices = [  # type: ignore[attr-defined]
            ("", _("All organisations")),
            *system.organisations.order_by("name").values_list("pk", "name"),
        ]
