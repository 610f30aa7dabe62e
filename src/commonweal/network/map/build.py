"""What the system map and each organisation's "my part" show, built once and rendered three ways: as data for
the interactive map (Cytoscape.js, in the browser), as tables, and as an SVG image drawn here on the server (for
pages without JavaScript and for PDF reports).

The layout is computed here (networkx's spring layout with a fixed seed) over every organisation and every tie of
every round, so an organisation stays in the same place whatever the filters and whichever round is shown: the
interactive map and the image match, and two rounds can be compared by eye.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

import networkx as nx
from django.core.cache import cache
from django.db.models import Count, Max, Q

from commonweal.analysis.network import measures
from commonweal.analysis.network.types import RoundNetwork, Tie
from commonweal.conversations.models import Participation
from commonweal.core.small_numbers import Cell, suppress_breakdown, suppress_count, threshold
from commonweal.network.graph import round_network
from commonweal.network.models import Interdependency, JointWork, Rating, SurveyRound
from commonweal.systems.models import Community, Organisation, Sector, System

# --- How things look ----------------------------------------------------------------------------------------


def _regular(n: int, rotate: float = -math.pi / 2) -> list[tuple[float, float]]:
    return [
        (math.cos(rotate + 2 * math.pi * i / n), math.sin(rotate + 2 * math.pi * i / n)) for i in range(n)
    ]


def _star() -> list[tuple[float, float]]:
    points = []
    for i in range(10):
        r = 1.0 if i % 2 == 0 else 0.45
        a = -math.pi / 2 + math.pi * i / 5
        points.append((r * math.cos(a), r * math.sin(a)))
    return points


#: Node shapes as polygons on [-1, 1] (y downwards), the same for Cytoscape.js and the SVG image; None is a
#: circle. Each sector has a colour and a shape, so sectors are told apart without colour too.
SHAPES: dict[str, list[tuple[float, float]] | None] = {
    "circle": None,
    "square": [(-0.85, -0.85), (0.85, -0.85), (0.85, 0.85), (-0.85, 0.85)],
    "diamond": [(0, -1), (1, 0), (0, 1), (-1, 0)],
    "triangle": [(0, -1), (1, 0.8), (-1, 0.8)],
    "down-triangle": [(-1, -0.8), (1, -0.8), (0, 1)],
    "pentagon": _regular(5),
    "hexagon": _regular(6, 0),
    "octagon": _regular(8, math.pi / 8),
    "star": _star(),
    "cross": [
        (-0.35, -1),
        (0.35, -1),
        (0.35, -0.35),
        (1, -0.35),
        (1, 0.35),
        (0.35, 0.35),
        (0.35, 1),
        (-0.35, 1),
        (-0.35, 0.35),
        (-1, 0.35),
        (-1, -0.35),
        (-0.35, -0.35),
    ],  # fmt: skip
    "parallelogram": [(-0.5, -0.8), (1, -0.8), (0.5, 0.8), (-1, 0.8)],
    "tag": [(-1, -0.8), (0.4, -0.8), (1, 0), (0.4, 0.8), (-1, 0.8)],
}

#: Sector -> (fill colour, shape). Every node also has a dark outline, so it stands out from the page (WCAG 1.4.11)
#: whatever its fill.
SECTOR_LOOK: dict[str, tuple[str, str]] = {
    Sector.ACUTE: ("#005eb8", "circle"),
    Sector.COMMUNITY: ("#41b6e6", "square"),
    Sector.MENTAL_HEALTH: ("#ae2573", "diamond"),
    Sector.AMBULANCE: ("#ffb81c", "triangle"),
    Sector.PRIMARY_CARE: ("#009639", "hexagon"),
    Sector.SOCIAL_CARE_PROVIDER: ("#ed8b00", "pentagon"),
    Sector.LOCAL_AUTHORITY: ("#00a499", "parallelogram"),
    Sector.VCSE: ("#330072", "star"),
    Sector.HEALTHWATCH: ("#8a1538", "tag"),
    Sector.ICB: ("#003087", "octagon"),
    Sector.COMMUNITY_RESIDENT: ("#78be20", "cross"),
    Sector.OTHER: ("#aeb7bd", "down-triangle"),
}
COMMUNITY_LOOK = ("#ffffff", "square")
OUTLINE = "#212b32"

#: Edge colours: relationships, interdependencies and, when comparing rounds, each kind of change. Changes also
#: carry a word on the edge ("new", "lost"...) and lost ties are dotted, so colour is never the only sign.
EDGE_COLOURS = {
    "relationship": "#425563",
    "unchanged": "#768692",
    "interdependency": "#330072",
    "new": "#007f3b",
    "stronger": "#005eb8",
    "weaker": "#a35200",
    "lost": "#d5281b",
}
#: Line patterns (SVG dash arrays; "" is solid), shared by the image, the page's legend and Cytoscape.js.
EDGE_DASHES = {"weaker": "7 4", "lost": "2 5", "interdependency": "12 4 3 4"}
CHANGE_WORDS = {"new": "New tie", "stronger": "Stronger", "weaker": "Weaker", "lost": "Lost tie"}

#: The drawing area of the layout, in the units of the SVG image and of Cytoscape's preset positions.
WIDTH, HEIGHT, MARGIN = 1000.0, 720.0, 70.0
LAYOUT_SEED = 7
#: Above this many organisations the layout is a spring layout only (Kamada-Kawai is quadratic).
KAMADA_KAWAI_LIMIT = 150


def node_size(ties: int) -> float:
    """A node's diameter from its number of ties (in and out): the square root, so hubs do not swamp the map."""
    return round(min(52.0, 22.0 + 6.0 * math.sqrt(ties)), 1)


def edge_width(intensity: float) -> float:
    return round(0.75 + 0.9 * intensity, 2)


def intensity_text(value: float | None) -> str:
    return "Not rated" if value is None else measures.intensity_words(value).capitalize()


def score_text(value: float | None) -> str:
    return "Not answered" if value is None else f"{value:.1f} of 4"


# --- Rounds and filters -------------------------------------------------------------------------------------


def rounds_of(system: System) -> list[SurveyRound]:
    """The system's survey rounds, oldest first."""
    return list(SurveyRound.objects.filter(system=system).order_by("opened_at", "pk"))


def latest_round(rounds: list[SurveyRound]) -> SurveyRound | None:
    """The latest round that has any rating (a round just opened is empty), else the latest round."""
    if not rounds:
        return None
    rated = set(
        Rating.objects.filter(response__invitation__round__in=rounds, intensity__isnull=False).values_list(
            "response__invitation__round_id", flat=True
        )
    )
    with_data = [r for r in rounds if r.pk in rated]
    return (with_data or rounds)[-1]


def previous_round(rounds: list[SurveyRound], current: SurveyRound | None) -> SurveyRound | None:
    """The round before ``current`` that has any rating, for "what changed since the last round"."""
    if current is None:
        return None
    earlier = [r for r in rounds if (r.opened_at, r.pk) < (current.opened_at, current.pk)]
    if not earlier:
        return None
    rated = set(
        Rating.objects.filter(response__invitation__round__in=earlier, intensity__isnull=False).values_list(
            "response__invitation__round_id", flat=True
        )
    )
    with_data = [r for r in earlier if r.pk in rated]
    return with_data[-1] if with_data else None


@dataclass(frozen=True)
class MapFilters:
    """What the map shows: the round (None: the latest), a round to compare with, a sector, a place, and which
    links ("relationships", "interdependencies" or "both")."""

    round: SurveyRound | None = None
    compare: SurveyRound | None = None
    sector: str | None = None
    place: int | None = None
    kind: str = "both"

    @property
    def show_relationships(self) -> bool:
        return self.kind in ("relationships", "both")

    @property
    def show_interdependencies(self) -> bool:
        return self.kind in ("interdependencies", "both")


# --- Layout -------------------------------------------------------------------------------------------------


def layout(system: System) -> dict[str, tuple[float, float]]:
    """Positions of every organisation ("o<id>") and of every community in an interdependency ("c<id>").

    Pulled together by the strongest rating of each pair in any round and by interdependencies; with a fixed
    seed, so the same data always gives the same map.
    """
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
        cache.set(key, pos, 24 * 3600)
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


# --- The map ------------------------------------------------------------------------------------------------


@dataclass
class MapNode:
    key: str  # "o<id>" for an organisation, "c<id>" for a community
    pk: int
    kind: str  # "organisation" or "community"
    name: str
    sector: str
    sector_label: str
    colour: str
    shape: str
    x: float
    y: float
    places: list[str] = field(default_factory=list)
    ties_out: int = 0
    ties_in: int = 0
    responded: bool = False
    received: measures.Received | None = None

    @property
    def size(self) -> float:
        return node_size(self.ties_out + self.ties_in) if self.kind == "organisation" else 30.0


@dataclass
class MapEdge:
    key: str
    source: str
    target: str
    kind: str  # "relationship" or "interdependency"
    colour: str
    width: float
    label: str = ""
    change: str | None = None  # "new", "stronger", "weaker", "lost" (when comparing rounds)
    details: list[tuple[str, str]] = field(default_factory=list)
    title: str = ""
    dashed: str = ""  # an SVG dash pattern ("" for a solid line)


@dataclass(frozen=True)
class PairRow:
    """A pair of organisations with a tie either way: both directed intensities, never averaged."""

    a: str
    b: str
    a_rates_b: str
    b_rates_a: str
    asymmetric: bool


@dataclass(frozen=True)
class ChangeRow:
    change: str  # "New tie", "Stronger", ...
    rater: str
    partner: str
    before: str
    after: str


@dataclass
class MapData:
    system: System
    filters: MapFilters
    rounds: list[SurveyRound]
    round: SurveyRound | None
    compare: SurveyRound | None
    nodes: list[MapNode]
    edges: list[MapEdge]
    pairs: list[PairRow]
    interdependencies: list[Interdependency]
    change_rows: list[ChangeRow]
    change_sentences: list[str]
    n_organisations: int
    n_responded: int

    @property
    def organisations(self) -> list[MapNode]:
        return [n for n in self.nodes if n.kind == "organisation"]

    @property
    def relationship_edges(self) -> list[MapEdge]:
        return [e for e in self.edges if e.kind == "relationship"]

    @property
    def legend(self) -> list[dict[str, Any]]:
        """The sectors on the map (and communities, if any), each with its colour and shape."""
        present = {n.sector for n in self.nodes}
        rows = [
            {
                "sector": value,
                "label": str(label),
                "colour": SECTOR_LOOK[value][0],
                "shape": SECTOR_LOOK[value][1],
            }
            for value, label in Sector.choices
            if value in present
        ]
        if "community" in {n.kind for n in self.nodes}:
            rows.append(
                {"sector": "_community", "label": "Community", "colour": COMMUNITY_LOOK[0], "shape": "square"}
            )
        return rows

    @property
    def html_legend(self) -> list[dict[str, Any]]:
        """The legend's rows with each shape as SVG points for a 24-pixel drawing (the page's legend)."""
        return [{**row, "svg_points": svg_points(row["shape"], 10)} for row in self.legend]

    @property
    def edge_legend(self) -> list[dict[str, str]]:
        """The kinds of line on the map, each with its colour and dash pattern."""
        return [
            {**row, "colour": EDGE_COLOURS[row["kind"]], "dash": EDGE_DASHES.get(row["kind"], "")}
            for row in self._edge_legend_rows()
        ]

    def _edge_legend_rows(self) -> list[dict[str, str]]:
        rows = []
        if self.filters.show_relationships and self.round is not None:
            if self.compare is None:
                rows.append(
                    {
                        "kind": "relationship",
                        "label": "Relationship: the arrow points from the organisation that rated to the one "
                        "it rated; the thicker the line, the stronger (0 none to 4 integration)",
                    }
                )
            else:
                rows.append(
                    {"kind": "unchanged", "label": f"Tie in both {self.compare} and {self.round}, unchanged"}
                )
                for change in ("new", "stronger", "weaker", "lost"):
                    rows.append({"kind": change, "label": f"{CHANGE_WORDS[change]} since {self.compare}"})
        if self.filters.show_interdependencies:
            rows.append(
                {
                    "kind": "interdependency",
                    "label": "Interdependency (dashed, with what flows): from the part whose work affects to the "
                    "part that depends on it",
                }
            )
        return rows

    @property
    def summary(self) -> str:
        """One sentence on what the map shows: the image's description and the page's introduction."""
        n_org = len(self.organisations)
        parts = [f"{n_org:,} organisation{'s' if n_org != 1 else ''}"]
        if self.filters.show_relationships and self.round is not None:
            n = sum(1 for e in self.relationship_edges if e.change != "lost")
            parts.append(f"{n:,} tie{'s' if n != 1 else ''} from the survey round {self.round}")
        if self.filters.show_interdependencies:
            n = sum(1 for e in self.edges if e.kind == "interdependency")
            parts.append(f"{n:,} interdependenc{'ies' if n != 1 else 'y'}")
        text = "The map shows " + ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]
        if self.compare is not None and self.round is not None:
            counts = Counter(e.change for e in self.relationship_edges if e.change)
            text += (
                f", compared with {self.compare}: {counts['new']} new, {counts['stronger']} stronger, "
                f"{counts['weaker']} weaker and {counts['lost']} lost"
            )
        return text + "."

    def for_browser(self, *, part_url: str) -> dict[str, Any]:
        """The map as Cytoscape.js elements with preset positions, its legend, and each element's details as
        text (so the page's script only shows what the server wrote). ``part_url`` is an organisation's page
        with 0 for its id."""
        elements: list[dict[str, Any]] = []
        for n in self.nodes:
            data: dict[str, Any] = {
                "id": n.key,
                "label": n.name,
                "sector": n.sector if n.kind == "organisation" else "_community",
                "colour": n.colour,
                "size": n.size,
                "title": n.name,
                "details": node_details(n),
            }
            if n.kind == "organisation":
                data["link"] = part_url.replace("/0/", f"/{n.pk}/")
            elements.append({"group": "nodes", "data": data, "position": {"x": n.x, "y": n.y}})
        for e in self.edges:
            elements.append(
                {
                    "group": "edges",
                    "data": {
                        "id": e.key,
                        "source": e.source,
                        "target": e.target,
                        "kind": e.kind,
                        "change": e.change or "",
                        "dash": e.dashed,
                        "colour": e.colour,
                        "width": e.width,
                        "label": e.label,
                        "title": e.title,
                        "details": e.details,
                    },
                }
            )
        return {
            "elements": elements,
            "sectors": [{**row, "points": polygon_points(row["shape"])} for row in self.legend],
            "summary": self.summary,
        }


def polygon_points(shape: str) -> str:
    """Cytoscape's ``shape-polygon-points`` for a shape ("" for a circle)."""
    points = SHAPES[shape]
    return "" if points is None else " ".join(f"{x:.3f} {y:.3f}" for x, y in points)


def svg_points(shape: str, r: float, x: float = 0.0, y: float = 0.0) -> str:
    """A shape's polygon as SVG points around (x, y) with radius ``r`` ("" for a circle)."""
    points = SHAPES[shape]
    return "" if points is None else " ".join(f"{x + px * r:.1f},{y + py * r:.1f}" for px, py in points)


def node_details(n: MapNode) -> list[tuple[str, str]]:
    if n.kind == "community":
        return [("Kind", "A community of the system (linked by an interdependency)")]
    rows = [
        ("Sector", n.sector_label),
        ("Places it serves", ", ".join(n.places) or "None recorded"),
        (
            "Ties out (partners it rates 1 or more)",
            str(n.ties_out) if n.responded else "Did not answer this round",
        ),
        ("Ties in (partners that rate it 1 or more)", str(n.ties_in)),
    ]
    if n.received is not None:
        rows.extend(received_rows(n.received))
    return rows


def received_rows(received: measures.Received) -> list[tuple[str, str]]:
    """How others rate an organisation. Trust and value medians need 5 or more raters, so no single partner's
    answer can be read off (intensity is shown pair by pair on the map anyway)."""
    enough = received.n_raters >= threshold()
    hidden = f"Not shown: fewer than {threshold()} organisations rated it"
    return [
        ("Organisations that rate it", str(received.n_raters)),
        (
            "Median intensity it receives",
            intensity_text(received.intensity) if received.n_raters else "Nobody rated it",
        ),
        ("Median trust it receives", score_text(received.trust) if enough else hidden),
        ("Median value it receives", score_text(received.value) if enough else hidden),
    ]


def build_map(system: System, filters: MapFilters) -> MapData:
    """The map of ``system`` for ``filters``: nodes with preset positions, edges, and the tables' rows."""
    rounds = rounds_of(system)
    current = filters.round or latest_round(rounds)
    compare = filters.compare if current is not None and filters.compare != current else None
    positions = layout(system)

    organisations = (
        Organisation.objects.filter(system=system).prefetch_related("places").order_by("name", "pk")
    )
    if filters.sector:
        organisations = organisations.filter(sector=filters.sector)
    if filters.place:
        organisations = organisations.filter(places__pk=filters.place)
    shown: dict[int, MapNode] = {}
    for o in organisations.distinct():
        colour, shape = SECTOR_LOOK.get(o.sector, SECTOR_LOOK[Sector.OTHER])
        x, y = positions.get(f"o{o.pk}", (WIDTH / 2, HEIGHT / 2))
        shown[o.pk] = MapNode(
            key=f"o{o.pk}",
            pk=o.pk,
            kind="organisation",
            name=o.name,
            sector=o.sector,
            sector_label=str(o.get_sector_display()),  # type: ignore[attr-defined]
            colour=colour,
            shape=shape,
            x=x,
            y=y,
            places=sorted(p.name for p in o.places.all()),
        )
    names = {pk: n.name for pk, n in shown.items()}

    net = round_network(current) if current is not None else None
    before = round_network(compare) if compare is not None else None
    summary = measures.summarise(net) if net is not None else None
    edges: list[MapEdge] = []
    pairs: list[PairRow] = []
    change_rows: list[ChangeRow] = []
    change_sentences: list[str] = []

    if net is not None and summary is not None:
        for pk, node in shown.items():
            node.responded = pk in net.responded
            node.received = summary.received.get(pk)
        ties = [t for t in net.ties if t.rater in shown and t.partner in shown and t.rater != t.partner]
        for t in ties:
            if t.intensity >= measures.TIE_THRESHOLD:
                shown[t.rater].ties_out += 1
                shown[t.partner].ties_in += 1
        if filters.show_relationships:
            changes = _changes(before, net) if before is not None else None
            edges.extend(_relationship_edges(net, ties, names, changes))
            if changes is not None:
                edges.extend(_lost_edges(changes, shown, names))
                change_rows = _change_rows(changes, names)
                change_sentences = list(changes.sentences().values())
            pairs = _pairs(net, summary, ties, names)

    items: list[Interdependency] = []
    community_nodes: list[MapNode] = []
    if filters.show_interdependencies:
        items, communities = _interdependencies(system, shown)
        for c in communities:
            x, y = positions.get(f"c{c.pk}", (WIDTH / 2, HEIGHT / 2))
            community_nodes.append(
                MapNode(
                    key=f"c{c.pk}", pk=c.pk, kind="community", name=c.name, sector="_community",
                    sector_label="Community", colour=COMMUNITY_LOOK[0], shape=COMMUNITY_LOOK[1], x=x, y=y,
                )
            )  # fmt: skip
        edges.extend(_interdependency_edges(items))

    return MapData(
        system=system,
        filters=filters,
        rounds=rounds,
        round=current,
        compare=compare,
        nodes=[*shown.values(), *community_nodes],
        edges=edges,
        pairs=pairs,
        interdependencies=items,
        change_rows=change_rows,
        change_sentences=change_sentences,
        n_organisations=len(net.nodes)
        if net is not None
        else Organisation.objects.filter(system=system).count(),
        n_responded=len(net.responded) if net is not None else 0,
    )


def _changes(before: RoundNetwork, after: RoundNetwork) -> measures.RoundChange:
    return measures.compare(before, after)


def _change_index(changes: measures.RoundChange) -> dict[tuple[int, int], tuple[str, measures.TieChange]]:
    out: dict[tuple[int, int], tuple[str, measures.TieChange]] = {}
    for kind, items in (
        ("new", changes.new),
        ("stronger", changes.strengthened),
        ("weaker", changes.weakened),
        ("lost", changes.lost),
    ):
        for c in items:
            out[(c.rater, c.partner)] = (kind, c)
    return out


def _tie_details(t: Tie, names: dict[int, str], reverse: str) -> list[tuple[str, str]]:
    respondents = suppress_count(t.respondents)
    return [
        ("Intensity", intensity_text(t.intensity)),
        (f"How {names[t.partner]} rates {names[t.rater]}", reverse),
        ("Trust (mean of the three items)", score_text(t.trust)),
        ("Value (mean of the three items)", score_text(t.value)),
        ("Respondents combined", f"fewer than {threshold()}" if respondents is None else str(respondents)),
    ]


def _reverse_text(
    net: RoundNetwork, rater: int, partner: int, intensity: dict[tuple[int, int], float]
) -> str:
    if partner not in net.responded:
        return "Did not answer this round"
    return intensity_text(intensity.get((partner, rater), 0.0))


def _relationship_edges(
    net: RoundNetwork,
    ties: list[Tie],
    names: dict[int, str],
    changes: measures.RoundChange | None,
) -> list[MapEdge]:
    intensity = {(t.rater, t.partner): t.intensity for t in net.ties}
    index = _change_index(changes) if changes is not None else {}
    edges = []
    for t in ties:
        if t.intensity < measures.TIE_THRESHOLD:
            continue
        kind, change = index.get((t.rater, t.partner), (None, None))
        details = _tie_details(t, names, _reverse_text(net, t.rater, t.partner, intensity))
        if change is not None and kind is not None:
            details.append((f"In {changes.before_name}", intensity_text(change.before)))  # type: ignore[union-attr]
            details.append(("Change", CHANGE_WORDS[kind]))
        colour = (
            EDGE_COLOURS[kind]
            if kind
            else EDGE_COLOURS["unchanged" if changes is not None else "relationship"]
        )
        dashed = EDGE_DASHES.get(kind or "", "")
        edges.append(
            MapEdge(
                key=f"r{t.rater}-{t.partner}",
                source=f"o{t.rater}",
                target=f"o{t.partner}",
                kind="relationship",
                colour=colour,
                width=edge_width(t.intensity),
                label=CHANGE_WORDS[kind].lower() if kind else "",
                change=kind,
                dashed=dashed,
                details=details,
                title=f"How {names[t.rater]} rates {names[t.partner]}",
            )
        )
    return edges


def _lost_edges(
    changes: measures.RoundChange, shown: dict[int, MapNode], names: dict[int, str]
) -> list[MapEdge]:
    edges = []
    for c in changes.lost:
        if c.rater not in shown or c.partner not in shown:
            continue
        edges.append(
            MapEdge(
                key=f"l{c.rater}-{c.partner}",
                source=f"o{c.rater}",
                target=f"o{c.partner}",
                kind="relationship",
                colour=EDGE_COLOURS["lost"],
                width=edge_width(c.before),
                label="lost tie",
                change="lost",
                dashed=EDGE_DASHES["lost"],
                details=[
                    (f"In {changes.before_name}", intensity_text(c.before)),
                    (f"In {changes.after_name}", intensity_text(c.after)),
                    ("Change", CHANGE_WORDS["lost"]),
                ],
                title=f"How {names[c.rater]} rated {names[c.partner]}",
            )
        )
    return edges


def _change_rows(changes: measures.RoundChange, names: dict[int, str]) -> list[ChangeRow]:
    rows = []
    for kind, items in (
        ("new", changes.new),
        ("stronger", changes.strengthened),
        ("weaker", changes.weakened),
        ("lost", changes.lost),
    ):
        for c in items:
            if c.rater in names and c.partner in names:
                rows.append(
                    ChangeRow(
                        CHANGE_WORDS[kind],
                        names[c.rater],
                        names[c.partner],
                        intensity_text(c.before),
                        intensity_text(c.after),
                    )
                )
    return rows


def _pairs(
    net: RoundNetwork, summary: measures.NetworkMeasures, ties: list[Tie], names: dict[int, str]
) -> list[PairRow]:
    intensity = {(t.rater, t.partner): t.intensity for t in net.ties}
    flagged = {(a.a, a.b) for a in summary.asymmetric}
    seen: set[tuple[int, int]] = set()
    rows = []
    for t in ties:
        if t.intensity < measures.TIE_THRESHOLD:
            continue
        a, b = sorted((t.rater, t.partner), key=lambda pk: (names[pk], pk))
        key = (min(a, b), max(a, b))
        if key in seen:
            continue
        seen.add(key)
        ab = intensity_text(intensity.get((a, b), 0.0)) if a in net.responded else "Did not answer this round"
        ba = intensity_text(intensity.get((b, a), 0.0)) if b in net.responded else "Did not answer this round"
        rows.append(PairRow(names[a], names[b], ab, ba, key in flagged))
    return sorted(rows, key=lambda r: (r.a, r.b))


def _interdependencies(
    system: System, shown: dict[int, MapNode]
) -> tuple[list[Interdependency], list[Community]]:
    """Interdependencies whose organisation ends are all on the map, and the communities at their other end."""
    items = []
    communities: dict[int, Community] = {}
    for item in Interdependency.objects.filter(system=system).select_related(
        "from_organisation", "from_community", "to_organisation", "to_community"
    ):
        ends_ok = all(pk in shown for pk in (item.from_organisation_id, item.to_organisation_id) if pk)
        if not ends_ok:
            continue
        items.append(item)
        for c in (item.from_community, item.to_community):
            if c is not None:
                communities[c.pk] = c
    return items, sorted(communities.values(), key=lambda c: c.name)


def _interdependency_edges(items: list[Interdependency]) -> list[MapEdge]:
    edges = []
    for item in items:
        source = (
            f"o{item.from_organisation_id}" if item.from_organisation_id else f"c{item.from_community_id}"
        )
        target = f"o{item.to_organisation_id}" if item.to_organisation_id else f"c{item.to_community_id}"
        kind = str(item.get_kind_display())  # type: ignore[attr-defined]
        strength = str(item.get_strength_display())  # type: ignore[attr-defined]
        edges.append(
            MapEdge(
                key=f"i{item.pk}",
                source=source,
                target=target,
                kind="interdependency",
                colour=EDGE_COLOURS["interdependency"],
                width={"low": 2.0, "medium": 3.5, "high": 5.0}.get(item.strength, 3.0),
                label=kind.lower(),
                dashed=EDGE_DASHES["interdependency"],
                details=[
                    ("What flows", kind),
                    ("Strength", strength),
                    ("Description", item.description),
                    ("Evidence", item.evidence or "None recorded"),
                ],
                title=f"{item.source} affects {item.target} ({kind.lower()})",
            )
        )
    return edges


# --- The server-rendered image ------------------------------------------------------------------------------


def _wrap(text: str, width: int = 22, lines: int = 3) -> list[str]:
    out: list[str] = []
    for word in text.split():
        if out and len(out[-1]) + 1 + len(word) <= width:
            out[-1] += " " + word
        else:
            out.append(word)
    if len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1][: width - 1].rstrip() + "…"
    return out


def _shape_svg(shape: str, x: float, y: float, r: float, fill: str, extra: str = "") -> str:
    points = SHAPES[shape]
    if points is None:
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="{fill}" stroke="{OUTLINE}" stroke-width="2"{extra}/>'
    return f'<polygon points="{svg_points(shape, r, x, y)}" fill="{fill}" stroke="{OUTLINE}" stroke-width="2"{extra}/>'


def _fit(nodes: list[MapNode]) -> tuple[float, float, float]:
    """Scale and offsets that fit the shown nodes into the drawing area (never enlarged more than 1.5 times)."""
    if not nodes:
        return 1.0, 0.0, 0.0
    xs, ys = [n.x for n in nodes], [n.y for n in nodes]
    span_x, span_y = max(xs) - min(xs), max(ys) - min(ys)
    scale = min(
        (WIDTH - 2 * MARGIN) / span_x if span_x else 1.5,
        (HEIGHT - 2 * MARGIN) / span_y if span_y else 1.5,
        1.5,
    )
    dx = (WIDTH - span_x * scale) / 2 - min(xs) * scale
    dy = (HEIGHT - span_y * scale) / 2 - min(ys) * scale
    return scale, dx, dy


def render_svg(data: MapData) -> str:
    """The map as a standalone SVG image: nodes, edges, labels and a legend, with a <title> and a <desc>.

    Presentation attributes only (no style attribute or element), so it renders under the site's
    Content-Security-Policy and in WeasyPrint.
    """
    scale, dx, dy = _fit(data.nodes)
    at = {n.key: (n.x * scale + dx, n.y * scale + dy, n.size / 2) for n in data.nodes}
    legend_rows = data.legend
    edge_rows = data.edge_legend
    legend_top = HEIGHT + 20
    sector_lines = math.ceil(len(legend_rows) / 3)
    height = legend_top + 40 + sector_lines * 34 + len(edge_rows) * 30 + 20
    title = f"Map of {data.system.name}" + (f", survey round {data.round}" if data.round else "")
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH:.0f} {height:.0f}" width="{WIDTH:.0f}" '
        f'height="{height:.0f}" role="img" aria-labelledby="map-title map-desc" '
        'font-family="Arial, Helvetica, sans-serif">',
        f'<title id="map-title">{escape(title)}</title>',
        f'<desc id="map-desc">{escape(data.summary)} Organisations are coloured and shaped by sector (see the '
        "legend) and sized by their number of ties.</desc>",
        "<defs>",
    ]
    for name, colour in EDGE_COLOURS.items():
        out.append(
            f'<marker id="arrow-{name}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="12" markerHeight="12" '
            f'markerUnits="userSpaceOnUse" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>'
        )
    out.append("</defs>")
    out.append(f'<rect x="0" y="0" width="{WIDTH:.0f}" height="{height:.0f}" fill="#ffffff"/>')
    if not data.nodes:
        out.append(
            f'<text x="{WIDTH / 2:.0f}" y="{HEIGHT / 2:.0f}" text-anchor="middle" font-size="20" fill="{OUTLINE}">'
            "No organisation matches these filters.</text>"
        )

    out.append('<g id="edges">')
    labels: list[str] = []
    for e in data.edges:
        if e.source not in at or e.target not in at:
            continue
        out.append(_edge_svg(e, at[e.source], at[e.target], labels))
    out.append("</g>")
    out.append('<g id="nodes">')
    for n in data.nodes:
        x, y, r = at[n.key]
        dash = ' stroke-dasharray="4 3"' if n.kind == "community" else ""
        out.append(f"<g><title>{escape(n.name)} ({escape(n.sector_label)})</title>")
        out.append(_shape_svg(n.shape, x, y, r, n.colour, dash))
        for i, line in enumerate(_wrap(n.name)):
            out.append(
                f'<text x="{x:.1f}" y="{y + r + 14 + i * 14:.1f}" text-anchor="middle" font-size="12" '
                f'fill="{OUTLINE}" stroke="#ffffff" stroke-width="3" paint-order="stroke">{escape(line)}</text>'
            )
        out.append("</g>")
    out.append("</g>")
    out.extend(labels)

    # The legend.
    y = legend_top
    out.append(f'<line x1="20" y1="{y:.0f}" x2="{WIDTH - 20:.0f}" y2="{y:.0f}" stroke="#d8dde0"/>')
    y += 28
    out.append(f'<text x="20" y="{y:.0f}" font-size="15" font-weight="bold" fill="{OUTLINE}">Legend</text>')
    y += 12
    for i, row in enumerate(legend_rows):
        col, line = i % 3, i // 3
        lx, ly = 30 + col * 320, y + 16 + line * 34
        dash = ' stroke-dasharray="4 3"' if row["sector"] == "_community" else ""
        out.append(_shape_svg(row["shape"], lx, ly, 10, row["colour"], dash))
        out.append(
            f'<text x="{lx + 18:.0f}" y="{ly + 5:.0f}" font-size="13" fill="{OUTLINE}">{escape(row["label"])}</text>'
        )
    y += sector_lines * 34 + 10
    for row in edge_rows:
        kind = row["kind"]
        dash = f' stroke-dasharray="{EDGE_DASHES[kind]}"' if kind in EDGE_DASHES else ""
        out.append(
            f'<line x1="20" y1="{y + 10:.0f}" x2="70" y2="{y + 10:.0f}" stroke="{EDGE_COLOURS[kind]}" stroke-width="3"'
            f'{dash} marker-end="url(#arrow-{kind})"/>'
        )
        out.append(
            f'<text x="82" y="{y + 15:.0f}" font-size="13" fill="{OUTLINE}">{escape(row["label"])}</text>'
        )
        y += 30
    out.append("</svg>")
    return "\n".join(out)


def _edge_svg(
    e: MapEdge, a: tuple[float, float, float], b: tuple[float, float, float], labels: list[str]
) -> str:
    (x1, y1, r1), (x2, y2, r2) = a, b
    length = math.hypot(x2 - x1, y2 - y1) or 1.0
    ux, uy = (x2 - x1) / length, (y2 - y1) / length
    # Bow every edge a little to its right, so the two directions of a pair are two separate curves.
    bow = min(40.0, 0.15 * length)
    cx, cy = (x1 + x2) / 2 - uy * bow, (y1 + y2) / 2 + ux * bow

    def towards(px: float, py: float, qx: float, qy: float, d: float) -> tuple[float, float]:
        dist = math.hypot(qx - px, qy - py) or 1.0
        return px + (qx - px) / dist * d, py + (qy - py) / dist * d

    sx, sy = towards(x1, y1, cx, cy, r1 + 2)
    tx, ty = towards(x2, y2, cx, cy, r2 + 4)
    marker = e.change or ("interdependency" if e.kind == "interdependency" else "relationship")
    if e.kind == "relationship" and e.change is None and EDGE_COLOURS["unchanged"] == e.colour:
        marker = "unchanged"
    dash = f' stroke-dasharray="{e.dashed}"' if e.dashed else ""
    # Change words ("new", "lost") would bury a busy map: the line's colour and pattern, the legend and the table
    # of changes say it. Interdependencies are fewer and their kind matters, so they carry a label.
    if e.label and e.kind == "interdependency":
        # The label sits at the curve's middle (a quadratic Bezier's midpoint).
        mx, my = 0.25 * sx + 0.5 * cx + 0.25 * tx, 0.25 * sy + 0.5 * cy + 0.25 * ty
        labels.append(
            f'<text x="{mx:.1f}" y="{my + 4:.1f}" text-anchor="middle" font-size="11" fill="{e.colour}" '
            f'stroke="#ffffff" stroke-width="3" paint-order="stroke">{escape(e.label)}</text>'
        )
    return (
        f'<path d="M{sx:.1f},{sy:.1f} Q{cx:.1f},{cy:.1f} {tx:.1f},{ty:.1f}" fill="none" stroke="{e.colour}" '
        f'stroke-width="{e.width}"{dash} marker-end="url(#arrow-{marker})"><title>{escape(e.title)}</title></path>'
    )


# --- "My part" ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartnerRow:
    """One partner of the organisation: how it rates the partner against how the partner rates it."""

    partner: Organisation
    sector_label: str
    rates_partner: str
    partner_rates: str
    trust_given: str
    value_given: str
    worth_a_conversation: bool


@dataclass(frozen=True)
class ChangeLine:
    change: str
    text: str


@dataclass
class OrganisationPart:
    organisation: Organisation
    round: SurveyRound | None
    previous: SurveyRound | None
    responded: bool
    partners: list[PartnerRow]
    ties_out: int
    ties_in: int
    received: list[tuple[str, str]]
    dependencies_in: list[Interdependency]
    dependencies_out: list[Interdependency]
    places: list[str]
    communities: list[str]
    conversations: list[Cell]
    joint_work: list[tuple[JointWork, list[str]]]  # with the names of the other organisations
    changes: list[ChangeLine]
    change_summary: str

    @property
    def n_worth_a_conversation(self) -> int:
        return sum(1 for p in self.partners if p.worth_a_conversation)


def organisation_part(organisation: Organisation) -> OrganisationPart:
    """What "my part" shows for one organisation, from the latest round with answers (and the one before)."""
    system = organisation.system
    rounds = rounds_of(system)
    current = latest_round(rounds)
    previous = previous_round(rounds, current)
    org = organisation.pk
    partners: list[PartnerRow] = []
    received: list[tuple[str, str]] = []
    ties_out = ties_in = 0
    responded = False
    changes: list[ChangeLine] = []
    change_summary = ""
    if current is not None:
        net = round_network(current)
        summary = measures.summarise(net)
        responded = org in net.responded
        out, in_ = measures.ties_of(net, org)
        by_partner_out = {t.partner: t for t in out}
        by_partner_in = {t.rater: t for t in in_}
        flagged = {a.b if a.a == org else a.a for a in summary.asymmetric if org in (a.a, a.b)}
        ids = {t.partner for t in out if t.intensity >= measures.TIE_THRESHOLD} | {
            t.rater for t in in_ if t.intensity >= measures.TIE_THRESHOLD
        }
        ties_out = sum(1 for t in out if t.intensity >= measures.TIE_THRESHOLD)
        ties_in = sum(1 for t in in_ if t.intensity >= measures.TIE_THRESHOLD)
        others = {o.pk: o for o in Organisation.objects.filter(pk__in=ids)}
        for pk in sorted(ids, key=lambda i: others[i].name if i in others else ""):
            if pk not in others:
                continue
            mine, theirs = by_partner_out.get(pk), by_partner_in.get(pk)
            partners.append(
                PartnerRow(
                    partner=others[pk],
                    sector_label=str(others[pk].get_sector_display()),  # type: ignore[attr-defined]
                    rates_partner=intensity_text(mine.intensity if mine else 0.0)
                    if responded
                    else "Not answered yet",
                    partner_rates=intensity_text(theirs.intensity if theirs else 0.0)
                    if pk in net.responded
                    else "Not answered yet",
                    trust_given=score_text(mine.trust) if mine else "Not answered",
                    value_given=score_text(mine.value) if mine else "Not answered",
                    worth_a_conversation=pk in flagged,
                )
            )
        got = summary.received.get(org)
        if got is not None:
            received = received_rows(got)
        if previous is not None:
            change = measures.compare(round_network(previous), net)
            changes, change_summary = _part_changes(change, org)

    items = list(
        Interdependency.objects.filter(system=system)
        .filter(Q(from_organisation_id=org) | Q(to_organisation_id=org))
        .select_related("from_organisation", "from_community", "to_organisation", "to_community")
    )
    dependencies_in = [i for i in items if i.to_organisation_id == org]
    dependencies_out = [i for i in items if i.from_organisation_id == org]
    communities = sorted({c.name for i in items for c in (i.from_community, i.to_community) if c is not None})
    counts = (
        Participation.objects.filter(participant__organisation=organisation)
        .values("conversation__title")
        .annotate(n=Count("participant", distinct=True))
        .order_by("conversation__title")
    )
    conversations = suppress_breakdown([(row["conversation__title"], row["n"]) for row in counts])
    return OrganisationPart(
        organisation=organisation,
        round=current,
        previous=previous,
        responded=responded,
        partners=partners,
        ties_out=ties_out,
        ties_in=ties_in,
        received=received,
        dependencies_in=dependencies_in,
        dependencies_out=dependencies_out,
        places=sorted(p.name for p in organisation.places.all()),
        communities=communities,
        conversations=conversations,
        joint_work=[
            (w, [o.name for o in w.organisations.all() if o.pk != org])
            for w in organisation.joint_work.prefetch_related("organisations")
        ],
        changes=changes,
        change_summary=change_summary,
    )


def _part_changes(change: measures.RoundChange, org: int) -> tuple[list[ChangeLine], str]:
    involved = [
        (kind, c)
        for kind, items in (
            ("new", change.new),
            ("stronger", change.strengthened),
            ("weaker", change.weakened),
            ("lost", change.lost),
        )
        for c in items
        if org in (c.rater, c.partner)
    ]
    names = dict(
        Organisation.objects.filter(
            pk__in={pk for _, c in involved for pk in (c.rater, c.partner)}
        ).values_list("pk", "name")
    )
    lines = []
    for kind, c in involved:
        if c.rater == org:
            text = f"How you rate {names.get(c.partner, 'a former partner')}"
        else:
            text = f"How {names.get(c.rater, 'a former partner')} rates you"
        lines.append(
            ChangeLine(
                CHANGE_WORDS[kind],
                f"{text}: {intensity_text(c.before).lower()} in {change.before_name}, "
                f"{intensity_text(c.after).lower()} in {change.after_name}",
            )
        )
    counts = Counter(kind for kind, _ in involved)
    summary = (
        f"Since {change.before_name}: {counts['new']} new, {counts['stronger']} stronger, "
        f"{counts['weaker']} weaker and {counts['lost']} lost tie{'s' if counts['lost'] != 1 else ''}, "
        "counting only the organisations that answered both rounds."
    )
    return lines, summary
