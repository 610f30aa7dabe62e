"""The pulse's statistics on examples worked by hand (docs/pulse.md, "A worked example")."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps

from commonweal.pulse import stats

BEFORE = [2, 3, 3, 4, 2, 3, 3, 2, 4, 3]  # mean 2.9, sum of squares 4.9
AFTER = [3, 4, 3, 4, 4, 3, 3, 4, 3, 3]  # mean 3.4, sum of squares 2.4


def test_bands_round_halves_up_on_the_answer_scale():
    assert stats.bands([1.0, 1.49, 1.5, 7 / 3, 2.5, 14 / 3, 5.0]) == {1: 2, 2: 2, 3: 1, 4: 0, 5: 2}
    assert stats.bands([]) == {1: 0, 2: 0, 3: 0, 4: 0, 5: 0}


def test_median_and_mean():
    assert stats.median(BEFORE) == 3.0
    assert stats.mean(BEFORE) == pytest.approx(2.9)
    assert stats.median([]) is None and stats.mean([]) is None


def test_ten_people_each_round_is_too_few_to_call_a_rise():
    # By hand: variances 4.9/9 = 0.544 and 2.4/9 = 0.267; standard error sqrt(0.0544 + 0.0267) = 0.285;
    # Welch's degrees of freedom 16.1; t(0.975, 16.1) = 2.12; 0.5 +/- 0.60 = -0.10 to 1.10: includes zero.
    d = stats.welch(BEFORE, AFTER)
    assert d is not None
    assert (d.before, d.after, d.difference) == pytest.approx((2.9, 3.4, 0.5))
    assert d.df == pytest.approx(16.11, abs=0.01)
    assert (d.low, d.high) == pytest.approx((-0.103, 1.103), abs=0.002)
    assert d.direction == "no_change"


def test_forty_people_each_round_rise():
    # The same answers four times over: variances 19.6/39 = 0.503 and 9.6/39 = 0.246; standard error 0.137;
    # 69.8 degrees of freedom; t = 1.995; 0.5 +/- 0.273 = 0.227 to 0.773: all above zero, so "rose".
    d = stats.welch(BEFORE * 4, AFTER * 4)
    assert d is not None
    assert d.df == pytest.approx(69.8, abs=0.1)
    assert (d.low, d.high) == pytest.approx((0.227, 0.773), abs=0.002)
    assert d.direction == "rose"
    fell = stats.welch(AFTER * 4, BEFORE * 4)
    assert fell is not None and fell.direction == "fell"


def test_agrees_with_scipy():
    rng = np.random.default_rng(3)
    a, b = rng.integers(1, 6, 57).astype(float), rng.integers(2, 6, 31).astype(float)
    d = stats.welch(a, b)
    ci = sps.ttest_ind(b, a, equal_var=False).confidence_interval(0.95)
    assert d is not None and (d.low, d.high) == pytest.approx((ci.low, ci.high))


def test_too_few_or_no_spread():
    assert stats.welch([3] * 9, [4] * 30) is None
    same = stats.welch([3] * 10, [4] * 10)
    assert same is not None and (same.low, same.high, same.direction) == (1.0, 1.0, "rose")
