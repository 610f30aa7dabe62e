"""The web process keeps the garbage collector off its long-lived objects (commonweal.core.process): frozen once
the app is loaded and after a process's 1st, 20th and 200th request, never on the others."""

from __future__ import annotations

import gc
from types import SimpleNamespace

from commonweal.core import process


def test_a_process_freezes_its_long_lived_objects_after_its_1st_20th_and_200th_request(monkeypatch):
    calls: list[str] = []
    monkeypatch.setattr(process.gc, "collect", lambda: calls.append("collect"))
    monkeypatch.setattr(process.gc, "freeze", lambda: calls.append("freeze"))
    worker = SimpleNamespace()
    froze_after = []
    for n in range(1, 301):
        before = len(calls)
        process.after_request(worker, None, None, None)
        if len(calls) > before:
            froze_after.append(n)
            assert calls[before:] == ["collect", "freeze"]  # garbage first, so none is frozen
    assert froze_after == [1, 20, 200]


def test_freezing_moves_live_objects_out_of_the_collector_s_way():
    gc.unfreeze()
    try:
        before = gc.get_freeze_count()
        kept = [object() for _ in range(1000)]
        process.freeze_long_lived()
        assert gc.get_freeze_count() >= before + len(kept)
    finally:
        gc.unfreeze()


def test_the_server_calls_the_hook_after_each_request_and_gunicorn_accepts_it():
    from gunicorn.config import Config

    from commonweal import cli

    args = cli.build_parser().parse_args(["serve", "--port", "8123"])
    options = cli.gunicorn_options(args, workers=2, threads=2)
    assert options["post_request"] is process.after_request
    config = Config()
    for key, value in options.items():
        if value is not None:
            config.set(key, value)  # gunicorn checks a hook's arguments here
    assert config.post_request is process.after_request
