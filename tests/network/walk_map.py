"""This part's rows of the permission walk (merged by tests/test_permissions_walk.py; see WALK_TABLES there):
the map, "my part", interdependencies and joint work."""

from __future__ import annotations

from typing import Any

from tests.factories import make_interdependency, make_joint_work, make_organisation, make_round
from tests.walk_support import FACILITATORS, REDIRECT, Expect, same, staff

_VIEW = staff(200, FACILITATORS)


def _interdependency_data(w: dict[str, Any]) -> dict[str, Any]:
    return {
        "source": f"organisation-{w['organisation'].pk}",
        "target": f"community-{w['community'].pk}",
        "kind": "staff",
        "description": "Care-home staff keep discharges moving.",
        "strength": "high",
    }


def _joint_work_data(w: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": "Discharge to assess pilot",
        "kind": "joint_project",
        "started_on": "2026-04-01",
        "organisations": [w["organisation"].pk, w["map_partner"].pk],
    }


INTERDEPENDENCY_FIELDS = ("source", "target", "kind", "description", "strength")
JOINT_WORK_FIELDS = ("title", "kind", "started_on", "organisations")


def _lazy(build: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    """Post data whose values are read from the world when the walk posts (the walk calls each callable)."""
    return {name: (lambda w, name=name: build(w)[name]) for name in fields}


#: URL name -> the outcome of each role.
EXPECTED: dict[str, Expect] = {
    "network:map": Expect(get=_VIEW),
    "network:map_image": Expect(get=_VIEW),
    "network:organisation_part": Expect(get=_VIEW),
    # The organisation's survey link is the key: anyone holding it reads the page, no account needed.
    "network:my_part": Expect(get=same(200)),
    "network:interdependency_list": Expect(get=_VIEW),
    "network:interdependency_create": Expect(
        get=_VIEW,
        post=staff(REDIRECT, FACILITATORS),
        post_data=_lazy(_interdependency_data, INTERDEPENDENCY_FIELDS),
    ),
    "network:interdependency_edit": Expect(
        get=_VIEW,
        post=staff(REDIRECT, FACILITATORS),
        post_data=_lazy(_interdependency_data, INTERDEPENDENCY_FIELDS),
    ),
    "network:interdependency_delete": Expect(get=_VIEW, post=staff(REDIRECT, FACILITATORS)),
    "network:joint_work_list": Expect(get=_VIEW),
    "network:joint_work_create": Expect(
        get=_VIEW,
        post=staff(REDIRECT, FACILITATORS),
        post_data=_lazy(_joint_work_data, JOINT_WORK_FIELDS),
    ),
    "network:joint_work_edit": Expect(
        get=_VIEW,
        post=staff(REDIRECT, FACILITATORS),
        post_data=_lazy(_joint_work_data, JOINT_WORK_FIELDS),
    ),
    "network:joint_work_delete": Expect(get=_VIEW, post=staff(REDIRECT, FACILITATORS)),
}


def params(world: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Path parameters of this part's URLs, by URL name; creates a partner, a round (for the survey link), an
    interdependency and joint work."""
    system, organisation = world["system"], world["organisation"]
    partner = world["map_partner"] = make_organisation(system, name="Walk map partner")
    survey_round = make_round(system, name="Walk map round")
    token = survey_round.invitations.get(organisation=organisation).token
    item = make_interdependency(system, organisation, partner)
    work = make_joint_work(system, [organisation, partner])
    return {
        "network:organisation_part": {"organisation_id": organisation.pk},
        "network:my_part": {"token": token},
        "network:interdependency_edit": {"pk": item.pk},
        "network:interdependency_delete": {"pk": item.pk},
        "network:joint_work_edit": {"pk": work.pk},
        "network:joint_work_delete": {"pk": work.pk},
    }
