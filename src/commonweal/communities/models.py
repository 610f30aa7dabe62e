"""Communities: the app's tables (one models module per app; each capability writes through its actions).

The community asset register follows asset-based community development (ABCD): what a community already has
(people's gifts and skills, associations, institutions, physical spaces, economic exchange, culture), who holds it
and how to reach it. Facilitators keep the register; residents add assets through a system's public mapping link,
and those wait for moderation (``status``). The strategy app links aims and commitments to assets through
:mod:`commonweal.communities.queries`; an asset's id and these fields are its stable contract.
"""

from __future__ import annotations

import re
import secrets
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from commonweal.systems.models import Community, Organisation, Place, System

#: Longest name and tag an asset may have.
ASSET_NAME_MAX = 200
TAG_MAX = 40
#: At most this many tags on one asset.
MAX_TAGS = 12

# A UK postcode: outward code (area, district) and inward code (sector, unit), with or without the space.
# GIR 0AA is the one historic exception still in use.
_POSTCODE = re.compile(r"^(GIR ?0AA|[A-Z]{1,2}[0-9][0-9A-Z]? ?[0-9][A-Z]{2})$")


def normalise_postcode(raw: str) -> str:
    """A UK postcode in capitals with one space before the inward code ("ab1 2cd" -> "AB1 2CD"); "" stays "".

    Raises :class:`ValueError` when it is not the shape of a UK postcode."""
    text = re.sub(r"\s+", "", raw or "").upper()
    if not text:
        return ""
    if not _POSTCODE.match(text):
        raise ValueError(raw)
    return f"{text[:-3]} {text[-3:]}"


def new_token() -> str:
    """A secret for a link: 22 URL-safe characters (128 bits)."""
    return secrets.token_urlsafe(16)


class Category(models.TextChoices):
    """The ABCD asset categories of PRODUCT.md. Residents choose one on the mapping form, so they are translated."""

    INDIVIDUALS = "individuals", _("People's gifts and skills")
    ASSOCIATIONS = "associations", _("Associations: groups, clubs, faith groups")
    INSTITUTIONS = "institutions", _("Institutions: schools, libraries, businesses, services")
    PHYSICAL = "physical", _("Physical: buildings, parks, spaces")
    ECONOMIC = "economic", _("Economic: exchange, local spending, jobs")
    CULTURE = "culture", _("Culture: stories, heritage, arts")


class Holder(models.TextChoices):
    """Who holds an asset."""

    ORGANISATION = "organisation", _("An organisation of the system")
    COMMUNITY = "community", _("A community")
    RESIDENT = "resident", _("A resident")
    OTHER = "other", _("Another organisation or group")


class Status(models.TextChoices):
    PENDING = "pending", "Waiting for moderation"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


class Source(models.TextChoices):
    """Where an asset came from."""

    FACILITATOR = "facilitator", "Added by a facilitator"
    MAPPING = "mapping", "Added through the mapping link"
    IMPORT = "import", "Imported"


class MappingLink(models.Model):
    """A public link (and its QR code) where residents and groups add the assets they know, with no account.

    One per system, or one per place of the system: assets added through a place's link serve that place."""

    system = models.ForeignKey(System, on_delete=models.CASCADE, related_name="asset_mapping_links")
    place = models.ForeignKey(Place, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    token = models.CharField(max_length=40, unique=True, default=new_token)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["place__name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["system"], condition=models.Q(place__isnull=True), name="mapping_link_one_per_system"
            ),
            models.UniqueConstraint(fields=["system", "place"], name="mapping_link_one_per_place"),
        ]

    def __str__(self) -> str:
        return f"Asset mapping link for {self.place or self.system}"


class Asset(models.Model):
    """One community asset of a system's register."""

    system = models.ForeignKey(System, on_delete=models.CASCADE, related_name="assets")
    category = models.CharField(max_length=20, choices=Category.choices)
    name = models.CharField(max_length=ASSET_NAME_MAX)
    description = models.TextField(blank=True)
    places = models.ManyToManyField(Place, blank=True, related_name="assets")
    communities = models.ManyToManyField(Community, blank=True, related_name="assets")
    holder = models.CharField(max_length=20, choices=Holder.choices, default=Holder.RESIDENT)
    holder_organisation = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="assets_held"
    )
    holder_community = models.ForeignKey(
        Community, on_delete=models.SET_NULL, null=True, blank=True, related_name="assets_held"
    )
    # The name of an organisation or group that is not one of the system's (a council's directory names many).
    holder_other = models.CharField(max_length=200, blank=True)
    # A resident's name is stored only when they choose to give it.
    resident_name = models.CharField(max_length=120, blank=True)
    # Public contact details only: an organisation's or group's, never a private person's unless they give it.
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=40, blank=True)
    website = models.URLField(max_length=300, blank=True)
    opening_times = models.TextField(blank=True)
    accessibility = models.TextField(blank=True)
    address = models.CharField(max_length=300, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    latitude = models.DecimalField(max_digits=8, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACCEPTED)
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.FACILITATOR)
    mapping_link = models.ForeignKey(MappingLink, on_delete=models.SET_NULL, null=True, blank=True)
    # The Open Referral UK ids it was imported with (service, organization, location), kept for the round trip.
    openreferral_id = models.CharField(max_length=100, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        indexes = [
            models.Index(fields=["system", "status", "name"], name="asset_register"),
            models.Index(fields=["system", "status", "category"], name="asset_category"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(latitude__isnull=True) & models.Q(longitude__isnull=True))
                | (
                    models.Q(latitude__gte=Decimal(-90))
                    & models.Q(latitude__lte=Decimal(90))
                    & models.Q(longitude__gte=Decimal(-180))
                    & models.Q(longitude__lte=Decimal(180))
                ),
                name="asset_coordinates_both_and_in_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def has_coordinates(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def holder_name(self) -> str:
        """Who holds it, in words: the organisation's or community's name, or the resident's if they gave it."""
        if self.holder == Holder.ORGANISATION and self.holder_organisation_id:
            return self.holder_organisation.name  # type: ignore[union-attr]
        if self.holder == Holder.COMMUNITY and self.holder_community_id:
            return self.holder_community.name  # type: ignore[union-attr]
        if self.holder == Holder.RESIDENT:
            return self.resident_name or str(_("A resident"))
        if self.holder == Holder.OTHER:
            return self.holder_other
        return ""

    def clean(self) -> None:
        if (self.latitude is None) != (self.longitude is None):
            raise ValidationError("Give both the latitude and the longitude, or neither.")


class AssetTag(models.Model):
    """A tag of an asset (lower case), one row each so the register filters by tag with an index."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=TAG_MAX)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["name"], name="asset_tag_name")]
        constraints = [models.UniqueConstraint(fields=["asset", "name"], name="asset_tag_unique")]

    def __str__(self) -> str:
        return self.name


# =============================================================================================================
# Representation: who lives and works here (baselines), against whom a conversation's participants are compared.
# Written only by ``communities.representation.actions``; read by ``communities.representation.queries``.
# =============================================================================================================


class Baseline(models.Model):
    """How many people of one category live (or work) in one place of a system, from a Census 2021 table or a
    workforce count: the population a conversation's participants are compared with.

    ``category`` is one of the "about you" answers the counts were summed into (an age band of
    :class:`~commonweal.conversations.models.AgeBand`, an ethnic group of
    :class:`~commonweal.conversations.models.EthnicGroup`, "female"/"male", or a sector), so a count may be a
    fraction: a five-year Census band that straddles two answers (15 to 19) is shared between them evenly by
    year of age. ``place`` is None for a count of the whole system (a workforce file without places).
    """

    class Dimension(models.TextChoices):
        AGE_BAND = "age_band", _("Age band")
        SEX = "sex", _("Sex")
        ETHNIC_GROUP = "ethnic_group", _("Ethnic group")
        SECTOR = "sector", _("Sector (workforce)")

    system = models.ForeignKey(System, on_delete=models.CASCADE, related_name="baselines")
    place = models.ForeignKey(
        Place, null=True, blank=True, on_delete=models.CASCADE, related_name="baselines"
    )
    dimension = models.CharField(max_length=20, choices=Dimension.choices)
    category = models.CharField(max_length=40)
    people = models.FloatField()
    source = models.CharField(
        max_length=200, help_text="The table it came from, e.g. 'TS007A' or 'workforce'."
    )
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["dimension", "place__name", "category"]
        indexes = [models.Index(fields=["system", "dimension"], name="baseline_system_dimension")]

    def __str__(self) -> str:
        return f"{self.dimension} {self.category} in {self.place or 'the system'}: {self.people:g}"
