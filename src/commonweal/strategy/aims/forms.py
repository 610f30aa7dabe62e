"""The aim pages' forms: draft or change an aim (with one measure at a time), and move it to a new status."""

from __future__ import annotations

from typing import Any

from django import forms

from commonweal.communities import queries as community_queries
from commonweal.core.forms import NHSUKFormMixin, text_field
from commonweal.network.models import Interdependency
from commonweal.strategy.aims.actions import AimInput, MeasureInput, StatusInput
from commonweal.strategy.models import Aim
from commonweal.strategy.queries import aim_asset_ids
from commonweal.systems.models import System

DATE = forms.DateInput(attrs={"type": "date", "class": "nhsuk-input--width-10"}, format="%Y-%m-%d")
NUMBER = forms.TextInput(attrs={"class": "nhsuk-input--width-10", "inputmode": "decimal"})


def interdependency_label(item: Interdependency) -> str:
    ends = [item.from_organisation or item.from_community, item.to_organisation or item.to_community]
    return f"{ends[0]} to {ends[1]}: {item.get_kind_display()}"


class AimForm(NHSUKFormMixin, forms.Form):
    title = text_field(
        "Title",
        max_length=200,
        required="Enter a short title for the aim",
        too_long="Keep the title to 200 characters",
    )
    meaning = text_field("What it means", required="Say what the aim means, in plain words", rows=4)
    outcome = text_field("The outcome that would show it worked", rows=3, help_text="Optional.")
    places = forms.MultipleChoiceField(
        label="Places it concerns", required=False, widget=forms.CheckboxSelectMultiple
    )
    communities = forms.MultipleChoiceField(
        label="Communities it concerns", required=False, widget=forms.CheckboxSelectMultiple
    )
    interdependencies = forms.MultipleChoiceField(
        label="Interdependencies of the system map it concerns",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    assets = forms.MultipleChoiceField(
        label="Community assets it builds on",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The accepted assets of the system's register.",
    )
    measure_name = text_field(
        "A measure (optional)", max_length=200, help_text='For example "Delayed discharges a day".'
    )
    measure_unit = text_field("Its unit", max_length=50)
    measure_baseline = forms.DecimalField(
        label="Baseline",
        required=False,
        max_digits=14,
        decimal_places=2,
        widget=NUMBER,
        error_messages={"invalid": "Enter the baseline as a number, like 40"},
    )
    measure_target = forms.DecimalField(
        label="Target",
        required=False,
        max_digits=14,
        decimal_places=2,
        widget=NUMBER,
        error_messages={"invalid": "Enter the target as a number, like 20"},
    )
    measure_date = forms.DateField(
        label="Target date",
        required=False,
        widget=DATE,
        error_messages={"invalid": "Enter a real date, like 2027-03-31"},
    )

    def __init__(self, system: System, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["places"].choices = [(str(p.pk), p.name) for p in system.places.all()]  # type: ignore[attr-defined]
        self.fields["communities"].choices = [(str(c.pk), c.name) for c in system.communities.all()]  # type: ignore[attr-defined]
        self.fields["interdependencies"].choices = [  # type: ignore[attr-defined]
            (str(i.pk), interdependency_label(i))
            for i in Interdependency.objects.filter(system=system).select_related(
                "from_organisation", "from_community", "to_organisation", "to_community"
            )
        ]
        assets = community_queries.asset_choices(system)
        if assets:
            self.fields["assets"].choices = [(str(pk), label) for pk, label in assets]  # type: ignore[attr-defined]
        else:
            del self.fields["assets"]  # The register has no accepted asset yet: nothing to choose.

    @staticmethod
    def initial_of(aim: Aim) -> dict[str, Any]:
        return {
            "title": aim.title,
            "meaning": aim.meaning,
            "outcome": aim.outcome,
            "places": [str(pk) for pk in aim.places.values_list("pk", flat=True)],
            "communities": [str(pk) for pk in aim.communities.values_list("pk", flat=True)],
            "interdependencies": [str(pk) for pk in aim.interdependencies.values_list("pk", flat=True)],
            "assets": [str(pk) for pk in aim_asset_ids(aim)],
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        has_figures = any(
            data.get(k) is not None for k in ("measure_baseline", "measure_target", "measure_date")
        )
        if has_figures and not data.get("measure_name"):
            self.add_error("measure_name", "Name the measure its baseline, target or date belong to")
        return data

    def as_input(self) -> AimInput:
        data = self.cleaned_data
        measures = []
        if data.get("measure_name"):
            measures.append(
                MeasureInput(
                    data["measure_name"],
                    data.get("measure_unit", ""),
                    data.get("measure_baseline"),
                    data.get("measure_target"),
                    data.get("measure_date"),
                )
            )
        return AimInput(
            title=data["title"],
            meaning=data["meaning"],
            outcome=data.get("outcome", ""),
            places=[int(v) for v in data.get("places", [])],
            communities=[int(v) for v in data.get("communities", [])],
            interdependencies=[int(v) for v in data.get("interdependencies", [])],
            measures=measures,
            assets=[int(v) for v in data.get("assets", [])],
        )


class StatusForm(NHSUKFormMixin, forms.Form):
    status = forms.ChoiceField(
        label="Move the aim to",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the aim's new status"},
    )
    agreed_on = forms.DateField(
        label="Date agreed (when agreed)",
        required=False,
        widget=DATE,
        error_messages={"invalid": "Enter a real date, like 2026-03-31"},
    )
    agreed_by = text_field(
        "Who agreed it (when agreed)", max_length=200, help_text='For example "the ICP board".'
    )
    reason = text_field("Why it is retired (when retired)", rows=3)

    def __init__(self, choices: list[tuple[str, str]], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = choices  # type: ignore[attr-defined]

    def as_input(self) -> StatusInput:
        d = self.cleaned_data
        return StatusInput(d["status"], d.get("agreed_on"), d.get("agreed_by", ""), d.get("reason", ""))
