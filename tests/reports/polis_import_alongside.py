"""A Pol.is import job and a participant at once, on SQLite in a file (what commonweal runs on by default).

Run as ``python -m tests.reports.polis_import_alongside`` with ``COMMONWEAL_DATA_DIR`` set to an empty folder
(``test_polis_import_jobs`` does): it migrates a fresh database there, queues an import of a synthetic export,
and runs the job in a thread as the worker does. When the job has written part of the votes, it stops between two
batches and waits for a participant (up to ``WAIT`` seconds); meanwhile, on a connection of its own, a person
joins an open conversation of the same system and votes. Prints one JSON line: how long the join and the vote
took, any error, and whether the import waited for them part-way. With ``--one-transaction`` the job runs inside
one transaction (what the import does on PostgreSQL), to show what batches spare SQLite's participants.

The test database of the suite lives in memory with a shared cache, where a second writer fails at once instead
of waiting for SQLite's one write lock, so this runs in a process of its own.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

WAIT = 30.0
VOTE_EVENTS = 3_000


def _export(folder: Path) -> None:
    folder.mkdir(parents=True)
    comments = "timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body\n"
    comments += "".join(f"{1000 + i},x,{i},0,0,0,1,Imported statement {i}\n" for i in range(5))
    (folder / "comments.csv").write_text(comments, encoding="utf-8")
    votes = "timestamp,datetime,comment-id,voter-id,vote\n"
    votes += "".join(f"{2000 + i},x,{i % 5},{i % 300},{(i % 3) - 1}\n" for i in range(VOTE_EVENTS))
    (folder / "votes.csv").write_text(votes, encoding="utf-8")


def main(one_transaction: bool) -> dict[str, Any]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "commonweal.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections, transaction

    from commonweal.conversations.models import ImportJob, VoteEvent
    from commonweal.conversations.participate import actions as participate
    from commonweal.conversations.polis_import import actions as polis_import
    from tests.factories import make_conversation, make_statement, make_system

    call_command("migrate", verbosity=0)
    system = make_system()
    statement = make_statement(make_conversation(system))
    upload = Path(settings.DATA_DIR) / "imports" / "alongside"
    _export(upload)
    job = ImportJob.objects.create(system=system, upload=str(upload), source="comments.csv, votes.csv")
    participate.BULK_BATCH = 200  # fifteen batches of vote events
    importing, participated = threading.Event(), threading.Event()
    out: dict[str, Any] = {"import_waited": None, "reports_after": 0}
    real = polis_import._job_progress

    def watched(job: Any) -> Any:
        report = real(job)

        def spy(stage: str, done: int, total: int) -> None:
            report(stage, done, total)
            if out["import_waited"] is not None:
                out["reports_after"] += 1
            elif stage == "votes" and 0 < done < total // 2:
                importing.set()
                out["import_waited"] = participated.wait(WAIT)

        return spy

    polis_import._job_progress = watched  # type: ignore[assignment]

    def run_job() -> None:
        try:
            if one_transaction:
                with transaction.atomic():
                    polis_import.run_next_import_job()
            else:
                polis_import.run_next_import_job()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run_job)
    thread.start()
    if not importing.wait(WAIT):
        raise SystemExit("the import never reached its votes")
    started = time.monotonic()
    try:
        joined = participate.do_join(statement.conversation)
        out["join_seconds"] = round(time.monotonic() - started, 3)
        participate.do_vote(joined.participant, statement, 1)
        out["vote_seconds"] = round(time.monotonic() - started, 3)
        out["error"] = None
    except Exception as exc:  # noqa: BLE001 - reported in the output
        out["error"] = f"{type(exc).__name__}: {exc}"
    participated.set()
    thread.join(120)
    job.refresh_from_db()
    out["job_status"] = job.status
    out["job_error"] = job.error
    out["participant_votes"] = VoteEvent.objects.filter(conversation=statement.conversation).count()
    return out


if __name__ == "__main__":
    print(json.dumps(main("--one-transaction" in sys.argv[1:])))
