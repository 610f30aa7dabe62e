"""Reading what the representation page compares: a system's baselines, and a conversation's participants and
votes counted per stratum (the same answers to every "about you" question compared), in a few aggregate queries.

A stratum is ``(place id, age band, ethnic group, sector)``, each None where the participant gave no answer (a
skipped question or "Prefer not to say")."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable
from typing import Any

from django.db.models import Count, Max

from commonweal.communities.models import Baseline
from commonweal.conversations.models import (
    Conversation,
    Participant,
    Participation,
    Statement,
    Vote,
    VoteEvent,
)
from commonweal.systems.models import Place, System

Stratum = tuple[Hashable, ...]

#: The order of a stratum's answers.
STRATUM = ("place", "age_band", "ethnic_group", "sector")
_FIELDS = ("place_id", "age_band", "ethnic_group", "sector")
_UNSAID = (None, "", "prefer-not")


def _stratum(values: tuple[Any, ...]) -> Stratum:
    return tuple(None if v in _UNSAID else v for v in values)


def baselines_of(system: System) -> dict[str, dict[tuple[int | None, str], float]]:
    """The system's baselines: dimension -> (place id or None, category) -> people."""
    out: dict[str, dict[tuple[int | None, str], float]] = defaultdict(dict)
    rows = Baseline.objects.filter(system=system).values_list("dimension", "place_id", "category", "people")
    for dimension, place_id, category, people in rows:
        out[dimension][(place_id, category)] = people
    return dict(out)


def baseline_summary(system: System) -> list[dict[str, Any]]:
    """Per dimension: how many places it covers, its people, its sources and when it was last imported."""
    rows = (
        Baseline.objects.filter(system=system)
        .values("dimension")
        .annotate(places=Count("place", distinct=True), latest=Max("imported_at"))
        .order_by("dimension")
    )
    labels = dict(Baseline.Dimension.choices)
    summary = []
    for row in rows:
        mine = Baseline.objects.filter(system=system, dimension=row["dimension"])
        summary.append(
            {
                "dimension": row["dimension"],
                "label": labels.get(row["dimension"], row["dimension"]),
                "places": row["places"],
                "people": round(sum(mine.values_list("people", flat=True))),
                "sources": sorted(set(mine.values_list("source", flat=True))),
                "latest": row["latest"],
            }
        )
    return summary


def places_of(system: System) -> dict[int, str]:
    return dict(Place.objects.filter(system=system).order_by("name").values_list("pk", "name"))


def people_by_stratum(conversation: Conversation) -> dict[Stratum, int]:
    """The conversation's participants counted per stratum (one query)."""
    people = Participant.objects.filter(participations__conversation=conversation).order_by()
    counts: dict[Stratum, int] = defaultdict(int)
    for *values, n in people.values(*_FIELDS).annotate(n=Count("id")).values_list(*_FIELDS, "n"):
        counts[_stratum(tuple(values))] += int(n)
    return dict(counts)


def votes_by_stratum(conversation: Conversation) -> dict[tuple[int, Stratum], tuple[int, int]]:
    """Votes on each statement per stratum: ``(statement id, stratum) -> (agrees, voters)`` (one query)."""
    fields = ["statement_id", *(f"participant__{f}" for f in _FIELDS), "value"]
    votes = Vote.objects.filter(conversation=conversation).order_by()
    out: dict[tuple[int, Stratum], list[int]] = defaultdict(lambda: [0, 0])
    for statement, *values, value, n in (
        votes.values(*fields).annotate(n=Count("id")).values_list(*fields, "n")
    ):
        tally = out[(statement, _stratum(tuple(values)))]
        tally[1] += int(n)
        if int(value) == 1:
            tally[0] += int(n)
    return {k: (v[0], v[1]) for k, v in out.items()}


def fingerprint(conversation: Conversation) -> tuple[Any, ...]:
    """What changes when anything the representation page counts changes (a vote, someone joining or erased, a
    statement moderated, a baseline imported), in four indexed aggregate queries: the key its cache is kept by."""
    votes = VoteEvent.objects.filter(conversation=conversation).aggregate(m=Max("id"))["m"]
    joined = Participation.objects.filter(conversation=conversation).aggregate(n=Count("id"), m=Max("id"))
    accepted = Statement.objects.filter(conversation=conversation, state=Statement.State.ACCEPTED).aggregate(
        n=Count("id"), m=Max("id")
    )
    base = Baseline.objects.filter(system_id=conversation.system_id).aggregate(
        n=Count("id"), m=Max("imported_at")
    )
    return (
        votes,
        joined["n"],
        joined["m"],
        accepted["n"],
        accepted["m"],
        base["n"],
        base["m"].isoformat() if base["m"] else None,
    )
