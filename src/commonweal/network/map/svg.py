"""The map as an SVG image drawn on the server, for pages without JavaScript and for PDF reports.

Presentation attributes only (no style attribute or element), so it renders under the site's
Content-Security-Policy and in WeasyPrint.
"""

from __future__ import annotations

import math
from xml.sax.saxutils import escape

from commonweal.network.map.data import MapData, MapEdge, MapNode, highlight_text
from commonweal.network.map.labels import EDGE_FONT_SIZE, FONT_SIZE, LINE_HEIGHT, At, curve, text_width
from commonweal.network.map.layout import HEIGHT, WIDTH
from commonweal.network.map.style import EDGE_COLOURS, EDGE_DASHES, HALO, OUTLINE, SHAPES, svg_points


def render_svg(data: MapData) -> str:
    """The map as a standalone SVG image: nodes, edges, labels and a legend, with a <title> and a <desc>.

    Nodes and names are drawn where :mod:`.labels` placed them (no two names overlap); the names that did not fit
    are listed below the legend."""
    at = {n.key: (n.at_x, n.at_y, n.size / 2) for n in data.nodes}
    sector_lines = math.ceil(len(data.legend) / 2)
    unlabelled = _unlabelled_lines(data)
    highlight = 30 if data.highlighted else 0
    height = (
        HEIGHT
        + 20
        + 40
        + sector_lines * 34
        + highlight
        + len(data.edge_legend) * 30
        + 20
        + len(unlabelled) * 18
    )
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
    out.append('<g id="labels">')
    for n in data.nodes:
        out.extend(_label_svg(n))
    out.extend(labels)
    out.append("</g>")
    bottom = _legend_svg(data, HEIGHT + 20, out)
    for i, line in enumerate(unlabelled):
        out.append(
            f'<text x="20" y="{bottom + 14 + i * 18:.0f}" font-size="13" fill="{OUTLINE}">{escape(line)}</text>'
        )
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
    """A node: its shape (dashed for a community), with a yellow halo when highlighted, and its full name as a
    tooltip."""
    x, y, r = at
    dash = ' stroke-dasharray="4 3"' if n.kind == "community" else ""
    out = [f"<g><title>{escape(n.name)} ({escape(n.sector_label)})</title>"]
    if n.highlight:
        out.append(_halo_svg(x, y, r))
    out.append(_shape_svg(n.shape, x, y, r, n.colour, dash))
    out.append("</g>")
    return out


def _halo_svg(x: float, y: float, r: float) -> str:
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r + 5:.1f}" fill="{HALO}" stroke="{OUTLINE}" stroke-width="1.5"/>'


def _label_svg(n: MapNode) -> list[str]:
    """A node's name where :mod:`.labels` placed it (nothing when it did not fit), with its full name as a
    tooltip when shortened."""
    if not n.label_lines:
        return []
    shortened = " ".join(n.label_lines) != n.name
    out = [
        f'<text x="{n.label_x:.1f}" y="{n.label_y:.1f}" text-anchor="middle" font-size="{FONT_SIZE:.0f}" '
        f'fill="{OUTLINE}" stroke="#ffffff" stroke-width="3" paint-order="stroke">'
        + (f"<title>{escape(n.name)}</title>" if shortened else "")
    ]
    for i, line in enumerate(n.label_lines):
        dy = f' dy="{LINE_HEIGHT:.0f}"' if i else ""
        out.append(f'<tspan x="{n.label_x:.1f}"{dy}>{escape(line)}</tspan>')
    out.append("</text>")
    return ["".join(out)]


def _unlabelled_lines(data: MapData) -> list[str]:
    """The names not written on the drawing, as lines of text under the legend."""
    names = [n.name for n in data.unlabelled]
    if not names:
        return []
    words = ("Not named on the map, for room (see the tables): " + "; ".join(names) + ".").split(" ")
    lines = [""]
    for word in words:
        if lines[-1] and text_width(lines[-1] + " " + word, 13) > WIDTH - 40:
            lines.append(word)
        else:
            lines[-1] = (lines[-1] + " " + word).strip()
    return lines


def _legend_svg(data: MapData, top: float, out: list[str]) -> float:
    """The legend below the map, added to ``out``: the sectors' shapes two to a line, the highlight, then each
    kind of line. Returns where it ends."""
    y = top
    out.append(f'<line x1="20" y1="{y:.0f}" x2="{WIDTH - 20:.0f}" y2="{y:.0f}" stroke="#d8dde0"/>')
    y += 28
    out.append(f'<text x="20" y="{y:.0f}" font-size="15" font-weight="bold" fill="{OUTLINE}">Legend</text>')
    y += 12
    legend_rows = data.legend
    for i, row in enumerate(legend_rows):
        col, line = i % 2, i // 2
        lx, ly = 30 + col * 480, y + 16 + line * 34
        dash = ' stroke-dasharray="4 3"' if row["sector"] == "_community" else ""
        out.append(_shape_svg(row["shape"], lx, ly, 10, row["colour"], dash))
        out.append(
            f'<text x="{lx + 18:.0f}" y="{ly + 5:.0f}" font-size="13" fill="{OUTLINE}">{escape(row["label"])}</text>'
        )
    y += math.ceil(len(legend_rows) / 2) * 34 + 10
    if data.highlighted:
        out.append(_halo_svg(30, y + 6, 8))
        out.append(
            f'<circle cx="30" cy="{y + 6:.0f}" r="8" fill="#ffffff" stroke="{OUTLINE}" stroke-width="2"/>'
        )
        out.append(
            f'<text x="48" y="{y + 11:.0f}" font-size="13" fill="{OUTLINE}">{escape(highlight_text(data))}</text>'
        )
        y += 30
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
    return y


def _shape_svg(shape: str, x: float, y: float, r: float, fill: str, extra: str = "") -> str:
    points = SHAPES[shape]
    if points is None:
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="{fill}" stroke="{OUTLINE}" stroke-width="2"{extra}/>'
    return f'<polygon points="{svg_points(shape, r, x, y)}" fill="{fill}" stroke="{OUTLINE}" stroke-width="2"{extra}/>'


def _edge_svg(e: MapEdge, a: At, b: At, labels: list[str]) -> str:
    sx, sy, cx, cy, tx, ty = curve(a, b)
    marker = e.change or ("interdependency" if e.kind == "interdependency" else "relationship")
    if e.kind == "relationship" and e.change is None and EDGE_COLOURS["unchanged"] == e.colour:
        marker = "unchanged"
    dash = f' stroke-dasharray="{e.dashed}"' if e.dashed else ""
    opacity = f' stroke-opacity="{e.opacity}"' if e.opacity < 1 else ""
    # Change words ("new", "lost") would bury a busy map: the line's colour and pattern, the legend and the table
    # of changes say it. Interdependencies are fewer and their kind matters, so they carry a label where
    # :mod:`.labels` found room for it at the curve's middle.
    if e.label_shown:
        labels.append(
            f'<text x="{e.label_x:.1f}" y="{e.label_y:.1f}" text-anchor="middle" font-size="{EDGE_FONT_SIZE:.0f}" '
            f'fill="{e.colour}" stroke="#ffffff" stroke-width="3" paint-order="stroke">{escape(e.label)}</text>'
        )
    return (
        f'<path d="M{sx:.1f},{sy:.1f} Q{cx:.1f},{cy:.1f} {tx:.1f},{ty:.1f}" fill="none" stroke="{e.colour}" '
        f'stroke-width="{e.width}"{opacity}{dash} marker-end="url(#arrow-{marker})"><title>{escape(e.title)}</title></path>'
    )
