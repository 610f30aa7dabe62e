"""A respondent answers the pulse on a phone from the system's one link: says their sector and place, forgets a
statement, is told which one (everything typed is kept), answers it, says what would help and sends. Opening the
link again thanks them instead of counting them twice. At 390 and 320 pixels wide, with and without JavaScript,
axe-core on every page, no console errors."""

from __future__ import annotations

import re

import pytest

from commonweal.pulse.models import DEFAULT_ITEMS, PulseResponse
from commonweal.systems.models import Sector
from tests.factories import make_organisation, make_place, make_system
from tests.pulse.factories import make_pulse_round

from .conftest import STEP_TIMEOUT_MS
from .pulse_support import check

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def pulse_round():
    system = make_system(name="Riverside Health and Care Partnership", slug="riverside")
    make_place(system, name="Northvale")
    make_place(system, name="Southbank")
    make_organisation(system, name="Riverside Food Bank", sector=Sector.VCSE)
    return make_pulse_round(system, name="Autumn 2026")


def answer(page, skip: str = "") -> None:
    for n, item in enumerate(DEFAULT_ITEMS):
        if item["key"] == skip:
            continue
        choice = "4: Agree" if item["dimension"] == "direction" else "3: Neither agree nor disagree"
        if n % 3 == 2:
            choice = "2: Disagree"
        page.get_by_role("group", name=item["text"]).get_by_label(choice).check()


@pytest.mark.parametrize("width,javascript", [(390, True), (320, True), (320, False)])
def test_respondent_answers_the_pulse_on_a_phone(live_server, browser, pulse_round, width, javascript):
    context = browser.new_context(
        viewport={"width": width, "height": 800},
        is_mobile=javascript,
        has_touch=True,
        locale="en-GB",
        java_script_enabled=javascript,
    )
    context.set_default_timeout(STEP_TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on(
        "console",
        lambda m: (
            errors.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        url = f"{live_server.url}/pulse/{pulse_round.token}/"
        page.goto(url)
        assert page.get_by_role("heading", level=1).inner_text() == "How are we working together?"
        check(page, "01-form", axe=javascript)

        page.get_by_role("group", name="Which sector do you work in?").get_by_label(
            "Voluntary, community and social enterprise (VCSE)"
        ).check()
        page.get_by_label("The place you mostly work in (optional)").select_option(label="Northvale")
        answer(page, skip="alignment_2")
        page.get_by_label("What would help us work better together? (optional)").fill(
            "A shared winter plan written with the care homes."
        )
        page.get_by_role("button", name="Send my answers").click()

        # The one statement left out is named; everything else is still as they left it.
        summary = page.locator(".nhsuk-error-summary")
        summary.wait_for()
        assert "Choose an answer from 1 to 5 for this statement" in summary.inner_text()
        assert page.get_by_label("Voluntary, community and social enterprise (VCSE)").is_checked()
        assert page.get_by_label("The place you mostly work in (optional)").input_value() != ""
        assert "shared winter plan" in page.get_by_label(re.compile("What would help")).input_value()
        first = DEFAULT_ITEMS[0]["text"]
        assert page.get_by_role("group", name=first).get_by_label("4: Agree").is_checked()
        check(page, "02-error", axe=javascript)

        missing = next(i["text"] for i in DEFAULT_ITEMS if i["key"] == "alignment_2")
        page.get_by_role("group", name=missing).get_by_label("5: Strongly agree").check()
        page.get_by_role("button", name="Send my answers").click()
        page.get_by_role("heading", name="Thank you: your answers are in").wait_for()
        check(page, "03-thanks", axe=javascript)

        saved = PulseResponse.objects.get()
        assert saved.sector == "vcse" and saved.place is not None and saved.place.name == "Northvale"
        assert saved.direction == pytest.approx(10 / 3) and saved.answers["alignment_2"] == 5
        assert saved.moderation == "pending"

        page.goto(url)  # the same browser again: thanked, not counted twice
        assert page.get_by_role("heading", level=1).inner_text() == "Thank you: your answers are in"
        assert PulseResponse.objects.count() == 1
        assert not errors, errors
    finally:
        context.close()
