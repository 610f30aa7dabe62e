"""``commonweal backup`` and ``commonweal restore`` (the work is in :mod:`commonweal.core.backup`).

Exit codes: 0 done; 1 failed (the reason on stderr: nothing half-written is left as a backup); 2 refused (the
reason and what to do on stderr; nothing was changed).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from commonweal.core.commands import with_django


def run_backup(args: argparse.Namespace) -> int:
    # deferred for start-up cost: every `commonweal` command builds this parser; Django runs only here
    from commonweal.core.backup import BackupFailed, create_backup

    try:
        result = create_backup(args.output)
    except BackupFailed as exc:
        print(f"commonweal: backup failed: {exc.message}", file=sys.stderr)
        return 1
    m = result.manifest
    rows = sum(m["counts"].values())
    print(
        f"Wrote {result.path} ({result.path.stat().st_size:,} bytes; {m['server_version']}; {len(m['counts'])} "
        f"tables, {rows:,} rows; with {', '.join(m['data_files']) or 'no data folder files'}). It holds personal "
        "data and the secret key: keep it as safe as the server."
    )
    return 0


def run_restore(args: argparse.Namespace) -> int:
    # deferred for start-up cost: every `commonweal` command builds this parser; Django runs only here
    from commonweal.core.backup import BackupFailed, RestoreRefused, restore_backup

    try:
        result = restore_backup(args.archive, force=args.force)
    except RestoreRefused as exc:
        print(f"commonweal: restore refused: {exc.message}", file=sys.stderr)
        return 2
    except BackupFailed as exc:
        print(f"commonweal: restore failed: {exc.message}", file=sys.stderr)
        return 1
    m = result.manifest
    print(
        f"Restored the backup of {m['created_at']} ({len(m['counts'])} tables, {sum(m['counts'].values()):,} rows, "
        f"every count checked; data folder: {', '.join(result.data_files) or 'nothing'})."
    )
    if result.missing_migrations:
        print(
            f"The backup is from an older version ({m.get('commonweal_version')}): run `commonweal migrate` before "
            "serving."
        )
    return 0


def add_parsers(sub: Any, setup: Any) -> None:
    """Add ``backup`` and ``restore`` to the ``commonweal`` command (``setup`` sets Django up)."""

    p = sub.add_parser(
        "backup",
        help="write the database and the data folder's secret key to one archive (safe while serving)",
    )
    p.add_argument(
        "-o",
        "--output",
        help="the archive, or a folder for it (default: ./commonweal-backup-<date>-<time>.tar.gz)",
    )
    p.set_defaults(func=with_django(setup, run_backup))

    p = sub.add_parser("restore", help="restore a backup archive into this installation's empty database")
    p.add_argument("archive", help="a .tar.gz written by `commonweal backup`")
    p.add_argument(
        "--force", action="store_true", help="replace the data the database already holds (back it up first)"
    )
    p.set_defaults(func=with_django(setup, run_restore))
