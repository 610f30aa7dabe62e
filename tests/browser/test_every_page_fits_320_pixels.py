"""Every page fits a phone 320 pixels wide (issue 14, item 13; WCAG 1.4.10 reflow): one walk over every URL of the
project, each page that answers HTML opened in Chromium at 320 pixels as someone allowed to see it (an
administrator, or a participant who joined), failing on any sideways scrolling and naming the element that
sticks out; and on any Content-Security-Policy violation (an inline style) or console error (issue 14, item
17). The world is the permission walk's (tests/test_permissions_walk.py), so a new URL is walked too."""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.factories import PASSWORD
from tests.test_permissions_walk import EXPECTED, WALK_TABLES, fill, url_patterns, world  # noqa: F401 (a fixture)

from .conftest import PHONE, STEP_TIMEOUT_MS
from .test_facilitator_watches_common_ground_appear_live import WATCH

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = os.environ.get("COMMONWEAL_SCREENSHOTS")

#: The widest element that sticks out past the right edge, for the failure message.
WIDEST = """() => {
  const width = document.documentElement.clientWidth;
  let worst = null;
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > width + 1 && (!worst || r.right > worst.right)) {
      worst = {right: Math.round(r.right), tag: el.tagName.toLowerCase(), cls: el.className.toString().slice(0, 60),
               text: (el.textContent || '').trim().slice(0, 40)};
    }
  }
  return worst;
}"""


def pages(w: dict) -> list[tuple[str, str, str]]:
    """(name, path, role) of every page a GET shows as HTML to an administrator or a joined participant."""
    expected = dict(EXPECTED)
    w["params"] = {}
    for module_name in WALK_TABLES:
        table = importlib.import_module(module_name)
        expected.update(table.EXPECTED)
        w["params"].update(table.params(w))
    out, seen = [], set()
    for route, name in url_patterns():
        expect = expected.get(name)
        if expect is None or expect.json or expect.get is None or name.startswith("api:"):
            continue
        path = fill(route, name, w)
        if path in seen or Path(path.rstrip("/")).suffix:  # a file to download (.csv, .svg, .pdf, ...)
            continue
        seen.add(path)
        for role in ("admin", "participant"):
            if expect.get.get(role) == 200:
                out.append((name, path, role))
                break
    return out


def test_every_page_fits_320_pixels_with_no_sideways_scrolling_and_no_policy_violation(
    live_server,
    browser,
    world,  # noqa: F811 (the permission walk's fixture, imported above)
):
    walk = pages(world)
    assert len(walk) > 60
    contexts, console = {}, []
    for role in ("admin", "participant"):
        ctx = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="en-GB")
        ctx.set_default_timeout(STEP_TIMEOUT_MS)
        ctx.add_init_script(WATCH)
        contexts[role] = ctx.new_page()
        contexts[role].on("console", lambda m: console.append(m.text) if m.type == "error" else None)
        contexts[role].on("pageerror", lambda e: console.append(str(e)))
    admin, participant = contexts["admin"], contexts["participant"]
    admin.goto(f"{live_server.url}/accounts/login/")
    admin.get_by_label("Username").fill(world["users"]["admin"].username)
    admin.get_by_label("Password", exact=True).fill(PASSWORD)
    admin.get_by_role("button", name="Sign in").click()
    admin.wait_for_url(f"{live_server.url}/manage/")
    participant.goto(f"{live_server.url}/c/{world['conversation'].slug}/")
    participant.get_by_role("button", name="I agree, take part").click()
    participant.wait_for_url(f"{live_server.url}/c/{world['conversation'].slug}/about-you/")

    failures, blocked, walked = [], [], 0
    for name, path, role in walk:
        page = contexts[role]
        try:
            response = page.goto(f"{live_server.url}{path}")
        except PlaywrightError as exc:  # a download (an export under a path without a file name)
            if "Download is starting" in str(exc):
                continue
            raise
        if response is None or "text/html" not in (response.headers.get("content-type") or ""):
            continue
        walked += 1
        page.wait_for_load_state("networkidle")
        violations = page.evaluate("() => window.__csp")
        errors = [e for e in console if not e.startswith("Failed to load resource")]
        console.clear()
        if violations or errors:
            blocked.append(f"{name} {path}: {sorted(set(violations))} {errors[:3]}")
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if overflow > 0:
            failures.append(f"{name} {path}: {overflow}px sideways; widest: {page.evaluate(WIDEST)}")
            if SHOTS:
                Path(SHOTS).mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(Path(SHOTS) / f"320-{name.replace(':', '-')}.png"), full_page=True)
    for page in contexts.values():
        page.context.close()
    assert walked > 60
    assert not failures, f"{len(failures)} of {walked} pages scroll sideways at 320 px:\n" + "\n".join(
        failures
    )
