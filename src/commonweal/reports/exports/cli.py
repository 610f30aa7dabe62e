"""``commonweal import-polis`` and ``commonweal export``: the same actions as the facilitator's pages.

Exit codes: 0 done; 2 refused (a malformed export, an unknown system or conversation, no analysis yet), with
the reason on stderr and nothing written.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import IO, Any

from commonweal.core.commands import with_django
from commonweal.core.errors import CommonwealError


class ProgressBar:
    """A progress bar on stderr, one line per stage: redrawn in place on a terminal, and written once when a
    stage ends otherwise (so logs and pipes get a few lines, not thousands)."""

    WIDTH = 30

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.stage = ""
        self.shown = -1
        self.started = time.monotonic()

    def _line(self, stage: str, done: int, total: int) -> str:
        share = done / total if total else 1.0
        filled = int(round(self.WIDTH * share))
        return f"{stage:<12} [{'#' * filled}{'.' * (self.WIDTH - filled)}] {share:4.0%} {done:,}/{total:,}"

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != self.stage:
            self.stage, self.shown, self.started = stage, -1, time.monotonic()
        percent = int(100 * done / total) if total else 100
        finished = done >= total
        if self.tty:
            if percent != self.shown or finished:
                self.stream.write("\r" + self._line(stage, done, total))
                if finished:
                    self.stream.write(f"  {time.monotonic() - self.started:.1f} s\n")
                self.stream.flush()
        elif finished and self.shown != 100:
            self.stream.write(self._line(stage, done, total) + "\n")
            self.stream.flush()
        self.shown = 100 if finished else percent


def _refuse(message: str) -> int:
    print(f"commonweal: {message}", file=sys.stderr)
    return 2


def run_import_polis(args: argparse.Namespace) -> int:
    # The command's parser is built before Django is set up; these load the models, importable only after.
    # deferred past start-up: imported once Django is set up
    from commonweal.conversations.polis_import.actions import check_import_polis
    from commonweal.systems.models import System  # deferred past start-up, as above

    system = System.objects.filter(slug=args.system).first()
    if system is None:
        known = ", ".join(System.objects.order_by("slug").values_list("slug", flat=True)[:20]) or "none yet"
        return _refuse(
            f"there is no system with the slug {args.system!r} (systems: {known}). Nothing was imported."
        )
    started = time.monotonic()
    try:
        conversation = check_import_polis(
            None, system, Path(args.folder), title=args.title, progress=ProgressBar()
        )
    except CommonwealError as exc:
        return _refuse(f"import refused: {exc.message}")
    result: Any = conversation.import_result  # type: ignore[attr-defined]
    print(
        f"{result.summary} Conversation {conversation.slug} ('{conversation.title}') in {system.slug}, closed; "
        f"{time.monotonic() - started:.1f} s."
    )
    return 0


def run_export(args: argparse.Namespace) -> int:
    # The command's parser is built before Django is set up; these load the models, importable only after.
    # deferred past start-up: imported once Django is set up
    from commonweal.conversations.models import Conversation
    from commonweal.reports.exports.build import do_export, filename  # deferred past start-up, as above

    conversation = Conversation.objects.select_related("system").filter(slug=args.conversation).first()
    if conversation is None:
        return _refuse(f"there is no conversation with the slug {args.conversation!r}. Nothing was written.")
    out = Path(args.out)
    if out.is_dir():
        out = out / filename(conversation, args.format)
    partial = out.with_name(out.name + ".partial")
    try:
        with partial.open("wb") as fh:
            written = do_export(None, conversation, args.format, fh)
    except CommonwealError as exc:
        partial.unlink(missing_ok=True)
        return _refuse(f"export refused: {exc.message}")
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(out)
    print(f"Wrote {out} ({written.content_type}, {out.stat().st_size:,} bytes).")
    return 0


def add_parsers(sub: Any, setup: Any) -> None:
    """Add ``import-polis`` and ``export`` to the ``commonweal`` command (``setup`` sets Django up)."""

    p = sub.add_parser(
        "import-polis",
        help="import a Pol.is open-data export (folder or .zip) into a system as a new, closed conversation",
    )
    p.add_argument("folder", help="the export's folder (comments.csv, votes.csv, ...) or a .zip of it")
    p.add_argument("--system", required=True, help="the slug of the system to import into")
    p.add_argument("--title", help="the conversation's title (default: the export's topic)")
    p.set_defaults(func=with_django(setup, run_import_polis))

    p = sub.add_parser("export", help="export a conversation: Pol.is zip, analysis JSON or per-statement CSV")
    p.add_argument("conversation", help="the conversation's slug")
    p.add_argument("--format", required=True, choices=["polis", "analysis", "analysis-raw", "statements"])
    p.add_argument("--out", required=True, help="the file to write (or a folder: named <slug>-<format file>)")
    p.set_defaults(func=with_django(setup, run_export))
