"""What the pulse's browser stories share: checking each page they visit."""

from __future__ import annotations

import os
from pathlib import Path

from .conftest import assert_accessible, assert_no_horizontal_scroll

# Set COMMONWEAL_SCREENSHOTS=/some/folder to keep a PNG of every page these stories visit.
SHOTS = os.environ.get("COMMONWEAL_SCREENSHOTS")


def check(page, name: str, *, axe: bool = True) -> None:
    """axe-core (where JavaScript runs: its checks wait on timers that never fire with it off, and the same
    pages are checked with it on), no sideways scrolling, and a screenshot when asked for."""
    if axe:
        assert_accessible(page, context=f"({name})")
    assert_no_horizontal_scroll(page)
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        width = page.viewport_size["width"]
        page.screenshot(path=str(Path(SHOTS) / f"pulse-{width}-{name}.png"), full_page=True)
