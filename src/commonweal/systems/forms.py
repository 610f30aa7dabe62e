"""Forms of the systems pages: they parse what was typed; the rules that need the database are in actions."""

from __future__ import annotations

from typing import Any

from django import forms

from commonweal.core.csv_input import MAX_BYTES
from commonweal.core.forms import NHSUKFormMixin, radio_field, text_field
from commonweal.systems.actions import OrganisationInput
from commonweal.systems.models import (
    DEFAULT_RETENTION_DAYS,
    MAX_RETENTION_DAYS,
    MIN_RETENTION_DAYS,
    Community,
    IdentifierScheme,
    Organisation,
    Place,
    Sector,
    System,
)


class SystemForm(NHSUKFormMixin, forms.Form):
    name = text_field(
        "Name",
        max_length=200,
        required="Enter the system's name",
        too_long="Keep the name to 200 characters",
        help_text="For example, Riverside Health and Care Partnership.",
    )
    slug = forms.SlugField(
        label="Short name for links (optional)",
        max_length=80,
        required=False,
        help_text="Lower-case letters, numbers and hyphens, such as riverside. Made from the name if left empty. "
        "It cannot be changed later.",
        error_messages={"invalid": "Use only lower-case letters, numbers and hyphens in the short name"},
        widget=forms.TextInput(attrs={"class": "nhsuk-input--width-20", "spellcheck": "false"}),
    )
    description = text_field(
        "Description (optional)",
        max_length=2000,
        help_text="Who is in the partnership and the area it serves.",
        rows=4,
    )

    retention_days = forms.IntegerField(
        label="Keep participants' data for (days)",
        min_value=MIN_RETENTION_DAYS,
        max_value=MAX_RETENTION_DAYS,
        help_text=f"Days after a conversation closes before its participants' votes, statements and answers are "
        f"erased; results already computed stay. Between {MIN_RETENTION_DAYS} and {MAX_RETENTION_DAYS:,} "
        f"({DEFAULT_RETENTION_DAYS} unless you change it). Participants are told it when they take part.",
        error_messages={
            "required": "Enter how many days to keep participants' data, such as 365",
            "invalid": "Enter the number of days as digits only, such as 365",
            "min_value": f"Keep participants' data for at least {MIN_RETENTION_DAYS} days, so there is time "
            "to read the results",
            "max_value": f"Keep participants' data for at most {MAX_RETENTION_DAYS:,} days (ten years)",
        },
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "nhsuk-input--width-5"}),
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["slug"]
        else:
            # A new system keeps the default period; its facilitators can change it on the edit page.
            del self.fields["retention_days"]


class NoticesForm(NHSUKFormMixin, forms.Form):
    """Who is responsible for participants' data, and the system's privacy notice and accessibility statement."""

    controller_name = text_field(
        "Who is responsible for participants' data (the data controller)",
        max_length=200,
        required="Enter the name of the organisation responsible for participants' data",
        too_long="Keep the name to 200 characters",
        help_text="Usually the integrated care board, or the organisation running the conversation. "
        "No conversation can open until this and the contact are given.",
    )
    controller_contact = text_field(
        "How participants can contact it",
        max_length=300,
        required="Enter how participants can contact it, such as an email address",
        too_long="Keep the contact to 300 characters",
        help_text="An email address, a web page or a postal address, such as engagement@example.nhs.uk.",
    )
    protection_officer = text_field(
        "Data protection officer's contact (optional)",
        max_length=300,
        too_long="Keep the contact to 300 characters",
        help_text="How to reach the controller's data protection officer, if it has one.",
    )
    privacy_purpose = text_field(
        "Why you collect the data and the law that allows it",
        max_length=5000,
        too_long="Keep this to 5,000 characters",
        help_text="Shown in the privacy notice, with what is collected, how long it is kept and people's rights, "
        "which the notice always says. Leave a blank line between paragraphs.",
        rows=10,
    )
    accessibility_statement = text_field(
        "Accessibility statement",
        max_length=5000,
        too_long="Keep this to 5,000 characters",
        help_text="How accessible the pages are and any known problems. The statement always adds how to report "
        "a problem (to the contact above) and how to complain.",
        rows=10,
    )


def _optional_int(label: str, help_text: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=0,
        max_value=100_000_000,
        help_text=help_text,
        error_messages={
            "invalid": "Enter the number as digits only, such as 250000",
            "min_value": "The number cannot be negative",
            "max_value": "That number is too large: check it",
        },
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "nhsuk-input--width-10"}),
    )


class PlaceForm(NHSUKFormMixin, forms.Form):
    name = text_field(
        "Name",
        max_length=200,
        required="Enter the place's name",
        help_text="A place partnership or locality, such as Riverside North.",
    )
    population = _optional_int("Population (optional)", "Residents, if known, in digits, such as 250000.")

    @staticmethod
    def initial_for(place: Place | None) -> dict[str, Any]:
        """What the change page shows of ``place`` (nothing when adding one)."""
        return {"name": place.name, "population": place.population} if place else {}


class CommunityForm(NHSUKFormMixin, forms.Form):
    name = text_field(
        "Name",
        max_length=200,
        required="Enter the community's name",
        help_text="For example, Unpaid carers, or Eastgate estate.",
    )
    kind = radio_field(
        "What kind of community is it?",
        Community.Kind.choices,
        required="Choose what kind of community it is",
    )
    population_estimate = _optional_int(
        "Population estimate (optional)", "About how many people belong to it, in digits, if known."
    )

    @staticmethod
    def initial_for(community: Community | None) -> dict[str, Any]:
        """What the change page shows of ``community`` (nothing when adding one)."""
        if community is None:
            return {}
        return {
            "name": community.name,
            "kind": community.kind,
            "population_estimate": community.population_estimate,
        }


class OrganisationForm(NHSUKFormMixin, forms.Form):
    name = text_field("Name", max_length=200, required="Enter the organisation's name")
    sector = forms.ChoiceField(
        label="Sector",
        choices=[("", "Choose a sector"), *Sector.choices],
        error_messages={"required": "Choose the organisation's sector"},
    )
    identifier_scheme = forms.ChoiceField(
        label="Identifier scheme (optional)",
        required=False,
        choices=[("", "None"), *IdentifierScheme.choices],
        help_text="As org-id.guide lists them: an ODS code for NHS bodies, a charity or company number.",
    )
    identifier = text_field(
        "Identifier (optional)",
        max_length=50,
        help_text="For example, the ODS code RXX or the charity number 1234567.",
        attrs={"class": "nhsuk-input--width-10", "spellcheck": "false"},
    )
    places = forms.ModelMultipleChoiceField(
        label="Places it serves (optional)",
        queryset=Place.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    active_from = forms.DateField(
        label="Active from (optional)",
        required=False,
        help_text="For a partner that joined recently or one that merged.",
        error_messages={"invalid": "Enter a real date, such as 2024-04-01"},
        widget=forms.DateInput(attrs={"type": "date", "class": "nhsuk-input--width-10"}, format="%Y-%m-%d"),
    )
    active_to = forms.DateField(
        label="Active until (optional)",
        required=False,
        error_messages={"invalid": "Enter a real date, such as 2026-03-31"},
        widget=forms.DateInput(attrs={"type": "date", "class": "nhsuk-input--width-10"}, format="%Y-%m-%d"),
    )
    community = forms.ModelChoiceField(
        label="The community it speaks for (community groups only, optional)",
        queryset=Community.objects.none(),
        required=False,
        empty_label="None",
        help_text=(
            "A community group answers the relationship survey with its own link and is on the system map as a "
            "community group; the community's page shows it."
        ),
        error_messages={"invalid_choice": "Choose a community from the list"},
    )

    def __init__(self, system: System, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["places"].queryset = Place.objects.filter(system=system)  # type: ignore[attr-defined]
        if not Place.objects.filter(system=system).exists():
            self.fields["places"].help_text = "This system has no places yet: add them on the system's page."
        self.fields["community"].queryset = Community.objects.filter(system=system)  # type: ignore[attr-defined]

    @staticmethod
    def initial_for(organisation: Organisation | None) -> dict[str, Any]:
        """What the change page shows of ``organisation`` (nothing when adding one)."""
        if organisation is None:
            return {}
        return {
            "name": organisation.name,
            "sector": organisation.sector,
            "identifier_scheme": organisation.identifier_scheme,
            "identifier": organisation.identifier,
            "places": list(organisation.places.all()),
            "active_from": organisation.active_from,
            "active_to": organisation.active_to,
            "community": organisation.community,
        }

    def to_input(self) -> OrganisationInput:
        """What was typed, for :func:`~commonweal.systems.actions.check_save_organisation`."""
        return OrganisationInput(**{**self.cleaned_data, "places": list(self.cleaned_data["places"])})


class ImportForm(NHSUKFormMixin, forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="A CSV file in UTF-8, at most 2 MB.",
        error_messages={
            "required": "Choose a CSV file to upload",
            "empty": "The file is empty: choose another",
        },
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self) -> Any:
        f = self.cleaned_data["file"]
        if f.size > MAX_BYTES:
            raise forms.ValidationError(
                f"The file is larger than {MAX_BYTES // 1024 // 1024} MB: split it into smaller files"
            )
        return f


class AccountForm(NHSUKFormMixin, forms.Form):
    username = forms.RegexField(
        label="Username",
        max_length=150,
        regex=r"^[\w.@+-]+$",
        help_text="Letters, numbers and . @ + - _ only, such as a.patel.",
        error_messages={
            "required": "Enter a username",
            "invalid": "Use only letters, numbers and . @ + - _ in the username (no spaces)",
        },
        widget=forms.TextInput(
            attrs={"class": "nhsuk-input--width-20", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )
    full_name = forms.CharField(label="Full name (optional)", max_length=300, required=False)
    email = forms.EmailField(
        label="Email address (optional)",
        required=False,
        error_messages={"invalid": "Enter an email address in the right format, like name@example.org"},
    )
    system = forms.ModelChoiceField(
        label="Facilitator of (optional)",
        queryset=System.objects.all(),
        required=False,
        empty_label="No system yet",
        help_text="They can then run this system's conversations. Other systems can add them later.",
    )
    is_administrator = forms.BooleanField(
        label="Administrator of this site",
        required=False,
        help_text="Administrators can create systems and accounts and see every system.",
    )
