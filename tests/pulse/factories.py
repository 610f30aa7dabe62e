"""Test data of the pulse: rounds and responses written straight to the database."""

from __future__ import annotations

from typing import Any

from commonweal.pulse import actions
from commonweal.pulse.models import ITEM_KEYS, PulseResponse, PulseRound
from commonweal.systems.models import System


def make_pulse_round(system: System, *, status: str = PulseRound.Status.OPEN, **kw: Any) -> PulseRound:
    kw.setdefault("name", f"Round {PulseRound.objects.count() + 1}")
    pulse_round = PulseRound.objects.create(system=system, **kw)
    if status != PulseRound.Status.DRAFT:
        actions.do_change_status(None, pulse_round, PulseRound.Status.OPEN)
    if status == PulseRound.Status.CLOSED:
        actions.do_change_status(None, pulse_round, PulseRound.Status.CLOSED)
    return pulse_round


def answers(direction: int = 3, alignment: int = 3, commitment: int = 3) -> dict[str, int]:
    """The same answer to every item of a dimension."""
    by = {"direction": direction, "alignment": alignment, "commitment": commitment}
    return {key: by[key.split("_")[0]] for key in ITEM_KEYS}


def respond(
    pulse_round: PulseRound, *, sector: str = "acute", place: Any = None, text: str = "", **dims: int
) -> PulseResponse:
    return actions.do_respond(
        pulse_round,
        None,
        actions.Answer(
            sector=sector, organisation=None, place=place, answers=answers(**dims), what_would_help=text
        ),
    )
