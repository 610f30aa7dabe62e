"""This part's rows of the permission walk (merged by tests/test_permissions_walk.py; see WALK_TABLES there): a
community's page, for the system's facilitators."""

from __future__ import annotations

from typing import Any

from tests.factories import make_community
from tests.walk_support import FACILITATORS, Expect, staff

EXPECTED: dict[str, Expect] = {
    "communities:community": Expect(get=staff(200, FACILITATORS)),
}


def params(world: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        "communities:community": {"community_id": make_community(world["system"], name="Walk community").pk}
    }
