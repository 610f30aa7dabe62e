"""Secret report links: a facilitator creates one (audited), anyone holding it reads the report without an
account (recording when it was last opened), it carries no way into the app and no facilitator-only detail, a
revoked or unknown token is a plain 404 that says to ask whoever sent it, and token lookups are rate-limited."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from commonweal.conversations.models import AnalysisStatus
from commonweal.core.models import AuditEntry
from commonweal.reports.models import ReportShare
from tests.factories import (
    make_conversation,
    make_facilitator,
    make_moderator,
    make_system,
)
from tests.reports.test_report import COMMON_GROUND, plant_conversation

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def create_link(client: Client, slug: str, label: str = "ICP board, 4 December"):
    return client.post(f"/manage/conversations/{slug}/report/share/", {"label": label})


def test_a_facilitator_creates_a_link_and_sees_it_in_a_readonly_field():
    conversation = make_conversation(make_system())
    fran = make_facilitator(conversation.system, username="fran")
    client = signed_in(fran)
    response = create_link(client, conversation.slug)
    assert response.status_code == 302
    share = ReportShare.objects.get()
    # To the new link itself (issue 14, item 12), not the top of the links.
    assert (
        response["Location"]
        == f"/manage/conversations/{conversation.slug}/report/?created={share.pk}#share-{share.pk}"
    )
    assert share.label == "ICP board, 4 December" and share.created_by == fran and share.is_active
    assert len(share.token) >= 32
    entry = AuditEntry.objects.get(action="report.share_created")
    assert entry.actor == fran and entry.system == conversation.system
    assert entry.after == {"label": "ICP board, 4 December", "conversation": conversation.slug}
    assert share.token not in str(entry.after)  # the secret never goes into the log

    html = client.get(f"/manage/conversations/{conversation.slug}/report/").content.decode()
    field = re.search(r'<input class="nhsuk-input cw-report__share-url" id="share-url-(\d+)"[^>]*>', html)
    assert field is not None
    assert f'value="http://testserver/r/{share.token}/"' in field.group(0) and "readonly" in field.group(0)
    assert f'<label class="nhsuk-label nhsuk-label--s" for="share-url-{share.pk}">Link for ICP board' in html


def test_a_link_without_a_label_is_refused_and_the_form_says_why():
    conversation = make_conversation(make_system())
    client = signed_in(make_facilitator(conversation.system))
    response = create_link(client, conversation.slug, label="   ")
    assert response.status_code == 400
    assert "Enter who the link is for" in response.content.decode()
    assert not ReportShare.objects.exists()


def test_a_moderator_cannot_create_or_revoke_links():
    conversation = make_conversation(make_system())
    share = ReportShare.objects.create(conversation=conversation, label="Board")
    client = signed_in(make_moderator(conversation))
    assert create_link(client, conversation.slug).status_code == 403
    assert (
        client.post(f"/manage/conversations/{conversation.slug}/report/share/{share.pk}/revoke/").status_code
        == 403
    )
    assert ReportShare.objects.get().is_active


def test_anyone_with_the_link_reads_the_report_without_an_account():
    planted = plant_conversation()
    share = ReportShare.objects.create(conversation=planted.conversation, label="ICP board")
    response = Client().get(f"/r/{share.token}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Report: Our five-year strategy" in html and COMMON_GROUND in html
    share.refresh_from_db()
    assert share.last_opened_at is not None
    # Private: no caching, no referrer, no search engines.
    assert response["Cache-Control"] == "private, no-store"
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert '<meta name="robots" content="noindex, nofollow">' in html
    # No way into the app and nothing only facilitators see.
    hrefs = re.findall(r'href="([^"]+)"', html)
    assert all(
        h.startswith("/static/") or h == f"/r/{share.token}/report.pdf" or re.fullmatch(r"#[a-z-]+", h)
        for h in hrefs  # in-page links: the skip link and the contents list
    ), hrefs
    assert "/manage/" not in html and "Share this report" not in html and "Sign out" not in html
    assert "<script" not in html


def test_the_shared_report_shows_no_error_text_of_a_failing_analysis():
    planted = plant_conversation()
    AnalysisStatus.objects.update_or_create(
        conversation=planted.conversation,
        defaults={"last_error": "ValueError: secret stack trace", "consecutive_failures": 2},
    )
    share = ReportShare.objects.create(conversation=planted.conversation, label="Board")
    html = Client().get(f"/r/{share.token}/").content.decode()
    assert "secret stack trace" not in html and "out of date" not in html
    fran = make_facilitator(planted.conversation.system)
    staff_html = (
        signed_in(fran).get(f"/manage/conversations/{planted.conversation.slug}/report/").content.decode()
    )
    assert "The results may be out of date" in staff_html and "secret stack trace" not in staff_html


def test_a_revoked_link_opens_nothing_and_the_revocation_is_audited():
    conversation = make_conversation(make_system())
    fran = make_facilitator(conversation.system, username="fran")
    share = ReportShare.objects.create(conversation=conversation, label="ICP board", created_by=fran)
    client = signed_in(fran)
    confirm = client.get(f"/manage/conversations/{conversation.slug}/report/share/{share.pk}/revoke/")
    assert confirm.status_code == 200 and "Revoke the report link for ICP board?" in confirm.content.decode()
    assert ReportShare.objects.get().is_active  # asking is not doing
    response = client.post(f"/manage/conversations/{conversation.slug}/report/share/{share.pk}/revoke/")
    assert response.status_code == 302
    share.refresh_from_db()
    assert share.revoked_at is not None and share.revoked_by == fran
    entry = AuditEntry.objects.get(action="report.share_revoked")
    assert entry.actor == fran and entry.after["active"] is False and entry.before == {"active": True}

    gone = Client().get(f"/r/{share.token}/")
    assert gone.status_code == 404
    text = gone.content.decode()
    assert "may have been revoked" in text and "Ask whoever sent it to you" in text
    assert gone["Cache-Control"] == "private, no-store" and gone["Referrer-Policy"] == "no-referrer"
    assert Client().get(f"/r/{share.token}/report.pdf").status_code == 404
    # Revoking twice changes nothing and says so.
    again = client.post(
        f"/manage/conversations/{conversation.slug}/report/share/{share.pk}/revoke/", follow=True
    )
    assert "already revoked" in again.content.decode()
    assert AuditEntry.objects.filter(action="report.share_revoked").count() == 1


def test_an_unknown_token_is_the_same_plain_404():
    response = Client().get("/r/not-a-real-token-at-all/")
    assert response.status_code == 404
    assert "may have been revoked" in response.content.decode()


def test_a_link_of_another_conversation_cannot_be_revoked_from_this_one():
    conversation = make_conversation(make_system())
    other = make_conversation(conversation.system)
    share = ReportShare.objects.create(conversation=other, label="Board")
    client = signed_in(make_facilitator(conversation.system))
    response = client.post(f"/manage/conversations/{conversation.slug}/report/share/{share.pk}/revoke/")
    assert response.status_code == 404
    assert ReportShare.objects.get().is_active


def test_token_lookups_are_rate_limited_per_address(settings):
    settings.RATE_REPORT_LINKS = "3/60"
    conversation = make_conversation(make_system())
    share = ReportShare.objects.create(conversation=conversation, label="Board")
    client = Client(REMOTE_ADDR="203.0.113.9")
    assert client.get("/r/guess-1/").status_code == 404
    assert client.get("/r/guess-2/").status_code == 404
    assert client.get(f"/r/{share.token}/").status_code == 200
    refused = client.get(f"/r/{share.token}/")
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert "Please wait a moment" in refused.content.decode()
    assert refused["Cache-Control"] == "private, no-store" and refused["Referrer-Policy"] == "no-referrer"
    assert "/manage/" not in refused.content.decode()
    # Another address is counted apart.
    assert Client(REMOTE_ADDR="198.51.100.7").get(f"/r/{share.token}/").status_code == 200


def test_after_creating_a_link_the_page_opens_at_it_with_a_copy_button():
    # Issue 14, item 12: creating a link landed at the top of a long page, with no copy button.
    conversation = make_conversation(make_system())
    client = signed_in(make_facilitator(conversation.system))
    response = create_link(client, conversation.slug, "ICP board")
    share = ReportShare.objects.get()
    assert response["Location"] == (
        f"/manage/conversations/{conversation.slug}/report/?created={share.pk}#share-{share.pk}"
    )
    html = client.get(response["Location"].split("#")[0]).content.decode()
    item = html.split(f'id="share-{share.pk}"', 1)[1].split("</li>", 1)[0]
    assert "is ready: copy it and send it" in item
    assert f'data-cw-copy="share-url-{share.pk}"' in item and ">Copy the link<" in item
    assert 'hx-boost="true"' not in html  # a boosted form lost the place on the page


def test_the_shared_report_has_a_contents_list_and_not_the_participants_blurb():
    planted = plant_conversation(description="Tell us what you think: it takes five minutes on your phone.")
    share = ReportShare.objects.create(conversation=planted.conversation, label="ICP board")
    html = Client().get(f"/r/{share.token}/").content.decode()
    contents = re.search(r'<nav class="cw-report__contents" aria-label="Contents">(.*?)</nav>', html, re.S)
    assert contents is not None
    for anchor in ("#report-findings", "#report-who", "#report-common-ground", "#report-method"):
        assert f'href="{anchor}"' in contents.group(1)
    assert "it takes five minutes on your phone" not in html
