"""The one text clean-up (core.text): what is removed, what real writing keeps, and the duplicate key."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commonweal.core.text import clean_text, duplicate_key, has_visible_text

WALES = "\U0001f3f4\U000e0067\U000e0062\U000e0077\U000e006c\U000e0073\U000e007f"
HEALTH_WORKER = "\U0001f469\u200d\u2695\ufe0f"  # woman, ZWJ, staff of Aesculapius, emoji form


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Fund\x00 more nurses", "Fund more nurses"),  # NUL: PostgreSQL cannot store it
        ("Fund\x07 more\x1b nurses\x7f", "Fund more nurses"),  # other C0 controls and DEL
        ("Fund\u0085more", "Fund more"),  # C1 next line: whitespace
        ("Fund\u200b more\u2060 nurses\ufeff", "Fund more nurses"),  # zero-width space, word joiner, BOM
        ("nur\u00adses", "nurses"),  # soft hyphen
        ("a \u202eevil\u202c b", "a evil b"),  # right-to-left override and its pop
        ("\u2066isolated\u2069 text", "isolated text"),  # isolates
        ("  many   spaces\tand\ttabs \n lines  ", "many spaces and tabs lines"),
        ("\u3164\u3164", ""),  # Hangul fillers draw nothing
        ("\u200b\u200b\u200b", ""),  # three zero-width spaces are not a statement
        ("\u200f\u200e", ""),  # nor are direction marks alone
        ("\ud800 lone surrogate", "lone surrogate"),
    ],
)
def test_control_and_invisible_characters_are_removed(typed, stored):
    assert clean_text(typed) == stored


@pytest.mark.parametrize(
    "text",
    [
        "Mae angen mwy o feddygon teulu yng Nghymru ŵ ŷ",  # Welsh letters
        "ہمیں مزید نرسوں کی ضرورت ہے",  # Urdu
        "کتاب\u200cها",  # Persian plural, written with ZWNJ
        "क्\u200dष",  # a Devanagari conjunct with ZWJ
        f"Thank our {HEALTH_WORKER} staff",  # an emoji ZWJ sequence and its variation selector
        f"Cymru {WALES}",  # the flag of Wales: a tag sequence
        "\u200fہمیں 24 گھنٹے\u200f",  # right-to-left marks in Urdu text with numbers
        "Give carers £20 (a week) & respite: 😀 👍🏽",
    ],
)
def test_legitimate_writing_is_kept(text):
    assert clean_text(text) == unicodedata.normalize("NFC", text).strip()


def test_text_is_nfc():
    assert clean_text("cafe\u0301") == "caf\u00e9"


def test_joiners_that_join_nothing_are_removed():
    assert clean_text("\u200dhello\u200d") == "hello"
    assert clean_text("a\u200d b") == "a b"
    assert clean_text("a\u200d\u200db") == "ab"


def test_stray_tag_characters_are_removed_but_flags_kept():
    assert clean_text("x\U000e0067y") == "xy"
    assert clean_text(WALES) == WALES


def test_multiline_keeps_line_breaks_and_at_most_one_blank_line():
    assert clean_text("one\r\ntwo\rthree\u2028four", multiline=True) == "one\ntwo\nthree\nfour"
    assert clean_text("  one  \n\n\n\n\ttwo\x00  ", multiline=True) == "one\n\ntwo"


def test_none_and_non_strings():
    assert clean_text(None) == ""
    assert clean_text(12) == "12"


def test_duplicate_key_ignores_invisible_characters_case_and_final_punctuation():
    plain = duplicate_key("Fund more nurses")
    assert duplicate_key("FUND more\u200b nurses!") == plain
    assert duplicate_key("Fund\u00a0more \u202enurses.") == plain
    assert duplicate_key("Fund more nurses\u200f") == plain
    # Different flags stay different statements.
    scotland = "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"
    assert duplicate_key(f"We love {WALES}") != duplicate_key(f"We love {scotland}")


def test_duplicate_key_is_unchanged_for_ordinary_text():
    # The keys already stored were made by the earlier rule: NFKC, casefold, single spaces, no final . ! ?
    text = "  Fund   More ﬁrst-contact Nurses!?. "
    old = unicodedata.normalize("NFKC", text).casefold()
    old = " ".join(old.split()).rstrip(" .!?")
    assert duplicate_key(text) == old


@settings(max_examples=300, derandomize=True, database=None)
@given(st.text(max_size=40), st.booleans())
def test_clean_text_is_idempotent_and_leaves_no_control_or_stray_format_character(text, multiline):
    once = clean_text(text, multiline=multiline)
    assert clean_text(once, multiline=multiline) == once
    assert "\x00" not in once
    for char in once:
        category = unicodedata.category(char)
        assert category not in ("Cc", "Cs") or (multiline and char == "\n")
        assert char not in "\u200b\u2060\ufeff\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
    assert once == "" or has_visible_text(once)
    assert once == once.strip()
