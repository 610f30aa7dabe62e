"""The participation dashboard and "a year later": what they count, that small numbers stay hidden, which
organisations never took part, and that their queries do not grow with the commitments and updates."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from commonweal.conversations.disclosure import conversation_publication
from commonweal.conversations.models import Conversation
from commonweal.core.small_numbers import CellRef
from commonweal.strategy.aims import actions as aims
from commonweal.strategy.commitments import actions as commitments
from commonweal.strategy.later.build import build_year_later, commitments_by_status, relationship_rounds
from commonweal.strategy.models import Commitment, ProgressUpdate
from commonweal.strategy.participation.build import build_participation, publish_organisations
from commonweal.systems.models import Sector
from tests.factories import (
    make_conversation,
    make_organisation,
    make_participant,
    make_response,
    make_round,
    rate,
)
from tests.pulse.factories import make_pulse_round, respond

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("data_dir")]


def _conversation(system, sectors: dict[str, int], **kw):
    conversation = make_conversation(
        system, title="Our next five years", status=Conversation.Status.OPEN, **kw
    )
    for sector, n in sectors.items():
        for _ in range(n):
            make_participant(system, conversation=conversation, sector=sector, about_you_done=True)
    return conversation


def _row(breakdown, label):
    return next(r.cells for r in breakdown.rows if r.label == label)


def test_a_sector_of_fewer_than_5_people_is_not_shown_nor_can_it_be_worked_out(system):
    # 10 from acute trusts and 2 from the VCSE: the VCSE's 2 reads "fewer than 5", and the acute trusts' 10 is
    # hidden too, or 12 - 10 would give the 2 away.
    _conversation(system, {Sector.ACUTE: 10, Sector.VCSE: 2})
    p = build_participation(system)
    sector = next(b for b in p.people_by if b.key == "sector")
    vcse = _row(sector, str(Sector.VCSE.label))
    acute = _row(sector, str(Sector.ACUTE.label))
    assert vcse == ["fewer than 5"]
    assert acute == ["not shown"]
    assert p.activities[0].people.display == "12"  # the headline count, exact as on the conversation's pages


def test_the_page_shows_no_cell_under_5(fclient, system):
    _conversation(system, {Sector.ACUTE: 10, Sector.VCSE: 2})
    page = fclient.get(f"/manage/systems/{system.slug}/strategy/participation/").content.decode()
    assert "fewer than 5" in page and "not shown" in page
    assert '<td class="nhsuk-table__cell">2</td>' not in page
    assert '<td class="nhsuk-table__cell">10</td>' not in page


def test_each_conversation_shows_the_cells_of_its_own_publication(system):
    conversation = _conversation(system, {Sector.ACUTE: 9, Sector.VCSE: 6, Sector.HEALTHWATCH: 3})
    p = build_participation(system)
    own = conversation_publication(conversation).table("sector").cells
    shown = p.activities[0].by["sector"]
    assert {k: c.display for k, c in shown.items()} == {k: c.display for k, c in own.items()}


def test_a_pulse_round_of_few_people_keeps_its_small_sectors_hidden(system):
    pulse_round = make_pulse_round(system, name="Spring")
    for _ in range(8):
        respond(pulse_round, sector="acute")
    for _ in range(3):
        respond(pulse_round, sector="vcse")
    p = build_participation(system)
    sector = next(b for b in p.people_by if b.key == "sector")
    assert _row(sector, str(Sector.VCSE.label)) == ["fewer than 5"]
    assert _row(sector, str(Sector.ACUTE.label)) == ["not shown"]


def test_organisations_that_never_took_part(system, facilitator):
    answered = make_organisation(system, name="Answered the survey")
    committed = make_organisation(system, name="Made a commitment")
    make_organisation(system, name="Never came")
    survey = make_round(system, name="2026")
    rate(make_response(survey, answered), committed, intensity=3)
    aim = aims.check_draft_aim(facilitator, system, aims.AimInput("An aim", "Its meaning"), [])
    commitments.check_save_commitment(
        commitments.Actor(facilitator, "facilitator"),
        aim,
        commitments.CommitmentInput("Fund it", organisation=committed.pk),
    )
    p = build_participation(system)
    assert p.never == ["Never came"]
    survey_activity = next(a for a in p.activities if a.kind == "survey")
    assert survey_activity.people.display == "fewer than 5"  # one person: never shown as 1
    row = next(r for r in p.organisations if r.organisation == "Answered the survey")
    assert row.cells == ["fewer than 5"]


def _grow(system, facilitator, n: int) -> None:
    aim = aims.check_draft_aim(facilitator, system, aims.AimInput(f"Aim {n}", "Its meaning"), [])
    org = make_organisation(system)
    made = Commitment.objects.bulk_create(
        [Commitment(aim=aim, organisation=org, what=f"Do {i}") for i in range(n)]
    )
    today = timezone.localdate()
    ProgressUpdate.objects.bulk_create(
        [
            ProgressUpdate(commitment=c, status="on_track", text="Going", on=today - timedelta(days=40 * k))
            for c in made
            for k in range(3)
        ]
    )


@pytest.mark.parametrize("page", ["participation", "a-year-later"])
def test_the_pages_queries_do_not_grow_with_commitments_and_updates(fclient, system, facilitator, page):
    _conversation(system, {Sector.ACUTE: 6})
    url = f"/manage/systems/{system.slug}/strategy/{page}/"
    _grow(system, facilitator, 3)
    with CaptureQueriesContext(connection) as small:
        assert fclient.get(url).status_code == 200
    _grow(system, facilitator, 60)
    with CaptureQueriesContext(connection) as large:
        assert fclient.get(url).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)


def test_commitments_by_status_at_the_end_of_each_month(system, facilitator):
    aim = aims.check_draft_aim(facilitator, system, aims.AimInput("An aim", "Its meaning"), [])
    org = make_organisation(system)
    a = Commitment.objects.create(
        aim=aim, organisation=org, what="A", created_at=timezone.make_aware(timezone.datetime(2026, 1, 5))
    )
    Commitment.objects.create(
        aim=aim, organisation=org, what="B", created_at=timezone.make_aware(timezone.datetime(2026, 2, 5))
    )
    ProgressUpdate.objects.create(commitment=a, status="on_track", text="", on=date(2026, 1, 20))
    ProgressUpdate.objects.create(commitment=a, status="done", text="", on=date(2026, 3, 2))
    months = commitments_by_status(system, today=date(2026, 3, 15))
    assert [m.month for m in months] == [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]
    assert months[0].counts["on_track"] == 1 and months[0].total == 1
    assert months[1].counts["on_track"] == 1 and months[1].counts["not_started"] == 1
    assert months[2].counts["done"] == 1 and months[2].counts["not_started"] == 1


def test_trust_is_shown_only_from_5_organisations(system):
    orgs = [make_organisation(system, sector=Sector.ACUTE) for _ in range(7)]
    few, many = make_round(system, name="2025"), None
    for rater in orgs[:3]:
        rate(make_response(few, rater), orgs[6], intensity=3, trust=(3, 3, 3))
    many = make_round(system, name="2026")
    many.opened_at = few.opened_at + timedelta(days=365)
    many.save()
    for rater in orgs[:6]:
        rate(make_response(many, rater), orgs[6], intensity=3, trust=(4, 3, 2))
    rounds = relationship_rounds(system)
    assert [r.name for r in rounds] == ["2025", "2026"]
    assert rounds[0].trust is None and rounds[0].trust_raters == 3
    assert rounds[1].trust == pytest.approx(3.0)
    later = build_year_later(system)
    assert later.relationships == rounds


def test_the_pages_are_linked_and_show_their_sections(fclient, system):
    _conversation(system, {Sector.ACUTE: 6})
    home = fclient.get(f"/manage/systems/{system.slug}/strategy/").content.decode()
    assert "/strategy/participation/" in home and "/strategy/a-year-later/" in home
    panel = fclient.get(f"/manage/systems/{system.slug}/").content.decode()
    assert "/strategy/participation/" in panel and "/strategy/a-year-later/" in panel
    later = fclient.get(f"/manage/systems/{system.slug}/strategy/a-year-later/").content.decode()
    for heading in (
        "Relationships between organisations",
        "The pulse",
        "Commitments by status",
        "Who took part",
    ):
        assert heading in later


def test_the_strategy_report_has_a_year_later_with_trust_and_the_pulse(fclient, system):
    orgs = [make_organisation(system, sector=Sector.ACUTE) for _ in range(7)]
    survey = make_round(system, name="2026")
    for rater in orgs[:6]:
        rate(make_response(survey, rater), orgs[6], intensity=3, trust=(3, 3, 3))
    pulse_round = make_pulse_round(system, name="Spring")
    for _ in range(6):
        respond(pulse_round, sector="acute")
    page = fclient.get(f"/manage/systems/{system.slug}/strategy/report/").content.decode()
    assert "A year later" in page and "Average trust (1 to 4)" in page and "3.0 of 4" in page
    assert "Direction, alignment and commitment over the pulse rounds" in page
    pdf = fclient.get(f"/manage/systems/{system.slug}/strategy/report.pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "A year later" in text and "Average trust" in text


def test_people_by_organisation_in_a_conversation_keep_small_organisations_hidden(system):
    big, small = make_organisation(system, name="Big Trust"), make_organisation(system, name="Small Charity")
    conversation = make_conversation(
        system, title="Asks the organisation", status=Conversation.Status.OPEN, ask_organisation=True
    )
    for org, n in ((big, 10), (small, 2)):
        for _ in range(n):
            make_participant(system, conversation=conversation, organisation=org, about_you_done=True)
    p = build_participation(system)
    cells = {r.organisation: r.cells for r in p.organisations}
    assert cells["Small Charity"] == ["fewer than 5"]
    assert cells["Big Trust"] == ["not shown"]  # 12 - 10 would give the 2 away
    assert p.never == []


def test_an_organisation_in_a_round_too_small_to_break_down_is_not_known_rather_than_never(system):
    make_organisation(system, name="Perhaps")
    conversation = make_conversation(
        system, title="Three people", status=Conversation.Status.OPEN, ask_organisation=True
    )
    for _ in range(3):
        make_participant(system, conversation=conversation, about_you_done=True)
    p = build_participation(system)
    assert p.never == [] and p.not_known == ["Perhaps"]
    assert [r.cells for r in p.organisations] == [["not shown"]]


def test_a_pulse_round_nobody_answered_yet(fclient, system):
    make_pulse_round(system, name="Just opened")
    p = build_participation(system)
    assert [a.people.display for a in p.activities] == ["0"]
    for page in ("participation", "a-year-later"):
        assert fclient.get(f"/manage/systems/{system.slug}/strategy/{page}/").status_code == 200


def test_a_chart_that_cannot_be_drawn_leaves_its_table(fclient, system, monkeypatch):
    def fail(*_args, **_kw):
        raise RuntimeError("no JavaScript engine today")

    monkeypatch.setattr("commonweal.conversations.results.charts.to_svg", fail)
    _conversation(system, {Sector.ACUTE: 6})
    page = fclient.get(f"/manage/systems/{system.slug}/strategy/participation/").content.decode()
    assert "The chart could not be drawn" in page and "People who took part, round by round" in page


@settings(
    max_examples=40,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    st.lists(st.integers(min_value=0, max_value=12), min_size=1, max_size=6),
    st.integers(min_value=0, max_value=6),
)
def test_no_organisations_small_count_can_be_worked_out(named, not_said):
    """The adversary (linear programmes over everything published) recovers no count of 1 to 4 people from a
    conversation's people by organisation, and narrows no "fewer than 5"."""
    counts = dict(enumerate(named, start=1))
    published = publish_organisations(counts, sum(named) + not_said)
    report = published.audit()
    assert report.ok, report.explain()
    for key in counts:
        cell = published.cell(CellRef("organisation", key))
        assert cell.count is None or cell.count == 0 or cell.count >= 5
