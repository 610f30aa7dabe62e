"""Browser tests: real Chromium (Debian's /usr/bin/chromium, never a downloaded build) through the real pages.

Each test gets a live server (pytest-django's ``live_server``, a real threaded WSGI server on loopback) and a
fresh browser context. ``assert_accessible(page)`` injects axe-core and fails on any WCAG 2.2 A/AA violation.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop in this thread; the tests' own ORM calls are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("COMMONWEAL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 320, "height": 640}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


# On SQLite the test database lives in memory, and the live server's request threads share the test's one
# connection to it. CPython's sqlite3 module can deadlock on a shared connection: a thread inside sqlite3_step holds
# SQLite's connection mutex and waits for the GIL to run one of Django's Python SQL functions, while another thread
# holds the GIL and waits for that mutex (sqlite3_column_name while building its row map). Two overlapping requests
# (a page polling for live results while votes arrive) hung a browser story that way, for good. So on SQLite the live
# server answers one request at a time: the application and the reading of its response run under one lock (the
# connections of the browser stay open in their threads; only the work on the database takes turns). PostgreSQL
# gives every thread its own connection and needs none of this.
_ONE_REQUEST_AT_A_TIME = threading.Lock()


@pytest.fixture(scope="session", autouse=True)
def _live_server_takes_turns_on_sqlite(django_db_setup: Any) -> Iterator[None]:
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection

    if connection.vendor != "sqlite":
        yield
        return
    original = WSGIHandler.__call__

    def in_turn(self: Any, environ: Any, start_response: Any) -> Any:
        with _ONE_REQUEST_AT_A_TIME:
            response = original(self, environ, start_response)
            try:
                return [bytes(chunk) for chunk in response]
            finally:
                if hasattr(response, "close"):
                    response.close()

    WSGIHandler.__call__ = in_turn  # type: ignore[method-assign]
    try:
        yield
    finally:
        WSGIHandler.__call__ = original  # type: ignore[method-assign]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists() and not shutil.which(CHROMIUM):
        pytest.fail(f"Chromium is not at {CHROMIUM}: run `make system-deps` (apt-get install chromium).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


# How long a step may wait before the story fails as hung. Generous on purpose: the browser stories share two
# cores with the other tests, a live server and, in some stories, the analysis worker and PDF rendering, and a CI
# run saw a 10 s wait for an htmx swap run out under that load. It bounds a hang; it is not a speed check.
STEP_TIMEOUT_MS = 30_000


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    ctx.set_default_timeout(STEP_TIMEOUT_MS)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: Any) -> Any:
    return context.new_page()


@pytest.fixture
def phone_page(browser: Any) -> Iterator[Any]:
    """A 320-pixel-wide phone with touch, the narrowest screen we support."""
    ctx = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2, locale="en-GB"
    )
    ctx.set_default_timeout(STEP_TIMEOUT_MS)
    yield ctx.new_page()
    ctx.close()


def assert_accessible(page: Any, *, context: str = "") -> None:
    """Run axe-core on the page; fail listing every WCAG 2.0/2.1/2.2 A and AA violation."""
    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE}: run `npm ci`.")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, so the page's Content-Security-Policy (no inline scripts)
        # stays in force for everything else.
        page.evaluate(AXE.read_text() + "\n;undefined")
    result = page.evaluate(
        """async () => await axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa']}})"""
    )
    violations = result["violations"]
    if violations:
        lines = [f"axe-core found {len(violations)} WCAG A/AA violation(s) on {page.url} {context}:"]
        for v in violations:
            targets = ", ".join(str(n["target"]) for n in v["nodes"][:5])
            lines.append(f"- {v['id']} ({v['impact']}): {v['help']} -> {targets}")
        pytest.fail("\n".join(lines))


def assert_no_horizontal_scroll(page: Any) -> None:
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px at {page.viewport_size['width']}px wide"
