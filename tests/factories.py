"""Factories for test data, shared by every app's tests: plain functions with sensible defaults.

Each returns saved model instances. Keyword arguments override fields. Keep them small and obvious: a test should
say what matters to it and let the factory fill in the rest.
"""

from __future__ import annotations

import itertools
from typing import Any

from django.utils import timezone

from commonweal.conversations.models import (
    AnalysisSnapshot,
    Conversation,
    Participant,
    Participation,
    Statement,
    Vote,
    VoteEvent,
)
from commonweal.network.models import (
    Interdependency,
    JointWork,
    Rating,
    SurveyInvitation,
    SurveyResponse,
    SurveyRound,
)
from commonweal.systems.models import Community, Organisation, Place, Sector, System

_seq = itertools.count(1)


def _n() -> int:
    return next(_seq)


def make_system(**kw: Any) -> System:
    n = _n()
    kw.setdefault("name", f"Test Health and Care Partnership {n}")
    kw.setdefault("slug", f"test-system-{n}")
    # Its privacy notice names a controller, as a system must before any conversation opens.
    kw.setdefault("controller_name", f"Test Integrated Care Board {n}")
    kw.setdefault("controller_contact", f"privacy{n}@example.org")
    return System.objects.create(**kw)


def make_place(system: System, **kw: Any) -> Place:
    kw.setdefault("name", f"Place {_n()}")
    return Place.objects.create(system=system, **kw)


def make_community(system: System, **kw: Any) -> Community:
    kw.setdefault("name", f"Community {_n()}")
    kw.setdefault("kind", Community.Kind.INTEREST)
    return Community.objects.create(system=system, **kw)


def make_organisation(system: System, **kw: Any) -> Organisation:
    kw.setdefault("name", f"Organisation {_n()}")
    kw.setdefault("sector", Sector.VCSE)
    return Organisation.objects.create(system=system, **kw)


def make_conversation(system: System | None = None, **kw: Any) -> Conversation:
    """An open, strictly moderated conversation by default (pass ``status=Conversation.Status.DRAFT`` etc.)."""
    system = system or make_system()
    kw.setdefault("title", f"Our strategy {_n()}")
    kw.setdefault("question", "What should our health and care system do together over the next five years?")
    kw.setdefault("status", Conversation.Status.OPEN)
    if kw["status"] == Conversation.Status.OPEN:
        kw.setdefault("opened_at", timezone.now())
    kw.setdefault("themes", ["What is working", "What we could do together"])
    return Conversation.objects.create(system=system, **kw)


def make_statement(conversation: Conversation, text: str | None = None, **kw: Any) -> Statement:
    kw.setdefault("state", Statement.State.ACCEPTED)
    kw.setdefault("is_seed", kw.get("author") is None)
    return Statement.objects.create(conversation=conversation, text=text or f"Statement number {_n()}", **kw)


def make_statements(conversation: Conversation, n: int, **kw: Any) -> list[Statement]:
    """``n`` accepted seed statements with distinct texts."""
    return [make_statement(conversation, f"Seed statement {i + 1} ({_n()})", **kw) for i in range(n)]


def make_participant(system: System, *, conversation: Conversation | None = None, **kw: Any) -> Participant:
    """A participant who consented; joined to ``conversation`` when one is given."""
    kw.setdefault("consented_at", timezone.now())
    participant = Participant.objects.create(system=system, **kw)
    if conversation is not None:
        Participation.objects.create(participant=participant, conversation=conversation)
    return participant


def make_vote(participant: Participant, statement: Statement, value: int = 1) -> Vote:
    """A vote event and the current vote, written directly (no rate limit, no checks)."""
    now = timezone.now()
    event = VoteEvent.objects.create(
        conversation=statement.conversation, participant=participant, statement=statement, value=value, at=now
    )
    vote, _ = Vote.objects.update_or_create(
        participant=participant,
        statement=statement,
        defaults={"conversation": statement.conversation, "value": value, "updated_at": now, "event": event},
    )
    return vote


def make_snapshot(
    conversation: Conversation, priorities: dict[int, float] | None = None, **kw: Any
) -> AnalysisSnapshot:
    tick = kw.pop("tick", None)
    if tick is None:
        latest = conversation.snapshots.order_by("-tick").first()
        tick = (latest.tick + 1) if latest else 1
    return AnalysisSnapshot.objects.create(
        conversation=conversation,
        tick=tick,
        result=kw.pop("result", {}),
        priorities={str(k): v for k, v in (priorities or {}).items()},
        **kw,
    )


# --- Accounts and roles (facilitators, moderators, administrators) ------------------------------------------

PASSWORD = "correct horse battery staple"


# --- The system map ------------------------------------------------------------------------------------------


def make_round(system: System, **kw: Any) -> SurveyRound:
    """An open survey round, with an invitation (link) for every organisation already in the system."""
    kw.setdefault("name", f"Round {_n()}")
    survey_round = SurveyRound.objects.create(system=system, **kw)
    for organisation in Organisation.objects.filter(system=system):
        SurveyInvitation.objects.create(round=survey_round, organisation=organisation)
    return survey_round


def make_response(survey_round: SurveyRound, organisation: Organisation, **kw: Any) -> SurveyResponse:
    invitation, _ = SurveyInvitation.objects.get_or_create(round=survey_round, organisation=organisation)
    return SurveyResponse.objects.create(invitation=invitation, **kw)


def rate(
    response: SurveyResponse,
    partner: Organisation,
    intensity: int | None = 2,
    trust: tuple[int | None, int | None, int | None] = (None, None, None),
    value: tuple[int | None, int | None, int | None] = (None, None, None),
    contributions: list[str] | None = None,
) -> Rating:
    """One respondent's rating of a partner; trust and value are the three items each, in PRODUCT.md's order."""
    return Rating.objects.create(
        response=response,
        partner=partner,
        intensity=intensity,
        trust_openness=trust[0],
        trust_reliability=trust[1],
        trust_mission=trust[2],
        value_power=value[0],
        value_involvement=value[1],
        value_resources=value[2],
        contributions=contributions or [],
    )


def make_interdependency(
    system: System, from_organisation: Organisation, to_organisation: Organisation, **kw: Any
) -> Interdependency:
    kw.setdefault("kind", Interdependency.Kind.CAPACITY)
    kw.setdefault("description", "Discharges wait for care-home places.")
    return Interdependency.objects.create(
        system=system, from_organisation=from_organisation, to_organisation=to_organisation, **kw
    )


def make_joint_work(system: System, organisations: list[Organisation], **kw: Any) -> JointWork:
    kw.setdefault("title", f"Joint work {_n()}")
    kw.setdefault("kind", JointWork.Kind.JOINT_PROJECT)
    kw.setdefault("started_on", timezone.now().date())
    work = JointWork.objects.create(system=system, **kw)
    work.organisations.set(organisations)
    return work


def make_user(**kw: Any) -> Any:
    """An account with the password :data:`PASSWORD`."""
    from django.contrib.auth import get_user_model

    kw.setdefault("username", f"user{_n()}")
    password = kw.pop("password", PASSWORD)
    return get_user_model().objects.create_user(password=password, **kw)


def make_admin(**kw: Any) -> Any:
    kw.setdefault("username", f"admin{_n()}")
    return make_user(is_superuser=True, is_staff=True, **kw)


def make_facilitator(system: System, **kw: Any) -> Any:
    from commonweal.systems.models import SystemRole

    kw.setdefault("username", f"facilitator{_n()}")
    user = make_user(**kw)
    SystemRole.objects.create(user=user, system=system, role=SystemRole.Role.FACILITATOR)
    return user


def make_moderator(conversation: Conversation, **kw: Any) -> Any:
    from commonweal.conversations.models import ConversationModerator

    kw.setdefault("username", f"moderator{_n()}")
    user = make_user(**kw)
    ConversationModerator.objects.create(user=user, conversation=conversation)
    return user


def make_api_token(user: Any, name: str = "Test script") -> str:
    """Issue an API token for ``user`` and return the raw token (the value for ``Authorization: Bearer``)."""
    from commonweal.accounts.models import ApiToken

    _, raw = ApiToken.issue(user, name)
    return raw


# --- The analysis worker ---------------------------------------------------------------------------------------


def make_late_vote(person: Participant, statement: Statement, value: int) -> tuple[VoteEvent, Any]:
    """A vote whose transaction took its event id now but commits later (PostgreSQL hands out ids as transactions
    run, not as they commit): its event, and a function that writes its current vote, the "commit"."""
    event = VoteEvent.objects.create(
        conversation=statement.conversation,
        participant=person,
        statement=statement,
        value=value,
        at=timezone.now(),
    )

    def commit() -> None:
        Vote.objects.update_or_create(
            participant=person,
            statement=statement,
            defaults={
                "conversation": statement.conversation,
                "value": value,
                "updated_at": event.at,
                "event": event,
            },
        )

    return event, commit
