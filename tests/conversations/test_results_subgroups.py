"""Pol.is' subgroups (its second level of clusters, issue 15) on the results page: how many each opinion group
holds and their sizes, suppressed as a breakdown of the group's published size."""

from __future__ import annotations

import copy

import pytest

from commonweal.conversations.jobs.compute import compute_snapshot
from commonweal.conversations.models import Conversation
from commonweal.conversations.results.build import _subgroups, build_results
from commonweal.conversations.results.snapshot import StoredResult, Subgroups
from commonweal.core.small_numbers import Cell
from tests.conversations.test_standing import plant
from tests.factories import make_snapshot

pytestmark = pytest.mark.django_db


def _with_subgroups(sizes: list[int]) -> StoredResult:
    return StoredResult(
        k=1, group_sizes=(sum(sizes),), subgroups=(Subgroups(group=0, k=len(sizes), sizes=tuple(sizes)),)
    )


def test_subgroup_sizes_are_a_suppressed_breakdown_of_the_groups_published_size():
    stored = _with_subgroups([20, 12])
    n, cells = _subgroups(stored, 0, Cell("Group A", 32))
    assert n == 2 and [(c.label, c.count) for c in cells] == [("Subgroup 1", 20), ("Subgroup 2", 12)]
    # A part under 5 is "fewer than 5", and the other part, which the group's size would give away, is not shown.
    n, cells = _subgroups(_with_subgroups([27, 3]), 0, Cell("Group A", 30))
    assert (
        n == 2
        and [c.count for c in cells] == [None, None]
        and [c.status for c in cells] == ["hidden", "small"]
    )
    # A group whose own size is not shown exactly shows how many subgroups, not their sizes.
    assert _subgroups(stored, 0, Cell("Group A", None)) == (2, ())
    # One subgroup is no second level at all.
    assert _subgroups(_with_subgroups([32]), 0, Cell("Group A", 32)) == (0, ())


def test_the_results_page_says_how_many_subgroups_pol_is_finds_in_a_group():
    conversation, _, _, _ = plant(people=40)
    Conversation.objects.filter(pk=conversation.pk).update(grouping="polis")
    conversation.refresh_from_db()
    snapshot = compute_snapshot(conversation)
    assert snapshot is not None
    result = copy.deepcopy(snapshot.result)
    assert result["grouping"] == "polis" and isinstance(result["subgroups"], list)
    size = result["group_sizes"][0]
    # Whatever the engine found here, the page reads what the stored result says: two subgroups in group A.
    result["subgroups"] = [
        {"group": 0, "base": [], "of_base": [], "centres": [[0, 0], [1, 1]], "sizes": [size - 9, 9], "k": 2,
         "best_k": 2, "silhouettes": {"2": 0.4}},
    ]  # fmt: skip
    stored = make_snapshot(conversation, result=result, vote_event_high_water=snapshot.vote_event_high_water)
    results = build_results(conversation, snapshot=stored)
    group = results.groups[0]
    assert group.subgroup_words == (
        f"Within it, Pol.is' second level of clusters finds 2 subgroups: {size - 9} people and 9 people."
    )
    assert results.groups[1].subgroup_words == ""
