"""This part's rows of the permission walk (merged by tests/test_permissions_walk.py; see WALK_TABLES there):
where you stand, and similar statements while typing."""

from __future__ import annotations

from typing import Any

from tests.walk_support import REDIRECT, Expect, roles

EXPECTED: dict[str, Expect] = {
    # Only a participant who joined has a place to stand; everyone else is sent to the consent page.
    "conversations:participant-where-you-stand": Expect(get=roles(REDIRECT, participant=200)),
    # An htmx fragment of the add-a-statement page: a redirect would be swapped into the page, so 403 instead.
    "conversations:participant-similar": Expect(get=roles(403, participant=200)),
    # The same through the JSON API, with the participant token.
    "api:standing": Expect(get=roles(401, participant=200), json=True),
    "api:similar": Expect(get=roles(401, participant=200), json=True),
}


def params(world: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Path parameters of this part's URLs, by URL name."""
    return {}
