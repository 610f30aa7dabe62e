"""A health and care system (or place partnership), its places, communities and organisations."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Sector(models.TextChoices):
    """Our own classification of organisations (ODS roles do not say it), listed in docs/user-guide.md.

    Participants choose theirs, so the labels are translated."""

    ACUTE = "acute", _("Acute trust")
    COMMUNITY = "community", _("Community health")
    MENTAL_HEALTH = "mental_health", _("Mental health")
    AMBULANCE = "ambulance", _("Ambulance")
    PRIMARY_CARE = "primary_care", _("Primary care")
    SOCIAL_CARE_PROVIDER = "social_care_provider", _("Social care provider")
    LOCAL_AUTHORITY = "local_authority", _("Local authority")
    VCSE = "vcse", _("Voluntary, community and social enterprise (VCSE)")
    HEALTHWATCH = "healthwatch", _("Healthwatch")
    ICB = "icb", _("Integrated care board (ICB)")
    COMMUNITY_RESIDENT = "community_resident", _("Community member or resident")
    COMMUNITY_GROUP = "community_group", _("Community group")
    OTHER = "other", _("Other")


class IdentifierScheme(models.TextChoices):
    """org-id.guide schemes."""

    GB_NHS = "GB-NHS", "GB-NHS (ODS code)"
    GB_LAE = "GB-LAE", "GB-LAE (local authority)"
    GB_CHC = "GB-CHC", "GB-CHC (registered charity)"
    GB_COH = "GB-COH", "GB-COH (company)"


#: How long a system keeps participants' data after a conversation closes, unless its facilitators say otherwise.
DEFAULT_RETENTION_DAYS = 365
#: The shortest period a system may set: time to read the results and write the report before the data goes.
MIN_RETENTION_DAYS = 7
#: The longest: ten years.
MAX_RETENTION_DAYS = 3650


class System(models.Model):
    """An integrated care system or a place partnership, run by its own facilitators."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    retention_days = models.PositiveIntegerField(
        default=DEFAULT_RETENTION_DAYS,
        validators=[MinValueValidator(MIN_RETENTION_DAYS), MaxValueValidator(MAX_RETENTION_DAYS)],
        help_text="Days participants' votes, statements and answers are kept after a conversation closes; "
        "then `commonweal retention` (run daily by the worker) erases them.",
    )
    # The privacy notice and the accessibility statement (systems/notices.py has the defaults; a conversation
    # cannot open until the controller's name and contact are given).
    controller_name = models.CharField(max_length=200, blank=True)
    controller_contact = models.CharField(max_length=300, blank=True)
    protection_officer = models.CharField(max_length=300, blank=True)
    privacy_purpose = models.TextField(blank=True, help_text="Empty: the default text of systems/notices.py.")
    accessibility_statement = models.TextField(
        blank=True, help_text="Empty: the default of systems/notices.py."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def system(self) -> System:
        return self

    @property
    def has_controller(self) -> bool:
        """Whether the privacy notice names who is responsible for participants' data and how to reach them."""
        return bool(self.controller_name.strip() and self.controller_contact.strip())


class Place(models.Model):
    system = models.ForeignKey(System, on_delete=models.CASCADE, related_name="places")
    name = models.CharField(max_length=200)
    population = models.PositiveIntegerField(null=True, blank=True, help_text="Residents, if known.")

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["system", "name"], name="place_unique_name")]

    def __str__(self) -> str:
        return self.name


class Community(models.Model):
    class Kind(models.TextChoices):
        PLACE = "place", "Place (a neighbourhood or locality)"
        IDENTITY = "identity", "Identity (who people are)"
        INTEREST = "interest", "Interest or experience (what people share)"

    system = models.ForeignKey(System, on_delete=models.CASCADE, related_name="communities")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    population_estimate = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "communities"
        constraints = [models.UniqueConstraint(fields=["system", "name"], name="community_unique_name")]

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    system = models.ForeignKey(System, on_delete=models.CASCADE, related_name="organisations")
    name = models.CharField(max_length=200)
    sector = models.CharField(max_length=30, choices=Sector.choices)
    identifier_scheme = models.CharField(max_length=10, choices=IdentifierScheme.choices, blank=True)
    identifier = models.CharField(max_length=50, blank=True)
    places = models.ManyToManyField(Place, blank=True, related_name="organisations")
    active_from = models.DateField(null=True, blank=True)
    active_to = models.DateField(null=True, blank=True)
    #: For a community group (sector "community group"): the community of the system it speaks for. It answers the
    #: relationship survey through its own link, is a node of the system map and has a "my part" page, like any
    #: organisation; the community's page shows it.
    community = models.ForeignKey(
        Community, null=True, blank=True, on_delete=models.SET_NULL, related_name="groups"
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["system", "name"], name="organisation_unique_name"),
            models.CheckConstraint(
                condition=models.Q(community__isnull=True) | models.Q(sector="community_group"),
                name="organisation_community_only_for_groups",
            ),
            models.UniqueConstraint(
                fields=["system", "identifier_scheme", "identifier"],
                condition=~models.Q(identifier=""),
                name="organisation_unique_identifier",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def org_id(self) -> str:
        return f"{self.identifier_scheme}-{self.identifier}" if self.identifier else ""

    def clean(self) -> None:
        if bool(self.identifier_scheme) != bool(self.identifier):
            raise ValidationError("Give both the identifier scheme and the identifier, or neither.")
        if self.active_from and self.active_to and self.active_to < self.active_from:
            raise ValidationError({"active_to": "The end date must be on or after the start date."})


class SystemRole(models.Model):
    """A person's role in one system. Administrators are Django superusers and need no row here."""

    class Role(models.TextChoices):
        FACILITATOR = "facilitator", "Facilitator"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="system_roles")
    system = models.ForeignKey(System, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.FACILITATOR)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "system", "role"], name="system_role_unique")]
