"""Compile the translation catalogues (src/commonweal/locale/*/LC_MESSAGES/django.po) into the .mo files Django
reads, in pure Python (polib), so no machine needs GNU gettext's msgfmt.

The compiled .mo files are committed beside their .po files, so the app runs from a fresh clone with no build
step; tests/test_locale.py fails when a .mo is out of date with its .po. Run this after editing a .po:

    .venv/bin/python scripts/compile_messages.py          # writes every .mo
    .venv/bin/python scripts/compile_messages.py --check  # exits 1 when a .mo is out of date

To collect new strings from the code into the .po files (this step needs GNU gettext's xgettext):
`make messages`.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parents[1] / "src" / "commonweal" / "locale"


def catalogues(locale: Path = LOCALE) -> list[Path]:
    """Every django.po under ``locale``, in a stable order."""
    return sorted(locale.glob("*/LC_MESSAGES/django.po"))


def compiled(po_path: Path) -> bytes:
    """The .mo bytes of one .po file (fuzzy entries left out, as msgfmt does)."""
    catalogue = polib.pofile(str(po_path))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "django.mo"
        catalogue.save_as_mofile(str(out))
        return out.read_bytes()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that every .mo is up to date")
    args = parser.parse_args(argv)
    stale = []
    for po_path in catalogues():
        mo_path = po_path.with_suffix(".mo")
        data = compiled(po_path)
        if mo_path.exists() and mo_path.read_bytes() == data:
            continue
        if args.check:
            stale.append(mo_path)
        else:
            mo_path.write_bytes(data)
            print(f"compiled {mo_path.relative_to(LOCALE.parents[2])}")
    if stale:
        print("Out of date with their .po files (run scripts/compile_messages.py):", *stale, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
