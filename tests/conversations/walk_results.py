"""This part's rows of the permission walk (merged by tests/test_permissions_walk.py; see WALK_TABLES there):
the facilitator's live results and present mode. (``conversations:manage_present`` itself is in the main table.)"""

from __future__ import annotations

from typing import Any

from commonweal.conversations.models import GroupName
from tests.walk_support import FACILITATORS, MODERATORS, REDIRECT, SIGNED_IN, Expect, staff

EXPECTED: dict[str, Expect] = {
    "conversations:manage_results": Expect(get=staff(200, MODERATORS)),
    # The walk's conversation has no snapshot and the request says it shows none: nothing newer, so 204.
    "conversations:manage_results_live": Expect(get=staff(204, MODERATORS)),
    "conversations:manage_results_chart": Expect(get=staff(200, MODERATORS)),
    # No "votes"/"people" in the query, so the counts differ from what the page shows: the fragment.
    "conversations:manage_present_live": Expect(get=staff(200, MODERATORS)),
    # The walk's conversation has no analysis yet, so there is no group to name: the results page again, with
    # the form and its error (400). Only facilitators may name a group.
    "conversations:manage_group_name": Expect(
        get=staff(405, SIGNED_IN),
        post=staff(400, FACILITATORS),
        post_data={"name": "Prevention first", "group": "0", "tick": "0"},
    ),
    "conversations:manage_group_name_forget": Expect(
        get=staff(405, SIGNED_IN), post=staff(REDIRECT, FACILITATORS)
    ),
}


def params(world: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Path parameters of this part's URLs, by URL name."""
    kept = GroupName.objects.create(
        conversation=world["conversation"], name="Prevention first", members=[], tick=1, group=0
    )
    return {
        "conversations:manage_results_chart": {"name": "opinion-map", "fmt": "svg"},
        "conversations:manage_group_name_forget": {"name_id": kept.pk},
    }
