"""Similar-statement search and duplicate grouping."""

from __future__ import annotations

import json

import pytest

from commonweal.analysis.errors import AnalysisInputError
from commonweal.analysis.similar import SimilarityIndex, group_duplicates

STATEMENTS = [
    "We need more GPs in rural areas",
    "Care homes should be funded properly",
    "Buses to the hospital are too infrequent",
    "Young people's mental health services need investment",
    "Discharge from hospital is delayed by a lack of care staff",
    "The council should publish how it spends the public health grant",
]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("we need more GP's in rural area", 0),  # punctuation, plural, case
        ("Care homes shoud be funded propperly!", 1),  # typos
        ("buses to hospital are too infrequent", 2),  # dropped word
        ("Investment is needed in mental health services for young people", 3),  # reordered
    ],
)
def test_finds_near_duplicates(query: str, expected: int) -> None:
    index = SimilarityIndex(STATEMENTS, ids=[f"s{i}" for i in range(len(STATEMENTS))])
    matches = index.query(query, top_k=3, threshold=0.3)
    assert matches and matches[0].position == expected
    assert matches[0].id == f"s{expected}"
    assert all(a.score >= b.score for a, b in zip(matches, matches[1:], strict=False))


def test_unrelated_text_finds_nothing_above_threshold() -> None:
    index = SimilarityIndex(STATEMENTS)
    assert index.query("Parking charges at the leisure centre", threshold=0.5) == []
    assert index.query("   ") == []


def test_top_k_and_threshold_and_add() -> None:
    index = SimilarityIndex(STATEMENTS)
    assert len(index.query("hospital", top_k=1, threshold=0.0)) == 1
    index.add(["More GPs are needed in rural areas"], ids=["new"])
    assert len(index) == len(STATEMENTS) + 1
    hits = index.query("we need more GPs in rural areas", top_k=2, threshold=0.4)
    assert {m.id for m in hits} == {0, "new"}
    json.dumps([m.to_dict() for m in hits])
    with pytest.raises(AnalysisInputError):
        index.query("x", top_k=0)
    with pytest.raises(AnalysisInputError):
        SimilarityIndex(["a", 3])  # type: ignore[list-item]


def test_empty_index() -> None:
    index = SimilarityIndex([])
    assert index.query("anything") == []
    index.add(["More GPs in rural areas"])
    assert index.query("more GPs in rural areas", threshold=0.5)[0].position == 0


def test_group_duplicates_for_moderators() -> None:
    pending = [
        "Fund care homes properly",
        "Parking at the hospital is too expensive",
        "fund care homes properly!!",
        "Care homes must be funded properly",
        "Hospital parking is too expensive",
        "Libraries should open on Sundays",
    ]
    existing = SimilarityIndex(STATEMENTS)
    groups = group_duplicates(pending, ids=list("abcdef"), threshold=0.5, against=existing)
    sets = [set(g.ids) for g in groups]
    assert {"a", "c", "d"} in sets
    assert {"b", "e"} in sets
    assert not any("f" in s for s in sets)
    care = groups[sets.index({"a", "c", "d"})]
    assert care.existing and care.existing[0].position == 1
    assert care.min_score >= 0.5
    json.dumps([g.to_dict() for g in groups])
    assert group_duplicates([]) == []
