"""Exports of a conversation: the Pol.is zip, the analysis JSON, the per-statement CSV, their pages and audit."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
from django.test import Client

from commonweal.analysis.polis_io import read_polis_export
from commonweal.conversations.jobs.compute import compute_snapshot
from commonweal.conversations.models import Conversation, Statement
from commonweal.conversations.results.build import group_name
from commonweal.core.models import AuditEntry
from commonweal.reports.exports.build import export_ids, statement_rows
from commonweal.systems.models import Sector
from tests.factories import (
    make_conversation,
    make_facilitator,
    make_moderator,
    make_participant,
    make_statement,
    make_system,
    make_vote,
)

pytestmark = pytest.mark.django_db

ACUTE = dict(Sector.choices)["acute"]
VCSE = dict(Sector.choices)["vcse"]
PRIMARY_CARE = dict(Sector.choices)["primary_care"]


def planted_conversation() -> Conversation:
    """Two camps of ten. Camp one: 7 from acute trusts and 3 from the VCSE; camp two: 10 from primary care.
    Statements 0-3 split the camps, 4-6 everyone agrees with, and only 3 of camp one voted on statement 7."""
    system = make_system()
    conversation = make_conversation(system, title="Winter pressures", question="What would ease winter?")
    statements = [
        make_statement(conversation, f"Statement number {j}", state="accepted", theme="What is working")
        for j in range(8)
    ]
    camp_one = [make_participant(system, conversation=conversation, sector="acute") for _ in range(7)]
    camp_one += [make_participant(system, conversation=conversation, sector="vcse") for _ in range(3)]
    camp_two = [make_participant(system, conversation=conversation, sector="primary_care") for _ in range(10)]
    for camp, sign in ((camp_one, 1), (camp_two, -1)):
        for i, person in enumerate(camp):
            for j in range(4):
                make_vote(person, statements[j], sign if (i + j) % 5 else 0)
            for j in range(4, 7):
                make_vote(person, statements[j], 1)
    for person in camp_one[7:]:  # the three from the VCSE
        make_vote(person, statements[7], 1)
    for person in camp_two:
        make_vote(person, statements[7], -1)
    return conversation


@pytest.fixture
def conversation() -> Conversation:
    conversation = planted_conversation()
    snapshot = compute_snapshot(conversation)
    assert snapshot is not None and snapshot.result["k"] >= 2
    return conversation


@pytest.fixture
def facilitator_client(conversation) -> Client:
    client = Client()
    client.force_login(make_facilitator(conversation.system))
    return client


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def test_the_statements_csv_suppresses_cells_of_fewer_than_5_people(conversation):
    header, rows = statement_rows(conversation)
    table = [dict(zip(header, row, strict=True)) for row in rows]
    assert len(table) == 8
    # Three people from the VCSE voted on everything: never shown as a share.
    assert {r[f"{VCSE} agree %"] for r in table} == {"fewer than 5"}
    # Seven from acute trusts: with the 10 from primary care and the 20 who joined shown, an exact acute count
    # would give the VCSE's 3 away (20 - 10 - 7), so the layer hides acute with it, and its shares too.
    assert {r[f"{ACUTE} agree %"] for r in table} == {"not shown"}
    assert table[4][f"{PRIMARY_CARE} agree %"] == "100"
    assert table[7][f"{PRIMARY_CARE} agree %"] == "0"
    # Overall counts are exact (not a breakdown of people).
    assert (table[7]["agree"], table[7]["disagree"], table[7]["pass"]) == ("3", "10", "0")
    assert table[0]["theme"] == "What is working"
    assert table[0]["moderation"] == "accepted"
    # Every sector has a column, whoever took part.
    assert all(f"{label} agree %" in header for _, label in Sector.choices)


def test_the_statements_csv_group_columns_match_the_snapshot(conversation):
    snapshot = conversation.snapshots.order_by("-tick").first()
    result = snapshot.result
    header, rows = statement_rows(conversation)
    ids = export_ids(conversation)
    by_id = {int(r[0]): dict(zip(header, r, strict=True)) for r in rows}
    suppressed = 0
    for g in range(result["k"]):
        column = f"{group_name(g)} agree %"
        assert column in header
        for j, pk in enumerate(result["statement_ids"]):
            seen, agree = result["group_seen"][g][j], result["group_agree"][g][j]
            want = "no votes" if seen == 0 else "fewer than 5" if seen < 5 else str(round(100 * agree / seen))
            got = by_id[ids.statements[pk]][column]
            # The snapshot's share, or "not shown" where the layer hides it so that a small cell beside it
            # (in the group's column or the statement's row) cannot be worked out; never a small count's share.
            assert got == want or got == "not shown", (g, j, got, want)
            suppressed += want == "fewer than 5"
    # Statement 7: only three of camp one voted on it, so their group's cell is suppressed.
    assert suppressed >= 1
    assert f"{group_name(result['k'])} agree %" not in header


def test_the_statements_csv_download_is_an_attachment_and_audited(conversation, facilitator_client):
    response = facilitator_client.get(f"/manage/conversations/{conversation.slug}/exports/statements.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{conversation.slug}-statements.csv"'
    table = _csv(b"".join(response.streaming_content).decode("utf-8"))
    assert [r["text"] for r in table] == [f"Statement number {j}" for j in range(8)]
    entry = AuditEntry.objects.get(action="export.download")
    assert entry.after == {"format": "statements", "filename": f"{conversation.slug}-statements.csv"}
    assert entry.subject_id == str(conversation.pk)
    assert entry.system == conversation.system


def test_the_polis_zip_holds_the_four_files_with_export_ids_and_the_snapshot_groups(
    conversation, facilitator_client, tmp_path
):
    response = facilitator_client.get(f"/manage/conversations/{conversation.slug}/exports/polis.zip")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    # A raw export (every participant's votes): its name says it holds small numbers.
    raw_name = f"{conversation.slug}-raw-contains-small-numbers-polis.zip"
    assert response["Content-Disposition"] == f'attachment; filename="{raw_name}"'
    data = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert sorted(archive.namelist()) == [
            "comments.csv",
            "participants-votes.csv",
            "summary.csv",
            "votes.csv",
        ]
        text = "".join(archive.read(n).decode() for n in archive.namelist())
        archive.extractall(tmp_path)
    export = read_polis_export(tmp_path)
    ids = export_ids(conversation)
    assert sorted(ids.participants.values()) == list(range(20))
    # No handle of a participant is in any file.
    assert not any(p.handle in text for p in conversation.system.participants.all())
    assert [c.comment_id for c in export.comments] == list(range(8))
    assert len(export.votes) == conversation.vote_events.count()
    assert set(export.votes["vote"].unique()) <= {-1, 0, 1}
    # Our signs: everyone agreed with statement 4.
    assert (export.latest_votes().query("statement == 4")["vote"] == 1).all()
    snapshot = conversation.snapshots.order_by("-tick").first().result
    want = {
        ids.participants[pk]: label
        for pk, label in zip(snapshot["participant_ids"], snapshot["group_labels"], strict=True)
    }
    assert export.groups() == want
    assert export.summary["voters"] == "20"
    assert export.summary["groups"] == str(snapshot["k"])
    assert AuditEntry.objects.filter(action="export.download_raw", after__format="polis").count() == 1


def test_the_raw_analysis_json_carries_the_snapshot_with_export_ids(conversation, facilitator_client):
    # The whole snapshot, per person, is a raw export now (analysis.json publishes the layer's cells).
    response = facilitator_client.get(f"/manage/conversations/{conversation.slug}/exports/analysis-raw.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    raw_name = f"{conversation.slug}-raw-contains-small-numbers-analysis.json"
    assert response["Content-Disposition"] == f'attachment; filename="{raw_name}"'
    document = json.loads(b"".join(response.streaming_content))
    assert next(iter(document)) == "warning" and "small numbers" in document["warning"]
    snapshot = conversation.snapshots.order_by("-tick").first()
    ids = export_ids(conversation)
    assert document["tick"] == snapshot.tick
    assert document["computed_at"] == snapshot.computed_at.isoformat()
    assert document["question"] == "What would ease winter?"
    result = document["result"]
    assert result["participant_ids"] == [ids.participants[pk] for pk in snapshot.result["participant_ids"]]
    assert result["in_conv"] == [ids.participants[pk] for pk in snapshot.result["in_conv"]]
    assert result["statement_ids"] == [ids.statements[pk] for pk in snapshot.result["statement_ids"]]
    assert result["group_labels"] == snapshot.result["group_labels"]
    texts = dict(Statement.objects.filter(conversation=conversation).values_list("pk", "text"))
    assert {int(k): v["text"] for k, v in document["statements"].items()} == {
        ids.statements[pk]: text for pk, text in texts.items()
    }
    for entries in result["repness"].values():
        for entry in entries:
            pk = snapshot.result["statement_ids"][entry["statement"]]
            assert entry["statement_id"] == ids.statements[pk]


def test_the_analysis_json_is_404_with_a_clear_message_before_any_analysis():
    conversation = planted_conversation()
    client = Client()
    client.force_login(make_facilitator(conversation.system))
    response = client.get(f"/manage/conversations/{conversation.slug}/exports/analysis.json")
    assert response.status_code == 404
    assert "no results to export yet" in response.content.decode()
    assert not AuditEntry.objects.filter(action="export.download").exists()
    page = client.get(f"/manage/conversations/{conversation.slug}/exports/").content.decode()
    assert "Not available yet" in page
    assert f"/manage/conversations/{conversation.slug}/exports/analysis.json" not in page


def test_the_exports_page_lists_each_download_with_what_it_holds(conversation, facilitator_client):
    response = facilitator_client.get(f"/manage/conversations/{conversation.slug}/exports/")
    assert response.status_code == 200
    page = response.content.decode()
    for name, file in (
        ("polis.zip", "raw-contains-small-numbers-polis.zip"),
        ("analysis.json", "analysis.json"),
        ("analysis-raw.json", "raw-contains-small-numbers-analysis.json"),
        ("statements.csv", "statements.csv"),
    ):
        assert f"/manage/conversations/{conversation.slug}/exports/{name}" in page
        assert f"{conversation.slug}-{file}" in page
    assert "Raw data: contains small numbers" in page
    for file in ("comments.csv", "votes.csv", "participants-votes.csv", "summary.csv"):
        assert file in page
    assert "fewer than 5" in page


def test_moderators_cannot_download(conversation):
    client = Client()
    client.force_login(make_moderator(conversation))
    for name in ("", "polis.zip", "analysis.json", "statements.csv"):
        assert client.get(f"/manage/conversations/{conversation.slug}/exports/{name}").status_code == 403
    assert not AuditEntry.objects.filter(action="export.download").exists()


def test_a_conversation_nobody_voted_in_exports_four_files_that_import_again(tmp_path):
    from commonweal.conversations.polis_import.actions import check_import_polis
    from commonweal.reports.exports.build import do_export

    system = make_system()
    conversation = make_conversation(system, title="Just seeded")
    make_statement(conversation, "A first seed", state="accepted")
    out = io.BytesIO()
    do_export(None, conversation, "polis", out)
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == [
            "comments.csv",
            "participants-votes.csv",
            "summary.csv",
            "votes.csv",
        ]
        assert archive.read("votes.csv").decode() == "timestamp,datetime,comment-id,voter-id,vote\n"
    (tmp_path / "seeded.zip").write_bytes(out.getvalue())
    imported = check_import_polis(None, make_system(), tmp_path / "seeded.zip")
    assert list(imported.statements.values_list("text", flat=True)) == ["A first seed"]
    assert not imported.vote_events.exists()
