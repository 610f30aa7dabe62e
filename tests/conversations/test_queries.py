"""The conversation lookups: each says the same thing wherever it is used (pages, API, reports), and "the latest
snapshot" is one query with the highest tick."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from commonweal.conversations.queries import (
    get_conversation,
    get_conversation_for_participant,
    latest_snapshot,
    snapshots_newest_first,
)
from commonweal.core.errors import NotFound
from tests.factories import (
    make_api_token,
    make_conversation,
    make_facilitator,
    make_snapshot,
    make_system,
)

pytestmark = pytest.mark.django_db


def _message(call: Callable[[], object]) -> str:
    with pytest.raises(NotFound) as caught:
        call()
    return caught.value.message


def test_a_missing_conversation_reads_the_same_on_every_facilitator_page_and_endpoint(client):
    system = make_system()
    facilitator = make_facilitator(system)
    client.force_login(facilitator)
    message = _message(lambda: get_conversation("nosuch"))
    assert "There is no conversation at this address" in message
    pages = [
        "/manage/conversations/nosuch/",
        "/manage/conversations/nosuch/results/",
        "/manage/conversations/nosuch/report/",
    ]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 404, path
        assert message in response.content.decode().replace("&#x27;", "'"), path
    token = make_api_token(facilitator)
    for path in ["/api/manage/conversations/nosuch", "/api/manage/conversations/nosuch/exports/analysis"]:
        response = Client().get(path, HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 404, path
        assert response.json()["error"]["message"] == message, path


def test_a_missing_conversation_reads_the_same_on_the_participant_page_and_the_api(client):
    message = _message(lambda: get_conversation_for_participant("nosuch"))
    assert (
        "We could not find a conversation at this link" in message and "no conversation 'nosuch'" in message
    )
    page = client.get("/c/nosuch/")
    assert page.status_code == 404
    assert message in page.content.decode().replace("&#x27;", "'")
    response = Client().post("/api/conversations/nosuch/join", "{}", content_type="application/json")
    assert response.status_code == 404
    assert response.json()["error"]["message"] == message


def test_each_lookup_is_one_query_and_brings_the_system(django_assert_num_queries):
    conversation = make_conversation()
    for lookup in (get_conversation, get_conversation_for_participant):
        with django_assert_num_queries(1):
            found = lookup(conversation.slug)
            assert (found, found.system.slug) == (conversation, conversation.system.slug)


def test_the_latest_snapshot_is_the_one_with_the_highest_tick():
    conversation, other = make_conversation(), make_conversation()
    assert latest_snapshot(conversation) is None
    for tick in (2, 5, 3):
        make_snapshot(conversation, tick=tick)
    make_snapshot(other, tick=9)
    assert latest_snapshot(conversation).tick == 5
    assert latest_snapshot(conversation.pk).tick == 5
    assert [s.tick for s in snapshots_newest_first(conversation)] == [5, 3, 2]


def test_the_latest_snapshot_can_leave_its_large_columns_out():
    conversation = make_conversation()
    make_snapshot(conversation, tick=1, result={"groups": []})
    light = latest_snapshot(conversation, defer=("state", "priorities"))
    assert light.get_deferred_fields() == {"state", "priorities"}
    assert light.result == {"groups": []}
    assert latest_snapshot(conversation).get_deferred_fields() == set()
