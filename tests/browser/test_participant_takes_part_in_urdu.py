"""A participant whose browser asks for Urdu takes part on a 320-pixel phone: every page in Urdu and right to
left, the statements a facilitator translated in Urdu and the others in English marked as English, axe-clean; and
the same without JavaScript. Then they switch the pages to English with the language switcher."""

from __future__ import annotations

import re

import pytest

from commonweal.conversations.models import ConversationTranslation, Participant, StatementTranslation, Vote
from tests.factories import make_conversation, make_place, make_statements

from .conftest import PHONE, STEP_TIMEOUT_MS, assert_accessible, assert_no_horizontal_scroll

pytestmark = pytest.mark.django_db(transaction=True)

QUESTION_UR = "اگلے پانچ سالوں میں ریور سائیڈ کے صحت اور نگہداشت کے شراکت داروں کو مل کر کیا کرنا چاہیے؟"


@pytest.fixture
def conversation():
    conversation = make_conversation(
        title="Riverside together",
        question="What should health and care partners in Riverside do together over the next five years?",
        ask_sector=True,
        ask_place=True,
    )
    statements = make_statements(conversation, 8)
    for i, statement in enumerate(statements[:6]):
        StatementTranslation.objects.create(
            statement=statement, language="ur", text=f"اردو بیان نمبر {i + 1}"
        )
    ConversationTranslation.objects.create(conversation=conversation, language="ur", question=QUESTION_UR)
    make_place(conversation.system, name="North Riverside")
    make_place(conversation.system, name="South Riverside")
    return conversation


def _urdu_context(browser, *, javascript: bool = True):
    context = browser.new_context(
        viewport=PHONE,
        is_mobile=javascript,
        has_touch=javascript,
        java_script_enabled=javascript,
        locale="ur-PK",
        extra_http_headers={"Accept-Language": "ur-PK,ur;q=0.9"},
    )
    context.set_default_timeout(STEP_TIMEOUT_MS)
    return context


def _check_rtl(page, name: str, *, axe: bool = True) -> None:
    assert page.evaluate("() => [document.documentElement.lang, document.documentElement.dir]") == [
        "ur",
        "rtl",
    ]
    if axe:
        assert_accessible(page, context=f"({name}, Urdu)")
    assert_no_horizontal_scroll(page)


def _statement_shown(page) -> str:
    return page.locator("#cw-statement").inner_text().strip()


def test_participant_takes_part_in_urdu_on_a_phone(live_server, browser, conversation):
    context = _urdu_context(browser)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/c/{conversation.slug}/")
        assert page.locator(".cw-consent__question").inner_text() == QUESTION_UR
        _check_rtl(page, "consent")
        # The switcher offers each language in its own name, and says the translations await review.
        switcher = page.locator("form.cw-language")
        assert "English" in switcher.inner_text() and "Cymraeg" in switcher.inner_text()
        assert "ترجمہ کسی اہلِ زبان کے جائزے کا منتظر ہے" in switcher.inner_text()
        page.get_by_role("button", name="میں متفق ہوں، شرکت کریں").click()

        page.wait_for_url(re.compile(r"/about-you/$"))
        assert page.get_by_role("heading", level=1).inner_text() == "آپ کے بارے میں (اختیاری)"
        _check_rtl(page, "about you")
        # Right to left: each radio sits at the right of its label.
        radio = page.locator(".nhsuk-radios__item").first
        box, label = radio.bounding_box(), radio.locator("label").bounding_box()
        assert label["x"] + label["width"] <= box["x"] + box["width"] - 30, (box, label)
        page.get_by_label("بنیادی نگہداشت").check()
        page.get_by_role("button", name="محفوظ کریں اور جاری رکھیں").click()

        page.wait_for_url(re.compile(rf"/c/{conversation.slug}/$"))
        assert page.locator("h1.cw-question").inner_text() == QUESTION_UR
        _check_rtl(page, "first statement")
        shown = []
        for i in range(7):
            text = _statement_shown(page)
            shown.append(text)
            if i == 3:
                # By keyboard: focus is on the statement after the swap, so the next Tab reaches "agree".
                page.keyboard.press("Tab")
                assert page.evaluate("() => document.activeElement.textContent.trim()") == "متفق"
                page.keyboard.press("Enter")
            else:
                page.get_by_role("button", name=("متفق", "غیر متفق", "چھوڑیں")[i % 3], exact=True).click()
            page.locator("#cw-progress").get_by_text(f"8 میں سے {i + 1}").wait_for()
            if i == 0:
                assert page.locator("#cw-announce").inner_text().startswith("آپ کا ووٹ درج ہو گیا")
                _check_rtl(page, "after a vote")
            if i < 6:
                page.wait_for_function(
                    f"() => document.querySelector('#cw-statement')?.innerText.trim() !== {text!r}"
                )
        participant = Participant.objects.get()
        assert participant.sector == "primary_care" and participant.votes.count() == 7
        # The translated statements showed in Urdu; an untranslated one shows in English, marked as English.
        assert sum(t.startswith("اردو بیان نمبر") for t in shown) >= 5

        page.get_by_role("navigation", name="یہ گفتگو").get_by_role("link", name="میرے ووٹ").click()
        page.wait_for_url(re.compile(r"/my-votes/$"))
        _check_rtl(page, "my votes")
        # Of seven votes at least one is on a statement with no Urdu translation: shown in English, marked so.
        english = page.locator(".cw-myvote__text p[lang='en-gb'][dir='ltr']")
        assert english.count() >= 1 and english.first.inner_text().startswith("Seed statement")
        assert page.locator(".cw-myvote__text p:not([lang])").first.inner_text().startswith("اردو بیان نمبر")
        first = participant.votes.order_by("statement_id").first()
        row = page.locator(f"#statement-{first.statement_id}")
        new_label = "غیر متفق" if first.value != -1 else "متفق"
        row.get_by_role("button", name=f"تبدیل کر کے {new_label}").click()
        page.locator(f"#statement-{first.statement_id}").get_by_text(new_label, exact=True).wait_for()
        assert Vote.objects.get(pk=first.pk).value == (-1 if new_label == "غیر متفق" else 1)
        _check_rtl(page, "my votes changed")

        page.get_by_role("navigation", name="یہ گفتگو").get_by_role("link", name="آپ کہاں کھڑے ہیں").click()
        page.wait_for_url(re.compile(r"/where-you-stand/$"))
        assert page.get_by_role("heading", level=1).inner_text() == "آپ کہاں کھڑے ہیں"
        _check_rtl(page, "where you stand")

        # The switcher: English, and the pages read left to right again; the choice sticks.
        page.locator("form.cw-language").get_by_role("button", name="English").click()
        page.wait_for_url(re.compile(r"/where-you-stand/$"))
        assert page.evaluate("() => [document.documentElement.lang, document.documentElement.dir]") == [
            "en-gb",
            "ltr",
        ]
        assert page.get_by_role("heading", level=1).inner_text() == "Where you stand"
        page.goto(f"{live_server.url}/c/{conversation.slug}/")
        assert page.locator("h1.cw-question").inner_text() == conversation.question
        assert_accessible(page, context="(back in English)")
    finally:
        context.close()


def test_participant_takes_part_in_urdu_without_javascript(live_server, browser, conversation):
    context = _urdu_context(browser, javascript=False)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/c/{conversation.slug}/")
        _check_rtl(page, "consent", axe=False)
        page.get_by_role("button", name="میں متفق ہوں، شرکت کریں").click()
        page.wait_for_url(re.compile(r"/about-you/$"))
        page.get_by_role("button", name="یہ سوالات چھوڑ دیں").click()
        page.wait_for_url(re.compile(rf"/c/{conversation.slug}/$"))
        for i in range(2):
            page.get_by_role("button", name="متفق", exact=True).click()
            page.get_by_text(f"8 میں سے {i + 1}").wait_for()
            assert page.locator(".cw-voted").inner_text().strip().endswith("آپ کا ووٹ درج ہو گیا: متفق۔")
        _check_rtl(page, "vote without JavaScript", axe=False)
        page.goto(f"{live_server.url}/c/{conversation.slug}/my-votes/")
        page.get_by_role("button", name="تبدیل کر کے چھوڑیں").first.click()
        assert "آپ کا ووٹ اب چھوڑیں ہے۔" in page.locator(".cw-messages").inner_text()
        assert Vote.objects.filter(value=0).count() == 1
        # The switcher is a plain form: it works without JavaScript too.
        page.locator("form.cw-language").get_by_role("button", name="Cymraeg").click()
        assert page.evaluate("() => document.documentElement.lang") == "cy"
        assert page.get_by_role("heading", level=1).inner_text() == "Fy mhleidleisiau"
    finally:
        context.close()
