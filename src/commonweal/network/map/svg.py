"""The map as an SVG image drawn on the server, for pages without JavaScript and for PDF reports.

Presentation attributes only (no style attribute or element), so it renders under the site's
Content-Security-Policy and in WeasyPrint.
"""

from __future__ import annotations

import math
from xml.sax.saxutils import escape

from commonweal.network.map.data import MapData, MapEdge, MapNode
from commonweal.network.map.layout import HEIGHT, MARGIN, WIDTH
from commonweal.network.map.style import EDGE_COLOURS, EDGE_DASHES, OUTLINE, SHAPES, svg_points

#: Where a node is drawn: its centre and radius in the image.
At = tuple[float, float, float]


def render_svg(data: MapData) -> str:
    """The map as a standalone SVG image: nodes, edges, labels and a legend, with a <title> and a <desc>."""
    scale, dx, dy = _fit(data.nodes)
    at = {n.key: (n.x * scale + dx, n.y * scale + dy, n.size / 2) for n in data.nodes}
    sector_lines = math.ceil(len(data.legend) / 3)
    height = HEIGHT + 20 + 40 + sector_lines * 34 + len(data.edge_legend) * 30 + 20
    out = _head(data, height)
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
        out.extend(_node_svg(n, at[n.key]))
    out.append("</g>")
    out.extend(labels)
    out.extend(_legend_svg(data, HEIGHT + 20))
    out.append("</svg>")
    return "\n".join(out)


def _head(data: MapData, height: float) -> list[str]:
    """The opening of the image: its size, title and description, the arrowheads, and a white background."""
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
    return out


def _node_svg(n: MapNode, at: At) -> list[str]:
    """A node: its shape (dashed for a community) and its name in up to three lines below it."""
    x, y, r = at
    dash = ' stroke-dasharray="4 3"' if n.kind == "community" else ""
    out = [f"<g><title>{escape(n.name)} ({escape(n.sector_label)})</title>"]
    out.append(_shape_svg(n.shape, x, y, r, n.colour, dash))
    for i, line in enumerate(_wrap(n.name)):
        out.append(
            f'<text x="{x:.1f}" y="{y + r + 14 + i * 14:.1f}" text-anchor="middle" font-size="12" '
            f'fill="{OUTLINE}" stroke="#ffffff" stroke-width="3" paint-order="stroke">{escape(line)}</text>'
        )
    out.append("</g>")
    return out


def _legend_svg(data: MapData, top: float) -> list[str]:
    """The legend below the map: the sectors' shapes three to a line, then each kind of line."""
    y = top
    out = [f'<line x1="20" y1="{y:.0f}" x2="{WIDTH - 20:.0f}" y2="{y:.0f}" stroke="#d8dde0"/>']
    y += 28
    out.append(f'<text x="20" y="{y:.0f}" font-size="15" font-weight="bold" fill="{OUTLINE}">Legend</text>')
    y += 12
    legend_rows = data.legend
    for i, row in enumerate(legend_rows):
        col, line = i % 3, i // 3
        lx, ly = 30 + col * 320, y + 16 + line * 34
        dash = ' stroke-dasharray="4 3"' if row["sector"] == "_community" else ""
        out.append(_shape_svg(row["shape"], lx, ly, 10, row["colour"], dash))
        out.append(
            f'<text x="{lx + 18:.0f}" y="{ly + 5:.0f}" font-size="13" fill="{OUTLINE}">{escape(row["label"])}</text>'
        )
    y += math.ceil(len(legend_rows) / 3) * 34 + 10
    for row in data.edge_legend:
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
    return out


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
