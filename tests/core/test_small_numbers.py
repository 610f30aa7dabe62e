"""The one-table helpers of the disclosure layer (``suppress_count``, ``suppress_breakdown``, ``suppress_partition``,
``suppressed_total``), kept for the pages that use them and now as safe as the linked-table layer."""

import pytest

from commonweal.core.small_numbers import (
    Cell,
    Relation,
    Seen,
    audit,
    suppress_breakdown,
    suppress_count,
    suppress_partition,
    suppressed_total,
)


@pytest.mark.parametrize(("n", "shown"), [(0, 0), (1, None), (4, None), (5, 5), (120, 120)])
def test_cells_under_five_people_are_suppressed_and_zero_is_shown(n, shown):
    assert suppress_count(n) == shown


def test_breakdown_says_fewer_than_5_for_small_cells():
    cells = suppress_breakdown({"Acute trust": 12, "Healthwatch": 2, "VCSE": 0})
    assert [c.display for c in cells] == ["12", "fewer than 5", "0"]
    assert cells[1].as_dict() == {
        "label": "Healthwatch",
        "count": None,
        "suppressed": True,
        "display": "fewer than 5",
        "status": "small",
    }


def test_total_does_not_reveal_or_narrow_a_suppressed_cell():
    # One small cell beside an exact total would be 15 - 12 = 3. "About 20" is all the rounding needed:
    # 20 stands for 10..29, so the small cell could be anything from 1 to 4 (to the nearest 10, 15 would be
    # "about 20" = 15..24 and the cell at least 3).
    cells = suppress_breakdown({"a": 12, "b": 3})
    assert suppressed_total(cells, 15) == "about 20"
    cells = suppress_breakdown({"a": 12, "b": 3, "c": 2})
    assert suppressed_total(cells, 17) == "17"  # 5 split between two small cells: each 1 to 4
    cells = suppress_breakdown({"a": 12, "b": 4, "c": 4})
    assert suppressed_total(cells, 20) == "about 20"  # 8 between two small cells pins both to 4
    cells = suppress_breakdown({"a": 12, "b": 8})
    assert suppressed_total(cells, 20) == "20"


def test_threshold_follows_the_setting(settings):
    settings.SMALL_NUMBER_THRESHOLD = 10
    assert suppress_count(9) is None
    assert suppress_breakdown({"x": 7})[0].display == "fewer than 10"
    cells, _ = suppress_partition({"a": 30, "b": 12, "c": 9}, 51)
    assert [c.display for c in cells] == ["30", "not shown", "fewer than 10"]


def test_a_lone_small_part_of_a_whole_hides_the_next_smallest_part_that_protects_it():
    cells, total = suppress_partition({"Acute trust": 40, "VCSE": 9, "Healthwatch": 3, "ICB": 0}, 52)
    shown = {c.label: c.display for c in cells}
    assert shown == {"Acute trust": "40", "VCSE": "not shown", "Healthwatch": "fewer than 5", "ICB": "0"}
    assert total == "52"  # 12 between them, VCSE at least 5: Healthwatch could be anything from 1 to 4
    cells, _ = suppress_partition({"a": 40, "b": 9, "c": 3, "d": 2}, 54)
    assert [c.display for c in cells] == ["40", "9", "fewer than 5", "fewer than 5"]  # 5 between two small


def test_a_cell_of_exactly_five_is_not_enough_to_hide_a_small_one_behind():
    # Hiding South (5) beside Not said (1) leaves 14 - 8 = 6 = South + Not said with South at least 5, so Not
    # said is 1 (issue 11). North (8) can give 3 to the small cell, so North is hidden instead.
    cells, total = suppress_partition({"North": 8, "South": 5, "Not said": 1}, 14)
    assert {c.label: c.display for c in cells} == {
        "North": "not shown",
        "South": "5",
        "Not said": "fewer than 5",
    }
    assert total == "14"


def test_when_no_cell_can_protect_the_small_ones_the_breakdown_is_withheld():
    cells, total = suppress_partition({"a": 4, "b": 4, "c": 0}, 8)  # two small cells of 8 would both be 4
    assert [c.status for c in cells] == ["withheld", "withheld", "withheld"]
    assert [c.display for c in cells] == ["not shown"] * 3
    assert total == "8"


def test_the_old_rule_left_a_cell_beside_a_five_recoverable_and_the_new_one_does_not():
    def attack(cells: list[Cell], total: int, true: dict[str, int]) -> bool:
        seen = [Seen(c.label, *_bounds(c), true=true[c.label], small=c.status == "small") for c in cells]
        seen.append(Seen("total", total, total, true=total))
        return audit(seen, [Relation("total", tuple(true))], 5).ok

    true = {"North": 8, "South": 5, "Not said": 1}
    old = [Cell("North", 8), Cell("South", None, complementary=True), Cell("Not said", None)]
    assert not attack(old, 14, true)
    assert attack(suppress_partition(true, 14)[0], 14, true)


def _bounds(cell: Cell) -> tuple[float, float]:
    return {
        "shown": (cell.count, cell.count),
        "small": (1, 4),
        "hidden": (5, float("inf")),
    }.get(cell.status, (0, float("inf")))
