"""This part's rows of the permission walk (merged by tests/test_permissions_walk.py; see WALK_TABLES there):
the asset register, each asset, its add, change and delete pages, and the map."""

from __future__ import annotations

from typing import Any

from tests.communities.factories import make_asset
from tests.walk_support import FACILITATORS, REDIRECT, Expect, staff

_VIEW = staff(200, FACILITATORS)
_ASSET = {"name": "Walk asset", "category": "physical", "holder": "resident", "postcode": "LS1 4AP"}

#: URL name -> the outcome of each role.
EXPECTED: dict[str, Expect] = {
    "communities:asset_map": Expect(get=_VIEW),
    "communities:asset_map_image": Expect(get=_VIEW),
    "communities:asset_map_data": Expect(get=_VIEW),
    "communities:asset_detail": Expect(get=_VIEW),
    "communities:asset_list": Expect(get=_VIEW),
    "communities:asset_create": Expect(get=_VIEW, post=staff(REDIRECT, FACILITATORS), post_data=_ASSET),
    "communities:asset_edit": Expect(get=_VIEW, post=staff(REDIRECT, FACILITATORS), post_data=_ASSET),
    "communities:asset_delete": Expect(get=_VIEW, post=staff(REDIRECT, FACILITATORS)),
}


def params(world: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Path parameters of this part's URLs: an asset of the walk's system, with coordinates."""
    asset = world["asset"] = make_asset(
        world["system"], name="Walk library", latitude="53.8", longitude="-1.5"
    )
    return {
        name: {"pk": asset.pk}
        for name in ("communities:asset_detail", "communities:asset_edit", "communities:asset_delete")
    }
