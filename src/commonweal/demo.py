"""The demo system: a fictional "Riverside Health and Care Partnership" with a living conversation.

``commonweal demo`` (and ``make run`` on an empty database) loads it, so the first page a facilitator opens
already shows organisations in every sector, places, communities and a conversation with votes from a few
hundred synthetic participants. The participants fall into three planted opinion groups (people close to the
hospitals and system flow; communities and prevention; the primary and social care front line), so the analysis
finds groups, common ground that every group agrees with, and divisive statements.

Every name and identifier here is made up. The ODS-style codes use the letters X and Z and numbers that no
real organisation has; charity and company numbers start with 99.

Everything is written in one transaction with the ORM's ``bulk_create`` (a few thousand rows a second), and
the same ``seed`` gives the same organisations, participants and votes.
"""

from __future__ import annotations

import os
import random
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from commonweal.conversations.models import (
    DEFAULT_THEMES,
    Conversation,
    Participant,
    Participation,
    Statement,
    Vote,
    VoteEvent,
    normalise_text,
)
from commonweal.core.audit import record
from commonweal.network.seeds import load_network_demo
from commonweal.systems.models import (
    Community,
    IdentifierScheme,
    Organisation,
    Place,
    Sector,
    System,
    SystemRole,
)

SYSTEM_SLUG = "riverside"
SYSTEM_NAME = "Riverside Health and Care Partnership"
CONVERSATION_SLUG = "riverside-together"
FACILITATOR_USERNAME = "facilitator"
ADMIN_USERNAME = "admin"
LOGIN_FILE_NAME = "demo-login.txt"

WORKING, TOGETHER = DEFAULT_THEMES  # "What is working", "What we could do together"

# The three planted opinion groups, by index: what each leans towards.
GROUPS = ("hospitals and system flow", "communities and prevention", "primary and social care front line")

# Stance of a group on a statement, from -2 (strongly disagrees) to 2 (strongly agrees): the chances of
# agree, disagree and pass. A participant who sees a statement always gives one of the three.
STANCE_PROBABILITIES = {
    2: (0.90, 0.03, 0.07),
    1: (0.66, 0.14, 0.20),
    0: (0.36, 0.34, 0.30),
    -1: (0.14, 0.66, 0.20),
    -2: (0.03, 0.90, 0.07),
}

PLACES = [
    # name, residents
    ("Riverside City", 312_000),
    ("Northvale", 268_000),
    ("Eastmarsh", 224_000),
    ("Westbrook", 186_000),
]
ALL_PLACES = tuple(name for name, _ in PLACES)

COMMUNITIES = [
    # name, kind, population estimate
    ("Riverside Old Town", Community.Kind.PLACE, 18_000),
    ("Northvale Estates", Community.Kind.PLACE, 24_000),
    ("Eastmarsh coastal villages", Community.Kind.PLACE, 11_500),
    ("South Asian communities", Community.Kind.IDENTITY, 41_000),
    ("Eastern European communities", Community.Kind.IDENTITY, 19_500),
    ("Gypsy, Roma and Traveller communities", Community.Kind.IDENTITY, 1_300),
    ("Young people aged 16 to 25", Community.Kind.IDENTITY, 112_000),
    ("Unpaid carers", Community.Kind.INTEREST, 96_000),
    ("People living with long-term conditions", Community.Kind.INTEREST, 260_000),
    ("People experiencing homelessness", Community.Kind.INTEREST, 1_400),
    ("Care home residents and their families", Community.Kind.INTEREST, 7_800),
]

NHS, LAE, CHC, COH = (
    IdentifierScheme.GB_NHS,
    IdentifierScheme.GB_LAE,
    IdentifierScheme.GB_CHC,
    IdentifierScheme.GB_COH,
)

ORGANISATIONS: list[tuple[str, Sector, str, str, tuple[str, ...]]] = [
    # name, sector, identifier scheme, identifier, places served
    ("NHS Riverside and Vale Integrated Care Board", Sector.ICB, NHS, "QZX", ALL_PLACES),
    ("Riverside University Hospitals NHS Foundation Trust", Sector.ACUTE, NHS, "RXX01", ALL_PLACES),
    ("Riverside and Vale Mental Health NHS Trust", Sector.MENTAL_HEALTH, NHS, "RXX02", ALL_PLACES),
    ("Riverside Community Health NHS Trust", Sector.COMMUNITY, NHS, "RXX03", ALL_PLACES),
    ("Vale and Coast Ambulance Service NHS Trust", Sector.AMBULANCE, NHS, "RXX04", ALL_PLACES),
    # Primary care: four primary care networks, ten GP practices and a community pharmacy.
    ("Riverside Central Primary Care Network", Sector.PRIMARY_CARE, NHS, "UZX001", ("Riverside City",)),
    ("Northvale Primary Care Network", Sector.PRIMARY_CARE, NHS, "UZX002", ("Northvale",)),
    ("Eastmarsh Coastal Primary Care Network", Sector.PRIMARY_CARE, NHS, "UZX003", ("Eastmarsh",)),
    ("Westbrook and Villages Primary Care Network", Sector.PRIMARY_CARE, NHS, "UZX004", ("Westbrook",)),
    ("Castle Street Surgery", Sector.PRIMARY_CARE, NHS, "XZ0001", ("Riverside City",)),
    ("Riverside Medical Centre", Sector.PRIMARY_CARE, NHS, "XZ0002", ("Riverside City",)),
    ("Quayside Health Centre", Sector.PRIMARY_CARE, NHS, "XZ0003", ("Riverside City",)),
    ("Northvale Family Practice", Sector.PRIMARY_CARE, NHS, "XZ0004", ("Northvale",)),
    ("Hillcrest Surgery", Sector.PRIMARY_CARE, NHS, "XZ0005", ("Northvale",)),
    ("Moor Lane Medical Practice", Sector.PRIMARY_CARE, NHS, "XZ0006", ("Northvale",)),
    ("Eastmarsh Health Centre", Sector.PRIMARY_CARE, NHS, "XZ0007", ("Eastmarsh",)),
    ("Saltings Surgery", Sector.PRIMARY_CARE, NHS, "XZ0008", ("Eastmarsh",)),
    ("Westbrook Medical Group", Sector.PRIMARY_CARE, NHS, "XZ0009", ("Westbrook",)),
    ("Orchard Surgery", Sector.PRIMARY_CARE, NHS, "XZ0010", ("Westbrook",)),
    ("Harbour Road Pharmacy", Sector.PRIMARY_CARE, NHS, "FZX01", ("Eastmarsh",)),
    # Councils.
    ("Valeshire County Council", Sector.LOCAL_AUTHORITY, LAE, "VZX", ("Northvale", "Eastmarsh", "Westbrook")),
    ("Riverside City Council", Sector.LOCAL_AUTHORITY, LAE, "RZX", ("Riverside City",)),
    # Care homes and home care.
    ("Willow Court Care Home", Sector.SOCIAL_CARE_PROVIDER, COH, "99000101", ("Riverside City",)),
    ("Meadowbank Nursing Home", Sector.SOCIAL_CARE_PROVIDER, COH, "99000102", ("Northvale",)),
    ("Harbour View Care Home", Sector.SOCIAL_CARE_PROVIDER, COH, "99000103", ("Eastmarsh",)),
    (
        "Riverside Home Care Ltd",
        Sector.SOCIAL_CARE_PROVIDER,
        COH,
        "99000104",
        ("Riverside City", "Westbrook"),
    ),
    ("Northvale Community Carers CIC", Sector.SOCIAL_CARE_PROVIDER, COH, "99000105", ("Northvale",)),
    # Voluntary, community and social enterprise.
    ("St Anne's Hospice Riverside", Sector.VCSE, CHC, "9900101", ALL_PLACES),
    ("Riverside Food Bank", Sector.VCSE, CHC, "9900102", ("Riverside City", "Eastmarsh")),
    ("Riverside Carers' Centre", Sector.VCSE, CHC, "9900103", ALL_PLACES),
    ("Riverside Refugee Welcome", Sector.VCSE, CHC, "9900104", ("Riverside City",)),
    ("Northvale Men's Shed", Sector.VCSE, CHC, "9900105", ("Northvale",)),
    ("Eastmarsh Community Garden", Sector.VCSE, CHC, "9900106", ("Eastmarsh",)),
    ("Westbrook Youth Project", Sector.VCSE, CHC, "9900107", ("Westbrook",)),
    ("Age Well Riverside", Sector.VCSE, CHC, "9900108", ALL_PLACES),
    ("Riverside Council for Voluntary Service", Sector.VCSE, CHC, "9900109", ALL_PLACES),
    # Healthwatch, residents, and partners outside health and care.
    ("Healthwatch Riverside", Sector.HEALTHWATCH, COH, "99000201", ALL_PLACES),
    ("Riverside Residents' Health Panel", Sector.COMMUNITY_RESIDENT, "", "", ALL_PLACES),
    ("Westbrook Tenants and Residents Association", Sector.COMMUNITY_RESIDENT, "", "", ("Westbrook",)),
    ("Riverside Homes Housing Association", Sector.OTHER, COH, "99000301", ALL_PLACES),
    ("Valeshire Fire and Rescue Service", Sector.OTHER, "", "", ALL_PLACES),
    ("University of Riverside", Sector.OTHER, CHC, "9900301", ("Riverside City",)),
]

# The seed statements, with the stance of each planted group: (hospitals and flow, communities and
# prevention, primary and social care). Statements every group leans towards are the common ground.
SEED_STATEMENTS: list[tuple[str, str, tuple[int, int, int]]] = [
    (
        WORKING,
        "The discharge-to-assess team has cut the time people wait in hospital once they are well enough to leave.",
        (2, 1, 1),
    ),
    (
        WORKING,
        "Voluntary groups stepped up during the pandemic and showed what community-led support can do.",
        (2, 2, 2),
    ),
    (
        WORKING,
        "Social prescribing link workers in GP practices are connecting people with groups that help them.",
        (2, 2, 2),
    ),
    (
        WORKING,
        "The virtual ward lets people be treated at home who would otherwise be in a hospital bed.",
        (2, 1, 1),
    ),
    (
        WORKING,
        "Staff across our organisations know each other better than they did five years ago.",
        (2, 2, 2),
    ),
    (
        WORKING,
        "The food bank and the council's welfare advice working side by side helps families in crisis.",
        (0, 2, 1),
    ),
    (
        WORKING,
        "Community pharmacies are taking pressure off GP practices by treating minor illnesses.",
        (1, 1, -1),
    ),
    (
        WORKING,
        "The mental health crisis café in Riverside City is a better place to go than A&E for many people.",
        (2, 2, 2),
    ),
    (
        WORKING,
        "Shared care records mean staff in different organisations can see what they need to care for someone.",
        (2, 0, 1),
    ),
    (WORKING, "Healthwatch Riverside's reports have changed how services are designed.", (0, 2, -1)),
    (
        WORKING,
        "Hospices and care homes share end-of-life care plans, so more people die where they choose.",
        (1, 2, 2),
    ),
    (
        WORKING,
        "Evening and weekend GP appointments at the extended access hubs are easy to get.",
        (1, -2, 2),
    ),
    (WORKING, "The 24/7 mental health helpline answers quickly and knows local services.", (1, 0, -2)),
    (
        WORKING,
        "Paramedics and care homes working together have cut avoidable trips to hospital.",
        (2, 0, 1),
    ),
    (
        TOGETHER,
        "Fund care-home and home-care pay together, because losing care staff fills hospital beds with people "
        "waiting to go home.",
        (2, 1, 2),
    ),
    (
        TOGETHER,
        "Move a fixed share of the NHS budget each year from hospitals to prevention and community services.",
        (-2, 2, 1),
    ),
    (
        TOGETHER,
        "Give unpaid carers a named contact in every GP practice and a break they can book.",
        (1, 2, 2),
    ),
    (TOGETHER, "Make getting a GP appointment the first priority of the partnership.", (-1, 2, -1)),
    (
        TOGETHER,
        "Pool budgets for mental health support in schools between the NHS, the councils and the voluntary "
        "sector.",
        (1, 2, 1),
    ),
    (
        TOGETHER,
        "Offer free devices, data and help to people who cannot get online, before moving more services to apps.",
        (1, 2, 2),
    ),
    (
        TOGETHER,
        "Build health checks into housing services: damp and cold homes are making people ill.",
        (0, 2, 1),
    ),
    (TOGETHER, "Bring down waiting lists for planned operations before starting anything new.", (2, -2, -1)),
    (
        TOGETHER,
        "Treat community groups as partners with funding for several years, not as suppliers on one-year grants.",
        (-1, 2, 0),
    ),
    (
        TOGETHER,
        "Share one workforce plan across the NHS, councils and care providers, so we stop recruiting from each "
        "other.",
        (2, 1, 2),
    ),
    (TOGETHER, "Put mental health workers in every primary care network.", (1, 1, 2)),
    (TOGETHER, "Close small community hospitals and invest in care at home instead.", (1, -2, 1)),
    (
        TOGETHER,
        "Let residents help decide how the partnership spends its money, through a citizens' panel with real "
        "power.",
        (-1, 2, -1),
    ),
    (
        TOGETHER,
        "Use the community assets we already have, such as libraries, faith groups and leisure centres, as "
        "places for health.",
        (1, 2, 1),
    ),
    (
        TOGETHER,
        "Focus prevention on the neighbourhoods with the lowest life expectancy first, even if others wait.",
        (0, 2, 1),
    ),
    (
        TOGETHER,
        "Bring GP, community nursing and social care teams together in neighbourhood teams of 30,000 to 50,000 "
        "people.",
        (1, 1, 2),
    ),
    (
        TOGETHER,
        "Make digital tools, such as online booking and remote monitoring, the main way to meet rising demand.",
        (2, -1, 0),
    ),
    (
        TOGETHER,
        "Recruit and train local people into health and care jobs, with paid routes in for young people.",
        (2, 2, 2),
    ),
    (
        TOGETHER,
        "Make it easy for refugees and people without a fixed address to register with a GP.",
        (0, 2, 0),
    ),
    (TOGETHER, "Set shared targets for the partnership and publish progress every quarter.", (2, 0, -1)),
    (
        TOGETHER,
        "Stop asking voluntary groups to do unfunded work to fill gaps in statutory services.",
        (-1, 2, 0),
    ),
    (
        TOGETHER,
        "Give care homes the same access to NHS training, equipment and specialist advice as hospital wards.",
        (1, 1, 2),
    ),
    (
        TOGETHER,
        "Keep the A&E at Westbrook Hospital open even if it costs more than bringing emergency care together in "
        "the city.",
        (-2, 1, 1),
    ),
    (
        TOGETHER,
        "Support men's mental health through community spaces such as men's sheds, not only through clinics.",
        (0, 2, 1),
    ),
    (
        TOGETHER,
        "Agree one way of measuring whether people's health is improving, and use it in every decision.",
        (1, 1, 0),
    ),
    (
        TOGETHER,
        "Give people with long-term conditions one care plan that every service they use can see.",
        (2, 1, 2),
    ),
]

# Statements participants submitted: (theme, text, state, stances). Accepted ones are voted on; pending
# ones wait in the moderation queue; the rejected one shows what moderation is for.
SUBMITTED_STATEMENTS: list[tuple[str, str, str, tuple[int, int, int]]] = [
    (
        TOGETHER,
        "Let community transport take people to hospital appointments: missed appointments cost more than the "
        "buses.",
        Statement.State.ACCEPTED,
        (1, 2, 1),
    ),
    (
        TOGETHER,
        "Pay for interpreters in every service, including GP practices and pharmacies.",
        Statement.State.ACCEPTED,
        (0, 2, 1),
    ),
    (
        TOGETHER,
        "Open a walk-in mental health service in Eastmarsh like the one in the city.",
        Statement.State.PENDING,
        (0, 0, 0),
    ),
    (
        TOGETHER,
        "Publish how long people wait for an adult social care assessment.",
        Statement.State.PENDING,
        (0, 0, 0),
    ),
    (
        WORKING,
        "The evening support group for working carers at the library.",
        Statement.State.PENDING,
        (0, 0, 0),
    ),
    (TOGETHER, "Fix the potholes on Moor Lane.", Statement.State.REJECTED, (0, 0, 0)),
]

# Who takes part, by declared sector (None: skipped the question), and how their opinion groups split.
PARTICIPANT_SECTORS: list[tuple[str | None, float, tuple[float, float, float]]] = [
    (Sector.COMMUNITY_RESIDENT, 0.27, (0.10, 0.65, 0.25)),
    (Sector.VCSE, 0.11, (0.08, 0.72, 0.20)),
    (Sector.ACUTE, 0.10, (0.70, 0.10, 0.20)),
    (Sector.PRIMARY_CARE, 0.09, (0.15, 0.15, 0.70)),
    (Sector.SOCIAL_CARE_PROVIDER, 0.07, (0.10, 0.20, 0.70)),
    (Sector.LOCAL_AUTHORITY, 0.06, (0.20, 0.50, 0.30)),
    (Sector.COMMUNITY, 0.05, (0.30, 0.25, 0.45)),
    (Sector.MENTAL_HEALTH, 0.05, (0.35, 0.30, 0.35)),
    (Sector.ICB, 0.04, (0.70, 0.15, 0.15)),
    (Sector.AMBULANCE, 0.03, (0.65, 0.10, 0.25)),
    (Sector.HEALTHWATCH, 0.02, (0.05, 0.85, 0.10)),
    (Sector.OTHER, 0.03, (0.40, 0.40, 0.20)),
    (None, 0.08, (0.33, 0.40, 0.27)),
]

CONVERSATION_DAYS = 12


@dataclass
class DemoResult:
    system: System
    conversation: Conversation
    organisations: int
    places: int
    communities: int
    participants: int
    statements: int
    vote_events: int
    votes: int
    logins: list[str] = field(default_factory=list)


class DemoExists(Exception):
    """The demo system is already in the database."""


def _pick(rng: random.Random, weighted: list[tuple[Any, float]]) -> Any:
    items, weights = zip(*weighted, strict=True)
    return rng.choices(items, weights=weights, k=1)[0]


def _vote_value(rng: random.Random, stance: int) -> int:
    agree, disagree, _ = STANCE_PROBABILITIES[stance]
    r = rng.random()
    return 1 if r < agree else -1 if r < agree + disagree else 0


def _ensure_user(username: str, *, superuser: bool) -> tuple[Any, str | None]:
    """The demo account, created with a fresh password; an account that already exists keeps its own."""
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user, None
    password = secrets.token_urlsafe(12)
    if superuser:
        user = User.objects.create_superuser(username=username, email="", password=password)
    else:
        user = User.objects.create_user(username=username, password=password)
    record(None, "user.create", user, after={"username": username, "superuser": superuser, "demo": True})
    return user, password


def _base_url() -> str:
    host = os.environ.get("COMMONWEAL_HOST", "127.0.0.1")
    port = os.environ.get("COMMONWEAL_PORT", "8000")
    return f"http://{host}:{port}"


@transaction.atomic
def do_load_demo(*, participants: int = 300, seed: int = 7) -> DemoResult:
    """Create the Riverside demo system, its conversation, synthetic participants and their votes.

    Parameters
    ----------
    participants : int
        How many synthetic participants vote (each on 15 to 40 statements).
    seed : int
        The same seed gives the same organisations, participants (handles, declarations) and votes.

    Returns
    -------
    DemoResult
        What was created, with the login lines of the demo accounts created now (accounts that already
        existed keep their passwords and get no line).

    Raises
    ------
    DemoExists
        When a system with the demo's slug is already in the database.
    """
    if System.objects.filter(slug=SYSTEM_SLUG).exists():
        raise DemoExists(f"The demo system '{SYSTEM_NAME}' (slug '{SYSTEM_SLUG}') is already loaded.")
    rng = random.Random(seed)
    now = timezone.now()
    opened_at = now - timedelta(days=CONVERSATION_DAYS)

    system = System.objects.create(
        slug=SYSTEM_SLUG,
        name=SYSTEM_NAME,
        description=(
            "A fictional integrated care system of about a million people in four places, loaded by "
            "`commonweal demo` to show how the platform works. Every name in it is made up."
        ),
    )
    record(None, "system.create", system, after={"name": system.name, "slug": system.slug, "demo": True})

    places = {
        p.name: p
        for p in Place.objects.bulk_create(
            [Place(system=system, name=name, population=pop) for name, pop in PLACES]
        )
    }
    communities = Community.objects.bulk_create(
        [Community(system=system, name=n, kind=k, population_estimate=pop) for n, k, pop in COMMUNITIES]
    )
    organisations = Organisation.objects.bulk_create(
        [
            Organisation(
                system=system,
                name=name,
                sector=sector,
                identifier_scheme=scheme,
                identifier=ident,
                active_from=datetime(2022, 7, 1).date(),
            )
            for name, sector, scheme, ident, _ in ORGANISATIONS
        ]
    )
    Organisation.places.through.objects.bulk_create(
        [
            Organisation.places.through(organisation_id=org.pk, place_id=places[place_name].pk)
            for org, (*_, served) in zip(organisations, ORGANISATIONS, strict=True)
            for place_name in served
        ]
    )
    record(
        None,
        "system.demo_setup",
        system,
        after={"places": len(places), "communities": len(communities), "organisations": len(organisations)},
    )

    facilitator, facilitator_password = _ensure_user(FACILITATOR_USERNAME, superuser=False)
    role = SystemRole.objects.create(user=facilitator, system=system, role=SystemRole.Role.FACILITATOR)
    record(None, "system_role.grant", role, after={"user": facilitator.username, "role": role.role})
    admin, admin_password = _ensure_user(ADMIN_USERNAME, superuser=True)

    slug = CONVERSATION_SLUG if not Conversation.objects.filter(slug=CONVERSATION_SLUG).exists() else None
    conversation = Conversation.objects.create(
        system=system,
        **({"slug": slug} if slug else {}),
        title="Our next five years",
        question="What should our health and care partnership do together over the next five years?",
        description=(
            "The partnership is writing its integrated care strategy. Tell us what is already working and what "
            "we could do together: vote on each statement and add your own. It takes a few minutes, and you "
            "do not need to say who you are."
        ),
        status=Conversation.Status.OPEN,
        moderation=Conversation.Moderation.STRICT,
        participants_can_add=True,
        themes=list(DEFAULT_THEMES),
        opened_at=opened_at,
    )
    record(None, "conversation.create", conversation, after={"title": conversation.title})
    record(
        facilitator, "conversation.open", conversation, before={"status": "draft"}, after={"status": "open"}
    )

    seeds = Statement.objects.bulk_create(
        [
            Statement(
                conversation=conversation,
                text=text,
                normalised_text=normalise_text(text),
                theme=theme,
                is_seed=True,
                seeded_by=facilitator,
                state=Statement.State.ACCEPTED,
                moderated_at=opened_at - timedelta(hours=2),
                moderated_by=facilitator,
            )
            for theme, text, _ in SEED_STATEMENTS
        ]
    )
    Statement.objects.filter(pk__in=[s.pk for s in seeds]).update(created_at=opened_at - timedelta(hours=3))
    record(None, "conversation.seed", conversation, after={"statements": len(seeds)})
    stances: dict[int, tuple[int, int, int]] = {
        s.pk: stance for s, (*_, stance) in zip(seeds, SEED_STATEMENTS, strict=True)
    }

    # Participants: a declared sector (or none), an opinion group that depends on it, and optional
    # organisation, place and communities.
    sector_weights = [(row, row[1]) for row in PARTICIPANT_SECTORS]
    orgs_by_sector: dict[str, list[Organisation]] = {}
    for org in organisations:
        orgs_by_sector.setdefault(org.sector, []).append(org)
    place_weights = [(places[name], pop) for name, pop in PLACES]
    # Small communities are fewer among participants, though not in proportion (outreach finds them), so some
    # show as "fewer than 5" in breakdowns.
    community_weights = [(c, (c.population_estimate or 1) ** 0.5) for c in communities]
    home_place = {
        org.pk: places[served[0]]
        for org, (*_, served) in zip(organisations, ORGANISATIONS, strict=True)
        if len(served) == 1
    }
    people: list[Participant] = []
    groups: list[int] = []
    joined: list[datetime] = []
    declared_communities: list[list[Community]] = []
    for _ in range(participants):
        sector, _share, group_split = _pick(rng, sector_weights)
        group = _pick(rng, list(zip(range(len(GROUPS)), group_split, strict=True)))
        organisation = None
        if sector and sector in orgs_by_sector and rng.random() < 0.7:
            organisation = rng.choice(orgs_by_sector[sector])
        # Staff of an organisation that serves one place mostly live or work there.
        place = home_place.get(organisation.pk) if organisation is not None else None
        if place is None and rng.random() < 0.8:
            place = _pick(rng, place_weights)
        chosen: list[Community] = []
        if rng.random() < 0.45:
            for _ in range(rng.choice((1, 1, 2))):
                community = _pick(rng, community_weights)
                if community not in chosen:
                    chosen.append(community)
        at = opened_at + timedelta(seconds=rng.uniform(0, CONVERSATION_DAYS * 86400 - 3600))
        people.append(
            Participant(
                system=system,
                handle=f"{rng.getrandbits(64):016x}",
                consented_at=at,
                sector=sector or "",
                organisation=organisation,
                place=place,
                about_you_done=True,
            )
        )
        groups.append(group)
        joined.append(at)
        declared_communities.append(chosen)
    Participant.objects.bulk_create(people, batch_size=500)
    for person, at in zip(people, joined, strict=True):
        person.created_at = at
    Participant.objects.bulk_update(people, ["created_at"], batch_size=500)
    Participant.communities.through.objects.bulk_create(
        [
            Participant.communities.through(participant_id=person.pk, community_id=c.pk)
            for person, chosen in zip(people, declared_communities, strict=True)
            for c in chosen
        ],
        batch_size=1000,
    )
    participations = Participation.objects.bulk_create(
        [Participation(participant=p, conversation=conversation) for p in people], batch_size=500
    )
    for participation, at in zip(participations, joined, strict=True):
        participation.joined_at = at
    Participation.objects.bulk_update(participations, ["joined_at"], batch_size=500)

    # Statements submitted by participants, some accepted (and voted on), some waiting for moderation.
    submitted: list[Statement] = []
    for (theme, text, state, stance), author_index in zip(
        SUBMITTED_STATEMENTS, rng.sample(range(len(people)), k=len(SUBMITTED_STATEMENTS)), strict=True
    ):
        moderated = state != Statement.State.PENDING
        statement = Statement.objects.create(
            conversation=conversation,
            text=text,
            theme=theme,
            author=people[author_index],
            state=state,
            moderated_at=now - timedelta(days=1) if moderated else None,
            moderated_by=facilitator if moderated else None,
        )
        submitted.append(statement)
        if state == Statement.State.ACCEPTED:
            stances[statement.pk] = stance
    Statement.objects.filter(pk__in=[s.pk for s in submitted]).update(created_at=now - timedelta(days=2))
    votable = sorted(stances)

    # Votes: each participant sees 15 to 40 statements in a random order, one every few seconds. A few change
    # their mind later, so some current votes come from a second event.
    events: list[VoteEvent] = []
    current: list[tuple[int, int]] = []  # (participant index, index of the latest event)
    for i, person in enumerate(people):
        at = joined[i] + timedelta(seconds=20)
        count = min(len(votable), rng.randint(15, 40))
        for statement_id in rng.sample(votable, k=count):
            at += timedelta(seconds=rng.uniform(4, 25))
            value = _vote_value(rng, stances[statement_id][groups[i]])
            if rng.random() < 0.04:
                first = rng.choice([v for v in (1, 0, -1) if v != value])
                events.append(
                    VoteEvent(
                        conversation=conversation,
                        participant=person,
                        statement_id=statement_id,
                        value=first,
                        at=at,
                    )
                )
                at += timedelta(seconds=rng.uniform(30, 600))
            events.append(
                VoteEvent(
                    conversation=conversation,
                    participant=person,
                    statement_id=statement_id,
                    value=value,
                    at=at,
                )
            )
            current.append((i, len(events) - 1))
    VoteEvent.objects.bulk_create(events, batch_size=2000)
    Vote.objects.bulk_create(
        [
            Vote(
                conversation=conversation,
                participant=people[i],
                statement_id=events[e].statement_id,
                value=events[e].value,
                updated_at=events[e].at,
                event=events[e],
            )
            for i, e in current
        ],
        batch_size=2000,
    )

    # The system map: two survey rounds, interdependencies and joint work (commonweal.network.seeds).
    load_network_demo(system, organisations, communities, facilitator=facilitator, seed=seed, now=now)

    result = DemoResult(
        system=system,
        conversation=conversation,
        organisations=len(organisations),
        places=len(places),
        communities=len(communities),
        participants=len(people),
        statements=len(seeds) + len(submitted),
        vote_events=len(events),
        votes=len(current),
    )
    record(
        None,
        "demo.load",
        system,
        after={
            "seed": seed,
            "participants": result.participants,
            "statements": result.statements,
            "vote_events": result.vote_events,
            "votes": result.votes,
        },
    )
    login_url = f"{_base_url()}/accounts/login/"
    if facilitator_password:
        result.logins.append(
            f"Demo facilitator login: {FACILITATOR_USERNAME} / {facilitator_password}  ({login_url})"
        )
    if admin_password:
        result.logins.append(f"Demo administrator login: {ADMIN_USERNAME} / {admin_password}  ({login_url})")
    return result


def login_file() -> Path:
    return Path(settings.DATA_DIR) / LOGIN_FILE_NAME


def _write_login_file(lines: list[str]) -> Path:
    path = login_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    # Created with owner-only permissions from the start, so the passwords are never readable by others.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write("\n".join(lines) + "\n")
    path.chmod(0o600)
    return path


def load_demo(*, if_empty: bool = False, participants: int = 300, seed: int = 7) -> int:
    """``commonweal demo``: load the demo system, print what was made and the logins; the exit code."""
    if participants < 0:
        print("--participants must be 0 or more.")
        return 2
    if if_empty and System.objects.exists():
        print("The database already has a system, so the demo was not loaded.")
        if login_file().exists():
            print(f"Demo logins are in {login_file()}.")
        return 0
    try:
        result = do_load_demo(participants=participants, seed=seed)
    except DemoExists as exc:
        print(f"{exc} Nothing was changed. Delete that system first to load the demo again.")
        return 1
    _analyse_demo(result)
    base = _base_url()
    print(
        f"Loaded the demo system {result.system.name}: {result.organisations} organisations, "
        f"{result.places} places, {result.communities} communities, {result.participants:,} participants "
        f"and {result.votes:,} votes on {result.statements} statements."
    )
    conversation_line = f"Demo conversation: {base}/c/{result.conversation.slug}/"
    map_line = f"Demo system map (sign in first): {base}/manage/systems/{result.system.slug}/network/"
    if result.logins:
        lines = [*result.logins, conversation_line, map_line]
        path = _write_login_file(lines)
        for line in lines:
            print(line)
        print(f"(Saved in {path}, readable only by you; `commonweal serve` shows it again.)")
    else:
        print(conversation_line)
        print(map_line)
        print("The demo accounts already existed, so their passwords were not changed.")
    return 0


def _analyse_demo(result: DemoResult) -> None:
    """The demo conversation's first analysis snapshot, so its results and report have something to show at once
    (the analysis worker keeps it up to date from then on). A failure is reported, never fatal: the demo is
    loaded either way, and the worker tries again."""
    from commonweal.conversations.jobs.compute import compute_snapshot

    try:
        snapshot = compute_snapshot(result.conversation)
    except Exception as exc:  # noqa: BLE001 - logged by compute_snapshot
        print(
            f"The demo conversation could not be analysed yet ({type(exc).__name__}: {exc}); the worker will retry."
        )
        return
    if snapshot is not None:
        groups = snapshot.result.get("k", 0)
        print(
            f"Analysed the demo conversation: {groups} opinion group{'s' if groups != 1 else ''} "
            f"({snapshot.duration_ms / 1000:.1f} s)."
        )
