"""Engine benchmark: cold and warm analyses on planted conversations, Pol.is mode and full.

Each size and mode runs in its own subprocess (so peak memory, ``ru_maxrss``, is that run's
alone): build the vote matrix from vote events, analyse it cold, add 1% new votes and analyse
warm from the cold state. Two modes: ``polis`` (``AnalysisOptions(beyond_polis=False)``,
recorded under ``ours``) and ``full`` (default options: Pol.is mode plus common ground,
divisive statements, bridging, intervals and group stability, recorded under ``ours_full``;
its warm update carries group stability, as the default ``stability_every=10`` does on 9
updates in 10, and ``warm_with_stability_s`` times a warm update that recomputes it). In the same run, red-dwarf 0.4.0 (``reddwarf.implementations.polis.
run_pipeline``), installed in ``benchmarks/.venv-bench`` only, is timed on the sizes it can
handle, as a ratio to ours. Writes ``benchmarks/results/engine.json``.

Usage::

    python benchmarks/engine.py                   # every size, red-dwarf where feasible
    python benchmarks/engine.py --sizes small 1M  # some sizes
    python benchmarks/engine.py --no-reddwarf     # keep red-dwarf's earlier figures
    python benchmarks/engine.py --modes full      # only the full analysis
    python benchmarks/engine.py --seeds 0 1 2     # three planted conversations per size

Set up red-dwarf once (never a project dependency)::

    python -m venv benchmarks/.venv-bench
    benchmarks/.venv-bench/bin/pip install red-dwarf==0.4.0
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "engine.json"
BENCH_PY = HERE / ".venv-bench" / "bin" / "python"

SIZES: dict[str, dict[str, int]] = {
    "225k": {"participants": 2_000, "statements": 900, "votes": 225_000},
    "1M": {"participants": 8_000, "statements": 8_000, "votes": 1_000_000},
    "5M": {"participants": 100_000, "statements": 2_000, "votes": 5_000_000},
    "20M": {"participants": 1_000_000, "statements": 5_000, "votes": 20_000_000},
}
REDDWARF_SIZES = ("225k", "1M")


def planted_events(
    n_p: int, n_s: int, n_votes: int, seed: int = 0, n_groups: int = 3
) -> dict[str, np.ndarray]:
    """Vote events of a conversation with planted opinion groups (vectorised).

    Each participant belongs to one of ``n_groups`` groups with its own agree probability
    per statement; participants vote on statements drawn with popularity skew (as priority
    routing does), about ``n_votes / n_p`` each; 10% of votes are passes. Exactly
    ``n_votes`` distinct cells (fewer only if the matrix cannot hold them).
    """
    rng = np.random.default_rng(seed)
    group = rng.integers(0, n_groups, n_p)
    p_agree = rng.beta(0.6, 0.6, size=(n_groups, n_s))
    weights = rng.pareto(1.5, n_s) + 1.0
    cdf = np.cumsum(weights / weights.sum())
    # Draw more events than wanted, keep each (participant, statement) cell once and trim, so
    # the matrix holds exactly n_votes votes; draw more again if duplicates ate too many.
    factor = 1.12
    while True:
        per = max(1, int(n_votes * factor) // n_p)
        counts = np.clip(rng.poisson(per, n_p), 1, n_s)
        total = int(counts.sum())
        participants = np.repeat(np.arange(n_p, dtype=np.int64), counts)
        statements = np.minimum(np.searchsorted(cdf, rng.random(total)), n_s - 1).astype(np.int64)
        key = participants * n_s + statements
        _, first = np.unique(key, return_index=True)
        if first.size >= n_votes or factor > 4:
            break
        factor *= 1.25 * n_votes / first.size
    keep = np.sort(rng.choice(first, n_votes, replace=False)) if first.size > n_votes else np.sort(first)
    participants, statements = participants[keep], statements[keep]
    agree = rng.random(keep.size) < p_agree[group[participants], statements]
    values = np.where(agree, 1, -1).astype(np.int8)
    values[rng.random(keep.size) < 0.1] = 0
    times = np.arange(keep.size, dtype=np.float64)
    return {"participants": participants, "statements": statements, "values": values, "times": times}


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_ours(size: str, seed: int = 0, mode: str = "polis") -> dict[str, Any]:
    """Build, analyse cold, add 1% new votes, analyse warm; wall times and peak memory."""
    from commonweal.analysis import AnalysisOptions, VoteMatrix, analyse

    spec = SIZES[size]
    ev = planted_events(spec["participants"], spec["statements"], spec["votes"], seed)
    rss_events = _maxrss_mb()
    options = AnalysisOptions(beyond_polis=False) if mode == "polis" else AnalysisOptions()
    repeats = 3 if spec["votes"] <= 5_000_000 else 1
    builds, colds, rebuilds, warms = [], [], [], []
    cold_cpu, warm_cpu = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        matrix = VoteMatrix.from_events(ev["participants"], ev["statements"], ev["values"], ev["times"])
        builds.append(time.perf_counter() - t0)
        t0, c0 = time.perf_counter(), time.process_time()
        cold = analyse(matrix, options=options, random_state=seed)
        colds.append(time.perf_counter() - t0)
        cold_cpu.append(time.process_time() - c0)
        rng = np.random.default_rng(seed + 1)
        n_new = max(1, matrix.n_votes // 100)
        new_p = matrix.participant_ids[rng.integers(0, matrix.n_participants, n_new)]
        new_s = matrix.statement_ids[rng.integers(0, matrix.n_statements, n_new)]
        new_v = rng.choice(np.array([-1, 0, 1]), n_new)
        t0 = time.perf_counter()
        matrix2 = matrix.with_votes(new_p, new_s, new_v)
        rebuilds.append(time.perf_counter() - t0)
        t0, c0 = time.perf_counter(), time.process_time()
        warm = analyse(matrix2, cold.state, options=options, random_state=seed)
        warms.append(time.perf_counter() - t0)
        warm_cpu.append(time.process_time() - c0)
    t_build, t_cold, t_rebuild, t_warm = min(builds), min(colds), min(rebuilds), min(warms)
    out: dict[str, Any] = {
        "size": size,
        "mode": mode,
        "seed": seed,
        "participants": matrix.n_participants,
        "statements": matrix.n_statements,
        "votes": matrix.n_votes,
        "build_s": round(t_build, 4),
        "cold_s": round(t_cold, 4),
        "warm_rebuild_s": round(t_rebuild, 4),
        "warm_s": round(t_warm, 4),
        "cold_steps_s": {k: round(v, 4) for k, v in cold.timings.items()},
        "warm_steps_s": {k: round(v, 4) for k, v in warm.timings.items()},
        "k_cold": cold.k,
        "k_warm": warm.k,
        "in_conv": int(cold.in_conv.sum()),
    }
    if mode == "full":
        t0 = time.perf_counter()
        every = analyse(matrix2, cold.state, options=AnalysisOptions(stability_every=1), random_state=seed)
        out["warm_with_stability_s"] = round(time.perf_counter() - t0, 4)
        out["warm_with_stability_steps_s"] = {k: round(v, 4) for k, v in every.timings.items()}
        gs = cold.group_stability
        if gs is not None:
            out["stability"] = {
                "overall": round(gs.overall, 4),
                "standard_error": round(gs.standard_error, 4),
                "n_resamples": gs.n_resamples,
            }
        if cold.bridging is not None and warm.bridging is not None:
            out["bridging_sweeps"] = {"cold": cold.bridging.n_iter, "warm": warm.bridging.n_iter}
    out.update(
        {
            "peak_rss_mb": round(_maxrss_mb(), 1),
            "peak_rss_events_only_mb": round(rss_events, 1),
            "repeats": repeats,
            "all_cold_s": [round(x, 4) for x in colds],
            "all_warm_s": [round(x, 4) for x in warms],
            # CPU time of the process (every thread): the work done, less sensitive than the
            # wall time to other jobs on this shared machine (and above it when two threads run).
            "all_cold_cpu_s": [round(x, 4) for x in cold_cpu],
            "all_warm_cpu_s": [round(x, 4) for x in warm_cpu],
            "load_average_1min": round(os.getloadavg()[0], 2),
            "timings_note": "best of the repeats; steps are from the last repeat",
        }
    )
    return out


def run_reddwarf(size: str, seed: int = 0) -> dict[str, Any]:
    """Time red-dwarf's run_pipeline on the same planted votes (in the bench venv)."""
    from reddwarf.implementations.polis import run_pipeline  # type: ignore[import-not-found]

    spec = SIZES[size]
    ev = planted_events(spec["participants"], spec["statements"], spec["votes"], seed)
    # red-dwarf pivots the votes and fails on repeated (participant, statement) pairs: give it
    # the latest vote of each, which is what our matrix keeps too (events are in time order).
    key = ev["participants"] * SIZES[size]["statements"] + ev["statements"]
    _, last_rev = np.unique(key[::-1], return_index=True)
    keep = np.sort(key.size - 1 - last_rev)
    votes = [
        {"participant_id": int(p), "statement_id": int(s), "vote": int(v), "modified": float(t)}
        for p, s, v, t in zip(
            ev["participants"][keep],
            ev["statements"][keep],
            ev["values"][keep],
            ev["times"][keep],
            strict=True,
        )
    ]
    rss_events = _maxrss_mb()
    t0 = time.perf_counter()
    run_pipeline(votes=votes)
    elapsed = time.perf_counter() - t0
    return {
        "size": size,
        "seconds": round(elapsed, 3),
        "peak_rss_mb": round(_maxrss_mb(), 1),
        "peak_rss_events_only_mb": round(rss_events, 1),
        "load_average_1min": round(os.getloadavg()[0], 2),
    }


def _child(kind: str, size: str, python: str, timeout: float, seed: int = 0) -> dict[str, Any]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(HERE.parent / "src"), str(HERE)])
    env.setdefault("OMP_NUM_THREADS", "2")
    env.setdefault("OPENBLAS_NUM_THREADS", "2")
    env.setdefault("MKL_NUM_THREADS", "2")
    cmd = [python, str(Path(__file__).resolve()), "--child", kind, size, str(seed)]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, check=False)
    except subprocess.TimeoutExpired:
        return {"size": size, "error": f"timed out after {timeout:.0f} s"}
    if out.returncode != 0:
        return {"size": size, "error": (out.stderr or out.stdout)[-2000:]}
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", nargs="*", default=list(SIZES))
    parser.add_argument("--modes", nargs="*", default=["polis", "full"], choices=["polis", "full"])
    parser.add_argument(
        "--no-reddwarf", action="store_true", help="do not run red-dwarf; keep its figures from engine.json"
    )
    parser.add_argument("--reddwarf-timeout", type=float, default=900.0)
    parser.add_argument(
        "--seeds",
        nargs="*",
        type=int,
        default=[0],
        help="planted conversations to run per size (seed of the generator and of the analysis); "
        "the first is recorded at the top of each entry, every one under 'seeds'",
    )
    parser.add_argument("--child", nargs=3, metavar=("KIND", "SIZE", "SEED"), help=argparse.SUPPRESS)
    return parser


RATIOS = (("ours", "ratio_reddwarf_to_ours_cold"), ("ours_full", "ratio_reddwarf_to_ours_full_cold"))


def _new_report(no_reddwarf: bool) -> dict[str, Any]:
    """The report's frame, with the figures of the earlier run (``engine.json``) that this run may not replace."""
    report: dict[str, Any] = {
        "command": "python " + " ".join([str(Path(sys.argv[0]))] + sys.argv[1:]),
        "machine": {
            "cpus": os.cpu_count(),
            "affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "goals": {"1M_cold_s": 1.0, "1M_warm_s": 0.3, "5M_cold_s": 10.0, "20M_peak_gb": 6.0},
        "ours": {},
        "ours_full": {},
        "reddwarf": {},
        "ratio_reddwarf_to_ours_cold": {},
        "ratio_reddwarf_to_ours_full_cold": {},
    }
    keys = (
        "ours",
        "ours_full",
        "reddwarf",
        "ratio_reddwarf_to_ours_cold",
        "ratio_reddwarf_to_ours_full_cold",
    )
    previous: dict[str, Any] = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    for key in keys:
        report[key].update(previous.get(key, {}))
    report["notes"] = {
        "ours": "Pol.is mode: AnalysisOptions(beyond_polis=False)",
        "ours_full": "full analysis, default AnalysisOptions (Pol.is mode plus beyond-Pol.is measures)",
        "reddwarf": previous.get("notes", {}).get("reddwarf", "measured in this run"),
    }
    if no_reddwarf:
        report["notes"]["reddwarf"] = (
            "not re-run (--no-reddwarf): figures carried from the earlier run recorded in engine.json"
        )
    return report


def _run_ours(report: dict[str, Any], size: str, mode: str, seeds: list[int]) -> None:
    """Our engine on the planted conversations of ``size`` (one per seed), in a child process each."""
    key = "ours" if mode == "polis" else "ours_full"
    by_seed: dict[str, Any] = {}
    for seed in seeds:
        print(f"{key} {size} seed {seed} ...", flush=True)
        by_seed[str(seed)] = _child(key, size, sys.executable, 3600, seed)
        print(json.dumps(by_seed[str(seed)]), flush=True)
    entry = dict(by_seed[str(seeds[0])])
    entry["seed"] = seeds[0]
    if len(seeds) > 1:
        entry["seeds"] = by_seed
        for field in ("cold_s", "warm_s", "warm_with_stability_s"):
            values = [r[field] for r in by_seed.values() if field in r]
            if values:
                entry[f"{field}_max_over_seeds"] = max(values)
    report[key][size] = entry


def _set_ratios(report: dict[str, Any], size: str, reddwarf: dict[str, Any]) -> None:
    for key, ratio in RATIOS:
        ours = report[key].get(size, {})
        if "seconds" in reddwarf and "cold_s" in ours:
            report[ratio][size] = round(reddwarf["seconds"] / ours["cold_s"], 1)


def _run_reddwarf(report: dict[str, Any], size: str, timeout: float) -> None:
    """red-dwarf on the planted conversation of ``size``, in its own environment (see the module docstring)."""
    if not BENCH_PY.exists():
        report["reddwarf"][size] = {
            "size": size,
            "error": f"{BENCH_PY} missing; see the module docstring",
        }
        return
    print(f"red-dwarf {size} ...", flush=True)
    rd = _child("reddwarf", size, str(BENCH_PY), timeout)
    report["reddwarf"][size] = rd
    print(json.dumps(rd), flush=True)
    report["notes"]["reddwarf"] = "measured in this run"
    _set_ratios(report, size, rd)


def main() -> None:
    args = _parser().parse_args()
    if args.child:
        kind, size, seed_text = args.child
        if kind == "reddwarf":
            res = run_reddwarf(size, int(seed_text))
        else:
            res = run_ours(size, int(seed_text), mode="polis" if kind == "ours" else "full")
        print(json.dumps(res))
        return

    report = _new_report(args.no_reddwarf)
    for size in args.sizes:
        for mode in args.modes:
            _run_ours(report, size, mode, args.seeds)
        _set_ratios(report, size, report["reddwarf"].get(size, {}))
        if not args.no_reddwarf and size in REDDWARF_SIZES:
            _run_reddwarf(report, size, args.reddwarf_timeout)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
