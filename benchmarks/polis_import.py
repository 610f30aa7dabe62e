"""Benchmark: memory and time of a large Pol.is import, with the code before and after the streaming reader.

Builds synthetic Pol.is exports (``votes.csv`` with Pol.is' columns and datetime text, ``comments.csv``,
``summary.csv``) of 200k, 1M and 2M vote events (a participant per 20 events, 300 comments, re-votes included)
and measures, each in a subprocess of its own so that its peak memory is its alone:

- ``reader``: :func:`commonweal.analysis.polis_io.read_polis_export` alone, as the import calls it (the old
  import also streamed the file once to count it against the limits first: that pass is included);
- ``job``: the whole background import job (``run_next_import_job``) into a fresh SQLite database, from an
  upload folder as the import page leaves it, and whether every participant, statement, vote event and current
  vote arrived (counted in the database against the generator's counts).

Peak memory is the process's high-water resident set (``VmHWM`` of ``/proc/self/status``) and the rise above
the resident set just before the step (``peak_rise_mb``: what the step itself needs; Python, Django and pandas
loaded take about 150 MB). The "before" code is the tree of ``--before`` (a git revision; by default one whose
reader and import are those from before the streaming reader), unpacked with ``git archive`` and put first on
``PYTHONPATH``. Writes ``benchmarks/results/polis_import.json``.

Run: ``.venv/bin/python benchmarks/polis_import.py [--sizes 200k,1M,2M] [--before REV | --no-before]``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import uuid
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "polis_import.json"
#: A commit whose reader loaded votes.csv whole and whose import committed SQLite rows one by one (the default
#: "before"; the import's code is the same up to the streaming reader).
BEFORE = "12a3d03"
SIZES = {"20k": 20_000, "200k": 200_000, "1M": 1_000_000, "2M": 2_000_000}
COMMENTS = 300
EVENTS_PER_PARTICIPANT = 20


# --- The synthetic export -------------------------------------------------------------------------------------------


def build_export(folder: Path, n: int, seed: int = 11) -> dict[str, Any]:
    """Write a Pol.is export of ``n`` vote events into ``folder``; returns what an import must create."""
    rng = np.random.default_rng(seed)
    people = max(1, n // EVENTS_PER_PARTICIPANT)
    folder.mkdir(parents=True, exist_ok=True)
    start = 1_436_482_946_000
    ts = start + np.sort(rng.integers(0, 90 * 86_400_000, size=n))
    voter = rng.integers(0, people, size=n)
    comment = rng.integers(0, COMMENTS, size=n)
    vote = rng.choice(np.array([1, -1, 0]), size=n, p=[0.5, 0.3, 0.2])
    when = pd.to_datetime(ts, unit="ms", utc=True).strftime("%a %b %d %Y %H:%M:%S GMT+0000 (UTC)")
    pd.DataFrame(
        {"timestamp": ts, "datetime": when, "comment-id": comment, "voter-id": voter, "vote": vote}
    ).to_csv(folder / "votes.csv", index=False)
    authors = rng.integers(0, people, size=COMMENTS)
    pd.DataFrame(
        {
            "timestamp": start - 1000 + np.arange(COMMENTS),
            "datetime": "Thu Jul 09 2015 23:02:25 GMT+0000 (UTC)",
            "comment-id": np.arange(COMMENTS),
            "author-id": authors,
            "agrees": 0,
            "disagrees": 0,
            "moderated": 1,
            "comment-body": [
                f"Synthetic statement {i} about services closer to home" for i in range(COMMENTS)
            ],
        }
    ).to_csv(folder / "comments.csv", index=False)
    (folder / "summary.csv").write_text(f"topic,Synthetic import of {n} votes\n", encoding="utf-8")
    pairs = np.unique(voter.astype(np.int64) * COMMENTS + comment)
    return {
        "vote_events": n,
        "votes": int(pairs.size),
        "participants": int(np.union1d(np.unique(voter), authors).size),
        "statements": COMMENTS,
        "votes_csv_mb": round((folder / "votes.csv").stat().st_size / 1024 / 1024, 1),
    }


# --- Inside a subprocess (``python polis_import.py _reader|_job FOLDER``) -------------------------------------------


def _memory() -> dict[str, float]:
    """This process's resident set now and its high-water mark, in MB."""
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) / 1024
    return out


def _measured(step: Any) -> dict[str, Any]:
    before = _memory()["VmRSS"]
    wall = time.perf_counter()
    out = step()
    seconds = time.perf_counter() - wall
    # VmHWM, not ru_maxrss: Linux carries into ru_maxrss the high-water mark of the image the process replaced at
    # exec, here the driver (forked by subprocess), which holds a whole export while it builds one; so a step
    # needing less than the driver did would report the driver's peak.
    peak = _memory()["VmHWM"]
    return {
        **out,
        "seconds": round(seconds, 2),
        "rss_before_mb": round(before),
        "peak_rss_mb": round(peak),
        "peak_rise_mb": round(peak - before),
    }


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "commonweal.settings")
    import django

    django.setup()


def _reader(folder: Path) -> dict[str, Any]:
    """The reading the import does: the new reader streams and bounds; the old counted, then read whole."""
    _django()
    from django.conf import settings

    from commonweal.analysis import polis_io
    from commonweal.conversations.polis_import import actions

    def step() -> dict[str, Any]:
        if hasattr(polis_io, "ExportTooLarge"):
            export = polis_io.read_polis_export(
                folder,
                max_votes=settings.IMPORT_MAX_VOTES,
                max_participants=settings.IMPORT_MAX_PARTICIPANTS,
                datetimes=False,
            )
        else:
            actions.check_limits(folder)  # type: ignore[attr-defined]  # the old code's
            export = polis_io.read_polis_export(folder)
        return {"vote_events": len(export.votes)}

    return _measured(step)


def _job(folder: Path) -> dict[str, Any]:
    """The background import job into a fresh SQLite database, then every row counted."""
    _django()
    from django.conf import settings
    from django.core.management import call_command

    from commonweal.conversations.models import ImportJob, Statement, Vote, VoteEvent
    from commonweal.conversations.polis_import.actions import run_next_import_job
    from commonweal.systems.models import System

    call_command("migrate", verbosity=0)
    system = System.objects.create(name="Benchmark", slug="benchmark")
    upload = Path(settings.DATA_DIR) / "imports" / uuid.uuid4().hex
    shutil.copytree(folder, upload)
    ImportJob.objects.create(system=system, upload=str(upload), source="comments.csv, votes.csv, summary.csv")

    def step() -> dict[str, Any]:
        job = run_next_import_job()
        assert job is not None
        return {"status": job.status, "error": job.error, "summary": job.summary}

    out = _measured(step)
    job = ImportJob.objects.get()
    conversation = job.conversation
    out["created"] = (
        {
            "vote_events": VoteEvent.objects.filter(conversation=conversation).count(),
            "votes": Vote.objects.filter(conversation=conversation).count(),
            "participants": conversation.participations.count(),
            "statements": Statement.objects.filter(conversation=conversation).count(),
        }
        if conversation is not None
        else None
    )
    out["upload_left_on_disk"] = upload.exists()
    return out


# --- The driver -----------------------------------------------------------------------------------------------------


def code_tree(revision: str, work: Path) -> Path:
    """The ``src`` folder of ``revision``, unpacked under ``work``."""
    data = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", revision, "src"], capture_output=True, check=True
    ).stdout
    target = work / f"tree-{revision}"
    with tarfile.open(fileobj=BytesIO(data)) as archive:
        archive.extractall(target, filter="data")
    return target / "src"


def run_child(mode: str, folder: Path, src: Path, work: Path, timeout: float) -> dict[str, Any]:
    data_dir = Path(tempfile.mkdtemp(prefix=f"data-{mode}-", dir=work))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("COMMONWEAL_")},
        "PYTHONPATH": str(src),
        "COMMONWEAL_DATA_DIR": str(data_dir),
        "COMMONWEAL_LOG_LEVEL": "WARNING",
    }
    try:
        proc = subprocess.run(
            [sys.executable, __file__, f"_{mode}", str(folder)],
            capture_output=True,
            text=True,
            env=env,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    if proc.returncode != 0:
        return {"error": f"exit {proc.returncode}: {proc.stderr.strip().splitlines()[-1:]}"}
    out: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return out


def check(expected: dict[str, int], job: dict[str, Any]) -> dict[str, Any]:
    """Whether the job made exactly what the export holds."""
    created = job.get("created") or {}
    wrong = {k: (created.get(k), expected[k]) for k in ("vote_events", "votes", "participants", "statements")}
    wrong = {k: v for k, v in wrong.items() if v[0] != v[1]}
    return {"counts_match": not wrong and job.get("status") == "done", "mismatches": wrong}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in ("_reader", "_job"):
        out = _reader(Path(argv[1])) if argv[0] == "_reader" else _job(Path(argv[1]))
        print(json.dumps(out))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="200k,1M,2M", help=f"comma-separated, of {', '.join(SIZES)}")
    parser.add_argument(
        "--before", default=BEFORE, help="git revision of the code before (default %(default)s)"
    )
    parser.add_argument("--no-before", action="store_true", help="measure the current code only")
    parser.add_argument(
        "--before-job-sizes",
        default="200k",
        help="sizes at which the old job runs too (default %(default)s: it committed every vote row on its own "
        "on SQLite, about 2 ms a row here, so 2M votes took over an hour)",
    )
    parser.add_argument("--timeout", type=float, default=2400.0, help="seconds per step")
    parser.add_argument("--output", type=Path, default=RESULTS, help="where to write (default %(default)s)")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="commonweal-bench-import-"))
    trees = {"after": ROOT / "src"}
    if not args.no_before:
        trees = {"before": code_tree(args.before, work), **trees}
    results: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python benchmarks/polis_import.py " + " ".join(argv),
        "before": None if args.no_before else args.before,
        "after": subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        + " (working tree)",
        "machine": {
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "pandas": pd.__version__,
            "numpy": np.__version__,
            "load_average_before": os.getloadavg(),
        },
        "sizes": {},
    }
    try:
        for name in args.sizes.split(","):
            folder = work / f"export-{name}"
            expected = build_export(folder, SIZES[name])
            row: dict[str, Any] = {"export": expected}
            for label, src in trees.items():
                reader = run_child("reader", folder, src, work, args.timeout)
                if label == "before" and name not in args.before_job_sizes.split(","):
                    row[label] = {"reader": reader, "job": None}
                    print(
                        f"{name} {label}: reader {reader.get('seconds')} s, peak {reader.get('peak_rss_mb')} MB"
                    )
                    continue
                job = run_child("job", folder, src, work, args.timeout)
                row[label] = {"reader": reader, "job": {**job, **check(expected, job)}}
                print(
                    f"{name} {label}: reader {reader.get('seconds')} s, peak rise {reader.get('peak_rise_mb')} MB;"
                    f" job {job.get('seconds')} s, peak {job.get('peak_rss_mb')} MB"
                    f" (rise {job.get('peak_rise_mb')} MB), counts match: {row[label]['job']['counts_match']}",
                    flush=True,
                )
            results["sizes"][name] = row
            shutil.rmtree(folder, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
