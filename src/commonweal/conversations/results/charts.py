"""The results charts as Vega-Lite v6 specs (plain dicts), their table equivalents, and server rendering.

Every chart is a spec built here from :class:`commonweal.conversations.results.build.Results`, and:

- rendered to SVG on the server by vl-convert (:func:`to_svg`), so pages without JavaScript show it, and to PNG
  for the PDF report (:func:`to_png`);
- made interactive in the browser by vega-embed (``static/commonweal/charts.js``) from the same spec;
- paired with a table (:func:`table`) that says the same thing in rows, for screen readers and for anyone
  who prefers numbers.

The specs use ``width: "container"`` so they fit a 320 px phone; the server rendering fixes a width instead
and keeps the SVG's ``viewBox``, so it scales down with the page. Colours are the Okabe-Ito palette (safe for
colour-blind readers) and every opinion group also has its own shape, so colour is never the only cue.
"""

from __future__ import annotations

import copy
import hashlib
import html
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from commonweal.conversations.results.build import Results, percent, statement_label
from commonweal.core.small_numbers import fewer_than, threshold

SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"
VL_VERSION = "6.4"
SERVER_WIDTH = 640

# Okabe & Ito (2008): distinguishable with the common colour-vision deficiencies, and all but yellow (left out)
# readable on white.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]
SHAPES = ["circle", "square", "triangle-up", "diamond", "cross", "triangle-down", "wedge"]
UNGROUPED = "Not in a group"
UNGROUPED_COLOUR = "#768692"  # NHS mid grey

FONT = "Arial, Helvetica, sans-serif"
BASE_CONFIG: dict[str, Any] = {
    "font": FONT,
    "axis": {"labelFontSize": 13, "titleFontSize": 14, "labelColor": "#212b32", "titleColor": "#212b32"},
    # Room between legend entries: the server measures text in its own fonts, which can be narrower than the
    # browser's, and the next entry's symbol would touch the label.
    "legend": {
        "labelFontSize": 13,
        "titleFontSize": 14,
        "orient": "bottom",
        "direction": "horizontal",
        "columnPadding": 24,
    },
    "view": {"stroke": None},
    "background": "#ffffff",
}


def _spec(description: str, body: dict[str, Any], *, height: int = 320) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "$schema": SCHEMA,
        "description": description,
        "width": "container",
        "height": height,
        "autosize": {"type": "fit-x", "contains": "padding"},
        "config": copy.deepcopy(BASE_CONFIG),
    }
    spec.update(body)
    return spec


def group_colours(names: list[str]) -> tuple[list[str], list[str], list[str]]:
    """Domain, colours and shapes for opinion groups named ``names`` (in order), plus "Not in a group"."""
    domain, colours, shapes = [], [], []
    for i, name in enumerate(names):
        domain.append(name)
        colours.append(PALETTE[i % len(PALETTE)])
        shapes.append(SHAPES[i % len(SHAPES)])
    return domain, colours, shapes


def _group_names(results: Results) -> list[str]:
    return [g.name for g in results.groups]


# --- The charts ----------------------------------------------------------------------------------------------


_XY = {"x": {"field": "x", "type": "quantitative"}, "y": {"field": "y", "type": "quantitative"}}


def _cluster_layer(
    values: list[dict[str, Any]], domain: list[str], colours: list[str], shapes: list[str]
) -> dict[str, Any]:
    """The clusters of people: one filled mark each, sized by people, coloured and shaped by opinion group."""
    colour: dict[str, Any] = {"field": "group", "type": "nominal", "title": "Opinion group"}
    colour["scale"] = {"domain": domain, "range": colours}
    shape = {
        "field": "group",
        "type": "nominal",
        "title": "Opinion group",
        "scale": {"domain": domain, "range": shapes},
    }
    axis_off = {"title": None, "labels": False, "ticks": False, "domain": False, "grid": False}
    return {
        "data": {"values": values},
        "mark": {
            "type": "point",
            "filled": True,
            "opacity": 0.75,
            "stroke": "#ffffff",
            "strokeWidth": 0.5,
        },
        "encoding": {
            "x": {
                "field": "x",
                "type": "quantitative",
                "axis": axis_off,
                "scale": {"zero": False, "nice": False},
            },
            "y": {
                "field": "y",
                "type": "quantitative",
                "axis": axis_off,
                "scale": {"zero": False, "nice": False},
            },
            "size": {
                "field": "people",
                "type": "quantitative",
                "legend": None,
                "scale": {"range": [100, 1100], "zero": False},
            },
            "color": colour,
            "shape": shape,
            "tooltip": [
                {"field": "group", "type": "nominal", "title": "Opinion group"},
                {"field": "label", "type": "nominal", "title": "People in this mark"},
            ],
        },
    }


def _centre_layers(centres: list[Any]) -> list[dict[str, Any]]:
    """Each group's name at its centre: a white halo under dark text, readable over the marks."""
    halo = {
        "type": "text",
        "fontSize": 15,
        "fontWeight": "bold",
        "dy": -18,
        "stroke": "#ffffff",
        "strokeWidth": 3,
        "strokeOpacity": 0.8,
    }
    text = {"type": "text", "fontSize": 15, "fontWeight": "bold", "dy": -18, "color": "#212b32"}
    return [
        {
            "data": {"values": [{"x": round(c.x, 4), "y": round(c.y, 4), "group": c.name} for c in centres]},
            "mark": mark,
            "encoding": {**copy.deepcopy(_XY), "text": {"field": "group"}},
        }
        for mark in (halo, text)
    ]


def _you_layers(you: tuple[float, float]) -> list[dict[str, Any]]:
    """The viewer's own position: an open diamond, labelled "You are here"."""
    here = [{"x": round(float(you[0]), 4), "y": round(float(you[1]), 4), "label": "You are here"}]
    return [
        {
            "data": {"values": here},
            "mark": {
                "type": "point",
                "shape": "diamond",
                "size": 500,
                "filled": False,
                "strokeWidth": 3,
                "color": "#212b32",
            },
            "encoding": {**copy.deepcopy(_XY), "tooltip": {"field": "label", "type": "nominal"}},
        },
        {
            "data": {"values": here},
            "mark": {"type": "text", "fontSize": 15, "fontWeight": "bold", "dy": 24, "color": "#212b32"},
            "encoding": {**copy.deepcopy(_XY), "text": {"field": "label"}},
        },
    ]


def opinion_map(results: Results, *, you: tuple[float, float] | None = None) -> dict[str, Any]:
    """The opinion map: clusters of people who voted alike, sized by people, coloured and shaped by group.

    Parameters
    ----------
    results : Results
    you : (x, y), optional
        The viewer's own position (``results.opinion_map.position(participant_id)``): marked "You are here".
    """
    om = results.opinion_map
    points = om.points if om is not None else []
    centres = om.centres if om is not None else []
    names = _group_names(results)
    domain, colours, shapes = group_colours(names)
    if any(p.group < 0 for p in points):
        domain, colours, shapes = [*domain, UNGROUPED], [*colours, UNGROUPED_COLOUR], [*shapes, "circle"]
    # The layer's marks (conversations.disclosure): each at least 5 people, or a whole group not shown exactly,
    # drawn as if it held 5 and labelled as the group is. Never one mark per person.
    values = [
        {
            "x": round(p.x, 4),
            "y": round(p.y, 4),
            "people": p.size,
            "group": p.group_name,
            "label": p.label,
        }
        for p in points
    ]
    layers: list[dict[str, Any]] = [_cluster_layer(values, domain, colours, shapes)]
    if centres:
        layers.extend(_centre_layers(centres))
    if you is not None:
        layers.extend(_you_layers(you))
    groups = ", ".join(g.title for g in results.groups) or "no groups yet"
    description = (
        "Opinion map: each mark is at least 5 people who voted alike, never one person; people close together "
        "voted alike. "
        f"Groups: {groups}." + (" A diamond marks where you are." if you is not None else "")
    )
    return _spec(description, {"layer": layers})


def bridging_vs_approval(results: Results) -> dict[str, Any]:
    """Each statement's bridging score against the share of people agreeing with it."""
    values = [
        {
            "statement": statement_label(b.statement.text),
            "approval": round(b.approval, 4),
            "approval_text": percent(b.approval),
            "score": round(b.score, 3),
            "voters": b.voters,
        }
        for b in results.bridging
    ]
    description = (
        "Bridging score against approval: each point is a statement. Further right, more people agree with it; "
        "higher up, agreement comes from people on both sides of the main divide."
    )
    return _spec(
        description,
        {
            "data": {"values": values},
            "mark": {"type": "point", "filled": True, "size": 90, "color": PALETTE[0], "opacity": 0.8},
            "encoding": {
                "x": {
                    "field": "approval",
                    "type": "quantitative",
                    "title": "Share of people who agree",
                    "axis": {"format": ".0%", "tickCount": 5},
                    "scale": {"domain": [0, 1]},
                },
                "y": {
                    "field": "score",
                    "type": "quantitative",
                    "title": "Bridging score",
                    "scale": {"zero": False},
                },
                "tooltip": [
                    {"field": "statement", "type": "nominal", "title": "Statement"},
                    {"field": "approval_text", "type": "nominal", "title": "Agree"},
                    {"field": "score", "type": "quantitative", "title": "Bridging score", "format": ".2f"},
                    {"field": "voters", "type": "quantitative", "title": "People who voted"},
                ],
            },
        },
    )


PEOPLE_MEASURE = "People who joined"
VOTES_MEASURE = "Votes"


def participation_over_time(results: Results) -> dict[str, Any]:
    """Cumulative people who joined and votes cast, by hour or day."""
    summary = results.participation
    points = summary.over_time if summary is not None else []
    interval = summary.interval if summary is not None else "hour"
    time_format = "%-d %b %H:%M" if interval == "hour" else "%-d %b"
    values = []
    for p in points:
        values.append({"at": p.at.isoformat(), "measure": PEOPLE_MEASURE, "count": p.people})
        values.append({"at": p.at.isoformat(), "measure": VOTES_MEASURE, "count": p.votes})
    colour: dict[str, Any] = {
        "field": "measure",
        "type": "nominal",
        "title": None,
        "scale": {"domain": [PEOPLE_MEASURE, VOTES_MEASURE], "range": [PALETTE[0], PALETTE[1]]},
    }

    def line(measure: str, orient: str, dash: list[int]) -> dict[str, Any]:
        return {
            "transform": [{"filter": {"field": "measure", "equal": measure}}],
            "mark": {"type": "line", "point": True, "strokeWidth": 3, "strokeDash": dash},
            "encoding": {
                "x": {
                    "field": "at",
                    "type": "temporal",
                    "title": None,
                    "axis": {"format": time_format, "labelAngle": 0, "tickCount": 4},
                },
                "y": {
                    "field": "count",
                    "type": "quantitative",
                    "title": measure,
                    "axis": {
                        "orient": orient,
                        "titleColor": colour["scale"]["range"][0 if orient == "left" else 1],
                    },
                },
                "color": colour,
                "tooltip": [
                    {"field": "at", "type": "temporal", "title": "Up to", "format": time_format},
                    {"field": "measure", "type": "nominal", "title": "Count of"},
                    {"field": "count", "type": "quantitative", "title": "Total", "format": ","},
                ],
            },
        }

    description = (
        f"Participation over time: people who joined and votes cast, added up {interval} by {interval}."
    )
    return _spec(
        description,
        {
            "data": {"values": values},
            "layer": [line(PEOPLE_MEASURE, "left", [1, 0]), line(VOTES_MEASURE, "right", [6, 3])],
            "resolve": {"scale": {"y": "independent"}},
        },
        height=260,
    )


def group_stability(results: Results) -> dict[str, Any]:
    """How often people stay in their group when the analysis is re-run on resampled statements."""
    names = _group_names(results)
    domain, colours, _ = group_colours(names)
    values = []
    if results.stability is not None:
        for name, value, _words in results.stability.per_group:
            values.append({"group": name, "stability": round(value, 4), "text": percent(value)})
    description = (
        "Group stability: the share of each group's people who stay in it when the analysis is re-run."
    )
    return _spec(
        description,
        {
            "data": {"values": values},
            "layer": [
                {
                    "mark": {"type": "bar", "cornerRadiusEnd": 2},
                    "encoding": {
                        "y": {"field": "group", "type": "nominal", "title": None, "sort": names},
                        "x": {
                            "field": "stability",
                            "type": "quantitative",
                            "title": "People who stay in their group",
                            "axis": {"format": ".0%", "tickCount": 5},
                            "scale": {"domain": [0, 1]},
                        },
                        "color": {
                            "field": "group",
                            "type": "nominal",
                            "legend": None,
                            "scale": {"domain": domain, "range": colours},
                        },
                        "tooltip": [
                            {"field": "group", "type": "nominal", "title": "Opinion group"},
                            {"field": "text", "type": "nominal", "title": "Stay in their group"},
                        ],
                    },
                },
                {
                    "mark": {
                        "type": "text",
                        "align": "right",
                        "dx": -6,
                        "color": "#ffffff",
                        "fontWeight": "bold",
                    },
                    "encoding": {
                        "y": {"field": "group", "type": "nominal", "sort": names},
                        "x": {"field": "stability", "type": "quantitative"},
                        "text": {"field": "text"},
                    },
                },
            ],
        },
        height=max(60, 44 * max(1, len(values))),
    )


# --- Tables: the same data in rows ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """A chart's plain table equivalent."""

    caption: str
    columns: list[str]
    rows: list[list[str]]


def opinion_map_table(results: Results) -> Table:
    """One row per opinion group: its size as published and how many marks it has on the map (each of at least
    5 people; a group whose size is not shown is one mark, so the count says nothing more about it)."""
    om = results.opinion_map
    marks: dict[int, int] = {}
    for p in om.points if om is not None else []:
        marks[p.group] = marks.get(p.group, 0) + 1
    rows = [[g.name, g.size_words, f"{marks.get(g.index, 0):,}"] for g in results.groups]
    return Table("Opinion groups on the map", ["Opinion group", "People", "Marks on the map"], rows)


def bridging_table(results: Results) -> Table:
    rows = [
        [b.statement.text, percent(b.approval), f"{b.score:.2f}", f"{b.voters:,}"] for b in results.bridging
    ]
    return Table(
        "Bridging score and approval of each statement",
        ["Statement", "Agree", "Bridging score", "People who voted"],
        rows,
    )


def participation_table(results: Results) -> Table:
    summary = results.participation
    points = summary.over_time if summary is not None else []
    interval = summary.interval if summary is not None else "hour"
    fmt = "%-d %b %Y %H:%M" if interval == "hour" else "%-d %b %Y"
    rows = [[p.at.strftime(fmt), f"{p.people:,}", f"{p.votes:,}"] for p in points]
    return Table(
        f"People who joined and votes cast, added up {interval} by {interval}",
        ["Up to", PEOPLE_MEASURE, VOTES_MEASURE],
        rows,
    )


def stability_table(results: Results) -> Table:
    rows = []
    if results.stability is not None:
        rows = [[name, percent(value), words] for name, value, words in results.stability.per_group]
    return Table("Group stability", ["Opinion group", "Stay in their group", "What it means"], rows)


@dataclass(frozen=True)
class Chart:
    """A chart the pages can show: its spec, its table, a caption."""

    name: str
    caption: str
    spec: Callable[[Results], dict[str, Any]]
    table: Callable[[Results], Table]


CHARTS: dict[str, Chart] = {
    "opinion-map": Chart(
        "opinion-map",
        "The opinion map: people who voted alike are close together",
        lambda r: opinion_map(r),
        opinion_map_table,
    ),
    "bridging": Chart("bridging", "Bridging score against approval", bridging_vs_approval, bridging_table),
    "participation": Chart(
        "participation", "Participation over time", participation_over_time, participation_table
    ),
    "stability": Chart("stability", "Group stability", group_stability, stability_table),
}


def chart_context(name: str, results: Results, **spec_options: Any) -> dict[str, Any]:
    """What ``reports/includes/chart.html`` needs to show chart ``name``: its caption, spec (and the spec as JSON
    for the page's ``data-spec-json`` attribute), the server's SVG and the table.

    ``spec_options`` go to the spec function (e.g. ``you=(x, y)`` for the opinion map).
    """
    chart = CHARTS[name]
    spec = opinion_map(results, **spec_options) if name == "opinion-map" else chart.spec(results)
    return {
        "name": chart.name,
        "caption": chart.caption,
        "spec": spec,
        "spec_json": json.dumps(spec, separators=(",", ":")),
        "svg": to_svg(spec),
        "table": chart.table(results),
    }


def table(name: str, results: Results) -> Table:
    """The table equivalent of chart ``name``."""
    return CHARTS[name].table(results)


# --- Rendering -----------------------------------------------------------------------------------------------

_CACHE_SIZE = 128
_svg_cache: OrderedDict[str, str] = OrderedDict()
_png_cache: OrderedDict[str, bytes] = OrderedDict()
_lock = threading.Lock()


def spec_hash(spec: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()


def _server_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """The spec with a fixed width: there is no container on the server."""
    out = copy.deepcopy(spec)
    if out.get("width") == "container":
        out["width"] = SERVER_WIDTH
    out.pop("autosize", None)
    return out


def _cached(cache: OrderedDict[str, Any], key: str, make: Callable[[], Any]) -> Any:
    with _lock:
        if key in cache:
            cache.move_to_end(key)
            return cache[key]
    value = make()
    with _lock:
        cache[key] = value
        while len(cache) > _CACHE_SIZE:
            cache.popitem(last=False)
    return value


_SVG_OPEN = re.compile(r"<svg\b([^>]*)>")


def accessible_svg(svg: str, label: str) -> str:
    """Make the SVG one image to assistive technology: ``role="img"``, ``aria-label`` and a ``<title>``.

    Vega marks every mark up as a graphics symbol; a screen reader would read hundreds of them. The chart's
    table says the same in rows, so the picture is announced once, by its description.
    """
    label_attr = html.escape(label, quote=True)
    svg = re.sub(r'\s(role|aria-[a-z]+)="[^"]*"', "", svg)
    match = _SVG_OPEN.search(svg)
    if match is None:
        return svg
    attrs = match.group(1)
    attrs = re.sub(r'\s(width|height|class)="[^"]*"', "", attrs, count=3)
    opening = f'<svg{attrs} role="img" aria-label="{label_attr}" class="marks commonweal-chart__svg" focusable="false">'
    title = f"<title>{html.escape(label)}</title>"
    return svg[: match.start()] + opening + title + svg[match.end() :]


def to_svg(spec: dict[str, Any]) -> str:
    """Render ``spec`` to an accessible SVG string (cached by the spec's hash).

    The root ``<svg>`` has ``role="img"``, an ``aria-label`` and a ``<title>`` from the spec's description, a
    ``viewBox`` and no fixed width or height, so CSS can scale it to the page.
    """
    # deferred for start-up cost: vl-convert (a bundled JavaScript engine) is needed only when a chart is drawn
    import vl_convert

    def make() -> str:
        raw = vl_convert.vegalite_to_svg(_server_spec(spec), vl_version=VL_VERSION)
        return accessible_svg(raw, str(spec.get("description") or "Chart"))

    return str(_cached(_svg_cache, spec_hash(spec), make))


def to_png(spec: dict[str, Any], scale: float = 2) -> bytes:
    """Render ``spec`` to PNG (for the PDF report), cached by the spec's hash and the scale."""
    # deferred for start-up cost: vl-convert (a bundled JavaScript engine) is needed only when a chart is drawn
    import vl_convert

    def make() -> bytes:
        return bytes(vl_convert.vegalite_to_png(_server_spec(spec), vl_version=VL_VERSION, scale=scale))

    return bytes(_cached(_png_cache, f"{spec_hash(spec)}:{scale}", make))


def small_number_note() -> str:
    return f"Each mark is at least {threshold()} people; a group of {fewer_than('people')} is one mark."


__all__ = [
    "CHARTS",
    "Chart",
    "Table",
    "accessible_svg",
    "bridging_table",
    "bridging_vs_approval",
    "chart_context",
    "group_colours",
    "group_stability",
    "opinion_map",
    "opinion_map_table",
    "participation_over_time",
    "participation_table",
    "spec_hash",
    "stability_table",
    "table",
    "to_png",
    "to_svg",
]
