"""The Pol.is reader streams its vote files: chunk by chunk, the same export as a whole read, bounds enforced as
soon as they are passed (before the rest of the file is read), errors on the right row across chunks."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from commonweal.analysis import polis_io
from commonweal.analysis.errors import AnalysisInputError
from commonweal.analysis.polis_io import ExportTooLarge, read_polis_export

COMMENTS = "timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body\n"


def _export_folder(folder: Path, rows: int, *, voters: int = 40, tail: str = "") -> Path:
    """comments 0-4 and ``rows`` vote events by ``voters`` people, then ``tail`` (raw lines)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "comments.csv").write_text(
        COMMENTS + "".join(f"{i},x,{i},0,0,0,1,Statement {i}\n" for i in range(5))
    )
    lines = [f"{1000 + i},Mon,{i % 5},{i % voters},{(i % 3) - 1}\n" for i in range(rows)]
    (folder / "votes.csv").write_text("timestamp,datetime,comment-id,voter-id,vote\n" + "".join(lines) + tail)
    return folder


def _same(a: polis_io.PolisExport, b: polis_io.PolisExport) -> None:
    pd.testing.assert_frame_equal(a.votes, b.votes)
    if a.participants is None:
        assert b.participants is None
    else:
        assert b.participants is not None
        pd.testing.assert_frame_equal(a.participants, b.participants)
    assert [dataclasses.astuple(c) for c in a.comments] == [dataclasses.astuple(c) for c in b.comments]
    assert (a.summary, a.vote_columns, a.votes_source) == (b.summary, b.vote_columns, b.votes_source)


def test_small_chunks_read_every_conversation_as_one_chunk_does(
    polis_opendata: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folders = sorted(
        d
        for d in polis_opendata.iterdir()
        if (d / "comments.csv").exists()
        and ((d / "votes.csv").exists() or (d / "participants-votes.csv").exists())
    )
    assert len(folders) >= 10
    for folder in folders:
        monkeypatch.setattr(polis_io, "CHUNK_ROWS", 10_000_000)
        monkeypatch.setattr(polis_io, "CHUNK_CELLS", 10**12)
        whole = read_polis_export(folder)
        # Chunks that split the files at odd places: several a file.
        monkeypatch.setattr(polis_io, "CHUNK_ROWS", 4_999)
        monkeypatch.setattr(polis_io, "CHUNK_CELLS", 200_000)
        _same(whole, read_polis_export(folder))


def test_the_votes_read_are_the_file_exactly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(polis_io, "CHUNK_ROWS", 7)
    folder = _export_folder(tmp_path, 30)
    votes = read_polis_export(folder).votes
    i = np.arange(30)
    assert list(votes.columns) == ["timestamp", "datetime", "statement", "participant", "vote"]
    assert [str(t) for t in votes.dtypes] == ["Int64", "object", "int64", "int64", "int8"]
    assert votes["timestamp"].tolist() == (1000 + i).tolist()
    assert votes["datetime"].tolist() == ["Mon"] * 30
    assert votes["statement"].tolist() == (i % 5).tolist()
    assert votes["participant"].tolist() == (i % 40).tolist()
    assert votes["vote"].tolist() == ((i % 3) - 1).tolist()
    assert list(votes.index) == list(range(30))
    # Without the datetime text (what the import asks for), the rest is the same.
    lean = read_polis_export(folder, datetimes=False).votes
    assert lean["datetime"].isna().all()
    pd.testing.assert_frame_equal(lean.drop(columns="datetime"), votes.drop(columns="datetime"))


def test_a_file_over_the_vote_bound_is_refused_before_the_rest_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(polis_io, "CHUNK_ROWS", 100)
    # A fault near the end: refused for its size, the reader never gets there. (Larger than the parser's buffer.)
    folder = _export_folder(tmp_path, 300_000, tail="1,x,0,0,7\n")
    read: list[tuple[str, int, int]] = []
    with pytest.raises(ExportTooLarge) as refused:
        read_polis_export(folder, max_votes=250, progress=lambda *a: read.append(a))
    assert (refused.value.file, refused.value.what, refused.value.limit) == ("votes.csv", "vote events", 250)
    assert "votes.csv: more than 250 vote events" in str(refused.value)
    assert isinstance(refused.value, AnalysisInputError)
    size = (folder / "votes.csv").stat().st_size
    assert read and read[-1][2] == size
    assert read[-1][1] < size / 4  # stopped within the first quarter of the file
    # At the bound, taken (and then the fault at the end is found).
    with pytest.raises(AnalysisInputError, match="row 300001, vote is 7"):
        read_polis_export(folder, max_votes=300_001)


def test_a_file_over_the_participant_bound_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(polis_io, "CHUNK_ROWS", 50)
    folder = _export_folder(tmp_path, 1_000, voters=300)
    with pytest.raises(ExportTooLarge) as refused:
        read_polis_export(folder, max_participants=120)
    assert (refused.value.what, refused.value.limit) == ("participants", 120)
    assert len(read_polis_export(folder, max_participants=300).votes) == 1_000


def test_participants_votes_bounds_and_duplicates_across_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(polis_io, "CHUNK_ROWS", 4)
    (tmp_path / "comments.csv").write_text(COMMENTS + "0,x,0,0,0,0,1,a\n1,x,1,0,0,0,1,b\n")
    rows = "".join(f"{p},,2,1,0,1\n" for p in range(10))
    (tmp_path / "participants-votes.csv").write_text("participant,group-id,n-votes,n-agree,0,1\n" + rows)
    export = read_polis_export(tmp_path)
    assert export.votes_source == "participants-votes.csv"
    assert len(export.votes) == 20 and export.participants is not None and len(export.participants) == 10
    with pytest.raises(ExportTooLarge, match="more than 6 participants"):
        read_polis_export(tmp_path, max_participants=6)
    with pytest.raises(ExportTooLarge, match="more than 9 votes"):
        read_polis_export(tmp_path, max_votes=9)
    (tmp_path / "participants-votes.csv").write_text(
        "participant,group-id,n-votes,n-agree,0,1\n" + rows + "3,,2,1,0,1\n"
    )
    with pytest.raises(AnalysisInputError, match="row 11, participant 3 appears twice"):
        read_polis_export(tmp_path)


def test_a_fault_in_a_later_chunk_names_its_row_in_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(polis_io, "CHUNK_ROWS", 100)
    folder = _export_folder(tmp_path, 249, tail="1,x,zero,0,1\n")
    with pytest.raises(AnalysisInputError, match=r"votes.csv: row 250, column 'comment-id' is 'zero'"):
        read_polis_export(folder)
    folder = _export_folder(tmp_path / "b", 249, tail="1,x,0,0,1,extra\n")
    with pytest.raises(AnalysisInputError, match="votes.csv: cannot parse CSV"):
        read_polis_export(folder)
