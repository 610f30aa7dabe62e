"""The moderation queue: what is to review, accepting and rejecting one by one (with and without htmx) and in
bulk, meta and theme, the counts, who may moderate, the audit log, and speed with thousands of statements."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from commonweal.conversations.facilitate.actions import (
    check_moderate,
    moderation_counts,
    moderation_queue,
)
from commonweal.conversations.models import Conversation, Statement
from commonweal.conversations.participate.actions import do_submit_statement, visible_statements
from commonweal.core.errors import NotFound
from commonweal.core.models import AuditEntry
from tests.factories import (
    make_admin,
    make_conversation,
    make_facilitator,
    make_moderator,
    make_participant,
    make_statement,
    make_system,
    make_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator(conversation):
    return make_moderator(conversation, username="mo")


@pytest.fixture
def mclient(client, moderator):
    client.force_login(moderator)
    return client


def submitted(conversation, text: str, **kw) -> Statement:
    participant = make_participant(conversation.system, conversation=conversation)
    return make_statement(conversation, text, author=participant, state=kw.pop("state", "pending"), **kw)


def url(conversation, rest: str = "") -> str:
    return f"/manage/conversations/{conversation.slug}/moderation/{rest}"


# --- The queue ----------------------------------------------------------------------------------------------------


def test_the_queue_shows_new_statements_oldest_first_and_not_seeds_or_moderated_ones(mclient, conversation):
    make_statement(conversation, "A seed")
    first = submitted(conversation, "First submitted")
    second = submitted(conversation, "Second submitted")
    done = submitted(conversation, "Already accepted")
    check_moderate(None, conversation, [done.pk], "accept")
    assert list(moderation_queue(conversation)) == [first, second]
    page = mclient.get(url(conversation)).content.decode()
    assert page.index("First submitted") < page.index("Second submitted")
    assert "A seed" not in page and "Already accepted" not in page
    assert "<kbd>a</kbd> accept" in page and "moderation.js" in page


def test_under_permissive_moderation_shown_statements_still_wait_for_review(conversation):
    conversation.moderation = Conversation.Moderation.PERMISSIVE
    conversation.save()
    participant = make_participant(conversation.system, conversation=conversation)
    statement = do_submit_statement(participant, conversation, "Shown at once").statement
    assert statement.state == Statement.State.ACCEPTED
    assert list(moderation_queue(conversation)) == [statement]
    check_moderate(None, conversation, [statement.pk], "accept")
    assert list(moderation_queue(conversation)) == []


def test_the_counts(conversation):
    make_statement(conversation, "A seed")
    submitted(conversation, "Waiting")
    rejected = submitted(conversation, "Rejected one")
    check_moderate(None, conversation, [rejected.pk], "reject")
    counts = moderation_counts(conversation)
    assert counts.as_dict() == {"to_review": 1, "pending": 1, "accepted": 1, "rejected": 1, "total": 3}


def test_other_views_list_accepted_rejected_and_all(mclient, conversation):
    a = submitted(conversation, "Good one")
    r = submitted(conversation, "Bad one")
    check_moderate(None, conversation, [a.pk], "accept")
    check_moderate(None, conversation, [r.pk], "reject")
    accepted = mclient.get(url(conversation) + "?view=accepted").content.decode()
    assert "Good one" in accepted and "Bad one" not in accepted
    rejected = mclient.get(url(conversation) + "?view=rejected").content.decode()
    assert "Bad one" in rejected and "Good one" not in rejected
    assert mclient.get(url(conversation) + "?view=nonsense").status_code == 400


# --- One at a time ------------------------------------------------------------------------------------------------


def test_accepting_one_statement_shows_it_to_participants_and_is_audited(mclient, conversation, moderator):
    statement = submitted(conversation, "Please publish me")
    assert statement not in visible_statements(conversation)
    response = mclient.post(
        url(conversation, f"{statement.pk}/"), {"action": "accept", "view": "to_review", "page": "1"}
    )
    assert response.status_code == 302 and response["Location"] == url(conversation)
    statement.refresh_from_db()
    assert statement.state == Statement.State.ACCEPTED
    assert statement.moderated_by == moderator and statement.moderated_at is not None
    assert statement in visible_statements(conversation)
    entry = AuditEntry.objects.get(action="statement.accept")
    assert entry.actor == moderator and entry.system == conversation.system
    assert entry.before == {"state": "pending", "reviewed": False}
    assert entry.after == {"state": "accepted", "reviewed": True}
    follow = mclient.get(response["Location"]).content.decode()
    assert "Accepted: “Please publish me”" in follow


def test_rejecting_then_accepting_again_is_possible_and_each_is_audited(mclient, conversation):
    statement = submitted(conversation, "Changeable")
    mclient.post(url(conversation, f"{statement.pk}/"), {"action": "reject"})
    statement.refresh_from_db()
    assert statement.state == Statement.State.REJECTED
    mclient.post(url(conversation, f"{statement.pk}/"), {"action": "accept", "view": "rejected"})
    statement.refresh_from_db()
    assert statement.state == Statement.State.ACCEPTED
    entries = AuditEntry.objects.filter(subject_type="Statement").order_by("id")
    assert [(e.action, e.before["state"], e.after["state"]) for e in entries] == [
        ("statement.reject", "pending", "rejected"),
        ("statement.accept", "rejected", "accepted"),
    ]


def test_with_htmx_the_row_is_swapped_and_the_counts_and_announcement_updated(mclient, conversation):
    statement = submitted(conversation, "Swap me")
    submitted(conversation, "Next one")
    response = mclient.post(
        url(conversation, f"{statement.pk}/"),
        {"action": "accept", "view": "to_review"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith(
        f'<li class="cw-queue__row cw-queue__row--done" id="statement-{statement.pk}"'
    )
    assert "data-queue-done" in body
    assert 'id="queue-counts" hx-swap-oob="true"' in body
    assert '<span class="cw-counts__n">1</span> to review' in body
    assert 'id="queue-status"' in body and "Accepted: “Swap me”" in body


def test_a_decision_is_undone_back_to_waiting_for_review(mclient, conversation):
    # Issue 14, item 15: one key rejects, with no way back to "to review".
    statement = submitted(conversation, "Slipped")
    response = mclient.post(
        url(conversation, f"{statement.pk}/"),
        {"action": "reject", "view": "to_review"},
        HTTP_HX_REQUEST="true",
    )
    assert "data-queue-undo" in response.content.decode()  # the decided row offers Undo
    undone = mclient.post(
        url(conversation, f"{statement.pk}/"), {"action": "undo", "view": "to_review"}, HTTP_HX_REQUEST="true"
    )
    body = undone.content.decode()
    statement.refresh_from_db()
    assert statement.state == Statement.State.PENDING and statement.moderated_at is None
    assert "Undone: “Slipped” is back to review" in body and "data-queue-done" not in body.split("</li>")[0]
    assert '<span class="cw-counts__n">1</span> to review' in body
    assert AuditEntry.objects.filter(action="statement.undo").get().after == {
        "state": "pending",
        "reviewed": False,
    }
    # Nothing left to undo: said, and nothing changes.
    again = mclient.post(url(conversation, f"{statement.pk}/"), {"action": "undo"}, HTTP_HX_REQUEST="true")
    assert "There is no decision on “Slipped” to undo." in again.content.decode()
    statement.refresh_from_db()
    assert statement.state == Statement.State.PENDING


def test_meta_and_theme(mclient, conversation):
    statement = submitted(conversation, "This conversation is too long")
    mclient.post(url(conversation, f"{statement.pk}/"), {"action": "meta"})
    statement.refresh_from_db()
    assert statement.is_meta
    mclient.post(url(conversation, f"{statement.pk}/"), {"action": "theme", "theme": "What is working"})
    statement.refresh_from_db()
    assert statement.theme == "What is working"
    response = mclient.post(
        url(conversation, f"{statement.pk}/"), {"action": "theme", "theme": "Invented"}, follow=True
    )
    assert "Choose one of this conversation&#x27;s themes" in response.content.decode()
    statement.refresh_from_db()
    assert statement.theme == "What is working"
    assert {e.action for e in AuditEntry.objects.all()} == {"statement.set_meta", "statement.set_theme"}
    theme_entry = AuditEntry.objects.get(action="statement.set_theme")
    assert theme_entry.before == {"theme": ""} and theme_entry.after == {"theme": "What is working"}


def test_a_statement_of_another_conversation_cannot_be_moderated_here(mclient, conversation):
    other = make_conversation(conversation.system)
    foreign = submitted(other, "Not yours")
    assert mclient.post(url(conversation, f"{foreign.pk}/"), {"action": "accept"}).status_code == 404
    foreign.refresh_from_db()
    assert foreign.state == Statement.State.PENDING


# --- In bulk ------------------------------------------------------------------------------------------------------


def test_bulk_accept_of_the_selected_statements(mclient, conversation):
    a, b, c = (submitted(conversation, f"Bulk {i}") for i in range(3))
    response = mclient.post(url(conversation, "bulk/"), {"decision": "accept", "statement_ids": [a.pk, c.pk]})
    assert response.status_code == 302
    assert {s.pk: s.state for s in Statement.objects.all()} == {
        a.pk: "accepted",
        b.pk: "pending",
        c.pk: "accepted",
    }
    assert AuditEntry.objects.filter(action="statement.accept").count() == 2
    assert "2 statements accepted." in mclient.get(response["Location"]).content.decode()


def test_bulk_reject_of_every_statement_on_the_page_with_select_all(mclient, conversation):
    statements = [submitted(conversation, f"Page item {i}") for i in range(4)]
    ids = [s.pk for s in statements]
    mclient.post(url(conversation, "bulk/"), {"decision": "reject", "select_all": "1", "page_ids": ids[:3]})
    assert [s.state for s in Statement.objects.order_by("id")] == ["rejected"] * 3 + ["pending"]


def test_bulk_with_nothing_selected_says_so(mclient, conversation):
    submitted(conversation, "Lonely")
    response = mclient.post(url(conversation, "bulk/"), {"decision": "accept"}, follow=True)
    assert "Select at least one statement first" in response.content.decode()


def test_bulk_is_all_or_nothing_when_an_id_is_not_in_the_conversation(conversation):
    mine = submitted(conversation, "Mine")
    foreign = submitted(make_conversation(conversation.system), "Foreign")
    with pytest.raises(NotFound):
        check_moderate(None, conversation, [mine.pk, foreign.pk], "accept")
    mine.refresh_from_db()
    assert mine.state == Statement.State.PENDING
    assert not AuditEntry.objects.exists()


# --- Who may moderate ---------------------------------------------------------------------------------------------


def test_facilitators_of_the_system_and_administrators_may_moderate(client, conversation):
    statement = submitted(conversation, "Anyone?")
    for user in (make_facilitator(conversation.system), make_admin()):
        client.force_login(user)
        assert client.get(url(conversation)).status_code == 200
        assert client.post(url(conversation, f"{statement.pk}/"), {"action": "accept"}).status_code == 302


@pytest.mark.parametrize("who", ["stranger", "other_facilitator", "other_moderator"])
def test_others_may_not_moderate(client, conversation, who):
    statement = submitted(conversation, "Hands off")
    other_conversation = make_conversation(make_system())
    user = {
        "stranger": lambda: make_user(),
        "other_facilitator": lambda: make_facilitator(other_conversation.system),
        "other_moderator": lambda: make_moderator(make_conversation(conversation.system)),
    }[who]()
    client.force_login(user)
    assert client.get(url(conversation)).status_code == 403
    assert client.post(url(conversation, f"{statement.pk}/"), {"action": "accept"}).status_code == 403
    assert (
        client.post(
            url(conversation, "bulk/"), {"decision": "accept", "statement_ids": [statement.pk]}
        ).status_code
        == 403
    )
    statement.refresh_from_db()
    assert statement.state == Statement.State.PENDING


def test_anonymous_visitors_are_sent_to_sign_in(client, conversation):
    statement = submitted(conversation, "Hello")
    response = client.post(url(conversation, f"{statement.pk}/"), {"action": "accept"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    statement.refresh_from_db()
    assert statement.state == Statement.State.PENDING


# --- Thousands of statements --------------------------------------------------------------------------------------


def test_the_queue_is_paginated_and_its_queries_do_not_grow_with_its_size(mclient, conversation):
    participant = make_participant(conversation.system, conversation=conversation)
    now = timezone.now()
    Statement.objects.bulk_create(
        Statement(
            conversation=conversation,
            text=f"Statement number {i}",
            normalised_text=f"statement number {i}",
            author=participant,
            created_at=now,
        )
        for i in range(2000)
    )
    # The first view builds the index of accepted statements that duplicates are looked up in (two queries),
    # kept in memory until they change; count the queries of views after it.
    assert mclient.get(url(conversation)).status_code == 200
    with CaptureQueriesContext(connection) as few:
        page = mclient.get(url(conversation))
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count("data-queue-row") == 50
    assert "Showing 1 to 50 of 2000" in html and "Page 2 of 40" in html
    with CaptureQueriesContext(connection) as later:
        assert mclient.get(url(conversation) + "?page=40").status_code == 200
    assert len(later) == len(few) < 20
