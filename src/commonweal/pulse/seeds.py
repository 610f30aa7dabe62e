"""The pulse's part of the demo: two rounds of the Riverside pulse, a year apart, with a visible rise in
direction (the partnership agreed its aims in between) while alignment and commitment barely move.

Respondents come from the demo's organisations (their sector and, mostly, one of the places they serve) and a
few residents; some used their organisation's link, most the public one. Everything is drawn from a seeded
random generator, so the same seed gives the same answers.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from commonweal.core import audit
from commonweal.pulse import actions
from commonweal.pulse.models import ITEM_KEYS, PulseLink, PulseResponse, PulseRound
from commonweal.systems.models import Organisation, Place, Sector, System

#: (name, days before now it opened, days it stayed open (None: still open), respondents, centre of each dimension)
ROUNDS = (
    ("Autumn 2025", 400, 42, 140, {"direction": 2.9, "alignment": 3.0, "commitment": 3.2}),
    ("Autumn 2026", 35, None, 165, {"direction": 3.5, "alignment": 3.05, "commitment": 3.25}),
)

#: What would help, as people wrote it (some accepted, one rejected, the rest waiting for a facilitator).
TEXTS = (
    ("One shared plan for winter, written with the care homes, not sent to them.", "accepted"),
    ("Fewer meetings about the strategy and more time doing the work together.", "accepted"),
    ("Tell us what happened to what we said last year.", "accepted"),
    ("Joint training days between the hospital discharge team and home care.", "pending"),
    ("A single contact at the council for voluntary groups.", "pending"),
    ("Our manager never listens and everyone knows who I mean.", "rejected"),
)


@dataclass
class PulseDemoResult:
    rounds: list[PulseRound]
    responses: int


def _answers(rng: random.Random, centres: dict[str, float], lean: float) -> dict[str, int]:
    out = {}
    for key in ITEM_KEYS:
        centre = centres[key.split("_")[0]] + lean
        out[key] = max(1, min(5, round(centre + rng.gauss(0, 0.75))))
    return out


def _respondent(
    rng: random.Random,
    organisations: Sequence[Organisation],
    places_of: dict[int, list[Place]],
    links: dict[int, PulseLink],
) -> tuple[str, Organisation | None, Place | None, PulseLink | None]:
    if rng.random() < 0.08:  # a resident or community member
        return Sector.COMMUNITY_RESIDENT, None, None, None
    organisation = rng.choice(organisations)
    served = places_of.get(organisation.pk) or []
    place = rng.choice(served) if served and rng.random() < 0.8 else None
    link = links.get(organisation.pk) if rng.random() < 0.3 else None
    said = organisation if link is not None or rng.random() < 0.6 else None
    return organisation.sector, said, place, link


def _round(
    rng: random.Random,
    system: System,
    organisations: Sequence[Organisation],
    places_of: dict[int, list[Place]],
    spec: tuple[Any, ...],
    *,
    facilitator: Any,
    now: datetime,
) -> tuple[PulseRound, int]:
    name, days_ago, days_open, n, centres = spec
    opened = now - timedelta(days=days_ago)
    pulse_round = actions.do_create_round(facilitator, system, name=name)
    actions.do_change_status(facilitator, pulse_round, PulseRound.Status.OPEN)
    links = {link.organisation_id: link for link in pulse_round.links.all()}
    rows = []
    for i in range(n):
        sector, organisation, place, link = _respondent(rng, organisations, places_of, links)
        lean = (
            0.25
            if sector in (Sector.ICB, Sector.LOCAL_AUTHORITY)
            else -0.2
            if sector == Sector.COMMUNITY_RESIDENT
            else 0.0
        )
        rows.append(
            PulseResponse(
                link=link,
                sector=sector,
                organisation=organisation or (link.organisation if link else None),
                place=place,
                answers=_answers(rng, centres, lean),
                submitted_at=opened + timedelta(hours=3 + i * 24 * (days_open or days_ago) / (n + 1)),
            )
        )
    for row, (text, status) in zip(rows[5::23], TEXTS, strict=False):
        row.what_would_help, row.moderation = text, status
        if status != PulseResponse.Moderation.PENDING:
            row.moderated_at, row.moderated_by = row.submitted_at + timedelta(days=2), facilitator
    actions.do_load_responses(pulse_round, rows)
    closed = opened + timedelta(days=days_open) if days_open else None
    if closed:
        actions.do_change_status(facilitator, pulse_round, PulseRound.Status.CLOSED)
    PulseRound.objects.filter(pk=pulse_round.pk).update(created_at=opened, opened_at=opened, closed_at=closed)
    pulse_round.refresh_from_db()
    return pulse_round, n


def load_pulse_demo(
    system: System,
    organisations: Sequence[Organisation],
    *,
    facilitator: Any,
    seed: int,
    now: datetime | None = None,
) -> PulseDemoResult:
    """Write the demo's two pulse rounds (inside the caller's transaction): "Autumn 2025", closed, and "Autumn
    2026", open for five weeks so far, with direction risen from about 2.9 to about 3.5."""
    now = now or timezone.now()
    rng = random.Random(f"pulse-{seed}")
    places_of: dict[int, list[Place]] = {}
    for organisation in organisations:
        places_of[organisation.pk] = list(organisation.places.all())
    made, total = [], 0
    for spec in ROUNDS:
        pulse_round, n = _round(rng, system, organisations, places_of, spec, facilitator=facilitator, now=now)
        made.append(pulse_round)
        total += n
    audit.record(facilitator, "pulse.demo_load", system, after={"rounds": len(made), "responses": total})
    return PulseDemoResult(made, total)
