"""The demo, built once per test session and copied into each test that reads it.

Building the demo (``commonweal demo``: 300 participants, their votes, two survey rounds, the first analysis)
takes seconds; a test that only reads it should not pay that each time. :func:`build_demo_copy` loads the demo once into
the test database, copies the rows it wrote into tables of their own (``demo_copy_<n>``, which Django does not
know, so its flush between transactional tests leaves them alone) and empties the real tables again, so every
other test still starts from an empty database. :func:`restore_demo` puts the rows back inside a test's transaction:
one ``INSERT ... SELECT`` per table, milliseconds instead of seconds, rolled back with the test like anything
else it writes. A test that changes the demo changes its own copy only.

The rows keep their ids; the id sequences (PostgreSQL's, SQLite's AUTOINCREMENT) have already passed them, so rows
a test adds never collide with them.
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from pathlib import Path

from django.db import connection, transaction
from django.test.utils import override_settings

from commonweal import settings as project_settings

#: The demo as ``commonweal demo`` loads it by default.
PARTICIPANTS = 300
SEED = 7


@dataclass(frozen=True)
class DemoCopy:
    """What the session's demo build left: where its rows wait, what it printed, where it wrote its logins."""

    tables: tuple[tuple[str, str], ...]  # (the model's table, the table holding its demo rows)
    output: str  # what load_demo printed (its summary, the logins, the first analysis)
    data_dir: Path  # the data folder it ran with (the login file is there)


def _row_counts() -> dict[str, int]:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        counts = {}
        for table in connection.introspection.django_table_names(only_existing=True, include_views=False):
            cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608 - a table name Django reports
            counts[table] = cursor.fetchone()[0]
    return counts


def _written_since(before: dict[str, int]) -> list[str]:
    """The tables whose row count changed since ``before``."""
    return sorted(table for table, count in _row_counts().items() if count != before.get(table, 0))


def _empty(tables: list[str]) -> None:
    quote = connection.ops.quote_name
    # Foreign keys are checked at commit (Django makes them deferrable), so the order does not matter.
    with transaction.atomic(), connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DELETE FROM {quote(table)}")  # noqa: S608 - a table name Django reports


def _load_demo(data_dir: Path) -> str:
    """``commonweal demo``'s load, with the data folder given; what it printed. Raises if it did not load."""
    # deferred for start-up cost: the demo imports every app and the engine, which a run of the engine's tests
    # alone (or of any module that does not read the demo) has no need to load
    from commonweal import demo

    output = io.StringIO()
    # The project's own password hashers, whatever a test's settings say: the demo's accounts are as
    # `commonweal demo` makes them.
    with (
        override_settings(DATA_DIR=data_dir, PASSWORD_HASHERS=project_settings.PASSWORD_HASHERS),
        contextlib.redirect_stdout(output),
    ):
        code = demo.load_demo(participants=PARTICIPANTS, seed=SEED)
    if code != 0:
        raise RuntimeError(f"the demo did not load (exit code {code}):\n{output.getvalue()}")
    return output.getvalue()


def build_demo_copy(data_dir: Path) -> DemoCopy:
    """Load the demo into the (empty) test database, copy its rows aside and empty the tables again.

    The caller unblocks database access (a session fixture). Fails if the demo did not load, or if it wrote to a
    table that already had rows (the content types a migration made, say): those could not be emptied again
    without losing what was there before. Whatever it wrote to empty tables is removed again before the failure
    is raised, so it stays with the tests that read the demo instead of spilling into every test after them.
    """
    before = _row_counts()
    try:
        output = _load_demo(data_dir)
        written = _written_since(before)
        if shared := [table for table in written if before.get(table, 0)]:
            raise RuntimeError(
                f"the demo wrote to tables that already had rows, so it cannot be copied: {shared}"
            )
    except BaseException:
        _empty([table for table in _written_since(before) if not before.get(table, 0)])
        raise
    quote = connection.ops.quote_name
    tables = tuple((table, f"demo_copy_{n}") for n, table in enumerate(written))
    with transaction.atomic(), connection.cursor() as cursor:
        for table, copy in tables:
            cursor.execute(f"CREATE TABLE {quote(copy)} AS SELECT * FROM {quote(table)}")  # noqa: S608
    _empty(written)
    return DemoCopy(tables=tables, output=output, data_dir=data_dir)


def restore_demo(copy: DemoCopy) -> None:
    """Write the demo's rows back into their tables, in the current test's transaction."""
    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        for table, held in copy.tables:
            cursor.execute(f"INSERT INTO {quote(table)} SELECT * FROM {quote(held)}")  # noqa: S608
