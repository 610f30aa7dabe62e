"""Taking part in your own language: the browser's language is the default, the switcher changes it, the page
says its language and direction, and English stays the default for everyone else."""

from __future__ import annotations

import re

import pytest
from django.conf import settings

from tests.communities.factories import make_mapping_link
from tests.factories import make_conversation, make_facilitator, make_statements

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation():
    conversation = make_conversation(title="Riverside together")
    make_statements(conversation, 3)
    return conversation


def html_tag(content: bytes) -> str:
    match = re.search(r"<html[^>]*>", content.decode())
    assert match
    return match.group(0)


def test_english_is_the_default_without_a_language_from_the_browser(client, conversation):
    response = client.get(f"/c/{conversation.slug}/")
    assert 'lang="en-gb" dir="ltr"' in html_tag(response.content)
    assert "I agree, take part" in response.content.decode()


def test_the_browsers_language_is_the_default(client, conversation):
    welsh = client.get(f"/c/{conversation.slug}/", HTTP_ACCEPT_LANGUAGE="cy-GB,cy;q=0.9,en;q=0.5")
    assert 'lang="cy" dir="ltr"' in html_tag(welsh.content)
    urdu = client.get(f"/c/{conversation.slug}/", HTTP_ACCEPT_LANGUAGE="ur-PK,ur;q=0.9")
    assert 'lang="ur" dir="rtl"' in html_tag(urdu.content)
    # A language we do not have falls back to English.
    french = client.get(f"/c/{conversation.slug}/", HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")
    assert 'lang="en-gb" dir="ltr"' in html_tag(french.content)


def test_the_switcher_posts_to_set_language_and_the_choice_sticks(client, conversation):
    page = client.get(f"/c/{conversation.slug}/").content.decode()
    assert 'action="/i18n/setlang/"' in page
    # Each language is offered in its own name, marked as awaiting a native speaker's review.
    assert 'lang="cy"' in page and "Cymraeg" in page and "اردو" in page
    assert "awaiting review by a native speaker" in page
    response = client.post("/i18n/setlang/", {"language": "ur", "next": f"/c/{conversation.slug}/"})
    assert response.status_code == 302 and response["Location"] == f"/c/{conversation.slug}/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ur"
    # The choice beats the browser's language from then on.
    again = client.get(f"/c/{conversation.slug}/", HTTP_ACCEPT_LANGUAGE="cy")
    assert 'lang="ur" dir="rtl"' in html_tag(again.content)


def test_the_switcher_refuses_a_language_we_do_not_have_and_an_outside_address(client, conversation):
    response = client.post("/i18n/setlang/", {"language": "fr", "next": "https://example.org/"})
    assert response["Location"] == "/"
    # Django keeps any language it has a catalogue for in the cookie; the pages still speak only ours.
    page = client.get(f"/c/{conversation.slug}/")
    assert 'lang="en-gb" dir="ltr"' in html_tag(page.content)


def test_every_language_is_listed_with_awaiting_review_only_where_it_applies():
    codes = [code for code, _ in settings.LANGUAGES]
    assert codes[0] == settings.LANGUAGE_CODE == "en-gb"
    assert set(settings.LANGUAGES_AWAITING_REVIEW) == {"cy", "ur"}
    assert settings.LANGUAGES_BIDI == ["ur"]


def test_the_staff_pages_stay_in_english_whatever_the_browser_asks(client, conversation):
    client.force_login(make_facilitator(conversation.system, username="fran"))
    for path in [f"/manage/conversations/{conversation.slug}/", "/manage/"]:
        response = client.get(path, HTTP_ACCEPT_LANGUAGE="ur")
        assert 'lang="en-gb" dir="ltr"' in html_tag(response.content), path
    client.post("/i18n/setlang/", {"language": "cy", "next": "/"})
    assert 'lang="en-gb"' in html_tag(client.get("/manage/").content)
    # The participant pages still follow the choice.
    assert 'lang="cy"' in html_tag(client.get(f"/c/{conversation.slug}/").content)


def test_the_asset_form_follows_the_language_and_offers_the_switcher(client, conversation):
    link = make_mapping_link(conversation.system)
    page = client.get(f"/assets/add/{link.token}/", HTTP_ACCEPT_LANGUAGE="ur")
    assert 'lang="ur" dir="rtl"' in html_tag(page.content)
    text = page.content.decode()
    assert 'class="cw-language"' in text and "برادری کا اثاثہ شامل کریں" in text
