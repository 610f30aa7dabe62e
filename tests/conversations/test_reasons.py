"""Why a part of the results is empty or single: the engine's reason codes said in words on the results page, in
the board report and on "where you stand" (page and API)."""

from __future__ import annotations

import pytest
from django.test import Client

from commonweal.accounts.models import hash_token
from commonweal.conversations.jobs.compute import compute_snapshot
from commonweal.conversations.models import Participant
from commonweal.conversations.results.build import build_results
from commonweal.conversations.results.reasons import MESSAGES, why
from commonweal.conversations.results.standing import where_you_stand
from commonweal.reports.report.build import build_report
from tests.factories import make_conversation, make_facilitator, make_participant, make_statements, make_vote

pytestmark = pytest.mark.django_db

#: Every code docs/analysis.md ("Degenerate conversations") names, and the one the engine adds for stability.
CODES = (
    "no_votes",
    "one_participant",
    "no_differences",
    "all_statements_excluded",
    "too_few_voters",
    "fewer_than_two_groups",
    "no_eligible_statements",
    "one_group_found",
    "no_variance",
    "one_direction",
    "not_requested",
)


def test_every_reason_code_has_its_own_words():
    assert set(MESSAGES) == set(CODES)
    words = [why({"groups": code}, "groups") for code in CODES]
    assert all(words) and len(set(words)) == len(CODES)
    assert why({}, "groups") == "" and why(None, "divisive") == ""
    # A code from a newer engine is said to be there, not dropped.
    assert "brand_new_code" in why({"groups": "brand_new_code"}, "groups")


def alike(people: int = 6):
    """Everyone votes alike: one opinion group, nothing to divide, and (with one statement each way) no
    differences for the map to show."""
    conversation = make_conversation()
    statements = make_statements(conversation, 7)
    members = []
    for _ in range(people):
        p = make_participant(conversation.system, conversation=conversation, about_you_done=True)
        for s in statements:
            make_vote(p, s, 1)
        members.append(p)
    snapshot = compute_snapshot(conversation)
    assert snapshot is not None
    return conversation, snapshot, members


def test_the_results_report_and_standing_say_why_there_is_one_group():
    conversation, snapshot, members = alike()
    reasons = snapshot.result["reasons"]
    assert reasons["groups"] == "no_differences" and reasons["divisive"] == "fewer_than_two_groups"
    results = build_results(conversation)
    assert results.groups_reason == str(MESSAGES["no_differences"])
    assert results.divisive_reason == str(MESSAGES["fewer_than_two_groups"])
    client = Client()
    client.force_login(make_facilitator(conversation.system))
    page = client.get(f"/manage/conversations/{conversation.slug}/results/").content.decode()
    assert str(MESSAGES["no_differences"]) in page and str(MESSAGES["fewer_than_two_groups"]) in page
    report = build_report(conversation)
    assert str(MESSAGES["no_differences"]) in " ".join(report.findings)
    html = client.get(f"/manage/conversations/{conversation.slug}/report/").content.decode()
    assert str(MESSAGES["fewer_than_two_groups"]) in html
    standing = where_you_stand(conversation, members[0])
    assert standing is not None and standing.groups_reason == str(MESSAGES["no_differences"])


def test_where_you_stand_says_why_there_is_no_common_ground_in_the_api_too():
    conversation, snapshot, members = alike(people=3)  # too few in any group to judge a statement
    assert snapshot.result["reasons"]["common_ground"] == "too_few_voters"
    raw = "cwp_reasons-test-token"
    Participant.objects.filter(pk=members[0].pk).update(token_hash=hash_token(raw))
    body = (
        Client().get(f"/api/conversations/{conversation.slug}/standing", HTTP_X_PARTICIPANT_TOKEN=raw).json()
    )
    assert body["common_ground"] == []
    assert body["common_ground_reason"] == str(MESSAGES["too_few_voters"])
