"""This part's rows of the permission walk (merged by tests/test_permissions_walk.py; see WALK_TABLES there):
the facilitator's live results and present mode. (``conversations:manage_present`` itself is in the main table.)"""

from __future__ import annotations

from typing import Any

from tests.walk_support import MODERATORS, Expect, staff

EXPECTED: dict[str, Expect] = {
    "conversations:manage_results": Expect(get=staff(200, MODERATORS)),
    # The walk's conversation has no snapshot and the request says it shows none: nothing newer, so 204.
    "conversations:manage_results_live": Expect(get=staff(204, MODERATORS)),
    "conversations:manage_results_chart": Expect(get=staff(200, MODERATORS)),
    # No "votes"/"people" in the query, so the counts differ from what the page shows: the fragment.
    "conversations:manage_present_live": Expect(get=staff(200, MODERATORS)),
}


def params(world: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Path parameters of this part's URLs, by URL name."""
    return {"conversations:manage_results_chart": {"name": "opinion-map", "fmt": "svg"}}
