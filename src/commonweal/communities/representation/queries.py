"""Reading what the representation page compares: a system's baselines, and a conversation's participants and
votes counted per stratum (the same answers to every "about you" question compared), in a few aggregate queries.

A stratum is ``(place id, age band, ethnic group, sector)``, each None where the participant gave no answer (a
skipped question or "Prefer not to say")."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass
from itertools import chain
from typing import Any

import numpy as np
from django.db import connection
from django.db.models import Count, Max
from numpy.typing import NDArray

from commonweal.communities.models import Baseline
from commonweal.conversations.models import Conversation, Erasure, Participant, Statement, Vote
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


@dataclass(frozen=True)
class Strata:
    """The conversation's participants by stratum, read once: the strata (in the order first met), how many people
    each has, and each participant's id and stratum number (for tallying their votes)."""

    strata: list[Stratum]
    people: dict[Stratum, int]
    ids: NDArray[np.int64]  # sorted
    codes: NDArray[np.int64]  # the stratum number of each id


def strata_of(conversation: Conversation) -> Strata:
    """The conversation's participants per stratum (one query, one row each)."""
    people = Participant.objects.filter(participations__conversation=conversation).order_by()
    numbers: dict[Stratum, int] = {}
    ids: list[int] = []
    codes: list[int] = []
    for pk, *values in people.values_list("pk", *_FIELDS):
        ids.append(pk)
        codes.append(numbers.setdefault(_stratum(tuple(values)), len(numbers)))
    id_array = np.array(ids, dtype=np.int64)
    order = np.argsort(id_array)
    code_array = np.array(codes, dtype=np.int64)
    sizes = np.bincount(code_array, minlength=len(numbers))
    strata = list(numbers)
    return Strata(
        strata, {s: int(sizes[i]) for i, s in enumerate(strata)}, id_array[order], code_array[order]
    )


def people_by_stratum(conversation: Conversation) -> dict[Stratum, int]:
    """The conversation's participants counted per stratum."""
    return strata_of(conversation).people


def _vote_rows(conversation: Conversation) -> NDArray[np.int64]:
    """The conversation's current votes as rows of (participant id, statement id, value), read without the ORM's
    per-row work (375,000 rows: a plain cursor and numpy take a fraction of the ORM's time)."""
    table = Vote._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT participant_id, statement_id, value FROM {table} WHERE conversation_id = %s",  # noqa: S608
            [conversation.pk],
        )
        rows = cursor.fetchall()
    flat = np.fromiter(chain.from_iterable(rows), dtype=np.int64, count=3 * len(rows))
    return flat.reshape(-1, 3)


def votes_by_stratum(
    conversation: Conversation, strata: Strata | None = None
) -> dict[tuple[int, Stratum], tuple[int, int]]:
    """Votes on each statement per stratum: ``(statement id, stratum) -> (agrees, voters)``.

    The participants' strata (``strata``, read here if not given) and the votes as three integer columns, tallied
    with numpy: no join (a join grouped by seven columns took SQLite seconds for 375,000 votes)."""
    found = strata or strata_of(conversation)
    rows = _vote_rows(conversation)
    if not rows.size or not found.ids.size:
        return {}
    ids, n = found.ids, len(found.strata)
    at = np.searchsorted(ids, rows[:, 0])
    known = (at < ids.size) & (ids[np.minimum(at, ids.size - 1)] == rows[:, 0])
    stratum = found.codes[at[known]]
    statement_ids, statement = np.unique(rows[known, 1], return_inverse=True)
    cell = statement * n + stratum
    voters = np.bincount(cell, minlength=statement_ids.size * n)
    agrees = np.bincount(cell, weights=(rows[known, 2] == 1).astype(np.float64), minlength=voters.size)
    return {
        (int(statement_ids[i // n]), found.strata[i % n]): (int(agrees[i]), int(voters[i]))
        for i in np.flatnonzero(voters)
    }


def fingerprint(conversation: Conversation) -> tuple[Any, ...]:
    """What the representation page's cache is kept by: the statements accepted, the baselines imported and the
    erasures (three indexed aggregate queries). Votes and people joining are not in it, so that a busy
    conversation is not counted afresh on every view: they are seen when the cache expires (``CACHE_SECONDS``)."""
    accepted = Statement.objects.filter(conversation=conversation, state=Statement.State.ACCEPTED).aggregate(
        n=Count("id"), m=Max("id")
    )
    base = Baseline.objects.filter(system_id=conversation.system_id).aggregate(
        n=Count("id"), m=Max("imported_at")
    )
    erased = Erasure.objects.filter(conversation=conversation).aggregate(n=Count("id"))
    return (
        accepted["n"],
        accepted["m"],
        base["n"],
        base["m"].isoformat() if base["m"] else None,
        erased["n"],
    )
