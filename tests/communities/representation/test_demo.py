"""The demo's made-up baselines: Riverside's four places in the ONS layout, imported through the importer, and a
representation page with gaps to show."""

from __future__ import annotations

import pytest

from commonweal.communities.models import Baseline
from commonweal.communities.representation.build import representation
from commonweal.communities.representation.census import read_census
from commonweal.communities.representation.seeds import census_csv
from commonweal.demo import do_load_demo
from commonweal.systems.seeds import PLACES

pytestmark = pytest.mark.django_db


def test_the_demo_files_are_in_the_ons_layout():
    for table, dimension in (("TS007A", "age_band"), ("TS021", "ethnic_group")):
        parsed = read_census(census_csv(PLACES, table).encode())
        assert parsed.dimension == dimension and not parsed.problems
        assert [a.name for a in parsed.areas] == [name for name, _ in PLACES]


def test_the_demo_has_baselines_for_its_four_places_and_gaps_to_show():
    result = do_load_demo(participants=300, seed=7)
    baselines = Baseline.objects.filter(system=result.system)
    assert baselines.filter(dimension="age_band").values("place").distinct().count() == 4
    assert baselines.filter(dimension="ethnic_group").values("place").distinct().count() == 4
    assert baselines.filter(dimension="sector", place__isnull=True).count() == 10
    result.conversation.refresh_from_db()
    assert result.conversation.ask_age_band and result.conversation.ask_ethnic_group
    rep = representation(result.conversation)
    assert any("aged 16 to 24" in gap for gap in rep.gaps), rep.gaps
    assert rep.raking is not None
