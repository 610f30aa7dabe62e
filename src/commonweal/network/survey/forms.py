"""Forms of the relationship survey: they parse what was typed; the rules that need the database are in
:mod:`commonweal.network.survey.actions`."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from commonweal.core.forms import CleanTextMixin, NHSUKFormMixin
from commonweal.network.models import (
    INTENSITY_DEFINITIONS,
    ITEM_SCALE,
    TRUST_ITEMS,
    VALUE_ITEMS,
    Contribution,
)
from commonweal.systems.models import Place, Sector

#: The intensity scale's short names, for the one-page "how closely" question (the page shows the definitions).
SHORT_INTENSITY = {
    0: pgettext_lazy("how closely", "None"),
    1: pgettext_lazy("how closely", "Awareness"),
    2: pgettext_lazy("how closely", "Cooperation"),
    3: pgettext_lazy("how closely", "Coordination"),
    4: pgettext_lazy("how closely", "Integration"),
}


class RoundForm(NHSUKFormMixin, forms.Form):
    name = forms.CharField(
        label="Name of the round",
        max_length=100,
        help_text='Rounds repeat, usually once a year, so change shows. For example "2026".',
        error_messages={
            "required": 'Enter a name for the round, such as "2026"',
            "max_length": "Keep the name to 100 characters",
        },
        widget=forms.TextInput(attrs={"class": "nhsuk-input--width-20"}),
    )


class StartForm(NHSUKFormMixin, forms.Form):
    respondent_role = forms.CharField(
        label=_("Your role (optional)"),
        required=False,
        max_length=200,
        help_text=_(
            "For example, practice manager or head of partnerships. It helps the facilitators read the "
            "answers; it is never shown on the map."
        ),
        error_messages={"max_length": _("Keep your role to 200 characters")},
        widget=forms.TextInput(attrs={"autocomplete": "organization-title"}),
    )


class PartnerFilterForm(NHSUKFormMixin, forms.Form):
    """Search and filters of the "pick partners" page (read from the query string, or posted with the picks)."""

    q = forms.CharField(
        label=_("Search by name"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    sector = forms.ChoiceField(label=_("Sector"), required=False)
    place = forms.TypedChoiceField(label=_("Place"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, places: list[Place], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["sector"]).choices = [("", _("All sectors")), *Sector.choices]
        places_field = cast(forms.TypedChoiceField, self.fields["place"])
        places_field.choices = [("", _("All places")), *((p.pk, p.name) for p in places)]

    def filtered(self, partners: Any) -> Any:
        """``partners`` (a queryset of organisations) narrowed by what is valid in the search and filters."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        if data.get("q"):
            for word in data["q"].split():
                partners = partners.filter(name__icontains=word)
        if data.get("sector"):
            partners = partners.filter(sector=data["sector"])
        if data.get("place"):
            partners = partners.filter(places__pk=data["place"])
        return partners.distinct()

    def query(self) -> dict[str, Any]:
        """The search and filters as query parameters, without the empty ones."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return {k: v for k, v in data.items() if v not in ("", None)}


class IdListField(forms.Field):
    """Several organisation ids (checkboxes of one name): whole numbers; which ones may be picked is the
    action's rule."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"invalid": _("Pick partners from the list: refresh the page and try again")}

    def to_python(self, value: Any) -> set[int]:
        if not value:
            return set()
        try:
            return {int(v) for v in value}
        except (TypeError, ValueError) as exc:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from exc


class PickForm(CleanTextMixin, forms.Form):
    """The partners ticked (``partners``) among those the page showed (``shown``)."""

    partners = IdListField(required=False)
    shown = IdListField(required=False)


def _item(label: Any) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        required=False,
        coerce=int,
        empty_value=None,
        choices=[(value, f"{value}: {text}") for value, text in ITEM_SCALE.items()],
        widget=forms.RadioSelect,
        error_messages={
            "invalid_choice": gettext("Choose one of the four answers for %(question)s")
            % {"question": str(label).lower()}
        },
    )


class RatingForm(NHSUKFormMixin, forms.Form):
    """One partner's rating. Every question may be left unanswered for now: each valid answer is kept."""

    error_summary_title = _("There is a problem with some answers: the others are saved")

    intensity = forms.TypedChoiceField(
        label=_("How closely does your organisation work with this partner?"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[(value, text) for value, text in INTENSITY_DEFINITIONS.items()],
        widget=forms.RadioSelect,
        error_messages={
            "invalid_choice": _("Choose one of the five answers, from 0 (none) to 4 (integration)")
        },
    )
    contributions = forms.MultipleChoiceField(
        label=_("What does this partner contribute to your work together?"),
        required=False,
        choices=Contribution.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Select all that apply, or none."),
        error_messages={"invalid_choice": _("Choose contributions from the list")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        contributions = self.fields.pop("contributions")
        for name, label in {**TRUST_ITEMS, **VALUE_ITEMS}.items():
            self.fields[name] = _item(label)
        self.fields["contributions"] = contributions
        # Intensity 0 is "no relationship": label each choice with its number, so the scale reads as one.
        cast(forms.ChoiceField, self.fields["intensity"]).choices = [
            (value, f"{value}: {text}") for value, text in INTENSITY_DEFINITIONS.items()
        ]

    @property
    def trust_fields(self) -> list[Any]:
        return [self[name] for name in TRUST_ITEMS]

    @property
    def value_fields(self) -> list[Any]:
        return [self[name] for name in VALUE_ITEMS]

    def valid_answers(self) -> dict[str, Any]:
        """Every answer that parsed, even when others did not; an unanswered question is left out (so it does
        not erase an answer given before), except the contributions, which the page always sends whole."""
        self.is_valid()
        out: dict[str, Any] = {}
        for name in self.fields:
            if name in self.errors or name not in self.cleaned_data:
                continue
            value = self.cleaned_data[name]
            if name == "contributions" or value is not None:
                out[name] = value
        return out


class ClosenessForm(NHSUKFormMixin, forms.Form):
    """How closely the organisation works with each picked partner (one question per partner, ``intensity-<id>``).
    Any may be left for now; each valid answer is kept."""

    error_summary_title = _("There is a problem with some answers: the others are saved")

    def __init__(self, *args: Any, ratings: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ratings = ratings
        choices = [(value, f"{value}: {SHORT_INTENSITY[value]}") for value in INTENSITY_DEFINITIONS]
        for rating in ratings:
            self.fields[f"intensity-{rating.partner_id}"] = forms.TypedChoiceField(
                label=rating.partner.name,
                required=False,
                coerce=int,
                empty_value=None,
                choices=choices,
                initial=rating.intensity,
                widget=forms.RadioSelect,
                error_messages={
                    "invalid_choice": gettext("Choose how closely you work with %(name)s, from 0 to 4")
                    % {"name": rating.partner.name}
                },
            )

    def rows(self) -> list[tuple[Any, Any]]:
        """Each rating with its question."""
        return [(r, self[f"intensity-{r.partner_id}"]) for r in self.ratings]

    def valid_answers(self) -> dict[int, int]:
        """Every answer given that parsed: ``partner id: intensity``."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {
            r.partner_id: self.cleaned_data[name]
            for r in self.ratings
            if (name := f"intensity-{r.partner_id}") in self.cleaned_data
            and self.cleaned_data[name] is not None
        }
