"""The Pol.is import's limits: the votes and participants one import takes, counted before anything is loaded."""

from __future__ import annotations

import io
import zipfile

import pytest

from commonweal.conversations.models import Conversation, Participant, Statement, VoteEvent
from commonweal.conversations.polis_import.actions import check_import_polis
from commonweal.core.errors import ImportFailed
from tests.factories import make_facilitator, make_system
from tests.reports.test_polis_import import build_conversation, polis_zip

pytestmark = pytest.mark.django_db


def _import(tmp_path, data: bytes):
    (tmp_path / "export.zip").write_bytes(data)
    system = make_system()
    return system, lambda: check_import_polis(make_facilitator(system), system, tmp_path / "export.zip")


def _nothing_written(system) -> None:
    assert not Conversation.objects.filter(system=system).exists()
    assert not Participant.objects.filter(system=system).exists()
    assert not Statement.objects.filter(conversation__system=system).exists()
    assert not VoteEvent.objects.filter(conversation__system=system).exists()


def test_an_export_with_more_votes_than_the_limit_is_refused_with_the_limit_and_what_to_do(
    tmp_path, settings
):
    original = build_conversation()
    events = VoteEvent.objects.filter(conversation=original).count()
    system, run = _import(tmp_path, polis_zip(original))
    settings.IMPORT_MAX_VOTES = events - 1
    with pytest.raises(ImportFailed) as refused:
        run()
    message = str(refused.value)
    assert f"more than {events - 1:,} vote events" in message
    assert "COMMONWEAL_IMPORT_MAX_VOTES" in message
    assert "Nothing was imported" in message
    assert "commonweal import-polis" in refused.value.detail["errors"][0]["fix"]
    _nothing_written(system)
    settings.IMPORT_MAX_VOTES = events  # exactly at the limit: taken
    assert run().import_result.vote_events == events


def test_an_export_with_more_participants_than_the_limit_is_refused(tmp_path, settings):
    original = build_conversation()
    voters = VoteEvent.objects.filter(conversation=original).values("participant").distinct().count()
    system, run = _import(tmp_path, polis_zip(original))
    settings.IMPORT_MAX_PARTICIPANTS = voters - 1
    with pytest.raises(ImportFailed) as refused:
        run()
    assert f"more than {voters - 1:,} participants" in str(refused.value)
    assert "COMMONWEAL_IMPORT_MAX_PARTICIPANTS" in str(refused.value)
    _nothing_written(system)
    settings.IMPORT_MAX_PARTICIPANTS = voters
    assert run().import_result.participants >= voters


def test_a_zip_whose_votes_unpack_larger_than_the_limit_can_fill_is_refused_before_unpacking(
    tmp_path, settings
):
    original = build_conversation()
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(polis_zip(original))) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            data = source.read(info)
            if info.filename.endswith("votes.csv") and "participants" not in info.filename:
                data += b"1,x,1,1,1\n" * 300_000  # 3 MB unpacked, a few KB packed
            target.writestr(info.filename, data)
    system, run = _import(tmp_path, out.getvalue())
    settings.IMPORT_MAX_VOTES = 1000
    with pytest.raises(ImportFailed) as refused:
        run()
    assert "votes.csv of 2 MB unpacked" in str(refused.value)
    assert "COMMONWEAL_IMPORT_MAX_VOTES" in str(refused.value)
    _nothing_written(system)
