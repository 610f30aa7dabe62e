"""Where each organisation sits on the map.

The whole map's layout is computed over every organisation and every tie of every round (networkx, with a fixed
seed), so an organisation stays in the same place whatever the filters and whichever round is shown: the
interactive map and the image match, and two rounds can be compared by eye. It is computed once and stored
(:class:`~commonweal.network.models.MapLayout`) with a signature of what it was computed from: the
organisations, the interdependencies' ends, and each round's status and number of organisations that answered.
A page compares the signature (a few counting queries) and reads the stored positions; only when the signature
no longer matches (a round opened or closed, an organisation answered, an organisation or interdependency was
added) is the layout computed again, and stored for the views after it.

The ego view (one organisation and its partners) has a layout of its own (:func:`ego_layout`): the organisation
in the middle and its partners around it, in the order they have around it on the whole map.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any

import networkx as nx
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from commonweal.network.models import Interdependency, MapLayout, Rating, SurveyRound
from commonweal.systems.models import Organisation, System

#: The drawing area of the layout, in the units of the SVG image and of Cytoscape's preset positions.
WIDTH, HEIGHT, MARGIN = 1000.0, 720.0, 70.0
LAYOUT_SEED = 7
#: Above this many organisations the layout is a spring layout only (Kamada-Kawai is quadratic).
KAMADA_KAWAI_LIMIT = 150

Positions = dict[str, tuple[float, float]]


def layout(system: System) -> Positions:
    """Positions of every organisation ("o<id>") and of every community in an interdependency ("c<id>"), read
    from the stored layout, or computed and stored when what it was computed from has changed."""
    signature = layout_signature(system)
    stored = MapLayout.objects.filter(system=system).first()
    if stored is not None and stored.signature == signature:
        return {key: (float(p[0]), float(p[1])) for key, p in stored.positions.items()}
    return store_layout(system, signature)


def store_layout(system: System, signature: str | None = None) -> Positions:
    """Compute the system's layout and store it (over any earlier one); returns the positions."""
    signature = signature or layout_signature(system)
    positions = compute_layout(system)
    try:
        with transaction.atomic():
            MapLayout.objects.update_or_create(
                system=system,
                defaults={"signature": signature, "positions": positions, "computed_at": timezone.now()},
            )
    except IntegrityError:  # Two first views at once: the other stored the same layout first.
        pass
    return positions


def layout_signature(system: System) -> str:
    """What the stored layout depends on, as a hash: the organisations, the interdependencies' ends and each
    round's status and number of organisations that answered. Answers changed within an organisation that had
    already answered do not move the map (it stays put while a round fills in)."""
    organisations = list(
        Organisation.objects.filter(system=system).order_by("pk").values_list("pk", flat=True)
    )
    ends = list(
        Interdependency.objects.filter(system=system)
        .order_by("pk")
        .values_list("from_organisation_id", "from_community_id", "to_organisation_id", "to_community_id")
    )
    rounds = list(
        SurveyRound.objects.filter(system=system)
        .order_by("pk")
        .annotate(
            answered=Count(
                "invitations",
                filter=Q(invitations__responses__ratings__intensity__isnull=False),
                distinct=True,
            )
        )
        .values_list("pk", "status", "answered")
    )
    return hashlib.sha256(repr((organisations, ends, rounds)).encode()).hexdigest()


def compute_layout(system: System) -> Positions:
    """The whole map's positions, computed (see :func:`layout` for the stored ones)."""
    graph = _tie_graph(system)
    if not graph:
        return {}
    if len(graph) == 1:
        return {next(iter(graph)): (WIDTH / 2, HEIGHT / 2)}
    pos = _spread({k: (float(p[0]), float(p[1])) for k, p in _positions(graph).items()})
    return _to_drawing(pos)


def ego_layout(centre: str, partners: list[str], whole: Positions) -> Positions:
    """The ego view: ``centre`` in the middle of the drawing and ``partners`` around it, in the order of their
    direction from it on the whole map (so the two views agree on what lies where). Up to 12 partners stand on
    one ring; more alternate between an inner and an outer ring, so their names have room."""
    cx, cy = WIDTH / 2, HEIGHT / 2
    out: Positions = {centre: (cx, cy)}
    if not partners:
        return out
    ox, oy = whole.get(centre, (cx, cy))

    def angle(key: str) -> tuple[float, str]:
        x, y = whole.get(key, (cx, cy))
        return (math.atan2(y - oy, x - ox) if (x, y) != (ox, oy) else 0.0, key)

    ordered = sorted(partners, key=angle)
    n = len(ordered)
    two_rings = n > 12
    rx, ry = WIDTH / 2 - MARGIN - 60, HEIGHT / 2 - MARGIN
    start = angle(ordered[0])[0]
    for i, key in enumerate(ordered):
        a = start + 2 * math.pi * i / n
        ring = 0.62 if two_rings and i % 2 else 1.0
        out[key] = (round(cx + rx * ring * math.cos(a), 1), round(cy + ry * ring * math.sin(a), 1))
    return out


def _tie_graph(system: System) -> nx.Graph:
    """Every organisation, and every community in an interdependency, joined by the strongest rating of each pair
    in any round (the weight) and by interdependencies (weight 2 at least)."""
    graph = nx.Graph()
    graph.add_nodes_from(
        f"o{pk}" for pk in Organisation.objects.filter(system=system).values_list("pk", flat=True)
    )
    strongest = (
        Rating.objects.filter(response__invitation__round__system=system, intensity__gte=1)
        .values("response__invitation__organisation_id", "partner_id")
        .annotate(top=Max("intensity"))
        .order_by()
    )
    for row in strongest:
        a, b = f"o{row['response__invitation__organisation_id']}", f"o{row['partner_id']}"
        if a != b and a in graph and b in graph:
            weight = max(graph.get_edge_data(a, b, {"weight": 0})["weight"], float(row["top"]))
            graph.add_edge(a, b, weight=weight)
    for item in Interdependency.objects.filter(system=system):
        a = f"o{item.from_organisation_id}" if item.from_organisation_id else f"c{item.from_community_id}"
        b = f"o{item.to_organisation_id}" if item.to_organisation_id else f"c{item.to_community_id}"
        graph.add_edge(a, b, weight=max(graph.get_edge_data(a, b, {"weight": 0})["weight"], 2.0))
    return graph


def _to_drawing(pos: dict[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
    """Stretch the positions over the drawing area, inside its margin."""
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    span_x = (max(xs) - min(xs)) or 1.0
    span_y = (max(ys) - min(ys)) or 1.0
    return {
        key: (
            round(MARGIN + (p[0] - min(xs)) / span_x * (WIDTH - 2 * MARGIN), 1),
            round(MARGIN + (p[1] - min(ys)) / span_y * (HEIGHT - 2 * MARGIN), 1),
        )
        for key, p in pos.items()
    }


def _spread(pos: dict[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
    """Even out how crowded the map is: a dense core and a few far-flung organisations would squeeze the core
    into a corner of the drawing. Each node keeps its direction from the centre and its rank in distance, but the
    distances are spaced so that nodes fill the disc evenly (radius by the square root of the rank)."""
    n = len(pos)
    cx = sum(p[0] for p in pos.values()) / n
    cy = sum(p[1] for p in pos.values()) / n
    order = sorted(pos, key=lambda k: (math.hypot(pos[k][0] - cx, pos[k][1] - cy), k))
    out = {}
    for rank, key in enumerate(order):
        x, y = pos[key][0] - cx, pos[key][1] - cy
        angle = math.atan2(y, x)
        radius = math.sqrt((rank + 0.5) / n)
        out[key] = (radius * math.cos(angle), radius * math.sin(angle))
    return out


def _positions(graph: nx.Graph) -> dict[str, Any]:
    """Kamada-Kawai (organisations as far apart as their distance in ties, so the map spreads evenly) from a
    fixed-seed spring layout; spring alone for large systems, where Kamada-Kawai's n-squared cost is too much.

    Kamada-Kawai needs a distance for every pair: organisations in separate parts of the map are put one step
    further apart than the furthest connected pair, so isolated organisations sit at the edge, not miles away.
    """
    start = nx.spring_layout(
        graph,
        k=1.6 / math.sqrt(len(graph)),
        weight="weight",
        seed=LAYOUT_SEED,
        iterations=50 if len(graph) <= KAMADA_KAWAI_LIMIT else 30,
    )
    if len(graph) > KAMADA_KAWAI_LIMIT:
        return dict(start)
    hops = dict(nx.shortest_path_length(graph))
    furthest = max((d for row in hops.values() for d in row.values()), default=1)
    dist = {a: {b: hops[a].get(b, furthest + 1) for b in graph} for a in graph}
    return dict(nx.kamada_kawai_layout(graph, dist=dist, pos=start))
