"""Marks for a participant-facing map: never one per person, each of at least t people.

An opinion map drawn with one mark per person lets anyone count a small group from the page (issue 11). The
marks come from here instead: points (people, or the engine's base clusters with their sizes) are merged,
within each opinion group, smallest first into the nearest mark, until every mark holds at least t people; a
group of fewer than t people becomes one mark at its centre. Register the marks' sizes with
:class:`~commonweal.core.small_numbers.Disclosure` as a breakdown of their group's size, so they are hidden
with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .cells import threshold as default_threshold


@dataclass(frozen=True)
class Mark:
    """One mark: where to draw it, its opinion group (-1: not in a group), how many people, and which input
    points it merges (their indices)."""

    x: float
    y: float
    group: int
    people: int
    members: tuple[int, ...]


def cluster_marks(
    xs: Sequence[float],
    ys: Sequence[float],
    sizes: Sequence[int],
    groups: Sequence[int],
    threshold: int | None = None,
) -> list[Mark]:
    """Merge points into marks of at least ``threshold`` people each (a whole group under it: one mark).

    Each mark sits at the people-weighted centre of what it merges. Points of size 0 are dropped. Marks are
    returned by group, then from the most people to the fewest, so their order gives nothing away either.
    """
    t = threshold if threshold is not None else default_threshold()
    if not len(xs) == len(ys) == len(sizes) == len(groups):
        raise ValueError("xs, ys, sizes and groups must have one entry per point")
    by_group: dict[int, list[Mark]] = {}
    for i, (x, y, n, g) in enumerate(zip(xs, ys, sizes, groups, strict=True)):
        if n < 0:
            raise ValueError(f"point {i} has {n} people")
        if n:
            by_group.setdefault(int(g), []).append(Mark(float(x), float(y), int(g), int(n), (i,)))
    out: list[Mark] = []
    for g in sorted(by_group):
        marks = by_group[g]
        while len(marks) > 1:
            small = min(range(len(marks)), key=lambda k: (marks[k].people, marks[k].members))
            if marks[small].people >= t:
                break
            a = marks.pop(small)
            near = min(
                range(len(marks)), key=lambda k: ((marks[k].x - a.x) ** 2 + (marks[k].y - a.y) ** 2, k)
            )
            marks[near] = _merge(marks[near], a)
        out += sorted(marks, key=lambda m: (-m.people, m.members))
    return out


def _merge(a: Mark, b: Mark) -> Mark:
    n = a.people + b.people
    return Mark(
        (a.x * a.people + b.x * b.people) / n,
        (a.y * a.people + b.y * b.people) / n,
        a.group,
        n,
        tuple(sorted(a.members + b.members)),
    )
