"""The strategy page and the public accountability page for a system with 200 aims, 5,000 commitments and 50,000
progress updates: the aim is a server time p95 under 300 ms and a fixed number of queries whatever the size
(issue 12). The pulse's 20,000 responses are benchmarks/pulse.py's.

    .venv/bin/python benchmarks/strategy.py               # writes benchmarks/results/strategy.json
    .venv/bin/python benchmarks/strategy.py --aims 200 --commitments 5000 --updates 50000 --requests 20

A fresh SQLite database in a temporary data folder (migrated); one system of 100 organisations, 8 places and 10
communities; ``--aims`` aims (half agreed, the rest draft, proposed and retired), each with two frozen statements
of evidence and a measure; ``--commitments`` commitments spread over them (one in five joint, each with two
resources); ``--updates`` progress updates spread over the commitments over a year (the commitment's latest
status and date kept as the progress action keeps them). Rows are bulk-inserted: the actions' audit entries are
not the subject here. Timed, wall clock, through Django's test client (the whole request: queries, template):

- ``strategy_page``: a facilitator's strategy page, ``--requests`` times, p50 and p95 in ms;
- ``accountability_page``: the public accountability page (published), the same;
- ``queries_*``: the SQL statements each request makes, for the full system and for one a tenth of its size
  (the same number means a fixed number of queries whatever the size).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ["COMMONWEAL_DATA_DIR"] = tempfile.mkdtemp(prefix="strategy-bench-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "commonweal.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from commonweal.strategy.models import (  # noqa: E402
    Aim,
    Commitment,
    Evidence,
    Measure,
    ProgressUpdate,
    Resource,
    StrategySettings,
)
from commonweal.systems.models import Community, Organisation, Place, Sector, System  # noqa: E402

STATUSES = ["agreed", "agreed", "draft", "proposed", "retired"]
PROGRESS = ["not_started", "on_track", "on_track", "at_risk", "off_track", "done", "withdrawn"]
FIGURES = {
    "overall": {"voters": "240", "agree": 0.82, "disagree": 0.08, "words": "82% agree, 8% disagree"},
    "groups": [{"name": f"Group {g}", "voters": "80", "agree": 0.8, "disagree": 0.1} for g in "ABC"],
    "sectors": [{"name": "Acute trust", "voters": "fewer than 5", "agree": None, "disagree": None}],
}


def build(slug: str, n_aims: int, n_commitments: int, n_updates: int, seed: int) -> System:
    rng = random.Random(seed)
    system = System.objects.create(name=f"Bench {slug}", slug=slug)
    StrategySettings.objects.create(system=system, public_accountability=True)
    places = [Place.objects.create(system=system, name=f"Place {i}") for i in range(8)]
    communities = [
        Community.objects.create(system=system, name=f"Community {i}", kind="interest") for i in range(10)
    ]
    sectors = list(Sector.values)
    orgs = Organisation.objects.bulk_create(
        Organisation(system=system, name=f"Organisation {i}", sector=sectors[i % len(sectors)])
        for i in range(100)
    )
    orgs = list(Organisation.objects.filter(system=system))
    start = date(2025, 12, 1)
    aims = Aim.objects.bulk_create(
        Aim(
            system=system,
            title=f"Aim {i}",
            meaning=f"What aim {i} means, in a sentence or two of plain words.",
            status=STATUSES[i % len(STATUSES)],
            agreed_on=start if STATUSES[i % len(STATUSES)] in ("agreed", "retired") else None,
            agreed_by="The board",
            retired_reason="Merged" if STATUSES[i % len(STATUSES)] == "retired" else "",
        )
        for i in range(n_aims)
    )
    aims = list(Aim.objects.filter(system=system))
    for aim in aims:
        aim.places.add(rng.choice(places))
        aim.communities.add(rng.choice(communities))
    Evidence.objects.bulk_create(
        Evidence(aim=a, conversation_title="Our strategy", text=f"Statement {k} of {a.pk}", common_ground=True,
                 snapshot_tick=3, figures=FIGURES, position=k)
        for a in aims for k in range(2)
    )  # fmt: skip
    Measure.objects.bulk_create(
        Measure(aim=a, name="A measure", baseline=Decimal(40), target=Decimal(20)) for a in aims
    )
    commitments = Commitment.objects.bulk_create(
        Commitment(aim=aims[i % len(aims)], organisation=rng.choice(orgs), what=f"Commitment {i}: what we will do.",
                   lead_role="Director", starts_on=start, ends_on=start + timedelta(days=730))
        for i in range(n_commitments)
    )  # fmt: skip
    commitments = list(Commitment.objects.filter(aim__system=system))
    through = Commitment.partners.through
    through.objects.bulk_create(
        through(commitment_id=c.pk, organisation_id=rng.choice(orgs).pk) for c in commitments[::5]
    )
    Resource.objects.bulk_create(
        r for c in commitments for r in (Resource(commitment=c, kind="money", amount=Decimal(50000)),
                                         Resource(commitment=c, kind="wte", amount=Decimal("1.5")))
    )  # fmt: skip
    updates = []
    latest: dict[int, tuple[date, str]] = {}
    for _ in range(n_updates):
        c = commitments[rng.randrange(len(commitments))]
        on, status = start + timedelta(days=rng.randrange(365)), rng.choice(PROGRESS)
        updates.append(ProgressUpdate(commitment=c, status=status, text="What happened.", on=on))
        if c.pk not in latest or latest[c.pk][0] <= on:
            latest[c.pk] = (on, status)
    ProgressUpdate.objects.bulk_create(updates, batch_size=5000)
    for c in commitments:
        if c.pk in latest:
            c.last_update_on, c.status = latest[c.pk]
    Commitment.objects.bulk_update(commitments, ["last_update_on", "status"], batch_size=2000)
    return system


def timed(client: Client, path: str, n: int) -> dict[str, Any]:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    times.sort()
    return {
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[max(0, int(round(0.95 * len(times))) - 1)], 1),
        "max_ms": round(times[-1], 1),
        "bytes": len(response.content),
    }


def queries(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        client.get(path)
    return len(captured)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--aims", type=int, default=200)
    parser.add_argument("--commitments", type=int, default=5000)
    parser.add_argument("--updates", type=int, default=50000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "strategy.json"))
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    big = build("big", args.aims, args.commitments, args.updates, args.seed)
    built_s = time.perf_counter() - t0
    small = build(
        "small", max(1, args.aims // 10), max(1, args.commitments // 10), args.updates // 10, args.seed
    )
    admin = get_user_model().objects.create_superuser("bench", "bench@example.org", "bench-password-long")
    facilitator = Client(HTTP_HOST="localhost")
    facilitator.force_login(admin)
    public = Client(HTTP_HOST="localhost")
    pages = {
        "strategy_page": (facilitator, "/manage/systems/{}/strategy/"),
        "accountability_page": (public, "/s/{}/accountability/"),
        "participation_page": (facilitator, "/manage/systems/{}/strategy/participation/"),
        "year_later_page": (facilitator, "/manage/systems/{}/strategy/a-year-later/"),
    }
    results: dict[str, Any] = {}
    for name, (client, path) in pages.items():
        client.get(path.format(big.slug))  # warm
        results[name] = timed(client, path.format(big.slug), args.requests)
        results[f"queries_{name}"] = queries(client, path.format(big.slug))
        results[f"queries_{name}_tenth_size"] = queries(client, path.format(small.slug))
    out = {
        "benchmark": "strategy",
        "aims": args.aims,
        "commitments": args.commitments,
        "updates": args.updates,
        "requests": args.requests,
        "build_s": round(built_s, 1),
        "database": connection.vendor,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        # The machine's load while measuring: on a shared machine the times include waiting for a core.
        "load_average_1m": round(os.getloadavg()[0], 1),
        **results,
        "goal": "p95 under 300 ms; the same number of queries at a tenth of the size",
    }
    Path(args.out).write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
