"""A round's results through the disclosure layer: small groups "fewer than 5", complementary suppression
across the sector, place and distribution tables, and no small count that differencing can recover."""

from __future__ import annotations

import random

import pytest

from commonweal.core.small_numbers import HIDDEN, SHOWN, SMALL, WITHHELD
from commonweal.core.small_numbers.tables import _Engine
from commonweal.pulse.queries import change_between, latest_change, round_results
from tests.factories import make_place, make_system
from tests.pulse.factories import make_pulse_round, respond

pytestmark = pytest.mark.django_db


def _fill(pulse_round, groups):
    for sector, place, n, score in groups:
        for i in range(n):
            respond(
                pulse_round, sector=sector, place=place, direction=score, alignment=1 + i % 5, commitment=3
            )


def test_small_sector_is_fewer_than_5_and_a_neighbour_is_hidden_with_it():
    system = make_system()
    north, south = make_place(system, name="North"), make_place(system, name="South")
    r = make_pulse_round(system)
    _fill(r, [("acute", north, 12, 4), ("vcse", north, 6, 3), ("healthwatch", south, 3, 2)])
    results = round_results(r)
    assert results.respondents == 21
    sector = results.sector.cells
    assert sector["acute"].count == 12
    assert sector["healthwatch"].status == SMALL and sector["healthwatch"].display == "fewer than 5"
    # 21 - 12 = 9 would give Healthwatch away: VCSE (6) is hidden too, so Healthwatch could be 1 to 4.
    assert sector["vcse"].status == HIDDEN and sector["vcse"].display == "not shown"
    direction = results.dimensions[0]
    rows = {row.key: row for row in direction.by_sector}
    assert rows["acute"].median == 4.0 and rows["acute"].distribution[4].count == 12
    assert rows["healthwatch"].median is None and rows["vcse"].median is None
    assert {c.status for c in rows["healthwatch"].distribution.values()} == {WITHHELD}
    assert direction.distribution[2].count == 3  # the overall distribution is not a breakdown of people
    assert direction.median == 4.0
    assert any("not shown" in note for note in direction.notes) or direction.notes


def test_nothing_small_can_be_worked_out_by_differencing():
    system = make_system()
    places = [make_place(system, name=n) for n in ("North", "South", "East")]
    sectors = ["acute", "vcse", "healthwatch", "primary_care", "local_authority"]
    rng = random.Random(11)
    for seed in range(6):
        r = make_pulse_round(system, name=f"Audit {seed}")
        for _ in range(rng.randint(3, 40)):
            respond(
                r,
                sector=rng.choice(sectors),
                place=rng.choice([*places, None]),
                direction=rng.randint(1, 5),
                alignment=rng.randint(1, 5),
                commitment=rng.randint(1, 5),
            )
        report = round_results(r).publication.audit()
        assert report.ok, report.explain()


def test_a_total_minus_the_shown_cells_never_gives_a_small_cell():
    """The naive differencing attack by hand, on every table a round publishes."""
    system = make_system()
    north = make_place(system, name="North")
    r = make_pulse_round(system)
    _fill(r, [("acute", north, 9, 4), ("vcse", None, 5, 3), ("icb", north, 1, 5), ("other", None, 7, 2)])
    p = round_results(r).publication
    for name in ("sector", "place", "link"):
        table = p[name]
        hidden = [c for c in table.cells.values() if c.status != SHOWN]
        if any(c.status == SMALL for c in hidden):
            assert len(hidden) >= 2, f"{name}: a lone small cell is the total minus the rest"


def test_change_between_rounds_in_plain_words():
    system = make_system()
    first, second = make_pulse_round(system, name="Spring"), make_pulse_round(system, name="Autumn")
    for i in range(40):
        respond(first, direction=2 + (i % 3 == 0), alignment=3 + (i % 2), commitment=3)
        respond(second, direction=3 + (i % 2), alignment=3 + (i % 2), commitment=3)
    change = change_between(first, second)
    assert (
        change.summary
        == "Direction rose from 2.4 to 3.5; alignment did not change; commitment did not change."
    )
    assert change.dimensions[0].difference is not None and change.dimensions[0].difference.direction == "rose"
    assert (
        change.dimensions[0].sentence == "Direction rose from 2.4 to 3.5 (95% interval +0.9 to +1.4 points)"
    )


def test_no_answers_yet():
    r = make_pulse_round(make_system())
    results = round_results(r)
    assert results.respondents == 0 and results.dimensions[0].mean is None
    assert "too few answers" in change_between(r, r).dimensions[0].sentence


def test_latest_change_is_from_the_round_before_to_the_newest_opened():
    system = make_system()
    assert latest_change(system) is None
    first = make_pulse_round(system, name="Spring", status="closed")
    assert latest_change(system) is None
    second = make_pulse_round(system, name="Autumn")
    make_pulse_round(system, name="Next year", status="draft")  # not opened: not counted
    change = latest_change(system)
    assert change is not None and (change.before, change.after) == (first, second)


def test_the_adversary_would_find_the_small_sector_without_complementary_suppression(monkeypatch):
    """The audit above has teeth: with complementary suppression switched off, the same round leaks."""
    system = make_system()
    north = make_place(system, name="North")
    r = make_pulse_round(system)
    _fill(r, [("acute", north, 12, 4), ("vcse", north, 6, 3), ("healthwatch", None, 3, 2)])
    monkeypatch.setattr(_Engine, "_protect_one_way", lambda self: False)
    monkeypatch.setattr(_Engine, "_protect_two_way", lambda self: False)
    report = round_results(r).publication.audit()
    assert not report.ok
