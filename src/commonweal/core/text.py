"""Text that people type, made safe to store, compare, show and export: one function for every text input.

Every text field of every form (:class:`commonweal.core.forms.NHSUKFormMixin`), every string of every JSON
request body (:class:`commonweal.core.schemas.InputSchema`), every cell of an uploaded CSV file
(:mod:`commonweal.core.csv_input`) and the statement texts of every action pass through :func:`clean_text`
before anything else looks at them, so length limits, "required" and duplicate detection all see the same
text, and the database never receives a NUL byte (PostgreSQL refuses one).

What :func:`clean_text` does, and why:

- Unicode NFC, so that "é" typed as one character or as "e" and an accent is the same text.
- Control characters are removed: NUL and the other C0 and C1 controls (line breaks are kept in multi-line
  fields, tabs become spaces). Lone surrogates, which a JSON body can smuggle in, are removed too.
- Invisible formatting characters are removed: zero-width space, word joiner, byte-order mark, soft hyphen,
  Hangul fillers, and the bidirectional embeddings, overrides and isolates (U+202A to U+202E, U+2066 to
  U+2069), which can make a statement display in an order other than the one it is stored and compared in
  ("Trojan Source"). Removing them keeps every letter the person typed; the text then displays by the plain
  bidirectional algorithm, which is right for Urdu, Arabic and Hebrew typed in the ordinary way.
- Kept, because real writing needs them: the zero-width joiner and non-joiner *between two characters*
  (emoji sequences such as the health worker, Persian and Urdu words, Indic conjuncts), the left-to-right,
  right-to-left and Arabic letter marks (they only settle the direction of neutral characters such as
  punctuation beside Urdu text), variation selectors (the emoji form of a character), and the tag characters
  of a flag sequence (the flag of Wales is a black flag followed by tags).
- Spaces: runs of whitespace become one space, and the ends are trimmed; a multi-line field keeps its line
  breaks (at most one blank line in a row).
- A text with no visible character left (three zero-width spaces, only marks) becomes "", so it fails the
  field's "required" check with the field's own message.

:func:`duplicate_key` is what two texts are compared by to find duplicates: it cleans, then ignores case,
compatibility forms (NFKC), every remaining invisible character, spacing and final punctuation.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["clean_text", "duplicate_key", "has_visible_text"]

_ZWNJ, _ZWJ = "\u200c", "\u200d"
# Formatting characters (category Cf) that carry meaning in real text and stay: the joiners (where they join),
# the direction marks, and the prepended concatenation marks of Arabic, Syriac and Kaithi numbers (visible).
_KEPT_FORMAT = frozenset(
    "\u200c\u200d\u200e\u200f\u061c\u0600\u0601\u0602\u0603\u0604\u0605\u06dd\u070f\u0890\u0891\u08e2"
    "\U000110bd\U000110cd"
)
# Letters (category Lo) that draw nothing: Hangul fillers, used to make names and texts that look empty.
_FILLERS = frozenset("\u115f\u1160\u3164\uffa0")
# A flag's tag sequence: the black flag, tag letters, the cancel tag (England, Scotland, Wales).
_TAG_SEQUENCE = re.compile("(\U0001f3f4[\U000e0020-\U000e007e]+\U000e007f)|[\U000e0000-\U000e007f]")
# A joiner joins only when it stands between two characters that are neither space nor another joiner.
_LOOSE_JOINERS = re.compile(
    r"[\u200c\u200d]{2,}|(?<![^\s\u200c\u200d])[\u200c\u200d]|[\u200c\u200d](?![^\s\u200c\u200d])"
)
_LINE_BREAKS = re.compile(r"\r\n|[\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_BLANK_LINES = re.compile(r"\n{3,}")


def _keep(char: str, multiline: bool) -> str:
    """What ``char`` becomes: itself, a space, a line break, or nothing."""
    if char.isspace():
        return "\n" if multiline and char == "\n" else " "
    category = unicodedata.category(char)
    if category in ("Cc", "Cs") or char in _FILLERS:
        return ""
    if category == "Cf" and char not in _KEPT_FORMAT and not "\U000e0000" <= char <= "\U000e007f":
        return ""
    return char


def clean_text(text: object, *, multiline: bool = False) -> str:
    """``text`` as it is stored: NFC, without control and invisible characters, with tidy spaces.

    Parameters
    ----------
    text : str or None
        What was typed or sent. ``None`` is "". Anything else is refused by the caller's type check before
        this is reached; a non-string here is turned into its text.
    multiline : bool
        Keep line breaks (descriptions, a textarea of seed statements, one theme per line). Otherwise every
        whitespace character, line breaks included, becomes a single space.

    Returns
    -------
    str
        The clean text, or "" when nothing visible is left.
    """
    if text is None:
        return ""
    if not isinstance(text, str):
        text = str(text)
    text = unicodedata.normalize("NFC", text)
    if multiline:
        text = _LINE_BREAKS.sub("\n", text)
    text = "".join(_keep(c, multiline) for c in text)
    text = _TAG_SEQUENCE.sub(lambda m: m.group(1) or "", text)
    if multiline:
        text = "\n".join(" ".join(line.split()) for line in text.split("\n"))
        text = _BLANK_LINES.sub("\n\n", text).strip()
    else:
        text = " ".join(text.split())
    text = _LOOSE_JOINERS.sub("", text)
    return text if has_visible_text(text) else ""


def has_visible_text(text: str) -> bool:
    """Whether ``text`` has a character that draws something (a letter, number, punctuation or symbol)."""
    return any(unicodedata.category(c)[0] in "LNPS" and c not in _FILLERS for c in text)


def duplicate_key(text: str) -> str:
    """The form two statements are compared by to find duplicates: case, compatibility forms, invisible
    characters, spacing and final punctuation do not count. The same as before for ordinary text, so the keys
    already stored stay valid."""
    text = unicodedata.normalize("NFKC", clean_text(text)).casefold()
    # Tags stay: they tell one flag (Wales) from another (Scotland).
    text = "".join(c for c in text if not _is_invisible(c))
    text = re.sub(r"\s+", " ", text).strip()
    return text.rstrip(" .!?")


def _is_invisible(char: str) -> bool:
    """A joiner, a direction mark or a variation selector: kept in the text, ignored when comparing."""
    if "\ufe00" <= char <= "\ufe0f" or "\U000e0100" <= char <= "\U000e01ef":
        return True
    return unicodedata.category(char) == "Cf" and not "\U000e0000" <= char <= "\U000e007f"
