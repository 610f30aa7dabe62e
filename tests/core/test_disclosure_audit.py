"""The adversary itself, on small systems worked by hand (the arithmetic is in the comments)."""

import math

import pytest

from commonweal.core.small_numbers import Relation, Seen, audit

INF = math.inf


def test_a_small_cell_beside_a_cell_known_to_be_five_or_more_is_recovered():
    # a + b = 6, a in 1..4 ("fewer than 5"), b >= 5 ("not shown" beside it): b = 5, a = 1.
    seen = [Seen("a", 1, 4, true=1, small=True), Seen("b", 5, INF, true=5), Seen("total", 6, 6, true=6)]
    report = audit(seen, [Relation("total", ("a", "b"))], 5)
    assert [f.cell for f in report.recovered] == ["a"]
    assert report.intervals["a"] == (1, 1)
    assert not report.ok


def test_two_small_cells_of_eight_are_both_four():
    seen = [Seen("a", 1, 4, true=4, small=True), Seen("b", 1, 4, true=4, small=True), Seen("t", 8, 8, true=8)]
    report = audit(seen, [Relation("t", ("a", "b"))], 5)
    assert sorted(f.cell for f in report.recovered) == ["a", "b"]


def test_enough_room_leaves_the_whole_range_and_passes():
    # a + b = 12, a in 1..4, b >= 5: a can be 1 (b = 11) or 4 (b = 8).
    seen = [Seen("a", 1, 4, true=3, small=True), Seen("b", 5, INF, true=9), Seen("t", 12, 12, true=12)]
    report = audit(seen, [Relation("t", ("a", "b"))], 5)
    assert report.ok and report.intervals["a"] == (1, 4)


def test_a_range_narrower_than_the_label_is_reported_as_narrowed():
    # a + b = 8, b >= 5: a is 1..3, not 1..4; not recovered, but the tables say more than the label.
    seen = [Seen("a", 1, 4, true=3, small=True), Seen("b", 5, INF, true=5), Seen("t", 8, 8, true=8)]
    report = audit(seen, [Relation("t", ("a", "b"))], 5)
    assert not report.recovered
    assert [(f.cell, f.low, f.high) for f in report.narrowed] == [("a", 1, 3)]


def test_a_rounded_total_is_a_range():
    # "about 20" (15..24) = 12 + a: a in 3..12, with its label 3..4.
    seen = [Seen("a", 1, 4, true=3, small=True), Seen("b", 12, 12, true=12), Seen("t", 15, 24, true=15)]
    report = audit(seen, [Relation("t", ("a", "b"))], 5)
    assert report.intervals["a"] == (3, 4) and report.narrowed
    seen[2] = Seen("t", 10, 29, true=15)  # "about 20" to the nearest 20: 10..29 leaves a free
    assert audit(seen, [Relation("t", ("a", "b"))], 5).ok


def test_a_subset_bounds_from_above_and_links_tables():
    # People by sector: x (small) + y (hidden) = 10. Voters on a statement by sector, all exact but x's:
    # y voted 9 times and voters are within people, so y >= 9 and x <= 1.
    seen = [
        Seen("x", 1, 4, true=1, small=True),
        Seen("y", 5, INF, true=9),
        Seen("N", 10, 10, true=10),
        Seen("vx", 0, INF, true=1),
        Seen("vy", 9, 9, true=9),
    ]
    rels = [
        Relation("N", ("x", "y")),
        Relation("x", ("vx",), exact=False),
        Relation("y", ("vy",), exact=False),
    ]
    report = audit(seen, rels, 5)
    assert report.intervals["x"] == (1, 1)


def test_differencing_across_two_tables_of_the_same_people():
    # Sectors a + b + c = 20 with a = 12 shown and b, c hidden; a second table shows b = 6 as a row total.
    seen = [
        Seen("a", 12, 12, true=12),
        Seen("b", 5, INF, true=6),
        Seen("c", 1, 4, true=2, small=True),
        Seen("N", 20, 20, true=20),
        Seen("b1", 6, 6, true=6),
        Seen("b2", 0, 0, true=0),
    ]
    rels = [Relation("N", ("a", "b", "c")), Relation("b", ("b1", "b2"))]
    report = audit(seen, rels, 5)
    assert [(f.cell, f.true) for f in report.recovered] == [("c", 2)]


def test_integer_attack_agrees_on_these_systems():
    seen = [Seen("a", 1, 4, true=2, small=True), Seen("b", 1, 4, true=3, small=True), Seen("t", 5, 5, true=5)]
    lp = audit(seen, [Relation("t", ("a", "b"))], 5)
    ip = audit(seen, [Relation("t", ("a", "b"))], 5, integer=True)
    assert lp.intervals == ip.intervals == {"a": (1, 4), "b": (1, 4)}


def test_published_numbers_that_contradict_their_relations_are_an_error():
    seen = [Seen("a", 3, 3, true=3), Seen("b", 1, 4, true=2, small=True), Seen("t", 2, 2, true=2)]
    with pytest.raises(ValueError, match="contradict"):
        audit(seen, [Relation("t", ("a", "b"))], 5)


def test_what_the_totals_alone_give_away_is_reported_as_implied_not_as_a_leak():
    # Everyone is in sector s (7 people, the other sector is 0); 4 voted on the statement. Voters from s = 4
    # whatever the breakdowns hide: the baseline (totals and zeros only) recovers it too.
    seen = [
        Seen("s", 7, 7, true=7),
        Seen("o", 0, 0, true=0),
        Seen("vs", 0, INF, true=4),
        Seen("vo", 0, INF, true=0),
        Seen("V", 4, 4, true=4),
    ]
    rels = [
        Relation("V", ("vs", "vo")),
        Relation("s", ("vs",), exact=False),
        Relation("o", ("vo",), exact=False),
    ]
    baseline = [Seen("s", 0, INF, true=7), Seen("o", 0, 0, true=0), Seen("V", 4, 4, true=4)]
    assert not audit(seen, rels, 5).ok
    report = audit(seen, rels, 5, baseline=baseline)
    assert report.ok and [f.cell for f in report.implied] == ["vs"]
