import pytest

from commonweal.core.small_numbers import suppress_breakdown, suppress_count, suppressed_total


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
    }


def test_total_does_not_reveal_a_single_suppressed_cell_by_subtraction():
    cells = suppress_breakdown({"a": 12, "b": 3})
    assert suppressed_total(cells, 15) == "about 15"
    cells = suppress_breakdown({"a": 12, "b": 3, "c": 2})
    assert suppressed_total(cells, 17) == "17"  # two hidden cells: their split stays unknown
    cells = suppress_breakdown({"a": 12, "b": 8})
    assert suppressed_total(cells, 20) == "20"


def test_threshold_follows_the_setting(settings):
    settings.SMALL_NUMBER_THRESHOLD = 10
    assert suppress_count(9) is None
    assert suppress_breakdown({"x": 7})[0].display == "fewer than 10"


def test_a_lone_small_part_of_a_whole_hides_the_next_smallest_part_too():
    from commonweal.core.small_numbers import suppress_partition

    cells, total = suppress_partition({"Acute trust": 40, "VCSE": 9, "Healthwatch": 3, "ICB": 0}, 52)
    shown = {c.label: c.display for c in cells}
    assert shown == {"Acute trust": "40", "VCSE": "not shown", "Healthwatch": "fewer than 5", "ICB": "0"}
    assert total == "52"  # two hidden cells: 52 - 40 = 12 does not tell how the 12 split
    cells, _ = suppress_partition({"a": 40, "b": 9, "c": 3, "d": 2}, 54)
    assert [c.display for c in cells] == ["40", "9", "fewer than 5", "fewer than 5"]  # already two hidden
