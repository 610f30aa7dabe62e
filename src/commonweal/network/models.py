"""The system map: relationship survey rounds, ratings between organisations, interdependencies and joint work.

Ratings are directed and never averaged across the pair: how A rates B and how B rates A are kept apart
(docs/network.md, "From answers to ties"). Several people of one organisation may answer a round; their ratings are
combined by the median in :mod:`commonweal.network.graph`, with the count of respondents kept.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from commonweal.systems.models import Community, Organisation, System


def new_token() -> str:
    """A secret for a link: 22 URL-safe characters (128 bits)."""
    return secrets.token_urlsafe(16)


class Intensity(models.IntegerChoices):
    """The intensity scale of docs/network.md: each organisation rates each partner (directed)."""

    NONE = 0, "None"
    AWARENESS = 1, "Awareness"
    COOPERATION = 2, "Cooperation"
    COORDINATION = 3, "Coordination"
    INTEGRATION = 4, "Integration"


#: What each intensity means, shown on the survey form next to the choice.
INTENSITY_DEFINITIONS = {
    0: _("We have no relationship with this partner."),
    1: _("Awareness: we know what this partner does."),
    2: _("Cooperation: we exchange information, meet, or share in-kind resources."),
    3: _("Coordination: we align our activities or share data."),
    4: _("Integration: we are bound together by contracts, pooled budgets or joint delivery."),
}

#: The trust and value items (each 1 to 4; the scores are the item means, as in the PARTNER tool).
TRUST_ITEMS = {
    "trust_openness": _("Openness to discussion"),
    "trust_reliability": _("Reliability"),
    "trust_mission": _("Shared mission"),
}
VALUE_ITEMS = {
    "value_power": _("Power and influence"),
    "value_involvement": _("Level of involvement"),
    "value_resources": _("Resources contributed"),
}
ITEM_SCALE = {1: _("Not at all"), 2: _("A small amount"), 3: _("A fair amount"), 4: _("A great deal")}


class Contribution(models.TextChoices):
    """What a partner contributes to the work together."""

    FUNDING = "funding", _("Funding")
    IN_KIND = "in_kind", _("In-kind resources")
    STAFF = "staff", _("Staff")
    VOLUNTEERS = "volunteers", _("Volunteers")
    DATA = "data", _("Data")
    INFORMATION = "information", _("Information")
    EXPERTISE = "expertise", _("Expertise")
    COMMUNITY_CONNECTIONS = "community_connections", _("Community connections")
    FACILITATION = "facilitation", _("Facilitation or leadership")
    ADVOCACY = "advocacy", _("Advocacy")
    IT = "it", _("IT")


class SurveyRound(models.Model):
    """One round of the relationship survey of a system (rounds repeat, e.g. yearly, so change shows)."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    system = models.ForeignKey(System, on_delete=models.CASCADE, related_name="survey_rounds")
    name = models.CharField(max_length=100, help_text='For example "2026".')
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["opened_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["system", "name"], name="survey_round_unique_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class SurveyInvitation(models.Model):
    """The link one organisation's people use to answer a round (several people may use it)."""

    round = models.ForeignKey(SurveyRound, on_delete=models.CASCADE, related_name="invitations")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="survey_invitations"
    )
    token = models.CharField(max_length=40, unique=True, default=new_token)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation__name"]
        constraints = [
            models.UniqueConstraint(fields=["round", "organisation"], name="survey_invitation_unique_org")
        ]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.round})"


class SurveyResponse(models.Model):
    """One respondent's answers for their organisation in a round; resumable by its secret key."""

    class Source(models.TextChoices):
        SURVEY = "survey", "Survey"
        IMPORT = "import", "Imported from CSV"

    invitation = models.ForeignKey(SurveyInvitation, on_delete=models.CASCADE, related_name="responses")
    key = models.CharField(max_length=40, unique=True, default=new_token)
    respondent_role = models.CharField(
        max_length=200, blank=True, help_text="Optional: the respondent's role."
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.SURVEY)
    started_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["started_at", "pk"]

    def __str__(self) -> str:
        return f"Response {self.pk} for {self.invitation}"


def _one_to_four(name: str) -> Q:
    return Q(**{f"{name}__isnull": True}) | Q(**{f"{name}__gte": 1, f"{name}__lte": 4})


class Rating(models.Model):
    """How one respondent rates one partner of their organisation. Fields stay empty until answered."""

    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="ratings")
    partner = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="ratings_received")
    intensity = models.PositiveSmallIntegerField(
        null=True, blank=True, choices=Intensity.choices, validators=[MaxValueValidator(4)]
    )
    trust_openness = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    trust_reliability = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    trust_mission = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    value_power = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    value_involvement = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    value_resources = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    #: A list of :class:`Contribution` values.
    contributions = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["partner__name"]
        constraints = [
            models.UniqueConstraint(fields=["response", "partner"], name="rating_unique_partner"),
            models.CheckConstraint(
                condition=Q(intensity__isnull=True) | Q(intensity__lte=4), name="rating_intensity_0_4"
            ),
            *(
                models.CheckConstraint(condition=_one_to_four(name), name=f"rating_{name}_1_4")
                for name in [*TRUST_ITEMS, *VALUE_ITEMS]
            ),
        ]

    def __str__(self) -> str:
        return f"{self.response.invitation.organisation} rates {self.partner}"


class Interdependency(models.Model):
    """A directed flow between two parts of the system: from the one whose work affects, to the one that
    depends on it (e.g. care-home staff capacity -> the acute trust's discharges). Either end may be a
    community; at least one end is an organisation."""

    class Kind(models.TextChoices):
        PATIENTS = "patients", "Patients"
        STAFF = "staff", "Staff"
        MONEY = "money", "Money"
        INFORMATION = "information", "Information"
        CAPACITY = "capacity", "Capacity"
        OTHER = "other", "Other"

    class Strength(models.TextChoices):
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"

    system = models.ForeignKey(System, on_delete=models.CASCADE, related_name="interdependencies")
    from_organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.CASCADE, related_name="dependencies_out"
    )
    from_community = models.ForeignKey(
        Community, null=True, blank=True, on_delete=models.CASCADE, related_name="dependencies_out"
    )
    to_organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.CASCADE, related_name="dependencies_in"
    )
    to_community = models.ForeignKey(
        Community, null=True, blank=True, on_delete=models.CASCADE, related_name="dependencies_in"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    description = models.TextField()
    strength = models.CharField(max_length=10, choices=Strength.choices, default=Strength.MEDIUM)
    evidence = models.TextField(
        blank=True, help_text="What shows this dependency: data, a report, experience."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["pk"]
        verbose_name_plural = "interdependencies"
        constraints = [
            models.CheckConstraint(
                condition=(Q(from_organisation__isnull=False) & Q(from_community__isnull=True))
                | (Q(from_organisation__isnull=True) & Q(from_community__isnull=False)),
                name="interdependency_one_from",
            ),
            models.CheckConstraint(
                condition=(Q(to_organisation__isnull=False) & Q(to_community__isnull=True))
                | (Q(to_organisation__isnull=True) & Q(to_community__isnull=False)),
                name="interdependency_one_to",
            ),
            models.CheckConstraint(
                condition=Q(from_organisation__isnull=False) | Q(to_organisation__isnull=False),
                name="interdependency_has_organisation",
            ),
        ]

    @property
    def source(self) -> Organisation | Community:
        return self.from_organisation or self.from_community  # type: ignore[return-value]

    @property
    def target(self) -> Organisation | Community:
        return self.to_organisation or self.to_community  # type: ignore[return-value]

    def __str__(self) -> str:
        return f"{self.source} -> {self.target} ({self.get_kind_display()})"


class JointWork(models.Model):
    """Something partners do together, so the work of relationships is visible."""

    class Kind(models.TextChoices):
        MEETING = "meeting", "Meeting"
        JOINT_PROJECT = "joint_project", "Joint project"
        SHARED_POST = "shared_post", "Shared post"
        POOLED_BUDGET = "pooled_budget", "Pooled budget"
        S75_AGREEMENT = "s75_agreement", "Section 75 agreement"
        OTHER = "other", "Other"

    system = models.ForeignKey(System, on_delete=models.CASCADE, related_name="joint_work")
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    description = models.TextField(blank=True)
    organisations = models.ManyToManyField(Organisation, related_name="joint_work")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-started_on", "pk"]
        verbose_name_plural = "joint work"
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="joint_work_dates_in_order",
            )
        ]

    def __str__(self) -> str:
        return self.title


class MapLayout(models.Model):
    """Where each organisation (and each community in an interdependency) sits on the system's map, computed once
    and stored, so a page reads it instead of laying the map out again (docs/network.md, "The map's layout").

    ``signature`` says what the positions were computed from: the organisations, the interdependencies' ends
    and each survey round (whether it is open, how many organisations answered it). When it no longer matches,
    the layout is computed again and stored over this one.
    """

    system = models.OneToOneField(System, on_delete=models.CASCADE, related_name="map_layout")
    signature = models.CharField(max_length=64)
    #: "o<id>" or "c<id>" -> [x, y] in the drawing's units (network.map.layout.WIDTH by HEIGHT).
    positions = models.JSONField(default=dict)
    computed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Map layout of {self.system}"
