"""The system map: its data (nodes with server-computed positions, ties by intensity and direction,
interdependencies, filters, comparison of two rounds), its page (the data via json_script, the same data as tables)
and its server-drawn SVG image."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.utils import timezone

from commonweal.network.map.build import build_map
from commonweal.network.map.cytoscape import node_details
from commonweal.network.map.data import MapFilters
from commonweal.network.map.layout import layout
from commonweal.network.map.style import edge_width, node_size
from commonweal.network.map.svg import render_svg
from tests.factories import (
    make_community,
    make_facilitator,
    make_interdependency,
    make_organisation,
    make_place,
    make_response,
    make_round,
    make_system,
    rate,
)

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def world():
    """Four organisations, two rounds. 2025: A->B 2, B->A 2, A->C 3, C->A 1, D silent.
    2026: A->B 4 (stronger), B->A 2, A->C 0 (lost), C->A 1, C->B 2 (new), D->A 1 (new, but D did not answer
    2025, so it is not judged)."""
    system = make_system(slug="riverside", name="Riverside")
    north = make_place(system, name="Northvale")
    a = make_organisation(system, name="Acute Trust", sector="acute")
    b = make_organisation(system, name="Borough Council", sector="local_authority")
    c = make_organisation(system, name="Carers Centre", sector="vcse")
    d = make_organisation(system, name="Dales Practice", sector="primary_care")
    for org in (a, c):
        org.places.add(north)
    now = timezone.now()
    r1 = make_round(system, name="2025", opened_at=now - timedelta(days=365))
    r2 = make_round(system, name="2026", opened_at=now)
    for rater, partner, intensity in [(a, b, 2), (b, a, 2), (a, c, 3), (c, a, 1)]:
        rate(make_response(r1, rater), partner, intensity)
    ra, rb, rc, rd = (make_response(r2, o) for o in (a, b, c, d))
    rate(ra, b, 4, trust=(4, 4, 4), value=(3, 3, 3))
    rate(ra, c, 0)
    rate(rb, a, 2)
    rate(rc, a, 1)
    rate(rc, b, 2)
    rate(rd, a, 1)
    homes = make_community(system, name="Unpaid carers")
    make_interdependency(system, c, a, kind="staff")
    dep = make_interdependency(system, a, c, kind="patients")
    dep.to_organisation, dep.to_community = None, homes
    dep.save()
    return {
        "system": system,
        "a": a,
        "b": b,
        "c": c,
        "d": d,
        "r1": r1,
        "r2": r2,
        "north": north,
        "homes": homes,
    }


def svg_texts(root):
    """Each <text> of an SVG image as one string (a name's lines, its <tspan>s, joined by spaces)."""
    return [
        " ".join(part for part in [t.text, *(ts.text for ts in t.iter(f"{SVG}tspan"))] if part)
        for t in root.iter(f"{SVG}text")
    ]


def edges_by_pair(data, kind="relationship"):
    return {(e.source, e.target): e for e in data.edges if e.kind == kind}


def test_the_latest_round_is_shown_with_ties_sized_and_directed(world):
    a, b, c, d = (world[k] for k in "abcd")
    data = build_map(world["system"], MapFilters())
    assert data.round == world["r2"]
    ties = edges_by_pair(data)
    # A rating of 0 is not a tie; the others are directed edges as wide as their intensity.
    assert set(ties) == {(f"o{x.pk}", f"o{y.pk}") for x, y in [(a, b), (b, a), (c, a), (c, b), (d, a)]}
    assert ties[(f"o{a.pk}", f"o{b.pk}")].width == edge_width(4) > ties[(f"o{b.pk}", f"o{a.pk}")].width
    nodes = {n.name: n for n in data.organisations}
    assert (nodes["Acute Trust"].ties_out, nodes["Acute Trust"].ties_in) == (1, 3)
    assert nodes["Acute Trust"].size == node_size(4) > nodes["Dales Practice"].size
    assert nodes["Acute Trust"].colour != nodes["Carers Centre"].colour
    assert nodes["Acute Trust"].shape != nodes["Carers Centre"].shape


def test_positions_are_computed_on_the_server_and_stay_put_whatever_the_filters(world):
    system = world["system"]
    first, again = layout(system), layout(system)
    assert first == again  # a fixed seed: the same data gives the same map
    everything = {n.key: (n.x, n.y) for n in build_map(system, MapFilters()).nodes}
    narrowed = {
        n.key: (n.x, n.y) for n in build_map(system, MapFilters(sector="vcse", round=world["r1"])).nodes
    }
    assert narrowed == {k: everything[k] for k in narrowed}
    assert len(set(everything.values())) == len(everything)  # no two organisations on one spot


def test_a_sector_or_place_filter_shows_those_organisations_and_their_partners(world):
    """Issue 14, item 6: a filter means "these organisations and their partners" (five unconnected dots with their
    ties missing looked broken), with the ones that match highlighted and only their ties drawn."""
    a, b, c, d = (world[k] for k in "abcd")
    data = build_map(world["system"], MapFilters(place=world["north"].pk, kind="relationships"))
    # Northvale: the acute trust and the carers; their partners are the council (both) and the practice (A).
    assert {n.name for n in data.nodes} == {
        "Acute Trust",
        "Borough Council",
        "Carers Centre",
        "Dales Practice",
    }
    assert {n.name for n in data.highlighted} == {"Acute Trust", "Carers Centre"}
    pairs = {(f"o{x.pk}", f"o{y.pk}") for x, y in [(a, b), (b, a), (c, a), (c, b), (d, a)]}
    assert set(edges_by_pair(data)) == pairs
    data = build_map(world["system"], MapFilters(sector="vcse"))
    assert [n.name for n in data.highlighted] == ["Carers Centre"]
    assert {n.name for n in data.organisations} == {"Carers Centre", "Acute Trust", "Borough Council"}
    # The ties of the carers, not the tie between two of its partners.
    assert set(edges_by_pair(data)) == {(f"o{c.pk}", f"o{a.pk}"), (f"o{c.pk}", f"o{b.pk}")}
    assert "1 organisation matching the filters and their partners" in data.summary


def test_the_link_kind_chooses_relationships_interdependencies_or_both(world):
    system = world["system"]
    only_ties = build_map(system, MapFilters(kind="relationships"))
    assert {e.kind for e in only_ties.edges} == {"relationship"}
    assert "community" not in {n.kind for n in only_ties.nodes}
    only_links = build_map(system, MapFilters(kind="interdependencies"))
    assert {e.kind for e in only_links.edges} == {"interdependency"}
    # The community at one end of an interdependency joins the map, in its own style.
    community = next(n for n in only_links.nodes if n.kind == "community")
    assert community.name == "Unpaid carers"
    assert {e.label for e in only_links.edges} == {"staff", "patients"}
    assert {e.kind for e in build_map(system, MapFilters()).edges} == {"relationship", "interdependency"}


def test_comparing_rounds_marks_new_stronger_and_lost_ties(world):
    a, b, c, d = (world[k] for k in "abcd")
    data = build_map(world["system"], MapFilters(compare=world["r1"], kind="relationships"))
    ties = {pair: e.change for pair, e in edges_by_pair(data).items()}
    assert ties[(f"o{a.pk}", f"o{b.pk}")] == "stronger"
    assert ties[(f"o{c.pk}", f"o{b.pk}")] == "new"
    assert ties[(f"o{a.pk}", f"o{c.pk}")] == "lost"  # drawn from the earlier round, dotted
    assert ties[(f"o{b.pk}", f"o{a.pk}")] is None
    # D did not answer 2025: its tie is not called new.
    assert ties[(f"o{d.pk}", f"o{a.pk}")] is None
    assert {(r.change, r.rater, r.partner) for r in data.change_rows} == {
        ("Stronger", "Acute Trust", "Borough Council"),
        ("New tie", "Carers Centre", "Borough Council"),
        ("Lost tie", "Acute Trust", "Carers Centre"),
    }
    assert "1 new, 1 stronger, 0 weaker and 1 lost" in data.summary


def test_the_pairs_table_keeps_both_directions_and_flags_pairs_seen_differently(world):
    data = build_map(world["system"], MapFilters())
    pairs = {(p.a, p.b): p for p in data.pairs}
    ab = pairs[("Acute Trust", "Borough Council")]
    assert (ab.a_rates_b, ab.b_rates_a, ab.asymmetric) == ("4, integration", "2, cooperation", True)
    ac = pairs[("Acute Trust", "Carers Centre")]
    assert (ac.a_rates_b, ac.b_rates_a, ac.asymmetric) == ("0, none", "1, awareness", False)


def test_tie_details_say_fewer_than_5_respondents(world):
    data = build_map(world["system"], MapFilters())
    edge = edges_by_pair(data)[(f"o{world['a'].pk}", f"o{world['b'].pk}")]
    details = dict(edge.details)
    assert details["Respondents combined"] == "fewer than 5"
    assert details["Trust (mean of the three items)"] == "4.0 of 4"
    node = next(n for n in data.nodes if n.name == "Acute Trust")
    received = dict(node_details(node))
    assert received["Median trust it receives"].startswith("Not shown: fewer than 5")


def test_the_svg_image_has_every_node_edge_label_and_the_legend(world):
    data = build_map(world["system"], MapFilters(compare=world["r1"]))
    svg = render_svg(data)
    root = ElementTree.fromstring(svg)
    assert root.find(f"{SVG}title").text == "Map of Riverside, survey round 2026"
    assert "4 organisations" in root.find(f"{SVG}desc").text
    texts = svg_texts(root)
    for name in ("Acute Trust", "Borough Council", "Carers Centre", "Dales Practice", "Unpaid carers"):
        assert name in texts
    assert {"Acute trust", "Local authority", "Community"} <= set(texts)  # legend rows
    assert "Lost tie since 2025" in texts and "New tie since 2025" in texts and "staff" in texts
    # A lost tie is dotted and says which pair it was, so the image does not rely on colour alone.
    lost = [p for p in root.iter(f"{SVG}path") if p.get("stroke-dasharray") == "2 5"]
    assert [p.find(f"{SVG}title").text for p in lost] == ["How Acute Trust rated Carers Centre"]
    assert len(list(root.find(f"{SVG}g[@id='edges']"))) == len(data.edges)
    # No style attribute or element: the site's Content-Security-Policy forbids inline styles.
    assert "style" not in svg


def test_the_map_page_passes_its_data_through_json_script_and_shows_tables(client, world):
    client.force_login(make_facilitator(world["system"]))
    response = client.get("/manage/systems/riverside/network/map/?compare=" + str(world["r1"].pk))
    html = response.content.decode()
    assert response.status_code == 200
    script = re.search(r'<script id="cw-map-data" type="application/json">(.*?)</script>', html, re.S)
    data = json.loads(script.group(1))
    nodes = [e for e in data["elements"] if e["group"] == "nodes"]
    assert {"x", "y"} == set(nodes[0]["position"])
    assert any(e["data"].get("change") == "lost" for e in data["elements"])
    # Every other script is a file: no inline script.
    assert len(re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)", html)) == 0
    assert "Ties between organisations" in html and "Worth a conversation" in html
    assert "What changed since 2025" in html and "Lost tie" in html
    assert '<img class="cw-map-image" src="/manage/systems/riverside/network/map.svg?compare=' in html
    assert "<caption" in html and 'scope="col"' in html


def test_a_filter_that_is_not_understood_is_named_and_the_map_still_shows(client, world):
    client.force_login(make_facilitator(world["system"]))
    html = client.get("/manage/systems/riverside/network/map/?round=99999&sector=hospital").content.decode()
    assert "Some filters were not understood" in html
    assert "Choose a survey round from the list" in html and "Choose a sector from the list" in html
    assert "Acute Trust" in html


def test_the_filters_come_from_the_query_string(client, world):
    client.force_login(make_facilitator(world["system"]))
    query = f"?round={world['r1'].pk}&place={world['north'].pk}&kind=relationships"
    html = client.get("/manage/systems/riverside/network/map/" + query).content.decode()
    assert "There is a problem" not in html and "Some filters" not in html
    script = re.search(r'<script id="cw-map-data" type="application/json">(.*?)</script>', html, re.S)
    nodes = [e["data"] for e in json.loads(script.group(1))["elements"] if e["group"] == "nodes"]
    # Northvale's two organisations, highlighted, and their partner in 2025.
    assert {n["name"] for n in nodes} == {"Acute Trust", "Borough Council", "Carers Centre"}
    assert {n["name"] for n in nodes if n["highlight"]} == {"Acute Trust", "Carers Centre"}
    assert "The map: 2025" in html


def test_the_map_image_is_served_as_svg_with_the_same_filters(client, world):
    client.force_login(make_facilitator(world["system"]))
    response = client.get("/manage/systems/riverside/network/map.svg?sector=vcse")
    assert response.status_code == 200 and response["Content-Type"].startswith("image/svg+xml")
    texts = svg_texts(ElementTree.fromstring(response.content))
    # The carers and their partners, not the practice (no tie with the carers).
    assert "Carers Centre" in texts and "Acute Trust" in texts and "Dales Practice" not in texts


def test_a_system_without_rounds_shows_its_organisations_and_says_why_there_are_no_ties(client):
    system = make_system(slug="empty")
    make_organisation(system, name="Lonely Trust")
    client.force_login(make_facilitator(system))
    html = client.get("/manage/systems/empty/network/map/").content.decode()
    assert "No survey round yet" in html and "Lonely Trust" in html
    assert client.get("/manage/systems/empty/network/map.svg").status_code == 200
