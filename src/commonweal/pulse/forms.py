"""Forms of the pulse: they parse what was typed; the rules that need the database are in
:mod:`commonweal.pulse.actions`."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from commonweal.core.forms import NHSUKFormMixin
from commonweal.pulse.actions import MAX_ITEM_LENGTH, MAX_TEXT_LENGTH, Answer
from commonweal.pulse.models import DIMENSION_LABELS, DIMENSION_MEANINGS, SCALE, PulseLink, PulseRound
from commonweal.systems.models import Organisation, Place, Sector


class RoundForm(NHSUKFormMixin, forms.Form):
    name = forms.CharField(
        label="Name of the round",
        max_length=100,
        help_text='Run a round every few months, so change shows. For example "Spring 2026".',
        error_messages={
            "required": 'Enter a name for the round, such as "Spring 2026"',
            "max_length": "Keep the name to 100 characters",
        },
        widget=forms.TextInput(attrs={"class": "nhsuk-input--width-20"}),
    )


class ItemsForm(NHSUKFormMixin, forms.Form):
    """The wording of a draft round: one statement per item."""

    def __init__(self, *args: Any, pulse_round: PulseRound, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for n, item in enumerate(pulse_round.items, 1):
            label = DIMENSION_LABELS[item["dimension"]]
            self.fields[item["key"]] = forms.CharField(
                label=f"{label}, statement {(n - 1) % 3 + 1}",
                initial=item["text"],
                max_length=MAX_ITEM_LENGTH,
                error_messages={
                    "required": "Enter the statement people will rate, or keep the default wording",
                    "max_length": f"Keep each statement to {MAX_ITEM_LENGTH} characters",
                },
                widget=forms.Textarea(attrs={"rows": 2}),
            )


def _optional_choice(label: Any, what: Any) -> forms.ModelChoiceField[Any]:
    """An optional choice from the system's organisations or places (the form sets the queryset)."""
    return forms.ModelChoiceField(
        label=label,
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("I would rather not say"),
        error_messages={
            "invalid_choice": format_lazy(_("Choose {what} from the list, or leave it empty"), what=what)
        },
    )


class AnswerForm(NHSUKFormMixin, forms.Form):
    """What a respondent answers: sector, organisation and place (both optional), the items and a free text."""

    sector = forms.ChoiceField(
        label=_("Which sector do you work in?"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the sector you work in, or 'Other'")},
    )
    organisation = _optional_choice(_("Your organisation (optional)"), _("an organisation"))
    place = _optional_choice(_("The place you mostly work in (optional)"), _("a place"))
    what_would_help = forms.CharField(
        label=_("What would help us work better together? (optional)"),
        required=False,
        max_length=MAX_TEXT_LENGTH,
        help_text=_(
            "A facilitator reads every answer before anyone else sees it. Please do not name anyone."
        ),
        error_messages={"max_length": _("Keep your answer to %(limit_value)s characters")},
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, pulse_round: PulseRound, link: PulseLink | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.error_summary_title = str(_("There is a problem"))  # in the respondent's language
        self.pulse_round, self.link = pulse_round, link
        cast(forms.ChoiceField, self.fields["sector"]).choices = Sector.choices
        system = pulse_round.system
        organisations = cast("forms.ModelChoiceField[Any]", self.fields["organisation"])
        organisations.queryset = Organisation.objects.filter(system=system).order_by("name")
        cast("forms.ModelChoiceField[Any]", self.fields["place"]).queryset = Place.objects.filter(
            system=system
        )
        if link is not None:
            del self.fields["organisation"]  # the link says it
            if not self.is_bound:
                self.initial["sector"] = link.organisation.sector
        choices = [(str(value), f"{value}: {label}") for value, label in SCALE.items()]
        for item in pulse_round.items:
            self.fields[item["key"]] = forms.TypedChoiceField(
                label=item["text"],
                choices=choices,
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": _("Choose an answer from 1 to 5 for this statement")},
            )

    def item_fields(self) -> list[tuple[str, Any, Any, list[Any]]]:
        """(dimension, its label, what it means, its bound fields), in the order asked."""
        out = []
        for dim, items in self.pulse_round.items_by_dimension().items():
            out.append(
                (dim, DIMENSION_LABELS[dim], DIMENSION_MEANINGS[dim], [self[item["key"]] for item in items])
            )
        return out

    def answer(self) -> Answer:
        data = self.cleaned_data
        return Answer(
            sector=data["sector"],
            organisation=data.get("organisation"),
            place=data.get("place"),
            answers={item["key"]: int(data[item["key"]]) for item in self.pulse_round.items},
            what_would_help=data.get("what_would_help", ""),
        )
