"""Build the network of a survey round from the database: several respondents of one organisation combine by
the median (with the count kept); ratings stay directed."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from statistics import median
from typing import Any

from commonweal.analysis.network.types import Node, RoundNetwork, Tie
from commonweal.network.models import TRUST_ITEMS, VALUE_ITEMS, Rating, SurveyRound
from commonweal.systems.models import Organisation, System


def _item_mean(rating: dict[str, Any], items: Mapping[str, object]) -> float | None:
    # A respondent who answered some of the three items has a score from those; one who answered none has none.
    values = [rating[name] for name in items if rating[name] is not None]
    return sum(values) / len(values) if values else None


def combine(ratings: list[dict[str, Any]]) -> Tie:
    """Combine one organisation's respondents' ratings of one partner (dicts with the Rating fields, plus
    ``rater`` and ``partner``) by the median. All must have an intensity."""
    intensity = float(median(r["intensity"] for r in ratings))
    trusts = [t for r in ratings if (t := _item_mean(r, TRUST_ITEMS)) is not None]
    values = [v for r in ratings if (v := _item_mean(r, VALUE_ITEMS)) is not None]
    counts: Counter[str] = Counter(c for r in ratings for c in set(r["contributions"] or []))
    return Tie(
        rater=ratings[0]["rater"],
        partner=ratings[0]["partner"],
        intensity=intensity,
        trust=float(median(trusts)) if trusts else None,
        value=float(median(values)) if values else None,
        respondents=len(ratings),
        contributions=tuple(sorted(counts.items())),
    )


def nodes_of(system: System) -> tuple[Node, ...]:
    """Every organisation of the system, with its sector and places."""
    places: dict[int, set[int]] = defaultdict(set)
    for org_id, place_id in Organisation.places.through.objects.filter(
        organisation__system=system
    ).values_list("organisation_id", "place_id"):
        places[org_id].add(place_id)
    return tuple(
        Node(id=o.pk, name=o.name, sector=o.sector, place_ids=frozenset(places[o.pk]))
        for o in Organisation.objects.filter(system=system).order_by("name", "pk")
    )


def round_network(survey_round: SurveyRound) -> RoundNetwork:
    """The combined, directed ties of one round. Ratings without an intensity (a partner picked but not yet
    rated) do not count; neither does a rating of the rater's own organisation."""
    fields = ["partner_id", "intensity", "contributions", *TRUST_ITEMS, *VALUE_ITEMS]
    rows = (
        Rating.objects.filter(response__invitation__round=survey_round, intensity__isnull=False)
        .values("response__invitation__organisation_id", *fields)
        .order_by()
    )
    by_pair: dict[tuple[int, int], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        rater, partner = row["response__invitation__organisation_id"], row["partner_id"]
        if rater == partner:
            continue
        by_pair[(rater, partner)].append({**row, "rater": rater, "partner": partner})
    ties = tuple(combine(group) for _, group in sorted(by_pair.items()))
    return RoundNetwork(
        round_id=survey_round.pk,
        round_name=survey_round.name,
        nodes=nodes_of(survey_round.system),
        ties=ties,
        responded=frozenset(rater for rater, _ in by_pair),
    )
