"""This part's rows of the permission walk (merged by tests/test_permissions_walk.py; see WALK_TABLES there):
the participant's "Your data" pages and API, and the facilitator's erasure page."""

from __future__ import annotations

from typing import Any

from commonweal.conversations.rights.queries import format_reference
from tests.factories import make_participant
from tests.walk_support import FACILITATORS, REDIRECT, Expect, roles, same, staff

EXPECTED: dict[str, Expect] = {
    # Anyone may open "Your data": it shows what this device's session holds (nothing, for most roles).
    "conversations:participant-your-data": Expect(get=same(200)),
    # The download is the participant's own file; without one, back to the page that says so.
    "conversations:participant-your-data-download": Expect(get=roles(REDIRECT, participant=200)),
    # Deleting asks first (GET), then deletes (POST); without data, back to the page that says so.
    "conversations:participant-your-data-delete": Expect(
        get=roles(REDIRECT, participant=200), post=same(REDIRECT)
    ),
    # Facilitators only: erasing on request is not a moderator's task. The POST finds and erases a participant
    # of the conversation by their reference (rolled back after each request).
    "conversations:manage_erase": Expect(
        get=staff(200, FACILITATORS),
        post=staff(REDIRECT, FACILITATORS),
        post_data={"reference": lambda w: format_reference(w["erasable"].handle), "confirm": "1"},
    ),
    # The same through the JSON API, with the participant token.
    "api:my_data": Expect(get=roles(401, participant=200), json=True),
    "api:erase_me": Expect(get=same(405), other=("delete", roles(401, participant=200), None), json=True),
}


def params(world: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Path parameters of this part's URLs, by URL name; a participant for the facilitator to erase."""
    conversation = world["conversation"]
    world["erasable"] = make_participant(conversation.system, conversation=conversation)
    return {"conversations:participant-your-data-download": {"fmt": "json"}}
