"""A participant on a phone votes seven times, follows "See where you stand" and reads their opinion group and the
common ground, in real Chromium at 320 pixels wide; axe-clean on every page."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from commonweal.conversations.models import Participant
from tests.conversations.test_standing import COMMON, plant, snapshot

from .conftest import assert_accessible, assert_no_horizontal_scroll

pytestmark = pytest.mark.django_db(transaction=True)

# Set COMMONWEAL_SCREENSHOTS=/some/folder to keep a PNG of every page this story visits.
SHOTS = os.environ.get("COMMONWEAL_SCREENSHOTS")


def check(page, name: str) -> None:
    assert_accessible(page, context=f"({name})")
    assert_no_horizontal_scroll(page)
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"standing-{name}.png"), full_page=True)


def analyse_now(conversation) -> None:
    """What the analysis worker does after a vote: a new snapshot of the conversation."""
    try:
        from commonweal.conversations.jobs.compute import compute_snapshot
    except ImportError:  # the worker part's module; the test's own copy of its work until then
        snapshot(conversation)
    else:
        compute_snapshot(conversation)


def test_participant_votes_and_sees_where_they_stand(live_server, phone_page):
    conversation, _, _, _ = plant(people=30)
    analyse_now(conversation)
    page = phone_page
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    warnings: list[str] = []
    page.on("console", lambda m: warnings.append(m.text) if m.type == "warning" else None)

    page.goto(f"{live_server.url}/c/{conversation.slug}/")
    page.get_by_role("button", name="I agree, take part").click()
    page.wait_for_load_state()
    if page.url.endswith("/about-you/"):
        page.get_by_role("button", name="Skip these questions").click()
    page.wait_for_url(re.compile(rf"/c/{conversation.slug}/$"))
    total = len(COMMON) + 8
    for n in range(1, 8):
        hint = page.locator(".cw-standing-hint")
        assert hint.inner_text() == (
            f"Vote on {8 - n} more statement{'s' if 8 - n != 1 else ''} to see where you stand."
        )
        assert page.get_by_role("link", name="See where you stand").count() == 0
        page.get_by_role("button", name="Agree", exact=True).click()
        page.locator("#cw-progress").get_by_text(f"{n} of {total}").wait_for()
    check(page, "01-seven-votes")
    link = page.get_by_role("link", name="See where you stand")
    assert link.is_visible()
    link.click()

    # The analysis has not caught up with the seventh vote yet.
    page.wait_for_url(re.compile(r"/where-you-stand/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Where you stand"
    assert "Your latest votes will show within a minute" in page.locator("#cw-standing-status").inner_text()
    check(page, "02-catching-up")

    # The analysis catches up; the waiting page notices within seconds and reloads itself.
    analyse_now(conversation)
    page.locator("#cw-standing-status").get_by_text(re.compile(r"^You are in Group")).wait_for(timeout=20_000)
    page.wait_for_load_state()
    participant = Participant.objects.order_by("-pk").first()
    assert participant is not None
    status = page.locator("#cw-standing-status").inner_text()
    assert re.fullmatch(r"You are in Group [A-E], (with \d+ other people|in a small group .*)\.", status), (
        status
    )
    headings = page.get_by_role("heading", level=2).all_inner_texts()
    common = headings.index("Things almost everyone agrees on")
    assert headings[common + 1].startswith("Your group: Group ")
    assert headings.index("The opinion map") > common
    shown = page.locator("#common-ground + p + ul .cw-belief__text").all_inner_texts()
    assert set(shown) == set(COMMON)
    assert page.get_by_role("heading", name="What your group believes most").is_visible()
    # The server's SVG, made interactive by vega-embed (charts.js) once the page's scripts have run.
    chart = page.locator(".cw-map__chart")
    page.wait_for_function(
        "() => ['yes', 'failed'].includes(document.querySelector('.cw-map__chart').dataset.rendered)",
        timeout=30_000,
    )
    assert chart.get_attribute("data-rendered") == "yes", warnings
    assert chart.locator(".cw-chart__interactive svg").is_visible()
    assert "You are in Group" in page.locator("#opinion-map-text").inner_text()
    check(page, "03-where-you-stand")
    assert not [e for e in errors if not e.startswith("Failed to load resource")], errors
