"""The system map is readable on the demo (issue 14, item 6): Riverside's 44 organisations (two of them community
groups) and about 370 ties open
on one organisation and its partners, weak ties are hidden or lighter, no two names overlap in the server-drawn
image (computed from the image itself), a sector filter shows those organisations and their partners, the tables
are folded away, and the layout is stored rather than computed on a first view (item 11)."""

from __future__ import annotations

import itertools
import re
from xml.etree import ElementTree

import pytest

from commonweal.analysis.network import measures
from commonweal.network.map import layout as layout_module
from commonweal.network.map.build import build_map
from commonweal.network.map.data import LARGE_SYSTEM, STRONG_TIE, MapFilters
from commonweal.network.map.labels import ASCENT, DESCENT, text_width
from commonweal.network.map.layout import HEIGHT, WIDTH, layout_signature
from commonweal.network.map.svg import render_svg
from commonweal.network.models import MapLayout, SurveyRound
from tests.factories import make_facilitator, make_organisation, make_system

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"


def label_boxes(svg: str) -> list[tuple[str, tuple[float, float, float, float]]]:
    """Every name and link word written on the drawing, with the box it takes: from each <text> of the image's
    labels group, its x, y, font size and lines (<tspan>s, each 14 below the last), measured with the widest
    fonts a browser may use for the map."""
    root = ElementTree.fromstring(svg)
    group = root.find(f".//{SVG}g[@id='labels']")
    assert group is not None
    boxes = []
    for text in group.iter(f"{SVG}text"):
        x, y, size = float(text.get("x")), float(text.get("y")), float(text.get("font-size"))
        assert text.get("text-anchor") == "middle"
        spans = list(text.iter(f"{SVG}tspan"))
        lines = [s.text for s in spans] if spans else [text.text]
        # Each further line is one line height (a tspan's dy) below the one before.
        dys = [float(s.get("dy") or 0) for s in spans[1:]]
        half = max(text_width(line, size) for line in lines) / 2
        scale = size / 12
        boxes.append(
            (" ".join(lines), (x - half, y - ASCENT * scale, x + half, y + sum(dys) + DESCENT * scale))
        )
    return boxes


def overlapping(boxes):
    return [
        (a, b)
        for (a, ba), (b, bb) in itertools.combinations(boxes, 2)
        if ba[0] < bb[2] and bb[0] < ba[2] and ba[1] < bb[3] and bb[1] < ba[3]
    ]


VIEWS = {
    "ego view (the default)": {},
    "whole map": {"whole": True},
    "whole map with weak ties": {"whole": True, "ties": "all"},
    "a sector and its partners": {"sector": "vcse"},
    "a place and its partners": {"place": "first"},
    "ego view compared with 2025": {"compare": "2025"},
}


@pytest.mark.parametrize("view", VIEWS, ids=list(VIEWS))
def test_no_two_names_overlap_in_the_demo_image(demo_system, view):
    options = dict(VIEWS[view])
    if options.get("place") == "first":
        options["place"] = demo_system.places.order_by("name").first().pk
    if "compare" in options:
        options["compare"] = SurveyRound.objects.get(system=demo_system, name=options["compare"])
    data = build_map(demo_system, MapFilters(**options))
    svg = render_svg(data)
    boxes = label_boxes(svg)
    assert len(boxes) > 10
    assert overlapping(boxes) == []
    # Every name is inside the drawing, above the legend.
    for name, (left, top, right, bottom) in boxes:
        assert left >= 0 and right <= WIDTH and top >= 0 and bottom <= HEIGHT, name
    # Every organisation is either named on the drawing or listed under it.
    drawn = {name for name, _ in boxes}
    for node in data.nodes:
        named = " ".join(node.label_lines)
        assert (named in drawn) if node.label_lines else (node in data.unlabelled)
    if data.unlabelled:
        assert "Not named on the map, for room" in svg


def test_the_demo_opens_on_its_organisation_with_the_most_partners(demo_system):
    data = build_map(demo_system, MapFilters())
    assert data.n_organisations == 44 > LARGE_SYSTEM and data.large
    assert data.ego is not None and data.ego_by_default
    net_partners: dict[int, set[int]] = {}
    for e in build_map(demo_system, MapFilters(whole=True, ties="all")).relationship_edges:
        a, b = int(e.source[1:]), int(e.target[1:])
        net_partners.setdefault(a, set()).add(b)
        net_partners.setdefault(b, set()).add(a)
    most = max(len(p) for p in net_partners.values())
    assert len(net_partners[data.ego.pk]) == most
    # The organisation and its partners only, each tie drawn touching it; it is highlighted, in the middle.
    assert {n.pk for n in data.organisations} == {data.ego.pk} | net_partners[data.ego.pk]
    assert all(f"o{data.ego.pk}" in (e.source, e.target) for e in data.relationship_edges)
    assert [n.name for n in data.highlighted] == [data.ego.name]
    assert (data.ego.at_x, data.ego.at_y) == (WIDTH / 2, HEIGHT / 2)
    assert data.summary.startswith(
        f"The map shows {data.ego.name} and its {len(data.organisations) - 1} partners"
    )


def test_another_organisation_can_be_chosen_and_a_small_system_opens_whole(demo_system):
    council = demo_system.organisations.get(name="Riverside City Council")
    data = build_map(demo_system, MapFilters(focus=council.pk))
    assert data.ego.name == "Riverside City Council" and not data.ego_by_default
    # A system of 15 organisations or fewer opens on the whole map.
    small = build_map(make_organisation(make_system(slug="small"), name="Alone").system, MapFilters())
    assert small.ego is None and not small.large


def test_weak_ties_are_hidden_on_the_whole_map_unless_asked_and_lighter_when_shown(demo_system):
    whole = build_map(demo_system, MapFilters(whole=True))
    assert not whole.show_weak
    # No awareness-only tie (intensity 1 or 1.5) is drawn.
    assert all(not dict(e.details)["Intensity"].startswith("1") for e in whole.relationship_edges)
    every = build_map(demo_system, MapFilters(whole=True, ties="all"))
    assert every.show_weak and len(every.relationship_edges) > len(whole.relationship_edges)
    weak = [e for e in every.relationship_edges if dict(e.details)["Intensity"].startswith("1")]
    strong = [e for e in every.relationship_edges if dict(e.details)["Intensity"].startswith("4")]
    assert weak and strong and max(e.opacity for e in weak) < min(e.opacity for e in strong)
    assert max(e.width for e in weak) < min(e.width for e in strong)
    # The ego view shows weak ties by default, and hides them when asked.
    ego = build_map(demo_system, MapFilters())
    assert ego.show_weak
    strong_only = build_map(demo_system, MapFilters(ties="strong"))
    assert len(strong_only.organisations) <= len(ego.organisations)
    assert STRONG_TIE == 2.0 and measures.TIE_THRESHOLD == 1.0


def test_the_layout_is_stored_and_read_not_computed_on_a_first_view(demo_system, monkeypatch):
    stored = MapLayout.objects.get(system=demo_system)  # the demo stored it as it loaded
    assert stored.signature == layout_signature(demo_system)
    assert len([k for k in stored.positions if k.startswith("o")]) == 44

    def no_computing(system):
        raise AssertionError("the layout was computed, not read")

    monkeypatch.setattr(layout_module, "compute_layout", no_computing)
    data = build_map(demo_system, MapFilters(whole=True))
    node = data.organisations[0]
    assert (node.x, node.y) == tuple(stored.positions[node.key])
    monkeypatch.undo()
    # A new organisation changes what the layout depends on: it is computed again, once, and stored.
    make_organisation(demo_system, name="Riverside Hospital Radio")
    assert layout_signature(demo_system) != stored.signature
    build_map(demo_system, MapFilters(whole=True))
    again = MapLayout.objects.get(system=demo_system)
    assert (
        again.signature == layout_signature(demo_system) and len(again.positions) == len(stored.positions) + 1
    )


def test_the_map_page_folds_its_tables_and_offers_the_whole_map(client, demo_system):
    client.force_login(make_facilitator(demo_system))
    html = client.get("/manage/systems/riverside/network/map/").content.decode()
    assert "The map is focused on" in html and "Show the whole map" in html
    assert re.search(r'<a href="\?focus=all">Show the whole map</a>', html)
    # Every table sits in a <details> (the page was 29,000 pixels long on a desktop with them open).
    assert html.count("<table") >= 2  # organisations and ties (the hospice has no interdependency)
    outside = re.sub(r"<details.*?</details>", "", html, flags=re.S)
    assert "<table" not in outside
    # Each organisation of the table can take the focus, with the filters kept.
    assert re.search(r'href="\?focus=\d+">Focus on it<span class="nhsuk-u-visually-hidden">: ', html)
    whole = client.get("/manage/systems/riverside/network/map/?focus=all&ties=all").content.decode()
    assert "The map is focused on" not in whole and "The map shows 44 organisations, 371 ties" in whole
    # A focus that is not an organisation of the system is named, and the map still shows.
    odd = client.get("/manage/systems/riverside/network/map/?focus=999999").content.decode()
    assert "Choose an organisation from the list" in odd and "The map is focused on" in odd
