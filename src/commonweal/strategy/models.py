"""Strategy: the app's tables (one models module per app; each capability writes through its actions).

An :class:`Aim` is grown from a conversation's common ground; the statements it came from are kept as
:class:`Evidence`, frozen with the figures the disclosure layer published when the aim was drafted (later
analysis updates never rewrite them). Organisations and community groups make :class:`Commitment` s to an aim,
with the :class:`Resource` s they put in, and post dated :class:`ProgressUpdate` s. A facilitator may post a
:class:`LoopUpdate` ("You said ... We are doing ...") to everyone who took part in a conversation.
"""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from commonweal.communities.models import Asset
from commonweal.conversations.models import Conversation, Statement
from commonweal.network.models import Interdependency
from commonweal.systems.models import Community, Organisation, Place, System


class StrategySettings(models.Model):
    """A system's strategy settings: whether its accountability page is public (off until a facilitator opts in)."""

    system = models.OneToOneField(System, on_delete=models.CASCADE, related_name="strategy_settings")
    public_accountability = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"Strategy settings of {self.system}"


class Aim(models.Model):
    """What partners mean to achieve together, grown from common ground."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PROPOSED = "proposed", _("Proposed")
        AGREED = "agreed", _("Agreed")
        RETIRED = "retired", _("Retired")

    system = models.ForeignKey(System, on_delete=models.CASCADE, related_name="aims")
    title = models.CharField(max_length=200)
    meaning = models.TextField(help_text="What the aim means, in plain words.")
    outcome = models.TextField(blank=True, help_text="The outcome that would show it worked.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    agreed_on = models.DateField(null=True, blank=True)
    agreed_by = models.CharField(max_length=200, blank=True, help_text='For example "the ICP board".')
    retired_reason = models.TextField(blank=True)
    places = models.ManyToManyField(Place, blank=True, related_name="aims")
    communities = models.ManyToManyField(Community, blank=True, related_name="aims")
    interdependencies = models.ManyToManyField(Interdependency, blank=True, related_name="aims")
    #: The community assets the aim builds on (accepted assets of the system's register).
    assets = models.ManyToManyField(Asset, blank=True, related_name="aims")
    #: The conversation that tests the draft aims with people ("Test the draft aims with people").
    tested_in = models.ForeignKey(
        Conversation, null=True, blank=True, on_delete=models.SET_NULL, related_name="aims_tested"
    )
    tested_statement = models.ForeignKey(
        Statement, null=True, blank=True, on_delete=models.SET_NULL, related_name="aims_tested"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="agreed") | Q(agreed_on__isnull=False), name="aim_agreed_has_date"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Evidence(models.Model):
    """One statement an aim was grown from, with its figures frozen as published when the aim was drafted.

    ``figures`` holds what the disclosure layer showed then: ``overall`` (agree, disagree, voters as displayed
    and the agree share), ``groups`` and ``sectors`` (each a name, the voters' cell as displayed and the agree
    share, or None when not shown). Nothing rewrites it.
    """

    aim = models.ForeignKey(Aim, on_delete=models.CASCADE, related_name="evidence")
    statement = models.ForeignKey(
        Statement, null=True, blank=True, on_delete=models.SET_NULL, related_name="evidence"
    )
    conversation = models.ForeignKey(
        Conversation, null=True, blank=True, on_delete=models.SET_NULL, related_name="evidence"
    )
    conversation_title = models.CharField(max_length=200)
    text = models.TextField()
    common_ground = models.BooleanField(default=False)
    snapshot_tick = models.PositiveIntegerField(null=True, blank=True)
    analysed_at = models.DateTimeField(null=True, blank=True)
    figures = models.JSONField(default=dict)
    position = models.PositiveSmallIntegerField(default=0)
    frozen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["aim", "position", "pk"]

    def __str__(self) -> str:
        return self.text


class Measure(models.Model):
    """A figure that would show the aim worked: where it stands, where it should get to, and by when."""

    aim = models.ForeignKey(Aim, on_delete=models.CASCADE, related_name="measures")
    name = models.CharField(max_length=200)
    unit = models.CharField(max_length=50, blank=True)
    baseline = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    target = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    target_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["aim", "pk"]

    def __str__(self) -> str:
        return self.name


class Commitment(models.Model):
    """What an organisation or community group will do towards an aim, with whom, and what it puts in."""

    class Route(models.TextChoices):
        FACILITATOR = "facilitator", _("A facilitator")
        ORGANISATION_LINK = "organisation_link", _("The organisation's link")
        API = "api", _("The API")
        DEMO = "demo", _("The demo")

    aim = models.ForeignKey(Aim, on_delete=models.CASCADE, related_name="commitments")
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.CASCADE, related_name="commitments"
    )
    community = models.ForeignKey(
        Community, null=True, blank=True, on_delete=models.CASCADE, related_name="commitments"
    )
    partners = models.ManyToManyField(Organisation, blank=True, related_name="joint_commitments")
    what = models.TextField()
    lead_role = models.CharField(max_length=200, blank=True)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    interdependency = models.ForeignKey(
        Interdependency, null=True, blank=True, on_delete=models.SET_NULL, related_name="commitments"
    )
    #: The community assets it uses (chosen by a facilitator; an organisation's link leaves them as they are).
    assets = models.ManyToManyField(Asset, blank=True, related_name="commitments")
    #: The latest progress update's status and date, kept by the progress action (pages read them at once).
    status = models.CharField(max_length=12, default="not_started")
    last_update_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_route = models.CharField(max_length=20, choices=Route.choices, default=Route.FACILITATOR)

    class Meta:
        ordering = ["aim", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(organisation__isnull=False, community__isnull=True)
                | Q(organisation__isnull=True, community__isnull=False),
                name="commitment_one_owner",
            ),
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True)
                | Q(ends_on__isnull=True)
                | Q(ends_on__gte=F("starts_on")),
                name="commitment_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.owner_name}: {self.what[:60]}"

    @property
    def owner_name(self) -> str:
        owner = self.organisation if self.organisation_id else self.community
        return owner.name if owner is not None else ""


class Resource(models.Model):
    """One kind of resource a commitment puts in, with its amount."""

    class Kind(models.TextChoices):
        MONEY = "money", _("Money (£)")
        WTE = "wte", _("Staff time (whole-time equivalents)")
        HOURS = "hours", _("Staff time (hours)")
        SPACE = "space", _("Space")
        DATA = "data", _("Data")
        VOLUNTEERS = "volunteers", _("Volunteers")
        OTHER = "other", _("Other")

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="resources")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    amount = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(Decimal(0))]
    )
    description = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["commitment", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0), name="resource_amount_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.amount}"


class ProgressStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    ON_TRACK = "on_track", _("On track")
    AT_RISK = "at_risk", _("At risk")
    OFF_TRACK = "off_track", _("Off track")
    DONE = "done", _("Done")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ProgressUpdate(models.Model):
    """A dated update on a commitment; together they make its timeline."""

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(max_length=12, choices=ProgressStatus.choices)
    text = models.TextField()
    on = models.DateField(default=timezone.localdate)
    evidence_url = models.URLField(blank=True, max_length=500)
    #: Figures against the aim's measures: a list of {"measure": id, "value": "12.50"}.
    figures = models.JSONField(default=list, blank=True)
    route = models.CharField(
        max_length=20, choices=Commitment.Route.choices, default=Commitment.Route.FACILITATOR
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["commitment", "on", "pk"]
        indexes = [models.Index(fields=["commitment", "on"], name="progress_commitment_on")]

    def __str__(self) -> str:
        return f"{self.commitment}: {self.status} on {self.on}"


class LoopUpdate(models.Model):
    """A short update to everyone who took part in a conversation ("You said ... We are doing ..."), shown on
    their next visit to its pages."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="loop_updates")
    text = models.TextField()
    posted_at = models.DateTimeField(default=timezone.now)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-posted_at", "-pk"]

    def __str__(self) -> str:
        return self.text[:60]


def new_share_token() -> str:
    """A secret for a strategy report link: 32 URL-safe characters (192 bits)."""
    return secrets.token_urlsafe(24)


class StrategyShare(models.Model):
    """A secret link to a system's strategy report, for a board that has no accounts. A revoked link stays for
    the record but opens nothing."""

    system = models.ForeignKey(System, on_delete=models.CASCADE, related_name="strategy_shares")
    token = models.CharField(max_length=64, unique=True, default=new_share_token)
    label = models.CharField(max_length=200, help_text="Who the link is for, e.g. 'ICP board, May'.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_opened_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Strategy report link for {self.label}"
