"""Which survey rounds the map and "my part" show: the system's rounds, the latest with answers, the one before
it, and the changes between two rounds kind by kind."""

from __future__ import annotations

from collections.abc import Iterator

from commonweal.analysis.network import measures
from commonweal.network.models import Rating, SurveyRound
from commonweal.systems.models import System


def rounds_of(system: System) -> list[SurveyRound]:
    """The system's survey rounds, oldest first."""
    return list(SurveyRound.objects.filter(system=system).order_by("opened_at", "pk"))


def _rated(rounds: list[SurveyRound]) -> list[SurveyRound]:
    """Those of ``rounds`` with any rating (a round just opened is empty), in the same order."""
    rated = set(
        Rating.objects.filter(response__invitation__round__in=rounds, intensity__isnull=False).values_list(
            "response__invitation__round_id", flat=True
        )
    )
    return [r for r in rounds if r.pk in rated]


def latest_round(rounds: list[SurveyRound]) -> SurveyRound | None:
    """The latest round that has any rating (a round just opened is empty), else the latest round."""
    if not rounds:
        return None
    return (_rated(rounds) or rounds)[-1]


def previous_round(rounds: list[SurveyRound], current: SurveyRound | None) -> SurveyRound | None:
    """The round before ``current`` that has any rating, for "what changed since the last round"."""
    if current is None:
        return None
    earlier = [r for r in rounds if (r.opened_at, r.pk) < (current.opened_at, current.pk)]
    if not earlier:
        return None
    with_data = _rated(earlier)
    return with_data[-1] if with_data else None


def each_change(change: measures.RoundChange) -> Iterator[tuple[str, measures.TieChange]]:
    """Every changed tie with its kind ("new", "stronger", "weaker", "lost"), in that order."""
    for kind, items in (
        ("new", change.new),
        ("stronger", change.strengthened),
        ("weaker", change.weakened),
        ("lost", change.lost),
    ):
        for c in items:
            yield kind, c
