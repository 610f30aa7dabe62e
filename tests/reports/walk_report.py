"""This part's rows of the permission walk (merged by tests/test_permissions_walk.py; see WALK_TABLES there):
the report, its PDF and its share links."""

from __future__ import annotations

from typing import Any

from commonweal.reports.models import ReportShare
from tests.walk_support import FACILITATORS, MODERATORS, REDIRECT, SIGNED_IN, Expect, same, staff

EXPECTED: dict[str, Expect] = {
    "reports:report": Expect(get=staff(200, MODERATORS)),
    "reports:report_pdf": Expect(get=staff(200, MODERATORS)),
    # A bad label re-renders the page (400); a good one redirects back to the report.
    "reports:share": Expect(
        get=staff(405, SIGNED_IN),
        post=staff(REDIRECT, FACILITATORS),
        post_data={"label": "ICP board, 4 December"},
    ),
    "reports:share_revoke": Expect(get=staff(200, FACILITATORS), post=staff(REDIRECT, FACILITATORS)),
    # The secret token is the key: anyone holding it reads the report, no account needed.
    "reports:shared": Expect(get=same(200)),
    "reports:shared_pdf": Expect(get=same(200)),
}


def params(world: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Path parameters of this part's URLs, by URL name: one active link to the walk's conversation."""
    share = ReportShare.objects.create(conversation=world["conversation"], label="Walk board")
    world["report_share"] = share
    return {
        "reports:share_revoke": {"pk": share.pk},
        "reports:shared": {"token": share.token},
        "reports:shared_pdf": {"token": share.token},
    }
