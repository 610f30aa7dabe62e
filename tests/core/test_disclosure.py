"""The linked-table API of the disclosure layer: what a caller registers and what comes back."""

import re
from pathlib import Path

import pytest

from commonweal.core.small_numbers import CellRef, Disclosure, cluster_marks


def sector_and_group(d: Disclosure):
    everyone = d.total("participants", 40)
    sector = d.table("sector", {"Acute": 25, "VCSE": 12, "Healthwatch": 3, "Not said": 0}, total=everyone)
    group = d.table("group", {"A": 22, "B": 14, "not in a group": 4}, total=everyone)
    cells = {
        ("Acute", "A"): 15, ("Acute", "B"): 8, ("Acute", "not in a group"): 2,
        ("VCSE", "A"): 6, ("VCSE", "B"): 5, ("VCSE", "not in a group"): 1,
        ("Healthwatch", "A"): 1, ("Healthwatch", "B"): 1, ("Healthwatch", "not in a group"): 1,
    }  # fmt: skip
    d.cross("sector by group", cells, rows=sector, cols=group)
    return everyone, sector, group


def test_a_published_table_says_what_each_cell_is():
    d = Disclosure(5)
    sector_and_group(d)
    published = d.publish()
    sector = published["sector"]
    assert {k: c.display for k, c in sector.cells.items()} == {
        "Acute": "25",
        "VCSE": "not shown",
        "Healthwatch": "fewer than 5",
        "Not said": "0",
    }
    assert [c.status for c in sector.rows] == ["shown", "hidden", "small", "shown"]
    assert sector.total is not None and sector.total.display == "40" and not sector.rounded
    assert sector.notes and "fewer than 5 cannot be worked out" in sector.notes[0]
    assert published.cell(CellRef("participants", None)).count == 40
    assert published.as_dict()["tables"][0]["cells"][2] == {
        "label": "Healthwatch",
        "count": None,
        "suppressed": True,
        "display": "fewer than 5",
        "status": "small",
    }
    assert published.audit().ok


def test_what_happens_inside_a_hidden_group_is_not_shown_zeros_included():
    d = Disclosure(5)
    sector_and_group(d)
    cross = d.publish()["sector by group"]
    for r in ("VCSE", "Healthwatch"):  # hidden sectors: their whole rows, 1s and 5s alike
        assert {cross.cells[(r, g)].status for g in ("A", "B", "not in a group")} == {"withheld"}
    # "not in a group" (4) is small and B is hidden beside it: their columns are withheld as well.
    assert {cross.cells[("Acute", g)].status for g in ("B", "not in a group")} == {"withheld"}
    assert cross.cells[("Acute", "A")].display == "15"
    assert "not shown either" in " ".join(cross.notes)


def test_a_small_cell_inside_a_two_way_table_gets_a_rectangle_of_hidden_cells():
    d = Disclosure(5)
    everyone = d.total("participants", 60)
    rows = d.table("place", {"North": 30, "South": 30}, total=everyone)
    cols = d.table("group", {"A": 30, "B": 30}, total=everyone)
    d.cross("place by group", {("North", "A"): 28, ("North", "B"): 2, ("South", "A"): 2, ("South", "B"): 28},
            rows=rows, cols=cols)  # fmt: skip
    published = d.publish()
    cross = published["place by group"]
    assert [c.status for c in cross.rows] == ["hidden", "small", "small", "hidden"]
    assert published["place"].cells["North"].count == 30  # the margins stay shown
    report = published.audit()
    assert report.ok and report.intervals[CellRef("place by group", ("North", "B"))] == (1, 4)


def test_a_roundable_total_is_rounded_rather_than_hiding_a_big_group():
    d = Disclosure(5)
    everyone = d.total("participants", 80)
    grouped = d.total("people in groups", 79, within=everyone, roundable=True)
    d.table("opinion groups", {"A": 75, "B": 4}, total=grouped)
    published = d.publish()
    groups = published["opinion groups"]
    assert groups.cells["A"].display == "75" and groups.cells["B"].display == "fewer than 5"
    total = groups.total
    assert total is not None and groups.rounded and total.display == "about 80"
    assert (total.low, total.high, total.count) == (75, 84, None)
    assert total.as_dict()["status"] == "rounded" and "between 75 and 84" in " ".join(groups.notes)
    assert published.audit().ok


def test_a_table_that_cannot_be_protected_is_withheld():
    d = Disclosure(5)
    everyone = d.total("participants", 8)
    d.table("sector", {"a": 4, "b": 4, "c": 0}, total=everyone)
    table = d.publish()["sector"]
    assert table.withheld and {c.display for c in table.rows} == {"not shown"}
    assert "too few people" in table.notes[0]


def test_a_one_column_table_hides_the_row_total_that_would_repeat_a_small_cell():
    # One statement: voters from a sector on it are the votes that sector cast, a count shown elsewhere.
    d = Disclosure(5)
    votes = d.total("votes", 30)
    cast = d.table("votes by sector", {"a": 3, "b": 12, "c": 15}, total=votes, people=False)
    per = d.table("voters by statement", {"s1": 30}, total=votes, people=False)
    d.cross("sector by statement", {("a", "s1"): 3, ("b", "s1"): 12, ("c", "s1"): 15}, rows=cast, cols=per)
    published = d.publish()
    assert published["votes by sector"].cells["a"].count is None
    assert published.audit().ok


def test_share_is_given_only_of_counts_shown_exactly():
    d = Disclosure(5)
    voters = d.total("voters", 20)
    d.table("votes", {"agree": 12, "disagree": 8}, total=voters, people=False)
    d.table("agree by sector", {"a": 3, "b": 9}, total=12)
    published = d.publish()
    assert published.share(CellRef("votes", "agree"), CellRef("voters", None)) == pytest.approx(0.6)
    assert published.share(CellRef("agree by sector", "a"), CellRef("voters", None)) is None


@pytest.mark.parametrize(
    ("register", "message"),
    [
        (lambda d: d.table("t", {"a": 2, "b": 3}, total=6), "add up to 5"),
        (lambda d: d.table("t", {"a": -1}), "not a count"),
        (lambda d: d.table("t", {None: 1}), "not a key"),
        (lambda d: (d.table("t", {"a": 1}), d.table("t", {"b": 1})), "already registered"),
        (lambda d: d.table("t", {"a": 1}, total=d.total("n", 1), roundable=True), "only a total of its own"),
    ],
)
def test_inconsistent_registrations_are_refused(register, message):
    with pytest.raises(ValueError, match=message):
        register(Disclosure(5))


def test_a_subset_cannot_count_more_than_its_whole_and_two_way_margins_must_agree():
    d = Disclosure(5)
    sector = d.table("sector", {"a": 3, "b": 7}, total=10)
    with pytest.raises(ValueError, match="counts more than"):
        d.table("voters", {"a": 4, "b": 1}, total=5, within=sector)
    group = d.table("group", {"x": 9}, total=9)
    with pytest.raises(ValueError, match="add up to 10, its columns to 9"):
        d.cross("sector by group", {("a", "x"): 3}, rows=sector, cols=group)
    with pytest.raises(ValueError, match="cannot be roundable"):
        rows = d.table("p", {"a": 3, "b": 7}, total=10, roundable=True)
        d.table("q", {"a": 1, "b": 1}, total=2, within=rows)
        d.publish()


def test_the_threshold_comes_from_the_setting(settings):
    settings.SMALL_NUMBER_THRESHOLD = 10
    d = Disclosure()
    d.table("sector", {"a": 9, "b": 40}, total=49)
    assert d.publish()["sector"].cells["a"].display == "fewer than 10"


def test_map_marks_hold_at_least_t_people_and_a_small_group_is_one_mark():
    xs = [0.0, 0.1, 0.2, 5.0, 5.1, 9.0, 9.1]
    ys = [0.0] * 7
    sizes = [1, 2, 3, 4, 4, 1, 2]
    groups = [0, 0, 0, 0, 0, 1, 1]
    marks = cluster_marks(xs, ys, sizes, groups, threshold=5)
    assert all(m.people >= 5 for m in marks if m.group == 0)
    assert sum(m.people for m in marks if m.group == 0) == 14
    small = [m for m in marks if m.group == 1]
    assert len(small) == 1 and small[0].people == 3 and small[0].members == (5, 6)
    assert small[0].x == pytest.approx((9.0 * 1 + 9.1 * 2) / 3)
    assert sorted(i for m in marks for i in m.members) == list(range(7))


def test_the_example_in_docs_disclosure_runs_as_written(capsys):
    doc = (Path(__file__).resolve().parents[2] / "docs" / "disclosure.md").read_text()
    match = re.search(r"```python\n(.*?)```", doc, re.S)
    assert match is not None
    exec(compile(match.group(1), "docs/disclosure.md", "exec"), {})  # noqa: S102 (our own documentation)
    out = capsys.readouterr().out
    assert "VCSE not shown" in out and "Healthwatch fewer than 5" in out
