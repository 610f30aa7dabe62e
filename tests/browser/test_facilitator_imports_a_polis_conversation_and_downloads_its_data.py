"""A facilitator on a 320-pixel phone imports a Pol.is export (first with a mistake in it), lands on the new
conversation, and downloads its data from the exports page. Each page is checked with axe-core and for
sideways scrolling."""

from __future__ import annotations

import re
import zipfile

import pytest

from commonweal.conversations.models import Conversation
from commonweal.core.models import AuditEntry
from tests.factories import PASSWORD, make_facilitator, make_system
from tests.reports.walk_exports import COMMENTS, VOTES, small_polis_zip

from .conftest import assert_accessible, assert_no_horizontal_scroll

pytestmark = pytest.mark.django_db(transaction=True)


def check(page, name: str) -> None:
    assert_accessible(page, context=f"({name})")
    assert_no_horizontal_scroll(page)


def test_facilitator_imports_a_polis_conversation_and_downloads_its_data(live_server, phone_page, tmp_path):
    page = phone_page
    system = make_system(name="Riverside Health and Care Partnership", slug="riverside")
    make_facilitator(system, username="fran")
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("fran")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/manage/"))

    page.goto(f"{live_server.url}/manage/systems/riverside/import-polis/")
    check(page, "import")

    # First a votes.csv with a vote on a comment the export does not have.
    (tmp_path / "comments.csv").write_text(COMMENTS)
    (tmp_path / "votes.csv").write_text(VOTES + "1700000005000,,9,1,1\n")
    page.get_by_label("The Pol.is export").set_input_files(
        [tmp_path / "comments.csv", tmp_path / "votes.csv"]
    )
    page.get_by_label("Title (optional)").fill("Discharge, from Pol.is")
    page.get_by_role("button", name="Check and import").click()
    summary = page.locator(".nhsuk-error-summary")
    summary.wait_for()
    assert "votes.csv, row 5: The vote is on comment 9" in summary.inner_text()
    assert page.get_by_label("Title (optional)").input_value() == "Discharge, from Pol.is"
    check(page, "import-refused")
    assert not Conversation.objects.exists()

    # Then the zip as Pol.is gives it.
    (tmp_path / "export.zip").write_bytes(small_polis_zip())
    page.get_by_label("The Pol.is export").set_input_files(tmp_path / "export.zip")
    page.get_by_role("button", name="Check and import").click()
    conversation_url = re.compile(r"/manage/conversations/[a-z0-9]+/$")
    page.wait_for_url(conversation_url)
    assert "Imported 2 statements, 2 participants and 3 votes." in page.content()
    conversation = Conversation.objects.get()
    assert conversation.title == "Discharge, from Pol.is"
    assert conversation.status == Conversation.Status.CLOSED
    check(page, "imported")

    page.goto(f"{live_server.url}/manage/conversations/{conversation.slug}/exports/")
    check(page, "exports")
    assert "Not available yet" in page.content()  # no analysis has run in this test
    with page.expect_download() as caught:
        page.get_by_role("link", name=f"Download {conversation.slug}-polis.zip").click()
    download = caught.value
    assert download.suggested_filename == f"{conversation.slug}-polis.zip"
    target = tmp_path / "downloaded.zip"
    download.save_as(target)
    with zipfile.ZipFile(target) as archive:
        assert sorted(archive.namelist()) == [
            "comments.csv",
            "participants-votes.csv",
            "summary.csv",
            "votes.csv",
        ]
        assert archive.read("votes.csv").decode().count("\n") == 4
    assert AuditEntry.objects.filter(action="export.download", actor__username="fran").count() == 1
