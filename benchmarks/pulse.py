"""The pulse's results for 20,000 responses: the aim is under 1 s (issue 12).

    .venv/bin/python benchmarks/pulse.py                   # writes benchmarks/results/pulse.json
    .venv/bin/python benchmarks/pulse.py --responses 50000 --repeats 7

A fresh SQLite database in a temporary data folder (migrated), one system of 12 sectors' organisations (60) and 8
places, and two rounds of ``--responses`` seeded responses each (every sector and place, about one in ten with
no place, a rise in direction between rounds). Timed, wall clock, best of ``--repeats`` (all recorded):

- ``round_results_s``: :func:`commonweal.pulse.queries.round_results` (read the scores, publish every table of
  the round through the disclosure layer, medians by sector and place);
- ``change_between_s``: :func:`commonweal.pulse.queries.change_between` (both rounds read, Welch's intervals);
- ``results_page_s``: the facilitator's results page (both of the above and the template), through Django's
  test client, signed in;
- ``api_results_s``: ``GET /api/manage/systems/{slug}/pulse/rounds/{id}/results`` with an API token;
- ``queries_*``: the SQL statements each makes (a fixed number, whatever the size).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ["COMMONWEAL_DATA_DIR"] = tempfile.mkdtemp(prefix="pulse-bench-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "commonweal.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from commonweal.accounts.models import ApiToken  # noqa: E402
from commonweal.pulse import actions  # noqa: E402
from commonweal.pulse.models import ITEM_KEYS, PulseResponse, PulseRound  # noqa: E402
from commonweal.pulse.queries import change_between, round_results  # noqa: E402
from commonweal.systems.models import Organisation, Place, Sector, System, SystemRole  # noqa: E402


def build(n: int, seed: int) -> tuple[System, PulseRound, PulseRound]:
    rng = random.Random(seed)
    system = System.objects.create(name="Bench", slug="bench")
    places = [Place.objects.create(system=system, name=f"Place {i}") for i in range(8)]
    sectors = list(Sector.values)
    for i in range(60):
        Organisation.objects.create(system=system, name=f"Organisation {i}", sector=sectors[i % len(sectors)])
    rounds = []
    for k, centre in enumerate((2.9, 3.4)):
        r = actions.do_create_round(None, system, name=f"Round {k + 1}")
        actions.do_change_status(None, r, PulseRound.Status.OPEN)
        rows = []
        for _ in range(n):
            lean = {"direction": centre, "alignment": 3.0, "commitment": 3.2}
            answers = {
                key: max(1, min(5, round(lean[key.split("_")[0]] + rng.gauss(0, 0.8)))) for key in ITEM_KEYS
            }
            place = rng.choice(places) if rng.random() < 0.9 else None
            # Skewed sectors, so some are small in some places and suppression has work to do.
            sector = sectors[min(int(rng.expovariate(0.35)), len(sectors) - 1)]
            rows.append(PulseResponse(sector=sector, place=place, answers=answers))
        actions.do_load_responses(r, rows)
        rounds.append(r)
    return system, rounds[0], rounds[1]


def timed(fn: Callable[[], Any], repeats: int) -> tuple[float, list[float], int]:
    times = []
    with CaptureQueriesContext(connection) as queries:
        fn()
    n_queries = len(queries.captured_queries)
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), [round(t, 4) for t in times], n_queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--responses", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", default=str(ROOT / "benchmarks/results/pulse.json"))
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    start = time.perf_counter()
    system, first, second = build(args.responses, args.seed)
    build_s = time.perf_counter() - start
    user = get_user_model().objects.create_user("bench", password="not-a-real-password")  # noqa: S106
    SystemRole.objects.create(user=user, system=system)
    _token, raw = ApiToken.issue(user, "bench")
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    page = f"/manage/systems/{system.slug}/pulse/{second.pk}/results/"
    api = f"/api/manage/systems/{system.slug}/pulse/rounds/{second.pk}/results"

    def get_page() -> None:
        assert client.get(page).status_code == 200

    def get_api() -> None:
        assert client.get(api, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200

    out: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_1m": os.getloadavg()[0],
        },
        "database": connection.vendor,
        "responses_per_round": args.responses,
        "build_s": round(build_s, 2),
        "aim_s": 1.0,
    }
    for name, fn in (
        ("round_results", lambda: round_results(second)),
        ("change_between", lambda: change_between(first, second)),
        ("results_page", get_page),
        ("api_results", get_api),
    ):
        best, all_times, n_queries = timed(fn, args.repeats)
        out[f"{name}_s"] = round(best, 4)
        out[f"{name}_all_s"] = all_times
        out[f"queries_{name}"] = n_queries
        print(f"{name}: best {best:.3f} s of {all_times}, {n_queries} queries", flush=True)
    out["change_summary"] = change_between(first, second).summary
    out["within_aim"] = all(
        out[f"{k}_s"] < 1.0 for k in ("round_results", "change_between", "results_page", "api_results")
    )
    Path(args.out).write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
