"""The strategy's pages: drafting from the results page, the aim page, commitments and progress by a facilitator
and through the organisation's link, the accountability page, and closing the loop with participants."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from commonweal.conversations.jobs.compute import compute_snapshot
from commonweal.conversations.participate.views import SESSION_KEY
from commonweal.core.models import AuditEntry
from commonweal.strategy.aims import actions as aims
from commonweal.strategy.commitments import actions as commitments
from commonweal.strategy.models import Aim, Commitment, LoopUpdate, ProgressUpdate, StrategySettings
from tests.factories import make_organisation, make_participant, make_round, make_vote

pytestmark = pytest.mark.django_db


def _agreed_aim(system, facilitator, statements):
    aim = aims.check_draft_aim(
        facilitator,
        system,
        aims.AimInput("Care closer to home", "Care nearer home."),
        [s.pk for s in statements],
    )
    aims.check_change_status(facilitator, aim, aims.StatusInput("proposed"))
    aims.check_change_status(facilitator, aim, aims.StatusInput("agreed", date(2026, 3, 1), "The ICP board"))
    return Aim.objects.get(pk=aim.pk)


def test_the_results_page_offers_to_draft_an_aim_from_its_statements(fclient, analysed):
    conversation, statements = analysed
    page = fclient.get(f"/manage/conversations/{conversation.slug}/results/").content.decode()
    assert "Draft an aim from these statements" in page
    assert f'name="statement" type="checkbox" value="{statements[0].pk}"' in page
    assert "Other statements (not common ground)" in page


def test_a_facilitator_drafts_an_aim_from_two_statements_and_a_warning_for_one(fclient, system, analysed):
    _, statements = analysed
    url = f"/manage/systems/{system.slug}/strategy/aims/draft/"
    page = fclient.get(url, {"statement": [statements[0].pk, statements[3].pk]}).content.decode()
    assert statements[0].text in page and "Not common ground" in page
    # An error keeps what was typed and the statements chosen.
    bad = fclient.post(
        url, {"statement": [statements[0].pk, statements[1].pk], "title": "", "meaning": "Kept text"}
    )
    body = bad.content.decode()
    assert bad.status_code == 200 and "Enter a short title for the aim" in body and "Kept text" in body
    assert f'name="statement" value="{statements[1].pk}"' in body
    done = fclient.post(
        url,
        {
            "statement": [statements[0].pk, statements[1].pk],
            "title": "Care closer to home",
            "meaning": "Near home",
        },
    )
    aim = Aim.objects.get()
    assert done.status_code == 302 and done["Location"].endswith(f"/aims/{aim.pk}/")
    assert aim.evidence.count() == 2
    detail = fclient.get(done["Location"]).content.decode()
    assert "The evidence" in detail and statements[0].text in detail and "Since then" not in detail


def test_the_aim_page_shows_since_then_when_figures_change(fclient, system, facilitator, analysed):
    conversation, statements = analysed
    aim = _agreed_aim(system, facilitator, statements[:1])
    for _ in range(8):
        make_vote(make_participant(system, conversation=conversation, about_you_done=True), statements[0], -1)
    compute_snapshot(conversation)
    page = fclient.get(f"/manage/systems/{system.slug}/strategy/aims/{aim.pk}/").content.decode()
    assert "Since then" in page and "Everyone: 100% agree then" in page


def test_status_and_commitment_forms_keep_what_was_typed(fclient, system, facilitator):
    aim = aims.check_draft_aim(facilitator, system, aims.AimInput("An aim", "Its meaning"), [])
    base = f"/manage/systems/{system.slug}/strategy/"
    fclient.post(f"{base}aims/{aim.pk}/status/", {"status": "proposed"})
    bad = fclient.post(f"{base}aims/{aim.pk}/status/", {"status": "agreed", "agreed_by": "The board"})
    assert "Enter the date the aim was agreed" in bad.content.decode() and "The board" in bad.content.decode()
    org = make_organisation(system, name="Acute")
    bad = fclient.post(
        f"{base}aims/{aim.pk}/commitments/new/",
        {
            "owner": f"o{org.pk}",
            "what": "Fund staff",
            "money": "-10",
            "starts_on": "2026-05-01",
            "ends_on": "2026-04-01",
        },
    )
    body = bad.content.decode()
    assert "An amount cannot be negative" in body and "The end date must be the same as or after" in body
    assert "Fund staff" in body
    ok = fclient.post(
        f"{base}aims/{aim.pk}/commitments/new/",
        {"owner": f"o{org.pk}", "what": "Fund staff", "money": "25000", "wte": "2.5", "space": "A room"},
    )
    assert ok.status_code == 302
    item = Commitment.objects.get()
    assert [r.kind for r in item.resources.all()] == ["money", "wte", "space"]
    ok = fclient.post(f"{base}commitments/{item.pk}/progress/", {"status": "on_track", "text": "Going well"})
    assert ok.status_code == 302 and ProgressUpdate.objects.get().route == "facilitator"


def test_an_organisation_commits_and_posts_progress_through_its_link(system, facilitator):
    aim = aims.check_draft_aim(facilitator, system, aims.AimInput("An aim", "Its meaning"), [])
    aims.check_change_status(facilitator, aim, aims.StatusInput("proposed"))
    org = make_organisation(system, name="Riverside Acute")
    other = make_organisation(system, name="Another")
    survey = make_round(system)
    token = survey.invitations.get(organisation=org).token
    lead = Client()
    home = lead.get(f"/commit/{token}/")
    assert home.status_code == 200 and home["Cache-Control"] == "private, no-store"
    assert "An aim" in home.content.decode()
    posted = lead.post(
        f"/commit/{token}/aims/{aim.pk}/commit/",
        {"owner": f"o{other.pk}", "what": "Open a discharge lounge", "lead_role": "Director of operations"},
    )
    assert posted.status_code == 302
    mine = Commitment.objects.get()
    assert mine.organisation == org and mine.created_route == "organisation_link"
    assert (
        lead.post(
            f"/commit/{token}/commitments/{mine.pk}/progress/", {"status": "at_risk", "text": "Slow"}
        ).status_code
        == 302
    )
    theirs = commitments.check_save_commitment(
        commitments.Actor(facilitator, "facilitator"),
        aim,
        commitments.CommitmentInput("Theirs", organisation=other.pk),
    )
    assert lead.get(f"/commit/{token}/commitments/{theirs.pk}/edit/").status_code == 404
    assert (
        lead.post(
            f"/commit/{token}/commitments/{theirs.pk}/progress/", {"status": "done", "text": "x"}
        ).status_code
        == 404
    )
    assert lead.get("/commit/not-a-token/").status_code == 404
    entry = AuditEntry.objects.filter(action="commitment.progress").get()
    assert (
        entry.after["route"] == "organisation_link"
        and entry.after["by"] == "Riverside Acute (organisation link)"
    )


def test_the_accountability_page_is_off_until_published_and_filters(
    client, fclient, system, facilitator, analysed
):
    _, statements = analysed
    aim = _agreed_aim(system, facilitator, statements[:1])
    draft = aims.check_draft_aim(facilitator, system, aims.AimInput("Secret draft", "Not yet"), [])
    acute, vcse = (
        make_organisation(system, name="Acute", sector="acute"),
        make_organisation(system, name="Helpers"),
    )
    actor = commitments.Actor(facilitator, "facilitator")
    commitments.check_save_commitment(
        actor, aim, commitments.CommitmentInput("Acute does this", organisation=acute.pk)
    )
    commitments.check_save_commitment(
        actor, aim, commitments.CommitmentInput("Helpers do that", organisation=vcse.pk)
    )
    url = f"/s/{system.slug}/accountability/"
    assert client.get(url).status_code == 404
    assert (
        fclient.post(f"/manage/systems/{system.slug}/strategy/publish/", {"public": "on"}).status_code == 302
    )
    assert StrategySettings.objects.get(system=system).public_accountability
    page = client.get(url).content.decode()
    assert "Care closer to home" in page and statements[0].text in page and draft.title not in page
    assert (
        "Acute does this" in page and "Helpers do that" in page and "<script" not in page.split("</head>")[1]
    )
    only_acute = client.get(url, {"sector": "acute"}).content.decode()
    assert "Acute does this" in only_acute and "Helpers do that" not in only_acute
    by_org = client.get(url, {"organisation": vcse.pk}).content.decode()
    assert "Helpers do that" in by_org and "Acute does this" not in by_org


def test_participants_see_what_came_of_the_conversation_and_new_updates(
    fclient, system, facilitator, analysed
):
    conversation, statements = analysed
    _agreed_aim(system, facilitator, statements[:1])
    person = conversation.participations.first().participant
    participant = Client()
    session = participant.session
    session[SESSION_KEY] = {str(system.pk): person.pk}
    session.save()
    page = participant.get(f"/c/{conversation.slug}/where-you-stand/").content.decode()
    assert "You said:" in page and statements[0].text in page and "We are doing:" in page
    assert "agreed by The ICP board" in page
    url = f"/manage/systems/{system.slug}/strategy/conversations/{conversation.slug}/update/"
    assert "Write the update" in fclient.post(url, {"text": ""}).content.decode()
    assert (
        fclient.post(url, {"text": "We heard you: the board agreed care closer to home."}).status_code == 302
    )
    assert LoopUpdate.objects.count() == 1
    first = participant.get(f"/c/{conversation.slug}/").content.decode()
    assert "We heard you" in first and ">New<" in first
    again = participant.get(f"/c/{conversation.slug}/").content.decode()
    assert "We heard you" in again and ">New<" not in again


def test_testing_the_aims_from_the_page(fclient, system, facilitator):
    aim = aims.check_draft_aim(facilitator, system, aims.AimInput("An aim", "Its meaning"), [])
    url = f"/manage/systems/{system.slug}/strategy/aims/test/"
    assert "An aim: Its meaning" in fclient.get(url).content.decode()
    done = fclient.post(url, {"title": "Are these right?"})
    assert done.status_code == 302
    aim.refresh_from_db()
    assert aim.tested_in is not None and aim.tested_in.title == "Are these right?"


def test_exports(fclient, system, facilitator, analysed):
    _, statements = analysed
    aim = _agreed_aim(system, facilitator, statements[:1])
    org = make_organisation(system, name="=HYPERLINK(1)")
    commitments.check_save_commitment(
        commitments.Actor(facilitator, "facilitator"),
        aim,
        commitments.CommitmentInput(
            "x", organisation=org.pk, resources=[commitments.ResourceInput("money", "10")]
        ),
    )
    base = f"/manage/systems/{system.slug}/strategy/export/"
    csv = fclient.get(base + "commitments.csv").content.decode()
    assert "'=HYPERLINK(1)" in csv and "£10" in csv
    data = fclient.get(base + "strategy.json").json()
    assert data["aims"][0]["evidence"][0]["figures"]["overall"]["voters"] == "24"
    assert fclient.get(base + "nope.csv").status_code == 404
    assert AuditEntry.objects.filter(action="strategy.export").count() == 2
