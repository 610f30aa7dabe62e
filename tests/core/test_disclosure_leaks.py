"""The small-number leaks of issue 11, each shown twice: the auditor recovers a small cell from what the old
rule published (one table at a time, kept below as it was), and recovers nothing from the layer's publication.

The relations and true counts come from registering the tables with the layer; only what is shown differs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from commonweal.core.small_numbers import Cell, CellRef, Disclosure, Publication, Seen, audit

T = 5


# --- The rule before issue 11, verbatim in substance: one table at a time -------------------------------------


def old_count(n: int) -> int | None:
    return None if 0 < n < T else n


def old_partition(counts: Mapping[str, int], total: int) -> tuple[list[Cell], str]:
    """A lone small cell hid the next smallest cell; the total stayed exact with two or more hidden."""
    cells = [Cell(str(k), old_count(n)) for k, n in counts.items()]
    if sum(1 for c in cells if c.suppressed) == 1:
        candidates = [(c.count, i) for i, c in enumerate(cells) if c.count]
        if candidates:
            _, i = min(candidates)
            cells[i] = Cell(cells[i].label, None, complementary=True)
    hidden = sum(1 for c in cells if c.suppressed)
    return cells, (f"about {total - total % T}" if hidden == 1 else str(total))


def old_view(published: Publication, shown: Mapping[CellRef, Cell | str | int]) -> list[Seen]:
    """What an attacker saw under the old rule: ``shown`` gives each published cell as the old pages did
    (a Cell, the old total string, or an exact number); a cell not in it was not published at all."""
    seen, _relations = published.attacker_view()
    out = []
    for s in seen:
        old = shown.get(s.cell)
        if isinstance(old, int):
            lo, hi = old, old
        elif isinstance(old, str):
            lo, hi = _old_total(old)
        elif isinstance(old, Cell):
            lo, hi = {
                "shown": (old.count, old.count),
                "small": (1, T - 1),
                "hidden": (T, math.inf),
            }[old.status]
        else:
            lo, hi = 0, math.inf
        small = isinstance(old, Cell) and old.status == "small"
        out.append(Seen(s.cell, float(lo), float(hi), true=s.true, small=small))
    return out


def _old_total(text: str) -> tuple[float, float]:
    if text.startswith("about "):
        n = int(text.removeprefix("about ").replace(",", ""))
        return n, n + T - 1  # the old rounding went down to a multiple of 5
    n = int(text.replace(",", ""))
    return n, n


def attack(published: Publication, shown: Mapping[CellRef, Cell | str | int]):
    _seen, relations = published.attacker_view()
    return audit(old_view(published, shown), relations, T)


def cells_of(name: str, keys, cells: list[Cell]) -> dict[CellRef, Cell]:
    return {CellRef(name, k): c for k, c in zip(keys, cells, strict=True)}


# --- The leaks ----------------------------------------------------------------------------------------------------


def test_two_hidden_sectors_and_an_exact_total_give_the_small_one_away_through_another_table():
    # Dashboard: Acute 12, VCSE "not shown", Healthwatch "fewer than 5", total 20. The sector-by-group table
    # shows VCSE's row in full (6 + 0), so Healthwatch = 20 - 12 - 6 = 2.
    sectors = {"Acute": 12, "VCSE": 6, "Healthwatch": 2}
    groups = {"A": 14, "B": 6}
    pairs = {("Acute", "A"): 8, ("Acute", "B"): 4, ("VCSE", "A"): 6, ("Healthwatch", "B"): 2}
    d = Disclosure(T)
    everyone = d.total("participants", 20)
    sector = d.table("sector", sectors, total=everyone)
    group = d.table("group", groups, total=everyone)
    d.cross("sector by group", pairs, rows=sector, cols=group)
    published = d.publish()

    old_sector, old_total = old_partition(sectors, 20)
    shown: dict[CellRef, Cell | str | int] = {CellRef("participants", None): old_total}
    shown |= cells_of("sector", sectors, old_sector)
    shown |= cells_of("group", groups, [Cell(k, old_count(n)) for k, n in groups.items()])
    keys = [(r, g) for r in sectors for g in groups]
    shown |= cells_of("sector by group", keys, [Cell(str(k), old_count(pairs.get(k, 0))) for k in keys])
    before = attack(published, shown)
    assert CellRef("sector", "Healthwatch") in {f.cell for f in before.recovered}

    after = published.audit()
    assert after.ok, after.explain()
    assert published["sector"].cells["Healthwatch"].display == "fewer than 5"


def test_a_hidden_cell_of_five_pins_the_small_cell_beside_it():
    # Places: North 8, South 5 ("not shown" beside the small one), Not said 1: 14 - 8 = 6 and South >= 5.
    places = {"North": 8, "South": 5, "Not said": 1}
    d = Disclosure(T)
    d.table("place", places, total=d.total("participants", 14))
    published = d.publish()
    old_cells, old_total = old_partition(places, 14)
    shown = cells_of("place", places, old_cells) | {CellRef("participants", None): old_total}
    before = attack(published, shown)
    assert [(f.cell, f.true) for f in before.recovered] == [(CellRef("place", "Not said"), 1)]
    assert published.audit().ok
    assert published["place"].cells["South"].display == "5"  # North (8) can cover it; South cannot


def test_per_statement_totals_with_the_people_per_sector_give_a_small_sector_away():
    # statements.csv: exact voters per statement; dashboard: people per sector; the sector breakdown of the
    # statement hides only the small sector, so its voters (and how they voted) follow by subtraction.
    sectors = {"Acute": 10, "VCSE": 7, "Healthwatch": 3}
    voters = {"Acute": 10, "VCSE": 7, "Healthwatch": 3}
    agree = {"Acute": 8, "VCSE": 5, "Healthwatch": 2}
    d = Disclosure(T)
    everyone = d.total("participants", 20)
    sector = d.table("sector", sectors, total=everyone)
    on_s = d.total("voters on s", 20, within=everyone)
    by_value = d.table("votes on s", {"agree": 15, "other": 5}, total=on_s, people=False)
    by_sector = d.table("voters on s by sector", voters, total=on_s, within=sector)
    values = {(k, "agree"): agree[k] for k in agree} | {(k, "other"): voters[k] - agree[k] for k in agree}
    d.cross("votes on s by sector", values, rows=by_sector, cols=by_value, people=False)
    published = d.publish()

    old_sector, old_total = old_partition(sectors, 20)
    shown: dict[CellRef, Cell | str | int] = {CellRef("participants", None): old_total}
    shown |= cells_of("sector", sectors, old_sector)
    shown |= {
        CellRef("voters on s", None): 20,
        CellRef("votes on s", "agree"): 15,
        CellRef("votes on s", "other"): 5,
    }
    shown |= cells_of("voters on s by sector", voters, [Cell(k, old_count(n)) for k, n in voters.items()])
    for k in agree:  # agree / other counts shown where the sector's voters were shown
        if old_count(voters[k]) is not None:
            shown[CellRef("votes on s by sector", (k, "agree"))] = agree[k]
            shown[CellRef("votes on s by sector", (k, "other"))] = voters[k] - agree[k]
    before = attack(published, shown)
    recovered = {f.cell: f.true for f in before.recovered}
    assert recovered[CellRef("voters on s by sector", "Healthwatch")] == 3
    assert recovered[CellRef("votes on s by sector", ("Healthwatch", "agree"))] == 2

    after = published.audit()
    assert after.ok, after.explain()


def test_group_sizes_beside_an_exact_count_of_people_in_groups_give_the_small_group_away():
    # Report: "among the 79 people ... Group A has 75", Group B "fewer than 5".
    d = Disclosure(T)
    everyone = d.total("participants", 85)
    grouped = d.total("people in groups", 79, within=everyone, roundable=True)
    d.table("opinion groups", {"A": 75, "B": 4}, total=grouped)
    published = d.publish()
    shown = {
        CellRef("participants", None): 85,
        CellRef("people in groups", None): 79,
        CellRef("opinion groups", "A"): Cell("A", 75),
        CellRef("opinion groups", "B"): Cell("B", None),
    }
    before = attack(published, shown)
    assert [(f.cell, f.true) for f in before.recovered] == [(CellRef("opinion groups", "B"), 4)]
    groups = published["opinion groups"]
    assert groups.total is not None and groups.total.display == "about 80" and groups.cells["A"].count == 75
    assert published.audit().ok


def test_two_small_cells_beside_an_exact_total_pin_each_other():
    d = Disclosure(T)
    d.table("sector", {"a": 4, "b": 4, "c": 0}, total=d.total("participants", 8))
    published = d.publish()
    old_cells, old_total = old_partition({"a": 4, "b": 4, "c": 0}, 8)
    shown = cells_of("sector", "abc", old_cells) | {CellRef("participants", None): old_total}
    assert old_total == "8" and len(attack(published, shown).recovered) == 2
    assert published.audit().ok and published["sector"].withheld


def test_a_small_cell_inside_a_two_way_table_follows_from_its_row_and_column():
    d = Disclosure(T)
    everyone = d.total("participants", 40)
    place = d.table("place", {"North": 20, "South": 20}, total=everyone)
    group = d.table("group", {"A": 22, "B": 18}, total=everyone)
    pairs = {("North", "A"): 17, ("North", "B"): 3, ("South", "A"): 5, ("South", "B"): 15}
    d.cross("place by group", pairs, rows=place, cols=group)
    published = d.publish()
    shown: dict[CellRef, Cell | str | int] = {CellRef("participants", None): 40}
    shown |= {CellRef("place", k): 20 for k in ("North", "South")} | {
        CellRef("group", "A"): 22,
        CellRef("group", "B"): 18,
    }
    shown |= {CellRef("place by group", k): Cell(str(k), old_count(n)) for k, n in pairs.items()}
    assert CellRef("place by group", ("North", "B")) in {f.cell for f in attack(published, shown).recovered}
    assert published.audit().ok
