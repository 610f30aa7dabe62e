"""commonweal on more than one machine: two web servers and two analysis workers, as separate processes, against
one PostgreSQL database (docs/operations.md, "Scaling beyond one machine").

Participants join on one server and vote on the other, many at a time, through the JSON API and through the pages
(a browser's session and CSRF cookie made on one server work on the other, since both share the database and the
secret key, and nothing else: each has its own data folder). Then: every vote a server acknowledged is stored,
once, with the participant's last word as the current vote; and the two workers bring the analysis up to the last
vote, without computing one conversation twice at once (their lock is tested on its own in
test_worker_processes.py).
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.conversations.test_worker_processes import _database_url

ROOT = Path(__file__).resolve().parents[2]
PARTICIPANTS = 24
STATEMENTS = 6


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(data_dir: Path, database_url: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(
        COMMONWEAL_DATA_DIR=str(data_dir),
        COMMONWEAL_DATABASE_URL=database_url,
        # The one thing servers must share besides the database: sessions and CSRF tokens are signed with it.
        COMMONWEAL_SECRET_KEY="several-servers-test-key-" + "x" * 40,
        COMMONWEAL_WORKER="off",
    )
    return env


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    out = log.open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "commonweal.cli", *args],
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )


def _wait_until_up(base: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"a server stopped at start: {log.read_text()}")
        try:
            with urllib.request.urlopen(f"{base}/healthz?scope=web", timeout=5) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise AssertionError(f"a server did not answer in time: {log.read_text()}")


def _call(method: str, url: str, body: Any = None, token: str = "") -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"}
    if token:
        headers["X-Participant-Token"] = token
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def _participant(
    servers: list[str], slug: str, statement_ids: list[int], n: int
) -> tuple[str, list[tuple[int, int]]]:
    """Join on one server, then vote on each statement on alternate servers, changing one vote at the end.
    Returns the participant's handle and the (statement, value) of every vote a server acknowledged with 201."""
    status, joined = _call("POST", f"{servers[n % 2]}/api/conversations/{slug}/join", {})
    assert status == 201, joined
    token = joined["token"]
    acknowledged = []
    plan = [(sid, (1, -1, 0)[(n + i) % 3]) for i, sid in enumerate(statement_ids)]
    plan.append((statement_ids[0], -plan[0][1] or 1))  # a change of mind, on the other server
    for i, (sid, value) in enumerate(plan):
        server = servers[(n + i + 1) % 2]
        status, voted = _call(
            "POST", f"{server}/api/conversations/{slug}/votes", {"statement_id": sid, "value": value}, token
        )
        assert status == 201, voted
        acknowledged.append((sid, value))
    return joined["participant"], acknowledged


def _browser_votes_across_servers(servers: list[str], slug: str) -> None:
    """A browser joins on the first server and votes on the second: its session and CSRF cookies are good on
    both (cookies are not kept per port, so one cookie jar is one browser)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def csrf_of(page: str) -> str:
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert found, "no CSRF token on the page"
        return found.group(1)

    def post(url: str, fields: dict[str, str], referer: str) -> str:
        request = urllib.request.Request(
            url, data=urllib.parse.urlencode(fields).encode(), method="POST", headers={"Referer": referer}
        )
        with opener.open(request, timeout=60) as r:
            assert r.status == 200, r.status  # after the redirect
            return r.read().decode()

    a, b = servers
    with opener.open(f"{a}/c/{slug}/", timeout=60) as r:
        home = r.read().decode()
    about = post(f"{a}/c/{slug}/join/", {"csrfmiddlewaretoken": csrf_of(home)}, f"{a}/c/{slug}/")
    vote_page = post(
        f"{b}/c/{slug}/about-you/", {"csrfmiddlewaretoken": csrf_of(about), "skip": "1"}, f"{b}/c/{slug}/"
    )
    statement = re.search(r'name="statement" value="(\d+)"', vote_page)
    assert statement, "the second server did not show the first server's participant a statement"
    post(
        f"{b}/c/{slug}/vote/",
        {"csrfmiddlewaretoken": csrf_of(vote_page), "statement": statement.group(1), "value": "1"},
        f"{b}/c/{slug}/vote/",
    )


@pytest.mark.django_db(transaction=True)
def test_two_servers_and_two_workers_on_one_database_lose_nothing(tmp_path):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip(
            "several app servers share one PostgreSQL database; SQLite is one machine's. "
            "Run with scripts/run_tests.sh postgres."
        )
    from commonweal.conversations.models import AnalysisSnapshot, Participant, Vote, VoteEvent
    from tests.factories import make_conversation, make_statements

    conversation = make_conversation()
    statement_ids = [s.pk for s in make_statements(conversation, STATEMENTS)]
    url = _database_url(connection.settings_dict)
    procs: list[subprocess.Popen[bytes]] = []
    servers = []
    try:
        for name in ("web-a", "web-b"):
            port = _free_port()
            env = _env(tmp_path / name, url)
            log = tmp_path / f"{name}.log"
            proc = _start(["serve", "--port", str(port), "--workers", "1", "--threads", "4"], env, log)
            procs.append(proc)
            servers.append(f"http://127.0.0.1:{port}")
            _wait_until_up(servers[-1], proc, log)
        for name in ("worker-a", "worker-b"):
            env = _env(tmp_path / name, url)
            procs.append(
                _start(["worker", "--interval", "0", "--poll", "0.05"], env, tmp_path / f"{name}.log")
            )

        with ThreadPoolExecutor(max_workers=8) as pool:
            done = list(
                pool.map(
                    lambda n: _participant(servers, conversation.slug, statement_ids, n), range(PARTICIPANTS)
                )
            )
        _browser_votes_across_servers(servers, conversation.slug)

        # Every acknowledged vote is stored once, and each participant's last word is their current vote.
        acknowledged = sum(len(votes) for _, votes in done) + 1  # and the browser's one vote
        assert VoteEvent.objects.filter(conversation=conversation).count() == acknowledged
        current = {
            (v.participant.handle, v.statement_id): v.value
            for v in Vote.objects.filter(statement__conversation=conversation).select_related("participant")
        }
        expected = {(handle, sid): value for handle, votes in done for sid, value in votes}
        assert len(expected) == PARTICIPANTS * STATEMENTS
        assert {k: v for k, v in current.items() if k in expected} == expected
        browser = [k for k in current if k not in expected]
        assert len(browser) == 1 and current[browser[0]] == 1
        assert Participant.objects.filter(votes__statement__conversation=conversation).distinct().count() == (
            PARTICIPANTS + 1
        )

        # The workers (either of them) bring the analysis up to the last vote.
        last = VoteEvent.objects.filter(conversation=conversation).latest("id").pk
        deadline = time.monotonic() + 120
        latest = None
        while time.monotonic() < deadline:
            latest = AnalysisSnapshot.objects.filter(conversation=conversation).order_by("-tick").first()
            if latest is not None and latest.vote_event_high_water == last:
                break
            time.sleep(0.1)
        assert latest is not None and latest.vote_event_high_water == last, "the workers did not catch up"
        ticks = list(
            AnalysisSnapshot.objects.filter(conversation=conversation)
            .order_by("tick")
            .values_list("tick", flat=True)
        )
        assert ticks == list(range(1, len(ticks) + 1)), "ticks are consecutive, with no duplicates"
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    for name in ("web-a", "web-b", "worker-a", "worker-b"):
        log = (tmp_path / f"{name}.log").read_text()
        assert "Traceback" not in log, f"{name} logged an error:\n{log}"
