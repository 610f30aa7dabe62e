"""Live-results latency: how long after a vote is stored does a snapshot that includes it exist?

With PostgreSQL (a throw-away server from ``scripts/pg.sh``), ``commonweal serve`` (production mode,
``COMMONWEAL_WORKER=off``) and a real ``commonweal worker`` process, as in production:

1. **Pre-load** (inside Django, not through HTTP): one open conversation with ``--statements`` statements and
   ``--preload`` participants (declared sectors and organisations) who voted on 15 to 60 statements each, from
   three planted opinion groups with 10% passes, written with PostgreSQL's COPY. Then the first snapshot
   (cold) and a second one (warm), as the worker would have made them while those votes arrived.
2. **Live**: a load generator (aiohttp, in this process) brings the conversation up to ``--participants``:
   ``--people-at-once`` people at a time join through the API (``POST /api/conversations/{slug}/join``), ask for
   a statement and vote with ``POST .../votes?next=true`` at a steady total of ``--rate`` votes a second, each
   casting 10 to 40 votes before the next person joins in their place (once all have joined, the people
   voting carry on); the worker recomputes as it would in
   production. After ``--duration`` seconds the load stops and the worker is given time to catch up.
3. **Measure**, from the database's own timestamps (one clock): for every vote event of the live phase, the time
   from its ``at`` (stamped when the vote was stored) to the ``computed_at`` of the first snapshot whose
   ``vote_event_high_water`` covers it: p50, p95, max. Also snapshots a minute, the worker's seconds a snapshot
   (reading the votes, the engine, in all), the snapshot's JSON size, the achieved vote rate and its HTTP
   latency, and the CPU seconds of the load generator, the web server, the worker and PostgreSQL, with the
   machine's load average (these machines are shared).

Figures go to ``benchmarks/results/live_latency.json``.

Usage::

    .venv/bin/python benchmarks/live_latency.py                 # 9,000 pre-loaded + 1,000 live, 150 votes/s, 3 min
    .venv/bin/python benchmarks/live_latency.py --quick         # a small smoke run (about a minute)
    .venv/bin/python benchmarks/live_latency.py --rate 300 --duration 120

Only loopback traffic; every loop stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import random
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import vote_load  # noqa: E402 - the vote benchmark's helpers (CPU accounting, percentiles, server start-up)

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "live_latency.json"
BIN = Path(sys.executable).parent
COMMONWEAL = BIN / "commonweal"
HOST = "127.0.0.1"


# --- Inside Django (run as `python live_latency.py _preload|_measure ...` with the server's environment) -------


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "commonweal.settings")
    import django

    django.setup()


def _preload(statements: int, participants: int, seed: int) -> dict[str, Any]:
    """The conversation, its pre-loaded participants and votes (COPY), and its first two snapshots."""
    _django()
    import numpy as np
    from django.db import connection
    from django.utils import timezone

    from commonweal.conversations.jobs.compute import compute_snapshot
    from commonweal.conversations.models import (
        Conversation,
        Participant,
        Participation,
        Statement,
        normalise_text,
    )
    from commonweal.systems.models import Organisation, Sector, System

    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    system = System.objects.create(slug="live-bench", name="Live Benchmark Health and Care Partnership")
    sectors = [s for s, _ in Sector.choices]
    organisations = Organisation.objects.bulk_create(
        [
            Organisation(system=system, name=f"Organisation {i}", sector=sectors[i % len(sectors)])
            for i in range(12)
        ]
    )
    conversation = Conversation.objects.create(
        system=system,
        title="Live latency benchmark",
        question="What should our partnership do together?",
        status=Conversation.Status.OPEN,
        moderation=Conversation.Moderation.STRICT,
        opened_at=timezone.now(),
    )
    created = Statement.objects.bulk_create(
        [
            Statement(
                conversation=conversation,
                text=f"Benchmark statement {i}: we should work together on priority {i}.",
                normalised_text=normalise_text(f"Benchmark statement {i}: priority {i}"),
                is_seed=True,
                state=Statement.State.ACCEPTED,
            )
            for i in range(1, statements + 1)
        ]
    )
    statement_ids = np.array([s.pk for s in created], dtype=np.int64)
    now = timezone.now()
    people = Participant.objects.bulk_create(
        [
            Participant(
                system=system,
                consented_at=now,
                sector=sectors[int(rng.integers(len(sectors)))] if rng.random() < 0.8 else "",
                organisation=organisations[int(rng.integers(len(organisations)))]
                if rng.random() < 0.6
                else None,
                about_you_done=True,
            )
            for _ in range(participants)
        ],
        batch_size=2000,
    )
    Participation.objects.bulk_create(
        [Participation(participant=p, conversation=conversation) for p in people], batch_size=2000
    )
    # Three planted opinion groups: each statement has an agreement probability per group; popular statements
    # get more votes (as in real conversations).
    n_groups = 3
    agree_p = rng.uniform(0.1, 0.9, size=(n_groups, statements))
    popularity = rng.zipf(1.6, size=statements).astype(np.float64)
    popularity = np.minimum(popularity, 20) / np.minimum(popularity, 20).sum()
    rows = []
    for person in people:
        group = int(rng.integers(n_groups))
        k = int(rng.integers(15, 61))
        chosen = rng.choice(statements, size=min(k, statements), replace=False, p=popularity)
        for j in chosen:
            r = rng.random()
            value = 0 if r < 0.1 else (1 if rng.random() < agree_p[group, j] else -1)
            rows.append((person.pk, int(statement_ids[j]), value))
    # Event ids in order; the sequences are moved past them afterwards.
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM conversations_voteevent")
        base_event = int(cursor.fetchone()[0])
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM conversations_vote")
        base_vote = int(cursor.fetchone()[0])
    stamp = now.isoformat()
    events = io.StringIO()
    votes = io.StringIO()
    for i, (pid, sid, value) in enumerate(rows, start=1):
        events.write(f"{base_event + i}\t{conversation.pk}\t{pid}\t{sid}\t{value}\t{stamp}\n")
        votes.write(f"{base_vote + i}\t{conversation.pk}\t{pid}\t{sid}\t{value}\t{stamp}\t{base_event + i}\n")
    raw = connection.connection  # psycopg 3
    with raw.cursor() as cursor:
        with cursor.copy(
            "COPY conversations_voteevent (id, conversation_id, participant_id, statement_id, value, at) FROM STDIN"
        ) as copy:
            copy.write(events.getvalue())
        with cursor.copy(
            "COPY conversations_vote (id, conversation_id, participant_id, statement_id, value, updated_at, "
            "event_id) FROM STDIN"
        ) as copy:
            copy.write(votes.getvalue())
        for table in ("conversations_voteevent", "conversations_vote"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
            )
        cursor.execute("ANALYZE")
    load_seconds = time.perf_counter() - t0
    t1 = time.perf_counter()
    cold = compute_snapshot(conversation)
    cold_seconds = time.perf_counter() - t1
    t2 = time.perf_counter()
    warm = compute_snapshot(conversation)
    warm_seconds = time.perf_counter() - t2
    assert cold is not None and warm is not None
    return {
        "slug": conversation.slug,
        "conversation_id": conversation.pk,
        "preloaded_participants": participants,
        "preloaded_votes": len(rows),
        "statements": statements,
        "preload_seconds": round(load_seconds, 1),
        "cold_snapshot_seconds": round(cold_seconds, 2),
        "warm_snapshot_seconds": round(warm_seconds, 2),
        "warm_snapshot_meta": warm.result.get("meta"),
        "groups": warm.result.get("k"),
    }


def _high_water(slug: str) -> dict[str, Any]:
    _django()
    from commonweal.conversations.models import Conversation, VoteEvent

    conversation = Conversation.objects.get(slug=slug)
    latest = (
        VoteEvent.objects.filter(conversation=conversation)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    snap = conversation.snapshots.order_by("-tick").values_list("tick", "vote_event_high_water").first()
    return {"latest_event": latest or 0, "tick": snap[0] if snap else 0, "high_water": snap[1] if snap else 0}


def _measure(slug: str, after_event: int, after_tick: int) -> dict[str, Any]:
    """Latency of each live vote to the first snapshot that includes it, and what the snapshots cost."""
    _django()
    import numpy as np
    from django.db import connection

    from commonweal.conversations.models import AnalysisSnapshot, Conversation, Participation, VoteEvent

    conversation = Conversation.objects.get(slug=slug)
    events = list(
        VoteEvent.objects.filter(conversation=conversation, id__gt=after_event)
        .order_by("id")
        .values_list("id", "at")
    )
    snaps = list(
        AnalysisSnapshot.objects.filter(conversation=conversation, tick__gt=after_tick)
        .order_by("tick")
        .values_list("tick", "vote_event_high_water", "computed_at", "duration_ms")
    )
    metas = dict(
        AnalysisSnapshot.objects.filter(conversation=conversation, tick__gt=after_tick)
        .order_by("tick")
        .values_list("tick", "result__meta")
    )
    high_water = (
        np.maximum.accumulate(np.array([s[1] for s in snaps], dtype=np.int64)) if snaps else np.zeros(0)
    )
    latencies = []
    uncovered = 0
    for event_id, at in events:
        i = int(np.searchsorted(high_water, event_id, side="left"))
        if i >= len(snaps):
            uncovered += 1
            continue
        latencies.append((snaps[i][2] - at).total_seconds())
    lat = np.array(latencies)

    def pct(values: Any, q: float) -> float | None:
        return round(float(np.quantile(values, q)), 3) if len(values) else None

    durations = np.array([s[3] for s in snaps], dtype=np.float64) / 1000
    read = np.array(
        [metas[s[0]].get("read_seconds", 0.0) for s in snaps if metas.get(s[0])], dtype=np.float64
    )
    engine = np.array(
        [metas[s[0]].get("engine_seconds", 0.0) for s in snaps if metas.get(s[0])], dtype=np.float64
    )
    span = (events[-1][1] - events[0][1]).total_seconds() if len(events) > 1 else 0.0
    live_snaps = [s for s in snaps if events and events[0][1] <= s[2] <= events[-1][1]]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT octet_length(result::text), octet_length(state::text), octet_length(priorities::text) "
            "FROM conversations_analysissnapshot WHERE conversation_id = %s ORDER BY tick DESC LIMIT 1",
            [conversation.pk],
        )
        sizes = cursor.fetchone()
    last_meta = metas[snaps[-1][0]] if snaps else {}
    step_keys = sorted({k for m in metas.values() if m for k in (m.get("timings") or {})})
    steps = {
        k: round(
            float(np.median([m["timings"].get(k, 0.0) for m in metas.values() if m and m.get("timings")])), 3
        )
        for k in step_keys
    }
    return {
        "live_vote_events": len(events),
        "votes_not_covered_by_a_snapshot": uncovered,
        "latency_seconds": {
            "p50": pct(lat, 0.5),
            "p95": pct(lat, 0.95),
            "p99": pct(lat, 0.99),
            "max": round(float(lat.max()), 3) if len(lat) else None,
            "mean": round(float(lat.mean()), 3) if len(lat) else None,
        },
        "snapshots": len(snaps),
        "snapshots_during_the_live_votes": len(live_snaps),
        "snapshots_per_minute": round(len(live_snaps) / span * 60, 1) if span else None,
        "snapshot_seconds": {
            "p50": pct(durations, 0.5),
            "p95": pct(durations, 0.95),
            "max": round(float(durations.max()), 3) if len(durations) else None,
            "read_votes_p50": pct(read, 0.5),
            "engine_p50": pct(engine, 0.5),
            "engine_steps_median": steps,
        },
        "last_snapshot": {
            "tick": snaps[-1][0] if snaps else None,
            "n_votes": last_meta.get("n_votes"),
            "n_participants_voting": last_meta.get("n_participants_voting"),
            "result_json_bytes": sizes[0] if sizes else None,
            "state_json_bytes": sizes[1] if sizes else None,
            "priorities_json_bytes": sizes[2] if sizes else None,
        },
        "participants_in_conversation": Participation.objects.filter(conversation=conversation).count(),
        "live_span_seconds": round(span, 1),
    }


# --- The live load --------------------------------------------------------------------------------------------


class Live:
    def __init__(self, rate: float, people: int, duration: float, max_joins: int) -> None:
        self.rate = rate
        self.people = people
        self.duration = duration
        self.max_joins = max_joins
        self.joins = 0
        self.votes = 0
        self.vote_latency: list[float] = []
        self.errors: Counter[str] = Counter()


async def _person_loop(
    session: Any, base: str, live: Live, deadline: float, rng: random.Random, start: float
) -> None:
    import aiohttp

    interval = live.people / live.rate
    await asyncio.sleep(max(0.0, start - time.perf_counter()))
    next_at = time.perf_counter()
    while time.perf_counter() < deadline and live.joins < live.max_joins:
        live.joins += 1
        try:
            async with session.post(f"{base}/join", json={}) as r:
                body = await r.json(content_type=None)
                status = r.status
            if status != 201:
                live.errors[f"join {status}"] += 1
                await asyncio.sleep(0.1)
                continue
            headers = {"X-Participant-Token": body["token"]}
            async with session.get(f"{base}/next", headers=headers) as r:
                statement = (await r.json(content_type=None)).get("statement")
        except (aiohttp.ClientError, TimeoutError) as exc:
            live.errors[f"join {type(exc).__name__}"] += 1
            await asyncio.sleep(0.1)
            continue
        wants = rng.randint(10, 40)
        cast = 0
        while statement is not None and time.perf_counter() < deadline:
            # Once everyone has joined, the people here keep voting (the rate stays steady to the end).
            if cast >= wants and live.joins < live.max_joins:
                break
            cast += 1
            now = time.perf_counter()
            if next_at > now:
                await asyncio.sleep(min(next_at, deadline) - now)
            next_at = max(next_at, time.perf_counter()) + interval * rng.uniform(0.5, 1.5)
            if time.perf_counter() >= deadline:
                return
            value = rng.choice((1, 1, -1, -1, 0))
            t0 = time.perf_counter()
            try:
                async with session.post(
                    f"{base}/votes?next=true",
                    json={"statement_id": statement["id"], "value": value},
                    headers=headers,
                ) as r:
                    body = await r.json(content_type=None)
                    status = r.status
            except (aiohttp.ClientError, TimeoutError) as exc:
                live.errors[f"vote {type(exc).__name__}"] += 1
                break
            if status != 201:
                live.errors[f"vote {status}"] += 1
                break
            live.vote_latency.append(time.perf_counter() - t0)
            live.votes += 1
            statement = (body.get("next") or {}).get("statement")


async def run_live(url: str, slug: str, live: Live, seed: int) -> dict[str, Any]:
    import aiohttp

    base = f"{url}api/conversations/{slug}"
    connector = aiohttp.TCPConnector(
        limit=live.people + 10, limit_per_host=live.people + 10, keepalive_timeout=3
    )
    rng = random.Random(seed)
    cpu0 = time.process_time()
    t_start = time.perf_counter()
    deadline = t_start + live.duration
    spread = min(live.people / live.rate, live.duration / 4)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30)) as session:
        await asyncio.gather(
            *(
                _person_loop(
                    session,
                    base,
                    live,
                    deadline,
                    random.Random(rng.random()),
                    t_start + i * spread / live.people,
                )
                for i in range(live.people)
            )
        )
    return {"elapsed": time.perf_counter() - t_start, "generator_cpu_seconds": time.process_time() - cpu0}


# --- Orchestration --------------------------------------------------------------------------------------------


def django_step(env: dict[str, str], *args: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, *args], env=env, check=True, capture_output=True, text=True, timeout=1800
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(args: argparse.Namespace) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="commonweal-live-"))
    pgdir = Path(tempfile.mkdtemp(prefix="commonweal-live-pg-"))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("COMMONWEAL_")},
        "COMMONWEAL_PRODUCTION": "1",
        "COMMONWEAL_SECRET_KEY": secrets.token_urlsafe(50),
        "COMMONWEAL_ALLOWED_HOSTS": f"{HOST},localhost",
        "COMMONWEAL_DATA_DIR": str(work / "data"),
        "COMMONWEAL_LOG_LEVEL": "WARNING",
        "COMMONWEAL_WORKER": "off",
        "COMMONWEAL_ANALYSIS_INTERVAL": str(args.interval),
        "COMMONWEAL_RATE_VOTES": "1000000/60",
        "COMMONWEAL_RATE_JOINS": "1000000/3600",
    }
    if os.environ.get("COMMONWEAL_PG_PORT"):
        env["COMMONWEAL_PG_PORT"] = os.environ["COMMONWEAL_PG_PORT"]
    info: dict[str, Any] = {"date": datetime.now(UTC).isoformat(timespec="seconds")}
    server = worker = None
    pg_root = None
    try:
        db_url, pg_root = vote_load.start_postgres(pgdir, env)
        env["COMMONWEAL_DATABASE_URL"] = db_url
        info["postgres_version"] = vote_load.postgres_version(db_url)
        subprocess.run([str(COMMONWEAL), "migrate", "--verbosity", "0"], env=env, check=True, timeout=300)
        preload = django_step(env, "_preload", str(args.statements), str(args.preload), str(args.seed))
        info["preload"] = preload
        print(
            f"pre-loaded {preload['preloaded_participants']:,} participants, {preload['preloaded_votes']:,} votes "
            f"in {preload['preload_seconds']} s; cold snapshot {preload['cold_snapshot_seconds']} s, warm "
            f"{preload['warm_snapshot_seconds']} s",
            flush=True,
        )
        slug = preload["slug"]

        port = args.port or vote_load.free_port()
        url = f"http://{HOST}:{port}/"
        log = work / "server.log"
        with log.open("wb") as out:
            server = subprocess.Popen(
                [str(COMMONWEAL), "serve", "--host", HOST, "--port", str(port)],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        vote_load.wait_for(url, server, log)
        info["server"] = log.read_text().splitlines()[0]
        worker_log = work / "worker.log"
        with worker_log.open("wb") as out:
            worker = subprocess.Popen(
                [str(COMMONWEAL), "worker"],
                env={**env, "COMMONWEAL_LOG_LEVEL": "INFO"},
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

        # Warm-up, unmeasured: the server's first requests build resolvers, schemas and connections.
        asyncio.run(
            run_live(url, slug, Live(rate=40, people=20, duration=3, max_joins=40), seed=args.seed - 1)
        )
        time.sleep(args.interval + 1)
        start = django_step(env, "_high_water", slug)
        load0 = os.getloadavg()
        server_cpu0 = vote_load.tree_cpu_seconds(server.pid)
        worker_cpu0 = vote_load.tree_cpu_seconds(worker.pid)
        db_cpu0 = vote_load.tree_cpu_seconds(pg_root)
        live = Live(
            rate=args.rate,
            people=args.people_at_once,
            duration=args.duration,
            max_joins=max(0, args.participants - args.preload),
        )
        timing = asyncio.run(run_live(url, slug, live, seed=args.seed))
        load1 = os.getloadavg()
        # Let the worker catch up with the last votes (it is measured: the last votes' latency counts).
        end = django_step(env, "_high_water", slug)
        deadline = time.monotonic() + 60
        while end["high_water"] < end["latest_event"] and time.monotonic() < deadline:
            time.sleep(0.5)
            end = django_step(env, "_high_water", slug)
        server_cpu = vote_load.tree_cpu_seconds(server.pid) - server_cpu0
        worker_cpu = vote_load.tree_cpu_seconds(worker.pid) - worker_cpu0
        db_cpu = vote_load.tree_cpu_seconds(pg_root) - db_cpu0
        measured = django_step(env, "_measure", slug, str(start["latest_event"]), str(start["tick"]))
        elapsed = timing["elapsed"]
        info["live"] = {
            "offered_votes_per_second": args.rate,
            "people_at_once": args.people_at_once,
            "seconds": round(elapsed, 1),
            "joins": live.joins,
            "votes": live.votes,
            "votes_per_second": round(live.votes / elapsed, 1),
            "vote_http_latency": vote_load.percentiles(live.vote_latency),
            "errors": dict(live.errors),
            "analysis_interval_seconds": args.interval,
            "cpu_seconds": {
                "load_generator": round(timing["generator_cpu_seconds"], 1),
                "server": round(server_cpu, 1),
                "worker": round(worker_cpu, 1),
                "postgres": round(db_cpu, 1),
                "available": round(elapsed * (os.cpu_count() or 1), 1),
            },
            "load_average_at_start": [round(x, 2) for x in load0],
            "load_average_at_end": [round(x, 2) for x in load1],
        }
        info["result"] = measured
        info["worker_log_tail"] = worker_log.read_text().splitlines()[-5:]
    finally:
        for proc in (worker, server):
            if proc is not None and proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
        subprocess.run(["bash", str(ROOT / "scripts" / "pg.sh"), "stop", str(pgdir)], env=env, check=False)
        shutil.rmtree(pgdir, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)
    return info


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0].startswith("_"):
        step, rest = argv[0], argv[1:]
        if step == "_preload":
            out = _preload(int(rest[0]), int(rest[1]), int(rest[2]))
        elif step == "_high_water":
            out = _high_water(rest[0])
        elif step == "_measure":
            out = _measure(rest[0], int(rest[1]), int(rest[2]))
        else:
            raise SystemExit(f"unknown step {step}")
        print(json.dumps(out, default=str))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=10_000, help="participants at the end")
    parser.add_argument(
        "--preload", type=int, default=9_000, help="participants loaded before the live phase"
    )
    parser.add_argument("--statements", type=int, default=120)
    parser.add_argument("--rate", type=float, default=150.0, help="votes a second offered in the live phase")
    parser.add_argument("--people-at-once", type=int, default=100)
    parser.add_argument("--duration", type=float, default=180.0, help="seconds of live votes")
    parser.add_argument("--interval", type=float, default=2.0, help="COMMONWEAL_ANALYSIS_INTERVAL")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--quick", action="store_true", help="1,000 participants, 30 s: a smoke run")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if args.quick:
        args.participants, args.preload, args.duration, args.statements = 1_000, 800, 30.0, 60
        if args.output == RESULTS:  # a smoke run never replaces the recorded figures
            args.output = Path(tempfile.gettempdir()) / "live_latency_quick.json"
    machine = vote_load.machine()
    info = run(args)
    info["machine"] = machine
    info["arguments"] = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}
    r = info["result"]
    lat = r["latency_seconds"]
    print(
        f"live: {info['live']['votes_per_second']} votes/s for {info['live']['seconds']} s "
        f"({info['live']['joins']} joined; {r['participants_in_conversation']:,} participants in all); "
        f"vote -> snapshot p50 {lat['p50']} s, p95 {lat['p95']} s, max {lat['max']} s; "
        f"{r['snapshots_per_minute']} snapshots/min, {r['snapshot_seconds']['p50']} s each (p50); "
        f"CPU s {info['live']['cpu_seconds']}; load {info['live']['load_average_at_end']}",
        flush=True,
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(info, indent=2, default=str) + "\n")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
