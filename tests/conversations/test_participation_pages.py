"""The participant pages under /c/<slug>/, through Django's test client, with and without htmx."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client

from commonweal.conversations.models import (
    Conversation,
    Participant,
    Participation,
    Statement,
    Vote,
    VoteEvent,
)
from commonweal.systems.models import Sector
from tests.factories import (
    make_community,
    make_conversation,
    make_organisation,
    make_place,
    make_statement,
    make_statements,
    make_vote,
)

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def url(conversation: Conversation, page: str = "") -> str:
    return f"/c/{conversation.slug}/" + (f"{page}/" if page else "")


def text(response) -> str:
    """The response's HTML with entities decoded and spacing collapsed, to search for what a reader sees."""
    return re.sub(r"\s+", " ", html.unescape(response.content.decode())).strip()


def join(client: Client, conversation: Conversation, *, skip_about_you: bool = True) -> Participant:
    response = client.post(url(conversation, "join"))
    assert response.status_code == 302
    if skip_about_you and response["Location"].endswith("/about-you/"):
        client.post(url(conversation, "about-you"), {"skip": "1"})
    return Participant.objects.get(pk=client.session["cw_participants"][str(conversation.system_id)])


@pytest.fixture
def conversation() -> Conversation:
    conversation = make_conversation()
    make_statements(conversation, 5)
    return conversation


@pytest.fixture
def with_lists(conversation):
    system = conversation.system
    return {
        "organisation": make_organisation(system, name="Riverside Hospice"),
        "place": make_place(system, name="North Riverside"),
        "community": make_community(system, name="Carers"),
    }


# --- Arriving -----------------------------------------------------------------------------------------------


def test_an_unknown_link_is_a_page_not_found(client):
    response = client.get("/c/nosuchconversation/")
    assert response.status_code == 404
    assert "We could not find a conversation at this link" in text(response)


def test_a_draft_conversation_says_it_is_not_open_yet(client):
    conversation = make_conversation(status=Conversation.Status.DRAFT)
    response = client.get(url(conversation))
    assert response.status_code == 200
    assert "This conversation has not opened yet" in text(response)
    assert "I agree, take part" not in text(response)
    assert client.post(url(conversation, "join")).status_code == 200
    assert Participant.objects.count() == 0


def test_the_consent_screen_says_what_we_collect_and_how_results_are_shown(client, conversation):
    response = client.get(url(conversation))
    page = text(response)
    assert response.status_code == 200
    for words in [
        conversation.title,
        conversation.question,
        "What we collect",
        "we do not ask for your name",
        "fewer than 5",
        "I agree, take part",
        "Every one of these questions is optional",
    ]:
        assert words in page, words
    assert Participant.objects.count() == 0  # looking is not joining


def test_the_consent_screen_mentions_only_the_questions_asked(client):
    conversation = make_conversation(
        ask_sector=False, ask_organisation=False, ask_place=False, ask_community=False
    )
    page = text(client.get(url(conversation)))
    assert "If you choose to tell us" not in page


def test_agreeing_creates_a_participant_remembered_per_system_and_asks_about_you(
    client, conversation, with_lists
):
    response = client.post(url(conversation, "join"))
    assert response.status_code == 302 and response["Location"] == url(conversation, "about-you")
    participant = Participant.objects.get()
    assert client.session["cw_participants"] == {str(conversation.system_id): participant.pk}
    assert Participation.objects.filter(participant=participant, conversation=conversation).exists()
    assert participant.consented_at is not None
    # Joining a second conversation of the same system on the same device reuses the participant.
    other = make_conversation(conversation.system)
    make_statements(other, 1)
    page = text(client.get(url(other)))
    assert "you will join this one as the same participant" in page
    client.post(url(other, "join"))
    assert Participant.objects.count() == 1


def test_about_you_asks_only_what_the_conversation_asks_and_can_be_skipped(client):
    conversation = make_conversation(ask_organisation=False, ask_community=False)
    make_statements(conversation, 2)
    (
        make_place(conversation.system),
        make_organisation(conversation.system),
        make_community(conversation.system),
    )
    client.post(url(conversation, "join"))
    page = text(client.get(url(conversation, "about-you")))
    assert "Which sector do you work in" in page and "Which place" in page
    assert "Which organisation" not in page and "Which of these communities" not in page
    assert "Skip these questions" in page
    response = client.post(url(conversation, "about-you"), {"skip": "1", "sector": "vcse"})
    assert response.status_code == 302 and response["Location"] == url(conversation)
    participant = Participant.objects.get()
    assert participant.about_you_done and participant.sector == ""
    # Once answered or skipped, the front page goes straight to the statements.
    assert "Agree" in text(client.get(url(conversation)))


def test_about_you_answers_are_saved(client, conversation, with_lists):
    client.post(url(conversation, "join"))
    response = client.post(
        url(conversation, "about-you"),
        {
            "sector": "vcse",
            "organisation": with_lists["organisation"].pk,
            "place": with_lists["place"].pk,
            "communities": [with_lists["community"].pk],
        },
    )
    assert response.status_code == 302
    participant = Participant.objects.get()
    assert participant.sector == Sector.VCSE and participant.organisation == with_lists["organisation"]
    assert participant.place == with_lists["place"]
    assert list(participant.communities.all()) == [with_lists["community"]]
    # The answers are shown again when the page is reopened.
    page = text(client.get(url(conversation, "about-you")))
    assert 'value="vcse" checked' in page


def test_about_you_with_a_tampered_choice_shows_an_error_summary_and_keeps_the_other_answers(
    client, conversation, with_lists
):
    client.post(url(conversation, "join"))
    other_system_org = make_organisation(make_conversation().system)
    response = client.post(
        url(conversation, "about-you"), {"sector": "vcse", "organisation": other_system_org.pk}
    )
    assert response.status_code == 400
    page = text(response)
    assert "There is a problem" in page and "Choose one of the options listed" in page
    assert 'href="#id_organisation"' in page
    assert 'value="vcse" checked' in page
    assert not Participant.objects.get().about_you_done


def test_without_lists_to_choose_from_only_the_sector_is_asked(client, conversation):
    client.post(url(conversation, "join"))
    page = text(client.get(url(conversation, "about-you")))
    assert "Which sector" in page and "Which organisation" not in page


def test_a_conversation_that_asks_nothing_goes_straight_to_the_statements(client):
    conversation = make_conversation(
        ask_sector=False, ask_organisation=False, ask_place=False, ask_community=False
    )
    make_statements(conversation, 1)
    response = client.post(url(conversation, "join"))
    assert response["Location"] == url(conversation)


def test_pages_after_consent_send_someone_who_has_not_joined_back_to_it(client, conversation):
    for page in ["about-you", "add", "my-votes"]:
        response = client.get(url(conversation, page))
        assert response.status_code == 302 and response["Location"] == url(conversation), page


# --- Voting -------------------------------------------------------------------------------------------------


def test_statements_come_one_at_a_time_with_progress_and_three_buttons(client, conversation):
    join(client, conversation)
    response = client.get(url(conversation))
    page = text(response)
    assert response.status_code == 200
    assert "0 of 5" in page and "statements voted on" in page
    statement = response.context["statement"]
    assert f'<p class="cw-statement__text">{statement.text}</p>' in page
    for label, value in [("Agree", "1"), ("Disagree", "-1"), ("Pass", "0")]:
        assert f'name="value" value="{value}"' in page and f">{label}</span></button>" in page
    assert 'aria-live="polite"' in page


def test_voting_without_javascript_records_the_vote_and_shows_the_next_statement(client, conversation):
    participant = join(client, conversation)
    first = client.get(url(conversation)).context["statement"]
    response = client.post(url(conversation, "vote"), {"statement": first.pk, "value": "-1"})
    assert response.status_code == 302 and response["Location"] == url(conversation) + "?voted=-1"
    assert Vote.objects.get(participant=participant, statement=first).value == -1
    follow = client.get(response["Location"])
    assert "Your vote was recorded: Disagree." in text(follow)
    assert "1 of 5" in text(follow) and follow.context["statement"] != first


def test_voting_with_htmx_swaps_in_the_next_statement_and_announces_it(client, conversation):
    participant = join(client, conversation)
    first = client.get(url(conversation)).context["statement"]
    response = client.post(url(conversation, "vote"), {"statement": first.pk, "value": "1"}, **HTMX)
    assert response.status_code == 200
    page = text(response)
    assert page.startswith('<section id="cw-voting"') and "<html" not in page
    assert '<div id="cw-announce" hx-swap-oob="innerHTML">Your vote was recorded: Agree.</div>' in page
    assert "1 of 5" in page and response.context["statement"] != first
    assert Vote.objects.get(participant=participant, statement=first).value == 1


def test_returning_on_the_same_device_continues_where_they_left_off(client, conversation):
    participant = join(client, conversation)
    statements = list(conversation.statements.all())
    for s in statements[:4]:
        client.post(url(conversation, "vote"), {"statement": s.pk, "value": "1"})
    returning = Client()
    returning.cookies = client.cookies  # the same browser, later
    response = returning.get(url(conversation))
    assert response.context["statement"] == statements[4]
    assert "4 of 5" in text(response)
    assert Participant.objects.count() == 1 and participant.votes.count() == 4


def test_after_the_last_statement_they_are_told_and_offered_to_add_one_or_see_their_votes(
    client, conversation
):
    join(client, conversation)
    for s in conversation.statements.all():
        client.post(url(conversation, "vote"), {"statement": s.pk, "value": "0"})
    page = text(client.get(url(conversation)))
    assert "You've voted on every statement" in page and "5 of 5" in page
    assert f'href="{url(conversation, "add")}"' in page and f'href="{url(conversation, "my-votes")}"' in page


@pytest.mark.parametrize("value", ["2", "", "maybe"])
def test_a_bad_vote_value_shows_the_same_statement_with_an_error(client, conversation, value):
    join(client, conversation)
    statement = conversation.statements.first()
    response = client.post(url(conversation, "vote"), {"statement": statement.pk, "value": value})
    assert response.status_code == 400
    page = text(response)
    assert "There is a problem" in page and "A vote must be 1 (agree), -1 (disagree) or 0 (pass)." in page
    assert response.context["statement"] == statement
    assert VoteEvent.objects.count() == 0


def test_a_vote_for_a_missing_or_foreign_statement_is_refused(client, conversation):
    join(client, conversation)
    elsewhere = make_statement(make_conversation())
    for sid in ["999999", str(elsewhere.pk)]:
        response = client.post(url(conversation, "vote"), {"statement": sid, "value": "1"})
        assert response.status_code == 404
        assert "We could not find that statement" in text(response)
    response = client.post(url(conversation, "vote"), {"statement": "abc", "value": "1"})
    assert response.status_code == 400
    assert VoteEvent.objects.count() == 0


def test_a_vote_on_a_rejected_statement_is_refused_and_another_statement_offered(client, conversation):
    join(client, conversation)
    rejected = make_statement(conversation, "Gone", state=Statement.State.REJECTED)
    response = client.post(url(conversation, "vote"), {"statement": rejected.pk, "value": "1"}, **HTMX)
    assert response.status_code == 409
    page = text(response)
    assert "removed by a moderator" in page
    assert response.context["statement"] is not None and response.context["statement"] != rejected


def test_a_vote_after_the_conversation_closes_is_refused_with_the_closed_page(client, conversation):
    join(client, conversation)
    statement = conversation.statements.first()
    conversation.status = Conversation.Status.CLOSED
    conversation.save()
    response = client.post(url(conversation, "vote"), {"statement": statement.pk, "value": "1"})
    assert response.status_code == 302
    page = text(client.get(response["Location"]))
    assert "This conversation is closed" in page and "no longer takes votes" in page
    assert VoteEvent.objects.count() == 0
    htmx = client.post(url(conversation, "vote"), {"statement": statement.pk, "value": "1"}, **HTMX)
    assert htmx["HX-Redirect"] == url(conversation)


def test_going_too_fast_gets_http_429_with_retry_after_and_the_same_statement(client, conversation, settings):
    settings.RATE_VOTES = "2/60"
    join(client, conversation)
    statements = list(conversation.statements.all())
    for s in statements[:2]:
        client.post(url(conversation, "vote"), {"statement": s.pk, "value": "1"})
    response = client.post(url(conversation, "vote"), {"statement": statements[2].pk, "value": "1"})
    assert response.status_code == 429 and int(response["Retry-After"]) >= 1
    assert "Too many votes" in text(response) and response.context["statement"] == statements[2]
    assert Vote.objects.count() == 2


def test_a_vote_without_a_session_goes_back_to_the_consent_screen(client, conversation):
    statement = conversation.statements.first()
    response = client.post(url(conversation, "vote"), {"statement": statement.pk, "value": "1"})
    assert response.status_code == 302 and response["Location"] == url(conversation)
    assert VoteEvent.objects.count() == 0


def test_forms_are_protected_against_cross_site_requests(conversation):
    client = Client(enforce_csrf_checks=True)
    assert client.post(url(conversation, "join")).status_code == 403
    assert Participant.objects.count() == 0


def test_joining_too_often_from_one_address_gets_a_clear_429_page(conversation, settings):
    settings.RATE_JOINS = "1/3600"
    Client().post(url(conversation, "join"))
    response = Client().post(url(conversation, "join"))
    assert response.status_code == 429 and int(response["Retry-After"]) >= 1
    page = text(response)
    assert "Please slow down" in page and "new participants from your network" in page
    assert Participant.objects.count() == 1


def test_statement_text_is_escaped(client):
    conversation = make_conversation()
    make_statement(conversation, '<script>alert("x")</script> & more')
    join(client, conversation)
    page = client.get(url(conversation)).content.decode()
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page


# --- Adding a statement -------------------------------------------------------------------------------------


def test_adding_a_statement_thanks_them_and_says_their_agree_vote_was_counted(client, conversation):
    participant = join(client, conversation)
    page = text(client.get(url(conversation, "add")))
    assert "Your statement" in page and "You can enter up to 280 characters" in page
    response = client.post(url(conversation, "add"), {"text": "Keep the walk-in centre open", "theme": ""})
    assert response.status_code == 302 and response["Location"] == url(conversation)
    statement = Statement.objects.get(text="Keep the walk-in centre open")
    assert statement.state == Statement.State.PENDING and statement.author == participant
    assert Vote.objects.get(statement=statement, participant=participant).value == 1
    page = text(client.get(url(conversation)))
    assert (
        "Others will see it once a moderator accepts it" in page and "We've counted your agree vote" in page
    )


def test_under_permissive_moderation_the_thanks_says_others_can_vote_now(client):
    conversation = make_conversation(moderation=Conversation.Moderation.PERMISSIVE)
    join(client, conversation)
    client.post(
        url(conversation, "add"),
        {"text": "Pool budgets for prevention", "theme": "What we could do together"},
    )
    assert Statement.objects.get().theme == "What we could do together"
    assert "others can now vote on it" in text(client.get(url(conversation)))


def test_an_empty_statement_is_refused_with_an_error_summary(client, conversation):
    join(client, conversation)
    response = client.post(url(conversation, "add"), {"text": "    "})
    assert response.status_code == 400
    page = text(response)
    assert "There is a problem" in page and '<a href="#id_text">Enter your statement.</a>' in page
    assert "<title>Error: Add a statement" in page


def test_a_long_statement_is_refused_with_its_length_and_the_text_kept(client, conversation):
    join(client, conversation)
    typed = "We should " + "really " * 43 + "work together."
    response = client.post(url(conversation, "add"), {"text": typed})
    assert response.status_code == 400
    page = response.content.decode()
    assert f"You have {len(typed)} characters; the limit is 280." in page
    assert typed in page  # what they typed is kept
    assert Statement.objects.filter(author__isnull=False).count() == 0


def test_a_duplicate_is_refused_with_a_link_to_vote_on_the_existing_statement(client, conversation):
    join(client, conversation)
    existing = conversation.statements.first()
    response = client.post(url(conversation, "add"), {"text": existing.text.upper() + "!"})
    assert response.status_code == 409
    page = text(response)
    assert "already in this conversation" in page
    link = url(conversation, f"statements/{existing.pk}")
    assert f'href="{link}"' in page and "see it and vote on it" in page
    assert existing.text.upper() + "!" in page
    detail = client.get(link)
    assert (
        detail.status_code == 200
        and existing.text in text(detail)
        and ">Agree</span></button>" in text(detail)
    )


def test_a_theme_that_is_not_offered_is_refused(client, conversation):
    join(client, conversation)
    response = client.post(url(conversation, "add"), {"text": "Something", "theme": "Made up"})
    assert response.status_code == 400 and "Choose one of the themes listed." in text(response)


def test_adding_statements_too_fast_gets_429_with_the_text_kept(client, conversation, settings):
    settings.RATE_STATEMENTS = "1/600"
    join(client, conversation)
    client.post(url(conversation, "add"), {"text": "First idea"})
    response = client.post(url(conversation, "add"), {"text": "Second idea"})
    assert response.status_code == 429 and "Retry-After" in response
    assert "Too many statements" in text(response) and "Second idea" in text(response)


def test_when_participants_may_not_add_statements_the_page_says_so(client):
    conversation = make_conversation(participants_can_add=False)
    make_statements(conversation, 1)
    join(client, conversation)
    assert "Add a statement" not in text(client.get(url(conversation)))
    response = client.post(url(conversation, "add"), {"text": "Hello"})
    assert response.status_code == 403 and "does not take new statements" in text(response)
    assert Statement.objects.filter(author__isnull=False).count() == 0


# --- My votes -----------------------------------------------------------------------------------------------


def test_my_votes_lists_each_vote_with_buttons_to_change_it(client, conversation):
    participant = join(client, conversation)
    a, b = list(conversation.statements.all())[:2]
    make_vote(participant, a, 1)
    make_vote(participant, b, -1)
    page = text(client.get(url(conversation, "my-votes")))
    assert "You have voted on 2 statements" in page
    assert f'id="statement-{a.pk}"' in page and "Change to Disagree" in page and "Change to Pass" in page
    assert 'aria-current="page"' in page


def test_my_votes_links_back_to_the_about_you_questions_to_change_the_answers(client, conversation):
    participant = join(client, conversation)
    participant.sector = "vcse"
    participant.save()
    page = text(client.get(url(conversation, "my-votes")))
    assert f'href="{url(conversation, "about-you")}"' in page
    form = text(client.get(url(conversation, "about-you")))
    assert 'value="vcse" selected' in form or 'value="vcse" checked' in form


def test_changing_a_vote_on_my_votes_without_javascript(client, conversation):
    participant = join(client, conversation)
    statement = conversation.statements.first()
    make_vote(participant, statement, 1)
    response = client.post(
        url(conversation, "vote"), {"statement": statement.pk, "value": "0", "next": "my-votes"}
    )
    assert response.status_code == 302
    assert response["Location"] == url(conversation, "my-votes") + f"#statement-{statement.pk}"
    assert Vote.objects.get(participant=participant, statement=statement).value == 0
    assert VoteEvent.objects.filter(participant=participant, statement=statement).count() == 2
    assert "Your vote is now Pass." in text(client.get(response["Location"]))


def test_changing_a_vote_on_my_votes_with_htmx_swaps_the_row(client, conversation):
    participant = join(client, conversation)
    statement = conversation.statements.first()
    make_vote(participant, statement, 1)
    response = client.post(
        url(conversation, "vote"), {"statement": statement.pk, "value": "-1", "next": "my-votes"}, **HTMX
    )
    page = text(response)
    assert response.status_code == 200 and page.startswith(
        f'<li class="cw-myvote" id="statement-{statement.pk}">'
    )
    assert "Change to Agree" in page and "Change to Disagree" not in page and "data-cw-focus" in page
    assert "Your vote is now Disagree." in page


def test_my_votes_on_a_closed_conversation_shows_votes_without_change_buttons(client, conversation):
    participant = join(client, conversation)
    make_vote(participant, conversation.statements.first(), 1)
    conversation.status = Conversation.Status.CLOSED
    conversation.save()
    closed = text(client.get(url(conversation)))
    assert "This conversation is closed" in closed and "See your votes" in closed
    page = text(client.get(url(conversation, "my-votes")))
    assert "votes can no longer be changed" in page and "Change to" not in page


def test_a_closed_conversation_refuses_new_statements_and_joins(client, conversation):
    join(client, conversation)
    conversation.status = Conversation.Status.CLOSED
    conversation.save()
    response = client.post(url(conversation, "add"), {"text": "Late idea"})
    assert "This conversation is closed" in text(response)
    assert Statement.objects.filter(text="Late idea").count() == 0
    assert "This conversation is closed" in text(Client().post(url(conversation, "join")))


def test_a_statement_waiting_for_moderation_is_only_shown_to_its_author(client, conversation):
    participant = join(client, conversation)
    client.post(url(conversation, "add"), {"text": "My own idea"})
    mine = Statement.objects.get(text="My own idea")
    assert "waiting for a moderator" in text(client.get(url(conversation, f"statements/{mine.pk}")))
    assert Client().get(url(conversation, f"statements/{mine.pk}")).status_code == 404
    page = text(client.get(url(conversation, "my-votes")))
    assert "My own idea" in page and "Waiting for a moderator" in page
    assert participant.votes.count() == 1
