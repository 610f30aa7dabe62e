"""Use cases of the relationship survey: facilitators open, close and reopen rounds (one secret link per
organisation); respondents start a response, pick partners, rate each and submit.

Views parse input and check permissions, then call one of these. ``do_*`` functions change the database
atomically; ``check_*`` functions validate against the data already there and raise
:class:`~commonweal.core.errors.InvalidInput` naming the field at fault, then call the matching ``do_*``.

Facilitators' actions are written to the audit log. Respondents' own actions are not, as with participants'
votes (docs/architecture.md): every rating already keeps its response and time, and a respondent has no account.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from commonweal.core import audit
from commonweal.core.errors import Conflict, InvalidInput, NotFound, field_error
from commonweal.core.ratelimit import hit
from commonweal.network.models import (
    TRUST_ITEMS,
    VALUE_ITEMS,
    Contribution,
    Rating,
    SurveyInvitation,
    SurveyResponse,
    SurveyRound,
)
from commonweal.systems.models import Organisation, System

#: The answers of a rating, in the order the form asks them.
ITEM_FIELDS = [*TRUST_ITEMS, *VALUE_ITEMS]
RATING_FIELDS = ["intensity", *ITEM_FIELDS, "contributions"]
#: Key partners are those rated this close or closer (3: coordination, 4: integration): the survey asks trust and
#: value for them; for the others those questions are optional, so a long list of partners stays quick to answer.
KEY_INTENSITY = 3


def is_key(intensity: int | None) -> bool:
    """Whether a partner rated ``intensity`` is asked the trust and value questions (not yet rated: yes)."""
    return intensity is None or intensity >= KEY_INTENSITY


class RoundClosed(Conflict):
    code = "survey_round_closed"
    default_message = (
        "This survey round is closed, so answers can no longer be changed. Your answers so far are kept."
    )


class RoundStatusRefused(Conflict):
    code = "survey_round_status_refused"
    default_message = "The round is already in that state."


def _round_state(survey_round: SurveyRound) -> dict[str, Any]:
    return {"name": survey_round.name, "status": survey_round.status}


# --- Rounds (facilitators) ----------------------------------------------------------------------------------


def check_open_round(actor: Any, system: System, *, name: str) -> SurveyRound:
    """Open a round called ``name``, refusing an empty name or one the system's rounds already use."""
    name = " ".join(name.split())
    if not name:
        raise field_error("name", 'Enter a name for the round, such as "2026"')
    if SurveyRound.objects.filter(system=system, name__iexact=name).exists():
        raise field_error(
            "name", f"There is already a round called '{name}' in this system: choose another name"
        )
    return do_open_round(actor, system, name=name)


def do_open_round(actor: Any, system: System, *, name: str) -> SurveyRound:
    """Open a survey round and create one secret link (invitation) for every organisation of the system."""
    with transaction.atomic():
        survey_round = SurveyRound.objects.create(
            system=system,
            name=name,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        links = SurveyInvitation.objects.bulk_create(
            [
                SurveyInvitation(round=survey_round, organisation=organisation)
                for organisation in Organisation.objects.filter(system=system)
            ]
        )
        audit.record(
            actor,
            "survey_round.open",
            survey_round,
            after={**_round_state(survey_round), "links": len(links)},
            system=system,
        )
    return survey_round


def do_issue_missing_links(actor: Any, survey_round: SurveyRound) -> list[SurveyInvitation]:
    """Create a link for each organisation added to the system since the round opened (none if none are
    missing). Safe to call on every view of the round: it creates nothing the second time."""
    with transaction.atomic():
        missing = Organisation.objects.filter(system_id=survey_round.system_id).exclude(
            survey_invitations__round=survey_round
        )
        # ignore_conflicts: two facilitators viewing the round at once must not fail on the unique constraint.
        created = SurveyInvitation.objects.bulk_create(
            [SurveyInvitation(round=survey_round, organisation=o) for o in missing], ignore_conflicts=True
        )
        if created:
            audit.record(
                actor,
                "survey_round.add_links",
                survey_round,
                after={"organisations": sorted(i.organisation.name for i in created)},
                system=survey_round.system,
            )
    return created


def _locked(survey_round: SurveyRound) -> SurveyRound:
    return SurveyRound.objects.select_for_update().get(pk=survey_round.pk)


def do_close_round(actor: Any, survey_round: SurveyRound) -> SurveyRound:
    """Close an open round: respondents can read their answers but no longer change them."""
    with transaction.atomic():
        locked = _locked(survey_round)
        if not locked.is_open:
            raise RoundStatusRefused(f"The round '{locked.name}' is already closed.")
        before = _round_state(locked)
        locked.status, locked.closed_at = SurveyRound.Status.CLOSED, timezone.now()
        locked.save(update_fields=["status", "closed_at"])
        audit.record(actor, "survey_round.close", locked, before=before, after=_round_state(locked))
    survey_round.status, survey_round.closed_at = locked.status, locked.closed_at
    return survey_round


def do_reopen_round(actor: Any, survey_round: SurveyRound) -> SurveyRound:
    """Reopen a closed round: the same links work again and respondents can carry on where they were."""
    with transaction.atomic():
        locked = _locked(survey_round)
        if locked.is_open:
            raise RoundStatusRefused(f"The round '{locked.name}' is already open.")
        before = _round_state(locked)
        locked.status, locked.closed_at = SurveyRound.Status.OPEN, None
        locked.save(update_fields=["status", "closed_at"])
        audit.record(actor, "survey_round.reopen", locked, before=before, after=_round_state(locked))
    survey_round.status, survey_round.closed_at = locked.status, locked.closed_at
    return survey_round


def check_change_round_status(actor: Any, survey_round: SurveyRound, status: str) -> SurveyRound:
    """Close (``status="closed"``) or reopen (``status="open"``) a round."""
    if status == SurveyRound.Status.CLOSED:
        return do_close_round(actor, survey_round)
    if status == SurveyRound.Status.OPEN:
        return do_reopen_round(actor, survey_round)
    raise field_error("status", "Choose whether to open or close the round")


# --- Bulk loading (the demo) ----------------------------------------------------------------------------------


@dataclass
class LoadedResponse:
    """One respondent's answers for :func:`do_load_round`: their organisation, when they started and submitted
    (None: still going), and their ratings, unsaved and without a response (the loader attaches them)."""

    organisation: Organisation
    respondent_role: str
    started_at: datetime
    submitted_at: datetime | None
    ratings: list[Rating] = field(default_factory=list)


def do_load_round(
    actor: Any,
    system: System,
    organisations: Sequence[Organisation],
    responses: Sequence[LoadedResponse],
    *,
    name: str,
    opened_at: datetime,
    closed_at: datetime | None,
) -> SurveyRound:
    """Write a whole round at once, answers included: the round (closed when ``closed_at`` is given), one link
    for each of ``organisations``, the responses and their ratings, with ``bulk_create``.

    A fast path for data the caller made and vouches for (the demo's): the values are not checked, and the
    audit log records the opening, the closing and the counts, not each answer.
    """
    with transaction.atomic():
        survey_round = SurveyRound.objects.create(
            system=system,
            name=name,
            status=SurveyRound.Status.CLOSED if closed_at else SurveyRound.Status.OPEN,
            opened_at=opened_at,
            closed_at=closed_at,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        opened = {"name": name, "status": SurveyRound.Status.OPEN}
        audit.record(
            actor,
            "survey_round.open",
            survey_round,
            after={**opened, "links": len(organisations)},
            system=system,
        )
        if closed_at:
            audit.record(
                actor,
                "survey_round.close",
                survey_round,
                before=opened,
                after=_round_state(survey_round),
                system=system,
            )
        invitations = SurveyInvitation.objects.bulk_create(
            [SurveyInvitation(round=survey_round, organisation=o) for o in organisations]
        )
        link_of = {i.organisation_id: i for i in invitations}
        saved = SurveyResponse.objects.bulk_create(
            [
                SurveyResponse(
                    invitation=link_of[r.organisation.pk],
                    respondent_role=r.respondent_role,
                    started_at=r.started_at,
                    submitted_at=r.submitted_at,
                )
                for r in responses
            ]
        )
        ratings = []
        for response, loaded in zip(saved, responses, strict=True):
            for rating in loaded.ratings:
                rating.response = response
                ratings.append(rating)
        Rating.objects.bulk_create(ratings, batch_size=1000)
        audit.record(
            actor,
            "survey_round.load",
            survey_round,
            after={"responses": len(saved), "ratings": len(ratings)},
            system=system,
        )
    return survey_round


# --- Responses (respondents, no account) ---------------------------------------------------------------------


def require_open(survey_round: SurveyRound) -> None:
    """Raise :class:`RoundClosed` unless the round takes answers."""
    if not survey_round.is_open:
        raise RoundClosed()


def do_start_response(invitation: SurveyInvitation, *, respondent_role: str = "") -> SurveyResponse:
    """Start one respondent's answers for their organisation; the response's secret key lets them resume.

    Counted against the link's rate limit (``COMMONWEAL_RATE_SURVEY_RESPONSES``), so a leaked link or a script
    cannot fill the round with empty responses."""
    require_open(invitation.round)
    hit(f"survey-responses:{invitation.pk}", settings.RATE_SURVEY_RESPONSES, what="new answers on this link")
    return SurveyResponse.objects.create(
        invitation=invitation, respondent_role=" ".join(respondent_role.split())[:200]
    )


def partner_for(response: SurveyResponse, partner_id: int) -> Organisation:
    """The organisation ``partner_id`` if this respondent may rate it: 404 when it is not an organisation of
    the respondent's system, 400 when it is the respondent's own organisation."""
    invitation = response.invitation
    partner = Organisation.objects.filter(pk=partner_id).first()
    if partner is None or partner.system_id != invitation.round.system_id:
        raise NotFound(
            "That organisation is not one of this system's organisations, so it cannot be rated here. "
            "Go back to your list of partners."
        )
    if partner.pk == invitation.organisation_id:
        raise InvalidInput(
            f"You are answering for {invitation.organisation.name}, so you cannot rate it as a partner. "
            "Choose one of the other organisations.",
            code="own_organisation",
        )
    return partner


def check_pick_partners(
    response: SurveyResponse, *, picked: Iterable[int], shown: Iterable[int]
) -> list[Organisation]:
    """Validate the partner ids (each must be another organisation of the system), then pick them."""
    picked, shown = set(picked), set(shown)
    invitation = response.invitation
    allowed = set(
        Organisation.objects.filter(system_id=invitation.round.system_id)
        .exclude(pk=invitation.organisation_id)
        .values_list("pk", flat=True)
    )
    if invitation.organisation_id in picked:
        raise field_error(
            "partners", f"You cannot pick {invitation.organisation.name}: it is your own organisation"
        )
    if picked - allowed:
        raise field_error(
            "partners", "Some of the organisations you picked are not in this system: pick from the list"
        )
    return do_pick_partners(response, picked=picked, shown=shown & allowed)


def do_pick_partners(response: SurveyResponse, *, picked: set[int], shown: set[int]) -> list[Organisation]:
    """Set the respondent's partners among those ``shown`` on the page (the filter may hide some): the
    ``picked`` ones are added, the shown ones not picked are removed (with their answers), and the hidden
    ones stay as they were, so picks survive filtering. Returns every partner picked, by name."""
    require_open(response.invitation.round)
    with transaction.atomic():
        existing = set(response.ratings.values_list("partner_id", flat=True))
        Rating.objects.filter(response=response, partner_id__in=(shown - picked)).delete()
        Rating.objects.bulk_create(
            [Rating(response=response, partner_id=pk) for pk in sorted(picked - existing)],
            ignore_conflicts=True,
        )
        SurveyResponse.objects.filter(pk=response.pk).update(updated_at=timezone.now())
    return picked_partners(response)


def picked_partners(response: SurveyResponse) -> list[Organisation]:
    return list(Organisation.objects.filter(ratings_received__response=response).order_by("name", "pk"))


def do_save_rating(response: SurveyResponse, partner: Organisation, answers: dict[str, Any]) -> Rating:
    """Store the respondent's answers about ``partner`` (picking it if it was not picked yet).

    Only the fields present in ``answers`` change, so a page that had one invalid answer still stores all the
    valid ones; ``contributions``, when present, replaces the list. Values must already be valid (the view's
    form parses them); the database's constraints refuse any that are not.
    """
    require_open(response.invitation.round)
    unknown = set(answers) - set(RATING_FIELDS)
    if unknown:
        raise ValueError(f"Not fields of a rating: {sorted(unknown)}")
    if "contributions" in answers:
        answers = {
            **answers,
            "contributions": [c for c in Contribution.values if c in answers["contributions"]],
        }
    with transaction.atomic():
        rating, _created = Rating.objects.get_or_create(response=response, partner=partner)
        for name, value in answers.items():
            setattr(rating, name, value)
        rating.save()
        SurveyResponse.objects.filter(pk=response.pk).update(updated_at=timezone.now())
    return rating


def do_save_intensities(response: SurveyResponse, intensities: dict[int, int]) -> None:
    """Store how closely the respondent works with each of its picked partners (``partner id: 0 to 4``), in one
    transaction. Partners not picked are refused: the page shows only the picked ones."""
    require_open(response.invitation.round)
    ratings = {r.partner_id: r for r in response.ratings.filter(partner_id__in=intensities)}
    if set(intensities) - set(ratings):
        raise InvalidInput(
            "Some of these partners are no longer on your list: go back to your partners and try again.",
            code="not_picked",
        )
    now = timezone.now()
    with transaction.atomic():
        for partner_id, intensity in intensities.items():
            ratings[partner_id].intensity = intensity
            ratings[partner_id].updated_at = now  # bulk_update does not apply auto_now
        Rating.objects.bulk_update(list(ratings.values()), ["intensity", "updated_at"])
        SurveyResponse.objects.filter(pk=response.pk).update(updated_at=now)


def next_key_partner(response: SurveyResponse, after: Organisation | None = None) -> Organisation | None:
    """The next picked partner (by name, after ``after``) whose trust and value questions are asked and not all
    answered: a key partner, or one not rated yet."""
    started = after is None
    for rating in response.ratings.select_related("partner").order_by("partner__name", "partner_id"):
        if not started:
            started = rating.partner_id == after.pk  # type: ignore[union-attr]
            continue
        if is_key(rating.intensity) and any(getattr(rating, name) is None for name in ITEM_FIELDS):
            return rating.partner
        if rating.intensity is None:
            return rating.partner
    return None


def do_submit_response(response: SurveyResponse) -> SurveyResponse:
    """Mark the respondent's answers as submitted. They stay editable while the round is open; submitting
    again keeps the first time."""
    require_open(response.invitation.round)
    if response.submitted_at is None:
        response.submitted_at = timezone.now()
        response.save(update_fields=["submitted_at", "updated_at"])
    return response


# --- Reading a response ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RatingProgress:
    """What a respondent has answered about one partner, for the "check your answers" page."""

    rating: Rating
    missing: tuple[str, ...]

    @property
    def complete(self) -> bool:
        return not self.missing


def progress(response: SurveyResponse) -> list[RatingProgress]:
    """Each picked partner with the questions still unanswered (contributions are optional; so are trust and
    value for a partner that is not a key partner, see :data:`KEY_INTENSITY`)."""
    labels = {"intensity": _("how closely you work together"), **TRUST_ITEMS, **VALUE_ITEMS}
    out = []
    for rating in response.ratings.select_related("partner").order_by("partner__name", "partner_id"):
        asked = ["intensity", *ITEM_FIELDS] if is_key(rating.intensity) else ["intensity"]
        missing = tuple(
            str(labels[name]) if name == "intensity" else str(labels[name]).lower()
            for name in asked
            if getattr(rating, name) is None
        )
        out.append(RatingProgress(rating=rating, missing=missing))
    return out
