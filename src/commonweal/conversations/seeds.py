"""The demo's conversation: "Our next five years", in the Riverside system, with a few hundred synthetic
participants and their votes.

Called by :func:`commonweal.demo.do_load_demo` inside its transaction, with the system the systems app's seeds
made. The participants fall into three planted opinion groups (people close to the hospitals and system flow;
communities and prevention; the primary and social care front line), so the analysis finds groups, common ground
that every group agrees with, and divisive statements.

The participants, statements and votes are written in bulk (a few thousand rows a second): the conversation is
new and nobody else can write to it yet. The votes go through the conversations app's own bulk loader,
:func:`commonweal.conversations.participate.actions.bulk_load_votes`, as the Pol.is import's do. The same
``seed`` gives the same participants (handles, declarations) and votes.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from commonweal.conversations.models import (
    DEFAULT_THEMES,
    Conversation,
    ConversationTranslation,
    Participant,
    Participation,
    Statement,
    StatementTranslation,
)
from commonweal.conversations.participate.actions import bulk_load_votes
from commonweal.core.audit import record
from commonweal.core.text import duplicate_key
from commonweal.systems.models import Community, Organisation, Place, Sector, System

CONVERSATION_SLUG = "riverside-together"
CONVERSATION_DAYS = 12

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


@dataclass(frozen=True)
class ConversationSeeds:
    """What :func:`load_conversation_demo` made."""

    conversation: Conversation
    participants: int
    statements: int
    vote_events: int
    votes: int


def _pick(rng: random.Random, weighted: list[tuple[Any, float]]) -> Any:
    items, weights = zip(*weighted, strict=True)
    return rng.choices(items, weights=weights, k=1)[0]


def _vote_value(rng: random.Random, stance: int) -> int:
    agree, disagree, _ = STANCE_PROBABILITIES[stance]
    r = rng.random()
    return 1 if r < agree else -1 if r < agree + disagree else 0


def _create_conversation(system: System, facilitator: Any, opened_at: datetime) -> Conversation:
    """The conversation, open since ``opened_at``, with the demo's slug unless another conversation has it."""
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
    return conversation


def _seed_statements(conversation: Conversation, facilitator: Any, opened_at: datetime) -> list[Statement]:
    """The facilitator's seed statements, accepted a couple of hours before the conversation opened."""
    seeds = Statement.objects.bulk_create(
        [
            Statement(
                conversation=conversation,
                text=text,
                normalised_text=duplicate_key(text),
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
    return seeds


@dataclass
class _Population:
    """Who may take part: the weights participants are drawn with."""

    sectors: list[tuple[tuple[str | None, float, tuple[float, float, float]], float]]
    organisations_by_sector: dict[str, list[Organisation]]
    places: list[tuple[Place, float]]
    communities: list[tuple[Community, float]]
    # Staff of an organisation that serves one place mostly live or work there.
    home_place: dict[int, Place]


def _population(
    organisations: Sequence[Organisation], places: Sequence[Place], communities: Sequence[Community]
) -> _Population:
    by_sector: dict[str, list[Organisation]] = {}
    for org in organisations:
        by_sector.setdefault(org.sector, []).append(org)
    served: dict[int, list[int]] = {org.pk: [] for org in organisations}
    for org_id, place_id in Organisation.places.through.objects.filter(
        organisation__in=[o.pk for o in organisations]
    ).values_list("organisation_id", "place_id"):
        served[org_id].append(place_id)
    place_by_pk = {p.pk: p for p in places}
    return _Population(
        sectors=[(row, row[1]) for row in PARTICIPANT_SECTORS],
        organisations_by_sector=by_sector,
        places=[(p, p.population or 0) for p in places],
        # Small communities are fewer among participants, though not in proportion (outreach finds them), so
        # some show as "fewer than 5" in breakdowns.
        communities=[(c, (c.population_estimate or 1) ** 0.5) for c in communities],
        home_place={org_id: place_by_pk[ids[0]] for org_id, ids in served.items() if len(ids) == 1},
    )


@dataclass
class _Person:
    """A synthetic participant, not saved yet, with the opinion group they vote from."""

    participant: Participant
    group: int
    joined: datetime
    communities: list[Community] = field(default_factory=list)


def _draw_person(rng: random.Random, population: _Population, system: System, opened_at: datetime) -> _Person:
    """A declared sector (or none), an opinion group that depends on it, and optional organisation, place and
    communities. The order of the draws is part of what a seed means: keep it."""
    sector, _share, group_split = _pick(rng, population.sectors)
    group = _pick(rng, list(zip(range(len(GROUPS)), group_split, strict=True)))
    organisation = None
    if sector and sector in population.organisations_by_sector and rng.random() < 0.7:
        organisation = rng.choice(population.organisations_by_sector[sector])
    place = population.home_place.get(organisation.pk) if organisation is not None else None
    if place is None and rng.random() < 0.8:
        place = _pick(rng, population.places)
    chosen: list[Community] = []
    if rng.random() < 0.45:
        for _ in range(rng.choice((1, 1, 2))):
            community = _pick(rng, population.communities)
            if community not in chosen:
                chosen.append(community)
    at = opened_at + timedelta(seconds=rng.uniform(0, CONVERSATION_DAYS * 86400 - 3600))
    participant = Participant(
        system=system,
        handle=f"{rng.getrandbits(64):016x}",
        consented_at=at,
        sector=sector or "",
        organisation=organisation,
        place=place,
        about_you_done=True,
    )
    return _Person(participant, group, at, chosen)


def _write_people(conversation: Conversation, people: list[_Person]) -> list[Participant]:
    """Save the participants, their communities and their joining the conversation, at the times drawn."""
    participants = [person.participant for person in people]
    Participant.objects.bulk_create(participants, batch_size=500)
    for person in people:
        person.participant.created_at = person.joined
    Participant.objects.bulk_update(participants, ["created_at"], batch_size=500)
    Participant.communities.through.objects.bulk_create(
        [
            Participant.communities.through(participant_id=person.participant.pk, community_id=c.pk)
            for person in people
            for c in person.communities
        ],
        batch_size=1000,
    )
    participations = Participation.objects.bulk_create(
        [Participation(participant=p, conversation=conversation) for p in participants], batch_size=500
    )
    for participation, person in zip(participations, people, strict=True):
        participation.joined_at = person.joined
    Participation.objects.bulk_update(participations, ["joined_at"], batch_size=500)
    return participants


def _submitted_statements(
    rng: random.Random,
    conversation: Conversation,
    participants: list[Participant],
    facilitator: Any,
    now: datetime,
) -> tuple[list[Statement], dict[int, tuple[int, int, int]]]:
    """Statements participants submitted, some accepted, some waiting for moderation, one rejected; and the
    planted stances of the accepted ones (they are voted on)."""
    submitted: list[Statement] = []
    stances: dict[int, tuple[int, int, int]] = {}
    authors = rng.sample(range(len(participants)), k=len(SUBMITTED_STATEMENTS))
    for (theme, text, state, stance), author_index in zip(SUBMITTED_STATEMENTS, authors, strict=True):
        moderated = state != Statement.State.PENDING
        statement = Statement.objects.create(
            conversation=conversation,
            text=text,
            theme=theme,
            author=participants[author_index],
            state=state,
            moderated_at=now - timedelta(days=1) if moderated else None,
            moderated_by=facilitator if moderated else None,
        )
        submitted.append(statement)
        if state == Statement.State.ACCEPTED:
            stances[statement.pk] = stance
    Statement.objects.filter(pk__in=[s.pk for s in submitted]).update(created_at=now - timedelta(days=2))
    return submitted, stances


@dataclass
class _Votes:
    """Vote events in the order they are stored: participant, statement, value and time of each."""

    participant_ids: list[int] = field(default_factory=list)
    statement_ids: list[int] = field(default_factory=list)
    values: list[int] = field(default_factory=list)
    at: list[datetime] = field(default_factory=list)

    def add(self, participant_id: int, statement_id: int, value: int, at: datetime) -> None:
        self.participant_ids.append(participant_id)
        self.statement_ids.append(statement_id)
        self.values.append(value)
        self.at.append(at)


def _draw_votes(
    rng: random.Random, people: list[_Person], stances: dict[int, tuple[int, int, int]]
) -> _Votes:
    """Each participant sees 15 to 40 statements in a random order, one every few seconds. A few change their
    mind later, so some current votes come from a second event."""
    votable = sorted(stances)
    votes = _Votes()
    for person in people:
        at = person.joined + timedelta(seconds=20)
        count = min(len(votable), rng.randint(15, 40))
        for statement_id in rng.sample(votable, k=count):
            at += timedelta(seconds=rng.uniform(4, 25))
            value = _vote_value(rng, stances[statement_id][person.group])
            if rng.random() < 0.04:
                first = rng.choice([v for v in (1, 0, -1) if v != value])
                votes.add(person.participant.pk, statement_id, first, at)
                at += timedelta(seconds=rng.uniform(30, 600))
            votes.add(person.participant.pk, statement_id, value, at)
    return votes


#: The demo's title, question and first seed statements in Welsh and Urdu (awaiting review by a native speaker),
#: so that the participant pages show translated statements, and the original where there is none.
DEMO_TRANSLATIONS: dict[str, dict[str, Any]] = {
    "cy": {
        "title": "Ein pum mlynedd nesaf",
        "question": "Beth ddylai ein partneriaeth iechyd a gofal ei wneud gyda'n gilydd dros y pum mlynedd nesaf?",
        "statements": [
            "Mae'r tîm rhyddhau-i-asesu wedi lleihau'r amser y mae pobl yn aros yn yr ysbyty ar ôl iddynt fod yn "
            "ddigon iach i adael.",
            "Camodd grwpiau gwirfoddol i'r adwy yn ystod y pandemig a dangos beth all cymorth dan arweiniad y "
            "gymuned ei wneud.",
            "Mae gweithwyr cyswllt presgripsiynu cymdeithasol mewn practisau meddygon teulu yn cysylltu pobl â "
            "grwpiau sy'n eu helpu.",
            "Mae'r ward rithwir yn gadael i bobl gael triniaeth gartref a fyddai fel arall mewn gwely ysbyty.",
        ],
    },
    "ur": {
        "title": "ہمارے اگلے پانچ سال",
        "question": "ہماری صحت اور نگہداشت کی شراکت داری کو اگلے پانچ سالوں میں مل کر کیا کرنا چاہیے؟",
        "statements": [
            "ڈسچارج ٹو اسیس ٹیم نے وہ وقت کم کر دیا ہے جو لوگ صحت یاب ہونے کے بعد اسپتال میں انتظار کرتے ہیں۔",
            "وبا کے دوران رضاکار گروپ آگے بڑھے اور دکھایا کہ برادری کی قیادت میں مدد کیا کر سکتی ہے۔",
            "جی پی پریکٹسز میں سوشل پریسکرائبنگ لنک ورکرز لوگوں کو ایسے گروپوں سے جوڑ رہے ہیں جو ان کی مدد کرتے ہیں۔",
            "ورچوئل وارڈ ان لوگوں کا گھر پر علاج ممکن بناتا ہے جو بصورتِ دیگر اسپتال کے بستر پر ہوتے۔",
        ],
    },
}


def _translate_demo(conversation: Conversation, seeds: Sequence[Statement]) -> None:
    for language, texts in DEMO_TRANSLATIONS.items():
        ConversationTranslation.objects.create(
            conversation=conversation, language=language, title=texts["title"], question=texts["question"]
        )
        StatementTranslation.objects.bulk_create(
            StatementTranslation(statement=statement, language=language, text=text)
            for statement, text in zip(seeds, texts["statements"], strict=False)
        )


def load_conversation_demo(
    system: System,
    *,
    organisations: Sequence[Organisation],
    places: Sequence[Place],
    communities: Sequence[Community],
    facilitator: Any,
    participants: int,
    seed: int,
    now: datetime,
) -> ConversationSeeds:
    """Write the demo conversation, its statements, participants and votes (inside the caller's transaction).

    Parameters
    ----------
    system, organisations, places, communities
        The demo system and what it has, in the order the systems app's seeds made them.
    facilitator
        The demo facilitator: the seed statements and the moderation are theirs.
    participants
        How many synthetic participants vote (each on 15 to 40 statements).
    seed
        The same seed gives the same participants (handles, declarations) and votes.
    now
        The conversation opened :data:`CONVERSATION_DAYS` days before ``now``.
    """
    rng = random.Random(seed)
    opened_at = now - timedelta(days=CONVERSATION_DAYS)
    conversation = _create_conversation(system, facilitator, opened_at)
    seeds = _seed_statements(conversation, facilitator, opened_at)
    _translate_demo(conversation, seeds)
    stances = {s.pk: stance for s, (*_, stance) in zip(seeds, SEED_STATEMENTS, strict=True)}

    population = _population(organisations, places, communities)
    people = [_draw_person(rng, population, system, opened_at) for _ in range(participants)]
    saved = _write_people(conversation, people)
    submitted, submitted_stances = _submitted_statements(rng, conversation, saved, facilitator, now)
    stances.update(submitted_stances)

    votes = _draw_votes(rng, people, stances)
    loaded = bulk_load_votes(conversation, votes.participant_ids, votes.statement_ids, votes.values, votes.at)
    return ConversationSeeds(
        conversation=conversation,
        participants=len(saved),
        statements=len(seeds) + len(submitted),
        vote_events=loaded.vote_events,
        votes=loaded.votes,
    )
