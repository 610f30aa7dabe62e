"""The demo system: it loads quickly, looks like a real system, and is the same for the same seed."""

from __future__ import annotations

import stat
from collections import defaultdict

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.db.models import Count, Max

from commonweal import demo
from commonweal.cli import main as cli_main
from commonweal.conversations.models import Conversation, Participant, Statement, Vote, VoteEvent
from commonweal.core.models import AuditEntry
from commonweal.systems.models import Community, Organisation, Place, Sector, System, SystemRole

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("data_dir")]


def _signature(system: System) -> list[tuple[str, str, int]]:
    return sorted(
        Vote.objects.filter(participant__system=system).values_list(
            "participant__handle", "statement__text", "value"
        )
    )


def test_demo_is_a_whole_system_with_a_living_conversation_and_planted_groups(loaded_demo):
    system = System.objects.get(slug="riverside")
    assert system.name == "Riverside Health and Care Partnership"

    organisations = Organisation.objects.filter(system=system)
    assert 35 <= organisations.count() <= 45
    assert set(organisations.values_list("sector", flat=True)) == set(Sector.values)
    for org in organisations:
        org.full_clean()  # identifiers come in pairs; names are unique
    assert Place.objects.filter(system=system).count() == 4
    assert all(p.population for p in Place.objects.filter(system=system))
    kinds = set(Community.objects.filter(system=system).values_list("kind", flat=True))
    assert kinds == set(Community.Kind.values)

    conversation = Conversation.objects.get(system=system)
    assert conversation.is_open
    assert conversation.question == (
        "What should our health and care partnership do together over the next five years?"
    )
    seeds = Statement.objects.filter(conversation=conversation, is_seed=True)
    assert 35 <= seeds.count() <= 45
    assert set(seeds.values_list("theme", flat=True)) == {"What is working", "What we could do together"}
    assert all(len(s.text) <= 280 for s in Statement.objects.filter(conversation=conversation))
    # Something for a moderator to do.
    assert Statement.objects.filter(conversation=conversation, state=Statement.State.PENDING).exists()

    participants = Participant.objects.filter(system=system)
    assert participants.count() == 300
    assert participants.exclude(sector="").count() >= 0.8 * 300
    assert participants.filter(sector="").exists()  # some skip the question
    assert participants.exclude(place=None).count() >= 0.6 * 300
    assert participants.exclude(organisation=None).exists()
    assert participants.filter(communities__isnull=False).distinct().count() >= 60

    per_person = Vote.objects.filter(conversation=conversation).values("participant").annotate(n=Count("id"))
    counts = [row["n"] for row in per_person]
    assert len(counts) == 300
    assert min(counts) >= 15 and max(counts) <= 40
    # Nobody voted on a statement that is not accepted.
    assert not Vote.objects.filter(conversation=conversation).exclude(statement__state="accepted").exists()

    # The planted opinion groups show through the declared sectors.

    def mean_vote(text_start: str, sectors: list[str]) -> float:
        values = list(
            Vote.objects.filter(
                statement__text__startswith=text_start, participant__sector__in=sectors
            ).values_list("value", flat=True)
        )
        assert len(values) >= 5
        return sum(values) / len(values)

    hospital = ["acute", "icb", "ambulance"]
    community = ["community_resident", "vcse", "healthwatch"]
    front_line = ["primary_care", "social_care_provider"]
    # Common ground: every side agrees.
    for text in ("Recruit and train local people", "Share one workforce plan"):
        for sectors in (hospital, community, front_line):
            assert mean_vote(text, sectors) > 0.4
    # Divisive: the hospital side and the community side pull apart.
    assert mean_vote("Move a fixed share of the NHS budget", hospital) < 0
    assert mean_vote("Move a fixed share of the NHS budget", community) > 0.3
    assert mean_vote("Bring down waiting lists", hospital) > 0
    assert mean_vote("Bring down waiting lists", community) < -0.3

    out = loaded_demo.output
    assert "/c/riverside-together/" in out
    assert "Demo facilitator login: facilitator / " in out


def test_every_current_vote_is_its_latest_event(loaded_demo):
    latest = {
        (row["participant"], row["statement"]): row["last"]
        for row in VoteEvent.objects.values("participant", "statement").annotate(last=Max("id"))
    }
    votes = list(Vote.objects.select_related("event"))
    assert len(votes) == len(latest)
    for vote in votes:
        assert vote.event_id == latest[(vote.participant_id, vote.statement_id)]
        assert vote.value == vote.event.value
        assert vote.updated_at == vote.event.at
        assert vote.conversation_id == vote.event.conversation_id
    changed = VoteEvent.objects.count() - len(votes)
    assert changed > 0  # some participants changed their mind, so there are more events than votes
    # A changed vote's earlier event comes before its latest one, and says something else.
    by_pair = defaultdict(list)
    for event in VoteEvent.objects.order_by("id"):
        by_pair[(event.participant_id, event.statement_id)].append(event)
    for events in by_pair.values():
        if len(events) > 1:
            assert events[0].at < events[-1].at
            assert events[0].value != events[-1].value


def test_the_same_seed_gives_the_same_demo():
    demo.load_demo(participants=40, seed=3)
    first = _signature(System.objects.get(slug="riverside"))
    System.objects.all().delete()
    demo.load_demo(participants=40, seed=3)
    again = _signature(System.objects.get(slug="riverside"))
    assert first == again
    System.objects.all().delete()
    demo.load_demo(participants=40, seed=4)
    assert _signature(System.objects.get(slug="riverside")) != first


def test_if_empty_loads_once_then_does_nothing(capsys):
    assert demo.load_demo(if_empty=True, participants=30, seed=1) == 0
    counts = (System.objects.count(), Participant.objects.count(), VoteEvent.objects.count())
    login_text = (demo.login_file()).read_text()
    capsys.readouterr()

    assert demo.load_demo(if_empty=True, participants=30, seed=1) == 0
    assert "already has a system" in capsys.readouterr().out
    assert (System.objects.count(), Participant.objects.count(), VoteEvent.objects.count()) == counts
    assert demo.login_file().read_text() == login_text  # the passwords were not replaced


def test_if_empty_leaves_a_database_with_another_system_alone():
    System.objects.create(slug="elsewhere", name="Elsewhere Place Partnership")
    assert demo.load_demo(if_empty=True, participants=30) == 0
    assert not System.objects.filter(slug="riverside").exists()
    assert not demo.login_file().exists()


def test_loading_twice_without_if_empty_refuses_and_changes_nothing(loaded_demo, capsys):
    before = (Participant.objects.count(), VoteEvent.objects.count(), AuditEntry.objects.count())
    assert demo.load_demo(participants=30, seed=1) == 1
    assert "already loaded" in capsys.readouterr().out
    assert (Participant.objects.count(), VoteEvent.objects.count(), AuditEntry.objects.count()) == before


@pytest.mark.real_password_hashing
def test_demo_logins_work_and_are_kept_private(loaded_demo):
    path = loaded_demo.data_dir / "demo-login.txt"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    lines = path.read_text().splitlines()
    assert lines[-2:] == [
        "Demo conversation: http://127.0.0.1:8000/c/riverside-together/",
        "Demo system map (sign in first): http://127.0.0.1:8000/manage/systems/riverside/network/",
    ]
    creds = {}
    for line in lines[:-2]:
        assert line.endswith("(http://127.0.0.1:8000/accounts/login/)")
        username, password = line.split(": ", 1)[1].split("  (")[0].split(" / ")
        creds[username] = password
    assert set(creds) == {"facilitator", "admin"}

    facilitator = authenticate(username="facilitator", password=creds["facilitator"])
    assert facilitator is not None and not facilitator.is_superuser
    assert SystemRole.objects.filter(
        user=facilitator, system__slug="riverside", role=SystemRole.Role.FACILITATOR
    ).exists()
    admin = authenticate(username="admin", password=creds["admin"])
    assert admin is not None and admin.is_superuser
    assert admin.password.startswith("argon2")


def test_existing_accounts_keep_their_passwords(capsys):
    User = get_user_model()
    User.objects.create_user(username="facilitator", password="their-own-password-1")
    User.objects.create_superuser(username="admin", email="", password="their-own-password-2")
    assert demo.load_demo(participants=20, seed=2) == 0
    assert authenticate(username="facilitator", password="their-own-password-1") is not None
    assert SystemRole.objects.filter(user__username="facilitator", system__slug="riverside").exists()
    assert "passwords were not changed" in capsys.readouterr().out
    assert not demo.login_file().exists()


def test_creation_is_in_the_audit_log(loaded_demo):
    system = System.objects.get(slug="riverside")
    actions = set(AuditEntry.objects.filter(system=system).values_list("action", flat=True))
    assert {"system.create", "conversation.create", "conversation.open", "demo.load"} <= actions
    entry = AuditEntry.objects.get(action="demo.load")
    assert entry.after["participants"] == 300
    assert entry.after["votes"] == Vote.objects.count()


def test_the_demo_command_runs_from_the_cli(capsys):
    assert cli_main(["demo", "--if-empty", "--participants", "25", "--seed", "5"]) == 0
    assert Participant.objects.count() == 25
    assert "Loaded the demo system" in capsys.readouterr().out
    assert cli_main(["demo", "--if-empty"]) == 0
    assert Participant.objects.count() == 25


def test_a_negative_participant_count_is_refused(capsys):
    assert demo.load_demo(participants=-1) == 2
    assert "--participants" in capsys.readouterr().out
    assert not System.objects.exists()


def test_the_analysis_finds_the_three_planted_opinion_groups(loaded_demo):
    from commonweal.analysis import VoteMatrix, analyse

    participants, statements, values = zip(
        *Vote.objects.values_list("participant_id", "statement_id", "value"), strict=True
    )
    result = analyse(VoteMatrix.from_events(list(participants), list(statements), list(values)))
    assert result.k == 3
    assert min(result.group_sizes) >= 0.15 * 300
    # The group the hospital side falls in is mostly theirs: the groups follow the planted opinions.
    sector = dict(Participant.objects.values_list("id", "sector"))
    label = dict(zip(result.participant_ids, result.group_labels, strict=True))
    acute_groups = [label[pid] for pid, s in sector.items() if s == "acute" and pid in label]
    most_common = max(set(acute_groups), key=acute_groups.count)
    assert acute_groups.count(most_common) >= 0.6 * len(acute_groups)
