"""The pulse in the JSON API, under /api/manage/systems/{slug}/pulse (signed with an API token): the rounds, and a
round's results with every count as published by the disclosure layer (``count`` is null unless the exact
number is shown; ``display`` and ``status`` say why not) and the change since the round before."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from commonweal.accounts.api import api_token
from commonweal.core.schemas import PathId
from commonweal.pulse import queries
from commonweal.pulse.models import PulseRound
from commonweal.pulse.permissions import require
from commonweal.systems.queries import get_system

router = Router(tags=["facilitators: pulse"])


class PulseItemOut(Schema):
    key: str
    dimension: str = Field(description="direction, alignment or commitment")
    text: str


class PulseRoundOut(Schema):
    id: int
    name: str
    status: str = Field(description="draft, open or closed")
    opened_at: datetime | None
    closed_at: datetime | None
    respondents: int = Field(description="Everyone who answered (a headline count, shown exactly).")
    items: list[PulseItemOut]


class PulseGroupOut(Schema):
    key: str
    label: str
    people: dict[str, Any] = Field(
        description="A published cell: count (null unless shown), display, status."
    )
    median: float | None = Field(description="Null unless the group's count is shown exactly.")
    distribution: list[dict[str, Any]] = Field(description="People scoring 1 to 5, as published cells.")


class PulseDimensionOut(Schema):
    dimension: str
    label: str
    mean: float | None
    median: float | None
    distribution: list[dict[str, Any]]
    by_sector: list[PulseGroupOut]
    by_place: list[PulseGroupOut]
    notes: list[str]


class PulseChangeOut(Schema):
    dimension: str
    before: float | None
    after: float | None
    difference: float | None
    low: float | None = Field(description="The 95% interval of the difference (Welch's t).")
    high: float | None
    direction: str | None = Field(description="rose, fell or no_change; null with too few answers to judge.")
    sentence: str


class PulseResultsOut(Schema):
    round: PulseRoundOut
    respondents: int
    dimensions: list[PulseDimensionOut]
    previous_round: int | None
    change_summary: str | None
    change: list[PulseChangeOut]
    what_would_help: list[str] = Field(description="The answers a facilitator accepted; nothing else.")


def _round_out(r: PulseRound, respondents: int) -> dict[str, Any]:
    return {
        "id": r.pk,
        "name": r.name,
        "status": r.status,
        "opened_at": r.opened_at,
        "closed_at": r.closed_at,
        "respondents": respondents,
        "items": r.items,
    }


def _group(row: queries.GroupRow) -> dict[str, Any]:
    return {
        "key": str(row.key),
        "label": row.label,
        "people": row.people.as_dict(),
        "median": row.median,
        "distribution": [cell.as_dict() for cell in row.bands],
    }


def _change(c: queries.DimensionChange) -> dict[str, Any]:
    d = c.difference
    return {
        "dimension": c.dimension,
        "before": d.before if d else None,
        "after": d.after if d else None,
        "difference": d.difference if d else None,
        "low": d.low if d else None,
        "high": d.high if d else None,
        "direction": d.direction if d else None,
        "sentence": c.sentence,
    }


@router.get(
    "/manage/systems/{slug}/pulse/rounds",
    auth=api_token,
    response=list[PulseRoundOut],
    summary="A system's pulse rounds, newest first",
)
def pulse_rounds(request: HttpRequest, slug: str) -> list[dict[str, Any]]:
    system = get_system(slug)
    require(request.auth, "pulse.view", system)  # type: ignore[attr-defined]
    return [_round_out(r, r.n_responses) for r in queries.rounds_of(system)]  # type: ignore[attr-defined]


@router.get(
    "/manage/systems/{slug}/pulse/rounds/{round_id}/results",
    auth=api_token,
    response=PulseResultsOut,
    summary="A pulse round's results (through the disclosure layer) and its change since the round before",
)
def pulse_results(request: HttpRequest, slug: str, round_id: PathId) -> dict[str, Any]:
    system = get_system(slug)
    require(request.auth, "pulse.view", system)  # type: ignore[attr-defined]
    pulse_round = queries.get_round(system, round_id)
    r = queries.round_results(pulse_round)
    before = queries.previous_round(pulse_round)
    change = None
    if before is not None:
        change = queries.change_between(before, pulse_round, after_scores=r.scores.by_dimension)
    return {
        "round": _round_out(pulse_round, r.respondents),
        "respondents": r.respondents,
        "dimensions": [
            {
                "dimension": d.dimension,
                "label": d.label,
                "mean": d.mean,
                "median": d.median,
                "distribution": [cell.as_dict() for cell in d.bands],
                "by_sector": [_group(row) for row in d.by_sector],
                "by_place": [_group(row) for row in d.by_place],
                "notes": list(d.notes),
            }
            for d in r.dimensions
        ],
        "previous_round": before.pk if before is not None else None,
        "change_summary": change.summary if change else None,
        "change": [_change(c) for c in change.dimensions] if change else [],
        "what_would_help": r.texts,
    }
