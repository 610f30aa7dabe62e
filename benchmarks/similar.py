"""Benchmark: similar-statement search as a person types.

Builds a :class:`commonweal.analysis.similar.SimilarityIndex` over 10,000 synthetic statements
(health-and-care phrases recombined) and times ``query`` for prefixes of new texts, the way the
participation page calls it on each keystroke (after a short debounce). Writes
``benchmarks/results/similar.json``.

Run: ``python benchmarks/similar.py [--n 10000] [--queries 500]``
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np

from commonweal.analysis.similar import SimilarityIndex, group_duplicates

SUBJECTS = [
    "GP appointments",
    "community nursing",
    "care homes",
    "home care",
    "mental health services",
    "hospital discharge",
    "social prescribing",
    "the ambulance service",
    "dentists",
    "pharmacies",
    "public health",
    "carers",
    "young people's services",
    "falls prevention",
    "housing support",
    "the voluntary sector",
    "health visitors",
    "district nurses",
    "end of life care",
    "screening",
]
VERBS = [
    "should be easier to reach",
    "need more funding",
    "must work together",
    "should be closer to home",
    "need more staff",
    "should share information",
    "must listen to residents",
    "should open in the evening",
    "need better transport links",
    "should involve communities",
    "must reduce waiting times",
    "should be joined up with social care",
    "need a single point of contact",
    "should use local assets",
]
PLACES = [
    "",
    " in rural areas",
    " in the town centre",
    " for older people",
    " across the county",
    " in deprived neighbourhoods",
    " for people with learning disabilities",
    " at weekends",
]


def make_statements(n: int, rng: np.random.Generator) -> list[str]:
    s = rng.integers(0, len(SUBJECTS), n)
    v = rng.integers(0, len(VERBS), n)
    p = rng.integers(0, len(PLACES), n)
    extra = rng.integers(0, 1000, n)
    return [
        f"{SUBJECTS[a].capitalize()} {VERBS[b]}{PLACES[c]} (idea {e})"
        for a, b, c, e in zip(s, v, p, extra, strict=True)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "similar.json")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    statements = make_statements(args.n, rng)

    t0 = time.perf_counter()
    index = SimilarityIndex(statements)
    build_s = time.perf_counter() - t0

    # Texts being typed: prefixes (15 characters up to the whole) of new statements.
    new = make_statements(args.queries, np.random.default_rng(1))
    prefixes = [
        t[: max(15, int(len(t) * f))] for t, f in zip(new, rng.uniform(0.3, 1.0, args.queries), strict=True)
    ]
    for q in prefixes[:20]:
        index.query(q)  # warm-up
    times = []
    for q in prefixes:
        t = time.perf_counter()
        index.query(q, top_k=5, threshold=0.3)
        times.append(time.perf_counter() - t)
    ms = np.array(times) * 1000

    pending = statements[:1000]
    t = time.perf_counter()
    groups = group_duplicates(pending, threshold=0.8)
    dup_s = time.perf_counter() - t

    result = {
        "n_statements": args.n,
        "n_queries": args.queries,
        "build_seconds": round(build_s, 4),
        "query_ms": {
            "median": round(float(np.median(ms)), 3),
            "p95": round(float(np.percentile(ms, 95)), 3),
            "max": round(float(ms.max()), 3),
        },
        "goal_ms": 10,
        "group_duplicates_1000_pending_seconds": round(dup_s, 4),
        "duplicate_groups_found": len(groups),
        "python": platform.python_version(),
        "machine": platform.machine(),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
