"""The system part of the map: the network page of a system (the measures over rounds, in plain words), the
relationship import and the exports.

Views parse input, call ``require`` and then one action (or a pure read); every change is a POST that redirects.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from django.contrib import messages
from django.db.models import Count, Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from commonweal.accounts.decorators import manager_view
from commonweal.analysis.network.measures import NetworkMeasures, RoundChange, compare, in_ten, summarise
from commonweal.analysis.network.types import RoundNetwork
from commonweal.core.errors import ImportFailed, NotFound
from commonweal.core.http import posted, posted_files
from commonweal.core.small_numbers import fewer_than, suppress_count
from commonweal.network.graph import round_network
from commonweal.network.io import (
    EXPORT_FORMATS,
    IMPORT_COLUMNS,
    allowed_contributions_text,
    export,
    intensity_help,
    template_csv,
)
from commonweal.network.models import (
    ITEM_SCALE,
    TRUST_ITEMS,
    VALUE_ITEMS,
    Rating,
    SurveyResponse,
    SurveyRound,
)
from commonweal.network.permissions import can, require
from commonweal.network.survey.queries import get_round
from commonweal.network.system import actions as actions_system
from commonweal.network.system.forms import RelationshipImportForm
from commonweal.systems.models import Sector, System
from commonweal.systems.queries import get_system

#: How many rows of each list (brokers, asymmetric pairs, changed ties) the page shows.
SHOWN = 10


# Measures of a large round take a second or two; a round whose ratings and organisations have not changed
# gives the same RoundNetwork (frozen, so it can be the key), and its measures are kept.
@lru_cache(maxsize=32)
def _summarise(net: RoundNetwork) -> NetworkMeasures:
    return summarise(net)


def _people_per_round(system: System) -> dict[int, int]:
    """People (responses with at least one rated partner) per round."""
    # Count responses, not the rows of the join with their ratings (which would count ratings).
    rated = Rating.objects.filter(response=OuterRef("pk"), intensity__isnull=False)
    rows = (
        SurveyResponse.objects.filter(invitation__round__system=system)
        .filter(Exists(rated))
        .values("invitation__round")
        .annotate(n=Count("pk"))
        .values_list("invitation__round", "n")
    )
    return dict(rows)


def _share(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _round_row(survey_round: SurveyRound, m: NetworkMeasures, n_people: int) -> dict[str, Any]:
    shown = suppress_count(n_people)
    return {
        "round": survey_round,
        "m": m,
        "people": fewer_than() if shown is None else f"{shown:,}",
        "density": _share(m.density),
        "reciprocity": _share(m.reciprocity),
        "mean_intensity": "–" if m.mean_intensity is None else f"{m.mean_intensity:.1f}",
        "ei_index": "–" if m.ei_index is None else f"{m.ei_index:+.2f}",
        "centralisation": _share(m.centralisation),
    }


#: The lines of the chart: measures on a 0 to 1 scale (the E-I index as the share of ties across sectors).
#: Dashes and markers tell the lines apart without colour.
CHART_SERIES = [
    ("density", "Density", "#005eb8", "", "circle"),
    ("reciprocity", "Reciprocity", "#007f3b", "8 4", "square"),
    ("crossing", "Share of ties across sectors", "#7c2855", "2 3", "diamond"),
    ("centralisation", "Centralisation", "#ed8b00", "12 4 2 4", "ring"),
]
CHART = {"width": 640, "height": 260, "left": 44, "right": 36, "top": 16, "bottom": 40}


def _chart(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """An inline SVG line chart of the 0-to-1 measures over rounds (server-rendered: no JavaScript needed)."""
    if len(rows) < 2:
        return None
    c = CHART
    plot_w = c["width"] - c["left"] - c["right"]
    plot_h = c["height"] - c["top"] - c["bottom"]
    step = plot_w / (len(rows) - 1)

    def y(v: float) -> float:
        return round(c["top"] + plot_h * (1 - v), 1)

    xs = [round(c["left"] + i * step, 1) for i in range(len(rows))]
    series = []
    for key, label, colour, dash, marker in CHART_SERIES:
        points = []
        for x, row in zip(xs, rows, strict=True):
            m = row["m"]
            value = (
                (1 + m.ei_index) / 2
                if key == "crossing" and m.ei_index is not None
                else getattr(m, key, None)
            )
            if key == "crossing" and m.ei_index is None:
                value = None
            if value is not None:
                at = y(value)
                points.append(
                    {
                        "x": x,
                        "y": at,
                        "x0": round(x - 5, 1),
                        "y0": round(at - 5, 1),
                        "value": f"{value:.2f}",
                        "round": row["round"].name,
                    }
                )
        series.append(
            {
                "label": label,
                "colour": colour,
                "dash": dash,
                "marker": marker,
                "points": points,
                "polyline": " ".join(f"{p['x']},{p['y']}" for p in points),
            }
        )
    grid = [{"y": y(v), "label": f"{v:.2f}".rstrip("0").rstrip(".") or "0"} for v in (0, 0.25, 0.5, 0.75, 1)]
    ticks = [{"x": x, "label": row["round"].name} for x, row in zip(xs, rows, strict=True)]
    return {
        **c,
        "series": series,
        "grid": grid,
        "ticks": ticks,
        "right_x": c["width"] - c["right"],
        "label_x": c["left"] - 6,
        "tick_y": c["height"] - c["bottom"] + 20,
    }


#: The rows of the table of measures over rounds: (label, how to show a round's figure).
OVER_ROUNDS: list[tuple[str, Callable[[dict[str, Any]], Any]]] = [
    ("Organisations answering", lambda r: f"{r['m'].n_responded:,} of {r['m'].n_organisations:,}"),
    ("People answering", lambda r: r["people"]),
    ("Ties", lambda r: f"{r['m'].n_ties:,}"),
    ("Density", lambda r: r["density"]),
    ("Reciprocity", lambda r: r["reciprocity"]),
    ("Average intensity (0 to 4)", lambda r: r["mean_intensity"]),
    ("E-I index (-1 to +1)", lambda r: r["ei_index"]),
    ("Centralisation", lambda r: r["centralisation"]),
    ("Groups of closely tied organisations", lambda r: f"{len(r['m'].communities):,}"),
    ("Isolated organisations", lambda r: f"{len(r['m'].isolated):,}"),
    ("Tied to one partner only", lambda r: f"{len(r['m'].peripheral):,}"),
    ("Pairs that see it differently", lambda r: f"{len(r['m'].asymmetric):,}"),
]


def _over_rounds(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Measures by round: one row per measure, one column per round (rounds are few, measures many: this way
    the table fits a screen)."""
    return [
        {"label": label, "values": [{"round": r["round"].name, "value": show(r)} for r in rows]}
        for label, show in OVER_ROUNDS
    ]


def _named_changes(change: RoundChange, names: dict[int, str]) -> list[dict[str, Any]]:
    kinds = [
        ("new", "New ties", change.new),
        ("strengthened", "Ties that grew stronger", change.strengthened),
        ("weakened", "Ties that grew weaker", change.weakened),
        ("lost", "Ties lost", change.lost),
        ("unconfirmed", "Ties not rated again (not counted as lost)", change.unconfirmed),
    ]
    sentences = change.sentences()
    return [
        {
            "key": key,
            "title": title,
            "sentence": sentences.get(key, ""),
            "count": len(items),
            "more": max(0, len(items) - SHOWN),
            "items": [
                {
                    "rater": names.get(c.rater, "?"),
                    "partner": names.get(c.partner, "?"),
                    "before": f"{c.before:g}",
                    "after": "not rated" if key == "unconfirmed" else f"{c.after:g}",
                }
                for c in items[:SHOWN]
            ],
        }
        for key, title, items in kinds
    ]


def _measure_list(m: NetworkMeasures) -> list[dict[str, str]]:
    """The latest round's measures, each with its figure and its sentence."""
    s = m.sentences()
    out = [
        ("response", "Who answered", f"{m.n_responded:,} of {m.n_organisations:,} organisations"),
        ("density", "Density", _share(m.density)),
        ("reciprocity", "Reciprocity", _share(m.reciprocity)),
        (
            "mean_intensity",
            "Average intensity",
            "–" if m.mean_intensity is None else f"{m.mean_intensity:.1f} of 4",
        ),
        (
            "ei_index",
            "Ties across sectors (E-I index)",
            "–" if m.ei_index is None else f"{m.ei_index:+.2f} ({in_ten((1 + m.ei_index) / 2)} cross)",
        ),
        ("centralisation", "Centralisation", _share(m.centralisation)),
        ("communities", "Groups of closely tied organisations", f"{len(m.communities):,}"),
        ("brokers", "Brokers", f"highest betweenness {m.brokers[0][1]:.2f}" if m.brokers else "none"),
        ("isolated", "Isolated organisations", f"{len(m.isolated):,}"),
        ("peripheral", "Tied to one partner only", f"{len(m.peripheral):,}"),
        ("asymmetric", "Pairs that see it differently", f"{len(m.asymmetric):,}"),
    ]
    return [{"key": k, "label": label, "figure": fig, "sentence": s[k]} for k, label, fig in out if k in s]


@manager_view
def home(request: HttpRequest, system: str) -> HttpResponse:
    obj = get_system(system)
    require(request.user, "network.view", obj)
    rounds = list(SurveyRound.objects.filter(system=obj).order_by("opened_at", "pk"))
    nets = [round_network(r) for r in rounds]
    measures = [_summarise(net) for net in nets]
    people = _people_per_round(obj)
    rows = [_round_row(r, m, people.get(r.pk, 0)) for r, m in zip(rounds, measures, strict=True)]
    latest = measures[-1] if measures else None
    names = latest.names if latest else {}
    sectors = dict(Sector.choices)
    sector_of = {n.id: sectors.get(n.sector, n.sector) for n in nets[-1].nodes} if nets else {}

    context: dict[str, Any] = {
        "system": obj,
        "rounds": rows,
        "latest": rows[-1] if rows else None,
        "n_organisations": obj.organisations.count(),
        "n_sectors": obj.organisations.values("sector").distinct().count(),
        "can_edit": can(request.user, "network.edit", obj),
        "formats": [("csv", "CSV"), ("graphml", "GraphML"), ("kumu", "Kumu (Excel workbook)")],
        "chart": _chart(rows),
        "over_rounds": _over_rounds(rows),
    }
    if latest:
        context["measures"] = _measure_list(latest)
        context["brokers"] = [
            {"name": names[org], "sector": sector_of.get(org, ""), "score": f"{score:.2f}"}
            for org, score in latest.brokers[:SHOWN]
        ]
        context["isolated"] = [names[org] for org in latest.isolated]
        context["peripheral"] = [names[org] for org in latest.peripheral]
        context["asymmetric"] = [
            {
                "a": names[x.a],
                "b": names[x.b],
                "a_rates_b": f"{x.a_rates_b:g}",
                "b_rates_a": f"{x.b_rates_a:g}",
            }
            for x in latest.asymmetric[:SHOWN]
        ]
        context["asymmetric_more"] = max(0, len(latest.asymmetric) - SHOWN)
        context["communities"] = [
            {"size": len(c), "names": sorted(names[i] for i in c)[:5], "more": max(0, len(c) - 5)}
            for c in latest.communities[:SHOWN]
        ]
    if len(nets) >= 2:
        change = compare(nets[-2], nets[-1])
        context["change"] = change
        context["change_before_id"] = rounds[-2].pk
        context["change_raters_sentence"] = change.sentences()["raters"]
        context["changes"] = _named_changes(change, names) if change.n_raters else []
    return render(request, "network/system/home.html", context)


@manager_view
@require_http_methods(["GET", "HEAD", "POST"])
def import_relationships(request: HttpRequest, system: str) -> HttpResponse:
    obj = get_system(system)
    require(request.user, "network.edit", obj)
    initial = {}
    if "round" in request.GET and request.GET["round"].isdigit():
        initial["survey_round"] = int(request.GET["round"])
    form = RelationshipImportForm(posted(request), posted_files(request), system=obj, initial=initial)
    failure: ImportFailed | None = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            survey_round = form.cleaned_data["survey_round"]
            try:
                result = actions_system.check_import_relationships(
                    request.user, survey_round, upload.read(), filename=upload.name or ""
                )
            except ImportFailed as exc:
                failure = exc
                status = 400
            else:
                replaced = (
                    f" It replaced the {result.replaced} imported response{'s' if result.replaced != 1 else ''} "
                    "of the earlier import."
                    if result.replaced
                    else ""
                )
                messages.success(
                    request,
                    f"{result.ratings:,} rating{'s' if result.ratings != 1 else ''} of "
                    f"{result.organisations:,} organisation{'s' if result.organisations != 1 else ''} imported "
                    f"into {survey_round.name}.{replaced}",
                )
                return redirect("network:home", system=obj.slug)
        else:
            status = 400
    return render(
        request,
        "network/system/import.html",
        {
            "system": obj,
            "form": form,
            "has_rounds": SurveyRound.objects.filter(system=obj).exists(),
            "failure": failure,
            "errors": (failure.detail or {}).get("errors", []) if failure else [],
            "columns": IMPORT_COLUMNS,
            "intensities": intensity_help(),
            "trust_items": TRUST_ITEMS,
            "value_items": VALUE_ITEMS,
            "item_scale": ITEM_SCALE,
            "contributions": allowed_contributions_text(),
        },
        status=status,
    )


@manager_view
def import_template(request: HttpRequest, system: str) -> HttpResponse:
    obj = get_system(system)
    require(request.user, "network.view", obj)
    response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="relationships.csv"'
    return response


@manager_view
def export_round(request: HttpRequest, system: str, fmt: str) -> HttpResponse:
    obj = get_system(system)
    require(request.user, "network.view", obj)
    if fmt not in EXPORT_FORMATS:
        raise NotFound(f"There is no export as '{fmt}': choose CSV, GraphML or Kumu on the system map page.")
    rounds = SurveyRound.objects.filter(system=obj)
    raw = request.GET.get("round", "")
    survey_round: SurveyRound | None
    if raw:
        # A round given as something other than a number is no round of this system either (ids start at 1).
        survey_round = get_round(obj, int(raw) if raw.isdigit() else 0)
    else:
        survey_round = rounds.order_by("-opened_at", "-pk").first()
        if survey_round is None:
            raise NotFound(
                "This system has no survey round yet, so there is nothing to export: open a round, or import "
                "relationships, first."
            )
    content, content_type, filename = export(survey_round, fmt)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
