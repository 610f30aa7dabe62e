"""Agreement of our opinion groups with Pol.is' own, on real conversations.

For every conversation in ``../shared/data/polis-opendata`` (or ``$COMMONWEAL_TEST_DATA``)
that has votes, run a cold analysis and compare our groups with Pol.is' ``group-id`` at
export time (adjusted Rand index over the participants Pol.is clustered), with the k of
each. The five ``polis-math-fixtures`` are compared the same way (base clusters and groups,
against ``math-pca2.json``). Both with our default group starts and with Pol.is' starts only
(``robust_groups=False``). Writes ``benchmarks/results/polis_agreement.json``.

Usage::

    python benchmarks/polis_agreement.py
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from sklearn.metrics import adjusted_rand_score

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from commonweal.analysis import AnalysisOptions, AnalysisResult, VoteMatrix, analyse  # noqa: E402
from commonweal.analysis.errors import AnalysisInputError  # noqa: E402
from commonweal.analysis.polis_io import read_polis_export  # noqa: E402

RESULTS = HERE / "results" / "polis_agreement.json"
VARIANTS = {
    "default": AnalysisOptions(beyond_polis=False),
    "polis_starts": AnalysisOptions(beyond_polis=False, robust_groups=False),
}


def data_root() -> Path:
    override = os.environ.get("COMMONWEAL_TEST_DATA")
    return Path(override) if override else HERE.parent.parent / "shared" / "data"


def _ari_on(ours: dict[Any, int], theirs: dict[Any, int]) -> tuple[float | None, int]:
    common = [p for p in theirs if p in ours and ours[p] >= 0]
    if len(common) < 2:
        return None, len(common)
    return float(adjusted_rand_score([theirs[p] for p in common], [ours[p] for p in common])), len(common)


def opendata(root: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for folder in sorted(p for p in (root / "polis-opendata").iterdir() if p.is_dir()):
        if not ((folder / "votes.csv").exists() or (folder / "participants-votes.csv").exists()):
            continue
        entry: dict[str, Any] = {}
        try:
            export = read_polis_export(folder)
        except AnalysisInputError as exc:
            out[folder.name] = {"error": str(exc)}
            continue
        matrix = export.to_vote_matrix()
        theirs = {p: g for p, g in export.groups().items() if g is not None}
        entry["votes_source"] = export.votes_source
        entry["participants"] = matrix.n_participants
        entry["statements"] = matrix.n_statements
        entry["votes"] = matrix.n_votes
        entry["polis_k"] = len(set(theirs.values())) if theirs else None
        entry["polis_clustered"] = len(theirs)
        for name, options in VARIANTS.items():
            t0 = time.perf_counter()
            r = analyse(matrix, options=options)
            seconds = time.perf_counter() - t0
            ours = dict(zip(matrix.participant_ids.tolist(), r.group_labels.tolist(), strict=True))
            ari, n_common = _ari_on(ours, theirs) if theirs else (None, 0)
            entry[name] = {
                "k": r.k,
                "best_k": r.best_k,
                "silhouettes": {str(k): round(v, 4) for k, v in r.silhouettes.items()},
                "in_conv": int(r.in_conv.sum()),
                "ari_groups": None if ari is None else round(ari, 4),
                "compared_participants": n_common,
                "seconds": round(seconds, 3),
            }
        out[folder.name] = entry
        print(folder.name, json.dumps(entry), flush=True)
    return out


def _load_fixture(folder: Path) -> tuple[dict[str, Any], VoteMatrix]:
    math = json.loads((folder / "math-pca2.json").read_text())
    votes = json.loads((folder / "votes.json").read_text())
    comments = json.loads((folder / "comments.json").read_text())

    def key(rec: dict[str, Any], *names: str) -> Any:
        return next(rec[n] for n in names if n in rec)

    matrix = VoteMatrix.from_events(
        [key(v, "participant_id", "pid") for v in votes],
        [key(v, "statement_id", "tid") for v in votes],
        [v["vote"] for v in votes],
        [float(v["modified"]) for v in votes],
        statement_ids=sorted(key(c, "statement_id", "tid") for c in comments),
        moderation={key(c, "statement_id", "tid"): key(c, "moderated", "mod") for c in comments},
        is_meta={key(c, "statement_id", "tid"): bool(c["is_meta"]) for c in comments},
    )
    return math, matrix


def fixtures(root: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for folder in sorted(p for p in (root / "polis-math-fixtures").iterdir() if p.is_dir()):
        math, matrix = _load_fixture(folder)
        base = math["base-clusters"]
        polis_base = {p: b for b, members in zip(base["id"], base["members"], strict=True) for p in members}
        polis_group = {}
        for g in math["group-clusters"]:
            for b in g["members"]:
                for p in base["members"][base["id"].index(b)]:
                    polis_group[p] = g["id"]
        entry: dict[str, Any] = {
            "polis_k": len(math["group-clusters"]),
            "polis_base_clusters": len(base["id"]),
            "polis_in_conv": len(math["in-conv"]),
        }
        for name, options in VARIANTS.items():
            r: AnalysisResult = analyse(matrix, options=options)
            pids = matrix.participant_ids.tolist()
            ours_base = dict(zip(pids, r.base_labels.tolist(), strict=True))
            ours_group = dict(zip(pids, r.group_labels.tolist(), strict=True))
            ari_b, n_b = _ari_on(ours_base, polis_base)
            ari_g, n_g = _ari_on(ours_group, polis_group)
            entry[name] = {
                "k": r.k,
                "best_k": r.best_k,
                "silhouettes": {str(k): round(v, 4) for k, v in r.silhouettes.items()},
                "base_clusters": int(r.base_centres.shape[0]),
                "in_conv": int(r.in_conv.sum()),
                "ari_base_clusters": None if ari_b is None else round(ari_b, 4),
                "ari_groups": None if ari_g is None else round(ari_g, 4),
                "compared_participants": n_g,
            }
        out[folder.name] = entry
        print(folder.name, json.dumps(entry), flush=True)
    return out


def main() -> None:
    root = data_root()
    if not root.is_dir():
        raise SystemExit(f"data folder {root} not found; set COMMONWEAL_TEST_DATA")
    report = {
        "command": "python benchmarks/polis_agreement.py",
        "note": (
            "Cold start on the final votes. Pol.is' groups come from a long history of warm-started "
            "updates and k smoothing, so agreement is a figure to report, not a pass mark."
        ),
        "fixtures": fixtures(root),
        "opendata": opendata(root),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
