"""``commonweal retention [--dry-run]``: erase the participant data of conversations closed longer ago than their
system keeps it (the worker also runs it once a day). The same action as the worker's daily run.

Exit code 0 (also when nothing was due). The output names each conversation, its system, when it closed and how
much was (or, with ``--dry-run``, would be) erased.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import IO, Any


def run_retention(args: argparse.Namespace, out: IO[str] | None = None) -> int:
    # The command's parser is built before Django is set up; the action loads the models, importable only after.
    # deferred past start-up: imported once Django is set up
    from commonweal.conversations.rights.actions import do_retention

    out = out or sys.stdout
    report = do_retention(dry_run=args.dry_run)
    if not report.due:
        print("Retention: no closed conversation holds participant data past its system's period.", file=out)
        return 0
    verb = "would erase" if report.dry_run else "erased"
    for due in report.due:
        conversation = due.conversation
        print(
            f"{conversation.slug} ({conversation.system.name}: {conversation.title}), closed "
            f"{due.closed_at:%Y-%m-%d}, kept {due.retention_days} days: {verb} the data of "
            f"{due.participants:,} participants ({due.votes:,} votes)",
            file=out,
        )
    what = "Dry run: nothing was erased" if report.dry_run else "Each erasure is in the system's activity log"
    print(f"Retention: {len(report.due)} conversation(s). {what}.", file=out)
    return 0


def add_parsers(sub: Any, setup: Callable[[], None]) -> None:
    """Add ``retention`` to the ``commonweal`` command's subparsers; ``setup`` starts Django."""

    def run(args: argparse.Namespace, rest: Any) -> int:
        setup()
        return run_retention(args)

    p = sub.add_parser(
        "retention",
        help="erase participant data of conversations closed longer ago than their system keeps it",
    )
    p.add_argument("--dry-run", action="store_true", help="only list what would be erased")
    p.set_defaults(func=run)
