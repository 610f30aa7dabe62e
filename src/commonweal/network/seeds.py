"""The demo system's map: two rounds of the relationship survey, interdependencies and a joint-work log.

Called by :func:`commonweal.demo.do_load_demo` inside its transaction, with its organisations. Everything
is written with ``bulk_create`` and drawn from a seeded random generator, so the same seed gives the same ratings.

What it plants, so the map and the measures have something to find:

- sector affinity: primary care works closely with community health, the local authorities with the social care
  providers and the VCSE, everyone with the ICB; organisations serving the same place work together more;
- two rounds, "2025" (closed) and "2026" (open), with some organisations not answering and some answering with two
  or three people; between the rounds some ties strengthen, weaken, appear or disappear;
- a few asymmetric pairs, where one side rates the relationship 4 (integration) and the other 1 (awareness);
- PRODUCT.md's interdependency: the care homes' and home-care providers' workforce capacity decides the acute
  trust's discharges, and the acute trust funds the care-home workforce (money the other way);
- a joint-work log: meetings, joint projects, a shared post, a pooled budget and a section 75 agreement.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from commonweal.core.audit import record
from commonweal.network.models import (
    Contribution,
    Interdependency,
    JointWork,
    Rating,
    SurveyInvitation,
    SurveyResponse,
    SurveyRound,
)
from commonweal.systems.models import Community, Organisation, Sector, System

S = Sector
# How closely two sectors tend to work, 0 to 4 (symmetric; a pair not listed gets OTHERWISE).
AFFINITY: dict[frozenset[str], float] = {
    frozenset({S.PRIMARY_CARE, S.COMMUNITY}): 3.3,
    frozenset({S.PRIMARY_CARE}): 2.6,
    frozenset({S.PRIMARY_CARE, S.MENTAL_HEALTH}): 2.4,
    frozenset({S.PRIMARY_CARE, S.ACUTE}): 2.2,
    frozenset({S.PRIMARY_CARE, S.VCSE}): 2.0,
    frozenset({S.PRIMARY_CARE, S.SOCIAL_CARE_PROVIDER}): 2.0,
    frozenset({S.LOCAL_AUTHORITY, S.SOCIAL_CARE_PROVIDER}): 3.4,
    frozenset({S.LOCAL_AUTHORITY, S.VCSE}): 3.0,
    frozenset({S.LOCAL_AUTHORITY}): 3.0,
    frozenset({S.LOCAL_AUTHORITY, S.COMMUNITY_RESIDENT}): 2.4,
    frozenset({S.LOCAL_AUTHORITY, S.OTHER}): 2.4,
    frozenset({S.ICB, S.ACUTE}): 3.6,
    frozenset({S.ICB, S.COMMUNITY}): 3.4,
    frozenset({S.ICB, S.MENTAL_HEALTH}): 3.4,
    frozenset({S.ICB, S.AMBULANCE}): 3.0,
    frozenset({S.ICB, S.PRIMARY_CARE}): 3.0,
    frozenset({S.ICB, S.LOCAL_AUTHORITY}): 3.2,
    frozenset({S.ICB, S.HEALTHWATCH}): 2.6,
    frozenset({S.ICB, S.VCSE}): 2.2,
    frozenset({S.ACUTE, S.COMMUNITY}): 3.2,
    frozenset({S.ACUTE, S.AMBULANCE}): 3.4,
    frozenset({S.ACUTE, S.MENTAL_HEALTH}): 2.6,
    frozenset({S.ACUTE, S.SOCIAL_CARE_PROVIDER}): 2.2,
    frozenset({S.ACUTE, S.LOCAL_AUTHORITY}): 2.4,
    frozenset({S.COMMUNITY, S.SOCIAL_CARE_PROVIDER}): 2.6,
    frozenset({S.COMMUNITY, S.MENTAL_HEALTH}): 2.6,
    frozenset({S.COMMUNITY, S.LOCAL_AUTHORITY}): 2.6,
    frozenset({S.MENTAL_HEALTH, S.LOCAL_AUTHORITY}): 2.4,
    frozenset({S.MENTAL_HEALTH, S.VCSE}): 2.0,
    frozenset({S.VCSE}): 2.0,
    frozenset({S.VCSE, S.COMMUNITY_RESIDENT}): 2.6,
    frozenset({S.VCSE, S.HEALTHWATCH}): 2.2,
    frozenset({S.HEALTHWATCH, S.COMMUNITY_RESIDENT}): 2.8,
    frozenset({S.HEALTHWATCH, S.LOCAL_AUTHORITY}): 2.0,
}
OTHERWISE = 0.8

# What a partner of each sector tends to contribute (respondents tick some of these).
CONTRIBUTES: dict[str, tuple[str, ...]] = {
    S.ICB: (Contribution.FUNDING, Contribution.FACILITATION, Contribution.DATA),
    S.ACUTE: (Contribution.EXPERTISE, Contribution.STAFF, Contribution.DATA),
    S.COMMUNITY: (Contribution.STAFF, Contribution.EXPERTISE, Contribution.INFORMATION),
    S.MENTAL_HEALTH: (Contribution.EXPERTISE, Contribution.STAFF),
    S.AMBULANCE: (Contribution.INFORMATION, Contribution.DATA),
    S.PRIMARY_CARE: (Contribution.INFORMATION, Contribution.EXPERTISE, Contribution.DATA),
    S.SOCIAL_CARE_PROVIDER: (Contribution.STAFF, Contribution.IN_KIND),
    S.LOCAL_AUTHORITY: (Contribution.FUNDING, Contribution.DATA, Contribution.FACILITATION, Contribution.IT),
    S.VCSE: (Contribution.VOLUNTEERS, Contribution.COMMUNITY_CONNECTIONS, Contribution.IN_KIND),
    S.HEALTHWATCH: (Contribution.ADVOCACY, Contribution.INFORMATION, Contribution.COMMUNITY_CONNECTIONS),
    S.COMMUNITY_RESIDENT: (
        Contribution.COMMUNITY_CONNECTIONS,
        Contribution.VOLUNTEERS,
        Contribution.ADVOCACY,
    ),
    S.OTHER: (Contribution.EXPERTISE, Contribution.IN_KIND),
}

ACUTE = "Riverside University Hospitals NHS Foundation Trust"
ICB = "NHS Riverside and Vale Integrated Care Board"
# (rater, partner): the rater says 4 (integration) and the partner says 1 (awareness), in both rounds.
ASYMMETRIC = [
    (ACUTE, "Harbour View Care Home"),
    (ICB, "Riverside Council for Voluntary Service"),
    ("Valeshire County Council", "Northvale Men's Shed"),
]
# Organisations that did not answer a round (the rest answer); none of them is in an asymmetric pair.
SILENT = {
    "2025": [
        "Valeshire Fire and Rescue Service",
        "University of Riverside",
        "Saltings Surgery",
        "Orchard Surgery",
    ],
    "2026": ["Valeshire Fire and Rescue Service", "Westbrook Youth Project", "Quayside Health Centre"],
}
# Ties that change on purpose between the rounds: (rater, partner, intensity in 2025, intensity in 2026).
CHANGES = [
    # The discharge programme brought the hospital, community health and the care homes closer.
    (ACUTE, "Willow Court Care Home", 1, 3),
    ("Willow Court Care Home", ACUTE, 1, 3),
    (ACUTE, "Riverside Community Health NHS Trust", 2, 4),
    # Social prescribing: the Food Bank and the primary care networks found each other.
    ("Riverside Food Bank", "Riverside Central Primary Care Network", 0, 2),
    ("Riverside Central Primary Care Network", "Riverside Food Bank", 0, 3),
    # A partnership that lapsed when its funding ended.
    ("Riverside Refugee Welcome", "Riverside and Vale Mental Health NHS Trust", 3, 0),
    ("Riverside and Vale Mental Health NHS Trust", "Riverside Refugee Welcome", 2, 0),
    ("Eastmarsh Community Garden", "Eastmarsh Health Centre", 3, 1),
]


@dataclass(frozen=True)
class NetworkDemoResult:
    rounds: int
    responses: int
    ratings: int
    interdependencies: int
    joint_work: int


def _affinity(a: Organisation, b: Organisation, shared_place: bool) -> float:
    base = AFFINITY.get(frozenset({a.sector, b.sector}), OTHERWISE)
    # Organisations serving the same place meet more; across places, less.
    return base + (0.5 if shared_place else -0.6)


def _true_ties(
    rng: random.Random, organisations: Sequence[Organisation], places: dict[int, set[int]]
) -> dict[tuple[int, int], int]:
    """Each organisation's view of each partner, 1 to 4, in the first round (pairs without a tie are absent).

    A relationship is mostly seen alike from both sides: the pair's strength is drawn once and each side's view
    differs from it a little, so asymmetric pairs are the few planted ones (and chance), not the rule."""
    ties: dict[tuple[int, int], int] = {}
    for i, a in enumerate(organisations):
        for b in organisations[i + 1 :]:
            mu = _affinity(a, b, bool(places[a.pk] & places[b.pk]))
            # A tie is likelier the closer the sectors are; its strength is near the affinity.
            if rng.random() < min(0.85, max(0.02, (mu - 1.0) / 4.0)):
                strength = mu + rng.gauss(0, 0.6)
                for pair in ((a.pk, b.pk), (b.pk, a.pk)):
                    ties[pair] = max(1, min(4, round(strength + rng.gauss(0, 0.35))))
    return ties


def _second_round(
    rng: random.Random, first: dict[tuple[int, int], int], ids: Sequence[int]
) -> dict[tuple[int, int], int]:
    """The ties a year on: most pairs stay, some strengthen or weaken by one, a few are lost and a few are new
    (a pair changes on both sides)."""
    second: dict[tuple[int, int], int] = {}
    for a, b in sorted(pair for pair in first if pair[0] < pair[1]):
        roll = rng.random()
        if roll < 0.05:
            continue  # lost
        step = 1 if roll < 0.16 else -1 if roll < 0.24 else 0
        for pair in ((a, b), (b, a)):
            if pair in first:
                second[pair] = max(1, min(4, first[pair] + step))
    for _ in range(len(first) // 40):
        a, b = rng.sample(list(ids), 2)
        if (a, b) not in second and (b, a) not in second:
            second[(a, b)] = second[(b, a)] = rng.choice((1, 1, 2, 2, 3))
    return second


def _item(rng: random.Random, centre: float) -> int:
    return max(1, min(4, round(centre + rng.gauss(0, 0.6))))


def _rating(
    rng: random.Random, response: SurveyResponse, partner: Organisation, intensity: int, *, noisy: bool
) -> Rating:
    if noisy:
        # Colleagues see the same relationship a little differently.
        intensity = max(0, min(4, intensity + rng.choice((-1, 0, 0, 0, 0, 0, 0, 1))))
    trust_centre = 1.6 + 0.5 * intensity
    value_centre = 1.4 + 0.55 * intensity
    offered = CONTRIBUTES.get(partner.sector, ())
    contributions = sorted({c for c in offered if rng.random() < 0.15 + 0.15 * intensity})
    unanswered = rng.random() < 0.08  # some leave the value questions for later
    return Rating(
        response=response,
        partner=partner,
        intensity=intensity,
        trust_openness=_item(rng, trust_centre + 0.2),
        trust_reliability=_item(rng, trust_centre),
        trust_mission=_item(rng, trust_centre - 0.1),
        value_power=None if unanswered else _item(rng, value_centre - 0.2),
        value_involvement=None if unanswered else _item(rng, value_centre),
        value_resources=None if unanswered else _item(rng, value_centre - 0.3),
        contributions=contributions,
    )


def _survey_round(
    rng: random.Random,
    system: System,
    organisations: Sequence[Organisation],
    ties: dict[tuple[int, int], int],
    *,
    name: str,
    opened_at: datetime,
    closed_at: datetime | None,
    facilitator: Any,
    now: datetime,
) -> tuple[int, int]:
    """Write one round, its links, responses and ratings; return (responses, ratings)."""
    survey_round = SurveyRound.objects.create(
        system=system,
        name=name,
        status=SurveyRound.Status.CLOSED if closed_at else SurveyRound.Status.OPEN,
        opened_at=opened_at,
        closed_at=closed_at,
        created_by=facilitator,
    )
    record(
        facilitator,
        "survey_round.open",
        survey_round,
        after={"name": name, "status": "open", "links": len(organisations), "demo": True},
        system=system,
    )
    if closed_at:
        record(
            facilitator,
            "survey_round.close",
            survey_round,
            before={"name": name, "status": "open"},
            after={"name": name, "status": "closed"},
            system=system,
        )
    invitations = SurveyInvitation.objects.bulk_create(
        [SurveyInvitation(round=survey_round, organisation=o) for o in organisations]
    )
    by_id = {o.pk: o for o in organisations}
    silent = set(SILENT[name])
    pk_of = {o.name: o.pk for o in organisations}
    forced = {(pk_of[a], pk_of[b]) for a, b in ASYMMETRIC}
    end = closed_at or now
    responses: list[SurveyResponse] = []
    plans: list[tuple[SurveyResponse, int, bool]] = []  # (response, rater organisation id, finished)
    for invitation in invitations:
        org = invitation.organisation
        if org.name in silent:
            continue
        # Most organisations answer with one person, some with two or three.
        for _ in range(rng.choice((1, 1, 1, 2, 2, 3))):
            started = opened_at + (end - opened_at) * rng.uniform(0.02, 0.9)
            finished = closed_at is not None or rng.random() < 0.75
            response = SurveyResponse(
                invitation=invitation,
                respondent_role=rng.choice(
                    ("", "", "Head of partnerships", "Chief executive", "Service manager", "Practice manager")
                ),
                started_at=started,
                submitted_at=started + timedelta(minutes=rng.randint(12, 50)) if finished else None,
            )
            responses.append(response)
            plans.append((response, org.pk, finished))
    SurveyResponse.objects.bulk_create(responses)

    respondents = Counter(rater for _, rater, _ in plans)
    ratings: list[Rating] = []
    for response, rater, finished in plans:
        partners = sorted(p for (a, p) in ties if a == rater)
        for partner in partners:
            pair = (rater, partner)
            if pair in forced:
                ratings.append(_rating(rng, response, by_id[partner], 4, noisy=False))
                continue
            if (partner, rater) in forced:
                ratings.append(_rating(rng, response, by_id[partner], 1, noisy=False))
                continue
            if respondents[rater] > 1 and rng.random() < 0.12:
                continue  # one colleague forgets a partner another remembers
            rating = _rating(rng, response, by_id[partner], ties[pair], noisy=True)
            if not finished and respondents[rater] > 1 and rng.random() < 0.3:
                # Picked, not rated yet: a colleague still going (their organisation's answer stands on the
                # others' ratings meanwhile, so the half-done answers do not read as "no relationship").
                rating.intensity = None
                rating.contributions = []
            ratings.append(rating)
    Rating.objects.bulk_create(ratings, batch_size=1000)
    return len(responses), len(ratings)


def _interdependencies(
    system: System, by_name: dict[str, Organisation], communities: dict[str, Community], facilitator: Any
) -> list[Interdependency]:
    K, S_ = Interdependency.Kind, Interdependency.Strength
    H, M, L = S_.HIGH, S_.MEDIUM, S_.LOW
    acute = by_name[ACUTE]
    rows: list[Interdependency] = []

    def add(
        source: Organisation | Community,
        target: Organisation | Community,
        kind: str,
        description: str,
        strength: str | None = None,
        evidence: str = "",
    ) -> None:
        ends: dict[str, Any] = {}
        ends["from_organisation" if isinstance(source, Organisation) else "from_community"] = source
        ends["to_organisation" if isinstance(target, Organisation) else "to_community"] = target
        rows.append(
            Interdependency(
                system=system,
                kind=kind,
                description=description,
                strength=strength or Interdependency.Strength.MEDIUM,
                evidence=evidence,
                created_by=facilitator,
                **ends,
            )
        )

    # PRODUCT.md's example: care-home staff capacity decides how fast the hospital can discharge people.
    for org in by_name.values():
        if org.sector == Sector.SOCIAL_CARE_PROVIDER:
            add(
                org,
                acute,
                K.CAPACITY,
                f"{org.name}'s workforce capacity decides how quickly people who are well enough to leave "
                "hospital can be discharged to a care-home place or care at home.",
                H,
                "About 40 hospital beds a day held by people waiting for a care-home place or home care "
                "(the trust's discharge data, winter 2025).",
            )
    for name in ("Willow Court Care Home", "Meadowbank Nursing Home", "Harbour View Care Home"):
        add(
            acute,
            by_name[name],
            K.MONEY,
            "The acute trust funds a care-home workforce scheme (recruitment and retention payments), because "
            "losing care-home staff fills its own beds with delayed discharges.",
            H,
            "Board paper on the workforce scheme, March 2025.",
        )
    add(
        by_name["Vale and Coast Ambulance Service NHS Trust"],
        acute,
        K.PATIENTS,
        "Emergency conveyances: most of the hospital's emergency admissions arrive by ambulance.",
        H,
    )
    add(
        acute,
        by_name["Riverside Community Health NHS Trust"],
        K.PATIENTS,
        "People discharged home with community nursing and rehabilitation.",
        H,
    )
    add(
        by_name["Riverside Central Primary Care Network"],
        acute,
        K.PATIENTS,
        "GP referrals to outpatients and same-day emergency care.",
        M,
    )
    add(
        by_name["Riverside and Vale Mental Health NHS Trust"],
        by_name["Northvale Primary Care Network"],
        K.STAFF,
        "Mental health practitioners employed by the trust work in the network's practices.",
        M,
    )
    add(
        by_name["Riverside Community Health NHS Trust"],
        by_name["Eastmarsh Coastal Primary Care Network"],
        K.STAFF,
        "District nurses shared across the network's practices.",
        M,
    )
    add(
        by_name["Castle Street Surgery"],
        acute,
        K.INFORMATION,
        "The shared care record: GP records available in the emergency department.",
        M,
    )
    add(
        by_name["Healthwatch Riverside"],
        by_name[ICB],
        K.INFORMATION,
        "What residents tell Healthwatch about services, reported to the board each quarter.",
        M,
    )
    add(by_name[ICB], acute, K.MONEY, "The trust's main contract for hospital care.", H)
    add(
        by_name["Valeshire County Council"],
        by_name["Riverside Home Care Ltd"],
        K.MONEY,
        "Commissioned home-care hours for people eligible for adult social care.",
        H,
    )
    add(
        by_name[ICB],
        by_name["Riverside Council for Voluntary Service"],
        K.MONEY,
        "A small-grants fund for VCSE prevention work, run by the CVS.",
        L,
    )
    # An organisation to a community, and a community to an organisation.
    add(
        by_name["Riverside Food Bank"],
        communities["People experiencing homelessness"],
        K.OTHER,
        "Food parcels and a weekly drop-in with a housing adviser.",
        M,
    )
    add(
        communities["Unpaid carers"],
        by_name["Riverside Carers' Centre"],
        K.CAPACITY,
        "Unpaid carers run the centre's peer-support groups: an extended workforce the centre depends on.",
        H,
        "Volunteer register of the Carers' Centre, 2025.",
    )
    return Interdependency.objects.bulk_create(rows)


def _joint_work(system: System, by_name: dict[str, Organisation], facilitator: Any) -> list[JointWork]:
    J = JointWork.Kind
    entries = [
        (
            "Riverside place partnership board",
            J.MEETING,
            date(2024, 4, 10),
            None,
            "Monthly meeting of the partners serving Riverside City.",
            [
                ICB,
                "Riverside City Council",
                ACUTE,
                "Riverside Community Health NHS Trust",
                "Healthwatch Riverside",
                "Riverside Council for Voluntary Service",
            ],
        ),
        (
            "Home first: discharge to assess",
            J.JOINT_PROJECT,
            date(2025, 6, 2),
            None,
            "People go home (or to a care home) to be assessed, instead of waiting in a hospital bed.",
            [
                ACUTE,
                "Riverside Community Health NHS Trust",
                "Valeshire County Council",
                "Willow Court Care Home",
                "Riverside Home Care Ltd",
            ],
        ),
        (
            "Joint director of integrated commissioning",
            J.SHARED_POST,
            date(2025, 1, 6),
            None,
            "One director commissioning for the ICB and the city council together.",
            [ICB, "Riverside City Council"],
        ),
        (
            "Better Care Fund pooled budget",
            J.POOLED_BUDGET,
            date(2025, 4, 1),
            date(2026, 3, 31),
            "The NHS and the councils pool money for community services and discharge support.",
            [ICB, "Valeshire County Council", "Riverside City Council"],
        ),
        (
            "Section 75 agreement: community equipment",
            J.S75_AGREEMENT,
            date(2024, 10, 1),
            None,
            "The county council hosts one equipment service for the NHS and social care.",
            ["Valeshire County Council", ICB, "Riverside Community Health NHS Trust"],
        ),
        (
            "Social prescribing link workers",
            J.JOINT_PROJECT,
            date(2025, 9, 15),
            None,
            "Link workers in the primary care networks connect people with local groups and support.",
            [
                "Riverside Central Primary Care Network",
                "Riverside Council for Voluntary Service",
                "Age Well Riverside",
                "Riverside Food Bank",
            ],
        ),
        (
            "Care-home workforce summit",
            J.MEETING,
            date(2025, 2, 20),
            date(2025, 2, 20),
            "The hospital and the care homes agreed the workforce scheme that the trust now funds.",
            [
                ACUTE,
                "Willow Court Care Home",
                "Meadowbank Nursing Home",
                "Harbour View Care Home",
                "Valeshire County Council",
            ],
        ),
        (
            "High intensity use service",
            J.JOINT_PROJECT,
            date(2025, 11, 3),
            None,
            "Ambulance, mental health and primary care plan together with people who call 999 most often.",
            [
                "Vale and Coast Ambulance Service NHS Trust",
                "Riverside and Vale Mental Health NHS Trust",
                "Northvale Primary Care Network",
            ],
        ),
    ]
    works = JointWork.objects.bulk_create(
        [
            JointWork(
                system=system,
                title=title,
                kind=kind,
                started_on=started,
                ended_on=ended,
                description=description,
                created_by=facilitator,
            )
            for title, kind, started, ended, description, _ in entries
        ]
    )
    JointWork.organisations.through.objects.bulk_create(
        [
            JointWork.organisations.through(jointwork_id=work.pk, organisation_id=by_name[name].pk)
            for work, (*_, names) in zip(works, entries, strict=True)
            for name in names
        ]
    )
    return works


def load_network_demo(
    system: System,
    organisations: Sequence[Organisation],
    communities: Sequence[Community],
    *,
    facilitator: Any,
    seed: int,
    now: datetime,
) -> NetworkDemoResult:
    """Write the demo's survey rounds, interdependencies and joint work (inside the caller's transaction).

    Parameters
    ----------
    system, organisations, communities
        The demo system and what it has (the organisations with their primary keys).
    facilitator
        The demo facilitator: the rounds, interdependencies and joint work are theirs.
    seed
        The same seed gives the same ratings.
    now
        The round "2026" opened three weeks before ``now``; "2025" a year before that, for two months.
    """
    rng = random.Random(f"network-{seed}")
    by_name = {o.name: o for o in organisations}
    ids = [o.pk for o in organisations]
    places: dict[int, set[int]] = {o.pk: set() for o in organisations}
    for org_id, place_id in Organisation.places.through.objects.filter(organisation__in=ids).values_list(
        "organisation_id", "place_id"
    ):
        places[org_id].add(place_id)

    first = _true_ties(rng, organisations, places)
    second = _second_round(rng, first, ids)
    for rater, partner, before, after in CHANGES:
        pair = (by_name[rater].pk, by_name[partner].pk)
        for ties, value in ((first, before), (second, after)):
            if value:
                ties[pair] = value
            else:
                ties.pop(pair, None)
    for a, b in ASYMMETRIC:
        for ties in (first, second):
            ties[(by_name[a].pk, by_name[b].pk)] = 4
            ties[(by_name[b].pk, by_name[a].pk)] = 1

    opened_2026 = now - timedelta(days=21)
    opened_2025 = opened_2026 - timedelta(days=365)
    n_responses = n_ratings = 0
    for name, ties, opened, closed in (
        ("2025", first, opened_2025, opened_2025 + timedelta(days=60)),
        ("2026", second, opened_2026, None),
    ):
        responses, ratings = _survey_round(
            rng,
            system,
            organisations,
            ties,
            name=name,
            opened_at=opened,
            closed_at=closed,
            facilitator=facilitator,
            now=now,
        )
        n_responses += responses
        n_ratings += ratings

    interdependencies = _interdependencies(system, by_name, {c.name: c for c in communities}, facilitator)
    works = _joint_work(system, by_name, facilitator)
    result = NetworkDemoResult(
        rounds=2,
        responses=n_responses,
        ratings=n_ratings,
        interdependencies=len(interdependencies),
        joint_work=len(works),
    )
    record(
        None,
        "network.demo_setup",
        system,
        after={
            "rounds": result.rounds,
            "responses": result.responses,
            "ratings": result.ratings,
            "interdependencies": result.interdependencies,
            "joint_work": result.joint_work,
        },
    )
    return result
