"""The pulse: short rounds of questions on direction, alignment and commitment (Drath et al. 2008) across a
system, answered on a 1 to 5 scale by anyone with the round's link (docs/pulse.md).

A round's wording is kept on the round (``items``), so that editing the defaults later never changes what an
earlier round asked; it may be edited while the round is a draft and never after it opens. Each response keeps
its answers (item key -> 1..5) and, for speed, its score on each dimension (the mean of its items).
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from commonweal.systems.models import Organisation, Place, Sector, System

#: The three dimensions, in the order the form asks them.
DIMENSIONS = ("direction", "alignment", "commitment")
DIMENSION_LABELS = {
    "direction": _("Direction"),
    "alignment": _("Alignment"),
    "commitment": _("Commitment"),
}
#: What each dimension means (PRODUCT.md, after Drath et al. 2008), shown above its questions.
DIMENSION_MEANINGS = {
    "direction": _("Do we agree on what we are trying to achieve together?"),
    "alignment": _("Is our work coordinated, so that it fits together?"),
    "commitment": _("Do we put the shared interest before our own?"),
}
#: The answer scale.
SCALE = {
    1: _("Strongly disagree"),
    2: _("Disagree"),
    3: _("Neither agree nor disagree"),
    4: _("Agree"),
    5: _("Strongly agree"),
}
#: The default wording of the items: three statements per dimension (docs/pulse.md explains each).
DEFAULT_ITEMS: list[dict[str, str]] = [
    {"key": "direction_1", "dimension": "direction",
     "text": "I know what our system is trying to achieve over the next few years."},
    {"key": "direction_2", "dimension": "direction",
     "text": "The partners I work with agree on the few things that matter most."},
    {"key": "direction_3", "dimension": "direction",
     "text": "I could explain our shared aims to a colleague or a resident in a sentence or two."},
    {"key": "alignment_1", "dimension": "alignment",
     "text": "My work and the work of partner organisations fit together rather than pull apart."},
    {"key": "alignment_2", "dimension": "alignment",
     "text": "When plans change in one organisation, the others hear about it in time to adjust."},
    {"key": "alignment_3", "dimension": "alignment",
     "text": "We avoid doing the same work twice, or leaving gaps between us."},
    {"key": "commitment_1", "dimension": "commitment",
     "text": "Partners give time and resources to shared work, not only to their own priorities."},
    {"key": "commitment_2", "dimension": "commitment",
     "text": "My organisation would accept a cost to itself if it helped the system as a whole."},
    {"key": "commitment_3", "dimension": "commitment",
     "text": "People keep going with shared work when it gets difficult."},
]  # fmt: skip
ITEM_KEYS = tuple(item["key"] for item in DEFAULT_ITEMS)


def default_items() -> list[dict[str, str]]:
    return [dict(item) for item in DEFAULT_ITEMS]


def new_token() -> str:
    """A secret for a link: 22 URL-safe characters (128 bits)."""
    return secrets.token_urlsafe(16)


class PulseRound(models.Model):
    """One round of the pulse of a system: a draft (wording editable), then open, then closed."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    system = models.ForeignKey(System, on_delete=models.CASCADE, related_name="pulse_rounds")
    name = models.CharField(max_length=100, help_text='For example "Spring 2026".')
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    #: The public link's secret: one link for everyone in the system.
    token = models.CharField(max_length=40, unique=True, default=new_token)
    #: The wording asked: a list of {"key", "dimension", "text"} (keys and dimensions as ``DEFAULT_ITEMS``).
    items = models.JSONField(default=default_items)
    created_at = models.DateTimeField(default=timezone.now)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["system", "name"], name="pulse_round_unique_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    def item_text(self) -> dict[str, str]:
        return {item["key"]: item["text"] for item in self.items}

    def items_by_dimension(self) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {d: [] for d in DIMENSIONS}
        for item in self.items:
            out[item["dimension"]].append(item)
        return out


class PulseLink(models.Model):
    """The link of one organisation in a round: its answers come in with the organisation already said."""

    round = models.ForeignKey(PulseRound, on_delete=models.CASCADE, related_name="links")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="pulse_links")
    token = models.CharField(max_length=40, unique=True, default=new_token)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation__name"]
        constraints = [
            models.UniqueConstraint(fields=["round", "organisation"], name="pulse_link_unique_org")
        ]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.round})"


class PulseResponse(models.Model):
    """One person's answers to a round. Nobody's name is asked."""

    class Moderation(models.TextChoices):
        NONE = "", "No text"
        PENDING = "pending", "Waiting for a facilitator"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"

    round = models.ForeignKey(PulseRound, on_delete=models.CASCADE, related_name="responses")
    link = models.ForeignKey(
        PulseLink, null=True, blank=True, on_delete=models.SET_NULL, related_name="responses"
    )
    sector = models.CharField(max_length=30, choices=Sector.choices)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    place = models.ForeignKey(Place, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    #: item key -> 1..5
    answers = models.JSONField(default=dict)
    direction = models.FloatField()
    alignment = models.FloatField()
    commitment = models.FloatField()
    what_would_help = models.TextField(blank=True)
    moderation = models.CharField(
        max_length=10, choices=Moderation.choices, default=Moderation.NONE, blank=True
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["submitted_at", "pk"]
        indexes = [models.Index(fields=["round", "moderation"], name="pulse_response_moderation")]
        constraints = [
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{d}__gte": 1}) & Q(**{f"{d}__lte": 5}), name=f"pulse_response_{d}_1_5"
                )
                for d in DIMENSIONS
            ),
        ]

    def __str__(self) -> str:
        return f"Pulse response {self.pk} to {self.round}"
