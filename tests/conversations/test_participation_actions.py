"""The participant actions: joining, about you, the next statement, voting and adding statements."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from commonweal.accounts.models import hash_token
from commonweal.conversations.models import (
    Conversation,
    Participant,
    Participation,
    Statement,
    Vote,
    VoteEvent,
)
from commonweal.conversations.participate import actions as p
from commonweal.conversations.participate import queries as hotpath
from commonweal.core.errors import (
    ConversationClosed,
    ConversationNotOpen,
    DuplicateStatement,
    InvalidInput,
    NotFound,
    RateLimited,
    StatementNotVotable,
)
from commonweal.systems.models import Sector
from tests.factories import (
    make_community,
    make_conversation,
    make_organisation,
    make_participant,
    make_place,
    make_snapshot,
    make_statement,
    make_statements,
    make_system,
    make_vote,
)

pytestmark = pytest.mark.django_db


def _joined(conversation: Conversation) -> Participant:
    participant = make_participant(conversation.system, conversation=conversation)
    return p.find_participant(conversation, participant_id=participant.pk)


def _real_queries(ctx: CaptureQueriesContext) -> list[str]:
    # Tests run inside a transaction, so every atomic block adds SAVEPOINT/RELEASE that production does not send.
    return [
        q["sql"] for q in ctx.captured_queries if not q["sql"].upper().startswith(("SAVEPOINT", "RELEASE"))
    ]


# --- Joining ------------------------------------------------------------------------------------------------


def test_joining_creates_a_consenting_pseudonymous_participant_and_a_participation():
    conversation = make_conversation()
    result = p.do_join(conversation, ip="10.0.0.1")
    assert result.new_participant
    participant = result.participant
    assert participant.system_id == conversation.system_id
    assert participant.consented_at is not None
    assert participant.token_hash is None and result.token is None
    assert Participation.objects.filter(participant=participant, conversation=conversation).count() == 1


def test_joining_again_or_another_conversation_of_the_system_reuses_the_participant():
    conversation = make_conversation()
    other = make_conversation(conversation.system)
    first = p.do_join(conversation, ip="10.0.0.1").participant
    again = p.do_join(conversation, participant=first, ip="10.0.0.1")
    assert not again.new_participant and again.participant.pk == first.pk
    p.do_join(other, participant=first, ip="10.0.0.1")
    assert Participant.objects.count() == 1
    assert Participation.objects.filter(participant=first).count() == 2


def test_a_participant_of_another_system_joins_as_a_new_participant():
    conversation = make_conversation()
    stranger = make_participant(make_system())
    result = p.do_join(conversation, participant=stranger, ip="10.0.0.1")
    assert result.new_participant and result.participant.pk != stranger.pk


def test_an_api_join_issues_a_token_of_which_only_the_hash_is_kept():
    conversation = make_conversation()
    result = p.do_join(conversation, ip="10.0.0.1", issue_token=True)
    assert result.token and result.token.startswith("cwp_")
    stored = Participant.objects.get(pk=result.participant.pk).token_hash
    assert stored == hash_token(result.token) and result.token not in stored
    found = p.find_participant(conversation, token=result.token)
    assert found.pk == result.participant.pk and found.joined


@pytest.mark.parametrize(
    ("status", "error"),
    [(Conversation.Status.DRAFT, ConversationNotOpen), (Conversation.Status.CLOSED, ConversationClosed)],
)
def test_nobody_joins_a_conversation_that_is_not_open(status, error):
    conversation = make_conversation(status=status)
    with pytest.raises(error):
        p.do_join(conversation, ip="10.0.0.1")
    assert Participant.objects.count() == 0


def test_joins_are_rate_limited_per_address_but_returning_participants_are_not(settings):
    settings.RATE_JOINS = "2/3600"
    conversation = make_conversation()
    first = p.do_join(conversation, ip="10.0.0.1").participant
    p.do_join(conversation, ip="10.0.0.1")
    with pytest.raises(RateLimited) as caught:
        p.do_join(conversation, ip="10.0.0.1")
    assert caught.value.status == 429 and caught.value.retry_after >= 1
    assert "Wait" in caught.value.message
    p.do_join(conversation, ip="10.0.0.2")  # another address has its own allowance
    p.do_join(conversation, participant=first, ip="10.0.0.1")  # no new participant, no limit
    assert Participant.objects.count() == 3


# --- About you ----------------------------------------------------------------------------------------------


def test_about_you_answers_are_saved_and_can_be_taken_back():
    conversation = make_conversation()
    system = conversation.system
    org, place, community = make_organisation(system), make_place(system), make_community(system)
    participant = _joined(conversation)
    about = p.check_about_you(
        participant,
        conversation,
        sector=Sector.VCSE,
        organisation_id=org.pk,
        place_id=place.pk,
        community_ids=[community.pk],
    )
    p.do_update_about_you(participant, conversation, about)
    participant.refresh_from_db()
    assert (participant.sector, participant.organisation, participant.place) == (Sector.VCSE, org, place)
    assert list(participant.communities.all()) == [community]
    assert participant.about_you_done

    p.do_update_about_you(participant, conversation, p.check_about_you(participant, conversation))
    participant.refresh_from_db()
    assert participant.sector == "" and participant.organisation is None and participant.place is None
    assert participant.communities.count() == 0


def test_skipping_about_you_saves_nothing_but_remembers_the_choice():
    conversation = make_conversation()
    participant = _joined(conversation)
    p.do_update_about_you(participant, conversation, None)
    participant.refresh_from_db()
    assert participant.about_you_done and participant.sector == ""


def test_about_you_refuses_answers_from_another_system_naming_each_field():
    conversation = make_conversation()
    elsewhere = make_system()
    participant = _joined(conversation)
    with pytest.raises(InvalidInput) as caught:
        p.check_about_you(
            participant,
            conversation,
            sector="astronaut",
            organisation_id=make_organisation(elsewhere).pk,
            place_id=make_place(elsewhere).pk,
            community_ids=[make_community(conversation.system).pk, make_community(elsewhere).pk],
        )
    fields = {f["field"] for f in caught.value.detail["fields"]}
    assert fields == {"sector", "organisation", "place", "communities"}


def test_about_you_refuses_answers_to_questions_the_conversation_does_not_ask():
    conversation = make_conversation(ask_sector=False, ask_place=False)
    participant = _joined(conversation)
    with pytest.raises(InvalidInput) as caught:
        p.check_about_you(
            participant, conversation, sector=Sector.VCSE, place_id=make_place(conversation.system).pk
        )
    problems = {f["field"]: f["problem"] for f in caught.value.detail["fields"]}
    assert problems["sector"] == "This conversation does not ask for your sector."
    assert set(problems) == {"sector", "place"}


def test_about_you_only_changes_the_questions_this_conversation_asks():
    conversation = make_conversation(ask_sector=False)
    participant = _joined(conversation)
    participant.sector = Sector.ACUTE
    participant.save()
    p.do_update_about_you(participant, conversation, p.AboutYou())
    participant.refresh_from_db()
    assert participant.sector == Sector.ACUTE


# --- The next statement -------------------------------------------------------------------------------------


def test_next_statement_skips_voted_statements_and_reports_progress():
    conversation = make_conversation()
    statements = make_statements(conversation, 3)
    participant = _joined(conversation)
    make_vote(participant, statements[0], 1)
    make_vote(participant, statements[1], 0)
    upcoming = p.next_statement(participant, conversation)
    assert upcoming.statement == statements[2]
    assert (upcoming.progress.voted, upcoming.progress.total, upcoming.progress.remaining) == (2, 3, 1)
    make_vote(participant, statements[2], -1)
    done = p.next_statement(participant, conversation)
    assert done.statement is None and done.progress.done
    assert (done.progress.voted, done.progress.total) == (3, 3)


def test_strict_moderation_never_shows_pending_statements_and_nobody_sees_rejected_ones():
    conversation = make_conversation(moderation=Conversation.Moderation.STRICT)
    accepted = make_statement(conversation, "Accepted")
    make_statement(conversation, "Pending", state=Statement.State.PENDING)
    make_statement(conversation, "Rejected", state=Statement.State.REJECTED)
    participant = _joined(conversation)
    seen = {p.next_statement(participant, conversation, rng=random.Random(i)).statement for i in range(20)}
    assert seen == {accepted}
    assert p.next_statement(participant, conversation).progress.total == 1


def test_permissive_moderation_shows_pending_statements_until_they_are_rejected():
    conversation = make_conversation(moderation=Conversation.Moderation.PERMISSIVE)
    accepted = make_statement(conversation, "Accepted")
    pending = make_statement(conversation, "Pending", state=Statement.State.PENDING)
    make_statement(conversation, "Rejected", state=Statement.State.REJECTED)
    participant = _joined(conversation)
    seen = {p.next_statement(participant, conversation, rng=random.Random(i)).statement for i in range(30)}
    assert seen == {accepted, pending}


def test_without_a_snapshot_every_unvoted_statement_can_come_next():
    conversation = make_conversation()
    statements = make_statements(conversation, 4)
    participant = _joined(conversation)
    rng = random.Random(7)
    counts = Counter(p.next_statement(participant, conversation, rng=rng).statement.pk for _ in range(200))
    assert set(counts) == {s.pk for s in statements}
    assert min(counts.values()) > 20  # roughly uniform: 50 each expected


def test_the_next_statement_is_weighted_by_the_latest_snapshots_priorities():
    conversation = make_conversation()
    low, high, fresh = make_statements(conversation, 3)
    make_snapshot(conversation, {low.pk: 100.0, high.pk: 1.0})  # an older snapshot, superseded
    make_snapshot(conversation, {low.pk: 1.0, high.pk: 99.0})
    participant = _joined(conversation)
    rng = random.Random(3)
    counts = Counter(p.next_statement(participant, conversation, rng=rng).statement.pk for _ in range(400))
    # A statement newer than the snapshot gets the highest known priority, so it is seen early too.
    assert counts[low.pk] < 20
    assert counts[high.pk] > 120 and counts[fresh.pk] > 120


def test_a_zero_or_negative_priority_still_leaves_the_statement_reachable():
    conversation = make_conversation()
    only = make_statement(conversation)
    make_snapshot(conversation, {only.pk: 0.0})
    participant = _joined(conversation)
    assert p.next_statement(participant, conversation).statement == only


def test_choosing_the_next_statement_takes_a_handful_of_queries_whatever_the_number_of_votes():
    conversation = make_conversation()
    statements = make_statements(conversation, 30)
    make_snapshot(conversation, {s.pk: 1.0 + i for i, s in enumerate(statements)})
    participant = _joined(conversation)
    for s in statements[:20]:
        make_vote(participant, s)
    p.next_statement(participant, conversation)  # warms the priorities cache
    with CaptureQueriesContext(connection) as ctx:
        upcoming = p.next_statement(participant, conversation)
    assert upcoming.statement in statements[20:]
    queries = _real_queries(ctx)
    # the candidates (with the total and the latest snapshot riding along), then the chosen statement
    assert len(queries) == 2, queries
    assert not any('"conversations_vote"."value"' in q for q in queries), "votes must not be loaded"


# --- Voting -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [1, 0, -1, "1", "-1", "0", "agree", "Disagree", " pass "])
def test_a_vote_is_agree_disagree_or_pass(value):
    conversation = make_conversation()
    statement = make_statement(conversation)
    participant = _joined(conversation)
    vote = p.do_vote(participant, statement, value)
    assert Vote.objects.get(participant=participant, statement=statement).value == vote.value
    assert vote.value in (1, 0, -1)


@pytest.mark.parametrize("value", [2, -2, 5, None, "", "yes", "1.5", True, False, 1.0, [1]])
def test_any_other_vote_value_is_refused_with_a_clear_message_and_nothing_stored(value):
    conversation = make_conversation()
    statement = make_statement(conversation)
    participant = _joined(conversation)
    with pytest.raises(InvalidInput) as caught:
        p.do_vote(participant, statement, value)
    assert caught.value.message == "A vote must be 1 (agree), -1 (disagree) or 0 (pass)."
    assert caught.value.detail["fields"][0]["field"] == "value"
    assert VoteEvent.objects.count() == 0 and Vote.objects.count() == 0


def test_changing_a_vote_keeps_every_event_and_one_current_vote():
    conversation = make_conversation()
    statement = make_statement(conversation)
    participant = _joined(conversation)
    p.do_vote(participant, statement, 1)
    p.do_vote(participant, statement, -1)
    p.do_vote(participant, statement, 0)
    events = list(
        VoteEvent.objects.filter(participant=participant).order_by("id").values_list("value", flat=True)
    )
    assert events == [1, -1, 0]
    current = Vote.objects.get(participant=participant, statement=statement)
    assert current.value == 0
    assert current.event_id == VoteEvent.objects.filter(participant=participant).latest("id").pk
    assert current.conversation_id == conversation.pk


def test_the_current_vote_follows_the_latest_event_even_if_writes_arrive_out_of_order():
    conversation = make_conversation()
    statement = make_statement(conversation)
    participant = _joined(conversation)
    now = timezone.now()
    older = VoteEvent.objects.create(
        conversation=conversation, participant=participant, statement=statement, value=1, at=now
    )
    newer = p._record_vote(participant, statement, -1, now)
    # The older event's upsert arrives last (as a slower concurrent request's would): it must not win.
    hotpath.upsert_current_vote(conversation.pk, participant.pk, statement.pk, 1, now, older.pk)
    current = Vote.objects.get(participant=participant, statement=statement)
    assert (current.value, current.event_id) == (-1, newer.event.pk)


@pytest.mark.parametrize(
    ("moderation", "state", "votable"),
    [
        (Conversation.Moderation.STRICT, Statement.State.ACCEPTED, True),
        (Conversation.Moderation.STRICT, Statement.State.PENDING, False),
        (Conversation.Moderation.STRICT, Statement.State.REJECTED, False),
        (Conversation.Moderation.PERMISSIVE, Statement.State.ACCEPTED, True),
        (Conversation.Moderation.PERMISSIVE, Statement.State.PENDING, True),
        (Conversation.Moderation.PERMISSIVE, Statement.State.REJECTED, False),
    ],
)
def test_votes_are_taken_only_on_statements_shown_to_participants(moderation, state, votable):
    conversation = make_conversation(moderation=moderation)
    statement = make_statement(conversation, state=state)
    participant = _joined(conversation)
    if votable:
        p.do_vote(participant, statement, 1)
        assert Vote.objects.filter(statement=statement).count() == 1
    else:
        with pytest.raises(StatementNotVotable) as caught:
            p.do_vote(participant, statement, 1)
        expected = (
            "removed by a moderator" if state == Statement.State.REJECTED else "waiting for a moderator"
        )
        assert expected in caught.value.message
        assert caught.value.status == 409 and caught.value.detail["statement_id"] == statement.pk
        assert VoteEvent.objects.count() == 0


@pytest.mark.parametrize(
    ("status", "error"),
    [(Conversation.Status.CLOSED, ConversationClosed), (Conversation.Status.DRAFT, ConversationNotOpen)],
)
def test_votes_are_refused_when_the_conversation_is_not_open(status, error):
    conversation = make_conversation()
    statement = make_statement(conversation)
    participant = _joined(conversation)
    conversation.status = status
    conversation.save()
    statement.conversation = conversation
    with pytest.raises(error):
        p.do_vote(participant, statement, 1)
    assert VoteEvent.objects.count() == 0


def test_a_participant_who_has_not_joined_cannot_vote():
    conversation = make_conversation()
    statement = make_statement(conversation)
    stranger = make_participant(conversation.system)  # same system, never joined this conversation
    with pytest.raises(p.NotJoined) as caught:
        p.do_vote(stranger, statement, 1)
    assert caught.value.status == 403 and caught.value.code == "not_joined"


def test_a_participant_cannot_vote_on_a_statement_of_another_system():
    conversation = make_conversation()
    participant = _joined(conversation)
    elsewhere = make_statement(make_conversation())
    with pytest.raises(NotFound):
        p.do_vote(participant, elsewhere, 1)


def test_votes_are_rate_limited_per_participant(settings):
    settings.RATE_VOTES = "3/60"
    conversation = make_conversation()
    statements = make_statements(conversation, 5)
    participant, other = _joined(conversation), _joined(conversation)
    for s in statements[:3]:
        p.do_vote(participant, s, 1)
    with pytest.raises(RateLimited) as caught:
        p.do_vote(participant, statements[3], 1)
    assert caught.value.retry_after >= 1 and "votes" in caught.value.message
    assert Vote.objects.filter(participant=participant).count() == 3
    p.do_vote(other, statements[3], 1)  # someone else's allowance is their own


def test_a_refused_vote_stores_nothing_and_is_not_counted(settings):
    from commonweal.core.models import RateLimitBucket

    settings.RATE_VOTES = "2/60"
    conversation = make_conversation()
    statements = make_statements(conversation, 3)
    participant = _joined(conversation)
    p.do_vote(participant, statements[0], 1)
    p.do_vote(participant, statements[1], 1)
    for _ in range(2):
        with pytest.raises(RateLimited):
            p.do_vote(participant, statements[2], -1)
    assert VoteEvent.objects.filter(participant=participant).count() == 2
    assert not Vote.objects.filter(participant=participant, statement=statements[2]).exists()
    assert RateLimitBucket.objects.get(key=f"votes:p:{participant.pk}").count == 2


def test_a_vote_takes_three_sql_statements_one_on_postgresql_once_the_participant_is_known():
    conversation = make_conversation()
    first, second = make_statements(conversation, 2)
    participant = _joined(conversation)
    p.do_vote(participant, first, 1)
    with CaptureQueriesContext(connection) as ctx:
        p.do_vote(participant, second, -1)
    queries = _real_queries(ctx)
    # in one transaction: count it against the rate limit, insert the event, upsert the current vote (on
    # PostgreSQL all three in one statement)
    assert len(queries) == (1 if connection.vendor == "postgresql" else 3), queries


# --- Adding a statement -------------------------------------------------------------------------------------


def test_a_statement_is_trimmed_pending_under_strict_moderation_and_carries_its_authors_agree_vote():
    conversation = make_conversation(moderation=Conversation.Moderation.STRICT)
    participant = _joined(conversation)
    submitted = p.do_submit_statement(participant, conversation, "  More care closer to home.  \n", theme="")
    statement = submitted.statement
    assert statement.text == "More care closer to home."
    assert statement.state == Statement.State.PENDING and statement.author == participant
    assert not statement.is_seed and not submitted.shown_now
    vote = Vote.objects.get(participant=participant, statement=statement)
    assert vote.value == 1 and VoteEvent.objects.filter(statement=statement, value=1).count() == 1


def test_under_permissive_moderation_a_new_statement_is_accepted_and_shown_at_once():
    conversation = make_conversation(moderation=Conversation.Moderation.PERMISSIVE)
    participant = _joined(conversation)
    submitted = p.do_submit_statement(participant, conversation, "Share staff between care homes")
    assert submitted.statement.state == Statement.State.ACCEPTED and submitted.shown_now
    other = _joined(conversation)
    assert p.next_statement(other, conversation).statement == submitted.statement
    # The author already agreed, so it is not offered to them again.
    assert p.next_statement(participant, conversation).statement is None


@pytest.mark.parametrize("text", ["", "   ", "\n\t", None])
def test_an_empty_statement_is_refused(text):
    conversation = make_conversation()
    with pytest.raises(InvalidInput) as caught:
        p.do_submit_statement(_joined(conversation), conversation, text)
    assert caught.value.message == "Enter your statement."
    assert Statement.objects.count() == 0


def test_a_statement_over_280_characters_is_refused_saying_how_long_it_is():
    conversation = make_conversation()
    participant = _joined(conversation)
    with pytest.raises(InvalidInput) as caught:
        p.do_submit_statement(participant, conversation, "a" * 312)
    assert caught.value.message.startswith("You have 312 characters; the limit is 280.")
    assert caught.value.detail["length"] == 312
    ok = p.do_submit_statement(participant, conversation, "b" * 280 + "   ")
    assert len(ok.statement.text) == 280


def test_an_exact_duplicate_is_refused_naming_the_existing_statement():
    conversation = make_conversation()
    existing = make_statement(conversation, "Invest in community mental health.")
    participant = _joined(conversation)
    with pytest.raises(DuplicateStatement) as caught:
        p.do_submit_statement(participant, conversation, "  invest in COMMUNITY   mental health!  ")
    assert caught.value.detail == {"statement_id": existing.pk, "state": "accepted", "votable": True}
    assert "vote on it instead" in caught.value.message
    assert Statement.objects.count() == 1 and VoteEvent.objects.count() == 0


def test_the_same_words_in_another_conversation_are_not_a_duplicate():
    conversation = make_conversation()
    make_statement(make_conversation(conversation.system), "Invest in prevention")
    p.do_submit_statement(_joined(conversation), conversation, "Invest in prevention")


@pytest.mark.parametrize(
    ("state", "says"),
    [(Statement.State.PENDING, "waiting for a moderator"), (Statement.State.REJECTED, "did not accept it")],
)
def test_a_duplicate_of_a_hidden_statement_says_why_it_cannot_be_voted_on(state, says):
    conversation = make_conversation()
    make_statement(conversation, "Longer GP opening hours", state=state)
    with pytest.raises(DuplicateStatement) as caught:
        p.do_submit_statement(_joined(conversation), conversation, "longer gp opening hours.")
    assert says in caught.value.message and caught.value.detail["votable"] is False


def test_a_theme_must_be_one_of_the_conversations_themes():
    conversation = make_conversation(themes=["What is working"])
    participant = _joined(conversation)
    with pytest.raises(InvalidInput) as caught:
        p.do_submit_statement(participant, conversation, "Text", theme="Complaints")
    assert "'What is working'" in caught.value.message
    submitted = p.do_submit_statement(participant, conversation, "Text", theme="What is working")
    assert submitted.statement.theme == "What is working"


def test_statements_are_refused_when_participants_may_not_add_them():
    conversation = make_conversation(participants_can_add=False)
    with pytest.raises(p.StatementsNotAllowed) as caught:
        p.do_submit_statement(_joined(conversation), conversation, "Text")
    assert caught.value.status == 403 and caught.value.code == "statements_not_allowed"


def test_statements_are_refused_when_the_conversation_is_closed():
    conversation = make_conversation()
    participant = _joined(conversation)
    conversation.status = Conversation.Status.CLOSED
    conversation.save()
    with pytest.raises(ConversationClosed):
        p.do_submit_statement(participant, conversation, "Text")


def test_statements_are_rate_limited_per_participant(settings):
    settings.RATE_STATEMENTS = "2/600"
    conversation = make_conversation()
    participant = _joined(conversation)
    p.do_submit_statement(participant, conversation, "One")
    p.do_submit_statement(participant, conversation, "Two")
    with pytest.raises(RateLimited) as caught:
        p.do_submit_statement(participant, conversation, "Three")
    assert "statements" in caught.value.message
    assert Statement.objects.count() == 2


def test_my_votes_lists_current_votes_and_which_can_still_change():
    conversation = make_conversation()
    a, b, c = make_statements(conversation, 3)
    participant = _joined(conversation)
    make_vote(participant, a, 1)
    make_vote(participant, a, -1)
    make_vote(participant, b, 0)
    Statement.objects.filter(pk=b.pk).update(state=Statement.State.REJECTED)
    rows = p.my_votes(participant, conversation)
    assert [(r.statement.pk, r.value, r.votable, r.label) for r in rows] == [
        (a.pk, -1, True, "Disagree"),
        (b.pk, 0, False, "Pass"),
    ]
    conversation.status = Conversation.Status.CLOSED
    conversation.save()
    assert not any(r.votable for r in p.my_votes(participant, conversation))


# --- The hand-written SQL of the hot path reads what the ORM reads -------------------------------------------


def _fields(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def test_the_hot_path_sql_builds_the_same_objects_as_the_orm():
    conversation = make_conversation(themes=["What is working", "Ünïcode theme"], description="Line one")
    statement = make_statement(
        conversation, "Caf\u00e9s as community hubs", theme="What is working", is_meta=True
    )
    participant = make_participant(conversation.system, conversation=conversation, sector=Sector.VCSE)
    participant.token_hash = hash_token("cwp_test")
    participant.about_you_done = True
    participant.save()

    found = hotpath.statement_with_conversation(conversation.slug, statement.pk)
    assert _fields(found) == _fields(Statement.objects.get(pk=statement.pk))
    assert _fields(found.conversation) == _fields(Conversation.objects.get(pk=conversation.pk))
    assert found.conversation.themes == ["What is working", "Ünïcode theme"]
    assert hotpath.statement_with_conversation("other-slug", statement.pk) is None

    assert _fields(hotpath.statement(statement.pk)) == _fields(Statement.objects.get(pk=statement.pk))
    assert hotpath.statement(statement.pk + 1000) is None

    by_token, joined = hotpath.participant(conversation, by="token_hash", value=hash_token("cwp_test"))
    assert joined is True and _fields(by_token) == _fields(Participant.objects.get(pk=participant.pk))
    assert by_token.consented_at.tzinfo is not None and by_token.about_you_done is True
    conv, part = hotpath.joined(conversation.slug, hash_token("cwp_test"))
    assert (
        _fields(conv) == _fields(Conversation.objects.get(pk=conversation.pk)) and part.pk == participant.pk
    )
    assert hotpath.joined(conversation.slug, hash_token("cwp_other")) is None
