"""This part's rows of the permission walk (merged by tests/test_permissions_walk.py; see WALK_TABLES there):
the asset register, each asset, its add, change and delete pages, the map, the mapping links with their QR
codes, the residents' form and the moderation queue."""

from __future__ import annotations

from typing import Any

from commonweal.communities.mapping.actions import do_open_link
from commonweal.communities.models import Status
from tests.communities.factories import make_asset
from tests.walk_support import FACILITATORS, REDIRECT, SIGNED_IN, Expect, api, same, staff

_VIEW = staff(200, FACILITATORS)
_API_ASSET = {"name": "Walk API asset", "category": "culture", "postcode": "LS1 4AP"}
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
    "communities:mapping_links": Expect(get=_VIEW),
    "communities:mapping_link_switch": Expect(
        get=staff(405, SIGNED_IN), post=staff(REDIRECT, FACILITATORS), post_data={"place": ""}
    ),
    "communities:mapping_qr_svg": Expect(get=_VIEW),
    "communities:mapping_qr_png": Expect(get=_VIEW),
    "communities:mapping_queue": Expect(get=_VIEW),
    "communities:mapping_moderate_bulk": Expect(
        get=staff(405, SIGNED_IN),
        post=staff(REDIRECT, FACILITATORS),
        post_data={"decision": "accept", "asset_ids": lambda w: [w["pending_asset"].pk]},
    ),
    "communities:mapping_moderate": Expect(
        get=staff(405, SIGNED_IN), post=staff(REDIRECT, FACILITATORS), post_data={"action": "accept"}
    ),
    # The system's mapping link is the key: anyone holding it adds an asset, no account needed.
    "communities:mapping_add": Expect(get=same(200), post=same(REDIRECT), post_data=_ASSET),
    "communities:mapping_thanks": Expect(get=same(200)),
    "communities:asset_transfer": Expect(get=_VIEW),
    # Without a file the form is shown again with its error: a 200 for those allowed.
    "communities:asset_import": Expect(get=_VIEW, post=_VIEW, post_data={"default_category": "physical"}),
    "communities:asset_export_oruk_json": Expect(get=_VIEW),
    "communities:asset_export_oruk_zip": Expect(get=_VIEW),
    "communities:asset_export_csv": Expect(get=_VIEW),
    "communities:asset_export_json": Expect(get=_VIEW),
    # The JSON API, with a bearer token.
    "api:list_assets": Expect(
        get=api(200, FACILITATORS), post=api(201, FACILITATORS), post_data=_API_ASSET, json=True
    ),
    "api:create_asset": Expect(
        get=api(200, FACILITATORS), post=api(201, FACILITATORS), post_data=_API_ASSET, json=True
    ),
    "api:openreferral_uk": Expect(get=api(200, FACILITATORS), json=True),
    "api:moderate_assets": Expect(
        get=same(405),
        post=api(200, FACILITATORS),
        post_data={"asset_ids": lambda w: [w["pending_asset"].pk], "decision": "accept"},
        json=True,
    ),
    "api:get_asset": Expect(
        get=api(200, FACILITATORS), other=("put", api(200, FACILITATORS), _API_ASSET), json=True
    ),
    "api:update_asset": Expect(
        get=api(200, FACILITATORS), other=("put", api(200, FACILITATORS), _API_ASSET), json=True
    ),
    "api:delete_asset": Expect(
        get=api(200, FACILITATORS), other=("put", api(200, FACILITATORS), _API_ASSET), json=True
    ),
}


def params(world: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Path parameters of this part's URLs: an asset of the walk's system (with coordinates), the system's
    mapping link and an asset waiting for moderation."""
    system = world["system"]
    asset = world["asset"] = make_asset(system, name="Walk library", latitude="53.8", longitude="-1.5")
    link = do_open_link(None, system)
    pending = world["pending_asset"] = make_asset(system, name="Walk shed", status=Status.PENDING, link=link)
    return {
        **{
            name: {"pk": asset.pk}
            for name in ("communities:asset_detail", "communities:asset_edit", "communities:asset_delete")
        },
        "communities:mapping_qr_svg": {"pk": link.pk},
        "communities:mapping_qr_png": {"pk": link.pk},
        "communities:mapping_moderate": {"pk": pending.pk},
        "communities:mapping_add": {"token": link.token},
        "communities:mapping_thanks": {"token": link.token},
        **{name: {"asset": asset.pk} for name in ("api:get_asset", "api:update_asset", "api:delete_asset")},
    }
