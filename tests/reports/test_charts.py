"""The results charts: valid Vega-Lite that vl-convert renders, accessible SVG, tables that match the data."""

from __future__ import annotations

import re

import pytest

from commonweal.conversations.jobs.compute import compute_snapshot
from commonweal.conversations.results import charts
from commonweal.conversations.results.build import build_results
from tests.conversations.test_results import load_simulation, planted
from tests.factories import make_conversation, make_system

pytestmark = pytest.mark.django_db


@pytest.fixture
def results():
    conversation = make_conversation(make_system())
    sim = planted(3)
    _, participants = load_simulation(conversation, sim)
    compute_snapshot(conversation)
    r = build_results(conversation)
    r._participants = participants  # for the "you are here" test
    return r


SPECS = {
    "opinion_map": charts.opinion_map,
    "bridging_vs_approval": charts.bridging_vs_approval,
    "participation_over_time": charts.participation_over_time,
    "group_stability": charts.group_stability,
}


@pytest.mark.parametrize("name", sorted(SPECS))
def test_every_chart_renders_to_accessible_svg(results, name):
    spec = SPECS[name](results)
    assert spec["$schema"].endswith("/v6.json")
    assert spec["width"] == "container"  # fits a 320 px phone
    svg = charts.to_svg(spec)
    opening = re.search(r"<svg\b[^>]*>", svg).group(0)
    assert 'role="img"' in opening
    assert f'aria-label="{spec["description"]}"' in opening.replace("&#x27;", "'")
    assert "viewBox" in opening
    assert opening.count("class=") == 1 and 'class="marks commonweal-chart__svg"' in opening
    assert not re.search(r'\swidth="', opening)  # scales with the page
    assert f"<title>{spec['description']}" in svg.replace("&#x27;", "'")
    assert "graphics-symbol" not in svg  # one image, not hundreds of marks read out
    assert svg.count("<path") + svg.count("<text") > 3  # something was drawn


def test_svg_is_cached_by_spec(results, monkeypatch):
    spec = charts.group_stability(results)
    first = charts.to_svg(spec)
    import vl_convert

    def fail(*a, **k):
        raise AssertionError("rendered again")

    monkeypatch.setattr(vl_convert, "vegalite_to_svg", fail)
    assert charts.to_svg(spec) == first
    changed = {**spec, "description": "Another"}
    with pytest.raises(AssertionError, match="rendered again"):
        charts.to_svg(changed)


def test_png_for_the_pdf(results):
    png = charts.to_png(charts.opinion_map(results), scale=2)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_opinion_map_data_and_table(results):
    spec = charts.opinion_map(results)
    points = spec["layer"][0]["data"]["values"]
    om = results.opinion_map
    assert len(points) == len(om.points)
    # Sizes as drawn: a cluster under 5 counts as 5, so a small group's size cannot be added up from the data.
    assert [p["people"] for p in points] == [max(p.size, 5) for p in om.points]
    # Colour and shape both tell groups apart.
    enc = spec["layer"][0]["encoding"]
    assert enc["color"]["scale"]["domain"][:2] == ["Group A", "Group B"]
    assert enc["shape"]["scale"]["range"][:2] == ["circle", "square"]
    assert enc["color"]["scale"]["range"][:2] == charts.PALETTE[:2]
    # No cluster is labelled with a count under 5.
    for p in points:
        if p["people"] < 5:
            assert p["label"] == "fewer than 5 people"
    labels = spec["layer"][1]["data"]["values"]
    assert [v["group"] for v in labels] == ["Group A", "Group B"]
    table = charts.opinion_map_table(results)
    assert [row[0] for row in table.rows] == ["Group A", "Group B"]
    assert [row[1] for row in table.rows] == [g.size_words for g in results.groups]
    assert sum(int(row[2]) for row in table.rows) == sum(1 for p in om.points if p.group >= 0)


def test_you_are_here(results):
    me = results._participants[0]
    xy = results.opinion_map.position(me.pk)
    spec = charts.opinion_map(results, you=xy)
    here = [layer for layer in spec["layer"] if layer["data"]["values"][0].get("label") == "You are here"]
    assert here and here[0]["data"]["values"][0]["x"] == round(xy[0], 4)
    assert "A diamond marks where you are" in spec["description"]
    assert "You are here" in charts.to_svg(spec)
    assert "You are here" not in charts.to_svg(charts.opinion_map(results))


def test_bridging_chart_and_table_match(results):
    spec = charts.bridging_vs_approval(results)
    values = spec["data"]["values"]
    table = charts.bridging_table(results)
    assert len(values) == len(table.rows) == len(results.bridging)
    for v, row, b in zip(values, table.rows, results.bridging, strict=True):
        assert row[0] == b.statement.text
        assert row[1] == f"{round(b.approval * 100)}%" == v["approval_text"]
        assert row[2] == f"{b.score:.2f}"


def test_participation_chart_and_table_match(results):
    spec = charts.participation_over_time(results)
    values = spec["data"]["values"]
    table = charts.participation_table(results)
    points = results.participation.over_time
    assert len(table.rows) == len(points) and len(values) == 2 * len(points)
    assert table.rows[-1][1:] == [f"{points[-1].people:,}", f"{points[-1].votes:,}"]
    votes = [v["count"] for v in values if v["measure"] == charts.VOTES_MEASURE]
    assert votes == [p.votes for p in points]


def test_stability_chart_and_table_match(results):
    spec = charts.group_stability(results)
    values = spec["data"]["values"]
    table = charts.stability_table(results)
    assert [v["group"] for v in values] == [row[0] for row in table.rows] == ["Group A", "Group B"]
    assert [v["text"] for v in values] == [row[1] for row in table.rows]


def test_charts_of_a_conversation_without_results_still_render():
    conversation = make_conversation(make_system())
    empty = build_results(conversation)
    for name, make in SPECS.items():
        svg = charts.to_svg(make(empty))
        assert 'role="img"' in svg, name
        assert charts.CHARTS  # the registry the pages use
    for chart in charts.CHARTS.values():
        assert chart.table(empty).rows == []


def test_vega_interpreter_becomes_a_plain_browser_script():
    """The CSP-safe expression interpreter ships as an ES module importing vega-util; the vendored copy is a
    plain script over the global ``vega`` (which re-exports vega-util) that sets ``window.vegaInterpreter``."""
    import importlib.util
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    spec = importlib.util.spec_from_file_location("vendor_assets", root / "scripts" / "vendor_assets.py")
    vendor_assets = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(vendor_assets)
    source = root / "node_modules" / vendor_assets.VEGA_INTERPRETER[0]
    # `make test` installs the npm packages before any test runs; without them the app has no charts either.
    assert source.exists(), f"{source} is missing: run `npm ci` (make test does)"
    script = vendor_assets.vega_interpreter_script(source.read_text(encoding="utf-8"))
    assert not re.search(r"^\s*(import|export)\b", script, re.MULTILINE)
    assert "= window.vega;" in script
    assert "window.vegaInterpreter = { expressionInterpreter: expression };" in script
    assert "new Function" not in script and "eval(" not in script
    with pytest.raises(SystemExit):
        vendor_assets.vega_interpreter_script("export default 1;")
