"""Forms of the asset register: an asset (facilitators' page, and residents' on the mapping link, which leaves
the coordinates out) and the register's filters (a GET form, so a filtered register is a link to share). They
parse what was typed; the rules are in :mod:`commonweal.communities.assets.actions`. Residents read these
labels, so they are translatable."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy

from commonweal.communities import queries
from commonweal.communities.assets.actions import AssetInput
from commonweal.communities.models import Asset, Category, Holder, Status
from commonweal.core.forms import NHSUKFormMixin, radio_field, text_field
from commonweal.systems.models import Community, Organisation, Place, System


def _(message: str) -> str:
    """A translatable label, typed as the ``str`` that :mod:`commonweal.core.forms` takes (a lazy string renders
    as one, in the reader's language)."""
    return cast(str, gettext_lazy(message))


def _many(label: Any, help_text: Any = "") -> forms.TypedMultipleChoiceField:
    return forms.TypedMultipleChoiceField(
        label=label,
        coerce=int,
        required=False,
        help_text=help_text,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choose from the list")},
    )


def _one(label: Any, empty: Any) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={"invalid_choice": _("Choose from the list")},
    )


class AssetForm(NHSUKFormMixin, forms.Form):
    """An asset: what it is, who it serves, who holds it, how to reach it and where it is."""

    name = text_field(
        _("Name"),
        max_length=200,
        required=_("Enter the asset's name"),
        too_long=_("Enter at most 200 characters"),
    )
    category = radio_field(
        _("What kind of asset is it?"),
        Category.choices,
        required=_("Choose what kind of asset it is"),
        help_text=_("The categories of asset-based community development."),
    )
    description = text_field(_("What it is and what it offers"), rows=4, max_length=4000)
    places = _many(_("Places it serves"))
    communities = _many(_("Communities it serves"))
    holder = radio_field(
        _("Who holds it?"), Holder.choices, required=_("Choose who holds the asset"), initial=Holder.RESIDENT
    )
    holder_organisation = _one(_("The organisation that holds it"), _("Not an organisation"))
    holder_community = _one(_("The community that holds it"), _("Not a community"))
    holder_other = text_field(_("The name of the organisation or group that holds it"), max_length=200)
    resident_name = text_field(
        _("The resident's name (optional)"),
        max_length=120,
        help_text=_("Only if they want it shown. Leave it empty and the register says 'a resident'."),
    )
    contact_email = text_field(
        _("Public email address (optional)"),
        max_length=254,
        attrs={"autocomplete": "off", "spellcheck": "false"},
    )
    contact_phone = text_field(
        _("Public phone number (optional)"), max_length=40, attrs={"autocomplete": "off"}
    )
    website = text_field(_("Website (optional)"), max_length=300, attrs={"spellcheck": "false"})
    opening_times = text_field(_("Opening times (optional)"), rows=2, max_length=4000)
    accessibility = text_field(
        _("Accessibility (optional)"),
        rows=2,
        max_length=4000,
        help_text=_("Step-free access, hearing loop, quiet times, languages spoken."),
    )
    address = text_field(_("Address (optional)"), max_length=300)
    postcode = text_field(
        _("Postcode (optional)"),
        max_length=10,
        attrs={"class": "nhsuk-input--width-10", "autocomplete": "off"},
    )
    latitude = text_field(
        "Latitude (optional)",
        max_length=20,
        help_text="In degrees, like 53.8008. With the longitude, it puts the asset on the map.",
        attrs={"class": "nhsuk-input--width-10", "inputmode": "decimal"},
    )
    longitude = text_field(
        "Longitude (optional)",
        max_length=20,
        help_text="In degrees, like -1.5491 (west of Greenwich is negative).",
        attrs={"class": "nhsuk-input--width-10", "inputmode": "decimal"},
    )
    tags = text_field(
        _("Tags (optional)"),
        max_length=600,
        help_text=_("Words to find it by, separated by commas: food, advice, young people."),
    )

    def __init__(
        self, system: System, *args: Any, resident: bool = False, place: Place | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.system = system
        fields: Any = self.fields
        fields["places"].choices = list(Place.objects.filter(system=system).values_list("pk", "name"))
        fields["communities"].choices = list(
            Community.objects.filter(system=system).values_list("pk", "name")
        )
        fields["holder_organisation"].choices = [
            ("", _("Choose an organisation")),
            *Organisation.objects.filter(system=system).values_list("pk", "name"),
        ]
        fields["holder_community"].choices = [("", _("Choose a community")), *fields["communities"].choices]
        if resident:
            # A phone is easier with a postcode than with coordinates; a place's link already says the place.
            del fields["latitude"], fields["longitude"]
            fields["resident_name"].label = _("Your name or your group's (optional)")
            fields["resident_name"].help_text = _(
                "Only if you want it shown. Leave it empty and it says 'a resident'."
            )
            if place is not None:
                del fields["places"]
        self.place = place

    @staticmethod
    def initial_for(asset: Asset | None) -> dict[str, Any]:
        if asset is None:
            return {}
        return {
            **{
                name: getattr(asset, name)
                for name in (
                    "name",
                    "category",
                    "description",
                    "holder",
                    "holder_other",
                    "resident_name",
                    "contact_email",
                    "contact_phone",
                    "website",
                    "opening_times",
                    "accessibility",
                    "address",
                    "postcode",
                )
            },
            "holder_organisation": asset.holder_organisation_id,
            "holder_community": asset.holder_community_id,
            "places": list(asset.places.values_list("pk", flat=True)),
            "communities": list(asset.communities.values_list("pk", flat=True)),
            "latitude": "" if asset.latitude is None else str(asset.latitude.normalize()),
            "longitude": "" if asset.longitude is None else str(asset.longitude.normalize()),
            "tags": ", ".join(asset.tags.values_list("name", flat=True)),
        }

    def to_input(self) -> AssetInput:
        data = self.cleaned_data
        places = (
            [self.place]
            if self.place
            else list(Place.objects.filter(system=self.system, pk__in=data.get("places") or []))
        )
        return AssetInput(
            name=data["name"],
            category=data["category"],
            description=data.get("description", ""),
            places=places,
            communities=list(
                Community.objects.filter(system=self.system, pk__in=data.get("communities") or [])
            ),
            holder=data["holder"],
            holder_organisation=Organisation.objects.filter(
                system=self.system, pk=data.get("holder_organisation") or 0
            ).first(),
            holder_community=Community.objects.filter(
                system=self.system, pk=data.get("holder_community") or 0
            ).first(),
            holder_other=data.get("holder_other", ""),
            resident_name=data.get("resident_name", ""),
            contact_email=data.get("contact_email", ""),
            contact_phone=data.get("contact_phone", ""),
            website=data.get("website", ""),
            opening_times=data.get("opening_times", ""),
            accessibility=data.get("accessibility", ""),
            address=data.get("address", ""),
            postcode=data.get("postcode", ""),
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
            tags=data.get("tags", ""),
        )


STATUS_CHOICES = [
    (Status.ACCEPTED, "Accepted"),
    (Status.PENDING, "Waiting for moderation"),
    (Status.REJECTED, "Rejected"),
]


def _filter(label: str, invalid: str, *, number: bool = True) -> forms.ChoiceField:
    options: dict[str, Any] = {
        "label": label,
        "required": False,
        "error_messages": {"invalid_choice": invalid},
    }
    return (
        forms.TypedChoiceField(coerce=int, empty_value=None, **options)
        if number
        else forms.ChoiceField(**options)
    )


class AssetFilterForm(NHSUKFormMixin, forms.Form):
    """What the register and the map show. Every field is optional: an empty one means "all"."""

    error_summary_title = "Some filters were not understood"

    text = forms.CharField(label="Name or description contains", required=False, max_length=100)
    category = _filter("Category", "Choose a category from the list", number=False)
    place = _filter("Place", "Choose a place from the list")
    community = _filter("Community", "Choose a community from the list")
    tag = _filter("Tag", "Choose a tag from the list", number=False)
    status = _filter("Status", "Choose a status from the list", number=False)

    def __init__(self, system: System, tags: list[str], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["category"].choices = [("", "All categories"), *Category.choices]
        fields["place"].choices = [
            ("", "All places"),
            *Place.objects.filter(system=system).values_list("pk", "name"),
        ]
        fields["community"].choices = [
            ("", "All communities"),
            *Community.objects.filter(system=system).values_list("pk", "name"),
        ]
        fields["tag"].choices = [("", "All tags"), *[(t, t) for t in tags]]
        fields["status"].choices = STATUS_CHOICES

    def value(self, name: str) -> Any:
        """The cleaned value of a filter, or None when it was empty or not understood (the register then shows
        all, and the error summary names the filter ignored)."""
        data = getattr(self, "cleaned_data", {})
        return data.get(name) if name not in self.errors else None


def read_filters(
    query: Any, system: System, *, shown: bool = True
) -> tuple[AssetFilterForm, queries.AssetFilters]:
    """The register's filters from a query string (the register, the map, its data and the exports share them):
    the form (to show again, with any filter not understood named) and what it asks for. ``shown`` False (the
    map's image and data, the downloads: no form on them) checks only the tag asked for, not the list of all."""
    data = query.copy()
    if not data.get("status"):
        data["status"] = Status.ACCEPTED  # So the list shows what the register shows.
    tags = queries.tag_names(system) if shown else queries.tag_names(system, only=data.get("tag") or "")
    form = AssetFilterForm(system, tags, data)
    form.is_valid()  # A filter that is not understood is ignored (and named in the error summary).
    filters = queries.AssetFilters(
        category=form.value("category") or "",
        place=form.value("place"),
        community=form.value("community"),
        tag=form.value("tag") or "",
        status=form.value("status") or Status.ACCEPTED,
        text=(form.value("text") or "").strip(),
    )
    return form, filters
