"""Aims, their frozen evidence and statuses; commitments, resources and progress (issue 12, step 1)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from commonweal.conversations.jobs.compute import compute_snapshot
from commonweal.core.errors import InvalidInput, NotFound
from commonweal.core.models import AuditEntry
from commonweal.strategy.accountability.build import resource_words
from commonweal.strategy.aims import actions as aims
from commonweal.strategy.aims.evidence import current_figures, since_then
from commonweal.strategy.commitments import actions as commitments
from commonweal.strategy.models import Aim, Commitment, Evidence, ProgressUpdate, Resource
from commonweal.strategy.queries import is_stale
from commonweal.systems.models import Sector
from tests.factories import (
    make_community,
    make_conversation,
    make_organisation,
    make_participant,
    make_statement,
    make_system,
    make_vote,
)
from tests.strategy.conftest import analysed_conversation

pytestmark = pytest.mark.django_db


def _aim(system, facilitator, statements=(), **kw):
    data = aims.AimInput(
        title=kw.pop("title", "Care closer to home"), meaning="People are cared for nearer home.", **kw
    )
    return aims.check_draft_aim(facilitator, system, data, [s.pk for s in statements])


def test_drafting_an_aim_freezes_each_statements_published_figures(system, facilitator, analysed):
    conversation, statements = analysed
    aim = _aim(system, facilitator, statements[:2])
    evidence = list(aim.evidence.all())
    assert [e.text for e in evidence] == [s.text for s in statements[:2]]
    assert all(e.common_ground for e in evidence)
    first = evidence[0]
    assert first.conversation == conversation and first.snapshot_tick == 1
    assert first.figures["overall"]["agree"] == 1.0
    assert first.figures["overall"]["voters"] == "24"
    assert {row["name"] for row in first.figures["sectors"]} == {
        "Acute trust",
        "Voluntary, community and social enterprise (VCSE)",
        "Primary care",
    }
    assert first.figures["groups"], "the opinion groups' figures are kept"
    entry = AuditEntry.objects.get(action="aim.create")
    assert entry.actor == facilitator and entry.after["statements"] == [s.pk for s in statements[:2]]


def test_a_statement_that_is_not_common_ground_is_kept_and_marked(system, facilitator, analysed):
    _, statements = analysed
    aim = _aim(system, facilitator, [statements[0], statements[2]])
    assert [e.common_ground for e in aim.evidence.all()] == [True, False]


def test_small_cells_are_frozen_as_their_published_words(system, facilitator):
    conversation, statements = analysed_conversation(system, people=14)
    # Two more people of a sector of their own: fewer than 5 of them voted.
    for _ in range(2):
        person = make_participant(
            system, conversation=conversation, about_you_done=True, sector=Sector.AMBULANCE
        )
        make_vote(person, statements[0], 1)
    aim = _aim(system, facilitator, statements[:1])
    sectors = {row["name"]: row for row in aim.evidence.get().figures["sectors"]}
    # As the layer published it: small, or hidden beside a small cell; never the count of 2.
    assert sectors["Ambulance"]["voters"] in ("fewer than 5", "not shown")
    assert sectors["Ambulance"]["agree"] is None


def test_later_analysis_never_rewrites_the_evidence_and_since_then_says_what_changed(
    system, facilitator, analysed
):
    conversation, statements = analysed
    aim = _aim(system, facilitator, statements[:1])
    frozen = dict(aim.evidence.get().figures)
    for _ in range(10):
        person = make_participant(system, conversation=conversation, about_you_done=True)
        make_vote(person, statements[0], -1)
    compute_snapshot(conversation)
    evidence = Evidence.objects.get(aim=aim)
    assert evidence.figures == frozen and evidence.snapshot_tick == 1
    now = current_figures(conversation, [statements[0]])[0].figures
    lines = since_then(evidence.figures, now)
    assert any(line.startswith("Everyone: 100% agree then, 71% now") for line in lines)
    assert since_then(frozen, frozen) == []


def test_statements_of_another_system_or_none_are_refused(system, facilitator, analysed):
    elsewhere = make_statement(make_conversation(make_system()))
    with pytest.raises(InvalidInput, match="this system"):
        _aim(system, facilitator, [elsewhere])
    with pytest.raises(InvalidInput, match="title"):
        aims.check_draft_aim(facilitator, system, aims.AimInput(title="", meaning="x"), [])


def test_status_moves_are_checked_and_audited(system, facilitator):
    aim = _aim(system, facilitator)
    with pytest.raises(InvalidInput, match="cannot become Agreed"):
        aims.check_change_status(facilitator, aim, aims.StatusInput("agreed", date(2026, 3, 1), "ICP board"))
    aims.check_change_status(facilitator, aim, aims.StatusInput("proposed"))
    with pytest.raises(InvalidInput) as refused:
        aims.check_change_status(facilitator, aim, aims.StatusInput("agreed"))
    assert {f["field"] for f in refused.value.detail["fields"]} == {"agreed_on", "agreed_by"}
    aims.check_change_status(facilitator, aim, aims.StatusInput("agreed", date(2026, 3, 1), "The ICP board"))
    aim.refresh_from_db()
    assert (aim.status, aim.agreed_on, aim.agreed_by) == ("agreed", date(2026, 3, 1), "The ICP board")
    with pytest.raises(InvalidInput, match="why"):
        aims.check_change_status(facilitator, aim, aims.StatusInput("retired"))
    aims.check_change_status(facilitator, aim, aims.StatusInput("retired", reason="Merged into another aim"))
    moves = [
        (e.before["status"], e.after["status"])
        for e in AuditEntry.objects.filter(action="aim.status").order_by("pk")
    ]
    assert moves == [("draft", "proposed"), ("proposed", "agreed"), ("agreed", "retired")]
    with pytest.raises(InvalidInput, match="retired"):
        aims.check_update_aim(facilitator, aim, aims.AimInput(title="New", meaning="New"))


def test_an_agreed_aim_without_a_date_is_refused_by_the_database(system):
    with pytest.raises(IntegrityError), transaction.atomic():
        Aim.objects.create(system=system, title="x", meaning="y", status="agreed")


def test_testing_the_draft_aims_creates_a_conversation_seeded_with_them(system, facilitator):
    first = _aim(system, facilitator, title="Care closer to home")
    aims.check_change_status(facilitator, first, aims.StatusInput("proposed"))
    agreed = _aim(system, facilitator, title="Already agreed")
    aims.check_change_status(facilitator, agreed, aims.StatusInput("proposed"))
    aims.check_change_status(facilitator, agreed, aims.StatusInput("agreed", date(2026, 1, 5), "Board"))
    conversation = aims.check_test_aims(facilitator, system)
    texts = list(conversation.statements.values_list("text", flat=True))
    assert texts == ["Care closer to home: People are cared for nearer home."]
    first.refresh_from_db()
    assert first.tested_in == conversation and first.tested_statement.text == texts[0]
    assert AuditEntry.objects.filter(action="aim.test_with_people").exists()


def _commit(aim, actor, **kw):
    data = commitments.CommitmentInput(what=kw.pop("what", "Fund 10 care-home staff"), **kw)
    return commitments.check_save_commitment(actor, aim, data)


def test_a_joint_commitment_with_resources(system, facilitator, by_facilitator):
    aim = _aim(system, facilitator)
    trust, home = make_organisation(system, name="Acute"), make_organisation(system, name="Care home")
    item = _commit(
        aim,
        by_facilitator,
        organisation=trust.pk,
        partners=[home.pk, trust.pk],
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
        lead_role="Director of nursing",
        resources=[
            commitments.ResourceInput("money", "£250,000"),
            commitments.ResourceInput("wte", "2.5"),
            commitments.ResourceInput("space", None, "A room at the hospital"),
        ],
    )
    assert list(item.partners.all()) == [home]
    assert [(r.kind, r.amount) for r in item.resources.all()] == [
        ("money", Decimal("250000.00")),
        ("wte", Decimal("2.50")),
        ("space", None),
    ]
    entry = AuditEntry.objects.get(action="commitment.create")
    assert entry.after["route"] == "facilitator" and entry.after["by"] == facilitator.username


def test_bad_money_and_dates_are_refused_with_every_problem(system, facilitator, by_facilitator):
    aim = _aim(system, facilitator)
    org = make_organisation(system)
    with pytest.raises(InvalidInput) as refused:
        _commit(
            aim,
            by_facilitator,
            what="",
            organisation=org.pk,
            starts_on=date(2026, 6, 1),
            ends_on=date(2026, 5, 1),
            resources=[commitments.ResourceInput("money", "-5"), commitments.ResourceInput("money", "lots")],
        )
    fields = {f["field"] for f in refused.value.detail["fields"]}
    assert fields == {"what", "ends_on", "resources.0.amount", "resources.1.amount"}
    with pytest.raises(IntegrityError), transaction.atomic():
        Resource.objects.create(
            commitment=_commit(aim, by_facilitator, organisation=org.pk), kind="money", amount=-1
        )


def test_the_database_refuses_an_end_before_the_start_and_two_owners(system, facilitator):
    aim = _aim(system, facilitator)
    org, community = make_organisation(system), make_community(system)
    with pytest.raises(IntegrityError), transaction.atomic():
        Commitment.objects.create(
            aim=aim, organisation=org, what="x", starts_on=date(2026, 2, 1), ends_on=date(2026, 1, 1)
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Commitment.objects.create(aim=aim, organisation=org, community=community, what="x")


def test_an_organisation_link_reaches_only_its_own_commitments(system, facilitator, by_facilitator, lead):
    aim = _aim(system, facilitator)
    other = make_organisation(system, name="Another")
    # Through the link, the owner is always the link's organisation, whatever was sent.
    own = _commit(aim, lead, organisation=other.pk)
    assert own.organisation == lead.organisation and own.created_route == "organisation_link"
    theirs = _commit(aim, by_facilitator, organisation=other.pk)
    with pytest.raises(NotFound):
        commitments.check_save_commitment(lead, aim, commitments.CommitmentInput(what="Mine now"), theirs)
    with pytest.raises(NotFound):
        commitments.check_post_progress(lead, theirs, commitments.ProgressInput("on_track", "Going well"))
    entry = AuditEntry.objects.get(action="commitment.create", subject_id=str(own.pk))
    assert entry.actor is None and entry.after["by"] == "Riverside Acute Trust (organisation link)"


def test_a_retired_aim_takes_no_new_commitments_and_keeps_its_own(system, facilitator, by_facilitator):
    aim = _aim(system, facilitator)
    org = make_organisation(system)
    kept = _commit(aim, by_facilitator, organisation=org.pk)
    aims.check_change_status(facilitator, aim, aims.StatusInput("retired", reason="Done differently"))
    with pytest.raises(InvalidInput, match="retired"):
        _commit(aim, by_facilitator, organisation=org.pk)
    assert Commitment.objects.filter(pk=kept.pk).exists()


def test_progress_builds_a_timeline_and_keeps_the_latest_status(system, facilitator, by_facilitator):
    aim = _aim(
        system,
        facilitator,
        measures=[aims.MeasureInput("Delayed discharges", "a day", Decimal(40), Decimal(20))],
    )
    measure = aim.measures.get()
    item = _commit(aim, by_facilitator, organisation=make_organisation(system).pk)
    commitments.check_post_progress(
        by_facilitator,
        item,
        commitments.ProgressInput("on_track", "Recruited 4", date(2026, 3, 1), figures={measure.pk: "35"}),
    )
    commitments.check_post_progress(
        by_facilitator, item, commitments.ProgressInput("at_risk", "Two left", date(2026, 6, 1))
    )
    # An update dated earlier than the latest does not change the latest status.
    commitments.check_post_progress(
        by_facilitator, item, commitments.ProgressInput("done", "Late note", date(2026, 2, 1))
    )
    item.refresh_from_db()
    assert (item.status, item.last_update_on) == ("at_risk", date(2026, 6, 1))
    assert ProgressUpdate.objects.filter(commitment=item).count() == 3
    assert ProgressUpdate.objects.get(on=date(2026, 3, 1)).figures == [{"measure": measure.pk, "value": "35"}]
    with pytest.raises(InvalidInput) as refused:
        commitments.check_post_progress(
            by_facilitator,
            item,
            commitments.ProgressInput("sideways", "", evidence_url="javascript:x", figures={measure.pk: "x"}),
        )
    assert {f["field"] for f in refused.value.detail["fields"]} == {
        "status",
        "text",
        "evidence_url",
        f"measure_{measure.pk}",
    }
    assert AuditEntry.objects.filter(action="commitment.progress").count() == 3


def test_no_update_since_after_the_set_period(system, facilitator, by_facilitator, settings):
    settings.STRATEGY_STALE_DAYS = 90
    aim = _aim(system, facilitator)
    item = _commit(aim, by_facilitator, organisation=make_organisation(system).pk)
    today = date(2026, 12, 1)
    commitments.check_post_progress(
        by_facilitator, item, commitments.ProgressInput("on_track", "x", today - timedelta(days=91))
    )
    assert is_stale(item, today)
    commitments.check_post_progress(
        by_facilitator, item, commitments.ProgressInput("on_track", "x", today - timedelta(days=30))
    )
    assert not is_stale(item, today)
    commitments.check_post_progress(
        by_facilitator, item, commitments.ProgressInput("withdrawn", "x", today - timedelta(days=200 - 100))
    )
    item.refresh_from_db()
    assert item.status == "on_track"


@pytest.mark.parametrize(
    ("kind", "amount", "description", "words"),
    [
        ("money", "900000", "", "£900,000"),
        ("money", "12.5", "", "£12.5"),
        ("wte", "30", "", "30 WTE"),
        ("wte", "2.50", "", "2.5 WTE"),
        ("hours", "400", "a year", "400 hours (a year)"),
        ("volunteers", "40", "", "40 volunteers"),
        ("space", None, "A room", "Space: A room"),
    ],
)
def test_resources_in_words(kind, amount, description, words):
    resource = Resource(kind=kind, amount=Decimal(amount) if amount else None, description=description)
    assert resource_words(resource) == words
