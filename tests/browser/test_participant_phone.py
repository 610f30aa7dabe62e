"""A participant on a phone: join, skip "about you", vote, add a statement, change a vote. With and without
JavaScript, in real Chromium at 320 pixels wide."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from commonweal.conversations.models import Participant, Statement, Vote, VoteEvent
from tests.factories import make_community, make_conversation, make_organisation, make_place, make_statements

from .conftest import PHONE, STEP_TIMEOUT_MS, assert_accessible, assert_no_horizontal_scroll

pytestmark = pytest.mark.django_db(transaction=True)

# Set COMMONWEAL_SCREENSHOTS=/some/folder to keep a PNG of every page these stories visit.
SHOTS = os.environ.get("COMMONWEAL_SCREENSHOTS")


def shoot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def check(page, name: str) -> None:
    assert_accessible(page, context=f"({name})")
    assert_no_horizontal_scroll(page)
    shoot(page, name)


@pytest.fixture
def conversation():
    conversation = make_conversation(
        title="Riverside together",
        question="What should health and care partners in Riverside do together over the next five years?",
    )
    make_statements(conversation, 12)
    system = conversation.system
    for name in ["Riverside Hospital NHS Trust", "Riverside Carers' Network", "Northgate Surgery"]:
        make_organisation(system, name=name)
    make_place(system, name="North Riverside")
    make_place(system, name="South Riverside")
    make_community(system, name="Unpaid carers")
    return conversation


def test_participant_on_a_phone_joins_skips_about_you_votes_on_ten_adds_one_and_changes_a_vote(
    live_server, phone_page, conversation
):
    page = phone_page
    # A Content-Security-Policy violation or a script error shows up here. (A form sent back with an error
    # answers 400 on purpose; Chromium logs that as "Failed to load resource".)
    console_errors: list[str] = []
    page.on(
        "console",
        lambda m: (
            console_errors.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on("pageerror", lambda e: console_errors.append(str(e)))
    page.goto(f"{live_server.url}/c/{conversation.slug}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Riverside together"
    check(page, "01-consent")
    page.get_by_role("button", name="I agree, take part").click()

    page.wait_for_url(re.compile(r"/about-you/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "About you (optional)"
    check(page, "02-about-you")
    page.get_by_role("button", name="Skip these questions").click()

    page.wait_for_url(re.compile(rf"/c/{conversation.slug}/$"))
    check(page, "03-first-statement")
    buttons = [page.get_by_role("button", name=n, exact=True) for n in ("Agree", "Disagree", "Pass")]
    for button in buttons:
        box = button.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 200, f"tap target too small: {box}"

    voted_texts = []
    for i in range(10):
        statement = page.locator("#cw-statement")
        text = statement.inner_text().strip()
        voted_texts.append(text)
        # htmx has taken over the vote form (on a loaded machine a click can come before it has, and the vote is
        # then a plain form post that reloads the page: right, but not what this story checks).
        page.wait_for_function(
            "() => { const f = document.querySelector('#cw-voting form[hx-post]');"
            " return !!(f && f['htmx-internal-data']); }"
        )
        if i in (3, 6):
            # By keyboard: focus is on the statement after the swap, so the next Tab reaches Agree.
            page.keyboard.press("Tab")
            assert page.evaluate("() => document.activeElement.textContent.trim()") == "Agree"
            page.keyboard.press("Enter")
        else:
            page.get_by_role("button", name=("Agree", "Disagree", "Pass")[i % 3], exact=True).click()
        page.locator("#cw-progress").get_by_text(f"{i + 1} of 12").wait_for()
        if i < 9:
            # htmx swapped in the next statement without a page load, moved focus to it and announced the vote.
            page.wait_for_function(
                "() => document.activeElement && document.activeElement.id === 'cw-statement'"
            )
            assert page.locator("#cw-statement").inner_text().strip() != text
            assert page.locator("#cw-announce").inner_text().startswith("Your vote was recorded")
        if i == 0:
            check(page, "04-after-a-vote")
    participant = Participant.objects.get()
    assert participant.votes.count() == 10 and len(set(voted_texts)) == 10
    assert list(VoteEvent.objects.order_by("id").values_list("value", flat=True)) == [1, -1, 0] * 3 + [1]

    page.get_by_role("navigation", name="This conversation").get_by_role(
        "link", name="Add a statement"
    ).click()
    page.wait_for_url(re.compile(r"/add/$"))
    check(page, "05-add")
    page.get_by_label("Your statement").fill("x" * 290)
    page.get_by_role("button", name="Add my statement").click()
    assert "You have 290 characters; the limit is 280." in page.locator(".nhsuk-error-summary").inner_text()
    assert page.get_by_label("Your statement").input_value() == "x" * 290  # kept
    check(page, "06-add-error")
    page.get_by_label("Your statement").fill("Pay carers for the hours they really work")
    page.get_by_label("What we could do together").check()
    page.get_by_role("button", name="Add my statement").click()
    page.wait_for_url(re.compile(rf"/c/{conversation.slug}/$"))
    assert "We've counted your agree vote" in page.locator(".cw-messages").inner_text()
    added = Statement.objects.get(text="Pay carers for the hours they really work")
    assert added.author == participant and added.theme == "What we could do together"

    page.get_by_role("navigation", name="This conversation").get_by_role("link", name="My votes").click()
    page.wait_for_url(re.compile(r"/my-votes/$"))
    check(page, "07-my-votes")
    first = participant.votes.order_by("statement_id").first()
    row = page.locator(f"#statement-{first.statement_id}")
    new_label = "Disagree" if first.value != -1 else "Agree"
    row.get_by_role("button", name=f"Change to {new_label}").click()
    page.locator(f"#statement-{first.statement_id}").get_by_text(f"Your vote: {new_label}").wait_for()
    page.wait_for_function(
        f"() => document.activeElement && document.activeElement.id === 'statement-{first.statement_id}-vote'"
    )
    assert Vote.objects.get(pk=first.pk).value == (-1 if new_label == "Disagree" else 1)
    assert VoteEvent.objects.filter(participant=participant, statement_id=first.statement_id).count() == 2
    check(page, "08-my-votes-changed")
    assert console_errors == []


def test_participant_without_javascript_joins_votes_and_changes_a_vote(live_server, browser, conversation):
    # With JavaScript off Playwright cannot evaluate axe-core in the page; the same server-rendered pages are
    # checked for accessibility in the story above.
    context = browser.new_context(viewport=PHONE, java_script_enabled=False, locale="en-GB")
    context.set_default_timeout(STEP_TIMEOUT_MS)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/c/{conversation.slug}/")
        page.get_by_role("button", name="I agree, take part").click()
        page.wait_for_url(re.compile(r"/about-you/$"))
        page.get_by_label("Voluntary, community and social enterprise (VCSE)").check()
        page.get_by_label("Which organisation do you work for or belong to?").select_option(
            label="Riverside Carers' Network"
        )
        page.get_by_role("button", name="Save and continue").click()
        page.wait_for_url(re.compile(rf"/c/{conversation.slug}/$"))
        participant = Participant.objects.get()
        assert participant.sector == "vcse" and participant.organisation.name == "Riverside Carers' Network"

        for i in range(3):
            page.get_by_role("button", name="Agree", exact=True).click()
            page.get_by_text(f"{i + 1} of 12").wait_for()
            assert "Your vote was recorded: Agree." in page.locator(".cw-voted").inner_text()
        shoot(page, "09-no-js-vote")
        assert participant.votes.count() == 3

        page.goto(f"{live_server.url}/c/{conversation.slug}/my-votes/")
        page.get_by_role("button", name="Change to Pass").first.click()
        assert "Your vote is now Pass." in page.locator(".cw-messages").inner_text()
        assert participant.votes.filter(value=0).count() == 1
        shoot(page, "10-no-js-my-votes")
    finally:
        context.close()


def test_participant_finds_their_organisation_by_typing_part_of_its_name(live_server, page, conversation):
    for name in [
        "Eastfield Care Home",
        "Westbrook Pharmacy",
        "Riverside Council",
        "Hillside PCN",
        "Age Concern",
    ]:
        make_organisation(conversation.system, name=name)
    page.goto(f"{live_server.url}/c/{conversation.slug}/")
    page.get_by_role("button", name="I agree, take part").click()
    page.wait_for_url(re.compile(r"/about-you/$"))
    page.get_by_label("Search the list of organisations").fill("carers")
    select = page.get_by_label("Which organisation do you work for or belong to?")
    options = select.locator("option").all_inner_texts()
    assert options == ["Not chosen (or not listed)", "Riverside Carers' Network"]
    assert "1 of the organisations match" in page.locator("#id_organisation-filter-status").inner_text()
    check(page, "11-organisation-search")
    # Enter in the search box chooses the only match instead of sending the form half filled.
    page.get_by_label("Search the list of organisations").press("Enter")
    assert page.url.endswith("/about-you/")
    assert select.evaluate("el => el.options[el.selectedIndex].text") == "Riverside Carers' Network"
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url(re.compile(rf"/c/{conversation.slug}/$"))
    assert Participant.objects.get().organisation.name == "Riverside Carers' Network"


def test_participant_going_too_fast_is_told_to_slow_down_and_keeps_the_statement(
    live_server, page, conversation, settings
):
    settings.RATE_VOTES = "2/600"
    page.goto(f"{live_server.url}/c/{conversation.slug}/")
    page.get_by_role("button", name="I agree, take part").click()
    page.get_by_role("button", name="Skip these questions").click()
    for i in range(2):
        page.get_by_role("button", name="Pass", exact=True).click()
        page.locator("#cw-progress").get_by_text(f"{i + 1} of 12").wait_for()
    shown = page.locator("#cw-statement").inner_text()
    page.get_by_role("button", name="Agree", exact=True).click()
    # The 429 answer is swapped in like any other (participant.js), with the error summary focused.
    summary = page.locator(".nhsuk-error-summary")
    summary.wait_for()
    assert "Too many votes" in summary.inner_text()
    page.wait_for_function("() => document.activeElement.classList.contains('nhsuk-error-summary')")
    assert page.locator("#cw-statement").inner_text() == shown
    assert "2 of 12" in page.locator("#cw-progress").inner_text()
    check(page, "12-too-fast")
