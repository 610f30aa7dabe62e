"""Read-only lookups of the relationship survey: a system's rounds and a round's links, each with how many
people answered, counted and never named.

Counts of people go through the disclosure layer (:mod:`commonweal.core.small_numbers`): under 5 they read
"fewer than 5", so that a small organisation's count on the round's page cannot be set against the respondents
behind its ratings, which the map and the exports suppress. Counts of organisations are shown as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext

from commonweal.core.errors import NotFound
from commonweal.core.small_numbers import Cell, suppress_breakdown, suppress_count, suppress_partition
from commonweal.network.models import Rating, SurveyInvitation, SurveyRound
from commonweal.systems.models import System


def get_round(system: System, round_id: int) -> SurveyRound:
    """The round ``round_id`` of ``system``; :class:`NotFound` when it is another system's or none."""
    survey_round = SurveyRound.objects.filter(system=system, pk=round_id).first()
    if survey_round is None:
        raise NotFound("That survey round is not in this system. Go back to the list of rounds.")
    return survey_round


def people_text(cell: Cell) -> str:
    """A count of people in words: "1 person", "12 people", "fewer than 5 people"."""
    return f"{cell.display} {'person' if cell.count == 1 else 'people'}"


@dataclass(frozen=True)
class RoundRow:
    """One round of the system's list: how many organisations and people answered it."""

    round: SurveyRound
    n_organisations: int
    n_links: int
    people: Cell


def round_rows(system: System) -> list[RoundRow]:
    """The system's rounds, newest first."""
    rated = Q(invitations__responses__ratings__intensity__isnull=False)
    rounds = system.survey_rounds.annotate(
        n_organisations=Count("invitations", filter=rated, distinct=True),
        n_links=Count("invitations", distinct=True),
        n_people=Count("invitations__responses", filter=rated, distinct=True),
    ).order_by("-opened_at", "-pk")
    return [
        RoundRow(r, r.n_organisations, r.n_links, Cell(r.name, suppress_count(r.n_people))) for r in rounds
    ]


def _with_counts(invitations: Any) -> Any:
    """Each invitation with how many people answered (rated at least one partner), how many submitted, and how
    many partners they rated between them."""
    rated = Q(responses__ratings__intensity__isnull=False)
    return invitations.annotate(
        n_answered=Count("responses", filter=rated, distinct=True),
        n_submitted=Count("responses", filter=Q(responses__submitted_at__isnull=False), distinct=True),
        n_partners=Count("responses__ratings__partner", filter=rated, distinct=True),
    )


@dataclass(frozen=True)
class LinkRow:
    """One organisation's link in a round: the people who answered and submitted on it (cells of the disclosure
    layer) and the partners they rated between them (organisations, not people: shown as they are)."""

    invitation: SurveyInvitation
    answered: Cell
    submitted: Cell
    partners: int


@dataclass(frozen=True)
class RoundLinks:
    """A round's links, one per organisation by name, with the organisations and people that answered."""

    rows: list[LinkRow]
    n_answered: int
    people: str


def round_links(survey_round: SurveyRound) -> RoundLinks:
    """The round's links with their counts.

    The people who answered on each link add up to the round's total: when the total is 5 or more it is shown,
    and the links' counts are suppressed as parts of it (a lone small count is not left to be worked out by
    subtraction); under 5 the total itself says "fewer than 5".
    """
    invitations = list(
        _with_counts(survey_round.invitations.select_related("organisation")).order_by(
            "organisation__name", "pk"
        )
    )
    answered = {str(i.pk): i.n_answered for i in invitations}
    total = sum(answered.values())
    shown_total = suppress_count(total)
    if not shown_total:  # under 5 (or nobody): the total says "fewer than 5" and each link's count is small
        cells, people = suppress_breakdown(answered), people_text(Cell("people", shown_total))
    else:
        cells, shown = suppress_partition(answered, total)
        people = f"{shown} people"
    by_link = {c.label: c for c in cells}
    rows = [
        LinkRow(i, by_link[str(i.pk)], Cell(str(i.pk), suppress_count(i.n_submitted)), i.n_partners)
        for i in invitations
    ]
    return RoundLinks(rows, sum(1 for i in invitations if i.n_answered), people)


def suggested_partners(invitation: SurveyInvitation) -> dict[int, list[str]]:
    """The partners to show first on the "pick partners" page, each with why: the organisation's partners in the
    round before this one (rated 1 or more), and the organisations that named it (rated it 1 or more) in that
    round or in this one. Suggestions are not ticked: the respondent confirms each, so a tie that ended can be
    rated 0 rather than silently left off the list (docs/network.md, "Change between rounds")."""
    this = invitation.round
    earlier = (
        SurveyRound.objects.filter(system_id=this.system_id, opened_at__lt=this.opened_at)
        .filter(invitations__responses__ratings__intensity__isnull=False)
        .order_by("-opened_at", "-pk")
        .first()
    )
    reasons: dict[int, list[str]] = {}
    org = invitation.organisation_id
    ties = Rating.objects.filter(intensity__gte=1)
    if earlier is not None:
        for partner in (
            ties.filter(response__invitation__round=earlier, response__invitation__organisation_id=org)
            .values_list("partner_id", flat=True)
            .distinct()
        ):
            reasons.setdefault(partner, []).append(
                gettext("Your partner in %(round)s") % {"round": earlier.name}
            )
    named: dict[int, list[str]] = {}
    for survey_round in (r for r in (earlier, this) if r is not None):
        for rater in (
            ties.filter(response__invitation__round=survey_round, partner_id=org)
            .values_list("response__invitation__organisation_id", flat=True)
            .distinct()
        ):
            if rater != org:
                named.setdefault(rater, []).append(survey_round.name)
    for rater, rounds in named.items():
        reasons.setdefault(rater, []).append(gettext("Named you in %(round)s") % {"round": ", ".join(rounds)})
    return reasons
