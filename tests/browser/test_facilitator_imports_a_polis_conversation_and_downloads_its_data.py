"""A facilitator on a 320-pixel phone imports a Pol.is export (first with a mistake in it). The upload is queued
and answered with a progress page; the analysis worker runs the import, the page refreshes itself to the result
(the reason the first export was refused; for the second, a link to the new conversation), and she follows the
link and downloads the conversation's data from the exports page. Each page is checked with axe-core and for
sideways scrolling."""

from __future__ import annotations

import re
import zipfile

import pytest

from commonweal.conversations.models import Conversation, ImportJob
from commonweal.conversations.polis_import import actions as polis_import
from commonweal.core.models import AuditEntry
from commonweal.reports.exports import build as export_files
from tests.factories import PASSWORD, make_facilitator, make_system
from tests.reports.walk_exports import COMMENTS, VOTES, small_polis_zip

from .conftest import assert_accessible, assert_no_horizontal_scroll

pytestmark = pytest.mark.django_db(transaction=True)

PROGRESS_URL = re.compile(r"/manage/systems/riverside/imports/\d+/$")


def check(page, name: str) -> None:
    assert_accessible(page, context=f"({name})")
    assert_no_horizontal_scroll(page)


def upload(page, files, title: str) -> None:
    """Choose the export's files, name the conversation and send them: answered with the queued job's progress."""
    page.get_by_label("The Pol.is export").set_input_files(files)
    page.get_by_label("Title (optional)").fill(title)
    page.get_by_role("button", name="Check and import").click()
    page.wait_for_url(PROGRESS_URL)
    assert page.get_by_role("heading", level=1).inner_text() == "Importing a Pol.is conversation"
    assert "Waiting for the worker to start it." in page.locator("#import-progress").inner_text()
    # Marked, to show that the result arrives by htmx's refresh and not by reloading the page.
    page.evaluate("() => { window.__notReloaded = 'still the same page'; }")


def worker_runs_the_import() -> ImportJob:
    """What the analysis worker's import runner does with a queued job (``ImportRunner`` calls
    ``run_next_import_job`` on a thread of the worker). The live server has no worker, so the test runs it here;
    on SQLite the live server shares this thread's in-memory database connection, so the page's refreshes and
    the import's writes do not lock each other out."""
    job = polis_import.run_next_import_job()
    assert job is not None, "the upload did not queue an import job"
    return job


def refreshed_to(page, text: str) -> str:
    """Wait for the progress page to refresh itself (htmx, every 2 s) to ``text``; the progress area's text."""
    progress = page.locator("#import-progress")
    progress.get_by_text(text).wait_for()
    assert page.evaluate("() => window.__notReloaded") == "still the same page"
    return progress.inner_text()


def sign_in_and_open_the_import(page, base: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill("fran")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/manage/"))
    page.goto(f"{base}/manage/systems/riverside/import-polis/")
    check(page, "import")


def download_the_polis_zip(page, base: str, conversation: Conversation, tmp_path) -> None:
    page.goto(f"{base}/manage/conversations/{conversation.slug}/exports/")
    check(page, "exports")
    assert "Not available yet" in page.content()  # no analysis has run in this test
    # The Pol.is zip holds every participant's votes: a raw export, which says so in its name.
    name = export_files.filename(conversation, "polis")
    assert name == f"{conversation.slug}-raw-contains-small-numbers-polis.zip"
    with page.expect_download() as caught:
        page.get_by_role("link", name=f"Download {name}").click()
    download = caught.value
    assert download.suggested_filename == name
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
    assert AuditEntry.objects.filter(action="export.download_raw", actor__username="fran").count() == 1


def test_facilitator_imports_a_polis_conversation_and_downloads_its_data(live_server, phone_page, tmp_path):
    page = phone_page
    system = make_system(name="Riverside Health and Care Partnership", slug="riverside")
    make_facilitator(system, username="fran")
    sign_in_and_open_the_import(page, live_server.url)

    # First a votes.csv with a vote on a comment the export does not have: queued, then refused by the worker.
    (tmp_path / "comments.csv").write_text(COMMENTS)
    (tmp_path / "votes.csv").write_text(VOTES + "1700000005000,,9,1,1\n")
    upload(page, [tmp_path / "comments.csv", tmp_path / "votes.csv"], "Discharge, from Pol.is")
    check(page, "import-queued")
    assert worker_runs_the_import().status == ImportJob.Status.FAILED
    refused = refreshed_to(page, "The export was not imported")
    assert "votes.csv, row 5: The vote is on comment 9" in refused
    assert "How to fix it: Import the comments.csv exported with this votes.csv" in refused
    check(page, "import-refused")
    assert not Conversation.objects.exists()

    # Then, back on the form, the zip as Pol.is gives it.
    page.get_by_role("link", name="Import a Pol.is conversation again").click()
    page.wait_for_url(re.compile(r"/manage/systems/riverside/import-polis/$"))
    (tmp_path / "export.zip").write_bytes(small_polis_zip())
    upload(page, tmp_path / "export.zip", "Discharge, from Pol.is")
    assert not Conversation.objects.exists()  # nothing is imported in the request
    job = worker_runs_the_import()
    assert job.status == ImportJob.Status.DONE
    done = refreshed_to(page, "Imported 2 statements, 2 participants and 3 votes.")
    assert "Waiting for the worker" not in done
    check(page, "imported")
    conversation = Conversation.objects.get()
    assert job.conversation == conversation
    assert conversation.title == "Discharge, from Pol.is"
    assert conversation.status == Conversation.Status.CLOSED

    page.get_by_role("link", name="Open Discharge, from Pol.is").click()
    page.wait_for_url(re.compile(rf"/manage/conversations/{conversation.slug}/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Discharge, from Pol.is"
    check(page, "conversation")

    download_the_polis_zip(page, live_server.url, conversation, tmp_path)
