"""Pol.is open-data export: read, write, round trip; Pol.is math fixtures."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from commonweal.analysis.errors import AnalysisInputError
from commonweal.analysis.polis_io import (
    PolisComment,
    PolisExport,
    read_polis_export,
    read_polis_math_fixture,
    write_polis_export,
)

FILES = ["comments.csv", "votes.csv", "participants-votes.csv", "summary.csv"]


def _conversations_with_votes(root: Path) -> list[Path]:
    return sorted(
        d
        for d in root.iterdir()
        if d.is_dir()
        and (d / "comments.csv").exists()
        and ((d / "votes.csv").exists() or (d / "participants-votes.csv").exists())
    )


def test_round_trip_every_conversation(polis_opendata: Path, tmp_path: Path) -> None:
    folders = _conversations_with_votes(polis_opendata)
    assert len(folders) >= 10  # MANIFEST: three folders hold only comments and summary
    for folder in folders:
        export = read_polis_export(folder)
        out = write_polis_export(export, tmp_path / folder.name)
        # Byte for byte: we write the format as Pol.is does, so reading it back gives the same export.
        for name in FILES:
            assert (folder / name).exists() == (out / name).exists(), (folder.name, name)
            if (folder / name).exists():
                assert (folder / name).read_bytes() == (out / name).read_bytes(), (folder.name, name)


@pytest.mark.parametrize("name", ["london.youth.policing", "austria-climate.7z7ejpbmv5.2022-08-08"])
def test_round_trip_structures(polis_opendata: Path, tmp_path: Path, name: str) -> None:
    export = read_polis_export(polis_opendata / name)
    again = read_polis_export(write_polis_export(export, tmp_path))
    pd.testing.assert_frame_equal(export.votes, again.votes)
    assert export.comments == again.comments
    assert export.summary == again.summary
    assert export.vote_columns == again.vote_columns
    assert export.votes_source == again.votes_source
    assert export.participants is not None and again.participants is not None
    pd.testing.assert_frame_equal(export.participants, again.participants)


def test_reads_both_comment_headers_and_moderation(polis_opendata: Path) -> None:
    classic = read_polis_export(polis_opendata / "15-per-hour-seattle")
    assert classic.comments_header == "classic"
    assert {c.moderation for c in classic.comments} == {"accepted", "pending", "rejected"}
    assert classic.comments[0].datetime is not None and classic.comments[0].is_meta is None
    extended = read_polis_export(polis_opendata / "bg2050-volunteers")
    assert extended.comments_header == "extended"
    c = extended.comments[0]
    assert (
        c.is_seed is True
        and c.is_meta is False
        and c.group_informed_consensus == pytest.approx(0.6839080459770114)
    )
    assert classic.summary["groups"] == "2"


def test_participants_votes_agree_with_latest_votes(polis_opendata: Path) -> None:
    export = read_polis_export(polis_opendata / "london.youth.policing")
    latest = export.latest_votes()
    groups = export.groups()
    assert len(groups) == 26 and None in groups.values()
    assert len(latest) == 638  # MANIFEST-consistent: the re-votes collapse to the latest
    m = export.to_vote_matrix()
    assert m.n_votes == len(latest)
    assert m.n_statements == len(export.comments)
    only_pv = read_polis_export(polis_opendata / "american-assembly.bowling-green")
    assert only_pv.votes_source == "participants-votes.csv"
    assert only_pv.votes["timestamp"].isna().all()


def test_write_from_our_own_data(tmp_path: Path) -> None:
    export = PolisExport(
        comments=[
            PolisComment(0, "More GPs", author_id=1, moderation="accepted", timestamp=1_700_000_000_000),
            PolisComment(
                1, 'Say "no", then', author_id=2, moderation="rejected", timestamp=1_700_000_001_000
            ),
        ],
        votes=pd.DataFrame(
            {
                "timestamp": pd.array([1, 2, 3, 4], dtype="Int64") + 1_700_000_010_000,
                "datetime": [None] * 4,
                "statement": [0, 0, 0, 1],
                "participant": [1, 2, 1, 2],
                "vote": np.array([1, -1, 0, 1], dtype=np.int8),
            }
        ),
    )
    out = write_polis_export(export, tmp_path / "conv", groups={1: 0, 2: 1})
    back = read_polis_export(out)
    assert back.comments[0].agrees == 0 and back.comments[0].disagrees == 1  # 1 re-voted to pass
    assert back.groups() == {1: 0, 2: 1}
    assert back.vote_columns == [0, 1]
    assert back.summary["voters"] == "2" and back.summary["groups"] == "2"
    assert back.votes["datetime"].iloc[0].endswith("UTC 2023")
    with pytest.raises(AnalysisInputError, match="already exist"):
        write_polis_export(export, out)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "votes.csv",
            "timestamp,datetime,comment-id,voter-id,vote\n1,x,0,0,1\n2,x,0,1,2\n",
            r"votes.csv: row 2, vote is 2",
        ),
        (
            "votes.csv",
            "timestamp,datetime,comment-id,voter-id,vote\n1,x,a,0,1\n",
            r"votes.csv: row 1, column 'comment-id' is 'a'",
        ),
        ("votes.csv", "timestamp,comment-id,vote\n1,0,1\n", r"votes.csv: missing column\(s\) \['voter-id'\]"),
        (
            "participants-votes.csv",
            "participant,group-id,n-comments,n-votes,n-agree,n-disagree,0\n0,0,0,1,1,0,1\n1,,0,1,0,0,5\n",
            r"participants-votes.csv: row 2, column '0' is '5'",
        ),
        (
            "comments.csv",
            "timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body\n1,x,0,0,0,0,2,hi\n",
            r"comments.csv: row 1, moderated is 2",
        ),
        (
            "comments.csv",
            "timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body\n1,x,0,0,0,0,1,a\n1,x,0,0,0,0,1,b\n",
            r"comments.csv: row 2, comment-id 0 appears twice",
        ),
        ("summary.csv", "topic,a,b\n", r"summary.csv: row 1 has 3 fields"),
    ],
)
def test_malformed_input_names_file_row_and_reason(
    tmp_path: Path, name: str, content: str, message: str
) -> None:
    (tmp_path / "comments.csv").write_text(
        "timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body\n1,x,0,0,0,0,1,hi\n"
    )
    (tmp_path / "votes.csv").write_text("timestamp,datetime,comment-id,voter-id,vote\n1,x,0,0,1\n")
    (tmp_path / name).write_text(content)
    with pytest.raises(AnalysisInputError, match=message):
        read_polis_export(tmp_path)


def test_missing_files(tmp_path: Path) -> None:
    with pytest.raises(AnalysisInputError, match="not a folder"):
        read_polis_export(tmp_path / "nope")
    with pytest.raises(AnalysisInputError, match="no comments.csv"):
        read_polis_export(tmp_path)
    (tmp_path / "comments.csv").write_text("comment-id,moderated,comment-body\n0,1,hi\n")
    with pytest.raises(AnalysisInputError, match="no votes.csv or participants-votes.csv"):
        read_polis_export(tmp_path)


def test_math_fixtures_read_in_our_sign(polis_math_fixtures: Path) -> None:
    folders = sorted(d for d in polis_math_fixtures.iterdir() if d.is_dir())
    assert len(folders) == 5
    for folder in folders:
        fx = read_polis_math_fixture(folder)
        assert fx.sign == 1  # every fixture's votes.json already uses agree = +1
        assert set(fx.votes["vote"].unique()) <= {-1, 0, 1}
        assert "pca" in fx.math and "group-clusters" in fx.math
        latest = fx.votes.sort_values("timestamp").drop_duplicates(["participant", "statement"], keep="last")
        agrees = latest[latest["vote"] == 1].groupby("statement").size()
        counts = fx.comments.set_index("statement")["agree_count"]
        assert (agrees.reindex(counts.index, fill_value=0) == counts).all()
    flipped = read_polis_math_fixture(folders[0], vote_sign=-1)
    assert flipped.sign == -1


def test_math_fixture_errors(tmp_path: Path) -> None:
    with pytest.raises(AnalysisInputError, match="votes.json: file not found"):
        read_polis_math_fixture(tmp_path)
    (tmp_path / "votes.json").write_text('[{"pid": 0, "tid": 0, "vote": 3}]')
    (tmp_path / "comments.json").write_text("[]")
    (tmp_path / "math-pca2.json").write_text("{}")
    with pytest.raises(AnalysisInputError, match="entry 0 has vote 3"):
        read_polis_math_fixture(tmp_path)
    (tmp_path / "math-pca2.json").write_text("{oops")
    with pytest.raises(AnalysisInputError, match="invalid JSON at line 1"):
        read_polis_math_fixture(tmp_path)
