"""The set-up scripts and the serve command: the parts of the two commands that can be checked in a test."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest

from commonweal.cli import main as cli_main

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def taken_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        yield sock.getsockname()[1]


def test_serve_says_what_to_do_when_the_port_is_taken(taken_port, capsys):
    assert cli_main(["serve", "--port", str(taken_port)]) == 1
    err = capsys.readouterr().err
    assert f"Port {taken_port} on 127.0.0.1 is already in use" in err
    assert f"make run PORT={taken_port + 1}" in err


class FakeWorkerProcess:
    pid = 4242

    def __init__(self) -> None:
        self.stopped = False

    def poll(self) -> None:
        return None

    def terminate(self) -> None:
        self.stopped = True

    def wait(self, timeout: float | None = None) -> int:
        return 0


@pytest.mark.parametrize("worker", ["embedded", "off"])
def test_serve_shows_the_demo_login_with_the_address_it_serves(
    settings, tmp_path, monkeypatch, capsys, worker
):
    from gunicorn.arbiter import Arbiter

    from commonweal import cli

    started = []
    # gunicorn's arbiter (the embedded worker's supervising one inherits it) starts nothing here.
    monkeypatch.setattr(Arbiter, "run", lambda self: started.append(self.cfg.bind))
    monkeypatch.setenv("SERVER_SOFTWARE", "")  # which the arbiter sets; restored afterwards
    children: list[FakeWorkerProcess] = []
    monkeypatch.setattr(
        cli, "_start_embedded_worker", lambda: children.append(FakeWorkerProcess()) or children[-1]
    )
    settings.DATA_DIR = tmp_path
    settings.WORKER = worker
    (tmp_path / "demo-login.txt").write_text(
        "Demo facilitator login: facilitator / pw  (http://127.0.0.1:8000/accounts/login/)\n"
        "Demo conversation: http://127.0.0.1:8000/c/riverside-together/\n"
        "Demo system map (sign in first): http://127.0.0.1:8000/manage/systems/riverside/network/\n"
    )
    with socket.socket() as sock:  # a port that is free now
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert cli_main(["serve", "--port", str(port), "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert started == [[f"127.0.0.1:{port}"]]
    assert f"commonweal is serving on http://127.0.0.1:{port}/" in out
    assert f"facilitator / pw  (http://127.0.0.1:{port}/accounts/login/)" in out
    assert f"Demo conversation: http://127.0.0.1:{port}/c/riverside-together/" in out
    assert f"http://127.0.0.1:{port}/manage/systems/riverside/network/" in out
    if worker == "embedded":
        # The worker runs beside the server and is stopped with it.
        assert "The analysis worker is running (process 4242)" in out
        assert len(children) == 1 and children[0].stopped
    else:
        assert "not started here (COMMONWEAL_WORKER=off): run `commonweal worker`" in out
        assert children == []


def test_the_test_run_fails_when_no_test_runs(tmp_path):
    env = {**os.environ, "COMMONWEAL_TEST_WORKERS": "0", "COMMONWEAL_DATA_DIR": str(tmp_path)}
    env.pop("COMMONWEAL_DATABASE_URL", None)
    run = subprocess.run(
        [
            "bash",
            "scripts/run_tests.sh",
            "sqlite",
            "tests/test_setup.py",
            "-k",
            "no_test_has_this_name",
            "-q",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode != 0
    assert "collected no test" in run.stderr


def test_pg_script_never_deletes_a_folder_it_did_not_make(tmp_path):
    keep = tmp_path / "precious"
    keep.mkdir()
    (keep / "notes.txt").write_text("keep me")
    subprocess.run(["bash", "scripts/pg.sh", "stop", str(keep)], cwd=ROOT, check=True, timeout=60)
    assert (keep / "notes.txt").read_text() == "keep me"


def test_pg_script_refuses_a_port_that_is_taken(taken_port, tmp_path):
    run = subprocess.run(
        ["bash", "scripts/pg.sh", "start", str(tmp_path / "pg")],
        cwd=ROOT,
        env={**os.environ, "COMMONWEAL_PG_PORT": str(taken_port)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 1
    assert f"Port {taken_port} (COMMONWEAL_PG_PORT) is already taken" in run.stderr


def _readme_rows() -> dict[str, str]:
    rows = {}
    for line in (ROOT / "README.md").read_text().splitlines():
        if line.startswith("| `COMMONWEAL_"):
            name = line.split("`")[1]
            rows[name] = line
    return rows


def test_readme_documents_every_setting_with_its_default():
    import re

    rows = _readme_rows()
    sources = [ROOT / "src" / "commonweal" / "settings.py", ROOT / "src" / "commonweal" / "cli.py"]
    found = 0
    for source in sources:
        text = source.read_text()
        for name in set(re.findall(r"\"(COMMONWEAL_[A-Z_]+)\"", text)):
            assert name in rows, (
                f"{name} (read in {source.name}) is missing from the README's configuration table"
            )
            found += 1
        for name, default in re.findall(r"os\.environ\.get\(\"(COMMONWEAL_[A-Z_]+)\", \"([^\"]+)\"\)", text):
            assert f"`{default}`" in rows[name], (
                f"the README gives another default for {name} than {default!r}"
            )
        for name, default in re.findall(r"_env_bool\(\"(COMMONWEAL_[A-Z_]+)\", (True|False)\)", text):
            assert f"`{int(default == 'True')}`" in rows[name], f"the README gives another default for {name}"
    assert found >= 20


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        # From the proxy: the client is the right-most address the proxy did not add itself.
        ("127.0.0.1", "203.0.113.7", "203.0.113.7"),
        ("127.0.0.1", "1.2.3.4, 203.0.113.7", "203.0.113.7"),  # 1.2.3.4 is whatever the client claimed
        ("127.0.0.1", "203.0.113.7, 10.0.0.5", "203.0.113.7"),  # two trusted proxies in a row
        ("127.0.0.1", "not-an-address", "127.0.0.1"),
        # Straight from the internet: the header is the client's own claim, never believed.
        ("198.51.100.9", "203.0.113.7", "198.51.100.9"),
        ("127.0.0.1", "", "127.0.0.1"),
    ],
)
def test_the_client_address_behind_a_trusted_proxy(peer, forwarded, expected):
    from commonweal.wsgi import TrustedProxies

    seen = {}

    def app(environ, start_response):
        seen["addr"] = environ["REMOTE_ADDR"]
        return []

    wrapped = TrustedProxies(app, ["127.0.0.1", "10.0.0.0/8"])
    environ = {"REMOTE_ADDR": peer}
    if forwarded:
        environ["HTTP_X_FORWARDED_FOR"] = forwarded
    wrapped(environ, lambda *a: None)
    assert seen["addr"] == expected


def test_a_bad_trusted_proxy_setting_fails_loudly():
    from django.core.exceptions import ImproperlyConfigured

    from commonweal.wsgi import TrustedProxies

    with pytest.raises(ImproperlyConfigured, match="COMMONWEAL_TRUSTED_PROXIES"):
        TrustedProxies(lambda e, s: [], ["127.0.0.1", "proxy.example.org"])


def test_the_api_guide_lists_every_endpoint_and_no_other():
    import re

    from commonweal.api import api

    schema = api.get_openapi_schema()
    endpoints = {
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    }
    guide = (ROOT / "docs" / "api.md").read_text()
    listed = set(re.findall(r"^\| `((?:GET|POST|PUT|PATCH|DELETE) /api/[^`]*)`", guide, flags=re.M))
    assert endpoints - listed == set(), "docs/api.md does not list these endpoints"
    assert listed - endpoints == set(), "docs/api.md lists endpoints that do not exist"


def test_serve_sizes_itself_for_the_database():
    from commonweal.cli import _server_size

    # SQLite: one process, so writers queue inside it instead of polling for the file lock across processes.
    assert _server_size(0, 0, "django.db.backends.sqlite3") == (1, 8)
    workers, threads = _server_size(0, 0, "django.db.backends.postgresql")
    assert workers >= 2 and threads == 2
    # What the operator chose wins.
    assert _server_size(3, 2, "django.db.backends.sqlite3") == (3, 2)
    assert _server_size(5, 0, "django.db.backends.postgresql") == (5, 2)
