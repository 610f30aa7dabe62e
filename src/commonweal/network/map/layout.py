"""Where each organisation sits on the map.

The layout is computed over every organisation and every tie of every round (networkx, with a fixed seed), so an
organisation stays in the same place whatever the filters and whichever round is shown: the interactive map and
the image match, and two rounds can be compared by eye. It changes only when the ties or interdependencies do, so
it is kept in the cache, keyed by the graph itself.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any

import networkx as nx
from django.core.cache import cache
from django.db.models import Max

from commonweal.network.models import Interdependency, Rating
from commonweal.systems.models import Organisation, System

#: The drawing area of the layout, in the units of the SVG image and of Cytoscape's preset positions.
WIDTH, HEIGHT, MARGIN = 1000.0, 720.0, 70.0
LAYOUT_SEED = 7
#: Above this many organisations the layout is a spring layout only (Kamada-Kawai is quadratic).
KAMADA_KAWAI_LIMIT = 150
#: How long a computed layout is kept, in seconds (a changed tie gives a new key anyway).
LAYOUT_CACHE_SECONDS = 24 * 3600


def layout(system: System) -> dict[str, tuple[float, float]]:
    """Positions of every organisation ("o<id>") and of every community in an interdependency ("c<id>").

    Pulled together by the strongest rating of each pair in any round and by interdependencies; with a fixed
    seed, so the same data always gives the same map.
    """
    graph = _tie_graph(system)
    if not graph:
        return {}
    if len(graph) == 1:
        return {next(iter(graph)): (WIDTH / 2, HEIGHT / 2)}
    # The layout only changes when the ties or interdependencies do: keep it, keyed by the graph itself.
    edges = sorted((min(a, b), max(a, b), w) for a, b, w in graph.edges(data="weight"))
    key = "network-layout:" + hashlib.sha256(repr((sorted(graph), edges)).encode()).hexdigest()
    pos = cache.get(key)
    if pos is None:
        pos = _spread({k: (float(p[0]), float(p[1])) for k, p in _positions(graph).items()})
        cache.set(key, pos, LAYOUT_CACHE_SECONDS)
    return _to_drawing(pos)


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
