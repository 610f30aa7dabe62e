"""The baselines pages and a conversation's representation page and CSV: who took part against the baseline,
small cells hidden through the disclosure layer, the biggest gaps in words, and agreement reweighted."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commonweal.communities.models import Baseline
from commonweal.communities.representation.build import cached_representation, representation
from commonweal.communities.representation.queries import votes_by_stratum
from commonweal.core.models import AuditEntry
from tests.communities.representation.world import AGES, make_world
from tests.factories import make_facilitator, make_participant, make_statement, make_vote

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(client):
    made = make_world()
    client.force_login(make_facilitator(made["system"]))
    return made


def _import(client, system, text=AGES, mapping=""):
    upload = SimpleUploadedFile("ts007a.csv", text.encode(), content_type="text/csv")
    return client.post(f"/manage/systems/{system.slug}/baselines/", {"file": upload, "mapping": mapping})


def test_the_facilitator_imports_a_census_table_and_sees_what_is_imported(client, world):
    response = _import(client, world["system"])
    assert response.status_code == 302
    assert Baseline.objects.filter(system=world["system"], dimension="age_band").count() == 4
    assert AuditEntry.objects.filter(action="baseline.import").exists()
    html = client.get(f"/manage/systems/{world['system'].slug}/baselines/").content.decode()
    assert "Age band" in html and "Age (18 categories), Lower tier local authorities" in html


def test_a_file_in_another_layout_is_refused_and_the_mapping_typed_is_kept(client, world):
    response = _import(client, world["system"], "area,age,count\nEastmarsh,20,4\n", mapping="E1 = Eastmarsh")
    assert response.status_code == 400
    html = response.content.decode()
    assert "The file was not imported" in html and "not a Census 2021 table" in html
    assert "E1 = Eastmarsh" in html
    assert not Baseline.objects.exists()


def test_the_representation_page_compares_hides_small_cells_and_names_the_gaps(client, world):
    _import(client, world["system"])
    html = client.get(f"/manage/conversations/{world['conversation'].slug}/representation/").content.decode()
    assert "63 people have joined" in html, html[html.find("<h1") : html.find("<h1") + 600]
    # Eastmarsh's 2 young people: a cell under 5, hidden in the two-way table (and no ratio from it).
    rep = representation(world["conversation"])
    cross = rep.crosses[0]
    young_east = next(r for r in cross.rows if r.key == (world["east"].pk, "16-24"))
    assert young_east.participants.count is None and young_east.ratio is None
    assert "fewer than 5" in html
    # The young are 12 of the 57 who answered (21 %) against 50 % of the population.
    age = next(s for s in rep.sections if s.key == "age_band")
    young = next(r for r in age.rows if r.key == "16-24")
    assert young.participants.count == 12 and young.ratio.below
    assert young.words == "half"  # 12/57 = 21 % against 50 %: a ratio of 0.42
    assert "People aged 16 to 24 took part at half their share." in html
    assert "Agree, reweighted" in html


def test_agreement_is_reweighted_only_where_the_effective_sample_is_large_enough(client, world):
    _import(client, world["system"])
    rep = representation(world["conversation"])
    assert rep.raked == ("place", "age_band")
    item = rep.agreements[0]
    assert item.raw == pytest.approx(item.agreement.agree / item.agreement.voters)
    # The young all agree and are under-represented: reweighting raises the agreement.
    assert item.agreement.weighted_share > item.raw
    assert item.shown == (item.agreement.effective_voters >= 30)
    response = client.get(
        f"/manage/conversations/{world['conversation'].slug}/representation.csv?rake=age_band&chosen=1"
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert rows[0]["text"] == "Buses to the hospital run late"
    assert rows[0]["reweighted_by"] == "age_band"
    assert rows[0]["agree_raw"]


def test_without_baselines_the_page_says_what_to_import(client, world):
    html = client.get(f"/manage/conversations/{world['conversation'].slug}/representation/").content.decode()
    assert "There is no baseline for this yet" in html
    assert "There is nothing to reweight by yet" in html


def test_the_results_page_links_to_the_representation_page(client, world):
    html = client.get(f"/manage/conversations/{world['conversation'].slug}/results/").content.decode()
    assert f"/manage/conversations/{world['conversation'].slug}/representation/" in html


def test_the_workforce_import_reports_bad_rows(client, world):
    bad = SimpleUploadedFile("w.csv", b"place,sector,count\nAtlantis,VCSE,4\n", content_type="text/csv")
    response = client.post(f"/manage/systems/{world['system'].slug}/baselines/workforce/", {"file": bad})
    assert response.status_code == 400 and "Atlantis" in response.content.decode()
    good = SimpleUploadedFile("w.csv", b"sector,count\nVCSE,400\nAcute trust,1600\n", content_type="text/csv")
    response = client.post(f"/manage/systems/{world['system'].slug}/baselines/workforce/", {"file": good})
    assert response.status_code == 302
    assert Baseline.objects.filter(dimension="sector", place__isnull=True).count() == 2


def test_the_page_is_kept_for_a_minute_unless_a_statement_or_a_baseline_changes(client, world):
    _import(client, world["system"])
    first = cached_representation(world["conversation"])
    assert first.participants == 63
    person = make_participant(world["system"], conversation=world["conversation"], age_band="16-24")
    with CaptureQueriesContext(connection) as read:
        assert cached_representation(world["conversation"]).participants == 63  # a new person waits
    assert len(read.captured_queries) == 3  # only the fingerprint: the rest from the cache
    make_vote(person, make_statement(world["conversation"], "A second statement"), 1)  # a statement accepted
    assert cached_representation(world["conversation"]).participants == 64


def test_votes_per_stratum_match_the_votes(world):
    tally = votes_by_stratum(world["conversation"])
    east, west = world["east"].pk, world["west"].pk
    statement = next(iter(tally))[0]
    # Eastmarsh's 25 people aged 25 to 34 voted; one in three agreed (i = 0, 3, ..., 24: 9 of them).
    assert tally[(statement, (east, "25-34", None, None))] == (9, 25)
    assert tally[(statement, (west, "16-24", None, None))] == (10, 10)
    assert tally[(statement, (None, None, None, None))] == (2, 6)
    assert sum(v for _, v in tally.values()) == 63
