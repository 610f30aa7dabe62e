"""Forms of the map's pages: the map's filters (a GET form, so a filtered map is a link that can be shared),
interdependencies and joint work. They parse what was typed; the rules that need the database are in
:mod:`commonweal.network.map.actions`."""

from __future__ import annotations

from typing import Any

from django import forms

from commonweal.core.forms import NHSUKFormMixin, radio_field, text_field
from commonweal.network.map.actions import InterdependencyInput, JointWorkInput
from commonweal.network.models import Interdependency, JointWork, SurveyRound
from commonweal.systems.models import Community, Organisation, Place, Sector, System

# --- The map's filters --------------------------------------------------------------------------------------

KIND_CHOICES = [
    ("relationships", "Relationships (from the survey)"),
    ("interdependencies", "Interdependencies"),
    ("both", "Both"),
]
TIES_CHOICES = [
    ("all", "All ties (weak ones lighter)"),
    ("strong", "Cooperation or stronger (hide awareness-only ties)"),
]
#: The focus select's value for the whole map.
WHOLE_MAP = "all"


def _pick(label: str, invalid: str, *, help_text: str = "", number: bool = True) -> forms.ChoiceField:
    """An optional filter chosen from a list that the form fills for its system: a number (a round, a place)
    or, with ``number=False``, a word (a sector). ``invalid`` says what to do with a value not in the list."""
    options: dict[str, Any] = {
        "label": label,
        "required": False,
        "help_text": help_text,
        "error_messages": {"invalid_choice": invalid},
    }
    return forms.TypedChoiceField(coerce=int, **options) if number else forms.ChoiceField(**options)


class MapFilterForm(NHSUKFormMixin, forms.Form):
    """What the map shows. Every field is optional: an empty one means "all"."""

    error_summary_title = "Some filters were not understood"

    round = _pick(
        "Survey round",
        "Choose a survey round from the list",
        help_text="Whose answers the map shows. The latest round is shown first.",
    )
    compare = _pick(
        "Compare with round",
        "Choose a round to compare with from the list",
        help_text="Shows which ties are new, stronger, weaker or lost since that round.",
    )
    focus = _pick(
        "Focus on",
        "Choose an organisation from the list",
        help_text="One organisation and its partners, or the whole system.",
        number=False,
    )
    sector = _pick("Sector", "Choose a sector from the list", number=False)
    place = _pick("Place", "Choose a place from the list", help_text="Organisations that serve this place.")
    kind = forms.ChoiceField(
        label="Links to show",
        required=False,
        choices=KIND_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose relationships, interdependencies or both"},
    )
    ties = forms.ChoiceField(
        label="Ties to show",
        required=False,
        choices=TIES_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose all ties or cooperation or stronger"},
    )

    def __init__(self, system: System, rounds: list[SurveyRound], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        newest_first = [(r.pk, r.name) for r in reversed(rounds)]
        self.fields["round"].choices = [("", "The latest round"), *newest_first]  # type: ignore[attr-defined]
        self.fields["compare"].choices = [("", "Do not compare"), *newest_first]  # type: ignore[attr-defined]
        organisations = list(Organisation.objects.filter(system=system).order_by("name", "pk"))
        self.fields["focus"].choices = [  # type: ignore[attr-defined]
            ("", "The default for this system"),
            (WHOLE_MAP, "The whole system"),
            *[(str(o.pk), o.name) for o in organisations],
        ]
        present = {o.sector for o in organisations}
        self.fields["sector"].choices = [  # type: ignore[attr-defined]
            ("", "All sectors"),
            *[(value, label) for value, label in Sector.choices if value in present],
        ]
        self.fields["place"].choices = [  # type: ignore[attr-defined]
            ("", "All places"),
            *Place.objects.filter(system=system).values_list("pk", "name"),
        ]

    def value(self, name: str) -> Any:
        """The cleaned value of a filter, or None when it was empty or not understood (the map then shows all,
        and the error summary says which filter was ignored)."""
        data = getattr(self, "cleaned_data", {})
        value = data.get(name)
        return value if value not in ("", None) else None


# --- Interdependencies --------------------------------------------------------------------------------------


def _end_choices(system: System) -> list[Any]:
    organisations = [
        (f"organisation-{pk}", name) for pk, name in system.organisations.values_list("pk", "name")
    ]
    communities = [
        (f"community-{pk}", f"{name} (community)")
        for pk, name in system.communities.values_list("pk", "name")
    ]
    choices: list[Any] = [("", "Choose an organisation or community")]
    if organisations:
        choices.append(("Organisations", organisations))
    if communities:
        choices.append(("Communities", communities))
    return choices


class InterdependencyForm(NHSUKFormMixin, forms.Form):
    source = forms.ChoiceField(
        label="From: whose work affects the other",
        help_text="The part of the system the flow comes from. For example, the care homes whose staffing "
        "decides how fast patients can leave hospital.",
        error_messages={
            "required": "Choose where the dependency comes from: the part whose work affects",
            "invalid_choice": "Choose an organisation or community from the list",
        },
    )
    target = forms.ChoiceField(
        label="To: who depends on it",
        help_text="The part that depends on the flow. For example, the acute trust whose beds fill when "
        "discharges wait. One end may be a community; at least one end must be an organisation.",
        error_messages={
            "required": "Choose where the dependency goes to: the part that depends on it",
            "invalid_choice": "Choose an organisation or community from the list",
        },
    )
    kind = radio_field(
        "What flows",
        Interdependency.Kind.choices,
        required="Choose what flows: patients, staff, money, information, capacity or other",
    )
    description = text_field(
        "Description",
        max_length=2000,
        required="Describe the dependency: what flows and why it matters",
        too_long="Keep the description to 2,000 characters",
        help_text="What flows, and what happens to the one that depends on it when the flow falters.",
        rows=4,
    )
    strength = radio_field(
        "How strong is the dependency?",
        [
            ("low", "Low: an inconvenience when the flow falters"),
            ("medium", "Medium: the work suffers when the flow falters"),
            ("high", "High: the work cannot go on without it"),
        ],
        required="Choose how strong the dependency is: low, medium or high",
    )
    evidence = text_field(
        "Evidence (optional)",
        max_length=2000,
        too_long="Keep the evidence to 2,000 characters",
        help_text="What shows this dependency: data, a report, people's experience.",
        rows=3,
    )

    def __init__(self, system: System, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.system = system
        choices = _end_choices(system)
        self.fields["source"].choices = choices  # type: ignore[attr-defined]
        self.fields["target"].choices = choices  # type: ignore[attr-defined]

    @staticmethod
    def end_value(end: Organisation | Community | None) -> str:
        if end is None:
            return ""
        return f"{'organisation' if isinstance(end, Organisation) else 'community'}-{end.pk}"

    @classmethod
    def initial_for(cls, item: Interdependency | None) -> dict[str, Any]:
        """What the change page shows of ``item`` (nothing when adding one)."""
        if item is None:
            return {}
        return {
            "source": cls.end_value(item.source),
            "target": cls.end_value(item.target),
            "kind": item.kind,
            "description": item.description,
            "strength": item.strength,
            "evidence": item.evidence,
        }

    def to_input(self) -> InterdependencyInput:
        """What was typed, for :func:`~commonweal.network.map.actions.check_save_interdependency`."""
        data = self.cleaned_data
        return InterdependencyInput(
            source=self.end("source"),
            target=self.end("target"),
            kind=data["kind"],
            description=data["description"],
            strength=data["strength"],
            evidence=data["evidence"],
        )

    def end(self, name: str) -> Organisation | Community | None:
        """The organisation or community a cleaned end field names (the choices hold only the system's own)."""
        kind, _, pk = self.cleaned_data[name].partition("-")
        model = Organisation if kind == "organisation" else Community
        return model.objects.filter(system=self.system, pk=int(pk)).first()


# --- Joint work ---------------------------------------------------------------------------------------------

_DATE = forms.DateInput(attrs={"type": "date", "class": "nhsuk-input--width-10"}, format="%Y-%m-%d")


class JointWorkForm(NHSUKFormMixin, forms.Form):
    title = text_field(
        "Title",
        max_length=200,
        required="Give the joint work a title, such as 'Discharge to assess pilot'",
        too_long="Keep the title to 200 characters",
        help_text="For example, Discharge to assess pilot, or Monthly place leadership meeting.",
    )
    kind = radio_field(
        "What kind of joint work is it?",
        JointWork.Kind.choices,
        required="Choose what kind of joint work it is",
    )
    started_on = forms.DateField(
        label="Started on",
        help_text="For a single meeting, the day it took place.",
        widget=_DATE,
        error_messages={
            "required": "Enter the date it started, such as 2026-04-01",
            "invalid": "Enter a real date, such as 2026-04-01",
        },
    )
    ended_on = forms.DateField(
        label="Ended on (optional)",
        required=False,
        help_text="Leave empty while it goes on. The same as or after the start date.",
        widget=_DATE,
        error_messages={"invalid": "Enter a real date, such as 2027-03-31"},
    )
    description = text_field(
        "Description (optional)",
        max_length=4000,
        too_long="Keep the description to 4,000 characters",
        help_text="What the partners do together, and what it has changed.",
        rows=4,
    )
    organisations = forms.ModelMultipleChoiceField(
        label="Organisations taking part",
        queryset=Organisation.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Choose at least two.",
        error_messages={
            "required": "Choose at least two organisations: joint work is something partners do together",
            "invalid_choice": "Choose organisations from the list",
        },
    )

    def __init__(self, system: System, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisations"].queryset = Organisation.objects.filter(system=system)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("started_on"), data.get("ended_on")
        if start and end and end < start:
            self.add_error("ended_on", "The end date must be the same as or after the start date")
        return data

    @staticmethod
    def initial_for(work: JointWork | None) -> dict[str, Any]:
        """What the change page shows of ``work`` (nothing when adding it)."""
        if work is None:
            return {}
        return {
            "title": work.title,
            "kind": work.kind,
            "started_on": work.started_on,
            "ended_on": work.ended_on,
            "description": work.description,
            "organisations": list(work.organisations.all()),
        }

    def to_input(self) -> JointWorkInput:
        """What was typed, for :func:`~commonweal.network.map.actions.check_save_joint_work`."""
        data = self.cleaned_data
        return JointWorkInput(
            title=data["title"],
            kind=data["kind"],
            started_on=data["started_on"],
            ended_on=data["ended_on"],
            description=data["description"],
            organisations=list(data["organisations"]),
        )
