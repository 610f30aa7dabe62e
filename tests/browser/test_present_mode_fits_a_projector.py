"""Present mode fits a projector (issue 14, item 10): at 1280 x 720 and at 1920 x 1080 the whole view (the
question, the QR code, the address, the counts and the common ground so far) shows with no scrolling, with five
long common-ground statements."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from commonweal.conversations.jobs.compute import compute_snapshot
from tests.factories import (
    make_conversation,
    make_facilitator,
    make_participant,
    make_statement,
    make_system,
    make_vote,
)

from .conftest import assert_accessible
from .test_facilitator_watches_common_ground_appear_live import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = os.environ.get("COMMONWEAL_SCREENSHOTS")
LONG = (
    "Our {} already help people stay well at home and out of hospital, and they could do far more of it if the "
    "partnership shared its data, its buildings and its training with them."
)
NAMES = ["community pharmacies", "care homes", "carers' groups", "libraries", "leisure centres"]


def plant() -> str:
    system = make_system(name="Riverside Health and Care Partnership", slug="riverside")
    make_facilitator(system, username="fran")
    conversation = make_conversation(
        system,
        title="Our next five years",
        question="What should health and care partners in Riverside do together over the next five years?",
    )
    common = [make_statement(conversation, LONG.format(name), theme="What is working") for name in NAMES]
    blocks = [make_statement(conversation, f"Block statement {b} about a choice") for b in range(6)]
    for person in range(30):
        group = person % 3
        p = make_participant(system, conversation=conversation)
        for statement in common:
            make_vote(p, statement, 1)
        for b, statement in enumerate(blocks):
            make_vote(p, statement, 1 if b // 2 == group else -1)
    compute_snapshot(conversation)
    return conversation.slug


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)], ids=["720p", "1080p"])
def test_present_mode_fits_the_screen_with_no_scrolling(live_server, browser, size):
    slug = plant()
    width, height = size
    context = browser.new_context(viewport={"width": width, "height": height}, locale="en-GB")
    page = context.new_page()
    sign_in(page, live_server.url, f"/manage/conversations/{slug}/present/")
    listed = page.locator("#present-common-ground-list .cw-present__statement")
    assert listed.count() >= 3
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"present-{width}x{height}.png"))
    scroll = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
    )
    assert scroll[0] <= width and scroll[1] <= height, (
        f"the page is {scroll[0]} x {scroll[1]} at {width} x {height}"
    )
    for locator in (page.locator(".cw-qr"), page.locator(".cw-present__url"), *listed.all()):
        box = locator.bounding_box()
        assert (
            box and box["y"] >= 0 and box["y"] + box["height"] <= height and box["x"] + box["width"] <= width
        )
    assert_accessible(page, context=f"(present mode at {width} x {height})")
    context.close()
