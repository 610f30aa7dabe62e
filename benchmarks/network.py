"""Network measures at the scale of a large system: 2,000 organisations and 50,000 ratings.

    .venv/bin/python benchmarks/network.py                # writes benchmarks/results/network.json
    .venv/bin/python benchmarks/network.py --repeats 5

Simulated, seeded rounds: 12 sectors and 8 places planted (an organisation rates mostly partners of its own
place, and more often those of its own sector), 90% of organisations answer, each answering organisation rates
about 28 partners with intensity 0 to 4 (a fifth are 0: known, no relationship), trust and value on most. A second
round changes a tenth of the ratings, so ``compare`` has work to do. Times are wall clock, best of the repeats
(all recorded); with ``--networkx``, networkx's exact betweenness timed from 100 sources and scaled to all
(``networkx_betweenness_s_scaled``), for comparison; ``peak_traced_mb`` is tracemalloc's peak during one ``summarise`` (numpy's arrays included) and
``peak_rss_mb`` the whole process's. Everything is exact: betweenness over every source, no sampling.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from commonweal.analysis.network.measures import compare, summarise  # noqa: E402
from commonweal.analysis.network.types import Node, RoundNetwork, Tie  # noqa: E402

SECTORS = [
    "acute", "community", "mental_health", "ambulance", "primary_care", "social_care_provider",
    "local_authority", "vcse", "healthwatch", "icb", "community_resident", "other",
]  # fmt: skip


def simulate(n_orgs: int, n_ratings: int, seed: int) -> tuple[RoundNetwork, RoundNetwork]:
    """Two rounds of a planted system with exactly ``n_ratings`` distinct directed ratings in the first."""
    rng = np.random.default_rng(seed)
    sector = rng.integers(0, len(SECTORS), n_orgs)
    place = rng.integers(0, 8, n_orgs)
    nodes = tuple(
        Node(
            id=i + 1,
            name=f"Organisation {i + 1}",
            sector=SECTORS[sector[i]],
            place_ids=frozenset({int(place[i])}),
        )
        for i in range(n_orgs)
    )
    raters = np.flatnonzero(rng.random(n_orgs) < 0.9)
    by_place = [np.flatnonzero(place == p) for p in range(8)]
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < n_ratings:
        r = int(rng.choice(raters))
        if rng.random() < 0.75:
            same = by_place[place[r]]
            # Within the place, the rater's own sector is three times as likely.
            weights = np.where(sector[same] == sector[r], 3.0, 1.0)
            p = int(rng.choice(same, p=weights / weights.sum()))
        else:
            p = int(rng.integers(0, n_orgs))
        if p != r:
            pairs.add((r, p))
    ordered = sorted(pairs)
    intensity = rng.choice(5, size=len(ordered), p=[0.2, 0.25, 0.25, 0.2, 0.1]).astype(float)
    trust = np.round(rng.uniform(1, 4, len(ordered)), 1)
    value = np.round(rng.uniform(1, 4, len(ordered)), 1)
    answered = rng.random(len(ordered)) < 0.85
    respondents = rng.integers(1, 4, len(ordered))

    def ties(intensities: np.ndarray) -> tuple[Tie, ...]:
        return tuple(
            Tie(
                rater=r + 1,
                partner=p + 1,
                intensity=float(intensities[k]),
                trust=float(trust[k]) if answered[k] else None,
                value=float(value[k]) if answered[k] else None,
                respondents=int(respondents[k]),
            )
            for k, (r, p) in enumerate(ordered)
        )

    responded = frozenset(int(r) + 1 for r, _ in ordered)
    first = RoundNetwork(
        round_id=1, round_name="2025", nodes=nodes, ties=ties(intensity), responded=responded
    )
    moved = intensity.copy()
    change = rng.random(len(moved)) < 0.1
    moved[change] = np.clip(moved[change] + rng.choice([-2, -1, 1, 2], change.sum()), 0, 4)
    second = RoundNetwork(round_id=2, round_name="2026", nodes=nodes, ties=ties(moved), responded=responded)
    return first, second


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--organisations", type=int, default=2000)
    parser.add_argument("--ratings", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--networkx",
        action="store_true",
        help="also time networkx's exact betweenness from 100 sources and scale it to all (for comparison)",
    )
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "network.json"))
    args = parser.parse_args()

    t0 = time.perf_counter()
    first, second = simulate(args.organisations, args.ratings, args.seed)
    simulate_s = time.perf_counter() - t0

    summarise_s, compare_s = [], []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        measures = summarise(first)
        summarise_s.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        change = compare(first, second)
        compare_s.append(time.perf_counter() - t0)

    tracemalloc.start()
    summarise(first)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    networkx_s = None
    if args.networkx:
        import networkx as nx

        graph = nx.Graph()
        graph.add_nodes_from(n.id for n in first.nodes)
        graph.add_edges_from((t.rater, t.partner) for t in first.ties if t.intensity >= 1)
        t0 = time.perf_counter()
        nx.betweenness_centrality(graph, k=100, seed=0)
        networkx_s = round((time.perf_counter() - t0) * len(first.nodes) / 100, 1)

    result = {
        "organisations": args.organisations,
        "ratings": len(first.ties),
        "ties": measures.n_ties,
        "responded": measures.n_responded,
        "seed": args.seed,
        "simulate_s": round(simulate_s, 3),
        "summarise_s": round(min(summarise_s), 3),
        "compare_s": round(min(compare_s), 3),
        "total_s": round(min(summarise_s) + min(compare_s), 3),
        "summarise_s_all": [round(t, 3) for t in summarise_s],
        "compare_s_all": [round(t, 3) for t in compare_s],
        "peak_traced_mb": round(peak / 2**20, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "exact": True,
        "networkx_betweenness_s_scaled": networkx_s,
        "measures": {
            "density": round(measures.density or 0, 4),
            "reciprocity": round(measures.reciprocity or 0, 4),
            "mean_intensity": round(measures.mean_intensity or 0, 4),
            "ei_index": round(measures.ei_index or 0, 4),
            "centralisation": round(measures.centralisation or 0, 4),
            "brokers": len(measures.brokers),
            "communities": [len(c) for c in measures.communities],
            "asymmetric": len(measures.asymmetric),
        },
        "change": {k: len(getattr(change, k)) for k in ("new", "strengthened", "weakened", "lost")},
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_1min": round(os.getloadavg()[0], 2),
        },
    }
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
