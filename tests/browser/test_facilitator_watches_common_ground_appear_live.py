"""A facilitator keeps the results page open while votes arrive through the participant API and the analysis
worker runs: common ground appears without reloading, the charts become interactive under the CSP, and the page
is axe-clean. Without JavaScript, the same page shows the server's SVG charts and their tables."""

from __future__ import annotations

import json
import os
import re
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from commonweal.conversations.jobs import worker
from commonweal.conversations.jobs.compute import compute_snapshot
from commonweal.conversations.models import Conversation
from tests.factories import PASSWORD, make_conversation, make_facilitator, make_statement, make_system

from .conftest import PHONE, assert_accessible, assert_no_horizontal_scroll

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = os.environ.get("COMMONWEAL_SCREENSHOTS")

COMMON_GROUND = [
    ("Our district nurses know every family on their patch", "What is working"),
    ("Share one care record across the hospital, GPs and social care", "What we could do together"),
]
DIVISIVE = [
    "Close the minor injuries unit and put the money into GP surgeries",
    "Charge for parking at the hospital to fund community transport",
    "Move outpatient clinics into the town centre library",
]
OTHER = ["Publish waiting times for every service each month", "Train care-home staff together"]

# CSP violations and console errors, recorded from the first script on (added through DevTools, so the page's
# own policy still applies to everything the page does).
WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__csp.push(e.violatedDirective + ' ' + e.blockedURI);
});
"""


# The test database on SQLite is in memory with a shared cache, where a connection that meets another's lock fails
# at once ("database table is locked") instead of waiting as the real file database in WAL mode does. So here the
# worker and the participants' votes take turns, and reads do not take locks (read_uncommitted); on PostgreSQL
# both are harmless.
TURN = threading.Lock()


def _read_uncommitted(sender: Any = None, connection: Any = None, **kwargs: Any) -> None:
    if connection is not None and connection.vendor == "sqlite":
        connection.cursor().execute("PRAGMA read_uncommitted = 1")


def _in_turn(method: Any) -> Any:
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        with TURN:
            return method(*args, **kwargs)

    return wrapped


@contextmanager
def analysis_worker(monkeypatch: Any) -> Iterator[None]:
    """The analysis worker on a thread (commonweal.conversations.jobs.worker.start_thread) for the block's length."""
    from django.db import connection
    from django.db.backends.signals import connection_created

    _read_uncommitted(connection=connection)
    connection_created.connect(_read_uncommitted)
    original = worker.Worker.run_once

    def run_once(self: Any) -> Any:
        with TURN:
            return original(self)

    monkeypatch.setattr(worker.Worker, "run_once", run_once)
    # The worker's other writes between passes (its heartbeat, the daily retention check, queued imports) take
    # the same turn: SQLite's shared-cache test database fails a writer at once instead of waiting.
    for owner, name in (
        (worker.Heartbeat, "beat"),
        (worker.RetentionSchedule, "run_if_due"),
        (worker.ImportRunner, "poll"),
    ):
        monkeypatch.setattr(owner, name, _in_turn(getattr(owner, name)))
    thread = worker.start_thread(poll=0.1, interval=0.5)
    try:
        yield
    finally:
        thread.stop()
        connection_created.disconnect(_read_uncommitted)


def shot(page: Any, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"results-{name}.png"), full_page=True)


def open_conversation() -> tuple[Conversation, dict[str, int]]:
    system = make_system(name="Riverside Health and Care Partnership", slug="riverside")
    make_facilitator(system, username="fran")
    conversation = make_conversation(
        system,
        title="Our next five years",
        question="What should our partnership do together over the next five years?",
        status=Conversation.Status.OPEN,
        opened_at=timezone.now(),
        themes=["What is working", "What we could do together"],
    )
    ids = {}
    for text, theme in COMMON_GROUND:
        ids[text] = make_statement(conversation, text, theme=theme).pk
    for text in DIVISIVE + OTHER:
        ids[text] = make_statement(conversation, text, theme="What we could do together").pk
    return conversation, ids


def api_post(base: str, path: str, body: dict[str, Any], token: str | None = None) -> dict[str, Any]:
    with TURN:
        return _post(base, path, body, token)


def _post(base: str, path: str, body: dict[str, Any], token: str | None) -> dict[str, Any]:
    request = urllib.request.Request(
        base + path,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **({"X-Participant-Token": token} if token else {})},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"{}")


def votes_arrive(base: str, conversation: Conversation, ids: dict[str, int], people: int = 24) -> None:
    """Two sides of ``people // 2``: both agree with the common ground, they split on the divisive statements."""
    sectors = ["acute", "vcse", "local_authority", "primary_care"]
    for i in range(people):
        side = i % 2
        joined = api_post(base, f"/api/conversations/{conversation.slug}/join", {"sector": sectors[i % 4]})
        token = joined["token"]
        for text, _ in COMMON_GROUND:
            api_post(
                base,
                f"/api/conversations/{conversation.slug}/votes",
                {"statement_id": ids[text], "value": 1},
                token,
            )
        for j, text in enumerate(DIVISIVE):
            value = 1 if side == 0 else -1
            if (i + j) % 7 == 0:
                value = 0
            api_post(
                base,
                f"/api/conversations/{conversation.slug}/votes",
                {"statement_id": ids[text], "value": value},
                token,
            )
        for j, text in enumerate(OTHER):
            value = (1, -1, 0)[(i + j) % 3]
            api_post(
                base,
                f"/api/conversations/{conversation.slug}/votes",
                {"statement_id": ids[text], "value": value},
                token,
            )


def sign_in(page: Any, base: str, next_path: str) -> None:
    page.goto(f"{base}/accounts/login/?next={next_path}")
    page.get_by_label("Username").fill("fran")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(re.escape(next_path) + "$"))


def test_facilitator_watches_common_ground_appear_live(live_server, browser, monkeypatch):
    conversation, ids = open_conversation()
    results_path = f"/manage/conversations/{conversation.slug}/results/"
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(30_000)
    context.add_init_script(WATCH)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    sign_in(page, live_server.url, results_path)
    assert page.get_by_role("heading", level=1).inner_text() == "Results"
    assert "Nobody has voted yet" in page.locator("#results-live").inner_text()
    assert_accessible(page, context="(before any votes)")
    shot(page, "01-waiting")
    page.evaluate("() => { window.__notReloaded = 'still the same page'; }")

    with analysis_worker(monkeypatch):
        votes_arrive(live_server.url, conversation, ids)
        # Common ground appears without reloading: htmx swaps in the newer results.
        page.wait_for_function(
            "(n) => document.querySelectorAll('#common-ground-list li').length >= n", arg=2, timeout=45_000
        )
        # And it keeps up: the snapshot that counts every vote arrives too.
        page.wait_for_function(
            "() => document.querySelector('[data-stat=participants]').textContent === '24'", timeout=45_000
        )

    assert page.evaluate("() => window.__notReloaded") == "still the same page"
    listed = page.locator("#common-ground-list .cw-statement__text").all_inner_texts()
    # Both planted statements; the one on "What is working" first (the bright side).
    assert listed[0] == COMMON_GROUND[0][0]
    assert COMMON_GROUND[1][0] in listed
    assert not set(listed) & set(DIVISIVE)
    assert "who voted on it agree" in page.locator("#common-ground-list li").first.inner_text()
    page.wait_for_function(
        "() => document.getElementById('results-announce').textContent === 'Results updated'"
    )
    text = page.locator("#results-live").inner_text()
    assert re.search(r"Group A \(\d+ people\)", text)
    assert "24 joined" in re.sub(r"\s+", " ", text)

    # Let the last update settle (polling continues; the worker has stopped, so answers are 204 from now on).
    page.wait_for_timeout(3500)
    # The charts became interactive (vega-embed with the CSP-safe interpreter) and the table views are there.
    page.wait_for_function(
        "() => document.querySelectorAll('.cw-chart__view[data-rendered=yes]').length === 4", timeout=15_000
    )
    assert page.locator(".cw-chart__interactive svg").count() == 4
    assert page.locator(".cw-chart__view[data-rendered=failed]").count() == 0
    page.locator("#chart-table-bridging summary").click()
    assert page.locator("#chart-table-bridging table").is_visible()
    # One more person votes and a new snapshot lands: the table the facilitator opened stays open.
    tick = int(page.locator("#results-live").get_attribute("data-tick"))
    token = api_post(live_server.url, f"/api/conversations/{conversation.slug}/join", {})["token"]
    api_post(
        live_server.url,
        f"/api/conversations/{conversation.slug}/votes",
        {"statement_id": ids[COMMON_GROUND[1][0]], "value": 1},
        token,
    )
    with TURN:
        compute_snapshot(conversation)
    page.wait_for_function(
        "(t) => Number(document.getElementById('results-live').dataset.tick) > t", arg=tick
    )
    assert page.locator("#chart-table-bridging").get_attribute("open") is not None
    assert page.locator("#chart-table-bridging table").is_visible()
    page.wait_for_function(
        "() => document.querySelectorAll('.cw-chart__view[data-rendered=yes]').length === 4", timeout=15_000
    )
    assert page.evaluate("() => window.__notReloaded") == "still the same page"
    # Hovering a cluster on the map shows a tooltip (the interactive part).
    box = page.locator("#chart-opinion-map .cw-chart__interactive svg").bounding_box()
    assert box and box["width"] > 300
    assert page.evaluate("() => window.__csp") == []
    assert not [e for e in errors if "favicon" not in e], errors
    assert_accessible(page, context="(common ground shown, charts interactive)")
    shot(page, "02-live")

    # On a 320-pixel phone the charts fit.
    page.set_viewport_size(PHONE)
    page.reload()
    page.wait_for_function(
        "() => document.querySelectorAll('.cw-chart__view[data-rendered=yes]').length === 4", timeout=15_000
    )
    assert_no_horizontal_scroll(page)
    widths = page.evaluate(
        "() => [...document.querySelectorAll('.cw-chart__interactive svg')].map(s => s.getBoundingClientRect().width)"
    )
    assert all(0 < w <= PHONE["width"] for w in widths), widths
    assert_accessible(page, context="(phone)")
    shot(page, "03-phone")
    context.close()

    # Without JavaScript: the server's SVG charts and their tables.
    plain = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="en-GB", java_script_enabled=False
    )
    plain.set_default_timeout(30_000)
    page = plain.new_page()
    sign_in(page, live_server.url, results_path)
    assert page.locator("#common-ground-list li").count() >= 2
    assert page.locator("figure.cw-chart svg[role=img]").count() == 4
    assert page.locator("figure.cw-chart details table").count() == 4
    assert page.locator(".cw-chart__interactive").count() == 0
    assert page.get_by_role("link", name="Reload").count() == 1
    shot(page, "04-no-javascript")
    plain.close()
