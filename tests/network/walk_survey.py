"""This part's rows of the permission walk (merged by tests/test_permissions_walk.py; see WALK_TABLES there).

Facilitator pages follow the usual rule (facilitators of the system and administrators). Respondent pages need
no account: the organisation's link (its token) and the respondent's key are what give access, so every role gets
the same answer."""

from __future__ import annotations

from typing import Any

from tests.factories import make_organisation, make_response, make_round, rate
from tests.walk_support import FACILITATORS, REDIRECT, SIGNED_IN, Expect, same, staff

#: URL name -> the outcome of each role.
EXPECTED: dict[str, Expect] = {
    "network:round_list": Expect(get=staff(200, FACILITATORS)),
    "network:round_create": Expect(
        get=staff(200, FACILITATORS), post=staff(REDIRECT, FACILITATORS), post_data={"name": "Walk round"}
    ),
    "network:round_detail": Expect(get=staff(200, FACILITATORS)),
    "network:round_status": Expect(
        get=staff(405, SIGNED_IN), post=staff(REDIRECT, FACILITATORS), post_data={"status": "closed"}
    ),
    "network:round_links_csv": Expect(get=staff(200, FACILITATORS)),
    "network:round_qr": Expect(get=staff(200, FACILITATORS)),
    # Starting a response redirects to picking partners.
    "network:survey_start": Expect(
        get=same(200), post=same(REDIRECT), post_data={"respondent_role": "Walker"}
    ),
    "network:survey_partners": Expect(
        get=same(200),
        post=same(REDIRECT),
        post_data={
            "partners": lambda w: [w["survey"]["partner"].pk],
            "shown": lambda w: [w["survey"]["partner"].pk],
        },
    ),
    "network:survey_rate": Expect(get=same(200), post=same(REDIRECT), post_data={"intensity": "3"}),
    # (The page's questions are named by partner id; posting none saves nothing and moves on.)
    "network:survey_closeness": Expect(get=same(200), post=same(REDIRECT), post_data={"action": "later"}),
    "network:survey_check": Expect(get=same(200), post=same(REDIRECT)),
}


def params(world: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Path parameters of this part's URLs, by URL name; may create what the URLs need."""
    system, organisation = world["system"], world["organisation"]
    partner = make_organisation(system, name="Walk partner")
    survey_round = make_round(system, name="Walk 2026")
    response = make_response(survey_round, organisation)
    rate(response, partner, 2)
    invitation = response.invitation
    world["survey"] = {"round": survey_round, "response": response, "partner": partner}
    facilitator = {"round_id": survey_round.pk}
    respondent = {"token": invitation.token, "key": response.key}
    return {
        "network:round_detail": facilitator,
        "network:round_status": facilitator,
        "network:round_links_csv": facilitator,
        "network:round_qr": {**facilitator, "organisation_id": organisation.pk},
        "network:survey_start": {"token": invitation.token},
        "network:survey_partners": respondent,
        "network:survey_rate": {**respondent, "partner_id": partner.pk},
        "network:survey_closeness": respondent,
        "network:survey_check": respondent,
    }
