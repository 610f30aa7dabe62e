"""The plain data the network measures work on: no Django, so the measures are pure functions that tests can
feed with small graphs worked by hand, and the benchmark with large simulated ones.

:func:`commonweal.network.graph.round_network` builds a :class:`RoundNetwork` from the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Node:
    """An organisation of the system."""

    id: int
    name: str
    sector: str
    place_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Tie:
    """How ``rater`` rates ``partner`` in one round: the median over the rater's respondents.

    ``intensity`` is 0 to 4 (0: no relationship; a tie exists when it is 1 or more). ``trust`` and ``value`` are
    the medians of each respondent's item mean (1 to 4), None when nobody answered those items.
    ``contributions`` counts the respondents who named each contribution.
    """

    rater: int
    partner: int
    intensity: float
    trust: float | None = None
    value: float | None = None
    respondents: int = 1
    contributions: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class RoundNetwork:
    """The organisations of a system and the ties of one survey round.

    ``responded`` are the organisations with at least one rating in the round: an organisation that did not
    answer has no outgoing ties, which is not the same as saying it has none.
    """

    round_id: int | None
    round_name: str
    nodes: tuple[Node, ...]
    ties: tuple[Tie, ...]
    responded: frozenset[int] = field(default_factory=frozenset)
