"""The pulse's rows of the permission walk (merged by tests/test_permissions_walk.py; see WALK_TABLES there).

Facilitator pages and API operations follow the usual rule (facilitators of the system and administrators). The
respondent's page needs no account: the round's link is what gives access, so every role gets the same answer."""

from __future__ import annotations

from typing import Any

from commonweal.pulse.models import DEFAULT_ITEMS
from tests.pulse.factories import answers, make_pulse_round, respond
from tests.walk_support import FACILITATORS, REDIRECT, SIGNED_IN, Expect, api, same, staff

WORDING = {item["key"]: item["text"] + " (walk)" for item in DEFAULT_ITEMS}
ANSWER = {"sector": "vcse", **{key: str(value) for key, value in answers(4, 3, 2).items()}}

#: URL name -> the outcome of each role.
EXPECTED: dict[str, Expect] = {
    "pulse:round_list": Expect(get=staff(200, FACILITATORS)),
    "pulse:round_create": Expect(
        get=staff(200, FACILITATORS), post=staff(REDIRECT, FACILITATORS), post_data={"name": "Walk pulse"}
    ),
    "pulse:round_detail": Expect(get=staff(200, FACILITATORS)),
    # The walk's draft round: its wording may still change.
    "pulse:round_items": Expect(
        get=staff(200, FACILITATORS), post=staff(REDIRECT, FACILITATORS), post_data=WORDING
    ),
    "pulse:round_status": Expect(
        get=staff(405, SIGNED_IN), post=staff(REDIRECT, FACILITATORS), post_data={"status": "closed"}
    ),
    "pulse:results": Expect(get=staff(200, FACILITATORS)),
    "pulse:results_csv": Expect(get=staff(200, FACILITATORS)),
    "pulse:moderation": Expect(get=staff(200, FACILITATORS)),
    "pulse:moderate": Expect(
        get=staff(405, SIGNED_IN), post=staff(REDIRECT, FACILITATORS), post_data={"decision": "accepted"}
    ),
    # Answering redirects to the same page, which then thanks the browser.
    "pulse:respond": Expect(get=same(200), post=same(REDIRECT), post_data=ANSWER),
    "api:pulse_rounds": Expect(get=api(200, FACILITATORS), json=True),
    "api:pulse_results": Expect(get=api(200, FACILITATORS), json=True),
}


def params(world: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Path parameters of the pulse's URLs, by URL name; creates an open round with answers and a draft."""
    system = world["system"]
    open_round = make_pulse_round(system, name="Walk pulse open")
    for i in range(6):
        respond(open_round, sector="acute", direction=1 + i % 5)
    pending = respond(open_round, sector="vcse", text="More time together")
    draft = make_pulse_round(system, name="Walk pulse draft", status="draft")
    one = {"round_id": open_round.pk}
    return {
        "pulse:round_detail": one,
        "pulse:round_items": {"round_id": draft.pk},
        "pulse:round_status": one,
        "pulse:results": one,
        "pulse:results_csv": one,
        "pulse:moderation": one,
        "pulse:moderate": {**one, "response_id": pending.pk},
        "pulse:respond": {"token": open_round.token},
        "api:pulse_rounds": {"slug": system.slug},
        "api:pulse_results": {"slug": system.slug, "round_id": open_round.pk},
    }
