"""Vote load benchmark: hundreds of participants joining and voting through the HTTP API, on loopback.

The server runs the way ``make run`` runs it (``commonweal serve``: gunicorn, production mode with a generated
secret and allowed hosts, DEBUG off) against a fresh database, once on SQLite and once on PostgreSQL (a
throw-away server from ``scripts/pg.sh``). For each database it creates one open conversation with 40
statements, then simulates participants with aiohttp: each joins (``POST /api/conversations/{slug}/join``), asks
for its first statement (``GET .../next``) and then votes with one request a vote, ``POST .../votes?next=true``,
whose answer carries the next statement (as the page's htmx flow and Pol.is' own client do), until it has voted
on every statement or time is up; a participant who is done is replaced by a new one joining, so the number of
people voting at once stays the same.

Phases per database, each bounded in time and in requests:

- **paced** (one per rate in ``--rates``, default 500 and 25 votes a second): the participants together offer that
  rate (each one waits between votes as a person reading the next statement would, just much faster). It
  answers "at this load, how fast does a vote come back?" (p50/p95/p99). 500 is the aim; 25 is a load this
  machine carries, to show latency when the server keeps up.
- **saturation**: no waiting at all: every participant sends its next request as soon as the last one comes
  back. It finds the most votes a second this machine serves; latency then is mostly queueing
  (Little's law: latency = participants / throughput).
- **saturation, 2 req** (``--two-request-duration``, default 15 s): saturation again, but with two requests a
  vote (``GET .../next`` then ``POST .../votes``), as a secondary figure.

Recorded per phase: votes a second, latency percentiles of votes, of next-statement requests and of joins,
errors by HTTP status, the CPU seconds of the load generator itself, the server (gunicorn master and workers)
and PostgreSQL, and a check that every vote acknowledged with 201 is stored. Per database also the SQL
statements each request makes (counted in-process), and the durability settings the server's connections had
(``durability``: PostgreSQL's ``fsync``, ``synchronous_commit``, ``full_page_writes``; SQLite's ``journal_mode``
and ``synchronous``; the throw-away PostgreSQL runs with them off, so its figures are not a durable server's). Figures go to ``benchmarks/results/vote_load.json``,
with the machine and the date.

Usage::

    python benchmarks/vote_load.py                       # both databases, about 2 minutes in all
    python benchmarks/vote_load.py --databases postgres --participants 300 --rates 600
    python benchmarks/vote_load.py --quick               # a short smoke run (a few seconds a phase)

Only loopback traffic; every loop stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import resource
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "vote_load.json"
BIN = Path(sys.executable).parent
COMMONWEAL = BIN / "commonweal"
HOST = "127.0.0.1"
CLK_TCK = os.sysconf("SC_CLK_TCK")


# --- Inside Django (run as `python vote_load.py _setup|_profile|_count` with the server's environment) -------


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "commonweal.settings")
    import django

    django.setup()


def _setup_conversation(statements: int) -> dict[str, Any]:
    """An open conversation with ``statements`` accepted statements, in a fresh system."""
    _django()
    from commonweal.conversations.models import Conversation, Statement
    from commonweal.systems.models import System

    system = System.objects.create(slug="bench", name="Benchmark Health and Care Partnership")
    conversation = Conversation.objects.create(
        system=system,
        title="Load benchmark",
        question="What should our partnership do together?",
        status=Conversation.Status.OPEN,
        moderation=Conversation.Moderation.STRICT,
    )
    Statement.objects.bulk_create(
        [
            Statement(
                conversation=conversation,
                text=f"Benchmark statement number {i}: we should work together on priority {i}.",
                # bulk_create skips save(), which fills it: any distinct key will do (already in normal form).
                normalised_text=f"benchmark statement number {i} priority {i}",
                is_seed=True,
                state=Statement.State.ACCEPTED,
            )
            for i in range(1, statements + 1)
        ]
    )
    return {"slug": conversation.slug}


def _profile(slug: str, rounds: int) -> dict[str, Any]:
    """SQL statements and in-process server time per request, through Django's test client (no HTTP)."""
    _django()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST=HOST)
    base = f"/api/conversations/{slug}"
    queries: dict[str, list[int]] = {"join": [], "next": [], "vote": [], "vote_with_next": []}
    seconds: dict[str, list[float]] = {k: [] for k in queries}

    def call(kind: str, method: str, path: str, **kw: Any) -> Any:
        with CaptureQueriesContext(connection) as ctx:
            t0 = time.perf_counter()
            response = getattr(client, method)(path, content_type="application/json", **kw)
            seconds[kind].append(time.perf_counter() - t0)
        assert response.status_code in (200, 201), (kind, response.status_code, response.content[:300])
        queries[kind].append(len(ctx.captured_queries))
        return response.json()

    samples: dict[str, list[str]] = {}
    for _ in range(rounds):
        token = call("join", "post", f"{base}/join", data={})["token"]
        headers = {"HTTP_X_PARTICIPANT_TOKEN": token}
        for i in range(10):
            nxt = call("next", "get", f"{base}/next", **headers)
            statement = nxt["statement"]["id"]
            if i % 2:
                call("vote", "post", f"{base}/votes", data={"statement_id": statement, "value": 1}, **headers)
            else:
                call(
                    "vote_with_next",
                    "post",
                    f"{base}/votes?next=true",
                    data={"statement_id": statement, "value": -1},
                    **headers,
                )
    # One vote's statements, to show where they go.
    token = call("join", "post", f"{base}/join", data={})["token"]
    statement = client.get(f"{base}/next", HTTP_X_PARTICIPANT_TOKEN=token).json()["statement"]["id"]
    for kind, method, path, data in (
        ("next", "get", f"{base}/next", None),
        ("vote", "post", f"{base}/votes", {"statement_id": statement, "value": 1}),
    ):
        with CaptureQueriesContext(connection) as ctx:
            kwargs: dict[str, Any] = {"HTTP_X_PARTICIPANT_TOKEN": token, "content_type": "application/json"}
            if data is not None:
                kwargs["data"] = data
            getattr(client, method)(path, **kwargs)
        samples[kind] = [q["sql"][:160] for q in ctx.captured_queries]

    # The floor under every request: one ORM query (built and compiled by Django) against the same query as raw
    # SQL, and a request that does almost nothing (the health check).
    from commonweal.conversations.models import Conversation

    def timed(fn: Any, n: int = 200) -> float:
        fn()
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        return round((time.perf_counter() - t0) / n * 1000, 3)

    def raw() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT id FROM conversations_conversation WHERE slug = %s", [slug])
            cursor.fetchone()

    floor = {
        "orm_query_ms": timed(lambda: Conversation.objects.filter(slug=slug).first()),
        "raw_query_ms": timed(raw),
        "healthz_request_ms": timed(lambda: client.get("/healthz")),
    }

    def summary(values: list[float]) -> float:
        values = sorted(values)
        return round(values[len(values) // 2], 4) if values else 0.0

    return {
        "sql_statements_per_request": {k: (max(v) if v else None) for k, v in queries.items()},
        "sql_statements_min": {k: (min(v) if v else None) for k, v in queries.items()},
        "in_process_ms_median": {k: round(summary(v) * 1000, 2) for k, v in seconds.items()},
        "sql_of_one_request": samples,
        "floor": floor,
    }


def _count(slug: str) -> dict[str, int]:
    _django()
    from commonweal.conversations.models import Participant, Vote, VoteEvent

    return {
        "vote_events": VoteEvent.objects.filter(conversation__slug=slug).count(),
        "votes": Vote.objects.filter(conversation__slug=slug).count(),
        "participants": Participant.objects.filter(system__slug="bench").count(),
    }


#: SQLite's ``PRAGMA synchronous`` levels, by number.
SQLITE_SYNCHRONOUS = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}


def _durability() -> dict[str, Any]:
    """The settings that decide whether a vote the server acknowledged survives a power cut, as the server's own
    database connections have them (``durable``: all of them keep it).

    PostgreSQL: ``fsync`` and ``full_page_writes`` on, and ``synchronous_commit`` not ``off`` (``off`` acknowledges
    before the commit is on disk). SQLite: ``synchronous`` FULL or EXTRA (in WAL mode, NORMAL may lose the last
    commits at a power cut). The throw-away PostgreSQL of scripts/pg.sh runs with all three off, so figures
    measured on it are not those of a durable server: see docs/operations.md, "Durability".
    """
    _django()
    from django.db import connection

    out: dict[str, Any] = {"database": connection.vendor}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for name in ("fsync", "synchronous_commit", "full_page_writes", "wal_sync_method"):
                cursor.execute(f"SHOW {name}")
                out[name] = str(cursor.fetchone()[0])
            out["durable"] = (
                out["fsync"] == "on"
                and out["full_page_writes"] == "on"
                and out["synchronous_commit"] != "off"
            )
        else:
            cursor.execute("PRAGMA journal_mode")
            out["journal_mode"] = str(cursor.fetchone()[0]).lower()
            cursor.execute("PRAGMA synchronous")
            out["synchronous"] = SQLITE_SYNCHRONOUS.get(int(cursor.fetchone()[0]), "unknown")
            out["durable"] = out["synchronous"] in ("FULL", "EXTRA")
    return out


# --- CPU accounting from /proc --------------------------------------------------------------------------------


def _stat(pid: int) -> tuple[int, float, float] | None:
    """(parent pid, own CPU seconds, CPU seconds of reaped children) of a process, or None when it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()
    ppid = int(fields[1])
    own = (int(fields[11]) + int(fields[12])) / CLK_TCK
    children = (int(fields[13]) + int(fields[14])) / CLK_TCK
    return ppid, own, children


def tree_cpu_seconds(root: int) -> float:
    """CPU seconds used so far by a process, its live descendants and the children it has reaped."""
    return sum(tree_cpu_by_process(root).values())


def tree_cpu_by_process(root: int) -> dict[int, float]:
    """CPU seconds so far of each process of a tree (the root's entry includes its reaped children)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            st = _stat(int(entry))
            if st:
                parents[int(entry)] = st[0]
    tree = {root}
    changed = True
    while changed:
        changed = False
        for pid, ppid in parents.items():
            if ppid in tree and pid not in tree:
                tree.add(pid)
                changed = True
    cpu: dict[int, float] = {}
    for pid in tree:
        st = _stat(pid)
        if st:
            cpu[pid] = st[1] + (st[2] if pid == root else 0.0)
    return cpu


# --- The load ---------------------------------------------------------------------------------------------------


@dataclass
class Phase:
    name: str
    participants: int
    duration: float
    rate: float | None  # votes a second offered in all; None: as fast as possible
    max_requests: int
    latencies: dict[str, list[float]] = field(default_factory=lambda: {"vote": [], "next": [], "join": []})
    errors: Counter[str] = field(default_factory=Counter)
    acknowledged_votes: int = 0
    finished_participants: int = 0
    requests: int = 0
    # True: POST .../votes?next=true, whose answer has the next statement (one request a vote, like the page
    # and Pol.is' own client). False: GET .../next then POST .../votes (two requests a vote).
    one_request: bool = True


@dataclass
class _Pace:
    """When a paced participant votes next: ``interval`` seconds apart on average (0: as fast as possible)."""

    interval: float
    next_at: float

    async def wait(self, deadline: float, rng: random.Random) -> bool:
        """Wait for this participant's next turn (jittered), never catching up in a burst after a slow answer;
        False when the phase ended meanwhile."""
        if not self.interval:
            return True
        now = time.perf_counter()
        if self.next_at > now:
            # Never past the end of the phase, which would stretch its measured length.
            await asyncio.sleep(min(self.next_at, deadline) - now)
        self.next_at = max(self.next_at, time.perf_counter()) + self.interval * rng.uniform(0.5, 1.5)
        return time.perf_counter() < deadline


async def _call(
    session: Any, method: str, url: str, phase: Phase, what: str, **kwargs: Any
) -> tuple[int, Any] | None:
    """One timed request of kind ``what`` ("join", "next" or "vote"): its status and JSON body, or None after
    counting a connection error or time-out."""
    import aiohttp  # the load generator's own dependency, needed only when a phase runs

    t0 = time.perf_counter()
    phase.requests += 1
    try:
        async with session.request(method, url, **kwargs) as r:
            body = await r.json(content_type=None)
            status = r.status
    except (aiohttp.ClientError, TimeoutError) as exc:
        phase.errors[f"{what} {type(exc).__name__}"] += 1
        return None
    phase.latencies[what].append(time.perf_counter() - t0)
    return status, body


async def _next_statement(
    session: Any, base: str, phase: Phase, headers: dict[str, str]
) -> dict[str, Any] | None:
    """The participant's next statement (``GET .../next``); None after an error or when they voted on all."""
    answer = await _call(session, "GET", f"{base}/next", phase, "next", headers=headers)
    if answer is None:
        return None
    status, body = answer
    if status != 200:
        phase.errors[f"next {status}"] += 1
        return None
    statement: dict[str, Any] | None = body.get("statement")
    if statement is None:
        phase.finished_participants += 1  # voted on everything: the next person joins
    return statement


async def _vote_until_done(
    session: Any,
    base: str,
    phase: Phase,
    deadline: float,
    rng: random.Random,
    headers: dict[str, str],
    pace: _Pace,
) -> None:
    """One participant votes until they have voted on everything, an error, or the end of the phase."""
    statement: dict[str, Any] | None = None
    while time.perf_counter() < deadline and phase.requests < phase.max_requests:
        if not await pace.wait(deadline, rng):
            return
        if statement is None:
            # Two requests a vote (the secondary mode), or the first statement of one-request voting.
            statement = await _next_statement(session, base, phase, headers)
            if statement is None:
                return
        answer = await _call(
            session,
            "POST",
            f"{base}/votes?next=true" if phase.one_request else f"{base}/votes",
            phase,
            "vote",
            json={"statement_id": statement["id"], "value": rng.choice((1, 1, 1, -1, -1, 0))},
            headers=headers,
        )
        if answer is None:
            return
        status, body = answer
        if status == 201:
            phase.acknowledged_votes += 1
        else:
            phase.errors[f"vote {status}"] += 1
        statement = None
        if phase.one_request:
            # The vote's answer carries the next statement: one request a vote, as the page does.
            statement = (body.get("next") or {}).get("statement")
            if statement is None:
                phase.finished_participants += 1
                return


async def _participant_loop(
    session: Any, base: str, phase: Phase, deadline: float, rng: random.Random, start_at: float
) -> None:
    """Participants one after another: each joins and votes until done, then the next joins in their place."""
    pace = _Pace(phase.participants / phase.rate if phase.rate else 0.0, 0.0)
    await asyncio.sleep(max(0.0, start_at - time.perf_counter()))
    pace.next_at = time.perf_counter()
    while time.perf_counter() < deadline and phase.requests < phase.max_requests:
        answer = await _call(session, "POST", f"{base}/join", phase, "join", json={})
        if answer is None or answer[0] != 201:
            if answer is not None:
                phase.errors[f"join {answer[0]}"] += 1
            await asyncio.sleep(0.05)
            continue
        await _vote_until_done(
            session, base, phase, deadline, rng, {"X-Participant-Token": answer[1]["token"]}, pace
        )


async def run_phase(url: str, slug: str, phase: Phase, seed: int) -> dict[str, Any]:
    import aiohttp

    base = f"{url}api/conversations/{slug}"
    # Idle connections are dropped by the client before the server's keep-alive (5 s) drops them, so no request
    # is sent on a connection the server is closing at that moment (a real browser retries those by itself).
    connector = aiohttp.TCPConnector(
        limit=phase.participants + 10, limit_per_host=phase.participants + 10, keepalive_timeout=3
    )
    timeout = aiohttp.ClientTimeout(total=30)
    rng = random.Random(seed)
    cpu0 = time.process_time()
    t_start = time.perf_counter()
    deadline = t_start + phase.duration
    # Participants arrive over the time between two of one participant's votes (at most a quarter of the
    # phase), as people do when a link is shared, rather than all in the same second; without waiting
    # (saturation), over the first second.
    interval = phase.participants / phase.rate if phase.rate else 1.0
    arrival_spread = min(interval, phase.duration / 4)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        tasks = [
            asyncio.create_task(
                _participant_loop(
                    session,
                    base,
                    phase,
                    deadline,
                    random.Random(rng.random()),
                    t_start + i * arrival_spread / phase.participants,
                )
            )
            for i in range(phase.participants)
        ]
        await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - t_start
    generator_cpu = time.process_time() - cpu0
    return {"elapsed": elapsed, "generator_cpu_seconds": generator_cpu}


def percentiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"count": 0, "p50_ms": None, "p95_ms": None, "p99_ms": None, "max_ms": None}
    ordered = sorted(values)

    def pick(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)

    return {
        "count": len(ordered),
        "p50_ms": pick(0.50),
        "p95_ms": pick(0.95),
        "p99_ms": pick(0.99),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


# --- Orchestration --------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def django_step(env: dict[str, str], *args: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, *args], env=env, check=True, capture_output=True, text=True, timeout=600
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def wait_for(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 60) -> None:
    import urllib.request

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"the server stopped (exit {proc.returncode}):\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url + "healthz", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"the server did not answer in {timeout} s:\n{log.read_text()[-3000:]}")


def start_postgres(pgdir: Path, env: dict[str, str]) -> tuple[str, int]:
    """Start a throw-away PostgreSQL server in ``pgdir`` (scripts/pg.sh): its URL and its root process id."""
    url = subprocess.run(
        ["bash", str(ROOT / "scripts" / "pg.sh"), "start", str(pgdir)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return url, int((pgdir / "data" / "postmaster.pid").read_text().split()[0])


def postgres_version(url: str) -> str:
    try:
        import psycopg

        with psycopg.connect(url) as conn:
            return str(conn.execute("SHOW server_version").fetchone()[0])
    except Exception as exc:  # the figure is informative only
        return f"unknown ({exc})"


def run_database(database: str, args: argparse.Namespace) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix=f"commonweal-bench-{database}-"))
    # Beside, not inside, the private work folder: the postgres user must reach it.
    pgdir = Path(tempfile.mkdtemp(prefix="commonweal-bench-pg-")) if database == "postgres" else None
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("COMMONWEAL_")},
        "COMMONWEAL_PG_PORT": os.environ.get("COMMONWEAL_PG_PORT", ""),
        "COMMONWEAL_PRODUCTION": "1",
        "COMMONWEAL_SECRET_KEY": secrets.token_urlsafe(50),
        "COMMONWEAL_ALLOWED_HOSTS": f"{HOST},localhost",
        "COMMONWEAL_DATA_DIR": str(work / "data"),
        "COMMONWEAL_LOG_LEVEL": "WARNING",
        # Generous limits: the benchmark measures the server, not the rate limiter's refusals (the limiter
        # itself still runs on every vote and join, as in production).
        "COMMONWEAL_RATE_VOTES": "1000000/60",
        "COMMONWEAL_RATE_JOINS": "1000000/3600",
        "COMMONWEAL_RATE_STATEMENTS": "1000000/600",
    }
    if not env["COMMONWEAL_PG_PORT"]:
        del env["COMMONWEAL_PG_PORT"]
    info: dict[str, Any] = {"database": database, "date": datetime.now(UTC).isoformat(timespec="seconds")}
    server = None
    pg_root = None
    try:
        if pgdir is not None:
            url, pg_root = start_postgres(pgdir, env)
            env["COMMONWEAL_DATABASE_URL"] = url
            info["postgres_version"] = postgres_version(url)
        else:
            info["sqlite_version"] = sqlite3.sqlite_version
        subprocess.run([str(COMMONWEAL), "migrate", "--verbosity", "0"], env=env, check=True, timeout=300)
        # Whether an acknowledged vote would survive a power cut with these settings (the throw-away PostgreSQL
        # runs without fsync, which flatters its figures).
        info["durability"] = django_step(env, "_durability")
        print(f"durability settings: {info['durability']}", flush=True)
        slug = django_step(env, "_setup", str(args.statements))["slug"]

        port = args.port or free_port()
        url = f"http://{HOST}:{port}/"
        log = work / "server.log"
        serve = [str(COMMONWEAL), "serve", "--host", HOST, "--port", str(port)]
        if args.workers:
            serve += ["--workers", str(args.workers)]
        if args.threads:
            serve += ["--threads", str(args.threads)]
        with log.open("wb") as out:
            server = subprocess.Popen(
                serve, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        wait_for(url, server, log)
        info["server"] = log.read_text().splitlines()[0] if log.read_text() else ""
        info["statements"] = args.statements

        # Warm up, unmeasured: each worker's first requests build URL resolvers, API schemas and database
        # connections, which would otherwise show as a few one-second outliers.
        asyncio.run(run_phase(url, slug, Phase("warm-up", 40, 3, 40 * 5, 2000), seed=args.seed - 1))
        phases = []
        plan = [
            Phase(f"paced at {rate:g}/s", args.participants, args.duration, rate, args.max_requests)
            for rate in args.rates
        ] + [
            Phase("saturation", args.participants, args.saturation_duration, None, args.max_requests),
            # The secondary figure: the same load with two requests a vote (GET next, then POST the vote).
            Phase(
                "saturation, 2 req",
                args.participants,
                args.two_request_duration,
                None,
                args.max_requests,
                one_request=False,
            ),
        ]
        for i, phase in enumerate(plan):
            if phase.duration <= 0:
                continue
            server_cpu0 = tree_cpu_by_process(server.pid)
            db_cpu0 = tree_cpu_seconds(pg_root) if pg_root else 0.0
            before = django_step(env, "_count", slug)
            timing = asyncio.run(run_phase(url, slug, phase, seed=args.seed + i))
            server_cpu1 = tree_cpu_by_process(server.pid)
            # Per process: one busy worker next to idle ones means connections are unevenly spread.
            per_process = sorted(
                (round(server_cpu1[pid] - server_cpu0.get(pid, 0.0), 1) for pid in server_cpu1), reverse=True
            )
            server_cpu = sum(per_process)
            db_cpu = (tree_cpu_seconds(pg_root) - db_cpu0) if pg_root else None
            after = django_step(env, "_count", slug)
            stored = after["vote_events"] - before["vote_events"]
            elapsed = timing["elapsed"]
            result = {
                "phase": phase.name,
                "requests_per_vote": 1 if phase.one_request else 2,
                "participants_at_once": phase.participants,
                "offered_votes_per_second": phase.rate,
                "seconds": round(elapsed, 2),
                "votes": phase.acknowledged_votes,
                "votes_per_second": round(phase.acknowledged_votes / elapsed, 1),
                "requests": phase.requests,
                "requests_per_second": round(phase.requests / elapsed, 1),
                "joins": len(phase.latencies["join"]),
                "participants_who_voted_on_everything": phase.finished_participants,
                "vote_latency": percentiles(phase.latencies["vote"]),
                "next_latency": percentiles(phase.latencies["next"]),
                "join_latency": percentiles(phase.latencies["join"]),
                "cpu_ms_per_vote": {
                    "server": round(server_cpu / max(phase.acknowledged_votes, 1) * 1000, 2),
                    "postgres": round(db_cpu / max(phase.acknowledged_votes, 1) * 1000, 2)
                    if db_cpu is not None
                    else None,
                },
                # If the server and the database had every core to themselves (no load generator, nothing
                # else on the machine): cores / CPU seconds per vote.
                "votes_per_second_if_all_cores": round(
                    (os.cpu_count() or 1)
                    / max((server_cpu + (db_cpu or 0.0)) / max(phase.acknowledged_votes, 1), 1e-9),
                    1,
                ),
                "errors": dict(phase.errors),
                "error_count": sum(phase.errors.values()),
                "acknowledged_votes_stored": stored == phase.acknowledged_votes,
                "vote_events_stored": stored,
                "cpu_seconds": {
                    "load_generator": round(timing["generator_cpu_seconds"], 1),
                    "server": round(server_cpu, 1),
                    "server_by_process": per_process,
                    "postgres": round(db_cpu, 1) if db_cpu is not None else None,
                    "available": round(elapsed * (os.cpu_count() or 1), 1),
                },
            }
            phases.append(result)
            print(_line(database, result), flush=True)
        info["phases"] = phases
        info["profile"] = django_step(env, "_profile", slug, str(args.profile_rounds))
    finally:
        if server is not None and server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
        if pgdir is not None:
            subprocess.run(
                ["bash", str(ROOT / "scripts" / "pg.sh"), "stop", str(pgdir)], env=env, check=False
            )
            shutil.rmtree(pgdir, ignore_errors=True)  # pg.sh leaves a folder where no server started
        shutil.rmtree(work, ignore_errors=True)
    return info


def _line(database: str, r: dict[str, Any]) -> str:
    v = r["vote_latency"]
    cpu = r["cpu_seconds"]
    return (
        f"{database:8} {r['phase']:17} {r['votes_per_second']:7.1f} votes/s  vote p50 {v['p50_ms']} ms, "
        f"p95 {v['p95_ms']} ms, p99 {v['p99_ms']} ms; joins {r['joins']} (p99 {r['join_latency']['p99_ms']} ms); "
        f"errors {r['error_count']}; stored {'all' if r['acknowledged_votes_stored'] else 'NOT ALL'}; CPU s: "
        f"generator {cpu['load_generator']}, server {cpu['server']}, postgres {cpu['postgres']} of "
        f"{cpu['available']}; CPU ms a vote: server {r['cpu_ms_per_vote']['server']}, postgres "
        f"{r['cpu_ms_per_vote']['postgres']} (all cores: {r['votes_per_second_if_all_cores']} votes/s)"
    )


def machine() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    import aiohttp
    import django
    import gunicorn

    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory_gb": memory_gb,
        "os": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "gunicorn": gunicorn.__version__,
        "aiohttp": aiohttp.__version__,
        "load_average_before": os.getloadavg(),
    }


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in ("_setup", "_profile", "_count", "_durability"):
        step = argv[0]
        if step == "_setup":
            out = _setup_conversation(int(argv[1]))
        elif step == "_profile":
            out = _profile(argv[1], int(argv[2]))
        elif step == "_durability":
            out = _durability()
        else:
            out = _count(argv[1])
        print(json.dumps(out))
        return 0

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--databases", default="sqlite,postgres", help="comma-separated: sqlite, postgres")
    parser.add_argument("--participants", type=int, default=200, help="participants voting at once")
    parser.add_argument(
        "--rates",
        default="500,25",
        help="votes a second offered in all, one paced phase each (comma-separated; default: the aim, 500, "
        "and a load this machine carries, 25)",
    )
    parser.add_argument("--duration", type=float, default=20, help="seconds of each paced phase")
    parser.add_argument(
        "--saturation-duration", type=float, default=15, help="seconds of the saturation phase"
    )
    parser.add_argument(
        "--two-request-duration",
        type=float,
        default=15,
        help="seconds of the secondary saturation phase with two requests a vote (GET next + POST vote); 0 skips it",
    )
    parser.add_argument("--max-requests", type=int, default=200_000, help="a cap on requests per phase")
    parser.add_argument("--statements", type=int, default=40)
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (default: serve's own)")
    parser.add_argument("--threads", type=int, default=0, help="threads per worker (default: serve's own)")
    parser.add_argument("--port", type=int, default=0, help="the server's port (default: a free one)")
    parser.add_argument("--profile-rounds", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--quick", action="store_true", help="a short smoke run: 5 s a phase, 50 participants"
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if args.quick:
        args.duration, args.saturation_duration, args.participants, args.rates = 5, 5, 50, "100"
        args.two_request_duration = 5
        args.profile_rounds = 3
    try:
        args.rates = [float(r) for r in str(args.rates).split(",") if r.strip()]
    except ValueError:
        parser.error("--rates must be numbers separated by commas, e.g. 500,25")
    if any(r <= 0 for r in args.rates):
        parser.error("every rate in --rates must be above 0")
    if args.participants < 1 or args.duration < 0 or args.saturation_duration < 0:
        parser.error("--participants must be at least 1 and durations 0 or more")
    databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    unknown = set(databases) - {"sqlite", "postgres"}
    if unknown:
        parser.error(f"unknown database(s): {', '.join(sorted(unknown))} (use sqlite, postgres)")
    resource.setrlimit(
        resource.RLIMIT_NOFILE, (4096, max(4096, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
    )

    report: dict[str, Any] = {}
    if args.out.exists():
        try:
            report = json.loads(args.out.read_text())
        except ValueError:
            report = {}
    report.update(
        {
            "benchmark": "vote_load",
            "description": "Participants joining and voting through the HTTP API (join, then one request a vote: "
            "POST votes?next=true answers with the next statement; the 'saturation, 2 req' phase sends GET next + "
            "POST vote instead), "
            "against `commonweal serve` (gunicorn, production settings) on loopback.",
            "machine": machine(),
            "settings": {
                k: getattr(args, k)
                for k in (
                    "participants",
                    "rates",
                    "duration",
                    "saturation_duration",
                    "two_request_duration",
                    "statements",
                    "workers",
                )
            }
            | {"threads": args.threads, "max_requests": args.max_requests, "quick": args.quick},
        }
    )
    results = report.setdefault("databases", {})
    for database in databases:
        print(f"--- {database} ---", flush=True)
        results[database] = run_database(database, args)
    report["date"] = datetime.now(UTC).isoformat(timespec="seconds")
    report["machine"]["load_average_after"] = os.getloadavg()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"Wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
