"""Every URL of the project, with every role, and the outcome each must get.

The walk resolves the project's URL configuration, fills each pattern's path parameters from one small world
(two systems, a conversation, a statement waiting for moderation, ...) and requests it as each role: anonymous,
participant (a session that joined the conversation, or its participant token for the API), moderator of the
conversation, facilitator of another system, facilitator of the system, administrator. Each request runs in a
transaction that is rolled back, so no request changes what the next one sees.

A URL pattern without an entry in :data:`EXPECTED` (or in one of the per-app tables of :data:`WALK_TABLES`) fails
the test: add a row when you add a URL.
"""

from __future__ import annotations

import copy
import importlib
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from commonweal.accounts.models import ApiToken
from commonweal.conversations.models import ConversationModerator, Statement
from commonweal.systems.models import SystemRole
from tests.factories import (
    make_admin,
    make_api_token,
    make_community,
    make_conversation,
    make_facilitator,
    make_moderator,
    make_organisation,
    make_participant,
    make_place,
    make_statements,
    make_system,
    make_user,
)
from tests.walk_support import (
    FACILITATORS,
    LOGIN,
    MODERATORS,
    REDIRECT,
    ROLES,
    SIGNED_IN,
    Expect,
    api,
    per_person_points,
    roles,
    same,
    staff,
)

pytestmark = pytest.mark.django_db

#: URL name -> the outcome of each role. Keep it in the order of the URL configuration.
EXPECTED: dict[str, Expect] = {
    # --- Site ---
    "home": Expect(get=same(200)),
    # The same answer for everyone: the walk's world has votes waiting and no analysis worker (worker_absent).
    "healthz": Expect(get=same(503)),
    "login": Expect(
        get=roles(200, moderator=REDIRECT, other_facilitator=REDIRECT, facilitator=REDIRECT, admin=REDIRECT),
        post=same(200),
        post_data={"username": "nobody", "password": "wrong"},
    ),
    "logout": Expect(get=same(405), post=same(REDIRECT)),
    "password_change": Expect(
        get=roles(200, anonymous=LOGIN, participant=LOGIN),
        post=roles(200, anonymous=LOGIN, participant=LOGIN),
        post_data={"current_password": "wrong"},
    ),
    "api_tokens": Expect(
        get=staff(200, SIGNED_IN), post=staff(200, SIGNED_IN), post_data={"name": "Another script"}
    ),
    # The token in the URL is the facilitator's own: nobody else may revoke it, administrators included.
    "api_token_revoke": Expect(get=staff(405, SIGNED_IN), post=staff(REDIRECT, ("facilitator",))),
    # --- A system's public pages: its notices, and the site's accessibility statement ---
    "accessibility_statement_site": Expect(get=same(200)),
    "accessibility_statement": Expect(get=same(200)),
    "privacy_notice": Expect(get=same(200)),
    # --- Systems ---
    "systems:dashboard": Expect(get=staff(200, SIGNED_IN)),
    "systems:system_create": Expect(
        get=staff(200, ("admin",)), post=staff(REDIRECT, ("admin",)), post_data={"name": "A new system"}
    ),
    "systems:system_detail": Expect(get=staff(200, FACILITATORS)),
    "systems:system_edit": Expect(
        get=staff(200, FACILITATORS),
        post=staff(REDIRECT, FACILITATORS),
        post_data={"name": "Renamed", "retention_days": "180"},
    ),
    "systems:notices_edit": Expect(
        get=staff(200, FACILITATORS),
        post=staff(REDIRECT, FACILITATORS),
        post_data={"controller_name": "Riverside ICB", "controller_contact": "dpo@example.org"},
    ),
    "systems:system_activity": Expect(get=staff(200, FACILITATORS)),
    "systems:place_list": Expect(get=staff(200, FACILITATORS)),
    "systems:place_create": Expect(
        get=staff(200, FACILITATORS), post=staff(REDIRECT, FACILITATORS), post_data={"name": "New place"}
    ),
    "systems:place_edit": Expect(
        get=staff(200, FACILITATORS), post=staff(REDIRECT, FACILITATORS), post_data={"name": "Renamed place"}
    ),
    "systems:place_delete": Expect(get=staff(200, FACILITATORS), post=staff(REDIRECT, FACILITATORS)),
    "systems:community_list": Expect(get=staff(200, FACILITATORS)),
    "systems:community_create": Expect(
        get=staff(200, FACILITATORS),
        post=staff(REDIRECT, FACILITATORS),
        post_data={"name": "New community", "kind": "interest"},
    ),
    "systems:community_edit": Expect(
        get=staff(200, FACILITATORS),
        post=staff(REDIRECT, FACILITATORS),
        post_data={"name": "Renamed community", "kind": "identity"},
    ),
    "systems:community_delete": Expect(get=staff(200, FACILITATORS), post=staff(REDIRECT, FACILITATORS)),
    "systems:organisation_list": Expect(get=staff(200, FACILITATORS)),
    "systems:organisation_create": Expect(
        get=staff(200, FACILITATORS),
        post=staff(REDIRECT, FACILITATORS),
        post_data={"name": "New organisation", "sector": "vcse"},
    ),
    "systems:organisation_import": Expect(get=staff(200, FACILITATORS), post=staff(400, FACILITATORS)),
    "systems:organisation_import_template": Expect(get=staff(200, FACILITATORS)),
    "systems:organisation_edit": Expect(
        get=staff(200, FACILITATORS),
        post=staff(REDIRECT, FACILITATORS),
        post_data={"name": "Renamed organisation", "sector": "acute"},
    ),
    "systems:organisation_delete": Expect(get=staff(200, FACILITATORS), post=staff(REDIRECT, FACILITATORS)),
    "systems:facilitators": Expect(
        get=staff(200, FACILITATORS), post=staff(REDIRECT, FACILITATORS), post_data={"username": "newcomer"}
    ),
    "systems:facilitator_remove": Expect(get=staff(405, SIGNED_IN), post=staff(REDIRECT, FACILITATORS)),
    "systems:accounts": Expect(
        get=staff(200, ("admin",)), post=staff(200, ("admin",)), post_data={"username": "brand.new"}
    ),
    "systems:account_reset_password": Expect(get=staff(405, SIGNED_IN), post=staff(200, ("admin",))),
    "systems:account_set_active": Expect(
        get=staff(405, SIGNED_IN), post=staff(REDIRECT, ("admin",)), post_data={"active": "0"}
    ),
    # --- Participant pages ---
    # A participant who has joined goes straight on to where they left off.
    "conversations:participant-home": Expect(get=roles(200, participant=REDIRECT)),
    "conversations:participant-join": Expect(get=same(405), post=same(REDIRECT)),
    "conversations:participant-about-you": Expect(
        get=roles(REDIRECT, participant=200), post=same(REDIRECT), post_data={"skip": "1"}
    ),
    "conversations:participant-vote": Expect(
        get=same(405), post=roles(REDIRECT, participant=REDIRECT), post_data={"statement": "S", "value": "1"}
    ),
    "conversations:participant-add": Expect(
        get=roles(REDIRECT, participant=200),
        post=roles(REDIRECT, participant=REDIRECT),
        post_data={"text": "A brand new statement from the walk"},
    ),
    "conversations:participant-my-votes": Expect(get=roles(REDIRECT, participant=200)),
    "conversations:participant-statement": Expect(get=same(200)),
    # --- Facilitator and moderator pages of a conversation ---
    "conversations:manage_create": Expect(
        get=staff(200, FACILITATORS),
        post=staff(REDIRECT, FACILITATORS),
        post_data={"title": "New", "question": "Why?", "moderation": "strict"},
    ),
    "conversations:manage_detail": Expect(get=staff(200, MODERATORS)),
    "conversations:manage_edit": Expect(
        get=staff(200, FACILITATORS),
        post=staff(REDIRECT, FACILITATORS),
        post_data={"title": "Renamed", "question": "Why?", "moderation": "strict"},
    ),
    "conversations:manage_seed": Expect(
        get=staff(200, FACILITATORS),
        post=staff(REDIRECT, FACILITATORS),
        post_data={"statements": "A new seed"},
    ),
    "conversations:manage_status": Expect(
        get=staff(405, SIGNED_IN), post=staff(REDIRECT, FACILITATORS), post_data={"status": "closed"}
    ),
    "conversations:manage_qr_svg": Expect(get=staff(200, MODERATORS)),
    "conversations:manage_qr_png": Expect(get=staff(200, MODERATORS)),
    "conversations:manage_present": Expect(get=staff(200, MODERATORS)),
    "conversations:manage_moderation": Expect(get=staff(200, MODERATORS)),
    "conversations:manage_moderate_bulk": Expect(
        get=staff(405, SIGNED_IN),
        post=staff(REDIRECT, MODERATORS),
        post_data={"decision": "accept", "statement_ids": "X"},
    ),
    "conversations:manage_moderate": Expect(
        get=staff(405, SIGNED_IN), post=staff(REDIRECT, MODERATORS), post_data={"action": "accept"}
    ),
    "conversations:manage_dashboard": Expect(get=staff(200, MODERATORS)),
    "conversations:manage_dashboard_live": Expect(get=staff(200, MODERATORS)),
    "conversations:manage_moderators": Expect(
        get=staff(200, MODERATORS), post=staff(REDIRECT, FACILITATORS), post_data={"username": "newcomer"}
    ),
    "conversations:manage_moderator_remove": Expect(
        get=staff(405, SIGNED_IN), post=staff(REDIRECT, FACILITATORS)
    ),
    "conversations:manage_grouping": Expect(
        get=staff(405, SIGNED_IN), post=staff(REDIRECT, FACILITATORS), post_data={"grouping": "polis"}
    ),
    # --- The JSON API ---
    "api:openapi-json": Expect(get=same(200), json=True),
    "api:openapi-view": Expect(get=same(200), json=True),
    "api:api-root": Expect(get=same(404), json=True),
    # Participant endpoints: a participant token, or none (joining issues one).
    # Joining with a participant token joins that participant; without one, creates one.
    "api:join": Expect(get=same(405), post=same(201), post_data={}, json=True),
    "api:about_you": Expect(
        get=same(405), other=("put", roles(401, participant=200), {"sector": "vcse"}), json=True
    ),
    "api:next_": Expect(get=roles(401, participant=200), json=True),
    "api:vote": Expect(
        get=same(405),
        post=roles(401, participant=201),
        post_data={"statement_id": "S", "value": 1},
        json=True,
    ),
    "api:add_statement": Expect(
        get=same(200),
        post=roles(401, participant=201),
        post_data={"text": "Added through the API walk"},
        json=True,
    ),
    "api:statements": Expect(get=same(200), json=True),
    "api:my_votes_": Expect(get=roles(401, participant=200), json=True),
    # Facilitator endpoints: a bearer token.
    "api:list_conversations": Expect(
        get=api(200, FACILITATORS),
        post=api(201, FACILITATORS),
        post_data={"title": "From the API", "question": "Why?"},
        json=True,
    ),
    "api:create_conversation": Expect(
        get=api(200, FACILITATORS),
        post=api(201, FACILITATORS),
        post_data={"title": "From the API", "question": "Why?"},
        json=True,
    ),
    "api:get_conversation_": Expect(
        get=api(200, MODERATORS), other=("patch", api(200, FACILITATORS), {"title": "Patched"}), json=True
    ),
    "api:update_conversation": Expect(
        get=api(200, MODERATORS), other=("patch", api(200, FACILITATORS), {"title": "Patched"}), json=True
    ),
    "api:open_conversation": Expect(get=same(405), post=api(409, FACILITATORS), json=True),
    "api:close_conversation": Expect(get=same(405), post=api(200, FACILITATORS), json=True),
    "api:add_seeds": Expect(
        get=same(405),
        post=api(201, FACILITATORS),
        post_data={"statements": [{"text": "Seed via API"}]},
        json=True,
    ),
    "api:moderation_queue": Expect(
        get=api(200, MODERATORS),
        post=api(200, MODERATORS),
        post_data={"statement_ids": ["X"], "decision": "reject"},
        json=True,
    ),
    "api:moderate": Expect(
        get=api(200, MODERATORS),
        post=api(200, MODERATORS),
        post_data={"statement_ids": ["X"], "decision": "reject"},
        json=True,
    ),
    "api:accept": Expect(get=same(405), post=api(200, MODERATORS), json=True),
    "api:reject": Expect(get=same(405), post=api(200, MODERATORS), json=True),
    "api:update_statement": Expect(
        get=same(405), other=("patch", api(200, MODERATORS), {"is_meta": True}), json=True
    ),
    "api:dashboard": Expect(get=api(200, MODERATORS), json=True),
    "api:list_systems": Expect(get=api(200, SIGNED_IN), json=True),
    "api:get_system_": Expect(get=api(200, FACILITATORS), json=True),
}


#: Per-app tables, merged into :data:`EXPECTED`. Each module has ``EXPECTED`` (URL name -> :class:`Expect`) and
#: ``params(world) -> {URL name: {path parameter: value}}``, which may create what its URLs need (and keep it in
#: ``world`` for its own ``post_data``: a callable value there is called with the world).
WALK_TABLES = (
    "tests.network.walk_system",
    "tests.network.walk_survey",
    "tests.network.walk_map",
    "tests.conversations.walk_results",
    "tests.conversations.walk_participant_live",
    "tests.conversations.walk_rights",
    "tests.conversations.walk_translations",
    "tests.reports.walk_report",
    "tests.reports.walk_exports",
    "tests.pulse.walk_pulse",
    "tests.communities.walk_assets",
    "tests.communities.walk_representation",
    "tests.communities.walk_profile",
    "tests.strategy.walk_strategy",
)


# --- The world the walk runs in ---------------------------------------------------------------------------------


@pytest.fixture
def world() -> dict[str, Any]:
    system = make_system(slug="riverside")
    other_system = make_system(slug="elsewhere")
    conversation = make_conversation(system, participants_can_add=True)
    seeds = make_statements(conversation, 3)
    facilitator = make_facilitator(system, username="fran")
    bystander = make_user(username="bystander")
    SystemRole.objects.create(user=bystander, system=system)
    ConversationModerator.objects.create(user=bystander, conversation=conversation)
    make_user(username="newcomer")
    author = make_participant(system, conversation=conversation)
    pending = Statement.objects.create(
        conversation=conversation, text="Waiting for a moderator", author=author
    )
    token, _ = ApiToken.issue(facilitator, "walk")
    users = {
        "moderator": make_moderator(conversation, username="mo"),
        "other_facilitator": make_facilitator(other_system, username="otto"),
        "facilitator": facilitator,
        "admin": make_admin(username="ada"),
    }
    return {
        "system": system,
        "conversation": conversation,
        "seed": seeds[0],
        "pending": pending,
        "place": make_place(system),
        "community": make_community(system),
        "organisation": make_organisation(system),
        "bystander": bystander,
        "token": token,
        "users": users,
        "tokens": {role: make_api_token(user) for role, user in users.items()},
    }


def url_patterns() -> Iterator[tuple[str, str]]:
    """(route, name) of every URL pattern of the project, with namespaces."""

    def walk(patterns: list[Any], prefix: str, namespace: str) -> Iterator[tuple[str, str]]:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = f"{namespace}:{p.namespace}".strip(":") if p.namespace else namespace
                yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern):
                name = f"{namespace}:{p.name}" if namespace else str(p.name)
                yield prefix + str(p.pattern), name

    yield from walk(get_resolver().url_patterns, "", "")


def fill(route: str, name: str, w: dict[str, Any]) -> str:
    """The route with its parameters filled from the world (a per-app table's ``params`` first)."""
    own = w["params"].get(name, {})
    by_param = {
        "system": w["system"].slug,
        "slug": w["conversation"].slug if "system" not in name else w["system"].slug,
        "statement_id": w["pending"].pk if "participant-statement" not in name else w["seed"].pk,
        "user_id": w["bystander"].pk,
    }
    pk_by_name = {
        "place": w["place"].pk,
        "community": w["community"].pk,
        "organisation": w["organisation"].pk,
        "account": w["bystander"].pk,
        "token": w["token"].pk,
    }
    if name == "api:get_system_":
        by_param["slug"] = w["system"].slug

    def value(match: re.Match[str]) -> str:
        param = match.group(2)
        if param in own:
            return str(own[param])
        if param == "pk":
            key = next(k for k in pk_by_name if k in name)
            return str(pk_by_name[key])
        return str(by_param[param])

    path = re.sub(r"<(?:(\w+):)?(\w+)>", value, route)
    return "/" + path.lstrip("^").rstrip("$")


def data_for(expect: Expect, w: dict[str, Any], body: dict[str, Any] | None) -> dict[str, Any]:
    data = dict(body if body is not None else (expect.post_data or {}))
    for key, value in list(data.items()):
        if callable(value):
            data[key] = value(w)
        elif value == "X":
            data[key] = w["pending"].pk
        elif value == ["X"]:
            data[key] = [w["pending"].pk]
        elif value == "S":
            data[key] = w["seed"].pk
    return data


def outcome(response: Any) -> Any:
    if response.status_code in (301, 302, 303):
        return LOGIN if response["Location"].startswith("/accounts/login/") else REDIRECT
    return response.status_code


def test_every_url_with_every_role(world):
    expected = dict(EXPECTED)
    world["params"] = {}
    for module_name in WALK_TABLES:
        table = importlib.import_module(module_name)
        overlap = set(expected) & set(table.EXPECTED)
        assert not overlap, f"{module_name} repeats URL names already in the walk: {sorted(overlap)}"
        expected.update(table.EXPECTED)
        world["params"].update(table.params(world))
    patterns = list(url_patterns())
    missing = sorted({name for _, name in patterns} - set(expected))
    assert not missing, f"Add these URL names to EXPECTED in {__file__} or a table of WALK_TABLES: {missing}"
    stale = sorted(set(expected) - {name for _, name in patterns})
    assert not stale, f"These names in EXPECTED are no longer URLs: {stale}"

    # One signed-in client per role, a participant who joined, and each role's API credentials.
    clients: dict[str, Client] = {role: Client() for role in ROLES}
    for role, user in world["users"].items():
        clients[role].force_login(user)
    slug = world["conversation"].slug
    assert clients["participant"].post(f"/c/{slug}/join/").status_code == 302
    joined = json.loads(
        Client().post(f"/api/conversations/{slug}/join", "{}", content_type="application/json").content
    )
    api_headers: dict[str, dict[str, str]] = {
        "anonymous": {},
        "participant": {"HTTP_X_PARTICIPANT_TOKEN": joined["token"]},
    }
    for role, raw in world["tokens"].items():
        api_headers[role] = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    failures: list[str] = []
    seen: set[tuple[str, str]] = set()
    for route, name in patterns:
        path = fill(route, name, world)
        if (name, path) in seen:
            continue
        seen.add((name, path))
        expect = expected[name]
        requests: list[tuple[str, dict[str, Any] | None, dict[str, Any] | None]] = [("get", expect.get, None)]
        if expect.post is not None:
            requests.append(("post", expect.post, None))
        if expect.other is not None:
            requests.append((expect.other[0], expect.other[1], expect.other[2]))
        for method, wanted, body in requests:
            for role in ROLES:
                want = 405 if wanted is None else wanted[role]
                client = Client() if expect.json else clients[role]
                headers = api_headers[role] if expect.json else {}
                # The database is rolled back after each request; so are the client's cookies (signing out,
                # for one, would otherwise sign the role out for the rest of the walk).
                cookies = copy.deepcopy(client.cookies)
                with transaction.atomic():
                    if method == "get":
                        response = client.get(path, **headers)
                    elif expect.json:
                        response = getattr(client, method)(
                            path,
                            json.dumps(data_for(expect, world, body)),
                            content_type="application/json",
                            **headers,
                        )
                    else:
                        response = getattr(client, method)(path, data_for(expect, world, body))
                    transaction.set_rollback(True)
                client.cookies = cookies
                got = outcome(response)
                if got != want:
                    failures.append(f"{method.upper()} {path} ({name}) as {role}: expected {want}, got {got}")
                if role in PUBLIC_ROLES:
                    failures += per_person_points(response, f"{method.upper()} {path} as {role}")
    assert not failures, "\n".join(failures)


#: Who sees what participants see: no per-person points may reach them (issue 11).
PUBLIC_ROLES = ("anonymous", "participant")


def test_no_participant_facing_answer_carries_per_person_points(world):
    """Every participant-facing page and API answer, and the shared report link, of a conversation with an
    analysis (two opinion groups, one of them of 3 people), for a participant placed in a group: no opinion map
    draws a mark for fewer than 5 people or one per person, and no JSON carries a per-person key."""
    from commonweal.conversations.jobs.compute import compute_snapshot
    from commonweal.conversations.participate.views import SESSION_KEY
    from commonweal.reports.models import ReportShare
    from tests.factories import make_vote

    conversation = make_conversation(world["system"], title="Analysed in the walk")
    statements = make_statements(conversation, 7)
    people = []
    for i in range(15):
        person = make_participant(world["system"], conversation=conversation, about_you_done=True)
        side = 1 if i < 12 else -1  # 12 on one side, 3 on the other
        for j, statement in enumerate(statements):
            # Everyone votes a little differently (a pass of their own), so that the engine's base clusters are
            # single people: a map drawn from them would show one mark per person.
            make_vote(person, statement, 0 if j == i % 7 else (side if j % 2 == 0 else -side))
        people.append(person)
    snapshot = compute_snapshot(conversation)
    assert snapshot is not None and snapshot.result["k"] >= 1
    placed = next(p for p in people if p.pk in snapshot.result["participant_ids"])
    participant = Client()
    session = participant.session
    session[SESSION_KEY] = {str(world["system"].pk): placed.pk}
    session.save()
    share = ReportShare.objects.create(conversation=conversation, label="Board")
    paths = [f"/r/{share.token}/"]
    for route, name in url_patterns():
        if name.startswith("conversations:participant-") and "<statement_id>" not in route:
            paths.append("/" + route.replace("<slug:slug>", conversation.slug).lstrip("^").rstrip("$"))
    failures: list[str] = []
    for path in paths:
        response = participant.get(path)
        failures += per_person_points(response, f"GET {path}")
    standing = participant.get(f"/c/{conversation.slug}/where-you-stand/").content.decode()
    assert "data-spec-json" in standing, "the placed participant is shown the opinion map"
    assert not failures, "\n".join(failures)
