"""The asset map drawn on the server, as an SVG image: what the map page shows without JavaScript (Leaflet
draws the same points when it runs), with no tiles and no request to another site.

Points are projected equirectangularly with the longitude scaled by the cosine of the middle latitude, which is
true to within a fraction of a per cent over a county; each category has its own colour and each place's name
is written at the middle of its assets.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from xml.sax.saxutils import escape

from commonweal.communities.models import Category

WIDTH, HEIGHT, MARGIN = 800, 560, 24

#: A colour per category (the NHS.UK palette, each with at least 3:1 contrast on the pale background).
COLOURS = {
    Category.INDIVIDUALS: "#005eb8",
    Category.ASSOCIATIONS: "#007f3b",
    Category.INSTITUTIONS: "#330072",
    Category.PHYSICAL: "#8a1538",
    Category.ECONOMIC: "#ae2573",
    Category.CULTURE: "#4c6272",
}

Point = tuple[int, str, str, float, float]


def _projection(points: Sequence[Point]) -> tuple[float, float, float, float, float]:
    lats = [p[3] for p in points]
    lons = [p[4] for p in points]
    scale_x = math.cos(math.radians((min(lats) + max(lats)) / 2))
    span_x = max((max(lons) - min(lons)) * scale_x, 1e-4)
    span_y = max(max(lats) - min(lats), 1e-4)
    scale = min((WIDTH - 2 * MARGIN) / span_x, (HEIGHT - 2 * MARGIN) / span_y)
    return min(lons), max(lats), scale_x, scale, span_x


def render_svg(points: Sequence[Point], places: Sequence[tuple[str, float, float]], *, title: str) -> str:
    """An SVG map of ``points`` ((id, name, category, latitude, longitude)) with ``places`` ((name, latitude,
    longitude)) labelled; ``title`` names it for screen readers."""
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="t"><title id="t">{escape(title)}</title>'
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#f0f4f5"/>'
    )
    if not points:
        return (
            head
            + f'<text x="{WIDTH // 2}" y="{HEIGHT // 2}" text-anchor="middle" font-family="Arial" font-size="18">No asset with a location</text></svg>'
        )
    west, north, scale_x, scale, _ = _projection(points)

    def xy(lat: float, lon: float) -> tuple[float, float]:
        return MARGIN + (lon - west) * scale_x * scale, MARGIN + (north - lat) * scale

    parts = [head]
    for category, colour in COLOURS.items():
        dots = "".join(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4"/>'
            for x, y in (xy(p[3], p[4]) for p in points if p[2] == category)
        )
        if dots:
            parts.append(f'<g fill="{colour}" fill-opacity="0.8" stroke="#fff" stroke-width="1">{dots}</g>')
    for name, lat, lon in places:
        x, y = xy(lat, lon)
        parts.append(
            f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle" font-family="Arial" font-size="16" '
            f'font-weight="bold" fill="#212b32" stroke="#fff" stroke-width="3" paint-order="stroke">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
