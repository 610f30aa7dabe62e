"""Planted opinion groups: does the engine find the groups that are there, and is its common ground true?

A suite of simulated conversations (``commonweal.analysis.simulate``) with 2 to 8 planted opinion groups, equal
and unequal sizes (the smallest down to 5 % of participants), 8 to 40 votes per participant, 30 to 300 statements,
pass rates of 8 to 25 % and weaker or stronger opinions, uniform or Pol.is-like routing, some with declared
sectors and statements one sector rejects; each case with several seeds. For each case and each engine variant:

- ``ari``: adjusted Rand index of the groups found against the planted groups, over the participants the engine
  clustered (``clustered`` is their share of those who voted);
- ``k``: the number of groups found;
- ``cg_precision`` / ``cg_recall``: common ground found against the planted common ground (a statement every
  planted group agrees with, and no sector rejects); precision is 1 when nothing is found;
- ``map_overlap``: whether the result says its groups overlap on the two-dimensional map (commonweal mode).

Usage::

    .venv/bin/python benchmarks/groups.py                       # every variant, writes results/groups.json
    .venv/bin/python benchmarks/groups.py --variants polis --label before
    .venv/bin/python benchmarks/groups.py --quick               # one seed

Results are merged into ``benchmarks/results/groups.json`` under ``--label`` (default ``after``), so the figures
of an earlier engine (``before``) stay next to the current ones.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import adjusted_rand_score

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from commonweal.analysis import AnalysisOptions, VoteMatrix, analyse  # noqa: E402
from commonweal.analysis.simulate import SimulatedConversation, simulate_conversation  # noqa: E402

RESULTS = HERE / "results" / "groups.json"
SEEDS = (11, 12, 13)


@dataclass(frozen=True)
class Case:
    """One planted conversation shape."""

    name: str
    n_groups: int
    votes: float
    statements: int
    participants: int = 1000
    sizes: tuple[float, ...] | None = None
    pass_rate: float = 0.12
    strength: float = 0.8
    divisive: float = 0.3
    routing: str = "random"
    sectors: int = 0
    sector_rejected: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def _unequal(k: int) -> tuple[float, ...]:
    """Sizes from large to a smallest group of 5 % of participants."""
    if k == 2:
        return (0.95, 0.05)
    rest = np.linspace(2.0, 1.0, k - 1)
    rest = rest / rest.sum() * 0.95
    return (*[float(round(x, 4)) for x in rest], 0.05)


CASES: tuple[Case, ...] = (
    Case("k2 equal 20v 60s", 2, 20, 60),
    Case("k2 unequal(5%) 20v 60s", 2, 20, 60, sizes=_unequal(2)),
    Case("k3 equal 8v 300s", 3, 8, 300),
    Case("k3 equal 12v 300s", 3, 12, 300),
    Case("k3 equal 15v 100s", 3, 15, 100),
    Case("k3 unequal(5%) 25v 100s", 3, 25, 100, sizes=_unequal(3)),
    Case("k3 equal 40v 30s", 3, 40, 30),
    Case("k4 equal 15v 100s", 4, 15, 100),
    Case("k4 equal 25v 60s", 4, 25, 60),
    Case("k4 unequal(5%) 25v 100s", 4, 25, 100, sizes=_unequal(4)),
    Case("k4 equal 25v 100s sectors", 4, 25, 100, sectors=3, sector_rejected=5),
    Case("k5 equal 15v 100s", 5, 15, 100),
    Case("k5 equal 25v 100s", 5, 25, 100),
    Case("k5 unequal(5%) 40v 100s", 5, 40, 100, sizes=_unequal(5)),
    Case("k5 equal 20v 100s noisy", 5, 20, 100, pass_rate=0.25, strength=0.65),
    Case("k5 equal 25v 100s priority", 5, 25, 100, routing="priority"),
    Case("k6 equal 20v 100s", 6, 20, 100),
    Case("k6 unequal(5%) 30v 100s", 6, 30, 100, sizes=_unequal(6), participants=1500),
    Case("k6 equal 40v 300s", 6, 40, 300),
    Case("k6 equal 15v 30s", 6, 15, 30),
    Case("k8 equal 25v 100s", 8, 25, 100, participants=1500),
    Case("k8 equal 40v 200s", 8, 40, 200, participants=1500),
    Case("k8 equal 10v 100s", 8, 10, 100, participants=1500),
    # Distinct opinions (strong, few passes, many divisive statements): the planted groups can be told apart.
    Case("distinct k3 15v 100s", 3, 15, 100, strength=0.9, pass_rate=0.06, divisive=0.4),
    Case("distinct k4 20v 100s", 4, 20, 100, strength=0.9, pass_rate=0.06, divisive=0.4),
    Case("distinct k5 25v 100s", 5, 25, 100, strength=0.9, pass_rate=0.06, divisive=0.4),
    Case(
        "distinct k5 unequal(5%) 30v 100s",
        5,
        30,
        100,
        sizes=_unequal(5),
        strength=0.9,
        pass_rate=0.06,
        divisive=0.4,
    ),
    Case("distinct k6 40v 300s", 6, 40, 300, strength=0.9, pass_rate=0.06, divisive=0.4),
    Case("distinct k8 40v 200s", 8, 40, 200, participants=1500, strength=0.9, pass_rate=0.06, divisive=0.4),
)

VARIANTS: dict[str, AnalysisOptions] = {
    "polis": AnalysisOptions(stability_resamples=0, threads=1),
}


def _variants() -> dict[str, AnalysisOptions]:
    """The engine variants the installed engine offers (``grouping`` and its methods, when it has them)."""
    out = dict(VARIANTS)
    fields = AnalysisOptions.__dataclass_fields__
    if "grouping" in fields:
        out["commonweal"] = AnalysisOptions(grouping="commonweal", stability_resamples=0, threads=1)  # type: ignore[call-arg]
        if "group_method" in fields:
            for method in ("latent-class", "kmeans-silhouette", "gmm-bic", "kmeans-bic"):
                out[f"commonweal:{method}"] = AnalysisOptions(
                    grouping="commonweal",  # type: ignore[call-arg]
                    group_method=method,  # type: ignore[call-arg]
                    stability_resamples=0,
                    threads=1,
                )
    return out


def simulate(case: Case, seed: int) -> SimulatedConversation:
    return simulate_conversation(
        case.participants,
        case.statements,
        n_groups=case.n_groups,
        group_sizes=case.sizes,
        votes_per_participant=case.votes,
        n_sectors=case.sectors,
        n_sector_rejected=case.sector_rejected,
        n_divisive=case.divisive,
        strength=case.strength,
        pass_rate=case.pass_rate,
        routing=case.routing,  # type: ignore[arg-type]
        random_state=seed,
    )


def matrix_of(sim: SimulatedConversation) -> VoteMatrix:
    labels = {"sector": list(sim.sector_labels())} if sim.sector_names else None
    return VoteMatrix.from_events(
        sim.participant,
        sim.statement,
        sim.vote,
        sim.time,
        participant_ids=np.arange(sim.n_participants),
        statement_ids=np.arange(sim.n_statements),
        participant_labels=labels,
    )


def oracle_ari(sim: SimulatedConversation) -> float:
    """The best a method can do: each participant in the planted group under whose probabilities their votes are
    likeliest (the planted probabilities known). Below 1 when the votes cannot tell the groups apart."""
    agree, disagree = sim.agree_probability, sim.disagree_probability
    logs = [np.log(np.clip(x, 1e-9, 1.0)) for x in (agree, disagree, 1.0 - agree - disagree)]
    loglik = np.zeros((sim.n_participants, agree.shape[0]))
    for g in range(agree.shape[0]):
        by_vote = np.where(
            sim.vote == 1,
            logs[0][g, sim.statement],
            np.where(sim.vote == -1, logs[1][g, sim.statement], logs[2][g, sim.statement]),
        )
        loglik[:, g] = np.bincount(sim.participant, weights=by_vote, minlength=sim.n_participants)
    return float(adjusted_rand_score(sim.group, loglik.argmax(axis=1)))


def measure(sim: SimulatedConversation, options: AnalysisOptions) -> dict[str, Any]:
    """Run one analysis and compare it with the planted truth."""
    matrix = matrix_of(sim)
    started = time.perf_counter()
    result = analyse(matrix, options=options, random_state=0)
    seconds = time.perf_counter() - started
    pos = np.searchsorted(matrix.participant_ids, np.arange(sim.n_participants))
    labels = np.asarray(result.group_labels)[pos]
    voted = np.asarray(matrix.participant_vote_counts())[pos] > 0
    clustered = labels >= 0
    ari = float(adjusted_rand_score(sim.group[clustered], labels[clustered])) if clustered.sum() > 1 else 0.0
    truth = sim.is_common_ground
    cg = result.common_ground
    found = np.zeros(sim.n_statements, dtype=bool)
    if cg is not None:
        found[np.asarray(matrix.statement_ids)[cg.statements]] = True
    tp = int((found & truth).sum())
    return {
        "ari": round(ari, 4),
        "oracle_ari": round(oracle_ari(sim), 4),
        "k": int(result.k),
        "clustered": round(float(clustered.sum() / max(voted.sum(), 1)), 4),
        "cg_found": int(found.sum()),
        "cg_planted": int(truth.sum()),
        "cg_precision": round(tp / found.sum(), 4) if found.any() else 1.0,
        "cg_recall": round(tp / truth.sum(), 4) if truth.any() else 1.0,
        "map_overlap": bool(getattr(result, "map_overlap", False)),
        "seconds": round(seconds, 3),
    }


def _summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    def stat(key: str, fn: Any) -> float:
        return round(float(fn([r[key] for r in runs])), 4)

    return {
        "ari_min": stat("ari", np.min),
        "ari_mean": stat("ari", np.mean),
        "oracle_ari_min": stat("oracle_ari", np.min),
        "k": [r["k"] for r in runs],
        "cg_precision_min": stat("cg_precision", np.min),
        "cg_recall_mean": stat("cg_recall", np.mean),
        "map_overlap": [r["map_overlap"] for r in runs],
        "seconds_mean": stat("seconds", np.mean),
    }


def _goal(case: Case, summary: dict[str, Any]) -> dict[str, bool]:
    """The issue's aims: ARI >= 0.9 with up to 6 groups and 15+ votes each; precision >= 0.95 everywhere.

    No method can beat the oracle (the planted probabilities known), so where the oracle itself is below 0.95 the
    ARI aim is read as "at least 0.9 of the oracle's" (``ari_0.9_of_oracle``) and the absolute aim is not counted.
    """
    goals = {"cg_precision_0.95": summary["cg_precision_min"] >= 0.95}
    if case.n_groups <= 6 and case.votes >= 15:
        if summary["oracle_ari_min"] >= 0.95:
            goals["ari_0.9"] = summary["ari_min"] >= 0.9
        else:
            goals["ari_0.9_of_oracle"] = summary["ari_min"] >= 0.9 * summary["oracle_ari_min"]
    return goals


def run(variants: dict[str, AnalysisOptions], seeds: tuple[int, ...], only: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, options in variants.items():
        cases: dict[str, Any] = {}
        for case in CASES:
            if only and only not in case.name:
                continue
            runs = []
            for seed in seeds:
                runs.append({"seed": seed, **measure(simulate(case, seed), options)})
            summary = _summary(runs)
            cases[case.name] = {"summary": summary, "goals": _goal(case, summary), "runs": runs}
            print(f"{name:28s} {case.name:34s} {json.dumps(summary)}", flush=True)
        goals = [g for c in cases.values() for g in c["goals"].items()]
        out[name] = {
            "cases": cases,
            "goals_met": sum(1 for _, ok in goals if ok),
            "goals_total": len(goals),
            "missed": [f"{c}: {g}" for c, v in cases.items() for g, ok in v["goals"].items() if not ok],
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--label", default="after", help="key of the results in groups.json")
    parser.add_argument("--variants", default="", help="comma-separated variant names (default: all)")
    parser.add_argument("--quick", action="store_true", help="one seed")
    parser.add_argument("--only", default=None, help="run the cases whose name contains this")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    available = _variants()
    chosen = [v for v in args.variants.split(",") if v] or list(available)
    variants = {v: available[v] for v in chosen}
    seeds = SEEDS[:1] if args.quick else SEEDS
    figures = run(variants, seeds, args.only)
    if args.no_write:
        return
    existing = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    existing.setdefault("command", "python benchmarks/groups.py [--label before|after] [--variants ...]")
    existing["cases"] = {c.name: {k: v for k, v in c.__dict__.items() if k != "extra"} for c in CASES}
    existing["seeds"] = list(seeds)
    existing.setdefault(args.label, {}).update(figures)
    RESULTS.write_text(json.dumps(existing, indent=1) + "\n")


if __name__ == "__main__":
    main()
