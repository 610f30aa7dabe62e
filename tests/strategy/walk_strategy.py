"""This part's rows of the permission walk (merged by tests/test_permissions_walk.py; see WALK_TABLES there): the
strategy's facilitator pages, the organisation's link and the public accountability page."""

from __future__ import annotations

from typing import Any

from commonweal.strategy.aims import actions as aims
from commonweal.strategy.commitments import actions as commitments
from commonweal.strategy.models import StrategySettings, StrategyShare
from tests.factories import make_round
from tests.walk_support import FACILITATORS, REDIRECT, Expect, api, same, staff

_VIEW = staff(200, FACILITATORS)
_EDIT = staff(REDIRECT, FACILITATORS)
_AIM = {"title": "An aim", "meaning": "What it means"}
_COMMIT = {"owner": lambda w: f"o{w['organisation'].pk}", "what": "Fund two posts", "money": "1000"}
_PROGRESS = {"status": "on_track", "text": "Going well"}

#: URL name -> the outcome of each role.
EXPECTED: dict[str, Expect] = {
    "strategy:home": Expect(get=_VIEW),
    "strategy:aim_draft": Expect(get=_VIEW, post=_EDIT, post_data=_AIM),
    "strategy:aims_test": Expect(get=_VIEW, post=_EDIT),
    "strategy:aim_detail": Expect(get=_VIEW),
    "strategy:aim_edit": Expect(get=_VIEW, post=_EDIT, post_data=_AIM),
    "strategy:aim_status": Expect(get=_VIEW, post=_EDIT, post_data={"status": "proposed"}),
    "strategy:commitment_create": Expect(get=_VIEW, post=_EDIT, post_data=_COMMIT),
    "strategy:commitment_edit": Expect(get=_VIEW, post=_EDIT, post_data=_COMMIT),
    "strategy:progress_create": Expect(get=_VIEW, post=_EDIT, post_data=_PROGRESS),
    "strategy:publish": Expect(get=_VIEW, post=_EDIT, post_data={"public": "on"}),
    "strategy:loop_update": Expect(get=_VIEW, post=_EDIT, post_data={"text": "We heard you."}),
    "strategy:export": Expect(get=_VIEW),
    "strategy:participation": Expect(get=_VIEW),
    "strategy:year_later": Expect(get=_VIEW),
    "strategy:report": Expect(get=_VIEW, post=_EDIT, post_data={"label": "ICP board"}),
    "strategy:report_pdf": Expect(get=_VIEW),
    "strategy:share_revoke": Expect(get=None, post=_EDIT),
    # A secret link opens the report and its PDF for anyone holding it.
    "strategy:shared_report": Expect(get=same(200)),
    "strategy:shared_report_pdf": Expect(get=same(200)),
    # The organisation's survey link is the key: anyone holding it may add and update its commitments.
    "strategy:org_home": Expect(get=same(200)),
    "strategy:org_commit": Expect(get=same(200), post=same(REDIRECT), post_data={"what": "Open a lounge"}),
    "strategy:org_commitment_edit": Expect(get=same(200), post=same(REDIRECT), post_data={"what": "Open it"}),
    "strategy:org_progress": Expect(get=same(200), post=same(REDIRECT), post_data=_PROGRESS),
    # Public once the system's facilitators publish it (the walk's system has).
    "strategy:accountability": Expect(get=same(200)),
    # The JSON API (an API token).
    "api:list_aims": Expect(get=api(200, FACILITATORS), json=True),
    "api:add_commitment": Expect(
        get=same(405),
        post=api(201, FACILITATORS),
        post_data={"what": "Fund two posts", "organisation": lambda w: w["organisation"].pk},
        json=True,
    ),
    **{
        name: Expect(
            get=api(200, FACILITATORS),
            post=api(201, FACILITATORS),
            post_data={"status": "on_track", "text": "Going well"},
            json=True,
        )
        for name in ("api:list_updates", "api:post_update")  # one address, two operations
    },
}


def params(world: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Path parameters of this part's URLs, by URL name; creates a draft aim, a proposed one with the walk
    organisation's commitment, a survey round (for the organisation's link), and publishes the accountability
    page."""
    system, organisation = world["system"], world["organisation"]
    facilitator = world["users"]["facilitator"]
    draft = aims.check_draft_aim(facilitator, system, aims.AimInput("Walk draft", "Its meaning"), [])
    proposed = aims.check_draft_aim(facilitator, system, aims.AimInput("Walk proposed", "Its meaning"), [])
    aims.check_change_status(facilitator, proposed, aims.StatusInput("proposed"))
    commitment = commitments.check_save_commitment(
        commitments.Actor(facilitator, "facilitator"),
        proposed,
        commitments.CommitmentInput("Walk commitment", organisation=organisation.pk),
    )
    token = make_round(system, name="Walk strategy round").invitations.get(organisation=organisation).token
    StrategySettings.objects.create(system=system, public_accountability=True)
    share = StrategyShare.objects.create(system=system, label="Walk board")
    return {
        "strategy:aim_detail": {"pk": draft.pk},
        "strategy:aim_edit": {"pk": draft.pk},
        "strategy:aim_status": {"pk": draft.pk},
        "strategy:commitment_create": {"pk": proposed.pk},
        "strategy:commitment_edit": {"pk": commitment.pk},
        "strategy:progress_create": {"pk": commitment.pk},
        "strategy:loop_update": {"slug": world["conversation"].slug},
        "strategy:export": {"name": "commitments.csv"},
        "strategy:share_revoke": {"pk": share.pk},
        "strategy:shared_report": {"token": share.token},
        "strategy:shared_report_pdf": {"token": share.token},
        "strategy:org_home": {"token": token},
        "strategy:org_commit": {"token": token, "aim_id": proposed.pk},
        "strategy:org_commitment_edit": {"token": token, "pk": commitment.pk},
        "strategy:org_progress": {"token": token, "pk": commitment.pk},
        "api:list_aims": {},
        "api:add_commitment": {"aim": proposed.pk},
        "api:list_updates": {"commitment": commitment.pk},
        "api:post_update": {"commitment": commitment.pk},
    }
