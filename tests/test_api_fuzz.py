"""The JSON API under schemathesis: every operation of the OpenAPI document, fed generated requests (valid and
invalid) in-process, answers without a server error and in the shape its document promises.

A short, seeded run (``derandomize``: the same cases every run) so that it belongs in ``make test``. Each case
runs in a savepoint that is rolled back, so every case meets the same data: a system with a place, an
organisation and a community, an open conversation with statements, a joined participant (whose token every
request sends) and a facilitator (whose API token every request sends). Path parameters are mostly pinned to
that data, so the cases reach the endpoints' logic rather than stopping at "no such conversation".
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from commonweal.conversations.participate.actions import do_join
from tests.factories import (
    make_api_token,
    make_community,
    make_conversation,
    make_facilitator,
    make_organisation,
    make_place,
    make_statements,
    make_system,
)

pytestmark = pytest.mark.django_db

# Cases per operation and generation mode (26 operations, 2 modes): about 30 s on SQLite.
EXAMPLES = int(os.environ.get("COMMONWEAL_FUZZ_EXAMPLES", "20"))


@dataclass
class World:
    slug: str
    system: str
    statement_id: int
    participant_token: str
    api_token: str
    path: dict[str, Any] = field(default_factory=dict)


def _world() -> World:
    system = make_system(slug="fuzz")
    make_place(system)
    make_organisation(system)
    make_community(system)
    conversation = make_conversation(system, slug="fuzzconv")
    statements = make_statements(conversation, 3)
    joined = do_join(conversation, participant=None, ip=None, issue_token=True)
    facilitator = make_facilitator(system, username="fuzzer")
    world = World(
        slug=conversation.slug,
        system=system.slug,
        statement_id=statements[0].pk,
        participant_token=joined.token or "",
        api_token=make_api_token(facilitator),
    )
    world.path = {"slug": world.slug, "system": world.system, "statement_id": world.statement_id}
    return world


def _pin(case: Any, world: World, pinned: bool) -> Any:
    """Point the case at the world's conversation and system (most cases), or leave what was generated."""
    if pinned and case.path_parameters:
        for name in case.path_parameters:
            if name in world.path and not (name == "slug" and case.path.startswith("/api/manage/systems/{")):
                case.path_parameters[name] = world.path[name]
            elif name == "slug":
                case.path_parameters[name] = world.system
    return case


@pytest.fixture
def no_connection_closing() -> Any:
    """The WSGI handler closes the database connection after each request; the test's transaction must survive
    it (Django's own test client does the same)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _check(case: Any, response: Any, failures: list[str]) -> None:
    # deferred for start-up cost: schemathesis takes the better part of a second to import, which every test run
    # would otherwise pay at collection for this one test
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import response_schema_conformance

    try:
        case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
    except BaseExceptionGroup as group:  # every failure is collected, and all are reported together
        for exc in group.exceptions:
            message = (getattr(exc, "message", "") or str(exc)).splitlines()[0]
            title = getattr(exc, "title", type(exc).__name__)
            failures.append(
                f"{case.method} {case.operation.path} -> {response.status_code}: {title}: {message}"
            )


def test_api_under_schemathesis_has_no_server_error_and_no_schema_violation(
    no_connection_closing: Any,
) -> None:
    # deferred for start-up cost, as in _check
    import schemathesis

    world = _world()
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())
    headers = {"X-Participant-Token": world.participant_token, "Authorization": f"Bearer {world.api_token}"}
    failures: list[str] = []
    statuses: Counter[int] = Counter()
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            # The integer decides whether the case is pinned to the world's data (3 in 4) or left as generated.
            strategy = st.tuples(operation.as_strategy(generation_mode=mode), st.integers(0, 3))

            @settings(
                max_examples=EXAMPLES,
                derandomize=True,
                database=None,
                deadline=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(strategy)
            def run(drawn: tuple[Any, int]) -> None:
                case = _pin(drawn[0], world, pinned=drawn[1] > 0)
                with transaction.atomic():
                    response = case.call(headers=headers)
                    statuses[response.status_code] += 1
                    _check(case, response, failures)
                    transaction.set_rollback(True)  # the next case meets the same data

            run()
    server_errors = sum(n for status, n in statuses.items() if status >= 500)
    print(
        f"\nschemathesis: {sum(statuses.values())} requests, {server_errors} server errors, statuses "
        f"{dict(sorted(statuses.items()))}, {len(failures)} failures"
    )
    assert sum(statuses.values()) >= EXAMPLES * 20, "too few cases ran to mean anything"
    assert statuses[200] + statuses[201] > 100, "too few cases reached an endpoint's logic"
    assert not failures, "\n".join(sorted(set(failures)))
