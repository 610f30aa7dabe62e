"""Participation ratios with their intervals, their plain words, and raking against a hand-worked example."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import sparse

from commonweal.analysis.representation import reweighted_agreement
from commonweal.communities.representation.stats import (
    participation_ratio,
    rake_strata,
    ratio_words,
    weighted_agreement,
)


def test_ratio_is_share_among_participants_over_share_in_population_with_a_wilson_interval():
    # 10 of 100 participants who answered are aged 16 to 24; they are 20 % of the population.
    r = participation_ratio(10, 100, 0.2)
    assert r.ratio == pytest.approx(0.5)
    # Wilson 95 % for 10/100 worked by hand: centre (0.1 + z^2/200) / (1 + z^2/100), half-width
    # z * sqrt(0.1 * 0.9 / 100 + z^2 / 40000) / (1 + z^2/100), z = 1.959964: 0.05523 to 0.17437.
    assert r.lower == pytest.approx(0.05523 / 0.2, abs=1e-4)
    assert r.upper == pytest.approx(0.17437 / 0.2, abs=1e-4)
    assert r.below and not r.above


def test_nobody_taking_part_still_has_an_upper_bound_and_a_zero_share_has_no_ratio():
    r = participation_ratio(0, 50, 0.1)
    assert r.ratio == 0 and r.lower == 0 and 0 < r.upper < 1
    assert participation_ratio(3, 50, 0.0).ratio is None


@pytest.mark.parametrize(
    ("ratio", "words"),
    [
        (0.0, "none of"),
        (0.05, "less than a tenth of"),
        (0.34, "a third of"),
        (0.5, "half"),
        (0.7, "two thirds of"),
        (1.0, "about"),
        (1.6, "one and a half times"),
        (2.1, "twice"),
        (7.2, "7 times"),
    ],
)
def test_ratio_words(ratio, words):
    assert ratio_words(ratio) == words


# Hand-worked raking: 100 people in four strata, place (North, South) by age (young, old), 10/20/30/40; the
# population is half North, half young. Raking keeps each stratum's cross-product ratio, (10 x 40) / (20 x 30) =
# 2/3, so its weighted shares are a, 1/2 - a, 1/2 - a, a with a^2 / (1/2 - a)^2 = 2/3: a = sqrt(2/3) / (2 (1 +
# sqrt(2/3))) = 0.224745. A person's weight (mean 1 over the 100) is the stratum's share x 100 / its people.
PEOPLE = {("north", "young"): 10, ("north", "old"): 20, ("south", "young"): 30, ("south", "old"): 40}
TARGETS = {"place": {"north": 0.5, "south": 0.5}, "age": {"young": 0.5, "old": 0.5}}
A = math.sqrt(2 / 3) / (2 * (1 + math.sqrt(2 / 3)))


def test_raking_matches_the_hand_worked_example():
    raking = rake_strata(PEOPLE, ["place", "age"], TARGETS)
    assert raking.converged
    expected = {
        ("north", "young"): A * 100 / 10,
        ("north", "old"): (0.5 - A) * 100 / 20,
        ("south", "young"): (0.5 - A) * 100 / 30,
        ("south", "old"): A * 100 / 40,
    }
    for stratum, weight in expected.items():
        assert raking.weights[stratum] == pytest.approx(weight, rel=1e-6)
    assert abs(A - 0.224745) < 1e-6
    sum_w2 = sum(PEOPLE[s] * w * w for s, w in expected.items())
    assert raking.effective_sample_size == pytest.approx(100**2 / sum_w2, rel=1e-6)


def test_people_who_did_not_answer_carry_no_weight():
    people = dict(PEOPLE)
    people[("north", None)] = 7
    raking = rake_strata(people, ["place", "age"], TARGETS)
    assert raking.weights[("north", None)] == 0
    assert (raking.weighted, raking.excluded) == (100, 7)


def test_weighted_agreement_per_stratum_is_the_engines_per_person_answer():
    raking = rake_strata(PEOPLE, ["place", "age"], TARGETS)
    # Statement 1: the young of the North agree, everyone else disagrees. Statement 2: only the South votes,
    # the young agree.
    votes = {
        (1, ("north", "young")): (10, 10),
        (1, ("north", "old")): (0, 20),
        (1, ("south", "young")): (0, 30),
        (1, ("south", "old")): (0, 40),
        (2, ("south", "young")): (30, 30),
        (2, ("south", "old")): (0, 40),
    }
    mine = weighted_agreement(votes, raking.weights, [1, 2])
    assert mine[0].share == pytest.approx(0.1)
    assert mine[0].weighted_share == pytest.approx(A)  # the young North's weighted share of everyone
    strata = list(PEOPLE)
    rows = np.repeat(np.arange(len(strata)), [PEOPLE[s] for s in strata])
    weights = np.array([raking.weights[strata[r]] for r in rows])
    dense = np.zeros((rows.size, 2))
    for person, r in enumerate(rows):
        dense[person, 0] = 1 if strata[r] == ("north", "young") else -1
        if strata[r][0] == "south":
            dense[person, 1] = 1 if strata[r][1] == "young" else -1
    engine = reweighted_agreement(sparse.csr_matrix(dense), weights, confidence=0.95)
    for i, agreement in enumerate(mine):
        assert agreement.weighted_share == pytest.approx(engine.weighted_share[i])
        assert agreement.effective_voters == pytest.approx(engine.effective_voters[i])
        assert agreement.lower == pytest.approx(engine.lower[i])
        assert agreement.upper == pytest.approx(engine.upper[i])
