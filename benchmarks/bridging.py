"""Benchmark: the bridging model (Community Notes matrix factorisation), cold and warm fits.

For three simulated conversations (2,000 x 900 with 225k votes, 8,000 x 8,000 with 1M votes,
100,000 x 2,000 with 5M votes; three opinion groups) it times
:class:`commonweal.analysis.bridging.BridgingModel`:

* cold: a fit from nothing;
* warm: a refit after 1% more votes (the last 1% of participants arriving), started from the
  fit without them, the way the engine updates a conversation.

To show that the answer is the same, every fit is compared with the *converged* minimiser: the
current model run until a sweep changes no parameter by more than 1e-11 (``tol=1e-11``), which
is itself checked against an independent one, the previous implementation (Anderson-accelerated
ALS with a loss criterion; ``--previous-commit``) run to a relative loss change of 1e-15. Also
timed at their default tolerance, unless skipped: that previous implementation and the plain
ALS before it (``--old-commit``), both loaded from git. Reported: sweeps, seconds, the loss gap
and the largest differences in statement intercepts and factors.

Writes ``benchmarks/results/bridging.json``.

Run: ``python benchmarks/bridging.py [--sizes small,medium,large] [--seeds 0 1 2] [--repeat 3]
[--no-old] [--no-previous]``
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
from scipy import sparse

from commonweal.analysis.bridging import BridgingModel, BridgingResult
from commonweal.analysis.simulate import simulate_conversation

ROOT = Path(__file__).resolve().parent.parent
SIZES = {
    "small": (2_000, 900, 225_000),
    "medium": (8_000, 8_000, 1_000_000),
    "large": (100_000, 2_000, 5_000_000),
}
OLD_COMMIT = "932b129"
#: The implementation before the gauge step, eigen-plane start and parameter stopping rule.
PREVIOUS_COMMIT = "e8cca9e"


def load_old(commit: str, name: str = "bridging_old") -> ModuleType | None:
    """The bridging module as it was at ``commit``, or None outside a git checkout."""
    try:
        src = subprocess.run(
            ["git", "show", f"{commit}:src/commonweal/analysis/bridging.py"],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    path = Path(tempfile.mkdtemp()) / f"{name}.py"
    path.write_text(src)
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def timed(fn: Any, repeat: int) -> tuple[float, Any]:
    """Best wall time of ``repeat`` calls, and the last result."""
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def gap(result: Any, ref: BridgingResult) -> dict[str, float]:
    """How far a fit is from the converged minimiser."""
    return {
        "loss": float(result.loss),
        "loss_minus_converged": float(result.loss - ref.loss),
        "relative_loss_gap": float((result.loss - ref.loss) / ref.loss),
        "max_abs_statement_intercept_diff": float(
            np.max(np.abs(result.statement_intercept - ref.statement_intercept))
        ),
        "max_abs_statement_factor_diff": float(
            np.max(np.abs(result.statement_factor - ref.statement_factor))
        ),
        "max_abs_participant_factor_diff": float(
            np.max(np.abs(result.participant_factor - ref.participant_factor))
        ),
    }


def run_size(
    name: str, repeat: int, old: ModuleType | None, previous: ModuleType | None, seed: int
) -> dict[str, Any]:
    n_p, n_s, n_votes = SIZES[name]
    sim = simulate_conversation(n_p, n_s, votes_per_participant=n_votes / n_p, random_state=seed)
    votes = sim.to_csr()
    print(f"{name} seed {seed}: {n_p} x {n_s}, {votes.nnz} votes", flush=True)
    out: dict[str, Any] = {"participants": n_p, "statements": n_s, "votes": int(votes.nnz), "seed": seed}

    converged = BridgingModel(tol=1e-11, max_iter=3000).fit(votes)
    out["converged_reference"] = {
        "tol": 1e-11,
        "loss": converged.loss,
        "sweeps": converged.n_iter,
        "converged": converged.converged,
    }
    if previous is not None:
        independent = previous.BridgingModel(tol=1e-15, max_iter=5000).fit(votes)
        out["independent_reference"] = {
            "implementation": PREVIOUS_COMMIT,
            "relative_loss_change_tol": 1e-15,
            "sweeps": independent.n_iter,
            **gap(independent, converged),
        }

    t_cold, cold = timed(lambda: BridgingModel().fit(votes), repeat)
    out["new"] = {"cold_seconds": t_cold, "cold_sweeps": cold.n_iter, **gap(cold, converged)}

    # Warm: the last 1% of participants (and their votes) arrive after the previous fit.
    n_before = n_p - max(1, n_p // 100)
    before = sparse.csr_matrix(votes[:n_before])
    before = sparse.vstack([before, sparse.csr_matrix((n_p - n_before, n_s))]).tocsr()
    prev = BridgingModel().fit(before)
    t_warm, warm = timed(lambda: BridgingModel().fit(votes, init=prev), repeat)
    out["new"].update({"warm_seconds": t_warm, "warm_sweeps": warm.n_iter})
    out["new"]["warm_max_abs_statement_intercept_diff"] = float(
        np.max(np.abs(warm.statement_intercept - converged.statement_intercept))
    )
    out["new"]["warm_max_abs_statement_factor_diff"] = float(
        np.max(np.abs(warm.statement_factor - converged.statement_factor))
    )
    print(
        f"  new: cold {t_cold:.3f} s ({cold.n_iter} sweeps), warm {t_warm:.3f} s ({warm.n_iter})", flush=True
    )

    for label, module in (("previous", previous), ("old", old)):
        if module is None:
            continue
        t_cold_m, cold_m = timed(lambda m=module: m.BridgingModel().fit(votes), 1)
        prev_m = module.BridgingModel().fit(before)
        t_warm_m, warm_m = timed(lambda m=module, p=prev_m: m.BridgingModel().fit(votes, init=p), 1)
        out[label] = {
            "cold_seconds": t_cold_m,
            "cold_sweeps": cold_m.n_iter,
            "warm_seconds": t_warm_m,
            "warm_sweeps": warm_m.n_iter,
            **gap(cold_m, converged),
            "warm_max_abs_statement_intercept_diff": float(
                np.max(np.abs(warm_m.statement_intercept - converged.statement_intercept))
            ),
        }
        print(
            f"  {label}: cold {t_cold_m:.3f} s ({cold_m.n_iter} sweeps), "
            f"warm {t_warm_m:.3f} s ({warm_m.n_iter})",
            flush=True,
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="small,medium,large")
    parser.add_argument("--repeat", type=int, default=3, help="best of this many timed fits")
    parser.add_argument("--seeds", nargs="*", type=int, default=[0])
    parser.add_argument("--no-old", action="store_true", help="skip the plain-ALS implementation")
    parser.add_argument("--old-commit", default=OLD_COMMIT)
    parser.add_argument("--no-previous", action="store_true", help="skip the previous implementation")
    parser.add_argument("--previous-commit", default=PREVIOUS_COMMIT)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "bridging.json"))
    args = parser.parse_args()
    old = None if args.no_old else load_old(args.old_commit)
    previous = None if args.no_previous else load_old(args.previous_commit, "bridging_previous")
    results = {
        "machine": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "cpus": os.cpu_count(),
            "load_average_at_start": list(os.getloadavg()),
        },
        "old_commit": args.old_commit if old is not None else None,
        "previous_commit": args.previous_commit if previous is not None else None,
        "sizes": {
            f"{name}" if len(args.seeds) == 1 else f"{name}/seed{seed}": run_size(
                name, args.repeat, old, previous, seed
            )
            for name in args.sizes.split(",")
            for seed in args.seeds
        },
    }
    results["machine"]["load_average_at_end"] = list(os.getloadavg())
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
