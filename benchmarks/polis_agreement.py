"""Agreement of our opinion groups with Pol.is' own, on real conversations: cold and replayed.

For every conversation in ``../shared/data/polis-opendata`` (or ``$COMMONWEAL_TEST_DATA``)
that has votes, compare our groups with Pol.is' ``group-id`` at export time (adjusted Rand
index over the participants both clustered), with the k of each:

- **cold**: one analysis of the final votes, with our default group starts and with Pol.is'
  starts only (``robust_groups=False``);
- **replay**: the votes replayed in time order through the updates Pol.is would have run
  (:func:`commonweal.analysis.replay.replay_export`: one update a second of votes, state carried,
  Pol.is' in-conv rule before 2019), where the export has vote times (``votes.csv``).

Each conversation also gets a diagnosis, computed, not tuned: which in-conv rule reproduces the
set Pol.is clustered (today's, on the final votes; or the pre-2019 one, where rejected and meta
statements count as votes), the replay's ARI at Pol.is' k (its clustering for that k), and when
the participants Pol.is clustered last qualified, the groups of one more update after a reload
(no group centres, no k smoother, as a restarted Pol.is worker); and, where the replay with the
export's in-conv rule is below 0.6, a reason built from those. The five ``polis-math-fixtures`` are compared the same way (base clusters and
groups, against ``math-pca2.json``), cold and replayed. Writes
``benchmarks/results/polis_agreement.json``.

Usage::

    python benchmarks/polis_agreement.py [--only NAME ...] [--poll-interval SECONDS]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import adjusted_rand_score

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from commonweal.analysis import AnalysisOptions, AnalysisResult, VoteMatrix, analyse  # noqa: E402
from commonweal.analysis.errors import AnalysisInputError  # noqa: E402
from commonweal.analysis.polis import KSmoother  # noqa: E402
from commonweal.analysis.polis_io import PolisExport, read_polis_export  # noqa: E402
from commonweal.analysis.replay import (  # noqa: E402
    LEGACY_IN_CONV_UNTIL,
    ReplayResult,
    legacy_in_conv_counts,
    replay,
    replay_export,
)

RESULTS = HERE / "results" / "polis_agreement.json"
VARIANTS = {
    "default": AnalysisOptions(beyond_polis=False),
    "polis_starts": AnalysisOptions(beyond_polis=False, robust_groups=False),
}
REPLAY_OPTIONS = AnalysisOptions(beyond_polis=False, robust_groups=False)
AIM = 0.6


def data_root() -> Path:
    override = os.environ.get("COMMONWEAL_TEST_DATA")
    return Path(override) if override else HERE.parent.parent / "shared" / "data"


def _ari_on(ours: dict[Any, int], theirs: dict[Any, int]) -> tuple[float | None, int]:
    common = [p for p in theirs if p in ours and ours[p] >= 0]
    if len(common) < 2:
        return None, len(common)
    return float(adjusted_rand_score([theirs[p] for p in common], [ours[p] for p in common])), len(common)


def _when(seconds: float | None) -> str | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _labels_at_k(result: AnalysisResult, k: int) -> dict[Any, int] | None:
    """Each participant's group in the update's clustering for ``k`` (kept in the state for the next
    update's warm start): the nearest of that clustering's centres to their base cluster's centre."""
    centres = result.state.group_centres.get(k)
    if centres is None or centres.shape[0] == 0 or result.base_centres.shape[0] == 0:
        return None
    d2 = ((result.base_centres[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
    of_base = d2.argmin(axis=1)
    labels = np.where(result.base_labels >= 0, of_base[np.maximum(result.base_labels, 0)], -1)
    return dict(zip(result.participant_ids.tolist(), labels.tolist(), strict=True))


def _score(result: AnalysisResult, theirs: dict[Any, int], polis_k: int | None) -> dict[str, Any]:
    ours = dict(zip(result.participant_ids.tolist(), result.group_labels.tolist(), strict=True))
    ari, n_common = _ari_on(ours, theirs) if theirs else (None, 0)
    at_k = _labels_at_k(result, polis_k) if polis_k is not None and polis_k != result.k else None
    ari_k = _ari_on(at_k, theirs)[0] if at_k is not None else ari
    clustered = {p for p, g in ours.items() if g >= 0}
    return {
        "k": result.k,
        "best_k": result.best_k,
        "silhouettes": {str(k): round(v, 4) for k, v in result.silhouettes.items()},
        "in_conv": int(result.in_conv.sum()),
        "ari_groups": None if ari is None else round(ari, 4),
        "ari_at_polis_k": None if ari_k is None else round(ari_k, 4),
        "compared_participants": n_common,
        "polis_clustered_not_ours": len(set(theirs) - clustered),
        "ours_not_polis_clustered": len(clustered - set(theirs)),
    }


def _in_conv_rules(export: PolisExport, theirs: dict[Any, int]) -> dict[str, Any]:
    """Which in-conv rule, on the final votes, gives the set Pol.is clustered (once-in-always-in aside)."""
    matrix = export.to_vote_matrix()
    counts = matrix.participant_vote_counts()
    need = min(7, int((matrix.statement_vote_counts() > 0).sum()))
    pids = matrix.participant_ids
    today = set(pids[counts >= need].tolist())
    legacy = set(pids[legacy_in_conv_counts(matrix) >= need].tolist())
    clustered = set(theirs)
    return {
        "polis_clustered": len(clustered),
        "voters": int((counts > 0).sum()),
        "today_rule": len(today),
        "today_rule_differs_by": len(today ^ clustered),
        "pre_2019_rule": len(legacy),
        "pre_2019_rule_differs_by": len(legacy ^ clustered),
    }


def _history(export: PolisExport, theirs: dict[Any, int]) -> dict[str, Any]:
    """When the votes ended, and when the last participant Pol.is clustered reached 7 votes."""
    v = export.votes.sort_values("timestamp", kind="stable")
    first = v.drop_duplicates(["participant", "statement"])
    first = first.assign(n=first.groupby("participant").cumcount() + 1)
    need = min(7, int(v["statement"].nunique()))
    reached = first[first["n"] == need].set_index("participant")["timestamp"]
    reached = reached[reached.index.isin(list(theirs))]
    last_vote = float(v["timestamp"].max()) / 1000
    last_reached = float(reached.max()) / 1000 if len(reached) else None
    return {
        "first_vote_s": float(v["timestamp"].min()) / 1000,
        "first_vote": _when(float(v["timestamp"].min()) / 1000),
        "last_vote": _when(last_vote),
        "last_clustered_reached_7": _when(last_reached),
        "votes_after_it": None if last_reached is None else int((v["timestamp"] > last_reached * 1000).sum()),
        "before_2019_rule_change": bool(last_vote < LEGACY_IN_CONV_UNTIL),
    }


def _export_rule(entry: dict[str, Any]) -> str:
    """The replay whose in-conv set is nearer the set Pol.is clustered (decided on who was clustered, never on
    the groups): ``"pre_2019"`` (the default replay) or ``"today"`` (``replay_today_rule``)."""
    if "replay_today_rule" not in entry:
        return "pre_2019" if entry["history"]["first_vote_s"] < LEGACY_IN_CONV_UNTIL else "today"
    off = {
        name: entry[key]["polis_clustered_not_ours"] + entry[key]["ours_not_polis_clustered"]
        for name, key in (("pre_2019", "replay"), ("today", "replay_today_rule"))
    }
    return "today" if off["today"] < off["pre_2019"] else "pre_2019"


def _matching(entry: dict[str, Any]) -> dict[str, Any]:
    """The replay with the in-conv rule of the export (see :func:`_export_rule`)."""
    if entry["in_conv_rule_of_export"] == "today" and "replay_today_rule" in entry:
        return dict(entry["replay_today_rule"])
    return dict(entry["replay"])


def _reason(entry: dict[str, Any]) -> str | None:
    """Why the replay (with the export's in-conv rule) is below the aim, from the diagnosis (None when not)."""
    if not isinstance(entry.get("replay"), dict):
        return None
    rep = _matching(entry)
    if rep.get("ari_groups") is None or rep["ari_groups"] >= AIM:
        return None
    parts: list[str] = [f"replay with the {entry['in_conv_rule_of_export']} in-conv rule"]
    rules = entry["in_conv_rules"]
    if rep["polis_clustered_not_ours"] or rep["ours_not_polis_clustered"]:
        parts.append(
            f"in-conv differs: Pol.is clustered {rules['polis_clustered']}, the replay {rep['in_conv']} "
            f"({rep['polis_clustered_not_ours']} of Pol.is' not in ours, {rep['ours_not_polis_clustered']} of ours "
            f"not in Pol.is'); on the final votes today's rule gives {rules['today_rule']} "
            f"(off by {rules['today_rule_differs_by']}), the pre-2019 rule {rules['pre_2019_rule']} "
            f"(off by {rules['pre_2019_rule_differs_by']})"
        )
    if rep["k"] != entry["polis_k"]:
        parts.append(
            f"k differs: Pol.is {entry['polis_k']}, replay {rep['k']}; the replay's own clustering at "
            f"k = {entry['polis_k']} scores {rep['ari_at_polis_k']}"
        )
    elif len(parts) == 1:
        parts.append(
            "same k and same participants, different partition: near-equal clusterings "
            f"(silhouettes {rep['silhouettes']}), and history the export does not record"
        )
    if entry["compared"] and entry["compared"] < 50:
        parts.append(f"only {entry['compared']} participants compared")
    return "; ".join(parts)


def _replay_entry(
    export: PolisExport,
    theirs: dict[Any, int],
    polis_k: int | None,
    poll: float,
    cap: int | None,
    legacy_until: float | None = LEGACY_IN_CONV_UNTIL,
) -> dict[str, Any]:
    t0 = time.perf_counter()
    rr: ReplayResult = replay_export(
        export, options=REPLAY_OPTIONS, poll_interval=poll, max_updates=cap, legacy_in_conv_until=legacy_until
    )
    seconds = time.perf_counter() - t0
    out = _score(rr.result, theirs, polis_k)
    # A Pol.is worker that reloads a conversation (a restart, or an export that updates the math) keeps in-conv,
    # the PCA and the base clusters but not the groups' centres per k nor the k smoother (conv_man.clj,
    # restructure-json-conv): the groups of one more update from the replay's state without them.
    reloaded = dataclasses.replace(
        rr.result.state, group_centres={}, k_smoother=KSmoother(), subgroup_centres={}, subgroup_smoothers={}
    )
    out["after_a_reload"] = _score(
        analyse(export.to_vote_matrix(), reloaded, options=REPLAY_OPTIONS), theirs, polis_k
    )
    ks = rr.k_history
    out.update(
        {
            "updates": rr.n_updates,
            "seconds": round(seconds, 1),
            "k_last_100_updates": {
                str(k): int(n) for k, n in zip(*np.unique(ks[-100:], return_counts=True), strict=True)
            },
            "subgroups_k": [s.k for s in rr.result.subgroups],
        }
    )
    return out


def opendata(root: Path, only: list[str] | None, poll: float, cap: int | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for folder in sorted(p for p in (root / "polis-opendata").iterdir() if p.is_dir()):
        if only and folder.name not in only:
            continue
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
        polis_k = len(set(theirs.values())) if theirs else None
        entry["votes_source"] = export.votes_source
        entry["participants"] = matrix.n_participants
        entry["statements"] = matrix.n_statements
        entry["votes"] = matrix.n_votes
        entry["polis_k"] = polis_k
        entry["polis_clustered"] = len(theirs)
        for name, options in VARIANTS.items():
            t0 = time.perf_counter()
            r = analyse(matrix, options=options)
            entry[name] = _score(r, theirs, polis_k) | {"seconds": round(time.perf_counter() - t0, 3)}
        entry["compared"] = entry["polis_starts"]["compared_participants"]
        if theirs:
            entry["in_conv_rules"] = _in_conv_rules(export, theirs)
        if export.votes["timestamp"].notna().all() and theirs:
            entry["history"] = _history(export, theirs)
            entry["replay"] = _replay_entry(export, theirs, polis_k, poll, cap)
            if entry["history"]["first_vote_s"] < LEGACY_IN_CONV_UNTIL:
                # Updates before 2019 counted in-conv the old way; an export recomputed later would not have.
                entry["replay_today_rule"] = _replay_entry(export, theirs, polis_k, poll, cap, None)
            entry["compared"] = entry["replay"]["compared_participants"]
            entry["in_conv_rule_of_export"] = _export_rule(entry)
            entry["reason"] = _reason(entry)
        elif theirs:
            entry["replay"] = "not possible: the export has no vote times (participants-votes.csv only)"
        out[folder.name] = entry
        print(folder.name, json.dumps(entry), flush=True)
    return out


def _load_fixture(
    folder: Path,
) -> tuple[dict[str, Any], VoteMatrix, list[dict[str, Any]], list[dict[str, Any]]]:
    math = json.loads((folder / "math-pca2.json").read_text())
    votes = json.loads((folder / "votes.json").read_text())
    comments = json.loads((folder / "comments.json").read_text())

    matrix = VoteMatrix.from_events(
        [_key(v, "participant_id", "pid") for v in votes],
        [_key(v, "statement_id", "tid") for v in votes],
        [v["vote"] for v in votes],
        [float(v["modified"]) for v in votes],
        statement_ids=sorted(_key(c, "statement_id", "tid") for c in comments),
        moderation={_key(c, "statement_id", "tid"): _key(c, "moderated", "mod") for c in comments},
        is_meta={_key(c, "statement_id", "tid"): bool(c["is_meta"]) for c in comments},
    )
    return math, matrix, votes, comments


def _key(rec: dict[str, Any], *names: str) -> Any:
    return next(rec[n] for n in names if n in rec)


def _fixture_replay(
    votes: list[dict[str, Any]], comments: list[dict[str, Any]], poll: float, cap: int | None
) -> AnalysisResult:
    """The fixture's votes replayed (each vote's time is its latest change: re-votes are not served)."""
    return replay(
        [_key(v, "participant_id", "pid") for v in votes],
        [_key(v, "statement_id", "tid") for v in votes],
        [v["vote"] for v in votes],
        [float(v["modified"]) / 1000 for v in votes],
        statement_ids=sorted(_key(c, "statement_id", "tid") for c in comments),
        moderation={_key(c, "statement_id", "tid"): _key(c, "moderated", "mod") for c in comments},
        is_meta={_key(c, "statement_id", "tid"): bool(c["is_meta"]) for c in comments},
        options=REPLAY_OPTIONS,
        poll_interval=poll,
        max_updates=cap,
    ).result


def fixtures(root: Path, only: list[str] | None, poll: float, cap: int | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for folder in sorted(p for p in (root / "polis-math-fixtures").iterdir() if p.is_dir()):
        if only and folder.name not in only:
            continue
        math, matrix, votes, comments = _load_fixture(folder)
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
            "math_tick": math.get("math_tick"),
        }
        results: dict[str, AnalysisResult] = {
            name: analyse(matrix, options=options) for name, options in VARIANTS.items()
        }
        results["replay"] = _fixture_replay(votes, comments, poll, cap)
        for name, r in results.items():
            pids = r.participant_ids.tolist()
            ours_base = dict(zip(pids, r.base_labels.tolist(), strict=True))
            ari_b, _ = _ari_on(ours_base, polis_base)
            entry[name] = _score(r, polis_group, entry["polis_k"]) | {
                "base_clusters": int(r.base_centres.shape[0]),
                "ari_base_clusters": None if ari_b is None else round(ari_b, 4),
            }
        out[folder.name] = entry
        print(folder.name, json.dumps(entry), flush=True)
    return out


def _summary(data: dict[str, Any]) -> dict[str, Any]:
    rows = {
        n: e
        for n, e in data.items()
        if isinstance(e.get("replay"), dict) and e["replay"]["ari_groups"] is not None
    }
    pick = {
        "polis_starts": lambda e: e["polis_starts"],
        "default": lambda e: e["default"],
        "replay": lambda e: e["replay"],
        "replay_with_export_in_conv_rule": _matching,
    }
    out: dict[str, Any] = {}
    for name, get in pick.items():
        values = {n: get(e)["ari_groups"] for n, e in rows.items()}
        if values:
            out[name] = {
                "median_ari": round(float(np.median(list(values.values()))), 4),
                "below_0.6": sorted(n for n, v in values.items() if v < AIM),
                "conversations": len(values),
            }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="*", help="only these conversations or fixtures (folder names)")
    parser.add_argument("--poll-interval", type=float, default=1.0, help="seconds a replay update spans")
    parser.add_argument(
        "--max-updates",
        type=int,
        default=1000,
        help="merge a replay's batches into at most this many updates (0: every batch)",
    )
    args = parser.parse_args()
    root = data_root()
    if not root.is_dir():
        raise SystemExit(f"data folder {root} not found; set COMMONWEAL_TEST_DATA")
    cap = args.max_updates or None
    fx = fixtures(root, args.only, args.poll_interval, cap)
    od = opendata(root, args.only, args.poll_interval, cap)
    report = {
        "command": "python benchmarks/polis_agreement.py",
        "poll_interval_s": args.poll_interval,
        "max_updates": cap,
        "note": (
            "cold: one analysis of the final votes; replay: the votes in time order through Pol.is' updates "
            "(one a second of votes, merged into at most max_updates updates, state and k smoothing carried, Pol.is' starts, the pre-2019 in-conv rule "
            "before 2019). Agreement is a figure to report, not a pass mark; reasons are computed from the "
            "diagnosis, never tuned."
        ),
        "summary_opendata": _summary(od),
        "fixtures": fx,
        "opendata": od,
    }
    if args.only:
        print(json.dumps(report["summary_opendata"], indent=2))
        return
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
