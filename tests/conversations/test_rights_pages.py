"""The data rights pages through Django's test client: the participant's "Your data" (see, download, delete),
the facilitator's erasure on request, the system's retention period, the erasure notes on results, report and
exports, and the ``commonweal retention`` command."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from commonweal.cli import main as cli_main
from commonweal.conversations.jobs.compute import compute_snapshot
from commonweal.conversations.models import Conversation, Participant, Statement, Vote
from commonweal.conversations.rights.actions import do_erase_participant
from commonweal.conversations.rights.queries import format_reference
from commonweal.core.models import AuditEntry
from commonweal.systems.models import Sector
from tests.factories import (
    make_conversation,
    make_facilitator,
    make_moderator,
    make_organisation,
    make_participant,
    make_statement,
    make_statements,
    make_system,
    make_vote,
)

pytestmark = pytest.mark.django_db


def text(response) -> str:
    """What a reader sees: the page's text without its tags, entities decoded and spacing collapsed."""
    words = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(words)).strip()


def page(conversation: Conversation, tail: str = "") -> str:
    return f"/c/{conversation.slug}/your-data/{tail}"


@pytest.fixture
def conversation() -> Conversation:
    conversation = make_conversation(participants_can_add=True)
    make_statements(conversation, 4)
    return conversation


def join(client: Client, conversation: Conversation) -> Participant:
    assert client.post(f"/c/{conversation.slug}/join/").status_code == 302
    client.post(f"/c/{conversation.slug}/about-you/", {"skip": "1"})
    return Participant.objects.get(pk=client.session["cw_participants"][str(conversation.system_id)])


@pytest.fixture
def person(client, conversation) -> Participant:
    """A participant on ``client``'s device who answered about themselves, voted and wrote a statement."""
    participant = join(client, conversation)
    participant.sector = Sector.VCSE
    participant.organisation = make_organisation(conversation.system, name="Riverside Carers")
    participant.save()
    statements = list(Statement.objects.filter(conversation=conversation))
    make_vote(participant, statements[0], 1)
    make_vote(participant, statements[1], -1)
    make_vote(participant, statements[1], 0)
    make_statement(conversation, "=HYPERLINK(1) more buses", author=participant, state="pending")
    return participant


def test_the_participant_sees_everything_held_about_them(client, conversation, person):
    response = client.get(page(conversation))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    shown = text(response)
    assert format_reference(person.handle) in shown
    assert "Riverside Carers" in shown and "Voluntary, community and social enterprise (VCSE)" in shown
    assert "3 votes in all" in shown  # every vote cast, the changed one too
    assert "=HYPERLINK(1) more buses (waiting for a moderator)" in shown
    assert "keeps your votes, statements and answers for 365 days after a conversation closes" in shown
    assert "download.json" in response.content.decode() and "download.csv" in response.content.decode()


def test_the_page_is_linked_from_every_participant_page_and_my_votes(client, conversation, person):
    link = f'href="/c/{conversation.slug}/your-data/"'
    for path in ("", "my-votes/", "add/"):
        response = client.get(f"/c/{conversation.slug}/{path}")
        assert link in response.content.decode(), path
    consent = Client().get(f"/c/{conversation.slug}/")
    assert link in consent.content.decode()
    assert "for 365 days after a conversation closes" in text(consent)


def test_a_device_without_a_participant_is_told_so(conversation):
    response = Client().get(page(conversation))
    assert response.status_code == 200
    assert "This device holds no data of yours" in text(response)
    download = Client().get(page(conversation, "download.json"))
    assert download.status_code == 302 and download["Location"] == page(conversation)


def test_the_participant_downloads_their_data_as_json_and_csv(client, conversation, person):
    response = client.get(page(conversation, "download.json"))
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"]
    document = json.loads(response.content)
    assert document["reference"] == format_reference(person.handle)
    assert document["about_you"]["organisation"] == "Riverside Carers"
    [mine] = document["conversations"]
    assert len(mine["votes"]) == 2 and len(mine["vote_history"]) == 3
    assert mine["statements"][0]["text"] == "=HYPERLINK(1) more buses"

    response = client.get(page(conversation, "download.csv"))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["record", "conversation", "statement_id", "text", "answer", "at"]
    kinds = [r[0] for r in rows[1:]]
    assert kinds.count("current vote") == 2 and kinds.count("vote cast") == 3
    [written] = [r for r in rows if r[0] == "statement"]
    assert written[3] == "'=HYPERLINK(1) more buses"  # never run as a formula
    assert client.get(page(conversation, "download.xml")).status_code == 404


def test_the_participant_deletes_their_data_after_a_confirmation(client, conversation, person):
    other = make_participant(conversation.system, conversation=conversation)
    kept = make_statement(conversation, "Others voted on this", author=person)
    make_vote(other, kept, 1)
    confirm = client.get(page(conversation, "delete/"))
    shown = text(confirm)
    assert "Your 2 votes, and any earlier votes you changed." in shown
    assert "The 1 statement you wrote that nobody else has voted on." in shown
    assert (
        "The 1 statement you wrote that others have voted on stays" in shown
        and "Others voted on this" in shown
    )
    assert "not rewritten" in shown and "This cannot be undone." in shown
    assert Participant.objects.filter(pk=person.pk).exists()  # nothing deleted by looking

    response = client.post(page(conversation, "delete/"))

    assert response.status_code == 302 and response["Location"] == page(conversation)
    assert not Participant.objects.filter(pk=person.pk).exists()
    assert str(conversation.system_id) not in client.session["cw_participants"]
    after = text(client.get(page(conversation)))
    assert "Your data is deleted" in after and "This device holds no data of yours" in after
    assert Statement.objects.get(pk=kept.pk).author is None
    assert AuditEntry.objects.filter(action="participant.delete_own_data").count() == 1
    # Coming back, they start again as someone new.
    assert client.get(f"/c/{conversation.slug}/").status_code == 200
    assert "I agree, take part" in text(client.get(f"/c/{conversation.slug}/"))


def test_deleting_without_data_changes_nothing(conversation):
    response = Client().post(page(conversation, "delete/"))
    assert response.status_code == 302
    assert not AuditEntry.objects.exists()


def test_a_closed_conversation_says_when_the_data_goes(client, conversation, person):
    conversation.status, conversation.closed_at = Conversation.Status.CLOSED, timezone.now()
    conversation.save()
    conversation.system.retention_days = 30
    conversation.system.save()
    shown = text(client.get(page(conversation)))
    expected = (conversation.closed_at + timedelta(days=30)).strftime("%-d %B %Y")
    assert f"so your data in it will be deleted after {expected}" in shown
    assert "for 30 days after a conversation closes" in text(client.get(f"/c/{conversation.slug}/"))


# --- The facilitator ---------------------------------------------------------------------------------------------


def test_a_facilitator_erases_a_participant_on_request(client, conversation, person):
    facilitator = make_facilitator(conversation.system)
    staff = Client()
    staff.force_login(facilitator)
    url = f"/manage/conversations/{conversation.slug}/erase/"
    assert "Erase a participant's data" in text(staff.get(url))
    assert url in staff.get(f"/manage/conversations/{conversation.slug}/").content.decode()

    bad = staff.post(url, {"reference": "0000-0000-0000-0000"})
    assert bad.status_code == 400 and "Nobody in this conversation has the reference" in text(bad)

    found = staff.post(url, {"reference": format_reference(person.handle).upper()})
    shown = text(found)
    assert found.status_code == 200 and f"Erase participant {format_reference(person.handle)}?" in shown
    assert "2 current votes (3 votes cast in all), 1 statement nobody else voted on" in shown
    assert Participant.objects.filter(pk=person.pk).exists()  # not yet

    done = staff.post(url, {"reference": format_reference(person.handle), "confirm": "1"})
    assert done.status_code == 302
    assert not Participant.objects.filter(pk=person.pk).exists()
    entry = AuditEntry.objects.get(action="participant.erase")
    assert entry.actor == facilitator
    assert "is erased" in text(staff.get(url))
    # The participant's device finds nothing any more.
    assert "This device holds no data of yours" in text(client.get(page(conversation)))


def test_moderators_may_not_erase(conversation, person):
    moderator = Client()
    moderator.force_login(make_moderator(conversation))
    url = f"/manage/conversations/{conversation.slug}/erase/"
    assert moderator.get(url).status_code == 403
    assert (
        moderator.post(url, {"reference": format_reference(person.handle), "confirm": "1"}).status_code == 403
    )
    assert Participant.objects.filter(pk=person.pk).exists()


# --- The system's retention period --------------------------------------------------------------------------------


def test_the_retention_period_is_set_on_the_systems_edit_page():
    system = make_system(name="Riverside")
    staff = Client()
    staff.force_login(make_facilitator(system))
    url = f"/manage/systems/{system.slug}/edit/"
    form = staff.get(url).content.decode()
    assert 'name="retention_days"' in form and 'value="365"' in form
    for wrong, message in (
        ("3", "at least 7 days"),
        ("4000", "at most 3,650 days"),
        ("a year", "digits only"),
        ("", "Enter how many days"),
    ):
        response = staff.post(url, {"name": "Riverside", "retention_days": wrong})
        assert response.status_code == 200 and message in text(response), wrong
    assert staff.post(url, {"name": "Riverside", "retention_days": "90"}).status_code == 302
    system.refresh_from_db()
    assert system.retention_days == 90
    entry = AuditEntry.objects.get(action="system.update")
    assert (entry.before["retention_days"], entry.after["retention_days"]) == (365, 90)


# --- Results, report and exports after an erasure ------------------------------------------------------------------


def test_results_report_and_exports_say_updated_after_an_erasure_then_includes_it(conversation):
    facilitator = make_facilitator(conversation.system)
    staff = Client()
    staff.force_login(facilitator)
    statements = list(Statement.objects.filter(conversation=conversation))
    people = [make_participant(conversation.system, conversation=conversation) for _ in range(7)]
    for i, p in enumerate(people):
        for j, s in enumerate(statements):
            make_vote(p, s, 1 if (i + j) % 2 else -1)
    compute_snapshot(conversation)
    paths = {
        "results": f"/manage/conversations/{conversation.slug}/results/",
        "report": f"/manage/conversations/{conversation.slug}/report/",
        "exports": f"/manage/conversations/{conversation.slug}/exports/",
    }
    for name, path in paths.items():
        assert "erasure" not in text(staff.get(path)).lower(), name

    do_erase_participant(people[0])
    today = timezone.localtime().strftime("%-d %B %Y")
    for name, path in paths.items():
        assert f"Updated after an erasure on {today}" in text(staff.get(path)), name

    compute_snapshot(conversation)
    for name, path in paths.items():
        assert f"Includes an erasure on {today}" in text(staff.get(path)), name
    assert Vote.objects.filter(conversation=conversation).count() == 6 * 4


# --- The command ---------------------------------------------------------------------------------------------------


def test_the_retention_command_dry_run_and_real(capsys):
    system = make_system(name="Riverside", retention_days=10)
    conversation = make_conversation(
        system, status=Conversation.Status.CLOSED, closed_at=timezone.now() - timedelta(days=11)
    )
    person = make_participant(system, conversation=conversation)
    make_vote(person, make_statement(conversation), 1)

    assert cli_main(["retention", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert f"{conversation.slug} (Riverside: {conversation.title})" in out
    assert "would erase the data of 1 participants (1 votes)" in out and "Dry run" in out
    assert Vote.objects.count() == 1

    assert cli_main(["retention"]) == 0
    out = capsys.readouterr().out
    assert "erased the data of 1 participants" in out
    assert Vote.objects.count() == 0 and not Participant.objects.exists()
    assert AuditEntry.objects.filter(action="retention.erase").count() == 1

    assert cli_main(["retention"]) == 0
    assert "no closed conversation holds participant data" in capsys.readouterr().out


def test_pages_still_read_a_snapshot_whose_statement_was_erased(client, conversation):
    """A statement deleted with its author is still in the snapshot computed before: every page reading that
    snapshot leaves it out instead of failing."""
    statements = list(Statement.objects.filter(conversation=conversation))
    voter = join(client, conversation)
    author = make_participant(conversation.system, conversation=conversation)
    people = [make_participant(conversation.system, conversation=conversation) for _ in range(6)]
    for i, p in enumerate([voter, *people]):
        for j, s in enumerate(statements):
            make_vote(p, s, 1 if (i + j) % 2 else -1)
    alone = make_statement(conversation, "Only its author voted on this", author=author)
    make_vote(author, alone, 1)
    compute_snapshot(conversation)
    do_erase_participant(author)
    assert not Statement.objects.filter(pk=alone.pk).exists()

    staff = Client()
    staff.force_login(make_facilitator(conversation.system))
    for path in ("results/", "report/", "exports/", "present/"):
        response = staff.get(f"/manage/conversations/{conversation.slug}/{path}")
        assert response.status_code == 200, path
        assert "Only its author voted on this" not in text(response), path
    exported = staff.get(f"/manage/conversations/{conversation.slug}/exports/analysis.json")
    assert exported.status_code == 200
    for path in ("where-you-stand/", "my-votes/", ""):
        assert client.get(f"/c/{conversation.slug}/{path}").status_code in (200, 302), path
    standing = client.get(f"/c/{conversation.slug}/where-you-stand/")
    assert standing.status_code == 200 and "Only its author voted on this" not in text(standing)
