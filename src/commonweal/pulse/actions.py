"""Use cases of the pulse: facilitators create a round (a draft), edit its wording, open it (one public link and
one link per organisation), close and reopen it, and moderate the "what would help" answers; respondents answer.

``check_*`` validates against the database and raises :class:`~commonweal.core.errors.InvalidInput` naming the
field at fault, then calls the matching ``do_*``, which writes in one transaction. Facilitators' actions are in
the audit log; respondents' answers are not (they have no account, as with survey answers and votes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from commonweal.core import audit
from commonweal.core.errors import Conflict, field_error
from commonweal.core.ratelimit import hit
from commonweal.pulse.models import ITEM_KEYS, PulseLink, PulseResponse, PulseRound
from commonweal.systems.models import Organisation, Place, Sector, System

#: Responses one address may send in a window (a shared office connection sends many): 120 an hour.
RATE_RESPONSES = getattr(settings, "RATE_PULSE_RESPONSES", "120/3600")
MAX_ITEM_LENGTH = 300
MAX_TEXT_LENGTH = 2000


class WordingLocked(Conflict):
    code = "pulse_wording_locked"
    default_message = (
        "The questions of a round cannot be changed once it has opened: people have answered the wording they "
        "saw. Create a new round to ask different questions."
    )


class RoundNotOpen(Conflict):
    code = "pulse_round_not_open"
    default_message = "This pulse round is not open, so it does not take answers."


class StatusRefused(Conflict):
    code = "pulse_round_status_refused"
    default_message = "The round cannot go to that state from the one it is in."


def _state(pulse_round: PulseRound) -> dict[str, Any]:
    return {"name": pulse_round.name, "status": pulse_round.status}


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


# --- Rounds (facilitators) ------------------------------------------------------------------------------------


def check_create_round(actor: Any, system: System, *, name: str) -> PulseRound:
    """Create a draft round called ``name`` with the default wording."""
    name = " ".join(name.split())
    if not name:
        raise field_error("name", 'Enter a name for the round, such as "Spring 2026"')
    if PulseRound.objects.filter(system=system, name__iexact=name).exists():
        raise field_error(
            "name", f"There is already a pulse round called '{name}' in this system: choose another name"
        )
    return do_create_round(actor, system, name=name)


def do_create_round(actor: Any, system: System, *, name: str) -> PulseRound:
    with transaction.atomic():
        pulse_round = PulseRound.objects.create(system=system, name=name, created_by=_user(actor))
        audit.record(actor, "pulse_round.create", pulse_round, after=_state(pulse_round), system=system)
    return pulse_round


def check_edit_items(actor: Any, pulse_round: PulseRound, texts: dict[str, str]) -> PulseRound:
    """Change the wording of a draft round's items (``texts``: item key -> statement). Refused once it opened."""
    if not pulse_round.is_draft:
        raise WordingLocked()
    for key in ITEM_KEYS:
        text = " ".join(str(texts.get(key, "")).split())
        if not text:
            raise field_error(key, "Enter the statement people will rate, or keep the default wording")
        if len(text) > MAX_ITEM_LENGTH:
            raise field_error(key, f"Keep each statement to {MAX_ITEM_LENGTH} characters")
    return do_edit_items(actor, pulse_round, texts)


def do_edit_items(actor: Any, pulse_round: PulseRound, texts: dict[str, str]) -> PulseRound:
    with transaction.atomic():
        locked = PulseRound.objects.select_for_update().get(pk=pulse_round.pk)
        if not locked.is_draft:
            raise WordingLocked()
        before = {item["key"]: item["text"] for item in locked.items}
        locked.items = [{**item, "text": " ".join(texts[item["key"]].split())} for item in locked.items]
        locked.save(update_fields=["items"])
        after = {item["key"]: item["text"] for item in locked.items}
        audit.record(actor, "pulse_round.edit_items", locked, before=before, after=after)
    pulse_round.items = locked.items
    return pulse_round


def do_issue_missing_links(actor: Any, pulse_round: PulseRound) -> list[PulseLink]:
    """A link for each organisation of the system that has none in this round (none the second time)."""
    with transaction.atomic():
        missing = Organisation.objects.filter(system_id=pulse_round.system_id).exclude(
            pulse_links__round=pulse_round
        )
        created = PulseLink.objects.bulk_create(
            [PulseLink(round=pulse_round, organisation=o) for o in missing], ignore_conflicts=True
        )
        if created:
            audit.record(
                actor,
                "pulse_round.add_links",
                pulse_round,
                after={"organisations": len(created)},
                system=pulse_round.system,
            )
    return created


_MOVES = {
    PulseRound.Status.OPEN: (PulseRound.Status.DRAFT, PulseRound.Status.CLOSED),
    PulseRound.Status.CLOSED: (PulseRound.Status.OPEN,),
}


def check_change_status(actor: Any, pulse_round: PulseRound, status: str) -> PulseRound:
    """Open a draft, close an open round, or reopen a closed one."""
    if status not in _MOVES:
        raise field_error("status", "Choose whether to open or close the round")
    return do_change_status(actor, pulse_round, PulseRound.Status(status))


def do_change_status(actor: Any, pulse_round: PulseRound, status: PulseRound.Status) -> PulseRound:
    with transaction.atomic():
        locked = PulseRound.objects.select_for_update().get(pk=pulse_round.pk)
        if locked.status not in _MOVES[status]:
            raise StatusRefused(f"The round '{locked.name}' is {locked.get_status_display().lower()}.")
        before = _state(locked)
        now = timezone.now()
        if status == PulseRound.Status.OPEN:
            locked.opened_at = locked.opened_at or now
            locked.closed_at = None
        else:
            locked.closed_at = now
        locked.status = status
        locked.save(update_fields=["status", "opened_at", "closed_at"])
        action = {"open": "open", "closed": "close"}[status] if before["status"] != "closed" else "reopen"
        audit.record(actor, f"pulse_round.{action}", locked, before=before, after=_state(locked))
    if status == PulseRound.Status.OPEN:
        do_issue_missing_links(actor, locked)
    pulse_round.status, pulse_round.opened_at, pulse_round.closed_at = (
        locked.status,
        locked.opened_at,
        locked.closed_at,
    )
    return pulse_round


# --- Moderation of "what would help" (facilitators) --------------------------------------------------------------


def check_moderate(actor: Any, pulse_round: PulseRound, response_id: int, decision: str) -> PulseResponse:
    if decision not in (PulseResponse.Moderation.ACCEPTED, PulseResponse.Moderation.REJECTED):
        raise field_error("decision", "Choose to accept or reject the answer")
    response = (
        pulse_round.responses.exclude(moderation=PulseResponse.Moderation.NONE).filter(pk=response_id).first()
    )
    if response is None:
        raise field_error("response", "That answer is not in this round's queue: it may have been deleted")
    return do_moderate(actor, response, PulseResponse.Moderation(decision))


def do_moderate(actor: Any, response: PulseResponse, decision: PulseResponse.Moderation) -> PulseResponse:
    with transaction.atomic():
        before = {"moderation": response.moderation}
        response.moderation, response.moderated_at, response.moderated_by = (
            decision,
            timezone.now(),
            _user(actor),
        )
        response.save(update_fields=["moderation", "moderated_at", "moderated_by"])
        audit.record(
            actor, "pulse_response.moderate", response, before=before, after={"moderation": decision},
            system=response.round.system,
        )  # fmt: skip
    return response


# --- Answers (respondents) -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """What one respondent sent, already parsed by the form."""

    sector: str
    organisation: Organisation | None
    place: Place | None
    answers: dict[str, int]
    what_would_help: str = ""


def scores(answers: dict[str, int], pulse_round: PulseRound) -> dict[str, float]:
    """Each dimension's score: the mean of the answers to its items."""
    out = {}
    for dim, items in pulse_round.items_by_dimension().items():
        values = [answers[item["key"]] for item in items]
        out[dim] = sum(values) / len(values)
    return out


def _validate(pulse_round: PulseRound, link: PulseLink | None, answer: Answer) -> None:
    system_id = pulse_round.system_id
    if answer.sector not in Sector.values:
        raise field_error("sector", _("Choose the sector you work in, or 'Other'"))
    if answer.organisation is not None and answer.organisation.system_id != system_id:
        raise field_error("organisation", _("Choose an organisation from the list, or leave it empty"))
    if (
        link is not None
        and answer.organisation is not None
        and answer.organisation.pk != link.organisation_id
    ):
        raise field_error("organisation", _("This link is for %(name)s") % {"name": link.organisation.name})
    if answer.place is not None and answer.place.system_id != system_id:
        raise field_error("place", _("Choose a place from the list, or leave it empty"))
    for key in ITEM_KEYS:
        value = answer.answers.get(key)
        if not isinstance(value, int) or not 1 <= value <= 5:
            raise field_error(key, _("Choose an answer from 1 to 5"))
    if len(answer.what_would_help) > MAX_TEXT_LENGTH:
        raise field_error(
            "what_would_help", _("Keep your answer to %(n)s characters") % {"n": MAX_TEXT_LENGTH}
        )


def check_respond(
    pulse_round: PulseRound, link: PulseLink | None, answer: Answer, *, client: str
) -> PulseResponse:
    """Take one respondent's answers: refused when the round is not open, a choice is not of this system, or
    the address has sent too many answers lately (``RATE_RESPONSES``)."""
    if not pulse_round.is_open:
        raise RoundNotOpen()
    _validate(pulse_round, link, answer)
    hit(f"pulse:{client}", RATE_RESPONSES, what=_("answers"))
    return do_respond(pulse_round, link, answer)


def do_respond(
    pulse_round: PulseRound, link: PulseLink | None, answer: Answer, *, at: datetime | None = None
) -> PulseResponse:
    text = answer.what_would_help.strip()
    organisation = answer.organisation or (link.organisation if link is not None else None)
    return PulseResponse.objects.create(
        round=pulse_round,
        link=link,
        sector=answer.sector,
        organisation=organisation,
        place=answer.place,
        answers=dict(answer.answers),
        what_would_help=text,
        moderation=PulseResponse.Moderation.PENDING if text else PulseResponse.Moderation.NONE,
        submitted_at=at or timezone.now(),
        **scores(answer.answers, pulse_round),
    )


def do_load_responses(pulse_round: PulseRound, rows: Sequence[PulseResponse]) -> int:
    """Write many responses at once (the demo and the benchmark): the caller vouches for the values."""
    for row in rows:
        row.round = pulse_round
        for dim, value in scores(row.answers, pulse_round).items():
            setattr(row, dim, value)
    PulseResponse.objects.bulk_create(rows, batch_size=2000)
    audit.record(None, "pulse_round.load", pulse_round, after={"responses": len(rows)})
    return len(rows)
