"""A facilitator runs a conversation from start to finish in real Chromium: sign in, create a conversation, seed
it, open it, moderate a participant's statement with the keyboard and see the dashboard count it."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from commonweal.conversations.models import Conversation, Statement
from commonweal.conversations.participate.actions import do_join, do_submit_statement
from commonweal.systems.models import Sector
from tests.factories import PASSWORD, make_facilitator, make_system

from .conftest import assert_accessible, assert_no_horizontal_scroll

pytestmark = pytest.mark.django_db(transaction=True)

# Set COMMONWEAL_SCREENSHOTS=/some/folder to keep a PNG of every page this story visits.
SHOTS = os.environ.get("COMMONWEAL_SCREENSHOTS")

SEEDS = """What is working: Our district nurses know every family on their patch
What is working: The carers' centre answers the phone the same day
Share one care record across the hospital, GPs and social care
Fund care-home staff training together, because we all need their beds to flow"""


def check(page, name: str) -> None:
    assert_accessible(page, context=f"({name})")
    assert_no_horizontal_scroll(page)
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"facilitator-{name}.png"), full_page=True)


def stat(page, name: str) -> str:
    return page.locator(f'[data-stat="{name}"]').inner_text()


def test_facilitator_creates_a_conversation_seeds_it_moderates_a_submitted_statement_and_sees_the_dashboard_count_it(
    live_server, page
):
    system = make_system(name="Riverside Health and Care Partnership", slug="riverside")
    make_facilitator(system, username="fran")

    # Sign in: the facilitator pages send an anonymous visitor to the sign-in page and back.
    page.goto(f"{live_server.url}/manage/")
    page.wait_for_url(re.compile(r"/accounts/login/"))
    check(page, "01-sign-in")
    page.get_by_label("Username").fill("fran")
    page.get_by_label("Password", exact=True).fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    assert page.locator(".nhsuk-error-summary").is_visible()
    check(page, "02-sign-in-error")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.wait_for_url(re.compile(r"/manage/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Your systems"
    check(page, "03-your-systems")
    page.get_by_role("link", name="Riverside Health and Care Partnership").click()
    check(page, "04-system")

    # Create the conversation.
    page.get_by_role("link", name="Start a conversation").click()
    check(page, "05-new-conversation")
    page.get_by_label("Title").fill("Our next five years")
    page.get_by_label("The question participants answer").fill(
        "What should our health and care partnership do together over the next five years?"
    )
    page.get_by_role("button", name="Create the conversation").click()

    # Seed it.
    page.wait_for_url(re.compile(r"/seed/$"))
    check(page, "06-seed")
    page.get_by_label("Seed statements").fill(SEEDS)
    page.get_by_role("button", name="Add the statements").click()
    page.wait_for_url(re.compile(r"/manage/conversations/[a-z0-9]+/$"))
    assert "4 seed statements added." in page.locator(".cw-messages").inner_text()
    conversation = Conversation.objects.get(title="Our next five years")
    assert conversation.statements.filter(is_seed=True, state="accepted").count() == 4
    assert conversation.statements.filter(theme="What is working").count() == 2

    # Open it; the page shows the participant link and its QR code.
    page.get_by_role("button", name="Open the conversation").click()
    assert "The conversation is now open" in page.locator(".cw-messages").inner_text()
    assert page.locator("#participant-link").inner_text().endswith(f"/c/{conversation.slug}/")
    qr = page.get_by_role("img", name=re.compile("QR code"))
    # The image loads after the page (under load, after the first look): wait until it has, or fail on a timeout.
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=qr.element_handle())
    check(page, "07-conversation-open")
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.OPEN

    # A participant submits a statement (strict moderation: it waits for a moderator).
    participant = do_join(conversation).participant
    participant.sector = Sector.VCSE
    participant.save()
    submitted = do_submit_statement(
        participant,
        conversation,
        "Open a walk-in mental health service in Eastmarsh like the one in the city",
    ).statement
    assert submitted.state == Statement.State.PENDING

    # Moderate it from the queue with the keyboard.
    page.get_by_role("link", name="Moderation queue").click()
    row = page.locator(f"#statement-{submitted.pk}")
    assert "Eastmarsh" in row.inner_text()
    assert "Waiting" in row.inner_text()
    check(page, "08-queue")
    assert "a accept" in page.locator("#keys-help").inner_text()
    page.keyboard.press("j")
    page.keyboard.press("a")
    page.locator(f"#statement-{submitted.pk}[data-queue-done]").wait_for()
    assert "Accepted" in page.locator(f"#statement-{submitted.pk} .nhsuk-tag").first.inner_text()
    assert "Accepted: “Open a walk-in" in page.locator("#queue-status").inner_text()
    submitted.refresh_from_db()
    assert submitted.state == Statement.State.ACCEPTED and submitted.moderated_by.username == "fran"
    check(page, "09-queue-after")

    # The dashboard counts it, and keeps counting live.
    page.goto(f"{live_server.url}/manage/conversations/{conversation.slug}/dashboard/")
    assert stat(page, "accepted") == "5"
    assert stat(page, "to_review") == "0"
    assert stat(page, "participants") == "1"
    assert "appears once at least 5 people have joined" in page.locator("#dashboard-live").inner_text()
    check(page, "10-dashboard")
    do_join(conversation)
    page.wait_for_function(
        "() => document.querySelector('[data-stat=\"participants\"]').textContent.trim() === '2'",
        timeout=12_000,
    )
    assert_accessible(page, context="(dashboard after a live update)")
