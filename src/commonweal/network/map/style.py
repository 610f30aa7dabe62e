"""How the map looks: each sector's colour and shape, the lines' colours and patterns, sizes, and the words for
intensities and scores. Shared by the interactive map (Cytoscape.js), the page's legend and the SVG image, so the
three always match."""

from __future__ import annotations

import math

from commonweal.analysis.network import measures
from commonweal.systems.models import Sector


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
    "heptagon": _regular(7),
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
    Sector.COMMUNITY_GROUP: ("#da291c", "heptagon"),
    Sector.OTHER: ("#aeb7bd", "down-triangle"),
}
COMMUNITY_LOOK = ("#ffffff", "square")
OUTLINE = "#212b32"
#: The halo around highlighted organisations (the one in focus, those matching the filters).
HALO = "#ffeb3b"

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


def node_size(ties: int) -> float:
    """A node's diameter from its number of ties (in and out): the square root, so hubs do not swamp the map."""
    return round(min(52.0, 22.0 + 6.0 * math.sqrt(ties)), 1)


def edge_width(intensity: float) -> float:
    """A tie's line width from its intensity (0 to 4)."""
    return round(0.75 + 0.9 * intensity, 2)


def edge_opacity(intensity: float) -> float:
    """A tie's line opacity from its intensity: weak ties lighter, so the strong ones stand out of a busy map."""
    return round(min(1.0, 0.3 + 0.17 * intensity), 2)


def intensity_text(value: float | None) -> str:
    """An intensity in words ("Coordination"), or "Not rated"."""
    return "Not rated" if value is None else measures.intensity_words(value).capitalize()


def score_text(value: float | None) -> str:
    """A trust or value score out of 4, or "Not answered"."""
    return "Not answered" if value is None else f"{value:.1f} of 4"


def polygon_points(shape: str) -> str:
    """Cytoscape's ``shape-polygon-points`` for a shape ("" for a circle)."""
    points = SHAPES[shape]
    return "" if points is None else " ".join(f"{x:.3f} {y:.3f}" for x, y in points)


def svg_points(shape: str, r: float, x: float = 0.0, y: float = 0.0) -> str:
    """A shape's polygon as SVG points around (x, y) with radius ``r`` ("" for a circle)."""
    points = SHAPES[shape]
    return "" if points is None else " ".join(f"{x + px * r:.1f},{y + py * r:.1f}" for px, py in points)
