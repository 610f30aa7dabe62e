"""The Welsh and Urdu catalogues: the committed .mo files are what their .po files compile to, every entry is
translated (no empty or fuzzy one, the right number of plural forms), every translation keeps its placeholders and
markup, and the participant pages' main strings, the privacy notice and the accessibility statement are
translated."""

from __future__ import annotations

import html
import importlib.util
import os
import re
import shutil
from pathlib import Path

import polib
import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import translation

from tests.factories import make_system

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "src" / "commonweal" / "locale"
PLACEHOLDER = re.compile(r"%\(\w+\)s|\{\w+\}|<[^>]+>")


def _compile_messages():
    spec = importlib.util.spec_from_file_location(
        "compile_messages", ROOT / "scripts" / "compile_messages.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("language", ["cy", "ur"])
def test_the_committed_mo_file_is_up_to_date_with_its_po_file(language):
    po_path = LOCALE / language / "LC_MESSAGES" / "django.po"
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists(), f"{mo_path} is missing: run scripts/compile_messages.py"
    assert mo_path.read_bytes() == _compile_messages().compiled(po_path), (
        f"{mo_path.name} for {language} is out of date with its .po file: run scripts/compile_messages.py"
    )


@pytest.mark.parametrize("language", ["cy", "ur"])
def test_every_translation_keeps_its_placeholders_and_markup(language):
    catalogue = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    wrong = []
    for entry in catalogue.translated_entries():
        expected = set(PLACEHOLDER.findall(entry.msgid)) | set(PLACEHOLDER.findall(entry.msgid_plural or ""))
        translations = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        wrong += [(entry.msgid, t) for t in translations if set(PLACEHOLDER.findall(t)) - expected]
        if not entry.msgid_plural:
            wrong += (
                [(entry.msgid, entry.msgstr)] if expected != set(PLACEHOLDER.findall(entry.msgstr)) else []
            )
    assert not wrong, wrong


@pytest.mark.parametrize("language", ["cy", "ur"])
def test_the_catalogue_says_it_awaits_a_native_speakers_review(language):
    catalogue = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    assert "AWAITING REVIEW BY A NATIVE SPEAKER" in catalogue.header
    assert catalogue.metadata["Language"] == language


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("cy", ["Rwy'n cytuno, cymryd rhan", "Cytuno", "Ble rydych chi'n sefyll"]),
        ("ur", ["میں متفق ہوں، شرکت کریں", "متفق", "آپ کہاں کھڑے ہیں"]),
    ],
)
def test_the_participant_pages_main_strings_are_translated(language, words):
    with translation.override(language):
        got = [translation.gettext(s) for s in ["I agree, take part", "Agree", "Where you stand"]]
    assert got == words


@pytest.mark.parametrize(("language", "plural_forms"), [("cy", 4), ("ur", 2)])
def test_every_entry_of_the_catalogue_is_translated(language: str, plural_forms: int) -> None:
    """A string collected by `make messages` without its translation (an empty msgstr, or a guess msgmerge marked
    fuzzy, which Django never shows) would reach a Welsh or Urdu participant in English."""
    catalogue = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    assert f"nplurals={plural_forms};" in catalogue.metadata["Plural-Forms"]
    entries = [e for e in catalogue if not e.obsolete]
    untranslated = [e.msgid for e in entries if not e.translated() and "fuzzy" not in e.flags]
    fuzzy = [e.msgid for e in entries if "fuzzy" in e.flags]
    wrong_forms = [
        e.msgid for e in entries if e.msgid_plural and sorted(e.msgstr_plural) != list(range(plural_forms))
    ]
    assert not untranslated, f"{len(untranslated)} entries of {language} have no translation: {untranslated}"
    assert not fuzzy, f"{len(fuzzy)} entries of {language} are fuzzy (check, then drop the flag): {fuzzy}"
    assert not wrong_forms, f"plural entries of {language} without {plural_forms} forms: {wrong_forms}"


def _pattern(text: str) -> re.Pattern[str]:
    """A catalogue string as a pattern matching it on a page: a placeholder matches any text."""
    return re.compile(".+?".join(re.escape(part) for part in re.split(r"%\(\w+\)s", text.replace("%%", "%"))))


def _shows(page: str, text: str) -> bool:
    """Whether ``page`` shows every paragraph of a catalogue string (a default text is shown paragraph by
    paragraph)."""
    return all(_pattern(paragraph).search(page) for paragraph in text.split("\n\n"))


def _catalogue_strings_on(page: str, catalogue: polib.POFile) -> list[polib.POEntry]:
    """The entries whose English text a page shows: of at least two words besides its placeholders, without a
    context or a plural, and not only as part of a longer one shown."""
    shown = [
        e
        for e in catalogue
        if not e.obsolete
        and not e.msgctxt
        and not e.msgid_plural
        and len(PLACEHOLDER.sub("", e.msgid).split()) > 1
        and _shows(page, e.msgid)
    ]
    return [e for e in shown if not any(_pattern(e.msgid).search(o.msgid) for o in shown if o is not e)]


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["cy", "ur"])
@pytest.mark.parametrize("page", ["/privacy/{slug}/", "/accessibility/{slug}/", "/accessibility/"])
def test_the_privacy_notice_and_accessibility_statement_are_translated(
    client: Client, language: str, page: str
) -> None:
    """Every sentence of the catalogue that the English page shows (the defaults of systems/notices.py included)
    is in the participant's language on their page, and none is left in English."""
    system = make_system(
        name="Eastgate", controller_name="NHS Eastgate ICB", controller_contact="dpo@eg.test"
    )
    url = page.format(slug=system.slug)
    english = html.unescape(client.get(url, HTTP_ACCEPT_LANGUAGE="en-GB").content.decode())
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    translated = html.unescape(response.content.decode())
    assert f'lang="{language}"' in translated
    catalogue = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    shown = _catalogue_strings_on(english, catalogue)
    assert len(shown) >= 5, [e.msgid for e in shown]
    left_in_english = [e.msgid for e in shown if _shows(translated, e.msgid)]
    not_shown = [e.msgstr for e in shown if not _shows(translated, e.msgstr)]
    assert not left_in_english, left_in_english
    assert not not_shown, not_shown


def test_every_string_the_code_marks_for_translation_is_in_the_catalogues(tmp_path, monkeypatch):
    """`make messages` was run after the last string was added: what makemessages collects from a copy of the code
    (so nothing is written beside the sources) is all in the catalogue, which the test above requires translated.

    It needs GNU gettext's xgettext, which `make test` installs (scripts/system_deps.sh): without it the test fails
    under CI (``CI=true``) and is skipped elsewhere, saying why."""
    if shutil.which("xgettext") is None:
        message = (
            "collecting the strings needs GNU gettext's xgettext: apt-get install gettext (make test does)"
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    code = tmp_path / "commonweal"
    shutil.copytree(
        ROOT / "src" / "commonweal",
        code,
        ignore=shutil.ignore_patterns("locale", "static", "migrations", "__pycache__"),
    )
    monkeypatch.chdir(tmp_path)
    with override_settings(LOCALE_PATHS=[tmp_path / "locale"]):
        call_command("makemessages", locale=["cy"], no_location=True, verbosity=0)
    collected = polib.pofile(str(tmp_path / "locale" / "cy" / "LC_MESSAGES" / "django.po"))
    catalogue = polib.pofile(str(LOCALE / "cy" / "LC_MESSAGES" / "django.po"))
    known = {(e.msgctxt, e.msgid) for e in catalogue if not e.obsolete}
    missing = [e.msgid for e in collected if (e.msgctxt, e.msgid) not in known]
    assert not missing, f"not in the catalogues (run `make messages`, then translate): {missing}"
