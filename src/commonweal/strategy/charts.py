"""The charts of the participation dashboard, "a year later" and the strategy report: Vega-Lite specs drawn on the
server (SVG on the pages, PNG in the PDF, by :mod:`commonweal.conversations.results.charts`), each with its table.

A chart draws only figures shown exactly: a count the disclosure layer hid ("fewer than 5", "not shown") is left
out of the picture and its table says why, so no bar or point stands for a hidden cell.
"""

from __future__ import annotations

import base64
import copy
import json
import logging
from dataclasses import dataclass
from typing import Any

from commonweal.conversations.results import charts as drawing

log = logging.getLogger(__name__)
PALETTE = drawing.PALETTE
SHAPES = drawing.SHAPES
#: Dashes that tell lines apart without colour.
DASHES = [[1, 0], [8, 4], [2, 3], [12, 4, 2, 4], [4, 4], [1, 6], [10, 2]]


@dataclass(frozen=True)
class Table:
    """A chart's figures in rows: the first cell of a row heads it (``reports/includes/chart_table.html``)."""

    caption: str
    columns: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class Chart:
    """One chart: its Vega-Lite spec and its table. ``drawn`` is False when there is nothing exact to draw (the
    table is shown alone)."""

    name: str
    caption: str
    spec: dict[str, Any]
    table: Table
    note: str = ""
    drawn: bool = True

    @property
    def title(self) -> str:
        return self.caption

    @property
    def description(self) -> str:
        return str(self.spec.get("description", self.caption))

    @property
    def svg(self) -> str:
        if not self.drawn:
            return ""
        try:
            return drawing.to_svg(self.spec)
        except Exception:  # a chart that cannot be drawn must not take the page down: its table stays
            log.exception("strategy chart %s could not be drawn", self.name)
            return ""

    @property
    def spec_json(self) -> str:
        return json.dumps(self.spec, separators=(",", ":")) if self.drawn else ""

    def png_data_uri(self) -> str:
        try:
            png = drawing.to_png(self.spec, scale=2)
        except Exception:  # as for the SVG: the PDF keeps the table
            log.exception("strategy chart %s could not be drawn", self.name)
            return ""
        return "data:image/png;base64," + base64.b64encode(png).decode()


def _spec(description: str, body: dict[str, Any], *, height: int = 260) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "$schema": drawing.SCHEMA,
        "description": description,
        "width": "container",
        "height": height,
        "autosize": {"type": "fit-x", "contains": "padding"},
        "config": copy.deepcopy(drawing.BASE_CONFIG),
    }
    spec.update(body)
    return spec


def _colour(domain: list[str], colours: list[str] | None = None) -> dict[str, Any]:
    colours = colours or [PALETTE[i % len(PALETTE)] for i in range(len(domain))]
    return {
        "field": "series",
        "type": "nominal",
        "title": None,
        "scale": {"domain": domain, "range": colours},
    }


def lines(
    description: str,
    points: list[dict[str, Any]],
    *,
    order: list[str],
    series: list[str],
    y_title: str,
    domain: tuple[float, float] | None = None,
) -> dict[str, Any]:
    """A line per series over ``order`` (rounds, oldest first); ``points`` are {"at", "series", "value"}."""
    y: dict[str, Any] = {"field": "value", "type": "quantitative", "title": y_title}
    if domain is not None:
        y["scale"] = {"domain": list(domain), "nice": False}
    return _spec(
        description,
        {
            "data": {"values": points},
            "mark": {"type": "line", "point": {"size": 80, "filled": True}, "strokeWidth": 3},
            "encoding": {
                "x": {
                    "field": "at",
                    "type": "ordinal",
                    "sort": order,
                    "title": None,
                    "axis": {"labelAngle": 0},
                },
                "y": y,
                "color": _colour(series),
                "strokeDash": {
                    "field": "series",
                    "type": "nominal",
                    "title": None,
                    "scale": {
                        "domain": series,
                        "range": [DASHES[i % len(DASHES)] for i in range(len(series))],
                    },
                },
                "shape": {
                    "field": "series",
                    "type": "nominal",
                    "title": None,
                    "scale": {
                        "domain": series,
                        "range": [SHAPES[i % len(SHAPES)] for i in range(len(series))],
                    },
                },
                "tooltip": [
                    {"field": "at", "type": "nominal", "title": "When"},
                    {"field": "series", "type": "nominal", "title": "Measure"},
                    {"field": "value", "type": "quantitative", "title": "Value", "format": ".2f"},
                ],
            },
        },
    )


def bars(
    description: str,
    points: list[dict[str, Any]],
    *,
    order: list[str],
    series: list[str],
    y_title: str,
    stacked: bool = True,
    colours: list[str] | None = None,
) -> dict[str, Any]:
    """Bars over ``order`` (months or rounds), one colour per series, stacked or side by side; ``points`` are
    {"at", "series", "value"}."""
    encoding: dict[str, Any] = {
        "x": {"field": "at", "type": "ordinal", "sort": order, "title": None, "axis": {"labelAngle": -40}},
        "y": {
            "field": "value",
            "type": "quantitative",
            "title": y_title,
            "stack": "zero" if stacked else None,
        },
        "color": _colour(series, colours),
        # Stacked in the order of the series (the legend's), not alphabetically.
        "order": {"field": "rank", "type": "quantitative"},
        "tooltip": [
            {"field": "at", "type": "nominal", "title": "When"},
            {"field": "series", "type": "nominal", "title": "Of"},
            {"field": "value", "type": "quantitative", "title": "Count", "format": ","},
        ],
    }
    if not stacked:
        encoding["xOffset"] = {"field": "series", "type": "nominal", "sort": series}
    rank = {name: i for i, name in enumerate(series)}
    values = [{**p, "rank": rank.get(p["series"], 0)} for p in points]
    return _spec(description, {"data": {"values": values}, "mark": {"type": "bar"}, "encoding": encoding})
