"""The strategy's part of the Riverside demo (``demo.py`` composes it, once the conversation's first analysis
exists, so the aims' evidence is frozen from real common ground): five aims grown from the conversation's
statements (two agreed, two proposed, one draft), 20 commitments from 15 organisations and 2 community groups
(among them the acute trust's joint commitment with the care homes on their workforce, answering the map's
interdependency), progress updates over a year (some late, one withdrawn), a "you said, we did" update for the
conversation's participants, and the accountability page published. Three aims name community assets of the
register they build on, and three commitments the assets they use (the register's part of the demo is loaded
first). Written through the strategy's actions, so everything is in the audit log; the same demo gives the same
strategy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction

from commonweal.communities import queries as community_queries
from commonweal.conversations.models import Conversation, Statement
from commonweal.network.models import Interdependency
from commonweal.strategy.accountability.actions import do_post_loop_update, do_set_public
from commonweal.strategy.aims import actions as aims
from commonweal.strategy.commitments.actions import (
    Actor,
    CommitmentInput,
    ProgressInput,
    ResourceInput,
    check_post_progress,
    check_save_commitment,
)
from commonweal.strategy.models import Aim, Commitment
from commonweal.systems.models import Community, Organisation, Place, System

ACUTE = "Riverside University Hospitals NHS Foundation Trust"
CARE_HOMES = ("Willow Court Care Home", "Meadowbank Nursing Home", "Harbour View Care Home")


@dataclass(frozen=True)
class AimSeed:
    title: str
    meaning: str
    outcome: str
    statements: tuple[str, ...]  # the beginnings of the seed statements it grows from
    status: str
    places: tuple[str, ...] = ()
    communities: tuple[str, ...] = ()
    measure: tuple[str, str, int, int] | None = None  # name, unit, baseline, target
    assets: tuple[str, ...] = ()  # the names of the community assets it builds on


AIMS = (
    AimSeed(
        "Keep care staff, and get people home from hospital",
        "Fund and plan the care workforce together, so people well enough to leave hospital are not kept waiting.",
        "Fewer people in a hospital bed who are well enough to leave, and fewer care staff leaving.",
        (
            "Fund care-home and home-care pay together",
            "Share one workforce plan across the NHS",
            "Staff across our organisations know each other better",
        ),
        Aim.Status.AGREED,
        measure=("People in hospital well enough to leave, on an average day", "people", 85, 50),
    ),
    AimSeed(
        "Support unpaid carers",
        "Every unpaid carer has a named contact at their GP practice and a break they can book.",
        "Carers say they can get a break when they need one.",
        ("Give unpaid carers a named contact", "Social prescribing link workers in GP practices"),
        Aim.Status.AGREED,
        communities=("Unpaid carers",),
        measure=("Carers with a named contact", "carers", 1200, 6000),
        assets=("Riverside Carers' Centre drop-in", "Retired nurses' befriending"),
    ),
    AimSeed(
        "Help people get online, without leaving anyone behind",
        "Free devices, data and help for people who cannot get online, before more services move to apps.",
        "No one loses a service because they are not online.",
        ("Offer free devices, data and help", "Voluntary groups stepped up during the pandemic"),
        Aim.Status.PROPOSED,
        places=("Eastmarsh", "Northvale"),
        assets=("Riverside Central Library", "Bilingual health champions", "Eastmarsh Village Hall"),
    ),
    AimSeed(
        "Grow our own health and care workforce",
        "Recruit and train local people into health and care jobs, with paid routes in for young people.",
        "More local young people in paid health and care training.",
        ("Recruit and train local people",),
        Aim.Status.PROPOSED,
        communities=("Young people aged 16 to 25",),
        assets=("Northvale Estates Youth Club",),
    ),
    AimSeed(
        "One care plan for people with long-term conditions",
        "People with long-term conditions have one care plan that every service they use can see.",
        "",
        ("Give people with long-term conditions one care plan",),
        Aim.Status.DRAFT,
        communities=("People living with long-term conditions",),
    ),
)

#: (aim index, owner (an organisation's or community's name), partners, what, lead role, resources, the
#: interdependency it answers (its from-organisation), the progress story: (days after the start, status, text)).
COMMITMENTS: tuple[tuple[Any, ...], ...] = (
    (0, ACUTE, CARE_HOMES,
     "Fund 30 more care-home staff posts across three homes, because discharges depend on them.",
     "Chief operating officer", (("money", "900000"), ("wte", "30")), CARE_HOMES[0],
     ((20, "on_track", "Funding agreed with the three homes."), (110, "on_track", "18 of 30 posts filled."),
      (210, "at_risk", "Two homes struggle to recruit night staff."), (330, "on_track", "27 of 30 posts filled."))),
    (0, "Valeshire County Council", ("Riverside Home Care Ltd",),
     "Raise home-care pay to the real living wage from April.", "Director of adult social care",
     (("money", "1400000"),), None,
     ((30, "on_track", "The pay rise is in the council's budget."), (200, "done", "Paid from April."))),
    (0, "Riverside City Council", (), "Match the county's home-care pay rise in the city.",
     "Director of adult social care", (("money", "600000"),), None,
     ((40, "not_started", "Waiting for the budget."), (140, "at_risk", "The budget gap may delay it."))),
    (0, "NHS Riverside and Vale Integrated Care Board", ("Valeshire County Council", "Riverside City Council"),
     "Write one workforce plan with the councils and care providers.", "Chief people officer",
     (("wte", "2"), ("data", "Workforce data from every partner")), None,
     ((25, "on_track", "Partners agreed the plan's scope."), (150, "on_track", "First draft shared."),
      (300, "on_track", "The plan goes to the board next month."))),
    (0, "Riverside Community Health NHS Trust", (ACUTE,),
     "Run the discharge-to-assess team seven days a week.", "Director of operations", (("wte", "6"),), None,
     ((30, "on_track", "Weekend rota started."), (180, "done", "Seven-day service in place."))),
    (0, "Northvale Community Carers CIC", (), "Take on ten more home-care clients a week from hospital.",
     "Registered manager", (("hours", "400"),), None,
     ((60, "off_track", "Could not recruit enough carers."),)),
    (1, "Riverside Carers' Centre", (), "Run a break-booking service for unpaid carers.", "Centre manager",
     (("volunteers", "25"), ("space", "The centre's rooms, two days a week")), None,
     ((15, "on_track", "Service designed with carers."), (120, "on_track", "140 breaks booked."),
      (260, "on_track", "410 breaks booked."))),
    (1, "Riverside Central Primary Care Network", ("Riverside Carers' Centre",),
     "Name a carers' contact in every practice of the network.", "Clinical director", (("hours", "200"),), None,
     ((45, "on_track", "Six of nine practices have a named contact."), (250, "done", "Every practice has one."))),
    (1, "Northvale Primary Care Network", (), "Name a carers' contact in every practice of the network.",
     "Clinical director", (), None, ((50, "at_risk", "Two practices are short of staff."),)),
    (1, "Eastmarsh Coastal Primary Care Network", (), "Name a carers' contact in every practice of the network.",
     "Practice manager lead", (), None, ((35, "not_started", "Planning with practice managers."),)),
    (1, "Unpaid carers", ("Riverside Carers' Centre",), "Run peer-support groups in each place.",
     "Group organisers", (("volunteers", "40"),), None,
     ((40, "on_track", "Groups meet in three places."), (220, "on_track", "A fourth group started in Westbrook."))),
    (1, "St Anne's Hospice Riverside", (), "Offer carers of people near the end of life a weekly drop-in.",
     "Head of family support", (("space", "The hospice's day room"),), None,
     ((30, "on_track", "Drop-in running."),)),
    (2, "Riverside Food Bank", ("Riverside City Council",), "Lend tablets with data to food bank visitors.",
     "Volunteer coordinator", (("money", "15000"), ("volunteers", "8")), None,
     ((20, "on_track", "60 tablets lent."), (150, "withdrawn", "The data donation ended, so lending stopped."))),
    (2, "Eastmarsh Community Garden", (), "Host a weekly digital help session in the garden's cabin.",
     "Volunteer lead", (("space", "The cabin"), ("volunteers", "4")), None,
     ((25, "on_track", "Sessions every Thursday."),)),
    (2, "Healthwatch Riverside", (), "Ask residents which services they could not reach online.",
     "Engagement lead", (("hours", "120"),), None, ((60, "done", "Report published."),)),
    (2, "Gypsy, Roma and Traveller communities", ("Riverside Council for Voluntary Service",),
     "Test the help sessions with Traveller families and say what works.", "Community health champions",
     (("volunteers", "6"),), None, ((90, "on_track", "Two sessions held on site."),)),
    (3, "Riverside and Vale Mental Health NHS Trust", (), "Offer 20 paid apprenticeships a year.",
     "Director of people", (("money", "300000"), ("wte", "20")), None,
     ((40, "on_track", "First 12 apprentices started."),)),
    (3, "Riverside Council for Voluntary Service", (), "Place young volunteers in health and care settings.",
     "Chief executive", (("volunteers", "50"),), None, ((70, "on_track", "32 placements so far."),)),
    (3, "Vale and Coast Ambulance Service NHS Trust", (), "Open a cadet scheme for 16 to 18 year olds.",
     "Head of education", (("wte", "1"),), None, ()),
    (4, "Castle Street Surgery", (), "Pilot the shared care plan with 100 patients.", "Practice manager",
     (("data", "Care plans of the pilot's patients, with consent"),), None,
     ((30, "not_started", "Waiting for the shared record's new screen."),)),
)  # fmt: skip


#: (aim index, owner) of a commitment -> the names of the community assets it uses.
COMMITMENT_ASSETS = {
    (1, "Riverside Carers' Centre"): ("Riverside Carers' Centre drop-in",),
    (2, "Healthwatch Riverside"): ("Bilingual health champions",),
    (3, "Riverside Council for Voluntary Service"): ("Northvale Estates Youth Club",),
}


def _asset_ids(system: System, names: tuple[str, ...]) -> list[int]:
    wanted = set(names)
    return [a.pk for a in community_queries.accepted_assets(system) if a.name in wanted]


def _statements(conversation: Conversation, beginnings: tuple[str, ...]) -> list[int]:
    found = []
    for start in beginnings:
        pk = (
            Statement.objects.filter(conversation=conversation, text__startswith=start)
            .values_list("pk", flat=True)
            .first()
        )
        if pk is not None:
            found.append(pk)
    return found


def _aim(system: System, conversation: Conversation, seed: AimSeed, facilitator: Any, agreed_on: date) -> Aim:
    places = list(Place.objects.filter(system=system, name__in=seed.places).values_list("pk", flat=True))
    communities = list(
        Community.objects.filter(system=system, name__in=seed.communities).values_list("pk", flat=True)
    )
    measures = []
    if seed.measure is not None:
        name, unit, baseline, target = seed.measure
        measures.append(
            aims.MeasureInput(name, unit, Decimal(baseline), Decimal(target), agreed_on + timedelta(days=730))
        )
    data = aims.AimInput(
        seed.title,
        seed.meaning,
        seed.outcome,
        places,
        communities,
        (),
        measures,
        _asset_ids(system, seed.assets),
    )
    aim = aims.check_draft_aim(facilitator, system, data, _statements(conversation, seed.statements))
    if seed.status in (Aim.Status.PROPOSED, Aim.Status.AGREED):
        aim = aims.check_change_status(facilitator, aim, aims.StatusInput(Aim.Status.PROPOSED))
    if seed.status == Aim.Status.AGREED:
        agreed = aims.StatusInput(
            Aim.Status.AGREED, agreed_on, "The Riverside integrated care partnership board"
        )
        aim = aims.check_change_status(facilitator, aim, agreed)
    return aim


def _commitment(system: System, aim: Aim, row: tuple[Any, ...], actor: Actor, start: date) -> Commitment:
    index, owner, partners, what, lead, resources, answers, story = row
    organisation = Organisation.objects.filter(system=system, name=owner).first()
    community = None if organisation else Community.objects.get(system=system, name=owner)
    interdependency = None
    if answers is not None:
        interdependency = (
            Interdependency.objects.filter(
                system=system, from_organisation__name=answers, to_organisation__name=ACUTE
            )
            .values_list("pk", flat=True)
            .first()
        )
    data = CommitmentInput(
        what=what,
        organisation=organisation.pk if organisation else None,
        community=community.pk if community else None,
        partners=list(
            Organisation.objects.filter(system=system, name__in=partners).values_list("pk", flat=True)
        ),
        lead_role=lead,
        starts_on=start,
        ends_on=start + timedelta(days=730),
        interdependency=interdependency,
        resources=[
            ResourceInput(
                kind,
                value if kind in ("money", "wte", "hours", "volunteers") else None,
                value if kind in ("space", "data", "other") else "",
            )
            for kind, value in resources
        ],
        assets=_asset_ids(system, COMMITMENT_ASSETS.get((index, owner), ())),
    )
    item = check_save_commitment(actor, aim, data)
    Commitment.objects.filter(pk=item.pk).update(created_at=datetime.combine(start, time(9), tzinfo=UTC))
    for days, status, text in story:
        check_post_progress(actor, item, ProgressInput(status, text, start + timedelta(days=days)))
    return item


@transaction.atomic
def load_strategy_demo(
    system: System, conversation: Conversation, *, facilitator: Any, today: date
) -> list[Aim]:
    """The demo's aims, commitments, progress and participants' update (see the module's doc)."""
    year_ago = today - timedelta(days=360)
    made = [_aim(system, conversation, seed, facilitator, year_ago + timedelta(days=10)) for seed in AIMS]
    actor = Actor(facilitator, Commitment.Route.DEMO)
    for i, row in enumerate(COMMITMENTS):
        _commitment(system, made[row[0]], row, actor, year_ago + timedelta(days=15 + i))
    do_post_loop_update(
        facilitator,
        conversation,
        "You said losing care staff keeps people in hospital, and that unpaid carers need a break. The partnership "
        "board has agreed two aims from what you said, and 12 partners have committed to them: see what each is "
        "doing on our accountability page.",
    )
    do_set_public(facilitator, system, True)
    return made
