"""A moderator works through the statements participants added (issue 14, item 15): one count of what is left to
review, "Select all" ticks only the statements still to review once some are accepted with the keyboard, a
decision made with one key can be undone with another, and the keyboard shortcuts are not offered on a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from commonweal.conversations.models import Conversation, Statement
from tests.factories import (
    PASSWORD,
    make_conversation,
    make_facilitator,
    make_participant,
    make_statement,
    make_system,
)

from .conftest import PHONE, STEP_TIMEOUT_MS, assert_accessible, assert_no_horizontal_scroll

pytestmark = pytest.mark.django_db(transaction=True)

# expect() waits as long as a step may (the story shares two cores with the rest of the suite).
WAIT = {"timeout": STEP_TIMEOUT_MS}

TEXTS = [
    "Open the community hospital's minor injuries unit at weekends",
    "Pay carers for the time they spend travelling between visits",
    "Put a pharmacist in every care home once a week",
]


def test_moderator_accepts_with_the_keyboard_and_selects_what_is_left(live_server, page):
    system = make_system(name="Riverside Health and Care Partnership")
    conversation = make_conversation(system, status=Conversation.Status.OPEN)
    for text in TEXTS:
        author = make_participant(system, conversation=conversation)
        make_statement(conversation, text, author=author, state=Statement.State.PENDING)
    make_facilitator(system, username="fran")
    queue_url = f"{live_server.url}/manage/conversations/{conversation.slug}/moderation/"
    page.goto(queue_url)
    page.get_by_label("Username").fill("fran")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(queue_url)

    counts = " ".join(page.locator("#queue-counts").inner_text().split())
    assert "3 to review (not shown until accepted)" in counts
    assert "waiting" not in counts  # the same statements were counted twice
    assert page.locator("#keys-help").is_visible()
    assert_accessible(page, context="(the moderation queue)")

    # The first statement is current: "a" accepts it and the queue moves on to the next.
    page.keyboard.press("a")
    expect(page.locator("#queue-counts li").first).to_contain_text("2", **WAIT)
    first = Statement.objects.get(text=TEXTS[0])
    expect(page.locator(f"#statement-{first.pk}")).to_have_attribute("data-queue-done", "", **WAIT)
    # "Select all" now ticks the two still to review, not the one just accepted, and says so.
    select_all = page.locator("[data-queue-select-all]")
    expect(page.locator("label[for='select-all']")).to_have_text(
        "Select all 2 statements still to review on this page", **WAIT
    )
    select_all.check()
    ticked = page.locator("[data-queue-select]:checked").evaluate_all("boxes => boxes.map(b => b.value)")
    assert sorted(ticked) == sorted(str(s.pk) for s in Statement.objects.filter(text__in=TEXTS[1:]))
    assert_accessible(page, context="(the queue after one decision)")

    # The next "a" decides the next statement, not the one after it.
    select_all.uncheck()
    page.keyboard.press("a")
    second, third = (Statement.objects.get(text=t) for t in TEXTS[1:])
    expect(page.locator(f"#statement-{second.pk}")).to_have_attribute("data-queue-done", "", **WAIT)
    expect(page.locator("#queue-counts li").first).to_contain_text("1", **WAIT)
    third.refresh_from_db()
    assert third.moderated_at is None

    # "u" undoes that decision: the statement is back to review, and stays the current one.
    page.keyboard.press("u")
    expect(page.locator("#queue-status")).to_contain_text("is back to review", **WAIT)
    expect(page.locator(f"#statement-{second.pk}")).not_to_have_attribute("data-queue-done", "", **WAIT)
    second.refresh_from_db()
    assert second.state == Statement.State.PENDING and second.moderated_at is None
    # It can be decided again (by its button: which row a key acts on right after an undo is not pinned down).
    page.wait_for_function(
        "id => { const f = document.querySelector(`#statement-${id} form[hx-post]`);"
        " return !!(f && f['htmx-internal-data']); }",
        arg=second.pk,
    )
    page.get_by_role("button", name=f"Reject statement {second.pk}").click()
    expect(page.locator(f"#statement-{second.pk}")).to_have_attribute("data-queue-done", "", **WAIT)
    second.refresh_from_db()
    assert second.state == Statement.State.REJECTED

    # On a phone the shortcuts are not offered (there is no keyboard to press them on).
    page.set_viewport_size(PHONE)
    assert not page.locator("#keys-help").is_visible()
    assert_no_horizontal_scroll(page)
