"""The facilitator's results page, its live fragment and charts, and present mode, through Django's test client."""

from __future__ import annotations

import json
import re
from html import unescape

import numpy as np
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from commonweal.conversations.jobs.compute import compute_snapshot
from commonweal.conversations.models import AnalysisStatus
from tests.conversations.test_results import load_simulation, planted
from tests.factories import (
    make_facilitator,
    make_participant,
    make_statement,
    make_vote,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(conversation):
    c = Client()
    c.force_login(make_facilitator(conversation.system))
    return c


@pytest.fixture
def analysed(conversation):
    sim = planted(3)
    cg = [int(j) for j in np.flatnonzero(sim.is_common_ground)]
    themes = dict.fromkeys(range(sim.n_statements), "What we could do together")
    themes[cg[0]] = "What is working"
    statements, participants = load_simulation(conversation, sim, themes=themes)
    snapshot = compute_snapshot(conversation)
    return {
        "sim": sim,
        "statements": statements,
        "participants": participants,
        "snapshot": snapshot,
        "cg": cg,
    }


def url(view, conversation, **kw):
    return reverse(f"conversations:{view}", kwargs={"slug": conversation.slug, **kw})


def assert_csp_clean(html: str) -> None:
    """No inline script bodies and no style attributes: the Content-Security-Policy would block them."""
    for attrs, body in re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.S):
        assert "src=" in attrs or 'type="application/json"' in attrs, attrs
        if "src=" in attrs:
            assert not body.strip()
    assert not re.search(r"\sstyle=", html)
    assert "<style" not in html


def test_results_page_shows_everything(client, conversation, analysed):
    response = client.get(url("manage_results", conversation))
    assert response.status_code == 200
    html = response.content.decode()
    assert_csp_clean(html)
    statements = analysed["statements"]
    # Common ground, "what is working" first.
    first_cg = statements[analysed["cg"][0]]
    items = re.findall(
        r'<li class="cw-statement" data-statement="(\d+)"', html.split('id="common-ground-list"')[1]
    )
    assert int(items[0]) == first_cg.pk
    assert "who voted on it agree" in html
    # Groups in plain words, with their representative statements.
    results = response.context["results"]
    for g in results.groups:
        assert f"{g.name} ({g.size.count} people)" in html
    assert "What sets Group A apart" in html
    # Where groups differ, stability in words, participation breakdowns.
    assert re.search(r"Group [AB] agrees; Group [AB] disagrees", html)
    assert "in 100 people stay in the same group" in html
    assert 'id="results-breakdown-sector"' in html
    # Every chart: the server's SVG in a figure with a caption, a table, and its spec as JSON data.
    for name in ("opinion-map", "stability", "bridging", "participation"):
        figure = re.search(rf'<figure class="cw-chart" id="chart-{name}">(.*?)</figure>', html, re.S).group(1)
        assert "<figcaption" in figure
        assert "<svg" in figure and 'role="img"' in figure and "<title>" in figure
        assert "Show as a table" in figure and "<table" in figure
        spec = json.loads(unescape(re.search(r'data-spec-json="([^"]*)"', figure).group(1)))
        assert spec["$schema"].endswith("v6.json")
    # Updated time and tick, the live region, the polling.
    assert f"update {analysed['snapshot'].tick}" in html
    assert 'aria-live="polite"' in html
    assert (
        f'hx-get="{url("manage_results_live", conversation)}?after={analysed["snapshot"].tick}&amp;failing=0&amp;worker=0"'
        in html
    )
    assert 'hx-trigger="every 3s"' in html


def test_theme_filter_is_a_get_form(client, conversation, analysed):
    html = client.get(url("manage_results", conversation)).content.decode()
    assert '<form method="get"' in html and 'name="theme"' in html
    working = client.get(url("manage_results", conversation), {"theme": "What is working"})
    assert working.context["results"].theme == "What is working"
    html = working.content.decode()
    assert '<option value="What is working" selected>' in html
    assert "theme=What%20is%20working" in html  # the live fragment keeps the filter
    shown = {c.statement.theme for c in working.context["results"].common_ground}
    assert shown == {"What is working"}
    # An unknown theme is no filter, not an error.
    other = client.get(url("manage_results", conversation), {"theme": "Nonsense"})
    assert other.status_code == 200 and other.context["results"].theme is None


def test_no_snapshot_says_what_is_needed(client, conversation):
    html = client.get(url("manage_results", conversation)).content.decode()
    assert "Results appear once people have voted" in html
    assert "<figure" not in html


def test_stale_results_show_a_warning_with_the_error(client, conversation, analysed):
    AnalysisStatus.objects.filter(conversation=conversation).update(
        last_error="ValueError: the vote matrix is empty",
        last_error_at=timezone.now(),
        consecutive_failures=1,
    )
    html = client.get(url("manage_results", conversation)).content.decode()
    assert "nhsuk-warning-callout" in html
    assert "These results may be out of date" in html
    assert "the vote matrix is empty" in html
    assert "failing=1" in html


def test_live_fragment_is_204_until_something_newer(client, conversation, analysed):
    tick = analysed["snapshot"].tick
    live = url("manage_results_live", conversation)
    with CaptureQueriesContext(connection) as queries:
        same = client.get(live, {"after": tick, "failing": "0"})
    assert same.status_code == 204 and same.content == b""
    # Nothing newer: answered from a few index lookups, without reading the snapshot itself.
    assert not [q for q in queries.captured_queries if '"result"' in q["sql"]]
    older = client.get(live, {"after": tick - 1, "failing": "0"})
    assert older.status_code == 200
    html = older.content.decode()
    assert html.lstrip().startswith('<div id="results-live"')
    assert "<html" not in html
    assert f"?after={tick}&amp;failing=0" in html
    assert_csp_clean(html)
    # A new snapshot (more votes) makes the same request answer with the fragment.
    s = analysed["statements"][0]
    for p in analysed["participants"][:3]:
        make_vote(p, s, -1)
    new = compute_snapshot(conversation)
    newer = client.get(live, {"after": tick, "failing": "0"})
    assert newer.status_code == 200
    assert f"update {new.tick}" in newer.content.decode()
    # So does a change of health with the same snapshot.
    AnalysisStatus.objects.filter(conversation=conversation).update(last_error="boom", consecutive_failures=1)
    assert client.get(live, {"after": new.tick, "failing": "0"}).status_code == 200
    assert client.get(live, {"after": new.tick, "failing": "1"}).status_code == 204


def test_chart_endpoints(client, conversation, analysed):
    spec = client.get(url("manage_results_chart", conversation, name="bridging", fmt="json"))
    assert spec.status_code == 200 and spec["Content-Type"] == "application/json"
    assert spec.json()["$schema"].endswith("v6.json")
    assert len(spec.json()["data"]["values"]) == 20
    svg = client.get(url("manage_results_chart", conversation, name="opinion-map", fmt="svg"))
    assert svg.status_code == 200 and svg["Content-Type"].startswith("image/svg+xml")
    assert svg.content.startswith(b"<svg") and b'role="img"' in svg.content
    assert client.get(url("manage_results_chart", conversation, name="pie", fmt="svg")).status_code == 404
    assert (
        client.get(url("manage_results_chart", conversation, name="bridging", fmt="png")).status_code == 404
    )


def test_present_mode_shows_the_question_qr_counts_and_common_ground(client, conversation, analysed):
    response = client.get(url("manage_present", conversation))
    assert response.status_code == 200
    html = response.content.decode()
    assert_csp_clean(html)
    assert conversation.question in html
    assert url("manage_qr_svg", conversation) in html
    assert f"/c/{conversation.slug}/" in html
    assert '<header class="nhsuk-header"' not in html  # no navigation chrome
    assert 'id="present-fullscreen"' in html and " hidden>" in html  # shown by present.js only
    assert 'data-stat="participants">80<' in html
    results = response.context["results"]
    listed = re.findall(r'class="cw-present__statement" data-statement="(\d+)"', html)
    assert [int(i) for i in listed] == [c.statement.id for c in results.common_ground[:5]]
    assert 1 <= len(listed) <= 5
    assert 'hx-trigger="every 3s"' in html


def test_present_live_is_204_until_the_counts_or_results_change(client, conversation, analysed):
    live = url("manage_present_live", conversation)
    results = client.get(url("manage_present", conversation)).context["results"]
    query = {
        "after": results.snapshot_tick,
        "failing": "0",
        "votes": results.votes,
        "people": results.participants,
    }
    assert client.get(live, query).status_code == 204
    newcomer = make_participant(conversation.system, conversation=conversation)
    make_vote(newcomer, analysed["statements"][1], 1)
    changed = client.get(live, query)
    assert changed.status_code == 200
    html = changed.content.decode()
    assert html.lstrip().startswith('<section id="present-live"')
    assert f'data-stat="votes">{results.votes + 1:,}<' in html
    assert f'data-stat="participants">{results.participants + 1:,}<' in html
    assert f"votes={results.votes + 1}&amp;people={results.participants + 1}" in html


def test_present_mode_before_any_votes(client, conversation):
    make_statement(conversation, "More buses to the hospital")
    html = client.get(url("manage_present", conversation)).content.decode()
    assert "Nobody has voted yet" in html
    assert 'data-stat="votes">0<' in html
