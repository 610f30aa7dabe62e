"""This part's rows of the permission walk (merged by tests/test_permissions_walk.py; see WALK_TABLES there)."""

from __future__ import annotations

from typing import Any

from tests.factories import make_organisation, make_response, make_round, rate
from tests.walk_support import FACILITATORS, Expect, staff

#: URL name -> the outcome of each role.
EXPECTED: dict[str, Expect] = {
    "network:home": Expect(get=staff(200, FACILITATORS)),
    # A POST without a file is refused with the form's errors (400), never half-imported.
    "network:import_relationships": Expect(get=staff(200, FACILITATORS), post=staff(400, FACILITATORS)),
    "network:import_template": Expect(get=staff(200, FACILITATORS)),
    "network:export": Expect(get=staff(200, FACILITATORS)),
}


def params(world: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Path parameters of this part's URLs, by URL name; may create what the URLs need."""
    system, organisation = world["system"], world["organisation"]
    partner = make_organisation(system, name="Walk system partner")
    survey_round = make_round(system, name="Walk system 2025")
    rate(make_response(survey_round, organisation), partner, 3)
    rate(make_response(survey_round, partner), organisation, 1)
    return {"network:export": {"fmt": "graphml"}}
