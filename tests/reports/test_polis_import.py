"""Importing a Pol.is export: the round trip through our own export, a real conversation, malformed files."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from commonweal.conversations.models import (
    Conversation,
    Participant,
    Participation,
    Statement,
    Vote,
    VoteEvent,
)
from commonweal.conversations.polis_import.actions import check_import_polis
from commonweal.core.errors import ImportFailed
from commonweal.core.models import AuditEntry
from commonweal.reports.exports.build import do_export, export_ids
from tests.factories import (
    make_conversation,
    make_facilitator,
    make_participant,
    make_statement,
    make_system,
    make_vote,
)

pytestmark = pytest.mark.django_db


def build_conversation() -> Conversation:
    """A small conversation with what an export must carry: an author, a re-vote, a rejected, a pending and a
    meta statement, passes and disagrees."""
    system = make_system()
    conversation = make_conversation(system, title="Discharge to assess", question="What would help most?")
    people = [make_participant(system, conversation=conversation) for _ in range(6)]
    statements = [
        make_statement(conversation, "Care homes need steadier staffing", state="accepted", is_seed=True),
        make_statement(
            conversation, "Share discharge plans a day earlier", state="accepted", author=people[0]
        ),
        make_statement(conversation, "Parking is too expensive", state="rejected", author=people[1]),
        make_statement(conversation, "Ask carers first", state="pending", author=people[2]),
        make_statement(conversation, "This conversation is useful", state="accepted", is_meta=True),
    ]
    for i, person in enumerate(people):
        for j, statement in enumerate(statements):
            if (i + j) % 4 != 3:
                make_vote(person, statement, [1, -1, 0][(i * j) % 3])
    make_vote(people[0], statements[0], -1)  # a change of mind: the latest wins
    return conversation


def polis_zip(conversation: Conversation) -> bytes:
    out = io.BytesIO()
    do_export(None, conversation, "polis", out)
    return out.getvalue()


def current_votes(conversation: Conversation) -> set[tuple[int, int, int]]:
    ids = export_ids(conversation)
    return {
        (ids.participants[p], ids.statements[s], v)
        for p, s, v in Vote.objects.filter(conversation=conversation).values_list(
            "participant_id", "statement_id", "value"
        )
    }


def test_a_conversation_exported_and_imported_into_another_system_keeps_its_statements_and_votes(tmp_path):
    original = build_conversation()
    (tmp_path / "export.zip").write_bytes(polis_zip(original))
    elsewhere = make_system()
    facilitator = make_facilitator(elsewhere)

    imported = check_import_polis(facilitator, elsewhere, tmp_path / "export.zip")

    assert imported.system == elsewhere
    assert imported.status == Conversation.Status.CLOSED
    assert imported.imported_from.startswith("Pol.is export")
    assert imported.title == original.title
    assert imported.question == original.question
    got = list(Statement.objects.filter(conversation=imported).order_by("pk"))
    want = list(Statement.objects.filter(conversation=original).order_by("pk"))
    assert [(s.text, s.state, s.is_meta, s.is_seed) for s in got] == [
        (s.text, s.state, s.is_meta, s.is_seed) for s in want
    ]
    # Authors come across as the same (pseudonymous) participants.
    ids_in, ids_out = export_ids(imported), export_ids(original)
    assert [ids_in.participants.get(s.author_id) for s in got] == [
        ids_out.participants.get(s.author_id) for s in want
    ]
    assert current_votes(imported) == current_votes(original)

    # Every event, with its time (Pol.is' timestamps are milliseconds).
    def times(conversation):
        events = VoteEvent.objects.filter(conversation=conversation).order_by("pk")
        return [int(at.timestamp() * 1000) for at in events.values_list("at", flat=True)]

    assert times(imported) == times(original)
    # New participants of the importing system, each joined to the conversation.
    assert Participant.objects.filter(system=elsewhere).count() == 6
    assert Participation.objects.filter(conversation=imported).count() == 6
    result = imported.import_result
    assert (result.statements, result.participants, result.vote_events) == (
        5,
        6,
        len(original.vote_events.all()),
    )
    entry = AuditEntry.objects.get(action="conversation.import_polis")
    assert entry.actor == facilitator
    assert entry.subject_id == str(imported.pk)
    assert entry.after["statements"] == 5


def test_the_import_takes_the_four_csv_files_as_well_as_the_zip():
    original = build_conversation()
    with zipfile.ZipFile(io.BytesIO(polis_zip(original))) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    assert sorted(files) == ["comments.csv", "participants-votes.csv", "summary.csv", "votes.csv"]
    imported = check_import_polis(None, make_system(), files, title="Our own title")
    assert imported.title == "Our own title"
    assert current_votes(imported) == current_votes(original)


def test_a_real_pol_is_conversation_is_imported_with_the_counts_of_its_own_summary(polis_opendata):
    folder = polis_opendata / "15-per-hour-seattle"
    summary = dict(line.split(",", 1) for line in (folder / "summary.csv").read_text().splitlines()[:8])
    events = sum(1 for _ in (folder / "votes.csv").open()) - 1
    system = make_system()

    conversation = check_import_polis(None, system, folder)

    assert conversation.title == summary["topic"]
    assert Statement.objects.filter(conversation=conversation).count() == int(summary["comments"])
    voters = Vote.objects.filter(conversation=conversation).values("participant").distinct().count()
    assert voters == int(summary["voters"])
    assert VoteEvent.objects.filter(conversation=conversation).count() == events
    assert Statement.objects.filter(conversation=conversation, author__isnull=False).values(
        "author"
    ).distinct().count() == int(summary["commenters"])


# --- Malformed exports ------------------------------------------------------------------------------------------


@pytest.fixture
def export_folder(tmp_path) -> Path:
    original = build_conversation()
    folder = tmp_path / "export"
    with zipfile.ZipFile(io.BytesIO(polis_zip(original))) as archive:
        archive.extractall(folder)
    return folder


def _edit(path: Path, line: int, old: str, new: str) -> None:
    lines = path.read_text().splitlines(keepends=True)
    assert old in lines[line], lines[line]
    lines[line] = lines[line].replace(old, new, 1)
    path.write_text("".join(lines))


def _refused(folder: Path) -> ImportFailed:
    system = make_system()
    before = (
        Conversation.objects.count(),
        Statement.objects.count(),
        VoteEvent.objects.count(),
        Vote.objects.count(),
    )
    with pytest.raises(ImportFailed) as caught:
        check_import_polis(None, system, folder)
    after = (
        Conversation.objects.count(),
        Statement.objects.count(),
        VoteEvent.objects.count(),
        Vote.objects.count(),
    )
    assert after == before
    assert not Participant.objects.filter(system=system).exists()
    assert not AuditEntry.objects.filter(action="conversation.import_polis").exists()
    return caught.value


def test_a_missing_comments_file_is_refused(export_folder):
    (export_folder / "comments.csv").unlink()
    error = _refused(export_folder)
    assert error.message.startswith("comments.csv: The export has no comments.csv")
    assert error.detail["errors"][0]["file"] == "comments.csv"


def test_a_bad_vote_value_is_refused_with_its_file_and_row(export_folder):
    path = export_folder / "votes.csv"
    lines = path.read_text().splitlines(keepends=True)
    lines[3] = lines[3].rsplit(",", 1)[0] + ",2\n"
    path.write_text("".join(lines))
    error = _refused(export_folder)
    problem = error.detail["errors"][0]
    assert (problem["file"], problem["row"]) == ("votes.csv", 4)
    assert "votes.csv, row 4" in error.message
    assert "expected -1, 0 or 1" in error.message


def test_a_vote_on_an_unknown_comment_is_refused_with_its_file_and_row(export_folder):
    path = export_folder / "votes.csv"
    lines = path.read_text().splitlines(keepends=True)
    fields = lines[5].split(",")
    fields[2] = "999"  # timestamp,datetime,comment-id,voter-id,vote
    lines[5] = ",".join(fields)
    path.write_text("".join(lines))
    error = _refused(export_folder)
    problem = error.detail["errors"][0]
    assert (problem["file"], problem["row"], problem["column"]) == ("votes.csv", 6, "comment-id")
    assert "comment 999" in error.message


def test_a_bad_header_is_refused_naming_the_missing_column(export_folder):
    _edit(export_folder / "comments.csv", 0, "moderated", "moderation")
    error = _refused(export_folder)
    problem = error.detail["errors"][0]
    assert (problem["file"], problem["row"]) == ("comments.csv", 1)
    assert "moderated" in problem["problem"]


def test_a_zip_that_is_not_a_zip_is_refused(tmp_path):
    path = tmp_path / "export.zip"
    path.write_bytes(b"not a zip at all")
    error = _refused(path)
    assert "export.zip" in error.message
    assert "not a zip" in error.message


def test_long_and_repeated_texts_are_kept_apart_and_counted(export_folder):
    long_text = (
        "Every discharge needs a named person " * 20
    )  # 740 characters: more than an imported statement holds
    path = export_folder / "comments.csv"
    lines = path.read_text().splitlines(keepends=True)
    # Make the second comment repeat the first one's text, and the third one too long.
    first_text = "Care homes need steadier staffing"
    lines[2] = lines[2].replace("Share discharge plans a day earlier", first_text.upper())
    lines[3] = lines[3].replace("Parking is too expensive", long_text.strip())
    path.write_text("".join(lines))
    conversation = check_import_polis(None, make_system(), export_folder)
    texts = list(
        Statement.objects.filter(conversation=conversation).order_by("pk").values_list("text", flat=True)
    )
    assert texts[1] == "CARE HOMES NEED STEADIER STAFFING (Pol.is comment 1)"
    assert len(texts[2]) <= 600 and texts[2].endswith("…")
    assert (conversation.import_result.repeated, conversation.import_result.shortened) == (1, 1)


def test_a_comment_longer_than_new_statements_may_be_keeps_its_whole_text(export_folder):
    kept_text = "Every home visit should end with a written plan for the family. " * 7  # 448 characters
    _edit(export_folder / "comments.csv", 3, "Parking is too expensive", kept_text.strip())
    conversation = check_import_polis(None, make_system(), export_folder)
    texts = list(
        Statement.objects.filter(conversation=conversation).order_by("pk").values_list("text", flat=True)
    )
    assert texts[2] == kept_text.strip()
    assert conversation.import_result.shortened == 0


def test_an_export_with_only_participants_votes_is_imported_with_the_latest_votes(tmp_path):
    original = build_conversation()
    with zipfile.ZipFile(io.BytesIO(polis_zip(original))) as archive:
        archive.extractall(tmp_path)
    (tmp_path / "votes.csv").unlink()
    conversation = check_import_polis(None, make_system(), tmp_path)
    assert current_votes(conversation) == current_votes(original)
    # Without votes.csv there is one event a current vote.
    assert VoteEvent.objects.filter(conversation=conversation).count() == len(current_votes(original))


# --- The import page --------------------------------------------------------------------------------------------


def _page_client(system):
    from django.test import Client

    client = Client()
    client.force_login(make_facilitator(system))
    return client


def _upload(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def _run_queued_import():
    from commonweal.conversations.polis_import.actions import run_next_import_job

    return run_next_import_job()


def test_a_facilitator_imports_a_zip_from_the_page_and_follows_its_progress_to_the_new_conversation():
    original = build_conversation()
    system = make_system()
    client = _page_client(system)
    url = f"/manage/systems/{system.slug}/import-polis/"
    assert "Import a Pol.is conversation" in client.get(url).content.decode()
    response = client.post(
        url, {"export": _upload("export.zip", polis_zip(original)), "title": "Winter 2025"}
    )
    # The request only queues the import: nothing is written until the worker runs it.
    assert response.status_code == 302
    assert not Conversation.objects.filter(system=system).exists()
    progress = response["Location"]
    assert progress.startswith(f"/manage/systems/{system.slug}/imports/")
    page = client.get(progress).content.decode()
    assert "Waiting for the worker to start it" in page
    assert 'hx-trigger="every 2s"' in page
    assert "Check progress again" in page
    assert _run_queued_import().status == "done"
    imported = Conversation.objects.get(system=system)
    assert imported.title == "Winter 2025"
    assert imported.status == "closed"
    page = client.get(progress).content.decode()
    assert "Imported 5 statements, 6 participants and" in page
    assert f'href="/manage/conversations/{imported.slug}/"' in page
    assert 'hx-trigger="every 2s"' not in page


def test_the_page_takes_the_csv_files_chosen_together():
    original = build_conversation()
    with zipfile.ZipFile(io.BytesIO(polis_zip(original))) as archive:
        files = [_upload(name, archive.read(name)) for name in ("comments.csv", "votes.csv")]
    system = make_system()
    response = _page_client(system).post(f"/manage/systems/{system.slug}/import-polis/", {"export": files})
    assert response.status_code == 302
    _run_queued_import()
    assert current_votes(Conversation.objects.get(system=system)) == current_votes(original)


def test_a_malformed_upload_shows_the_file_row_and_reason_on_the_progress_page():
    original = build_conversation()
    with zipfile.ZipFile(io.BytesIO(polis_zip(original))) as archive:
        comments = archive.read("comments.csv")
        votes = archive.read("votes.csv").decode().splitlines(keepends=True)
    votes[2] = votes[2].rsplit(",", 1)[0] + ",yes\n"
    system = make_system()
    client = _page_client(system)
    response = client.post(
        f"/manage/systems/{system.slug}/import-polis/",
        {
            "export": [_upload("comments.csv", comments), _upload("votes.csv", "".join(votes).encode())],
            "title": "Kept title",
        },
    )
    job = _run_queued_import()
    assert job.status == "failed"
    page = client.get(response["Location"]).content.decode()
    assert "nhsuk-error-summary" in page
    assert "The export was not imported" in page
    assert "votes.csv, row 3:" in page
    assert "not an integer" in page
    assert not Conversation.objects.filter(system=system).exists()


def test_the_page_asks_for_a_file_and_refuses_other_files_and_too_large_ones(settings):
    system = make_system()
    client = _page_client(system)
    url = f"/manage/systems/{system.slug}/import-polis/"
    page = client.post(url, {"title": "Nothing chosen"}).content.decode()
    assert "Choose the zip of the Pol.is export, or its CSV files" in page
    page = client.post(url, {"export": _upload("notes.txt", b"hello")}).content.decode()
    assert "notes.txt is not part of a Pol.is export" in page
    settings.POLIS_IMPORT_MAX_MB = 0
    response = client.post(url, {"export": _upload("export.zip", b"PK" + b"x" * 100)})
    assert response.status_code == 400
    assert "The files come to more than 0 MB" in response.content.decode()
    assert not Conversation.objects.filter(system=system).exists()
