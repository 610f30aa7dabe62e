"""The commitment and progress forms, for facilitators and for an organisation through its link."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from commonweal.communities import queries as community_queries
from commonweal.core.forms import NHSUKFormMixin, text_field
from commonweal.network.models import Interdependency
from commonweal.strategy.aims.forms import DATE, NUMBER, interdependency_label
from commonweal.strategy.commitments.actions import CommitmentInput, ProgressInput, ResourceInput
from commonweal.strategy.models import Aim, Commitment, ProgressStatus, Resource
from commonweal.strategy.queries import commitment_asset_ids

#: The resource fields: amounts for money, staff time and volunteers; words for space, data and other.
AMOUNTS = {
    "money": "Money (£)",
    "wte": "Staff time (whole-time equivalents)",
    "hours": "Staff time (hours)",
    "volunteers": "Volunteers (people)",
}
DESCRIBED = {"space": "Space", "data": "Data", "other": "Anything else"}


def _amount_field(label: str) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=Decimal(0),
        max_digits=14,
        decimal_places=2,
        widget=NUMBER,
        error_messages={
            "invalid": f"Enter {label.lower()} as a number, like 25000",
            "min_value": "An amount cannot be negative",
            "max_digits": "Enter a smaller amount",
            "max_decimal_places": "Use at most 2 decimal places",
        },
    )


class CommitmentForm(NHSUKFormMixin, forms.Form):
    owner = forms.ChoiceField(label="Who commits", error_messages={"required": "Choose who commits"})
    what = text_field("What you will do", required="Say what you will do", rows=4)
    lead_role = text_field(
        "Lead role",
        max_length=200,
        help_text='A role, not a person\'s name (unless they choose): "Director of nursing".',
    )
    partners = forms.MultipleChoiceField(
        label="Partners (for a joint commitment)", required=False, widget=forms.CheckboxSelectMultiple
    )
    starts_on = forms.DateField(
        label="Start date",
        required=False,
        widget=DATE,
        error_messages={"invalid": "Enter a real date, like 2026-04-01"},
    )
    ends_on = forms.DateField(
        label="End date",
        required=False,
        widget=DATE,
        error_messages={"invalid": "Enter a real date, like 2027-03-31"},
    )
    interdependency = forms.ChoiceField(label="The interdependency it answers (optional)", required=False)
    assets = forms.MultipleChoiceField(
        label="Community assets it uses (optional)",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The accepted assets of the system's register.",
    )

    def __init__(self, aim: Aim, *args: Any, organisation: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        system = aim.system
        orgs = list(system.organisations.order_by("name"))
        if organisation is not None:
            # Through the organisation's link the owner is the organisation itself: nothing to choose.
            del self.fields["owner"]
        else:
            self.fields["owner"].choices = [("", "Choose")] + [  # type: ignore[attr-defined]
                ("Organisations", [(f"o{o.pk}", o.name) for o in orgs]),
                ("Community groups", [(f"c{c.pk}", c.name) for c in system.communities.order_by("name")]),
            ]
        self.fields["partners"].choices = [(str(o.pk), o.name) for o in orgs if o != organisation]  # type: ignore[attr-defined]
        self.fields["interdependency"].choices = [("", "None")] + [  # type: ignore[attr-defined]
            (str(i.pk), interdependency_label(i))
            for i in Interdependency.objects.filter(system=system).select_related(
                "from_organisation", "from_community", "to_organisation", "to_community"
            )
        ]
        assets = community_queries.asset_choices(system) if organisation is None else []
        if assets:
            self.fields["assets"].choices = [(str(pk), label) for pk, label in assets]  # type: ignore[attr-defined]
        else:
            # Through an organisation's link, or with no accepted asset yet: a facilitator chooses them.
            del self.fields["assets"]
        for kind, label in AMOUNTS.items():
            self.fields[kind] = _amount_field(label)
        for kind, label in DESCRIBED.items():
            self.fields[kind] = text_field(label, max_length=300)

    @staticmethod
    def initial_of(c: Commitment) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "owner": f"o{c.organisation_id}" if c.organisation_id else f"c{c.community_id}",
            "what": c.what,
            "lead_role": c.lead_role,
            "partners": [str(pk) for pk in c.partners.values_list("pk", flat=True)],
            "starts_on": c.starts_on,
            "ends_on": c.ends_on,
            "interdependency": str(c.interdependency_id or ""),
            "assets": [str(pk) for pk in commitment_asset_ids(c)],
        }
        for r in c.resources.all():
            initial[r.kind] = r.amount if r.kind in AMOUNTS else r.description
        return initial

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("starts_on"), data.get("ends_on")
        if start and end and end < start:
            self.add_error("ends_on", "The end date must be the same as or after the start date")
        return data

    def as_input(self) -> CommitmentInput:
        d = self.cleaned_data
        owner = d.get("owner") or ""
        resources = [ResourceInput(k, d[k]) for k in AMOUNTS if d.get(k) is not None]
        resources += [ResourceInput(k, None, d[k]) for k in DESCRIBED if d.get(k)]
        return CommitmentInput(
            what=d["what"],
            organisation=int(owner[1:]) if owner.startswith("o") else None,
            community=int(owner[1:]) if owner.startswith("c") else None,
            partners=[int(p) for p in d.get("partners", [])],
            lead_role=d.get("lead_role", ""),
            starts_on=d.get("starts_on"),
            ends_on=d.get("ends_on"),
            interdependency=int(d["interdependency"]) if d.get("interdependency") else None,
            resources=resources,
            assets=[int(v) for v in d.get("assets", [])] if "assets" in self.fields else None,
        )


RESOURCE_KINDS = dict(Resource.Kind.choices)


class ProgressForm(NHSUKFormMixin, forms.Form):
    status = forms.ChoiceField(
        label="How is it going?",
        choices=ProgressStatus.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how the commitment is going"},
    )
    text = text_field("What has happened", required="Say in a sentence or two what has happened", rows=3)
    on = forms.DateField(
        label="Date of the update",
        required=False,
        widget=DATE,
        help_text="Today when left empty.",
        error_messages={"invalid": "Enter a real date, like 2026-06-30"},
    )
    evidence_url = forms.URLField(
        label="Link to evidence (optional)",
        required=False,
        max_length=500,
        assume_scheme="https",
        error_messages={"invalid": "Enter a web address, like https://example.org/report"},
    )

    def __init__(self, commitment: Commitment, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.measures = list(commitment.aim.measures.all())
        for m in self.measures:
            self.fields[f"measure_{m.pk}"] = forms.DecimalField(
                label=f"{m.name}{f' ({m.unit})' if m.unit else ''}: the figure now (optional)",
                required=False,
                max_digits=14,
                decimal_places=2,
                widget=NUMBER,
                error_messages={"invalid": "Enter the figure as a number, like 12.5"},
            )

    def as_input(self) -> ProgressInput:
        d = self.cleaned_data
        figures = {m.pk: d.get(f"measure_{m.pk}") for m in self.measures}
        return ProgressInput(d["status"], d["text"], d.get("on"), d.get("evidence_url", ""), figures)
