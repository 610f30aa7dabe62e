"""The representation page for a conversation of 50,000 participants: the aim is a server time p95 under 500 ms
(issue 13).

    .venv/bin/python benchmarks/communities_representation.py      # writes benchmarks/results/communities_representation.json
    .venv/bin/python benchmarks/communities_representation.py --participants 20000 --requests 30

A fresh SQLite database in a temporary data folder (migrated); one system of four places with Census baselines
(age bands and ethnic groups, imported through the importer) and workforce counts; one conversation asking place,
sector, age band and ethnic group, of ``--participants`` seeded participants (about one in ten skipping each
question, the young and the Asian and Black groups under-represented) and ``--statements`` statements, each
participant voting on 3 to 12 of them (about 375,000 votes at the defaults). Timed, wall clock, every request
recorded:

- ``page``: ``GET /manage/conversations/<slug>/representation/`` through Django's test client, signed in as a
  facilitator, ``--requests`` times after one warm-up: p50, p95 and max (the aim is on p95). The page is kept in
  the cache for a minute (``build.CACHE_SECONDS``), so these are the views within that minute;
- ``page_cold``: the same with the cache emptied before each request (the first view after the minute, or after
  a statement is moderated or a baseline imported): what building the page costs;
- ``csv``: the CSV export, the same way;
- ``build_s`` per part of one page: the strata read, the votes read, the conversation's own publication, the
  whole :func:`commonweal.communities.representation.build.representation`;
- ``queries_page``: the SQL statements one page makes (a fixed number, whatever the size).
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
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ["COMMONWEAL_DATA_DIR"] = tempfile.mkdtemp(prefix="representation-bench-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "commonweal.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from commonweal.communities.representation import build as representation_build  # noqa: E402
from commonweal.communities.representation import queries  # noqa: E402
from commonweal.communities.representation.actions import (  # noqa: E402
    check_import_census,
    check_import_workforce,
    do_import_baseline,
)
from commonweal.communities.representation.seeds import WORKFORCE, census_csv  # noqa: E402
from commonweal.conversations.disclosure import conversation_publication  # noqa: E402
from commonweal.conversations.models import (  # noqa: E402
    Conversation,
    Participant,
    Participation,
    Statement,
    Vote,
    VoteEvent,
)
from commonweal.systems.models import Place, Sector, System, SystemRole  # noqa: E402

PLACES = [("Riverside City", 312_000), ("Northvale", 268_000), ("Eastmarsh", 224_000), ("Westbrook", 186_000)]
AGES = ["16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75-84", "85+", "prefer-not", ""]
AGE_WEIGHTS = [5, 12, 18, 22, 20, 11, 5, 2, 3, 7]
ETHNIC = ["white", "asian", "black", "mixed", "other", "prefer-not", ""]
ETHNIC_WEIGHTS = [80, 6, 2, 2, 1, 3, 6]


def build(n: int, statements: int, seed: int) -> tuple[System, Conversation]:
    rng = random.Random(seed)
    system = System.objects.create(
        name="Bench", slug="bench", controller_name="Bench", controller_contact="b@x"
    )
    places = [Place.objects.create(system=system, name=name) for name, _ in PLACES]
    for table in ("TS007A", "TS021"):
        do_import_baseline(None, check_import_census(None, system, census_csv(PLACES, table).encode()))
    do_import_baseline(None, check_import_workforce(None, system, WORKFORCE.encode()))
    conversation = Conversation.objects.create(
        system=system,
        title="Bench",
        question="Bench?",
        status=Conversation.Status.OPEN,
        ask_age_band=True,
        ask_ethnic_group=True,
    )
    made = [
        Statement.objects.create(
            conversation=conversation, text=f"Statement {i}", state=Statement.State.ACCEPTED
        )
        for i in range(statements)
    ]
    sectors = list(Sector.values)
    now = timezone.now()
    with transaction.atomic():
        people = Participant.objects.bulk_create(
            [
                Participant(
                    system=system,
                    place=rng.choice(places) if rng.random() < 0.9 else None,
                    sector=sectors[min(int(rng.expovariate(0.3)), len(sectors) - 1)]
                    if rng.random() < 0.9
                    else "",
                    age_band=rng.choices(AGES, AGE_WEIGHTS)[0],
                    ethnic_group=rng.choices(ETHNIC, ETHNIC_WEIGHTS)[0],
                    consented_at=now,
                )
                for _ in range(n)
            ],
            batch_size=2000,
        )
        Participation.objects.bulk_create(
            [Participation(participant=p, conversation=conversation) for p in people], batch_size=2000
        )
        _votes(rng, conversation, people, made, now)
    return system, conversation


def _votes(
    rng: random.Random, conversation: Conversation, people: list[Any], made: list[Any], now: Any
) -> None:
    events: list[VoteEvent] = []
    for person in people:
        young = person.age_band == "16-24"
        for statement in rng.sample(made, rng.randint(3, min(12, len(made)))):
            lean = 0.7 if young else 0.45
            value = 1 if rng.random() < lean else rng.choice((-1, 0))
            events.append(
                VoteEvent(
                    conversation=conversation, participant=person, statement=statement, value=value, at=now
                )
            )
    VoteEvent.objects.bulk_create(events, batch_size=5000)
    Vote.objects.bulk_create(
        [
            Vote(
                conversation=conversation,
                participant_id=e.participant_id,
                statement_id=e.statement_id,
                value=e.value,
                updated_at=now,
                event=e,
            )
            for e in events
        ],
        batch_size=5000,
    )


def timed(fn: Callable[[], Any], requests: int) -> list[float]:
    fn()  # warm-up
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def summary(times: list[float]) -> dict[str, Any]:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {
        "p50_s": round(statistics.median(ordered), 4),
        "p95_s": round(p95, 4),
        "max_s": round(ordered[-1], 4),
        "all_s": [round(t, 4) for t in times],
    }


def parts(conversation: Conversation) -> dict[str, float]:
    out = {}
    for name, fn in (
        ("strata_of", lambda: queries.strata_of(conversation)),
        ("votes_by_stratum", lambda: queries.votes_by_stratum(conversation)),
        ("conversation_publication", lambda: conversation_publication(conversation)),
        ("representation", lambda: representation_build.representation(conversation)),
    ):
        start = time.perf_counter()
        fn()
        out[name] = round(time.perf_counter() - start, 4)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--participants", type=int, default=50_000)
    parser.add_argument("--statements", type=int, default=30)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", default=str(ROOT / "benchmarks/results/communities_representation.json"))
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    start = time.perf_counter()
    system, conversation = build(args.participants, args.statements, args.seed)
    build_s = time.perf_counter() - start
    user = get_user_model().objects.create_user("bench", password="not-a-real-password")  # noqa: S106
    SystemRole.objects.create(user=user, system=system)
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    page = f"/manage/conversations/{conversation.slug}/representation/"
    with CaptureQueriesContext(connection) as captured:
        assert client.get(page).status_code == 200
    out: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_1m": os.getloadavg()[0],
        },
        "database": connection.vendor,
        "participants": args.participants,
        "statements": args.statements,
        "votes": Vote.objects.filter(conversation=conversation).count(),
        "setup_s": round(build_s, 2),
        "aim_p95_s": 0.5,
        "queries_page": len(captured.captured_queries),
        "build_s": parts(conversation),
    }
    out["page"] = summary(timed(lambda: client.get(page), args.requests))

    def cold() -> None:
        cache.clear()
        client.get(page)

    out["page_cold"] = summary(timed(cold, 3))
    out["csv"] = summary(timed(lambda: client.get(page.rstrip("/") + ".csv"), max(5, args.requests // 4)))
    out["within_aim"] = out["page"]["p95_s"] < 0.5
    print(json.dumps({k: v for k, v in out.items() if k not in ("page", "csv")}, indent=2))
    print("page", {k: v for k, v in out["page"].items() if k != "all_s"})
    print("csv", {k: v for k, v in out["csv"].items() if k != "all_s"})
    print("page_cold", {k: v for k, v in out["page_cold"].items() if k != "all_s"})
    Path(args.out).write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
