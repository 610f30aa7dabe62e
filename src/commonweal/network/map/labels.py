"""Where the map's nodes and their names are drawn: the layout fitted to the drawing area, then each name placed
beside its node where it covers no other name, no other node and stays inside the drawing.

Names are placed one at a time, the organisation in focus first, then those the filters match, then by number of
ties. Each tries its full name (wrapped on up to three lines, then narrower on up to four), then a shortened name
(common words abbreviated: "Primary Care Network" is "PCN"), each below, above, right, left and at the four
corners of its node. A name that fits nowhere is not written: the map lists it under the drawing (and its node
keeps its full name in a tooltip), so no two names ever overlap. The image (:mod:`.svg`) and the interactive map
(:mod:`.cytoscape`) draw the same names at the same places.

Text widths are DejaVu Sans's, the widest of the fonts browsers use for the map's "Arial, Helvetica, sans-serif",
so a name's box is never smaller than what a browser draws.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from commonweal.network.map.data import MapEdge, MapNode
from commonweal.network.map.layout import HEIGHT, MARGIN, WIDTH

#: The names' font size and line height, in the drawing's units (and the interdependencies' words').
FONT_SIZE = 12.0
EDGE_FONT_SIZE = 11.0
LINE_HEIGHT = 14.0
#: Above the baseline (cap height and accents) and below it (descenders), in the drawing's units.
ASCENT, DESCENT = 10.0, 3.5
#: Room kept clear around a name (its white halo is 1.5 wide on each side).
PAD = 2.0

# DejaVu Sans's advance widths, in thousandths of the font size: the widest of the fonts a browser draws for
# "Arial, Helvetica, sans-serif" (Linux without Arial falls back to it; Arial and Liberation Sans are 5 to 15 %
# narrower), so a name never takes more room than its box.
_WIDTHS = {
    " ": 318, "!": 401, '"': 460, "#": 838, "$": 636, "%": 950, "&": 780, "'": 275, "(": 390, ")": 390,
    "*": 500, "+": 838, ",": 318, "-": 361, ".": 318, "/": 337, ":": 337, ";": 337, "?": 531, "@": 1000,
    "A": 684, "B": 686, "C": 698, "D": 770, "E": 632, "F": 575, "G": 775, "H": 752, "I": 295, "J": 295,
    "K": 656, "L": 557, "M": 863, "N": 748, "O": 787, "P": 603, "Q": 787, "R": 695, "S": 635, "T": 611,
    "U": 732, "V": 684, "W": 989, "X": 685, "Y": 611, "Z": 685, "a": 613, "b": 635, "c": 550, "d": 635,
    "e": 615, "f": 352, "g": 635, "h": 634, "i": 278, "j": 278, "k": 579, "l": 278, "m": 974, "n": 634,
    "o": 612, "p": 635, "q": 635, "r": 411, "s": 521, "t": 392, "u": 634, "v": 592, "w": 818, "x": 592,
    "y": 592, "z": 525, "\u2019": 318, "\u2026": 1000,
}  # fmt: skip
_DIGIT, _OTHER = 636, 1000  # any other character counts as wide as an M and more

#: Words shortened when a full name does not fit.
_SHORTER = [
    (r"\bNHS Foundation Trust\b", "NHS FT"),
    (r"\bIntegrated Care Board\b", "ICB"),
    (r"\bPrimary Care Network\b", "PCN"),
    (r"\bCouncil for Voluntary Service\b", "CVS"),
    (r"\bHousing Association\b", "HA"),
    (r"\bService NHS Trust\b", "NHS Trust"),
    (r"\bMedical (Centre|Practice|Group)\b", "Medical"),
    (r"\bCommunity\b", "Comm."),
    (r"\bAssociation\b", "Assoc."),
    (r"\band\b", "&"),
]

Box = tuple[float, float, float, float]  # left, top, right, bottom
#: The side of a cell of the grid that files what is placed, in the drawing's units.
CELL = 60.0
#: Where a node is drawn: its centre and radius in the image.
At = tuple[float, float, float]


def text_width(text: str, size: float = FONT_SIZE) -> float:
    """How wide ``text`` is drawn in Arial or Helvetica at ``size``."""
    units = sum(_WIDTHS.get(ch, _DIGIT if ch.isdigit() else _OTHER) for ch in text)
    return units * size / 1000


def label_box(x: float, y: float, lines: list[str], size: float = FONT_SIZE) -> Box:
    """The box a name takes when drawn centred on ``x`` with its first baseline at ``y`` (the test of the map's
    labels computes the same from the image)."""
    half = max(text_width(line, size) for line in lines) / 2
    scale = size / FONT_SIZE
    return (x - half, y - ASCENT * scale, x + half, y + (len(lines) - 1) * LINE_HEIGHT + DESCENT * scale)


def curve(a: At, b: At) -> tuple[float, float, float, float, float, float]:
    """A link from node ``a`` to node ``b``: its start, control point and end (a quadratic Bezier), bowed a little
    to its right so the two directions of a pair are two separate curves, from edge to edge of the nodes."""
    (x1, y1, r1), (x2, y2, r2) = a, b
    length = math.hypot(x2 - x1, y2 - y1) or 1.0
    ux, uy = (x2 - x1) / length, (y2 - y1) / length
    bow = min(40.0, 0.15 * length)
    cx, cy = (x1 + x2) / 2 - uy * bow, (y1 + y2) / 2 + ux * bow

    def towards(px: float, py: float, qx: float, qy: float, d: float) -> tuple[float, float]:
        dist = math.hypot(qx - px, qy - py) or 1.0
        return px + (qx - px) / dist * d, py + (qy - py) / dist * d

    sx, sy = towards(x1, y1, cx, cy, r1 + 2)
    tx, ty = towards(x2, y2, cx, cy, r2 + 4)
    return sx, sy, cx, cy, tx, ty


def wrap(text: str, width: float, lines: int) -> list[str] | None:
    """``text`` in lines no wider than ``width`` (drawn), or None if it needs more than ``lines`` lines."""
    out: list[str] = []
    for word in text.split():
        if out and text_width(out[-1] + " " + word) <= width:
            out[-1] += " " + word
        else:
            out.append(word)
    if len(out) > lines or any(text_width(line) > width for line in out):
        return None
    return out


def short_name(name: str) -> str:
    for pattern, short in _SHORTER:
        name = re.sub(pattern, short, name)
    return name


def _versions(name: str) -> Iterator[list[str]]:
    """The ways a name may be written, longest first."""
    short = short_name(name)
    for text, width, lines in ((name, 150, 3), (name, 105, 4), (short, 120, 2), (short, 90, 3)):
        version = wrap(text, width, lines)
        if version is not None:
            yield version


@dataclass
class _Placed:
    """What a name must not cover: the nodes and the names placed so far, each filed under the cells of a
    coarse grid it touches, so a new name is checked only against its neighbours (a large system stays fast)."""

    cells: dict[tuple[int, int], list[tuple[str, Box]]] = field(default_factory=dict)

    @staticmethod
    def _cells(box: Box) -> Iterator[tuple[int, int]]:
        left, top, right, bottom = box
        for i in range(int((left - PAD) // CELL), int((right + PAD) // CELL) + 1):
            for j in range(int((top - PAD) // CELL), int((bottom + PAD) // CELL) + 1):
                yield i, j

    def add(self, box: Box, owner: str = "") -> None:
        for cell in self._cells(box):
            self.cells.setdefault(cell, []).append((owner, box))

    def free(self, box: Box, own: str) -> bool:
        """Whether ``box`` stays inside the drawing and clear of everything but the node ``own``."""
        left, top, right, bottom = box
        if left < 2 or top < 2 or right > WIDTH - 2 or bottom > HEIGHT - 2:
            return False
        for cell in self._cells(box):
            for owner, b in self.cells.get(cell, ()):
                if owner == own and own:
                    continue
                if left < b[2] + PAD and b[0] < right + PAD and top < b[3] + PAD and b[1] < bottom + PAD:
                    return False
        return True


def fit_to_drawing(nodes: list[MapNode]) -> None:
    """Set each node's place in the drawing: the layout scaled and centred to fill the drawing area inside its
    margin (never enlarged more than 1.5 times, so a few nodes do not sit miles apart)."""
    if not nodes:
        return
    xs, ys = [n.x for n in nodes], [n.y for n in nodes]
    span_x, span_y = max(xs) - min(xs), max(ys) - min(ys)
    scale = min(
        (WIDTH - 2 * MARGIN) / span_x if span_x else 1.5,
        (HEIGHT - 2 * MARGIN) / span_y if span_y else 1.5,
        1.5,
    )
    dx = (WIDTH - span_x * scale) / 2 - min(xs) * scale
    dy = (HEIGHT - span_y * scale) / 2 - min(ys) * scale
    for n in nodes:
        n.at_x, n.at_y = round(n.x * scale + dx, 1), round(n.y * scale + dy, 1)


def _candidates(n: MapNode, lines: list[str]) -> Iterator[tuple[float, float]]:
    """Where a name may go around its node: the centre of its box, below, above, right, left, then the corners."""
    r = n.size / 2
    width = max(text_width(line) for line in lines)
    height = ASCENT + (len(lines) - 1) * LINE_HEIGHT + DESCENT
    x, y = n.at_x, n.at_y
    gap = 3.0
    below, above = y + r + gap + height / 2, y - r - gap - height / 2
    right, left = x + r + gap + width / 2, x - r - gap - width / 2
    diagonal = r * 0.72 + gap
    yield from (
        (x, below),
        (x, above),
        (right, y),
        (left, y),
        (x + diagonal + width / 2, y + diagonal + height / 2),
        (x - diagonal - width / 2, y + diagonal + height / 2),
        (x + diagonal + width / 2, y - diagonal - height / 2),
        (x - diagonal - width / 2, y - diagonal - height / 2),
    )


def place_labels(nodes: list[MapNode], edges: list[MapEdge], *, first: int | None = None) -> None:
    """Fit the nodes to the drawing and give each the name it can show without overlap (see the module), then
    each labelled link (an interdependency's kind) its word at the middle of its curve where there is room."""
    fit_to_drawing(nodes)
    placed = _Placed()
    for n in nodes:
        r = n.size / 2
        placed.add((n.at_x - r, n.at_y - r, n.at_x + r, n.at_y + r), n.key)
    order = sorted(
        nodes,
        key=lambda n: (
            not (n.kind == "organisation" and n.pk == first),
            not n.highlight,
            -(n.ties_in + n.ties_out),
            n.name,
        ),
    )
    for n in order:
        n.label_lines = []
        for lines in _versions(n.name):
            height = ASCENT + (len(lines) - 1) * LINE_HEIGHT + DESCENT
            spot = next(
                (
                    (cx, cy - height / 2 + ASCENT)
                    for cx, cy in _candidates(n, lines)
                    if placed.free(label_box(cx, cy - height / 2 + ASCENT, lines), n.key)
                ),
                None,
            )
            if spot is not None:
                n.label_lines = lines
                n.label_x, n.label_y = round(spot[0], 1), round(spot[1], 1)
                placed.add(label_box(n.label_x, n.label_y, lines))
                break
    at = {n.key: (n.at_x, n.at_y, n.size / 2) for n in nodes}
    for e in edges:
        e.label_shown = False
        if not e.label or e.kind != "interdependency" or e.source not in at or e.target not in at:
            continue
        sx, sy, cx, cy, tx, ty = curve(at[e.source], at[e.target])
        x, y = 0.25 * sx + 0.5 * cx + 0.25 * tx, 0.25 * sy + 0.5 * cy + 0.25 * ty + 4
        box = label_box(x, y, [e.label], EDGE_FONT_SIZE)
        if placed.free(box, ""):
            e.label_shown, e.label_x, e.label_y = True, round(x, 1), round(y, 1)
            placed.add(box)
