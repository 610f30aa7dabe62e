"""``commonweal import-polis`` and ``commonweal export``, called as the command's ``main``."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from commonweal.cli import main
from commonweal.conversations.jobs.compute import compute_snapshot
from commonweal.conversations.models import Conversation, Statement, VoteEvent
from commonweal.core.models import AuditEntry
from tests.factories import make_system
from tests.reports.test_exports import planted_conversation
from tests.reports.walk_exports import COMMENTS, VOTES

pytestmark = pytest.mark.django_db


@pytest.fixture
def export_folder(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "comments.csv").write_text(COMMENTS)
    (folder / "votes.csv").write_text(VOTES)
    return folder


def test_import_polis_shows_progress_on_stderr_and_a_summary_at_the_end(export_folder, capsys):
    system = make_system(slug="riverside")
    assert main(["import-polis", str(export_folder), "--system", "riverside", "--title", "From Pol.is"]) == 0
    out, err = capsys.readouterr()
    conversation = Conversation.objects.get(system=system)
    assert conversation.title == "From Pol.is"
    assert out.startswith("Imported 2 statements, 2 participants and 3 votes.")
    assert conversation.slug in out
    # One line a stage when stderr is not a terminal.
    lines = err.strip().splitlines()
    assert [line.split()[0] for line in lines] == ["participants", "statements", "votes", "latest"]
    assert all("100%" in line for line in lines)
    assert AuditEntry.objects.get(action="conversation.import_polis").actor_label == "system"


def test_import_polis_refuses_a_malformed_file_with_exit_code_2_and_imports_nothing(export_folder, capsys):
    make_system(slug="riverside")
    (export_folder / "votes.csv").write_text(VOTES.replace(",0,1\n", ",0,7\n", 1))
    assert main(["import-polis", str(export_folder), "--system", "riverside"]) == 2
    out, err = capsys.readouterr()
    assert "votes.csv, row 2" in err
    assert "expected -1, 0 or 1" in err
    assert "Nothing was imported" in err
    assert out == ""
    assert not Conversation.objects.exists()
    assert not Statement.objects.exists()


def test_import_polis_refuses_an_unknown_system(export_folder, capsys):
    make_system(slug="riverside")
    assert main(["import-polis", str(export_folder), "--system", "nowhere"]) == 2
    assert "no system with the slug 'nowhere'" in capsys.readouterr().err
    assert not Conversation.objects.exists()


def test_export_writes_each_format_to_the_file_named(tmp_path, capsys):
    conversation = planted_conversation()
    compute_snapshot(conversation)
    zip_path = tmp_path / "out.zip"
    assert main(["export", conversation.slug, "--format", "polis", "--out", str(zip_path)]) == 0
    with zipfile.ZipFile(zip_path) as archive:
        assert "votes.csv" in archive.namelist()
        assert len(archive.read("votes.csv").decode().splitlines()) == 1 + VoteEvent.objects.count()
    assert main(["export", conversation.slug, "--format", "analysis", "--out", str(tmp_path)]) == 0
    document = json.loads((tmp_path / f"{conversation.slug}-analysis.json").read_text())
    assert document["question"] == conversation.question
    assert (
        main(["export", conversation.slug, "--format", "statements", "--out", str(tmp_path / "s.csv")]) == 0
    )
    assert (tmp_path / "s.csv").read_text(encoding="utf-8-sig").startswith("statement id,text,theme")
    assert "Wrote" in capsys.readouterr().out
    assert AuditEntry.objects.filter(action="export.download").count() == 2
    assert AuditEntry.objects.filter(action="export.download_raw").count() == 1  # the Pol.is zip


def test_export_of_the_analysis_before_any_is_refused_and_writes_nothing(tmp_path, capsys):
    conversation = planted_conversation()
    target = tmp_path / "analysis.json"
    assert main(["export", conversation.slug, "--format", "analysis", "--out", str(target)]) == 2
    assert "no results to export yet" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_export_refuses_an_unknown_conversation(tmp_path, capsys):
    assert main(["export", "nosuchone", "--format", "polis", "--out", str(tmp_path / "x.zip")]) == 2
    assert "no conversation with the slug 'nosuchone'" in capsys.readouterr().err


def test_the_exported_zip_imports_from_the_command_line(tmp_path, capsys):
    conversation = planted_conversation()
    zip_path = tmp_path / "winter.zip"
    assert main(["export", conversation.slug, "--format", "polis", "--out", str(zip_path)]) == 0
    make_system(slug="elsewhere")
    assert main(["import-polis", str(zip_path), "--system", "elsewhere"]) == 0
    imported = Conversation.objects.get(system__slug="elsewhere")
    assert imported.title == "Winter pressures"
    assert imported.vote_events.count() == conversation.vote_events.count()
    assert "winter.zip" in imported.imported_from
    assert io.StringIO(capsys.readouterr().out).read().startswith("Wrote")
