"""A conversation as plain data, and every table the pages and exports show of it, registered as linked tables.

Shared by the adversarial property test, the leak tests and the speed test. The tables are the ones issue 11
lists: people by sector, place and opinion group (each adding up to everyone who joined), sector by group,
votes cast by sector and by group, voters per statement, voters by sector and by group per statement, and the
agree / disagree / pass counts of each statement overall, by sector and by group.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from commonweal.core.small_numbers import Disclosure

NOT_SAID = "not said"
NO_GROUP = "not in a group"
VALUES = ("agree", "disagree", "pass")


@dataclass(frozen=True)
class World:
    """``sector[i]``, ``place[i]``, ``group[i]`` of person ``i``; ``votes[i][s]`` is 1, -1, 0 or None."""

    sectors: tuple[str, ...]
    places: tuple[str, ...]
    groups: tuple[str, ...]
    sector: tuple[str, ...]
    place: tuple[str, ...]
    group: tuple[str, ...]
    votes: tuple[tuple[int | None, ...], ...]
    statements: int


def count(labels: tuple[str, ...], keys: tuple[str, ...]) -> dict[str, int]:
    c = Counter(labels)
    return {k: c.get(k, 0) for k in keys}


def register(w: World, threshold: int = 5, *, by_statement: bool = True) -> Disclosure:
    """Every table of ``w``, as the layer's callers register them."""
    d = Disclosure(threshold)
    n = len(w.sector)
    everyone = d.total("participants", n)
    sector = d.table("sector", count(w.sector, w.sectors), total=everyone)
    # Places as the report gives them: the named places, among the people who said (a total it may round).
    places = {k: v for k, v in count(w.place, w.places).items() if k != NOT_SAID}
    said = d.total("people who gave a place", sum(places.values()), within=everyone, roundable=True)
    d.table("place", places, total=said)
    group = d.table("group", count(w.group, w.groups), total=everyone)
    pairs = Counter(zip(w.sector, w.group, strict=True))
    d.cross("sector by group", dict(pairs), rows=sector, cols=group)
    if not (by_statement and w.statements):
        return d
    _register_votes(d, w, sector, group)
    return d


def _register_votes(d: Disclosure, w: World, sector, group) -> None:  # noqa: ANN001 (test helper)
    statements = [f"s{j}" for j in range(w.statements)]
    voters = Counter()
    by = {"sector": Counter(), "group": Counter()}
    values = {"sector": Counter(), "group": Counter()}
    overall = Counter()
    for i, row in enumerate(w.votes):
        for j, v in enumerate(row):
            if v is None:
                continue
            s, value = statements[j], VALUES[(1 - v) if v != 0 else 2]
            voters[s] += 1
            overall[(s, value)] += 1
            for dim, label in (("sector", w.sector[i]), ("group", w.group[i])):
                by[dim][(label, s)] += 1
                values[dim][(s, label, value)] += 1
    total_votes = d.total("votes", sum(voters.values()))
    per_statement = d.table(
        "voters by statement", {s: voters[s] for s in statements}, total=total_votes, people=False
    )
    for dim, table, keys in (("sector", sector, w.sectors), ("group", group, w.groups)):
        cast = {k: sum(by[dim][(k, s)] for s in statements) for k in keys}
        rows = d.table(f"votes by {dim}", cast, total=total_votes, people=False, describes=table)
        d.cross(f"{dim} by statement", dict(by[dim]), rows=rows, cols=per_statement, within=table)
    for s in statements:
        vals = d.table(
            f"votes on {s}", {v: overall[(s, v)] for v in VALUES}, total=per_statement[s], people=False
        )
        for dim, keys in (("sector", w.sectors), ("group", w.groups)):
            rows = {k: _ref(d, f"{dim} by statement", (k, s)) for k in keys}
            cells = {(k, v): values[dim][(s, k, v)] for k in keys for v in VALUES}
            d.cross(f"{dim} votes on {s}", cells, rows=rows, cols=vals, people=False)


def _ref(d: Disclosure, table: str, key):  # noqa: ANN001, ANN202
    from commonweal.core.small_numbers import CellRef

    return CellRef(table, key)


def random_world(
    rng: np.random.Generator,
    people: int,
    statements: int,
    sectors: int,
    groups: int,
    places: int = 3,
    vote_rate: float = 0.7,
) -> World:
    """A conversation with skewed group and sector sizes, so that there are small cells to protect."""
    sector_keys = tuple(f"sector {k}" for k in range(sectors)) + (NOT_SAID,)
    group_keys = tuple(f"group {k}" for k in range(groups)) + (NO_GROUP,)
    place_keys = tuple(f"place {k}" for k in range(places)) + (NOT_SAID,)

    def skewed(keys: tuple[str, ...]) -> tuple[str, ...]:
        weights = rng.pareto(1.2, len(keys)) + 0.05
        return tuple(rng.choice(keys, size=people, p=weights / weights.sum()))

    votes = tuple(
        tuple(
            None if rng.random() > vote_rate else int(rng.choice([1, -1, 0], p=[0.5, 0.35, 0.15]))
            for _ in range(statements)
        )
        for _ in range(people)
    )
    return World(
        sector_keys,
        place_keys,
        group_keys,
        skewed(sector_keys),
        skewed(place_keys),
        skewed(group_keys),
        votes,
        statements,
    )
