"""``commonweal backup`` and ``commonweal restore``: the database and the data folder's secrets in one archive.

A backup is a ``.tar.gz`` (readable only by its owner: it holds personal data and the secret key) with:

- ``manifest.json``: the format and its version, commonweal's version, when it was made, the database engine and
  server version, the migrations applied, the number of rows of every table, and a SHA-256 of every other member;
- ``database.sqlite3`` (SQLite: a copy made with SQLite's online backup API, in one step, so it is one consistent
  state of the database while the server goes on serving: in WAL mode the copy reads while votes are written) or
  ``database.pgdump`` (PostgreSQL: ``pg_dump --format=custom``, which reads one snapshot of the database);
- ``data/secret_key`` (and ``data/demo-login.txt``) from the data folder when they exist.

The row counts come from the same state as the copy (SQLite: counted in the copy; PostgreSQL: counted in the
transaction whose snapshot ``pg_dump`` is given with ``--snapshot``), so a restore can check it got every row.

``restore`` checks the manifest (format, engine, migrations this version knows, checksums), refuses a database that
already holds data unless ``--force``, refuses while an analysis worker or server uses the SQLite database (or
other sessions use the PostgreSQL one), restores, writes the data folder's files, and counts every table again.
Every refusal says what to do. Tables are found through Django's app registry, so this module imports no app.
"""

from __future__ import annotations

import fcntl
import hashlib
import io
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connections
from django.db.backends.postgresql.client import DatabaseClient
from django.db.migrations.loader import MigrationLoader

from commonweal.core.errors import CommonwealError

__all__ = [
    "BackupFailed",
    "BackupResult",
    "RestoreRefused",
    "RestoreResult",
    "create_backup",
    "read_manifest",
    "restore_backup",
]

FORMAT = "commonweal-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_MEMBER = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
#: Files of the data folder that go with the database (the generated secret key signs sessions: without it every
#: participant loses their place and every facilitator is signed out).
DATA_FILES = ("secret_key", "demo-login.txt")
#: Tables ``commonweal migrate`` fills by itself: a database with rows only in these holds no data yet.
FILLED_BY_MIGRATE = frozenset({"django_migrations", "django_content_type", "auth_permission"})
#: The analysis worker's lock file in the data folder (``conversations.jobs.worker.LOCK_FILE_NAME``; a test
#: checks they agree): held while a worker (or ``serve``'s embedded one) uses the SQLite database.
WORKER_LOCK_FILE = "analysis-worker.lock"


class BackupFailed(CommonwealError):
    code = "backup_failed"
    status = 500


class RestoreRefused(CommonwealError):
    code = "restore_refused"
    status = 409


@dataclass
class BackupResult:
    path: Path
    manifest: dict[str, Any]


@dataclass
class RestoreResult:
    manifest: dict[str, Any]
    data_files: list[str] = field(default_factory=list)
    #: Migrations this version has that the backup's database lacks: run ``commonweal migrate``.
    missing_migrations: list[str] = field(default_factory=list)


def _engine(database: dict[str, Any]) -> str:
    engine = str(database["ENGINE"])
    if "sqlite" in engine:
        return "sqlite"
    if "postgresql" in engine:
        return "postgresql"
    raise BackupFailed(f"Backups know SQLite and PostgreSQL, not the database engine {engine}.")


def registry_tables() -> list[str]:
    """Every table of every installed app (with many-to-many tables) and Django's migration record."""
    tables = {model._meta.db_table for model in apps.get_models(include_auto_created=True)}
    return sorted(tables | {"django_migrations"})


def _quote(table: str) -> str:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", table):
        raise BackupFailed(f"Unexpected table name {table!r}.")
    return f'"{table}"'


def _counts(cursor: Any, present: set[str]) -> dict[str, int]:
    """Rows of every table in ``present`` (the app registry's tables and any other the database has)."""
    counts = {}
    for table in sorted(present):
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")  # noqa: S608 - a checked identifier
        counts[table] = int(cursor.fetchone()[0])
    return counts


def _migrations(cursor: Any, present: set[str]) -> list[str]:
    if "django_migrations" not in present:
        return []
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    return [f"{app}.{name}" for app, name in cursor.fetchall()]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --- SQLite ----------------------------------------------------------------------------------------------------


def _sqlite_tables(conn: sqlite3.Connection) -> set[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    return {row[0] for row in rows}


def _sqlite_backup(db_path: Path, work: Path) -> tuple[Path, dict[str, Any]]:
    """Copy the live database with the online backup API, in one step (one read transaction: a consistent state,
    and in WAL mode writers go on meanwhile); check the copy and count its rows."""
    if not db_path.exists():
        raise BackupFailed(
            f"There is no database at {db_path}: check COMMONWEAL_DATA_DIR, or run `commonweal migrate`."
        )
    copy = work / DATABASE_MEMBER["sqlite"]
    source = sqlite3.connect(str(db_path), timeout=30)
    target = sqlite3.connect(str(copy))
    try:
        source.backup(target)  # pages=-1: everything at once, so no write can make it start over
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        if target.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise BackupFailed(
                "The copy of the database fails SQLite's integrity check: nothing was written."
            )
        present = _sqlite_tables(target)
        cursor = target.cursor()
        info = {
            "counts": _counts(cursor, present),
            "migrations": _migrations(cursor, present),
            "server_version": f"SQLite {sqlite3.sqlite_version}",
        }
    finally:
        target.close()
        source.close()
    return copy, info


def _worker_running(data_dir: Path) -> str | None:
    """The process id in the data folder's worker lock when a worker (or ``serve``) holds it, else None."""
    path = data_dir / WORKER_LOCK_FILE
    if not path.exists():
        return None
    fd = os.open(path, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def _sqlite_has_data(db_path: Path) -> list[str]:
    """The tables that hold rows, other than those ``migrate`` fills ([] for a missing or empty database)."""
    if not db_path.exists() or db_path.stat().st_size == 0:
        return []
    conn = sqlite3.connect(str(db_path), timeout=30)
    try:
        counts = _counts(conn.cursor(), _sqlite_tables(conn) - FILLED_BY_MIGRATE)
    finally:
        conn.close()
    return [table for table, n in counts.items() if n]


def _sqlite_restore(member: Path, db_path: Path) -> dict[str, int]:
    """Copy the backup into the database file through SQLite's backup API (its own locking, a whole state at
    once); the rows it now holds."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(str(member))
    target = sqlite3.connect(str(db_path), timeout=30)
    try:
        source.backup(target)
        return _counts(target.cursor(), _sqlite_tables(target))
    finally:
        target.close()
        source.close()


# --- PostgreSQL ------------------------------------------------------------------------------------------------


def _pg_client(database: dict[str, Any], program: str) -> tuple[list[str], dict[str, str]]:
    """``program`` (pg_dump, pg_restore) with the connection's options, and the environment with its password."""
    path = shutil.which(program)
    if path is None:
        raise BackupFailed(
            f"{program} is not installed. Install PostgreSQL's client programs of the server's major version or "
            "newer (Debian: `apt-get install postgresql-client`), or put their folder first on PATH."
        )
    args, env = DatabaseClient.settings_to_cmd_args_env(database, [])
    # psql takes the database name last; pg_dump and pg_restore take it as --dbname.
    return [path, *args[1:-1], f"--dbname={args[-1]}"], {**os.environ, **(env or {})}


def _major(version_text: str) -> int:
    match = re.search(r"(\d+)(?:\.\d+)?", version_text)
    if match is None:
        raise BackupFailed(f"Could not read a version from {version_text!r}.")
    return int(match.group(1))


def _client_major(program_args: list[str]) -> int:
    out = subprocess.run([program_args[0], "--version"], capture_output=True, text=True, check=True).stdout
    return _major(out.split(")", 1)[-1])  # "pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)"


@contextmanager
def _pg_connection(database: dict[str, Any]) -> Iterator[Any]:
    """A connection of its own to ``database`` (a Django settings dict), closed afterwards."""
    wrapper = type(connections["default"])(dict(database), alias="commonweal-backup")
    try:
        yield wrapper
    finally:
        wrapper.close()


def _pg_backup(database: dict[str, Any], work: Path) -> tuple[Path, dict[str, Any]]:
    """``pg_dump --format=custom`` of one snapshot, with the rows of every table counted in that snapshot."""
    dump, env = _pg_client(database, "pg_dump")
    out = work / DATABASE_MEMBER["postgresql"]
    with _pg_connection(database) as conn:
        conn.ensure_connection()
        raw = conn.connection
        raw.autocommit = False
        with raw.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SHOW server_version_num")
            server_num = int(cursor.fetchone()[0])
            client = _client_major(dump)
            if client < server_num // 10000:
                raise BackupFailed(
                    f"pg_dump {client} cannot dump PostgreSQL {server_num // 10000}: install "
                    f"postgresql-client-{server_num // 10000} (pg_dump must be the server's major version or newer)."
                )
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            present = set(conn.introspection.table_names(cursor))
            info = {
                "counts": _counts(cursor, present),
                "migrations": _migrations(cursor, present),
                "server_version": f"PostgreSQL {server_num // 10000}.{server_num % 10000}",
                "pg_dump_major": client,
            }
            # The transaction stays open while pg_dump reads its snapshot, so both see the same rows.
            done = subprocess.run(
                [*dump, "--format=custom", f"--snapshot={snapshot}", f"--file={out}"],
                env=env,
                capture_output=True,
                text=True,
            )
        raw.rollback()
    if done.returncode != 0:
        raise BackupFailed(f"pg_dump failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    return out, info


def _pg_tables_with_data(database: dict[str, Any]) -> tuple[list[str], int]:
    """The tables that hold rows (other than those ``migrate`` fills), and how many other sessions are
    connected to the database."""
    with _pg_connection(database) as conn, conn.cursor() as cursor:
        present = set(conn.introspection.table_names(cursor))
        counts = _counts(cursor, present - FILLED_BY_MIGRATE)
        cursor.execute(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        sessions = int(cursor.fetchone()[0])
    return [table for table, n in counts.items() if n], sessions


def _pg_restore(database: dict[str, Any], member: Path, manifest: dict[str, Any]) -> dict[str, int]:
    """Drop the database's tables, ``pg_restore`` the dump in one transaction, and count the rows."""
    restore, env = _pg_client(database, "pg_restore")
    made_with = int(manifest.get("pg_dump_major") or 0)
    client = _client_major(restore)
    if client < made_with:
        raise RestoreRefused(
            f"This backup was made by pg_dump {made_with}; pg_restore here is {client}. Install "
            f"postgresql-client-{made_with} (or newer) and restore again."
        )
    with _pg_connection(database) as conn, conn.cursor() as cursor:
        tables = conn.introspection.table_names(cursor)
        if tables:
            cursor.execute("DROP TABLE IF EXISTS " + ", ".join(_quote(t) for t in tables) + " CASCADE")
    done = subprocess.run(
        [*restore, "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error", str(member)],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise BackupFailed(
            f"pg_restore failed ({done.returncode}), so nothing of the backup was restored and the database is "
            f"empty: {done.stderr.strip()[-2000:]} Fix the cause and restore again."
        )
    with _pg_connection(database) as conn, conn.cursor() as cursor:
        return _counts(cursor, set(conn.introspection.table_names(cursor)))


# --- The archive ------------------------------------------------------------------------------------------------


def _default_name(folder: Path, now: datetime) -> Path:
    """``commonweal-backup-<date>-<time>.tar.gz`` in ``folder``, with ``-2``, ``-3`` ... when taken (never over
    another backup)."""
    stem = f"commonweal-backup-{now:%Y%m%d-%H%M%S}"
    path, n = folder / f"{stem}.tar.gz", 1
    while path.exists():
        n += 1
        path = folder / f"{stem}-{n}.tar.gz"
    return path


def _write_archive(path: Path, manifest: dict[str, Any], members: dict[str, Path]) -> None:
    """The archive, written beside ``path`` and renamed into place; readable only by its owner."""
    partial = path.with_name(path.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6) as tar:
            data = json.dumps(manifest, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mode, info.mtime = len(data), 0o600, int(datetime.now(UTC).timestamp())
            tar.addfile(info, io.BytesIO(data))
            for name, source in members.items():
                tar.add(str(source), arcname=name, recursive=False)
            raw.flush()
            os.fsync(raw.fileno())
        partial.replace(path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def _version() -> str:
    try:
        return version("commonweal")
    except PackageNotFoundError:
        return "unknown"


def create_backup(
    output: Path | str | None = None,
    *,
    database: dict[str, Any] | None = None,
    data_dir: Path | str | None = None,
) -> BackupResult:
    """Write a backup archive of ``database`` (default: this installation's) and the data folder's files.

    Safe while the server serves (see the module's docstring). ``output`` is a file or a folder (default: the
    current folder, ``commonweal-backup-<date>-<time>.tar.gz``). Raises :class:`BackupFailed` saying what to do.
    """
    database = database or connections["default"].settings_dict
    data_dir = Path(data_dir or settings.DATA_DIR)
    engine = _engine(database)
    now = datetime.now(UTC)
    path = Path(output) if output else Path.cwd()
    if path.is_dir():
        path = _default_name(path, now)
    if not path.parent.is_dir():
        raise BackupFailed(f"The folder {path.parent} does not exist: create it, or choose another --output.")
    with tempfile.TemporaryDirectory(prefix=".commonweal-backup-", dir=path.parent) as tmp:
        work = Path(tmp)
        if engine == "sqlite":
            copy, info = _sqlite_backup(Path(database["NAME"]), work)
        else:
            copy, info = _pg_backup(database, work)
        members = {copy.name: copy}
        for name in DATA_FILES:
            if (data_dir / name).is_file():
                members[f"data/{name}"] = data_dir / name
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "commonweal_version": _version(),
            "created_at": now.isoformat(timespec="seconds"),
            "host": socket.gethostname(),
            "engine": engine,
            "database_member": copy.name,
            "data_files": sorted(name.removeprefix("data/") for name in members if name.startswith("data/")),
            "files": {
                name: {"sha256": _sha256(src), "bytes": src.stat().st_size} for name, src in members.items()
            },
            **info,
        }
        _write_archive(path, manifest, members)
    return BackupResult(path, manifest)


def read_manifest(archive: Path | str) -> dict[str, Any]:
    """The archive's manifest, checked for format; :class:`RestoreRefused` when it is not a commonweal backup."""
    try:
        with tarfile.open(str(archive), "r:gz") as tar:
            member = tar.extractfile(MANIFEST)
            manifest = json.loads(member.read()) if member else None
    except FileNotFoundError:
        raise RestoreRefused(f"There is no file {archive}: check the path.") from None
    except (tarfile.TarError, KeyError, OSError, ValueError) as exc:
        raise RestoreRefused(
            f"{archive} is not a commonweal backup (a .tar.gz with a manifest.json): {exc}. Check you chose the "
            "right file and that it was copied whole."
        ) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise RestoreRefused(
            f"{archive} is not a commonweal backup (its manifest names no commonweal format)."
        )
    if int(manifest.get("format_version", 0)) > FORMAT_VERSION:
        raise RestoreRefused(
            f"{archive} was written by a newer commonweal ({manifest.get('commonweal_version')}, backup format "
            f"{manifest.get('format_version')}): install that version or a newer one to restore it."
        )
    return manifest


def _check_migrations(manifest: dict[str, Any]) -> list[str]:
    """Refuse a backup from a newer version (migrations this code does not have); the ones it lacks."""
    known = {
        f"{app}.{name}" for app, name in MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    }
    applied = set(manifest.get("migrations", []))
    unknown = sorted(applied - known)
    if unknown:
        raise RestoreRefused(
            f"The backup's database has migrations this version of commonweal does not know ({', '.join(unknown[:5])}"
            f"{' ...' if len(unknown) > 5 else ''}): it was made by a newer version "
            f"({manifest.get('commonweal_version')}). Install that version or a newer one to restore it."
        )
    return sorted(known - applied)


def _extract(tar: tarfile.TarFile, name: str, to: Path, expected: dict[str, Any]) -> Path:
    """One member into ``to`` (never a path of the archive's choosing), checked against its SHA-256."""
    member = tar.extractfile(name)
    if member is None:
        raise RestoreRefused(f"The archive lacks {name}, which its manifest lists: it is damaged.")
    target = to / name.replace("/", "__")
    digest = hashlib.sha256()
    with target.open("wb") as fh:
        for chunk in iter(lambda: member.read(1 << 20), b""):
            digest.update(chunk)
            fh.write(chunk)
    if digest.hexdigest() != expected.get("sha256"):
        raise RestoreRefused(f"{name} in the archive does not match its checksum: the archive is damaged.")
    return target


def _check_target(engine: str, database: dict[str, Any], data_dir: Path, force: bool) -> None:
    """Refuse a database in use, or one that holds data (unless ``force``), saying what to do."""
    if engine == "sqlite":
        holder = _worker_running(data_dir)
        if holder:
            raise RestoreRefused(
                f"An analysis worker (process {holder}) is using the data folder {data_dir}: stop `commonweal "
                "serve` and `commonweal worker` first, then restore."
            )
        tables = _sqlite_has_data(Path(database["NAME"]))
    else:
        tables, sessions = _pg_tables_with_data(database)
        if sessions and not force:
            raise RestoreRefused(
                f"{sessions} other session(s) are connected to the database {database['NAME']}: stop the app "
                "servers and workers first (or pass --force if they are not commonweal's)."
            )
    if tables and not force:
        raise RestoreRefused(
            f"The database already holds data (in {', '.join(tables[:5])}{' ...' if len(tables) > 5 else ''}). "
            "Restore into an empty data folder or database; or, to replace everything in it with the backup, "
            "take a backup of it first and restore again with --force."
        )


def _write_data_file(data_dir: Path, name: str, source: Path) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    partial = data_dir / f".{name}.restoring"
    shutil.copyfile(source, partial)
    partial.chmod(0o600)
    partial.replace(data_dir / name)


def restore_backup(
    archive: Path | str,
    *,
    database: dict[str, Any] | None = None,
    data_dir: Path | str | None = None,
    force: bool = False,
) -> RestoreResult:
    """Restore ``archive`` into ``database`` (default: this installation's) and the data folder.

    Refuses (:class:`RestoreRefused`) a damaged or foreign archive, one from a newer version or another engine, a
    database in use, and one that holds data unless ``force``. After restoring, counts every table and raises
    :class:`BackupFailed` when a count differs from the manifest's.
    """
    database = database or connections["default"].settings_dict
    data_dir = Path(data_dir or settings.DATA_DIR)
    manifest = read_manifest(archive)
    engine = _engine(database)
    if manifest.get("engine") != engine:
        raise RestoreRefused(
            f"This backup is of a {manifest.get('engine')} database, and this installation uses {engine}. Restore "
            f"it with the same engine, then move the data (docs/operations.md, 'Moving from SQLite to PostgreSQL')."
        )
    missing = _check_migrations(manifest)
    _check_target(engine, database, data_dir, force)
    files = manifest.get("files", {})
    db_member = manifest.get("database_member", DATABASE_MEMBER[engine])
    with tempfile.TemporaryDirectory(prefix=".commonweal-restore-") as tmp, tarfile.open(str(archive)) as tar:
        extracted = {name: _extract(tar, name, Path(tmp), meta) for name, meta in files.items()}
        if db_member not in extracted:
            raise RestoreRefused(f"The archive lacks its database ({db_member}): it is damaged.")
        if engine == "sqlite":
            counts = _sqlite_restore(extracted[db_member], Path(database["NAME"]))
        else:
            counts = _pg_restore(database, extracted[db_member], manifest)
        restored = []
        for name in manifest.get("data_files", []):
            if name in DATA_FILES and f"data/{name}" in extracted:
                _write_data_file(data_dir, name, extracted[f"data/{name}"])
                restored.append(name)
    _verify(manifest.get("counts", {}), counts)
    return RestoreResult(manifest, restored, missing)


def _verify(expected: dict[str, int], found: dict[str, int]) -> None:
    wrong = [
        f"{t}: {found.get(t, 'missing')} rows, the backup {n}"
        for t, n in expected.items()
        if found.get(t) != n
    ]
    if wrong:
        raise BackupFailed(
            "The restored database does not match the backup ("
            + "; ".join(wrong[:5])
            + "). Restore again with "
            "--force; if it happens again, the archive is damaged: use another backup."
        )
