"""The Welsh and Urdu catalogues: the committed .mo files are what their .po files compile to, every translation
keeps its placeholders and markup, and the participant pages' main strings are translated."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import polib
import pytest
from django.utils import translation

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
