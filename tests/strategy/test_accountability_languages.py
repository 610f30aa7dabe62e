"""The public accountability page in Welsh and in Urdu: its headings, filters, evidence and commitments' words come
from the catalogues (none of the catalogue's sentences is left in English), while what a facilitator wrote (the
aim's title and meaning, a commitment, an organisation's name) is shown as written."""

from __future__ import annotations

import html
import re
from datetime import date
from typing import Any

import polib
import pytest
from django.conf import settings
from django.test import Client

from commonweal.strategy.aims import actions as aims
from commonweal.strategy.commitments import actions as commitments
from commonweal.strategy.models import Aim, StrategySettings
from tests.factories import make_organisation, make_place
from tests.test_locale import LOCALE, _catalogue_strings_on, _shows

pytestmark = pytest.mark.django_db

WORDS = {
    "cy": [
        "Yr hyn a glywsom a'r hyn rydym yn ei wneud",
        "Dangos ymrwymiadau ar gyfer",
        "Pob ardal",
        "Pob sector",
        "Pob sefydliad",
        "Yr hyn a glywsom",
        "Pwy a ymrwymodd i beth",
        "Cytunwyd ar 1 Mawrth 2026 gan The ICP board.",
        "o'r 24 a bleidleisiodd",
        "Acute gyda Helpers",
        "Heb ddechrau",
        "Arweinydd",
        "Yn cyfrannu",
        "30 awr",
        "Pryd",
    ],
    "ur": [
        "ہم نے کیا سنا اور ہم کیا کر رہے ہیں",
        "کن کے عزائم دکھائیں",
        "تمام علاقے",
        "تمام شعبے",
        "تمام ادارے",
        "ہم نے کیا سنا",
        "کس نے کس کام کا عزم کیا",
        "ووٹ دینے والے 24 میں سے",
        "\u2068Acute\u2069، \u2068Helpers\u2069 کے ساتھ",  # names isolated, so that right to left they keep order
        "قیادت",
        "فراہم کرتا ہے",
        "30 گھنٹے",
        "کب",
    ],
}
ENGLISH = ["What we heard", "Who committed to what", "Show commitments for", "All organisations", "Puts in"]


@pytest.fixture
def page_url(system: Any, facilitator: Any, analysed: tuple[Any, list[Any]]) -> str:
    """A published page with an agreed aim grown from a statement, and a commitment with a partner, a lead,
    resources and dates."""
    _, statements = analysed
    aim = aims.check_draft_aim(
        facilitator, system, aims.AimInput("Care closer to home", "Care nearer home."), [statements[0].pk]
    )
    aims.check_change_status(facilitator, aim, aims.StatusInput("proposed"))
    aims.check_change_status(facilitator, aim, aims.StatusInput("agreed", date(2026, 3, 1), "The ICP board"))
    make_place(system, name="Northgate")
    acute = make_organisation(system, name="Acute", sector="acute")
    helpers = make_organisation(system, name="Helpers")
    commitments.check_save_commitment(
        commitments.Actor(facilitator, "facilitator"),
        Aim.objects.get(pk=aim.pk),
        commitments.CommitmentInput(
            "Open a clinic in the library",
            organisation=acute.pk,
            partners=[helpers.pk],
            lead_role="Director of nursing",
            starts_on=date(2026, 4, 1),
            ends_on=date(2027, 3, 31),
            resources=[
                commitments.ResourceInput("hours", "30"),
                commitments.ResourceInput("volunteers", "1"),
            ],
        ),
    )
    StrategySettings.objects.create(system=system, public_accountability=True)
    return f"/s/{system.slug}/accountability/"


def _page(client: Client, url: str, language: str, *, cookie: bool) -> str:
    if cookie:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        response = client.get(url)
    else:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


@pytest.mark.parametrize(("language", "cookie", "direction"), [("cy", False, "ltr"), ("ur", True, "rtl")])
def test_the_accountability_page_speaks_welsh_and_urdu_around_what_facilitators_wrote(
    client: Client,
    page_url: str,
    analysed: tuple[Any, list[Any]],
    language: str,
    cookie: bool,
    direction: str,
) -> None:
    page = _page(client, page_url, language, cookie=cookie)
    assert f'<html lang="{language}" dir="{direction}"' in page
    missing = [words for words in WORDS[language] if words not in page]
    assert not missing, missing
    left_in_english = [words for words in ENGLISH if words in page]
    assert not left_in_english, left_in_english
    _, statements = analysed
    for as_written in [
        "Care closer to home",
        "Care nearer home.",
        "Open a clinic in the library",
        statements[0].text,
    ]:
        assert as_written in page
    assert "Director of nursing" in page
    # Marked as English, so that a screen reader reads it so (and right to left it keeps its full stop at its end).
    assert '<p lang="en-gb" dir="ltr">Care nearer home.</p>' in page
    assert '<p lang="en-gb" dir="ltr">Open a clinic in the library</p>' in page
    assert re.search(r'<h2 id="aim-\d+" lang="en-gb" dir="ltr">Care closer to home</h2>', page)


def test_in_english_what_facilitators_wrote_needs_no_marking(client: Client, page_url: str) -> None:
    page = _page(client, page_url, "en-GB", cookie=False)
    assert '<html lang="en-gb" dir="ltr"' in page and 'lang="en-gb" dir="ltr">' not in page.split("<body")[1]
    assert "What we heard and what we are doing" in page and "30 hours; 1 volunteer" in page


@pytest.mark.parametrize("language", ["cy", "ur"])
def test_no_sentence_of_the_catalogue_is_left_in_english_on_the_accountability_page(
    client: Client, page_url: str, language: str
) -> None:
    english = _page(Client(), page_url, "en-GB", cookie=False)
    translated = _page(client, page_url, language, cookie=False)
    catalogue = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    shown = _catalogue_strings_on(english, catalogue)
    assert len(shown) >= 8, [e.msgid for e in shown]
    assert not [e.msgid for e in shown if _shows(translated, e.msgid)]
    assert not [e.msgstr for e in shown if not _shows(translated, e.msgstr)]
