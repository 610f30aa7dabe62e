"""This part's rows of the permission walk (merged by tests/test_permissions_walk.py; see WALK_TABLES there):
the report, its PDF and its share links."""

from __future__ import annotations

from typing import Any

from tests.walk_support import Expect

EXPECTED: dict[str, Expect] = {}


def params(world: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Path parameters of this part's URLs, by URL name."""
    return {}
