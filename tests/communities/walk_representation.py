"""This part's rows of the permission walk (merged by tests/test_permissions_walk.py; see WALK_TABLES there): a
system's baselines (the Census import and the workforce import) and a conversation's representation page and CSV.
The POSTs send no file, so who may import gets the form back with its error (400)."""

from __future__ import annotations

from typing import Any

from tests.walk_support import FACILITATORS, MODERATORS, Expect, staff

_VIEW = staff(200, FACILITATORS)
_POST = staff(400, FACILITATORS)

EXPECTED: dict[str, Expect] = {
    "communities:baselines": Expect(get=_VIEW, post=_POST, post_data={"mapping": ""}),
    "communities:baselines_workforce": Expect(get=_VIEW, post=_POST, post_data={}),
    "communities:representation": Expect(get=staff(200, MODERATORS)),
    "communities:representation_csv": Expect(get=staff(200, MODERATORS)),
}


def params(world: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The walk's system and conversation fill the path parameters (``system`` and ``slug``) already."""
    return {}
