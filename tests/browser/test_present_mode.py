"""Present mode on the shared screen of a live event: the question, the QR code and the address in large type, the
counts and the common ground so far updating as votes arrive (without reloading), a Full screen button, no
navigation chrome; axe-clean; and without JavaScript the same page with a still picture of the moment."""

from __future__ import annotations

import re

import pytest

from .conftest import assert_accessible, assert_no_horizontal_scroll
from .test_facilitator_watches_common_ground_appear_live import (
    COMMON_GROUND,
    DIVISIVE,
    WATCH,
    analysis_worker,
    open_conversation,
    shot,
    sign_in,
    votes_arrive,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_facilitator_presents_the_conversation_and_common_ground_appears_on_the_shared_screen(
    live_server, browser, monkeypatch
):
    conversation, ids = open_conversation()
    present_path = f"/manage/conversations/{conversation.slug}/present/"
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="en-GB")
    context.set_default_timeout(30_000)
    context.add_init_script(WATCH)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    sign_in(page, live_server.url, present_path)
    # The question, the QR code and the address; no header or footer.
    assert page.get_by_role("heading", level=1).inner_text() == conversation.question
    assert page.get_by_role("img", name=re.compile("QR code that opens")).is_visible()
    assert page.locator(".cw-present__url").inner_text().endswith(f"/c/{conversation.slug}/")
    assert page.locator(".nhsuk-header").count() == 0
    assert not page.locator(".nhsuk-footer").is_visible()
    # Large type: readable from the back of the room.
    question_size = page.evaluate(
        "() => parseFloat(getComputedStyle(document.querySelector('.cw-present__question')).fontSize)"
    )
    assert question_size >= 48
    assert page.locator('[data-stat="votes"]').inner_text() == "0"
    assert "Nobody has voted yet" in page.locator("#present-live").inner_text()
    # The Full screen button is there with JavaScript (the Fullscreen API), and works.
    button = page.get_by_role("button", name="Full screen")
    assert button.is_visible()
    button.click()
    page.wait_for_function("() => document.fullscreenElement !== null")
    assert page.get_by_role("button", name="Leave full screen").is_visible()
    page.get_by_role("button", name="Leave full screen").click()
    page.wait_for_function("() => document.fullscreenElement === null")
    assert_accessible(page, context="(present mode, before votes)")
    shot(page, "present-01-waiting")
    page.evaluate("() => { window.__notReloaded = 'still the same page'; }")

    with analysis_worker(monkeypatch):
        votes_arrive(live_server.url, conversation, ids)
        page.wait_for_function(
            "() => document.querySelectorAll('#present-common-ground-list li').length >= 2", timeout=45_000
        )
        page.wait_for_function(
            "() => document.querySelector('[data-stat=votes]').textContent === '168'", timeout=45_000
        )

    assert page.evaluate("() => window.__notReloaded") == "still the same page"
    assert page.locator('[data-stat="participants"]').inner_text() == "24"
    listed = page.locator("#present-common-ground-list .cw-present__text").all_inner_texts()
    assert listed[0] == COMMON_GROUND[0][0]  # "What is working" first
    assert COMMON_GROUND[1][0] in listed and not set(listed) & set(DIVISIVE)
    assert 2 <= len(listed) <= 5
    assert "who voted on it agree" in page.locator("#present-common-ground-list li").first.inner_text()
    statement_size = page.evaluate(
        "() => parseFloat(getComputedStyle(document.querySelector('.cw-present__text')).fontSize)"
    )
    assert statement_size >= 32
    assert page.evaluate("() => window.__csp") == []
    assert not errors, errors
    assert_no_horizontal_scroll(page)
    assert_accessible(page, context="(present mode, common ground shown)")
    shot(page, "present-02-common-ground")
    context.close()

    # Without JavaScript: the same page as it stands; the Full screen button stays hidden.
    plain = browser.new_context(
        viewport={"width": 1920, "height": 1080}, locale="en-GB", java_script_enabled=False
    )
    plain.set_default_timeout(30_000)
    page = plain.new_page()
    sign_in(page, live_server.url, present_path)
    assert page.locator("#present-common-ground-list li").count() >= 2
    assert page.locator('[data-stat="votes"]').inner_text() == "168"
    assert not page.locator("#present-fullscreen").is_visible()
    shot(page, "present-03-no-javascript")
    plain.close()
