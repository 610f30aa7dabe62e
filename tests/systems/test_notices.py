"""The privacy notice and the accessibility statement (issue 14, item 1): editable per system by a facilitator
from good defaults, the controller required before a conversation opens, linked from consent and every
participant page, stating retention and the participant's rights."""

from __future__ import annotations

import pytest

from commonweal.conversations.facilitate.actions import StatusChangeRefused, check_change_status
from commonweal.conversations.models import Conversation
from commonweal.core.models import AuditEntry
from commonweal.systems.models import System
from commonweal.systems.notices import DEFAULT_ACCESSIBILITY_STATEMENT, DEFAULT_PRIVACY_PURPOSE
from tests.factories import make_conversation, make_facilitator, make_statements, make_system

pytestmark = pytest.mark.django_db


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_the_privacy_notice_names_the_controller_and_states_retention_and_rights(client):
    system = make_system(
        name="Eastgate Partnership",
        controller_name="NHS Eastgate ICB",
        controller_contact="privacy@eastgate.example",
        retention_days=200,
    )
    html = text(client.get(f"/privacy/{system.slug}/"))
    assert "NHS Eastgate ICB" in html and "privacy@eastgate.example" in html
    assert "200 days after a conversation closes" in html
    for right in ("see, download and delete your data", "correct your data", "Information Commissioner"):
        assert right in html
    assert "Article 6(1)(e)" in html  # the default purpose and lawful basis
    assert "special-category" in html


def test_a_facilitator_edits_the_notices_starting_from_the_defaults(client):
    system = make_system(controller_name="", controller_contact="")
    client.force_login(make_facilitator(system))
    page = text(client.get(f"/manage/systems/{system.slug}/privacy-and-accessibility/"))
    assert "Article 6(1)(e)" in page and "Web Content Accessibility Guidelines" in page
    response = client.post(
        f"/manage/systems/{system.slug}/privacy-and-accessibility/",
        {
            "controller_name": "Riverside ICB",
            "controller_contact": "dpo@riverside.example",
            "protection_officer": "",
            "privacy_purpose": str(DEFAULT_PRIVACY_PURPOSE),
            "accessibility_statement": "Our own words about accessibility.",
        },
    )
    assert response.status_code == 302
    system.refresh_from_db()
    assert system.has_controller
    assert system.privacy_purpose == ""  # the default is not copied: it keeps improving
    assert system.accessibility_statement == "Our own words about accessibility."
    assert AuditEntry.objects.filter(action="system.notices").exists()
    assert "Our own words about accessibility." in text(client.get(f"/accessibility/{system.slug}/"))


def test_the_notices_form_keeps_what_was_typed_and_says_what_is_missing(client):
    system = make_system(controller_name="", controller_contact="")
    client.force_login(make_facilitator(system))
    response = client.post(
        f"/manage/systems/{system.slug}/privacy-and-accessibility/",
        {"controller_name": "Riverside ICB", "controller_contact": "", "privacy_purpose": "Why we ask"},
    )
    html = text(response)
    assert "Enter how participants can contact it" in html
    assert "Riverside ICB" in html and "Why we ask" in html
    assert not System.objects.get(pk=system.pk).has_controller


def test_a_conversation_cannot_open_until_the_controller_is_named(client):
    system = make_system(controller_name="", controller_contact="")
    conversation = make_conversation(system, status=Conversation.Status.DRAFT)
    make_statements(conversation, 3)
    with pytest.raises(StatusChangeRefused, match="who is responsible for participants' data"):
        check_change_status(None, conversation, Conversation.Status.OPEN)
    client.force_login(make_facilitator(system))
    assert "No conversation can open yet" in text(client.get(f"/manage/systems/{system.slug}/"))
    System.objects.filter(pk=system.pk).update(
        controller_name="Riverside ICB", controller_contact="a@b.example"
    )
    conversation.refresh_from_db()
    assert (
        check_change_status(None, conversation, Conversation.Status.OPEN).status == Conversation.Status.OPEN
    )


def test_consent_and_every_participant_page_link_the_notices_and_no_developer_link(client):
    conversation = make_conversation()
    make_statements(conversation, 3)
    privacy = f'href="/privacy/{conversation.system.slug}/"'
    accessibility = f'href="/accessibility/{conversation.system.slug}/"'
    consent = text(client.get(f"/c/{conversation.slug}/"))
    assert consent.count(privacy) >= 2  # in the consent text and the footer
    assert accessibility in consent and "/api/docs" not in consent
    client.post(f"/c/{conversation.slug}/join/")
    about_you = text(client.get(f"/c/{conversation.slug}/about-you/"))
    assert privacy in about_you and accessibility in about_you
    client.post(f"/c/{conversation.slug}/about-you/", {"skip": "1"})
    for page in ("", "add/", "my-votes/", "where-you-stand/", "your-data/"):
        html = text(client.get(f"/c/{conversation.slug}/{page}"))
        assert privacy in html and accessibility in html and "/api/docs" not in html, page


def test_the_site_has_an_accessibility_statement_in_every_footer(client):
    html = text(client.get("/"))
    assert 'href="/accessibility/"' in html and "/api/docs" not in html
    statement = text(client.get("/accessibility/"))
    assert str(DEFAULT_ACCESSIBILITY_STATEMENT)[:60] in statement
    assert "Equality Advisory and Support Service" in statement
