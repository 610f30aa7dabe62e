"""The ``commonweal`` command: serve, demo, worker, analyse and the Django management commands.

The web UI and this command share the same actions (``<app>/actions.py``); nothing here holds business logic.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import logging
import multiprocessing
import os
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Sequence
from typing import Any

import django
from django.conf import settings

from commonweal.conversations.rights.cli import add_parsers as add_retention_parsers
from commonweal.core.process import after_request, freeze_long_lived
from commonweal.reports.exports.cli import add_parsers as add_export_parsers


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "commonweal.settings")
    django.setup()


def cmd_manage(args: argparse.Namespace, rest: Sequence[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "commonweal.settings")
    # deferred for start-up cost: Django's management machinery is needed by `manage` and `migrate` only
    from django.core.management import execute_from_command_line

    execute_from_command_line(["commonweal", *rest])
    return 0


def cmd_migrate(args: argparse.Namespace, rest: Sequence[str]) -> int:
    return cmd_manage(args, ["migrate", "--noinput", *rest])


def _port_problem(host: str, port: int) -> str | None:
    """Why the server cannot listen on host:port, in words that say what to do; None when it can."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return f"Cannot serve on {host}: that host name does not resolve. Use --host 127.0.0.1 (or HOST=... with make)."
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # The same option gunicorn sets, so a port in TIME_WAIT after a restart does not count as taken.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return (
                    f"Port {port} on {host} is already in use (is commonweal already running?). Stop what is "
                    f"using it, or serve on another port: `make run PORT={port + 1}` or "
                    f"`commonweal serve --port {port + 1}`."
                )
            if exc.errno == errno.EACCES:
                return f"Not allowed to listen on port {port}: use a port above 1023, e.g. --port 8000."
            return f"Cannot listen on {host}:{port}: {exc.strerror}."
    return None


def _server_size(workers: int, threads: int, engine: str) -> tuple[int, int]:
    """gunicorn's worker processes and threads per worker; 0 means "choose for this database".

    SQLite lets one writer in at a time, and writers in other processes wait by sleeping and polling, which
    shows as latency spikes of hundreds of milliseconds under load; one process with several threads keeps
    votes quick (measured by benchmarks/vote_load.py). PostgreSQL takes concurrent writers, so there is a
    worker process for every core and one more, with two threads each: Python runs one thread at a time per
    process, and more threads only contend for it (on 2 cores, 3 x 2 served about 10% more votes a second than
    4 x 4, with a lower p99; benchmarks/vote_load.py, 2026-11-26).
    """
    if "sqlite" in engine:
        return workers or 1, threads or 8
    return workers or max(2, multiprocessing.cpu_count() + 1), threads or 2


def gunicorn_options(args: argparse.Namespace, workers: int, threads: int) -> dict[str, Any]:
    """The gunicorn settings ``commonweal serve`` runs with."""
    options: dict[str, Any] = {
        "bind": f"{args.host}:{args.port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "timeout": 60,
        "graceful_timeout": 10,
        # Longer than gunicorn's 2 s default, so a reverse proxy or a phone that pauses between votes reuses
        # its connection instead of racing the server's close.
        "keepalive": 5,
        # gunicorn's largest request line (its default is 4,094 bytes), so that a long query string reaches the
        # app, which refuses one over COMMONWEAL_MAX_QUERY_STRING with its own JSON 414 (query_too_long).
        "limit_request_line": 8190,
        "accesslog": "-" if args.access_log else None,
        "errorlog": "-",
        "loglevel": "warning",
        # Keep the garbage collector off the process's long-lived objects (commonweal.core.process).
        "post_request": after_request,
    }
    return options


def cmd_serve(args: argparse.Namespace, rest: Sequence[str]) -> int:
    """Serve with gunicorn (a production-grade WSGI server), never Django's development server."""
    _setup_django()
    # deferred for start-up cost: gunicorn is needed by `serve` only
    from gunicorn.app.base import BaseApplication

    # deferred past start-up: the WSGI application loads the models, importable only once Django is set up (above)
    from commonweal.wsgi import application

    workers, threads = _server_size(args.workers, args.threads, settings.DATABASES["default"]["ENGINE"])
    options = gunicorn_options(args, workers, threads)

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in options.items():
                if value is not None:
                    self.cfg.set(key, value)

        def load(self) -> Any:
            return application

        def run(self) -> None:
            _run_server(self, supervisor)

    problem = _port_problem(args.host, args.port)
    if problem:
        print(problem, file=sys.stderr)
        return 1
    url = f"http://{args.host}:{args.port}/"
    database = "SQLite" if "sqlite" in settings.DATABASES["default"]["ENGINE"] else "PostgreSQL"
    print(
        f"commonweal is serving on {url}  (data folder: {settings.DATA_DIR}; {database}; "
        f"{workers} worker{'s' if workers != 1 else ''} x {threads} threads)"
    )
    login_file = settings.DATA_DIR / "demo-login.txt"
    if login_file.exists():
        # The file names the address the demo was loaded for; show the one actually served.
        print(re.sub(r"http://[^\s)]+?/(?=accounts/|c/|manage/)", url, login_file.read_text().rstrip()))
    supervisor = _start_supervised_worker() if settings.WORKER == "embedded" else None
    if supervisor is None:
        print("The analysis worker is not started here (COMMONWEAL_WORKER=off): run `commonweal worker`.")
    print("Press Ctrl+C to stop.", flush=True)
    # The app is loaded: its objects live as long as the server (the workers fork from here).
    freeze_long_lived()
    try:
        if supervisor is not None:
            supervisor.start_thread()
        Server().run()
    finally:
        if supervisor is not None:
            supervisor.stop()
    return 0


def _start_supervised_worker() -> Any:
    """The embedded analysis worker, started under its supervisor (``conversations.jobs.supervisor``), which
    restarts it when it dies; returns the supervisor (its thread is started once the server runs)."""
    # deferred for start-up cost: the supervisor is needed by `serve` only
    from commonweal.conversations.jobs.supervisor import WorkerSupervisor

    supervisor = WorkerSupervisor(_start_embedded_worker)
    child = supervisor.start()
    print(
        f"The analysis worker is running (process {child.pid}) and updates results as votes arrive; it is "
        "restarted if it dies (COMMONWEAL_WORKER=off to run `commonweal worker` separately)."
    )
    return supervisor


def _run_server(app: Any, supervisor: Any) -> None:
    """gunicorn's ``BaseApplication.run``; with a worker ``supervisor``, its arbiter lets the supervisor collect the
    worker's exit status before gunicorn reaps its children (so the log can say how the worker died)."""
    # deferred for start-up cost: gunicorn is needed by `serve` only
    from gunicorn.app.base import BaseApplication

    if supervisor is None:
        BaseApplication.run(app)
        return
    # deferred for start-up cost: the supervisor is needed by `serve` only
    from commonweal.conversations.jobs.supervisor import arbiter_class

    # BaseApplication.run's own body, with the supervising arbiter.
    try:
        arbiter_class(supervisor)(app).run()
    except RuntimeError as exc:
        print(f"\nError: {exc}\n", file=sys.stderr, flush=True)
        sys.exit(1)


def cmd_worker(args: argparse.Namespace, rest: Sequence[str]) -> int:
    """The analysis worker: recompute conversations' analyses as votes and moderation change, until stopped.

    Logs a line per computation; stops cleanly (after the computation in progress) on SIGTERM or SIGINT. On
    SQLite one worker may run per data folder; a second one says so and exits with 1.
    """
    _setup_django()
    # deferred for start-up cost: needs Django set up, as the imports below
    from commonweal.conversations.jobs.heartbeat import Heartbeat

    # deferred for start-up cost: the worker loads the models, which can be imported only once Django is set up
    from commonweal.conversations.jobs.worker import (
        Computation,
        Worker,
        WorkerAlreadyRunning,
        single_worker_lock,
    )

    log = logging.getLogger("commonweal.worker")
    stop = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    def report(c: Computation) -> None:
        if c.outcome == "computed":
            log.info(
                "analysed %s: tick %s, %s votes from %s participants, %.2f s",
                c.slug,
                c.tick,
                f"{c.n_votes:,}",
                f"{c.n_participants:,}",
                c.seconds,
            )
        elif c.outcome == "failed":
            log.warning(
                "analysis of %s failed after %.2f s (%s); will retry later", c.slug, c.seconds, c.error
            )
        elif c.outcome in ("conflict", "busy", "done"):
            log.debug("analysis of %s: %s (another worker has it)", c.slug, c.outcome)

    sqlite = "sqlite" in settings.DATABASES["default"]["ENGINE"]
    try:
        with single_worker_lock() if sqlite else contextlib.nullcontext():
            database = "SQLite" if sqlite else "PostgreSQL"
            print(
                f"commonweal analysis worker running (process {os.getpid()}; {database}; every conversation "
                f"at most once per {settings.ANALYSIS_INTERVAL:g} s). Stop it with Ctrl+C or SIGTERM.",
                flush=True,
            )
            worker = Worker(interval=args.interval, on_computation=report)
            heartbeat = Heartbeat()
            worker.run_forever(stop, poll=args.poll, parent_pid=args.exit_with_parent, heartbeat=heartbeat)
            try:
                heartbeat.stop()  # a clean stop: the worker is absent, not stale
            except Exception:  # noqa: BLE001 - the database may be gone; the row then grows stale, which is true
                log.warning("analysis worker: could not remove its heartbeat", exc_info=True)
    except WorkerAlreadyRunning as exc:
        print(exc, file=sys.stderr)
        return 1
    print("commonweal analysis worker stopped.", flush=True)
    return 0


def _start_embedded_worker() -> Any:
    """``commonweal worker`` as a child process of ``serve`` (COMMONWEAL_WORKER=embedded).

    A process, not a thread inside the web server: Python runs one thread at a time per process (the GIL), so a
    thread computing a 10,000-participant analysis would stall the requests of its gunicorn worker for seconds;
    and a crash in the engine (or memory it runs out of) must not take the web server down. It is started before
    gunicorn forks its workers, is told the server's process id (it stops by itself if the server dies without
    stopping it), is restarted when it dies (``conversations.jobs.supervisor``), and is stopped when the server
    stops.
    """
    return subprocess.Popen(
        [sys.executable, "-m", "commonweal.cli", "worker", "--exit-with-parent", str(os.getpid())],
        env=os.environ.copy(),
    )


def cmd_demo(args: argparse.Namespace, rest: Sequence[str]) -> int:
    _setup_django()
    # deferred for start-up cost: the demo loads the models, which can be imported only once Django is set up
    from commonweal.demo import load_demo

    return load_demo(if_empty=args.if_empty, participants=args.participants, seed=args.seed)


def cmd_analyse(args: argparse.Namespace, rest: Sequence[str]) -> int:
    # deferred for start-up cost: the engine (numpy, pandas, scikit-learn) is needed by `analyse` only
    from commonweal.analysis.cli import run_analyse

    return run_analyse(args.folder, json_path=args.json, random_state=args.seed)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="commonweal", description="Run and manage commonweal.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help="serve the web app with gunicorn")
    p.add_argument("--host", default=os.environ.get("COMMONWEAL_HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(os.environ.get("COMMONWEAL_PORT", "8000")))
    p.add_argument("--workers", type=int, default=int(os.environ.get("COMMONWEAL_WORKERS", "0")))
    p.add_argument("--threads", type=int, default=int(os.environ.get("COMMONWEAL_THREADS", "0")))
    p.add_argument("--access-log", action="store_true")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("worker", help="run the analysis worker (results update as votes arrive)")
    p.add_argument(
        "--interval", type=float, default=None, help="least seconds between two analyses of one conversation"
    )
    p.add_argument("--poll", type=float, default=None, help="seconds between looks for new votes")
    p.add_argument("--exit-with-parent", type=int, default=None, help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("demo", help="load the demo system (Riverside Health and Care Partnership)")
    p.add_argument("--if-empty", action="store_true", help="only when the database has no system yet")
    p.add_argument("--participants", type=int, default=300)
    p.add_argument("--seed", type=int, default=7)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("migrate", help="create or update the database tables")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("analyse", help="analyse a Pol.is open-data export folder and print a summary")
    p.add_argument("folder")
    p.add_argument(
        "--json", metavar="FILE", help="also write the full result as JSON to FILE ('-' for stdout)"
    )
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=cmd_analyse)

    add_export_parsers(sub, _setup_django)

    add_retention_parsers(sub, _setup_django)

    # deferred for start-up cost: as the other commands' parsers
    from commonweal.core.backup_cli import add_parsers as add_backup_parsers

    add_backup_parsers(sub, _setup_django)

    p = sub.add_parser("manage", help="run a Django management command", add_help=False)
    p.set_defaults(func=cmd_manage)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if argv and argv[0] in ("manage", "migrate"):
        args, rest = parser.parse_known_args(argv[:1])
        return int(args.func(args, argv[1:]) or 0)
    args = parser.parse_args(argv)
    return int(args.func(args, []) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
