"""The map for the interactive page: Cytoscape.js elements with the server's preset positions, the legend's
shapes, and each element's details as text, so the page's script only shows what the server wrote."""

from __future__ import annotations

from typing import Any

from commonweal.network.map.data import MapData, MapNode, received_rows
from commonweal.network.map.labels import ASCENT, DESCENT, LINE_HEIGHT
from commonweal.network.map.style import polygon_points


def cytoscape_data(data: MapData, *, part_url: str) -> dict[str, Any]:
    """The map as Cytoscape.js elements, its sectors (with their polygons) and its summary. ``part_url`` is an
    organisation's page with 0 for its id."""
    elements: list[dict[str, Any]] = [_node_element(n, part_url) for n in data.nodes]
    for e in data.edges:
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
                    "opacity": e.opacity,
                    # An interdependency's word only where the image found room for it (it is in the details).
                    "label": "" if e.kind == "interdependency" and not e.label_shown else e.label,
                    "title": e.title,
                    "details": e.details,
                },
            }
        )
    return {
        "elements": elements,
        "sectors": [{**row, "points": polygon_points(row["shape"])} for row in data.legend],
        "summary": data.summary,
    }


def _node_element(n: MapNode, part_url: str) -> dict[str, Any]:
    """A node at its place in the image, with its name as the image draws it: the lines placed by :mod:`.labels`
    and the offset of their middle from the node's centre (no name when it did not fit)."""
    data: dict[str, Any] = {
        "id": n.key,
        "label": "\n".join(n.label_lines),
        "name": n.name,
        "sector": n.sector if n.kind == "organisation" else "_community",
        "colour": n.colour,
        "size": n.size,
        "title": n.name,
        "highlight": 1 if n.highlight else 0,
        "details": node_details(n),
    }
    if n.label_lines:
        height = ASCENT + (len(n.label_lines) - 1) * LINE_HEIGHT + DESCENT
        data["labelDx"] = round(n.label_x - n.at_x, 1)
        data["labelDy"] = round(n.label_y - ASCENT + height / 2 - n.at_y, 1)
    if n.kind == "organisation":
        data["link"] = part_url.replace("/0/", f"/{n.pk}/")
    return {"group": "nodes", "data": data, "position": {"x": n.at_x, "y": n.at_y}}


def node_details(n: MapNode) -> list[tuple[str, str]]:
    """What the interactive map shows when a node is chosen: its sector, places, ties and how others rate it."""
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
