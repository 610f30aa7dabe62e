"""The community asset register and its map with 20,000 assets, and the representation page of a conversation with
50,000 participants: the aim is a server time under 500 ms at the 95th percentile for each page (issue 13).

    .venv/bin/python benchmarks/communities.py                  # writes benchmarks/results/communities.json
    .venv/bin/python benchmarks/communities.py --assets 50000 --requests 30
    .venv/bin/python benchmarks/communities.py --participants 0 # the register and the map only

A fresh SQLite database in a temporary data folder (migrated), one system of 4 places and 10 communities, and
``--assets`` seeded assets loaded through the register's bulk action (``do_create_assets``): every category,
one to two places each, a community for one in three, two or three tags of 40, and coordinates for four in five.
Each page is requested ``--requests`` times through Django's test client, signed in as a facilitator, after one
warm-up request; the server time of each request (wall clock) is recorded and its minimum, 50th and 95th
percentiles and maximum reported, and beside them the 50th and 95th percentiles of the CPU time each request took
(``cpu_*``: the test client, the view and SQLite all run in this process), which the machine's other work does not
stretch. ``within_aim`` is on the wall clock's p95; ``within_aim_cpu`` on the CPU time's.

- ``register``: the register's first page (100 rows of 20,000, by name);
- ``register_filtered``: the register filtered by a place and a tag;
- ``register_last_page``: the register's last page (by its number: 200 at 20,000 assets);
- ``map_page``: the map page (its filters, the count without a location, the first 100 rows of its table);
- ``map_image``: the map drawn as SVG on the server (every point with coordinates);
- ``map_data``: the map's JSON for Leaflet (every point with coordinates);
- ``api_list``: ``GET /api/manage/systems/{slug}/assets`` (100 assets) with an API token.

``queries`` is the number of SQL statements each makes (the warm-up request's).

Then, in the same database, the representation page (``representation``): its world is built and timed by
``benchmarks/communities_representation.py`` (this reuses its ``build``, ``timed`` and ``summary``): a
conversation of ``--participants`` participants with Census baselines, ``page`` the page as viewed within its
cache's minute, ``page_cold`` with the cache emptied before each request (what building it costs).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ["COMMONWEAL_DATA_DIR"] = tempfile.mkdtemp(prefix="communities-bench-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "commonweal.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

import communities_representation as representation_bench  # noqa: E402  (the same folder)
from commonweal.accounts.models import ApiToken  # noqa: E402
from commonweal.communities.assets.actions import AssetInput, check_asset, do_create_assets  # noqa: E402
from commonweal.communities.models import Category, Holder, Source  # noqa: E402
from commonweal.systems.models import Community, Place, System, SystemRole  # noqa: E402

AIM_S = 0.5
CENTRES = [(53.48, -1.47), (53.56, -1.42), (53.47, -1.30), (53.50, -1.60)]
WORDS = [
    "community",
    "garden",
    "club",
    "group",
    "centre",
    "hall",
    "library",
    "choir",
    "market",
    "walk",
    "café",
    "food",
    "help",
    "youth",
    "art",
]


def build(n: int, seed: int) -> tuple[System, Place, str]:
    rng = random.Random(seed)
    system = System.objects.create(name="Bench assets", slug="assets")
    places = [Place.objects.create(system=system, name=f"Place {i}") for i in range(4)]
    communities = [
        Community.objects.create(system=system, name=f"Community {i}", kind=Community.Kind.INTEREST)
        for i in range(10)
    ]
    tags = [f"tag {i}" for i in range(40)]
    checked = []
    for i in range(n):
        home = rng.randrange(4)
        lat, lon = CENTRES[home]
        located = rng.random() < 0.8
        data = AssetInput(
            name=f"{rng.choice(WORDS).title()} {rng.choice(WORDS)} {i}",
            category=rng.choice(Category.values),
            description="A made-up asset for the benchmark.",
            places=[places[home]] + ([places[(home + 1) % 4]] if rng.random() < 0.3 else []),
            communities=[rng.choice(communities)] if rng.random() < 0.33 else [],
            holder=Holder.RESIDENT,
            postcode="LS1 4AP" if rng.random() < 0.5 else "",
            latitude=round(lat + rng.uniform(-0.05, 0.05), 5) if located else None,
            longitude=round(lon + rng.uniform(-0.08, 0.08), 5) if located else None,
            tags=rng.sample(tags, rng.choice((2, 3))),
        )
        checked.append(check_asset(system, data))
    do_create_assets(None, system, checked, source=Source.IMPORT, action="asset.import", note={"bench": True})
    return system, places[1], tags[3]


def measure(client: Client, url: str, requests: int, headers: dict[str, Any]) -> dict[str, Any]:
    statements: list[str] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        statements.append(sql)
        return execute(sql, params, many, context)

    # Counted by a wrapper: Django forgets its own query log at the start of every request.
    with connection.execute_wrapper(count):
        response = client.get(url, **headers)  # the warm-up request, counted for its queries
    assert response.status_code == 200, (url, response.status_code)
    times, cpu = [], []
    for _ in range(requests):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(url, **headers)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        assert response.status_code == 200
    return {
        **percentiles(times),
        # The CPU time the request took (the server, SQLite and the client all run in this process): what it costs
        # without waiting for a core, which the shared machine's load adds to the wall clock above.
        "cpu_p50_s": percentiles(cpu)["p50_s"],
        "cpu_p95_s": percentiles(cpu)["p95_s"],
        "queries": len(statements),
        "bytes": len(response.content),
    }


def percentiles(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "min_s": round(ordered[0], 4),
        "p50_s": round(statistics.median(ordered), 4),
        "p95_s": round(p95, 4),
        "max_s": round(ordered[-1], 4),
    }


def representation(client: Client, user: Any, participants: int, requests: int, seed: int) -> dict[str, Any]:
    """The representation page at ``participants``, timed as benchmarks/communities_representation.py times it."""
    start = time.perf_counter()
    system, conversation = representation_bench.build(participants, 30, seed)
    setup_s = time.perf_counter() - start
    SystemRole.objects.create(user=user, system=system)
    page = f"/manage/conversations/{conversation.slug}/representation/"
    out = {"url": page, "participants": participants, "setup_s": round(setup_s, 2)}
    cache.clear()
    out |= measure(client, page, requests, {})  # p50, p95, max and queries, within the cache's minute

    def cold() -> None:
        cache.clear()
        assert client.get(page).status_code == 200

    cold_times = representation_bench.summary(representation_bench.timed(cold, 3))
    out["page_cold"] = {k: v for k, v in cold_times.items() if k != "all_s"}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--assets", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--participants", type=int, default=50_000, help="0: no representation page")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", default=str(ROOT / "benchmarks/results/communities.json"))
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    start = time.perf_counter()
    system, place, tag = build(args.assets, args.seed)
    build_s = time.perf_counter() - start
    user = get_user_model().objects.create_user("bench", password="not-a-real-password")  # noqa: S106
    SystemRole.objects.create(user=user, system=system)
    _token, raw = ApiToken.issue(user, "bench")
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    base = f"/manage/systems/{system.slug}/assets/"
    last_page = math.ceil(system.assets.filter(status="accepted").count() / 100)  # 100 rows a page
    pages = {
        "register": (base, {}),
        "register_filtered": (f"{base}?place={place.pk}&tag={tag.replace(' ', '+')}", {}),
        "register_last_page": (f"{base}?page={last_page}", {}),
        "map_page": (f"{base}map/", {}),
        "map_image": (f"{base}map.svg", {}),
        "map_data": (f"{base}map.json", {}),
        "api_list": (f"/api/manage/systems/{system.slug}/assets", {"HTTP_AUTHORIZATION": f"Bearer {raw}"}),
    }
    out: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python benchmarks/communities.py " + " ".join(sys.argv[1:]),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_1m": os.getloadavg()[0],
        },
        "database": connection.vendor,
        "assets": args.assets,
        "with_coordinates": system.assets.filter(latitude__isnull=False).count(),
        "build_s": round(build_s, 2),
        "aim_p95_s": AIM_S,
        "pages": {},
    }
    for name, (url, headers) in pages.items():
        figures = measure(client, url, args.requests, headers)
        out["pages"][name] = {"url": url, **figures}
        print(
            f"{name}: p50 {figures['p50_s']:.3f} s, p95 {figures['p95_s']:.3f} s "
            f"(CPU p95 {figures['cpu_p95_s']:.3f} s), {figures['queries']} queries",
            flush=True,
        )
    if args.participants:
        figures = representation(client, user, args.participants, args.requests, args.seed)
        out["pages"]["representation"] = figures
        print(
            f"representation: p50 {figures['p50_s']:.3f} s, p95 {figures['p95_s']:.3f} s "
            f"(cold: p50 {figures['page_cold']['p50_s']:.3f} s), {figures['queries']} queries",
            flush=True,
        )
    out["machine"]["load_1m_after"] = os.getloadavg()[0]
    out["within_aim"] = all(page["p95_s"] < AIM_S for page in out["pages"].values())
    out["within_aim_cpu"] = all(page["cpu_p95_s"] < AIM_S for page in out["pages"].values())
    Path(args.out).write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
