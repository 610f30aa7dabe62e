"""Facilitators create, edit, seed, open and close conversations; the link and its QR code."""

from __future__ import annotations

import io
import re

import pytest

from commonweal.conversations.facilitate.actions import (
    ConversationInput,
    SeedLine,
    StatusChangeRefused,
    check_add_seed_statements,
    check_change_status,
    check_create_conversation,
    parse_seed_text,
)
from commonweal.conversations.models import DEFAULT_THEMES, Conversation, ConversationModerator, Statement
from commonweal.core.errors import InvalidInput
from commonweal.core.models import AuditEntry
from tests.factories import (
    make_api_token,
    make_conversation,
    make_facilitator,
    make_moderator,
    make_participant,
    make_statement,
    make_system,
    make_user,
)

pytestmark = pytest.mark.django_db

CREATE = {
    "title": "Our strategy 2026 to 2031",
    "question": "What should we do together to keep people well at home?",
    "description": "",
    "moderation": "strict",
    "participants_can_add": "on",
    "ask_about": ["sector", "place"],
    "themes": "What is working\nWhat we could do together\n",
}


def html(response) -> str:
    return response.content.decode()


# --- Creating and editing ---------------------------------------------------------------------------------------


def test_the_new_conversation_form_offers_the_default_themes(fclient, system):
    page = html(fclient.get(f"/manage/conversations/new/{system.slug}/"))
    assert "What is working\nWhat we could do together</textarea>" in page
    assert re.search(r'<input type="radio" name="moderation" value="strict"[^>]* checked>', page)


def test_a_facilitator_creates_a_draft_conversation_and_goes_on_to_seed_it(fclient, system, facilitator):
    response = fclient.post(f"/manage/conversations/new/{system.slug}/", CREATE)
    conversation = Conversation.objects.get()
    assert response["Location"] == f"/manage/conversations/{conversation.slug}/seed/"
    assert conversation.status == Conversation.Status.DRAFT
    assert conversation.system == system
    assert (
        conversation.ask_sector,
        conversation.ask_organisation,
        conversation.ask_place,
        conversation.ask_community,
    ) == (
        True,
        False,
        True,
        False,
    )
    assert conversation.themes == DEFAULT_THEMES
    entry = AuditEntry.objects.get(action="conversation.create")
    assert entry.actor == facilitator and entry.after["title"] == CREATE["title"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"title": ""}, "Enter a title for the conversation"),
        ({"question": ""}, "Enter the question participants will answer"),
        ({"moderation": "lax"}, "Select a valid choice"),
        ({"themes": "A\na\n"}, "The theme &#x27;a&#x27; is listed twice"),
        ({"themes": "Cost: money\n"}, "Remove the colon from the theme"),
        ({"themes": "x" * 101}, "keep each theme to 100"),
        ({"themes": "\n".join(f"Theme {i}" for i in range(13))}, "keep it to 12 or fewer"),
    ],
)
def test_conversation_errors_are_shown_and_what_was_typed_is_kept(fclient, system, change, message):
    response = fclient.post(f"/manage/conversations/new/{system.slug}/", {**CREATE, **change})
    assert response.status_code == 200
    page = html(response)
    assert message in page
    assert "nhsuk-error-summary" in page
    if change.get("title") != "":
        assert 'value="Our strategy 2026 to 2031"' in page
    assert not Conversation.objects.exists()


def test_a_facilitator_edits_a_conversation_but_cannot_drop_a_theme_in_use(fclient, system):
    conversation = make_conversation(system, themes=["What is working", "Money"])
    make_statement(conversation, "We share data well", theme="Money")
    url = f"/manage/conversations/{conversation.slug}/edit/"
    page = html(fclient.get(url))
    assert "What is working\nMoney</textarea>" in page
    refused = fclient.post(url, {**CREATE, "themes": "What is working"})
    assert "&#x27;Money&#x27; (1 statement)" in html(refused)
    conversation.refresh_from_db()
    assert conversation.themes == ["What is working", "Money"]
    fclient.post(url, {**CREATE, "title": "Renamed", "themes": "What is working\nMoney\nPeople"})
    conversation.refresh_from_db()
    assert conversation.title == "Renamed" and conversation.themes == ["What is working", "Money", "People"]
    entry = AuditEntry.objects.get(action="conversation.update")
    assert entry.before["themes"] == ["What is working", "Money"]


def test_a_draft_gets_the_readable_link_its_facilitator_types(fclient, system):
    # Issue 14, item 14: the link was random (/c/w3284j5y/) and could not be changed.
    response = fclient.post(
        f"/manage/conversations/new/{system.slug}/", {**CREATE, "slug": " Riverside 2026 "}
    )
    conversation = Conversation.objects.get()
    assert conversation.slug == "riverside-2026"
    assert response["Location"] == "/manage/conversations/riverside-2026/seed/"
    # Taken, or not a link: refused on the field, with what was typed kept.
    taken = fclient.post(f"/manage/conversations/new/{system.slug}/", {**CREATE, "slug": "riverside-2026"})
    assert "Another conversation has the link /c/riverside-2026/: choose another" in html(taken)
    assert 'value="riverside-2026"' in html(taken) and Conversation.objects.count() == 1
    for typed, message in (("!!", "Use letters, numbers and hyphens"), ("ab", "between 3 and 40")):
        refused = fclient.post(f"/manage/conversations/new/{system.slug}/", {**CREATE, "slug": typed})
        assert message in html(refused) and "nhsuk-error-summary" in html(refused)
    # A draft's link changes, and the page goes on at the new one.
    changed = fclient.post("/manage/conversations/riverside-2026/edit/", {**CREATE, "slug": "riverside-care"})
    assert changed["Location"] == "/manage/conversations/riverside-care/"
    conversation.refresh_from_db()
    assert conversation.slug == "riverside-care"
    assert AuditEntry.objects.filter(action="conversation.update").exists()


def test_an_open_conversation_keeps_its_link(fclient, system):
    conversation = make_conversation(system, status=Conversation.Status.OPEN)
    url = f"/manage/conversations/{conversation.slug}/edit/"
    refused = fclient.post(url, {**CREATE, "slug": "a-new-link"})
    assert refused.status_code == 200
    assert "The link cannot change once the conversation has opened" in html(refused)
    conversation.refresh_from_db()
    assert conversation.slug != "a-new-link"
    # Saving the other details with the link as it is still works.
    saved = fclient.post(url, {**CREATE, "title": "Renamed", "slug": conversation.slug})
    assert saved.status_code == 302
    conversation.refresh_from_db()
    assert conversation.title == "Renamed"


def test_the_api_sets_and_changes_a_draft_s_link(client, system):
    token = make_api_token(make_facilitator(system, username="api-fran"))
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    made = client.post(
        f"/api/manage/systems/{system.slug}/conversations",
        {"title": "T", "question": "Q?", "slug": "our-plan"},
        content_type="application/json",
        **auth,
    )
    assert made.status_code == 201 and made.json()["slug"] == "our-plan"
    changed = client.patch(
        "/api/manage/conversations/our-plan", {"slug": "our-plan-2"}, content_type="application/json", **auth
    )
    assert changed.status_code == 200 and changed.json()["slug"] == "our-plan-2"
    taken = client.post(
        f"/api/manage/systems/{system.slug}/conversations",
        {"title": "T", "question": "Q?", "slug": "our-plan-2"},
        content_type="application/json",
        **auth,
    )
    assert taken.status_code == 400 and "choose another" in taken.content.decode()


def test_only_the_systems_facilitators_create_and_edit(client, system):
    conversation = make_conversation(system)
    for user in (make_facilitator(make_system()), make_moderator(conversation), make_user()):
        client.force_login(user)
        assert client.post(f"/manage/conversations/new/{system.slug}/", CREATE).status_code == 403
        assert client.post(f"/manage/conversations/{conversation.slug}/edit/", CREATE).status_code == 403
    assert Conversation.objects.count() == 1


def test_an_administrator_can_run_any_system(client, system):
    from tests.factories import make_admin

    client.force_login(make_admin())
    assert client.post(f"/manage/conversations/new/{system.slug}/", CREATE).status_code == 302


# --- Seed statements --------------------------------------------------------------------------------------------


def test_seed_lines_take_a_theme_prefix_bullets_and_blank_lines():
    conversation = Conversation(themes=["What is working", "What we could do together"])
    lines = parse_seed_text(
        conversation,
        "what is working: Our district nurses know every family\n"
        "\n"
        "- Note: this has a colon but no theme\n"
        "2) Share one care record\n",
        default_theme="What we could do together",
    )
    assert lines == [
        SeedLine(1, "Our district nurses know every family", "What is working"),
        SeedLine(3, "Note: this has a colon but no theme", "What we could do together"),
        SeedLine(4, "Share one care record", "What we could do together"),
    ]


def test_seeds_are_added_accepted_at_once_and_duplicates_are_skipped_and_reported(
    fclient, system, facilitator
):
    conversation = make_conversation(system, status=Conversation.Status.DRAFT)
    make_statement(conversation, "Already here")
    text = (
        "What is working: Our district nurses know every family\n"
        "already here.\n"
        "Share one care record\n"
        "SHARE one care record!\n"
    )
    response = fclient.post(
        f"/manage/conversations/{conversation.slug}/seed/", {"statements": text, "theme": ""}
    )
    assert response.status_code == 302
    added = Statement.objects.filter(conversation=conversation, seeded_by=facilitator).order_by("id")
    assert [(s.text, s.theme) for s in added] == [
        ("Our district nurses know every family", "What is working"),
        ("Share one care record", ""),
    ]
    assert all(s.is_seed and s.state == Statement.State.ACCEPTED and s.moderated_at for s in added)
    message = html(fclient.get(response["Location"]))
    assert (
        "2 seed statements added. 2 skipped as duplicates: line 2 (already in the conversation); line 4 (the same as line 3)."
        in message
    )
    entry = AuditEntry.objects.get(action="conversation.seed")
    assert len(entry.after["added"]) == 2 and entry.after["skipped_duplicates"] == 2


def test_too_long_seed_lines_are_reported_by_line_number_and_nothing_is_added(fclient, system):
    conversation = make_conversation(system)
    text = "A fine statement\n" + "x" * 281 + "\nAnother fine one\n" + "y" * 300 + "\n"
    response = fclient.post(f"/manage/conversations/{conversation.slug}/seed/", {"statements": text})
    assert response.status_code == 400
    page = html(response)
    assert "Line 2 is 281 characters long; statements can be at most 280" in page
    assert "Line 4 is 300 characters long" in page
    assert "A fine statement\n" in page  # what was typed is kept
    assert not Statement.objects.filter(conversation=conversation).exists()


def test_a_seed_with_an_unknown_theme_is_refused():
    system = make_system()
    conversation = make_conversation(system, themes=["Money"])
    with pytest.raises(InvalidInput) as info:
        check_add_seed_statements(None, conversation, [SeedLine(0, "Text", "Nope")])
    assert "not one of this conversation's themes" in info.value.detail["lines"][0]["problem"]


def test_an_empty_paste_asks_for_statements(fclient, system):
    conversation = make_conversation(system)
    page = html(fclient.post(f"/manage/conversations/{conversation.slug}/seed/", {"statements": "  \n \n"}))
    assert "Enter at least one statement" in page


# --- Opening and closing ----------------------------------------------------------------------------------------


def test_a_draft_opens_closes_and_reopens_and_each_change_is_audited(fclient, system):
    conversation = make_conversation(system, status=Conversation.Status.DRAFT)
    url = f"/manage/conversations/{conversation.slug}/status/"
    for status in ("open", "closed", "open"):
        assert fclient.post(url, {"status": status}).status_code == 302
        conversation.refresh_from_db()
        assert conversation.status == status
    assert conversation.opened_at is not None and conversation.closed_at is None
    actions = list(
        AuditEntry.objects.filter(subject_type="Conversation").values_list("action", flat=True).order_by("id")
    )
    assert actions == ["conversation.open", "conversation.close", "conversation.reopen"]
    entry = AuditEntry.objects.get(action="conversation.close")
    assert entry.before == {"status": "open"} and entry.after == {"status": "closed"}


@pytest.mark.parametrize(
    ("start", "to", "message"),
    [
        ("draft", "closed", "A draft conversation has not opened yet"),
        ("open", "open", "already open"),
        ("closed", "closed", "already closed"),
        ("open", "draft", "cannot go from open to draft"),
        ("closed", "draft", "cannot go from closed to draft"),
    ],
)
def test_status_changes_that_are_not_allowed_are_refused(start, to, message):
    conversation = make_conversation(make_system(), status=start)
    with pytest.raises(StatusChangeRefused) as info:
        check_change_status(None, conversation, to)
    assert message in info.value.message
    conversation.refresh_from_db()
    assert conversation.status == start
    assert not AuditEntry.objects.exists()


def test_a_refused_status_change_is_explained_on_the_page(fclient, system):
    conversation = make_conversation(system, status=Conversation.Status.DRAFT, participants_can_add=False)
    response = fclient.post(
        f"/manage/conversations/{conversation.slug}/status/", {"status": "open"}, follow=True
    )
    assert "There is nothing to vote on yet" in html(response)
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.DRAFT


def test_a_conversation_where_participants_add_statements_may_open_empty(system):
    conversation = check_create_conversation(
        None, system, ConversationInput(title="T", question="Q?", participants_can_add=True)
    )
    check_change_status(None, conversation, "open")
    assert conversation.status == "open"


def test_moderators_cannot_open_or_close(client, system):
    conversation = make_conversation(system)
    client.force_login(make_moderator(conversation))
    assert (
        client.post(f"/manage/conversations/{conversation.slug}/status/", {"status": "closed"}).status_code
        == 403
    )
    conversation.refresh_from_db()
    assert conversation.status == "open"


# --- The conversation page, its link and QR code ----------------------------------------------------------------


def test_the_conversation_page_shows_the_participant_link_and_qr_code(fclient, system):
    conversation = make_conversation(system)
    page = html(fclient.get(f"/manage/conversations/{conversation.slug}/"))
    assert f"http://testserver/c/{conversation.slug}/" in page
    assert f'src="/manage/conversations/{conversation.slug}/qr.svg"' in page
    assert f"/manage/conversations/{conversation.slug}/present/" in page
    assert "Close the conversation" in page


def test_the_qr_code_is_an_svg_that_encodes_the_participant_link(fclient, system):
    import segno

    conversation = make_conversation(system)
    response = fclient.get(f"/manage/conversations/{conversation.slug}/qr.svg")
    assert response["Content-Type"] == "image/svg+xml"
    svg = response.content.decode()
    assert svg.startswith("<svg") and "style=" not in svg and "<script" not in svg
    expected = segno.make(f"http://testserver/c/{conversation.slug}/", error="m")
    out = io.BytesIO()
    expected.save(
        out, kind="svg", scale=10, border=4, xmldecl=False, title=f"QR code for {conversation.title}"
    )
    assert response.content == out.getvalue()
    assert expected.version <= 4  # a small code, easy to scan from the back of a room
    png = fclient.get(f"/manage/conversations/{conversation.slug}/qr.png")
    assert png["Content-Type"] == "image/png" and png.content[:4] == b"\x89PNG"


def test_links_and_qr_codes_use_the_public_address_when_one_is_set(fclient, system, settings):
    import segno

    settings.PUBLIC_URL = "https://commonweal.example.org"
    conversation = make_conversation(system)
    page = html(fclient.get(f"/manage/conversations/{conversation.slug}/"))
    assert f"https://commonweal.example.org/c/{conversation.slug}/" in page
    out = io.BytesIO()
    segno.make(f"https://commonweal.example.org/c/{conversation.slug}/", error="m").save(
        out, kind="svg", scale=10, border=4, xmldecl=False, title=f"QR code for {conversation.title}"
    )
    assert fclient.get(f"/manage/conversations/{conversation.slug}/qr.svg").content == out.getvalue()


def test_the_present_page_shows_the_question_the_code_and_the_link(fclient, system):
    conversation = make_conversation(system, question="What keeps you well?")
    page = html(fclient.get(f"/manage/conversations/{conversation.slug}/present/"))
    assert "What keeps you well?" in page and f"/c/{conversation.slug}/" in page and "qr.svg" in page


def test_a_moderator_sees_the_conversation_page_without_the_facilitator_buttons(client, system):
    conversation = make_conversation(system)
    client.force_login(make_moderator(conversation))
    page = html(client.get(f"/manage/conversations/{conversation.slug}/"))
    assert "Moderation queue" in page
    assert "Close the conversation" not in page and "Add seed statements" not in page


# --- Moderators -------------------------------------------------------------------------------------------------


def test_a_facilitator_adds_and_removes_a_moderator(fclient, system):
    conversation = make_conversation(system)
    person = make_user(username="mo")
    url = f"/manage/conversations/{conversation.slug}/moderators/"
    assert fclient.post(url, {"username": "mo"}).status_code == 302
    assert ConversationModerator.objects.filter(user=person, conversation=conversation).exists()
    assert "already a moderator" in html(fclient.post(url, {"username": "MO"}))
    assert "There is no account" in html(fclient.post(url, {"username": "ghost"}))
    fclient.post(f"{url}{person.pk}/remove/")
    assert not ConversationModerator.objects.exists()
    assert AuditEntry.objects.filter(action="conversation.remove_moderator").exists()


def test_a_moderator_cannot_add_moderators(client, system):
    conversation = make_conversation(system)
    client.force_login(make_moderator(conversation))
    make_user(username="friend")
    url = f"/manage/conversations/{conversation.slug}/moderators/"
    assert client.get(url).status_code == 200
    assert client.post(url, {"username": "friend"}).status_code == 403


def test_participants_statements_are_not_seeds(system):
    conversation = make_conversation(system)
    participant = make_participant(system, conversation=conversation)
    statement = make_statement(conversation, "Mine", author=participant, state="pending")
    assert not statement.is_seed
