"""The demo's pulse keeps its promise: two rounds a year apart, direction visibly rising, alignment and
commitment barely moving, and "what would help" answers in every state of moderation."""

from __future__ import annotations

import pytest

from commonweal.pulse.models import PulseResponse, PulseRound
from commonweal.pulse.queries import change_between, round_results

pytestmark = pytest.mark.django_db


def test_two_rounds_with_a_rise_in_direction(demo_system):
    first, second = PulseRound.objects.filter(system=demo_system).order_by("opened_at")
    assert (first.status, second.status) == ("closed", "open")
    assert first.closed_at is not None and first.closed_at < second.opened_at
    change = change_between(first, second)
    direction, alignment, commitment = change.dimensions
    assert direction.difference is not None and direction.difference.direction == "rose"
    assert direction.difference.difference > 0.4
    assert alignment.difference is not None and abs(alignment.difference.difference) < 0.25
    assert commitment.difference is not None and abs(commitment.difference.difference) < 0.25
    assert change.summary.startswith("Direction rose from 2.")
    results = round_results(second)
    assert results.respondents == second.responses.count() > 100
    assert any(row.median is not None for row in results.dimensions[0].by_sector)
    assert results.texts and all(t for t in results.texts)
    states = set(PulseResponse.objects.filter(round__system=demo_system).values_list("moderation", flat=True))
    assert {"accepted", "pending", "rejected", ""} <= states
    assert results.publication.audit().ok
