"""The demo system's map: two rounds of the relationship survey, interdependencies and a joint-work log.

Called by :func:`commonweal.demo.do_load_demo` inside its transaction, with the organisations and communities
the systems app's part of the demo made. Everything is drawn from a seeded random generator, so the same seed
gives the same ratings, and written by the network app's bulk loaders (:func:`.survey.actions.do_load_round`,
:func:`.map.actions.do_load_interdependencies`, :func:`.map.actions.do_load_joint_work`).

What it plants, so the map and the measures have something to find:

- sector affinity: primary care works closely with community health, the local authorities with the social care
  providers and the VCSE, everyone with the ICB; organisations serving the same place work together more;
- two rounds, "2025" (closed) and "2026" (open), with some organisations not answering and some answering with two
  or three people; between the rounds some ties strengthen, weaken, appear or disappear;
- a few asymmetric pairs, where one side rates the relationship 4 (integration) and the other 1 (awareness);
- the interdependency docs/user-guide.md gives as its example: the care homes' and home-care providers' workforce capacity decides the acute
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

from commonweal.network.graph import nodes_of
from commonweal.network.map.actions import (
    InterdependencyInput,
    JointWorkInput,
    do_load_interdependencies,
    do_load_joint_work,
)
from commonweal.network.models import Contribution, Interdependency, JointWork, Rating
from commonweal.network.survey.actions import LoadedResponse, do_load_round
from commonweal.systems.models import Community, Organisation, Sector, System

# How closely two sectors tend to work, 0 to 4 (symmetric; a pair not listed gets OTHERWISE): one pair a row.
_AFFINITY_ROWS = """
primary_care          community             3.3
primary_care          primary_care          2.6
primary_care          mental_health         2.4
primary_care          acute                 2.2
primary_care          vcse                  2.0
primary_care          social_care_provider  2.0
local_authority       social_care_provider  3.4
local_authority       vcse                  3.0
local_authority       local_authority       3.0
local_authority       community_resident    2.4
local_authority       other                 2.4
icb                   acute                 3.6
icb                   community             3.4
icb                   mental_health         3.4
icb                   ambulance             3.0
icb                   primary_care          3.0
icb                   local_authority       3.2
icb                   healthwatch           2.6
icb                   vcse                  2.2
acute                 community             3.2
acute                 ambulance             3.4
acute                 mental_health         2.6
acute                 social_care_provider  2.2
acute                 local_authority       2.4
community             social_care_provider  2.6
community             mental_health         2.6
community             local_authority       2.6
mental_health         local_authority       2.4
mental_health         vcse                  2.0
vcse                  vcse                  2.0
vcse                  community_resident    2.6
vcse                  healthwatch           2.2
healthwatch           community_resident    2.8
healthwatch           local_authority       2.0
"""
AFFINITY: dict[frozenset[str], float] = {
    frozenset({Sector(a), Sector(b)}): float(weight)
    for a, b, weight in (row.split() for row in _AFFINITY_ROWS.strip().splitlines())
}
OTHERWISE = 0.8

S = Sector
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


#: The roles respondents give (often none).
ROLES = ("", "", "Head of partnerships", "Chief executive", "Service manager", "Practice manager")

K, STRENGTH = Interdependency.Kind, Interdependency.Strength
#: Interdependencies: (from, to, what flows, description, strength, evidence). An end is an organisation's or a
#: community's name. The user guide's example comes first, made for every care provider by :func:`_care_flows`.
INTERDEPENDENCIES: tuple[tuple[str, str, str, str, str, str], ...] = (
    ("Vale and Coast Ambulance Service NHS Trust", ACUTE, K.PATIENTS,
     "Emergency conveyances: most of the hospital's emergency admissions arrive by ambulance.", STRENGTH.HIGH, ""),
    (ACUTE, "Riverside Community Health NHS Trust", K.PATIENTS,
     "People discharged home with community nursing and rehabilitation.", STRENGTH.HIGH, ""),
    ("Riverside Central Primary Care Network", ACUTE, K.PATIENTS,
     "GP referrals to outpatients and same-day emergency care.", STRENGTH.MEDIUM, ""),
    ("Riverside and Vale Mental Health NHS Trust", "Northvale Primary Care Network", K.STAFF,
     "Mental health practitioners employed by the trust work in the network's practices.", STRENGTH.MEDIUM, ""),
    ("Riverside Community Health NHS Trust", "Eastmarsh Coastal Primary Care Network", K.STAFF,
     "District nurses shared across the network's practices.", STRENGTH.MEDIUM, ""),
    ("Castle Street Surgery", ACUTE, K.INFORMATION,
     "The shared care record: GP records available in the emergency department.", STRENGTH.MEDIUM, ""),
    ("Healthwatch Riverside", ICB, K.INFORMATION,
     "What residents tell Healthwatch about services, reported to the board each quarter.", STRENGTH.MEDIUM, ""),
    (ICB, ACUTE, K.MONEY, "The trust's main contract for hospital care.", STRENGTH.HIGH, ""),
    ("Valeshire County Council", "Riverside Home Care Ltd", K.MONEY,
     "Commissioned home-care hours for people eligible for adult social care.", STRENGTH.HIGH, ""),
    (ICB, "Riverside Council for Voluntary Service", K.MONEY,
     "A small-grants fund for VCSE prevention work, run by the CVS.", STRENGTH.LOW, ""),
    # An organisation to a community, and a community to an organisation.
    ("Riverside Food Bank", "People experiencing homelessness", K.OTHER,
     "Food parcels and a weekly drop-in with a housing adviser.", STRENGTH.MEDIUM, ""),
    ("Unpaid carers", "Riverside Carers' Centre", K.CAPACITY,
     "Unpaid carers run the centre's peer-support groups: an extended workforce the centre depends on.",
     STRENGTH.HIGH, "Volunteer register of the Carers' Centre, 2025."),
)  # fmt: skip
#: The care homes whose workforce the acute trust funds.
FUNDED_CARE_HOMES = ("Willow Court Care Home", "Meadowbank Nursing Home", "Harbour View Care Home")

J = JointWork.Kind
#: The joint-work log: (title, kind, started, ended, description, the organisations taking part).
JOINT_WORK: tuple[tuple[str, str, date, date | None, str, tuple[str, ...]], ...] = (
    ("Riverside place partnership board", J.MEETING, date(2024, 4, 10), None,
     "Monthly meeting of the partners serving Riverside City.",
     (ICB, "Riverside City Council", ACUTE, "Riverside Community Health NHS Trust", "Healthwatch Riverside",
      "Riverside Council for Voluntary Service")),
    ("Home first: discharge to assess", J.JOINT_PROJECT, date(2025, 6, 2), None,
     "People go home (or to a care home) to be assessed, instead of waiting in a hospital bed.",
     (ACUTE, "Riverside Community Health NHS Trust", "Valeshire County Council", "Willow Court Care Home",
      "Riverside Home Care Ltd")),
    ("Joint director of integrated commissioning", J.SHARED_POST, date(2025, 1, 6), None,
     "One director commissioning for the ICB and the city council together.",
     (ICB, "Riverside City Council")),
    ("Better Care Fund pooled budget", J.POOLED_BUDGET, date(2025, 4, 1), date(2026, 3, 31),
     "The NHS and the councils pool money for community services and discharge support.",
     (ICB, "Valeshire County Council", "Riverside City Council")),
    ("Section 75 agreement: community equipment", J.S75_AGREEMENT, date(2024, 10, 1), None,
     "The county council hosts one equipment service for the NHS and social care.",
     ("Valeshire County Council", ICB, "Riverside Community Health NHS Trust")),
    ("Social prescribing link workers", J.JOINT_PROJECT, date(2025, 9, 15), None,
     "Link workers in the primary care networks connect people with local groups and support.",
     ("Riverside Central Primary Care Network", "Riverside Council for Voluntary Service", "Age Well Riverside",
      "Riverside Food Bank")),
    ("Care-home workforce summit", J.MEETING, date(2025, 2, 20), date(2025, 2, 20),
     "The hospital and the care homes agreed the workforce scheme that the trust now funds.",
     (ACUTE, "Willow Court Care Home", "Meadowbank Nursing Home", "Harbour View Care Home",
      "Valeshire County Council")),
    ("High intensity use service", J.JOINT_PROJECT, date(2025, 11, 3), None,
     "Ambulance, mental health and primary care plan together with people who call 999 most often.",
     ("Vale and Coast Ambulance Service NHS Trust", "Riverside and Vale Mental Health NHS Trust",
      "Northvale Primary Care Network")),
)  # fmt: skip


#: The community groups' ties (how the group and the partner rate each other, in 2025 and in 2026), written as
#: they are rather than drawn, so the rest of the demo's network is the same with or without them.
GROUP_TIES: dict[str, tuple[tuple[str, int, int], ...]] = {
    "Northvale Estates Residents' Voice": (
        ("Northvale Primary Care Network", 1, 3),  # the PCN's engagement work brought them closer
        ("Northvale Community Carers CIC", 3, 3),
        ("Riverside Council for Voluntary Service", 2, 2),
        ("Valeshire County Council", 1, 2),
    ),
    "South Asian Women's Health Circle": (
        ("Riverside Central Primary Care Network", 2, 3),
        ("Age Well Riverside", 2, 2),
        ("Healthwatch Riverside", 1, 2),
        ("Riverside Council for Voluntary Service", 2, 3),
    ),
}


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
    rng: random.Random, organisations: Sequence[Organisation], places: dict[int, frozenset[int]]
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
    rng: random.Random, first: dict[tuple[int, int], int], ids: Sequence[int], ended: set[tuple[int, int]]
) -> dict[tuple[int, int], int]:
    """The ties a year on: most pairs stay, some strengthen or weaken by one, a few are lost and a few are new
    (a pair changes on both sides). The lost pairs are added to ``ended``: their raters say so (rate them 0)."""
    second: dict[tuple[int, int], int] = {}
    for a, b in sorted(pair for pair in first if pair[0] < pair[1]):
        roll = rng.random()
        if roll < 0.05:
            ended.update(pair for pair in ((a, b), (b, a)) if pair in first)  # lost
            continue
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


def _rating(rng: random.Random, partner: Organisation, intensity: int, *, noisy: bool) -> Rating:
    """One respondent's rating of ``partner`` (unsaved, without its response), around ``intensity``."""
    if noisy:
        # Colleagues see the same relationship a little differently.
        intensity = max(0, min(4, intensity + rng.choice((-1, 0, 0, 0, 0, 0, 0, 1))))
    trust_centre = 1.6 + 0.5 * intensity
    value_centre = 1.4 + 0.55 * intensity
    offered = CONTRIBUTES.get(partner.sector, ())
    contributions = sorted({c for c in offered if rng.random() < 0.15 + 0.15 * intensity})
    unanswered = rng.random() < 0.08  # some leave the value questions for later
    return Rating(
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


def _respondents(
    rng: random.Random,
    organisations: Sequence[Organisation],
    name: str,
    opened_at: datetime,
    end: datetime,
    *,
    closed: bool,
) -> list[LoadedResponse]:
    """Who answers the round ``name``: every organisation but the silent ones, most with one person, some with
    two or three; in a closed round everyone submitted, in an open one a quarter are still going."""
    silent = set(SILENT[name])
    responses = []
    for org in organisations:
        if org.name in silent:
            continue
        for _ in range(rng.choice((1, 1, 1, 2, 2, 3))):
            started = opened_at + (end - opened_at) * rng.uniform(0.02, 0.9)
            finished = closed or rng.random() < 0.75
            role = rng.choice(ROLES)
            submitted = started + timedelta(minutes=rng.randint(12, 50)) if finished else None
            responses.append(LoadedResponse(org, role, started, submitted))
    return responses


def _add_ratings(
    rng: random.Random,
    responses: list[LoadedResponse],
    ties: dict[tuple[int, int], int],
    by_id: dict[int, Organisation],
) -> None:
    """Each respondent rates their organisation's partners in ``ties``: the planted asymmetric pairs exactly, the
    rest with noise; colleagues sometimes forget a partner, and some still going have picked without rating."""
    pk_of = {o.name: o.pk for o in by_id.values()}
    forced = {(pk_of[a], pk_of[b]) for a, b in ASYMMETRIC}
    respondents = Counter(r.organisation.pk for r in responses)
    for response in responses:
        rater = response.organisation.pk
        for partner in sorted(p for (a, p) in ties if a == rater):
            pair = (rater, partner)
            if pair in forced or (partner, rater) in forced:
                exact = 4 if pair in forced else 1
                response.ratings.append(_rating(rng, by_id[partner], exact, noisy=False))
                continue
            if respondents[rater] > 1 and rng.random() < 0.12:
                continue  # one colleague forgets a partner another remembers
            rating = _rating(rng, by_id[partner], ties[pair], noisy=True)
            if response.submitted_at is None and respondents[rater] > 1 and rng.random() < 0.3:
                # Picked, not rated yet: a colleague still going (their organisation's answer stands on the
                # others' ratings meanwhile, so the half-done answers do not read as "no relationship").
                rating.intensity = None
                rating.contributions = []
            response.ratings.append(rating)


def _group_responses(
    responses: list[LoadedResponse],
    groups: Sequence[Organisation],
    by_name: dict[str, Organisation],
    round_name: str,
    opened: datetime,
) -> list[LoadedResponse]:
    """The community groups' answers to the round ``round_name`` (one person each, submitted), and their
    partners' ratings of them, added to the partner's first respondent where the partner answered."""
    which = 1 if round_name == "2025" else 2
    first_of: dict[int, LoadedResponse] = {}
    for response in responses:
        first_of.setdefault(response.organisation.pk, response)
    out = []
    for group in groups:
        started = opened + timedelta(days=3)
        mine = LoadedResponse(group, "Chair", started, started + timedelta(minutes=25))
        for partner_name, *intensities in GROUP_TIES.get(group.name, ()):
            intensity, partner = intensities[which - 1], by_name[partner_name]
            mine.ratings.append(_fixed_rating(partner, intensity))
            if partner.pk in first_of:
                first_of[partner.pk].ratings.append(_fixed_rating(group, intensity))
        out.append(mine)
    return out


def _fixed_rating(partner: Organisation, intensity: int) -> Rating:
    """A rating with its trust and value items near what the intensity suggests, without drawing numbers."""
    trust = max(1, min(4, round(1.6 + 0.5 * intensity)))
    value = max(1, min(4, round(1.4 + 0.55 * intensity)))
    return Rating(
        partner=partner,
        intensity=intensity,
        trust_openness=trust,
        trust_reliability=trust,
        trust_mission=trust,
        value_power=value,
        value_involvement=value,
        value_resources=value,
    )


def _care_flows(by_name: dict[str, Organisation]) -> list[InterdependencyInput]:
    """The user guide's example: care-home and home-care staff capacity decides how fast the hospital can discharge
    people, and the hospital funds the care homes' workforce (money the other way)."""
    acute = by_name[ACUTE]
    flows = [
        InterdependencyInput(
            org,
            acute,
            K.CAPACITY,
            f"{org.name}'s workforce capacity decides how quickly people who are well enough to leave "
            "hospital can be discharged to a care-home place or care at home.",
            STRENGTH.HIGH,
            "About 40 hospital beds a day held by people waiting for a care-home place or home care "
            "(the trust's discharge data, winter 2025).",
        )
        for org in by_name.values()
        if org.sector == Sector.SOCIAL_CARE_PROVIDER
    ]
    flows.extend(
        InterdependencyInput(
            acute,
            by_name[name],
            K.MONEY,
            "The acute trust funds a care-home workforce scheme (recruitment and retention payments), because "
            "losing care-home staff fills its own beds with delayed discharges.",
            STRENGTH.HIGH,
            "Board paper on the workforce scheme, March 2025.",
        )
        for name in FUNDED_CARE_HOMES
    )
    return flows


def _interdependencies(
    by_name: dict[str, Organisation], communities: dict[str, Community]
) -> list[InterdependencyInput]:
    def end(name: str) -> Organisation | Community:
        return by_name[name] if name in by_name else communities[name]

    return _care_flows(by_name) + [
        InterdependencyInput(end(source), end(target), kind, description, strength, evidence)
        for source, target, kind, description, strength, evidence in INTERDEPENDENCIES
    ]


def _joint_work(by_name: dict[str, Organisation]) -> list[JointWorkInput]:
    return [
        JointWorkInput(title, kind, started, ended, description, [by_name[n] for n in names])
        for title, kind, started, ended, description, names in JOINT_WORK
    ]


def _planted_ties(
    rng: random.Random, system: System, organisations: Sequence[Organisation]
) -> tuple[dict[tuple[int, int], int], dict[tuple[int, int], int], set[tuple[int, int]]]:
    """The ties of the two rounds: drawn from the sectors' affinity, then the planted changes and asymmetric
    pairs put in; and the ties of the first round that ended in the second (their raters rate them 0)."""
    by_name = {o.name: o for o in organisations}
    places: dict[int, frozenset[int]] = {n.id: n.place_ids for n in nodes_of(system)}
    first = _true_ties(rng, organisations, places)
    ended: set[tuple[int, int]] = set()
    second = _second_round(rng, first, [o.pk for o in organisations], ended)
    for rater, partner, before, after in CHANGES:
        pair = (by_name[rater].pk, by_name[partner].pk)
        for ties, value in ((first, before), (second, after)):
            if value:
                ties[pair] = value
            else:
                ties.pop(pair, None)
        if before and not after:
            ended.add(pair)
    for a, b in ASYMMETRIC:
        for ties in (first, second):
            ties[(by_name[a].pk, by_name[b].pk)] = 4
            ties[(by_name[b].pk, by_name[a].pk)] = 1
    ended -= set(second)
    return first, second, ended


def _say_ended(
    responses: list[LoadedResponse], ended: set[tuple[int, int]], by_id: dict[int, Organisation]
) -> None:
    """The first respondent of each rater says "no relationship" (0) for the partners it no longer works with:
    the survey suggests last round's partners, so an ended tie is an answer, not a partner left off the list."""
    first_of: dict[int, LoadedResponse] = {}
    for response in responses:
        first_of.setdefault(response.organisation.pk, response)
    for rater, partner in sorted(ended):
        if rater in first_of:
            first_of[rater].ratings.append(Rating(partner=by_id[partner], intensity=0))


def load_network_demo(
    system: System,
    organisations: Sequence[Organisation],
    communities: Sequence[Community],
    *,
    facilitator: Any,
    seed: int,
    now: datetime,
    community_groups: Sequence[Organisation] = (),
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
    community_groups
        The demo's community groups: they answer both rounds, with the ties of :data:`GROUP_TIES`.
    """
    rng = random.Random(f"network-{seed}")
    by_name = {o.name: o for o in organisations}
    by_id = {o.pk: o for o in organisations}
    first, second, ended = _planted_ties(rng, system, organisations)
    opened_2026 = now - timedelta(days=21)
    opened_2025 = opened_2026 - timedelta(days=365)
    n_responses = n_ratings = 0
    for name, ties, opened, closed in (
        ("2025", first, opened_2025, opened_2025 + timedelta(days=60)),
        ("2026", second, opened_2026, None),
    ):
        responses = _respondents(rng, organisations, name, opened, closed or now, closed=closed is not None)
        _add_ratings(rng, responses, ties, by_id)
        if ties is second:
            _say_ended(responses, ended, by_id)
        responses += _group_responses(responses, community_groups, by_name, name, opened)
        do_load_round(
            facilitator,
            system,
            [*organisations, *community_groups],
            responses,
            name=name,
            opened_at=opened,
            closed_at=closed,
        )
        n_responses += len(responses)
        n_ratings += sum(len(r.ratings) for r in responses)
    interdependencies = do_load_interdependencies(
        facilitator, system, _interdependencies(by_name, {c.name: c for c in communities})
    )
    works = do_load_joint_work(facilitator, system, _joint_work(by_name))
    return NetworkDemoResult(
        rounds=2,
        responses=n_responses,
        ratings=n_ratings,
        interdependencies=len(interdependencies),
        joint_work=len(works),
    )
