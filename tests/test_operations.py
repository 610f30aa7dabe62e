"""``commonweal backup`` and ``commonweal restore``: an archive of a demo installation restores into an empty data
folder (SQLite, always) or a new database on the same server (PostgreSQL, when COMMONWEAL_DATABASE_URL is set)
with every row of every table, among them every vote, statement, rating and audit entry; and every refusal says
what to do.
"""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
import threading
from pathlib import Path
from typing import Any

import pytest

from commonweal.core import backup
from commonweal.core.backup import BackupFailed, RestoreRefused, create_backup, read_manifest, restore_backup

ROOT = Path(__file__).resolve().parent.parent
#: Tables the brief names: none may be empty in the source, or the comparison would prove nothing about them.
MUST_HOLD_ROWS = [
    "conversations_vote",
    "conversations_voteevent",
    "conversations_statement",
    "network_rating",
    "core_auditentry",
]


def _env(data_dir: Path) -> dict[str, str]:
    env = {**os.environ, "COMMONWEAL_DATA_DIR": str(data_dir)}
    env.pop("COMMONWEAL_DATABASE_URL", None)  # SQLite in the data folder
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def _commonweal(data_dir: Path, *args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "commonweal.cli", *args],
        env=_env(data_dir),
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=600,
    )


def _rows(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order."""
    conn = sqlite3.connect(str(db))
    try:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables}  # noqa: S608
    finally:
        conn.close()


def _sqlite(data_dir: Path) -> dict[str, Any]:
    return {"ENGINE": "django.db.backends.sqlite3", "NAME": data_dir / "commonweal.sqlite3"}


@pytest.fixture(scope="module")
def installation(tmp_path_factory):
    """A data folder with the demo (30 participants) on SQLite, and a backup of it made by the command."""
    data = tmp_path_factory.mktemp("source")
    for args in (("migrate",), ("demo", "--participants", "30")):
        done = _commonweal(data, *args)
        assert done.returncode == 0, done.stderr
    out = tmp_path_factory.mktemp("backups")
    done = _commonweal(data, "backup", "--output", str(out))
    assert done.returncode == 0, done.stderr
    (archive,) = out.glob("commonweal-backup-*.tar.gz")
    assert "It holds personal data and the secret key" in done.stdout
    return {"data": data, "archive": archive}


def test_a_backup_restores_into_an_empty_data_folder_with_every_row(installation, tmp_path):
    target = tmp_path / "empty"
    done = _commonweal(target, "restore", str(installation["archive"]))
    assert done.returncode == 0, done.stderr
    assert "every count checked" in done.stdout
    source, restored = (
        _rows(installation["data"] / "commonweal.sqlite3"),
        _rows(target / "commonweal.sqlite3"),
    )
    for table in MUST_HOLD_ROWS:
        assert source[table], f"the demo has no rows in {table}: the test would prove nothing about it"
    assert restored == source
    # The data folder's secret key came back too (sessions and CSRF tokens stay valid), private as it was.
    assert (target / "secret_key").read_text() == (installation["data"] / "secret_key").read_text()
    assert (target / "secret_key").stat().st_mode & 0o777 == 0o600
    assert installation["archive"].stat().st_mode & 0o777 == 0o600


def test_the_manifest_records_version_engine_counts_and_checksums(installation):
    manifest = read_manifest(installation["archive"])
    assert manifest["format"] == "commonweal-backup" and manifest["format_version"] == 1
    assert manifest["engine"] == "sqlite" and manifest["created_at"]
    assert manifest["commonweal_version"]
    counts = manifest["counts"]
    rows = _rows(installation["data"] / "commonweal.sqlite3")
    assert counts == {t: len(r) for t, r in rows.items()}
    assert set(manifest["files"]) == {"database.sqlite3", "data/secret_key", "data/demo-login.txt"}
    assert "conversations.0001_initial" in manifest["migrations"]


def test_restore_refuses_a_database_that_holds_data_unless_forced(installation, tmp_path):
    target = tmp_path / "busy"
    assert _commonweal(target, "restore", str(installation["archive"])).returncode == 0
    conn = sqlite3.connect(str(target / "commonweal.sqlite3"))
    conn.execute("DELETE FROM conversations_vote WHERE id IN (SELECT id FROM conversations_vote LIMIT 3)")
    conn.commit()
    conn.close()
    refused = _commonweal(target, "restore", str(installation["archive"]))
    assert refused.returncode == 2
    assert "already holds data" in refused.stderr and "--force" in refused.stderr
    forced = _commonweal(target, "restore", "--force", str(installation["archive"]))
    assert forced.returncode == 0, forced.stderr
    assert _rows(target / "commonweal.sqlite3") == _rows(installation["data"] / "commonweal.sqlite3")


def test_restore_takes_a_migrated_but_empty_database(installation, tmp_path):
    target = tmp_path / "migrated"
    assert _commonweal(target, "migrate").returncode == 0
    restore_backup(installation["archive"], database=_sqlite(target), data_dir=target)
    assert _rows(target / "commonweal.sqlite3") == _rows(installation["data"] / "commonweal.sqlite3")


def test_restore_refuses_while_a_worker_uses_the_data_folder(installation, tmp_path):
    from commonweal.conversations.jobs.worker import LOCK_FILE_NAME, single_worker_lock

    assert backup.WORKER_LOCK_FILE == LOCK_FILE_NAME
    with single_worker_lock(tmp_path), pytest.raises(RestoreRefused, match="stop `commonweal serve`"):
        restore_backup(installation["archive"], database=_sqlite(tmp_path), data_dir=tmp_path)
    assert not (tmp_path / "commonweal.sqlite3").exists()


def _rewrite(archive: Path, to: Path, *, manifest: dict[str, Any] | None = None, damage: str = "") -> Path:
    """A copy of ``archive`` with another manifest, or with one member's bytes changed."""
    with tarfile.open(archive) as src, tarfile.open(to, "w:gz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read()  # type: ignore[union-attr]
            if member.name == "manifest.json" and manifest is not None:
                data = json.dumps(manifest).encode()
            if member.name == damage:
                data = data[:-1] + bytes([data[-1] ^ 1])
            member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
    return to


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"engine": "postgresql"}, "this installation uses sqlite"),
        ({"format_version": 99}, "written by a newer commonweal"),
        ({"format": "something-else"}, "is not a commonweal backup"),
        (
            {"migrations": ["conversations.9999_from_the_future"]},
            "migrations this version of commonweal does not",
        ),
    ],
)
def test_restore_refuses_a_foreign_or_newer_archive(installation, tmp_path, change, message):
    manifest = read_manifest(installation["archive"]) | change
    bad = _rewrite(installation["archive"], tmp_path / "bad.tar.gz", manifest=manifest)
    with pytest.raises(RestoreRefused, match=message):
        restore_backup(bad, database=_sqlite(tmp_path / "t"), data_dir=tmp_path / "t")
    assert not (tmp_path / "t" / "commonweal.sqlite3").exists()


def test_restore_refuses_a_damaged_archive_and_a_file_that_is_not_one(installation, tmp_path):
    bad = _rewrite(installation["archive"], tmp_path / "bad.tar.gz", damage="database.sqlite3")
    with pytest.raises(RestoreRefused, match="does not match its checksum"):
        restore_backup(bad, database=_sqlite(tmp_path / "t"), data_dir=tmp_path / "t")
    assert not (tmp_path / "t" / "commonweal.sqlite3").exists()
    (tmp_path / "notes.tar.gz").write_text("not an archive")
    with pytest.raises(RestoreRefused, match="is not a commonweal backup"):
        read_manifest(tmp_path / "notes.tar.gz")
    with pytest.raises(RestoreRefused, match="There is no file"):
        read_manifest(tmp_path / "missing.tar.gz")
    done = _commonweal(tmp_path / "t", "restore", str(tmp_path / "notes.tar.gz"))
    assert done.returncode == 2 and "restore refused" in done.stderr


def test_a_backup_is_consistent_while_votes_are_written(installation, tmp_path):
    """Writers go on during the copy (WAL); the archive's counts are those of its own copy, and it restores."""
    live = tmp_path / "live"
    live.mkdir()
    restore_backup(installation["archive"], database=_sqlite(live), data_dir=live)
    db = live / "commonweal.sqlite3"
    stop = threading.Event()
    written = [0]

    def write() -> None:
        conn = sqlite3.connect(str(db), timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        row = conn.execute("SELECT * FROM core_auditentry LIMIT 1").fetchone()
        columns = [d[0] for d in conn.execute("SELECT * FROM core_auditentry LIMIT 1").description]
        while not stop.is_set():
            values = dict(zip(columns, row, strict=True)) | {"id": None}
            conn.execute(
                f"INSERT INTO core_auditentry ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                list(values.values()),
            )
            conn.commit()
            written[0] += 1
        conn.close()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        while written[0] < 20:
            pass
        results = [create_backup(tmp_path, database=_sqlite(live), data_dir=live) for _ in range(3)]
    finally:
        stop.set()
        writer.join()
    assert written[0] > 20
    for i, result in enumerate(results):
        target = tmp_path / f"restored-{i}"
        restore_backup(result.path, database=_sqlite(target), data_dir=target)
        counts = {t: len(r) for t, r in _rows(target / "commonweal.sqlite3").items()}
        assert counts == result.manifest["counts"]


def test_backup_says_what_to_do_without_a_database_or_a_folder(tmp_path):
    with pytest.raises(BackupFailed, match="There is no database"):
        create_backup(tmp_path, database=_sqlite(tmp_path / "none"), data_dir=tmp_path / "none")
    with pytest.raises(BackupFailed, match="does not exist"):
        create_backup(tmp_path / "no" / "such" / "x.tar.gz", database=_sqlite(tmp_path), data_dir=tmp_path)


# --- PostgreSQL ------------------------------------------------------------------------------------------------


def _pg_rows(settings_dict: dict[str, Any]) -> dict[str, list[tuple[Any, ...]]]:
    with backup._pg_connection(settings_dict) as conn, conn.cursor() as cursor:
        tables = conn.introspection.table_names(cursor)
        out = {}
        for table in tables:
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608
            out[table] = sorted(cursor.fetchall(), key=repr)
        return out


@pytest.mark.skipif(
    not os.environ.get("COMMONWEAL_DATABASE_URL"), reason="needs PostgreSQL (scripts/run_tests.sh)"
)
@pytest.mark.django_db(transaction=True)
def test_a_postgresql_backup_restores_into_a_new_database_with_every_row(tmp_path):
    from django.db import connection

    from commonweal.conversations.jobs.compute import compute_snapshot
    from commonweal.demo import do_load_demo

    compute_snapshot(do_load_demo(participants=20, seed=3).conversation)
    source = dict(connection.settings_dict)
    result = create_backup(tmp_path, database=source, data_dir=tmp_path)
    assert result.manifest["engine"] == "postgresql" and result.manifest["pg_dump_major"] >= 15
    target = source | {"NAME": f"{source['NAME']}_restored"}
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{target["NAME"]}"')
        cursor.execute(f'CREATE DATABASE "{target["NAME"]}"')
    try:
        restore_backup(result.path, database=target, data_dir=tmp_path / "restored")
        original, restored = _pg_rows(source), _pg_rows(target)
        for table in MUST_HOLD_ROWS:
            assert original[table], f"no rows in {table}: the test would prove nothing about it"
        assert restored == original
        # A second restore into it is refused: it holds data now.
        with pytest.raises(RestoreRefused, match="already holds data"):
            restore_backup(result.path, database=target, data_dir=tmp_path / "restored")
        # The test's own database is in use by this process's connection.
        with pytest.raises(RestoreRefused, match="other session"):
            restore_backup(result.path, database=source, data_dir=tmp_path / "restored")
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{target["NAME"]}" WITH (FORCE)')


# --- Durability: what the vote load benchmark records --------------------------------------------------------


def _durability(env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "vote_load.py"), "_durability"],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_benchmark_records_that_sqlite_keeps_acknowledged_votes(tmp_path):
    # settings.py opens SQLite in WAL mode with synchronous=FULL: a commit is on disk before the vote is answered.
    assert _durability(_env(tmp_path)) == {
        "database": "sqlite",
        "journal_mode": "wal",
        "synchronous": "FULL",
        "durable": True,
    }


@pytest.mark.skipif(
    not os.environ.get("COMMONWEAL_DATABASE_URL"), reason="needs PostgreSQL (scripts/run_tests.sh)"
)
def test_the_benchmark_records_postgresql_durability_settings(tmp_path):
    env = {**_env(tmp_path), "COMMONWEAL_DATABASE_URL": os.environ["COMMONWEAL_DATABASE_URL"]}
    found = _durability(env)
    assert found["database"] == "postgresql"
    assert found["fsync"] in ("on", "off") and found["full_page_writes"] in ("on", "off")
    assert found["synchronous_commit"] in ("on", "off", "local", "remote_write", "remote_apply")
    expected = (
        found["fsync"] == "on" and found["full_page_writes"] == "on" and found["synchronous_commit"] != "off"
    )
    assert found["durable"] is expected
