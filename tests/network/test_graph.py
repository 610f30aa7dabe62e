"""Combining respondents: the median per directed pair, with the count kept, and ratings never merged across
the pair."""

from __future__ import annotations

import pytest

from commonweal.network.graph import round_network
from tests.factories import make_organisation, make_response, make_round, make_system, rate

pytestmark = pytest.mark.django_db


def test_respondents_of_one_organisation_combine_by_the_median_and_directions_stay_apart():
    system = make_system()
    a, b, c = (make_organisation(system, name=n) for n in "ABC")
    r = make_round(system)
    # Three people at A rate B: intensities 1, 3, 4 -> median 3. Trust item means 2, 3, 4 -> 3.
    for intensity, trust in [(1, (2, 2, 2)), (3, (3, 3, 3)), (4, (4, 4, 4))]:
        rate(make_response(r, a), b, intensity, trust=trust, contributions=["data"])
    # One person at B rates A at 1: kept apart from A's rating of B.
    rate(make_response(r, b), a, 1, value=(1, 2, None))
    # Picked but not yet rated: does not count.
    rate(make_response(r, c), a, None)

    net = round_network(r)
    ties = {(t.rater, t.partner): t for t in net.ties}
    assert set(ties) == {(a.pk, b.pk), (b.pk, a.pk)}
    ab, ba = ties[(a.pk, b.pk)], ties[(b.pk, a.pk)]
    assert (ab.intensity, ab.trust, ab.respondents, ab.contributions) == (3.0, 3.0, 3, (("data", 3),))
    assert (ba.intensity, ba.trust, ba.value, ba.respondents) == (1.0, None, 1.5, 1)
    assert net.responded == frozenset({a.pk, b.pk})
    assert [n.name for n in net.nodes] == ["A", "B", "C"]


def test_an_even_number_of_respondents_takes_the_middle_of_the_two():
    system = make_system()
    a, b = make_organisation(system), make_organisation(system)
    r = make_round(system)
    for intensity in (2, 3):
        rate(make_response(r, a), b, intensity)
    (tie,) = round_network(r).ties
    assert tie.intensity == 2.5
