"""The demo's community assets (composed by :mod:`commonweal.demo`): about thirty assets of Riverside in the six
ABCD categories, held by its organisations, communities and residents, most with coordinates around the four
places; a mapping link for the system and one for Eastmarsh; and five residents' submissions waiting for
moderation, among them likely duplicates. Written through the register's actions, so it is audited like any
other change. The same ``seed`` gives the same coordinates."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from commonweal.communities.assets.actions import AssetInput, check_asset, check_save_asset, do_create_assets
from commonweal.communities.mapping.actions import do_open_link
from commonweal.communities.models import Category, Holder, Source, Status
from commonweal.systems.models import Community, Organisation, Place, System

C = Category

#: The middle of each demo place (fictional, in the north of England).
CENTRES = {
    "Riverside City": (53.480, -1.470),
    "Northvale": (53.560, -1.420),
    "Eastmarsh": (53.470, -1.300),
    "Westbrook": (53.500, -1.600),
}

# name, category, place, holder (an organisation's or community's name, "resident", or "other:<name>"),
# tags, description, on the map.
ASSETS: list[tuple[str, str, str, str, str, str, bool]] = [
    (
        "Riverside Central Library",
        C.INSTITUTIONS,
        "Riverside City",
        "other:Riverside Metropolitan Borough Council",
        "books, digital help, warm space",
        "Free computers, job clubs and a warm space every weekday.",
        True,
    ),
    (
        "Old Town Community Centre",
        C.PHYSICAL,
        "Riverside City",
        "Riverside Old Town",
        "meeting rooms, hall hire",
        "A hall and three rooms for hire at low cost to community groups.",
        True,
    ),
    (
        "Riverside Carers' Centre drop-in",
        C.ASSOCIATIONS,
        "Riverside City",
        "Riverside Carers' Centre",
        "carers, advice",
        "Advice and a cup of tea for unpaid carers, Wednesdays.",
        True,
    ),
    (
        "Masjid Al-Noor food bank",
        C.ASSOCIATIONS,
        "Riverside City",
        "South Asian communities",
        "food, faith",
        "Food parcels for anyone in need, Fridays after prayers.",
        True,
    ),
    (
        "Riverside Makers' Market",
        C.ECONOMIC,
        "Riverside City",
        "other:Riverside Makers Co-operative",
        "local spending, crafts",
        "Local makers sell every first Saturday.",
        True,
    ),
    (
        "Riverside Oral History Archive",
        C.CULTURE,
        "Riverside City",
        "University of Riverside",
        "heritage, stories",
        "Recordings of the city's working lives since 1945.",
        False,
    ),
    (
        "Peer support for long COVID",
        C.ASSOCIATIONS,
        "Riverside City",
        "People living with long-term conditions",
        "peer support, long-term conditions",
        "Fortnightly online and in-person meetings.",
        True,
    ),
    (
        "Bilingual health champions",
        C.INDIVIDUALS,
        "Riverside City",
        "resident",
        "languages, health",
        "Residents who explain health services in Urdu, Punjabi and Polish.",
        False,
    ),
    (
        "Northvale Park",
        C.PHYSICAL,
        "Northvale",
        "other:Riverside Metropolitan Borough Council",
        "outdoors, play",
        "Green space with a play area, outdoor gym and a café.",
        True,
    ),
    (
        "Northvale Estates Youth Club",
        C.ASSOCIATIONS,
        "Northvale",
        "Young people aged 16 to 25",
        "young people, sport",
        "Open four evenings a week; boxing, music and homework help.",
        True,
    ),
    (
        "Northvale Credit Union",
        C.ECONOMIC,
        "Northvale",
        "other:Vale Credit Union",
        "money, savings",
        "Savings and fair loans for residents.",
        True,
    ),
    (
        "Northvale Primary School hall",
        C.PHYSICAL,
        "Northvale",
        "other:Northvale Primary School",
        "space, evenings",
        "The hall is free to community groups in the evenings.",
        True,
    ),
    (
        "Polish Saturday School",
        C.CULTURE,
        "Northvale",
        "Eastern European communities",
        "language, families",
        "Polish language and culture for children.",
        True,
    ),
    (
        "Retired nurses' befriending",
        C.INDIVIDUALS,
        "Northvale",
        "resident",
        "befriending, older people",
        "Retired nurses visit people who live alone.",
        False,
    ),
    (
        "Northvale Allotment Society",
        C.ASSOCIATIONS,
        "Northvale",
        "resident",
        "gardening, food",
        "Plots and a shared polytunnel; surplus goes to the food bank.",
        True,
    ),
    (
        "Eastmarsh Coastal Walks",
        C.ASSOCIATIONS,
        "Eastmarsh",
        "Eastmarsh coastal villages",
        "walking, outdoors",
        "Weekly walks for health along the coast path.",
        True,
    ),
    (
        "Eastmarsh Men's Shed",
        C.ASSOCIATIONS,
        "Eastmarsh",
        "resident",
        "woodwork, men's health",
        "Woodwork and company, Tuesdays and Thursdays.",
        True,
    ),
    (
        "Eastmarsh Lifeboat Station",
        C.INSTITUTIONS,
        "Eastmarsh",
        "other:RNLI Eastmarsh",
        "volunteering, safety",
        "Volunteers, first aid training and open days.",
        True,
    ),
    (
        "Eastmarsh Fishermen's Heritage Centre",
        C.CULTURE,
        "Eastmarsh",
        "Eastmarsh coastal villages",
        "heritage, museum",
        "The story of the fishing villages; free entry.",
        True,
    ),
    (
        "Eastmarsh Village Hall",
        C.PHYSICAL,
        "Eastmarsh",
        "other:Eastmarsh Parish Council",
        "space, events",
        "A hall with a kitchen and step-free access.",
        True,
    ),
    (
        "Traveller site health liaison",
        C.INDIVIDUALS,
        "Eastmarsh",
        "Gypsy, Roma and Traveller communities",
        "health, trust",
        "A trusted resident who links families with the GP practice.",
        False,
    ),
    (
        "Westbrook Tenants' Hub",
        C.ASSOCIATIONS,
        "Westbrook",
        "Westbrook Tenants and Residents Association",
        "housing, advice",
        "Weekly surgery on housing repairs and rights.",
        True,
    ),
    (
        "Westbrook Community Pantry",
        C.ECONOMIC,
        "Westbrook",
        "Riverside Homes Housing Association",
        "food, low cost",
        "A weekly shop of groceries for a small membership fee.",
        True,
    ),
    (
        "Westbrook Leisure Centre",
        C.INSTITUTIONS,
        "Westbrook",
        "other:Riverside Metropolitan Borough Council",
        "sport, swimming",
        "Pool, gym and free swimming for under-16s.",
        True,
    ),
    (
        "Westbrook Gospel Choir",
        C.CULTURE,
        "Westbrook",
        "resident",
        "music, faith",
        "Rehearses on Thursdays; everyone welcome.",
        True,
    ),
    (
        "Westbrook Fire Station community room",
        C.PHYSICAL,
        "Westbrook",
        "Valeshire Fire and Rescue Service",
        "space, safety",
        "A room for community meetings; home fire safety checks.",
        True,
    ),
    (
        "Hospice volunteer drivers",
        C.INDIVIDUALS,
        "Westbrook",
        "St Anne's Hospice Riverside",
        "transport, volunteering",
        "Volunteers drive patients to appointments.",
        False,
    ),
    (
        "Age Well lunch clubs",
        C.ASSOCIATIONS,
        "Westbrook",
        "Age Well Riverside",
        "older people, food",
        "Hot lunches and company in three venues.",
        True,
    ),
]

#: What residents added through the mapping links, waiting for moderation (the last two say the same thing,
#: and the first is already in the register under a slightly different name).
SUBMISSIONS = [
    ("Eastmarsh Mens Shed", C.ASSOCIATIONS, "Woodwork group in the old boathouse."),
    ("Coast path litter pickers", C.ASSOCIATIONS, "We meet on the last Sunday of the month."),
    ("Sea swimming group", C.ASSOCIATIONS, "Year-round sea swimming, all abilities."),
    ("Eastmarsh Knit and Natter", C.ASSOCIATIONS, "Knitting and chat at the café, Mondays."),
    ("Knit & natter group Eastmarsh", C.ASSOCIATIONS, "Knitting group at the seafront café."),
]


def _holder(
    spec: str, organisations: dict[str, Organisation], communities: dict[str, Community]
) -> dict[str, Any]:
    if spec == "resident":
        return {"holder": Holder.RESIDENT}
    if spec.startswith("other:"):
        return {"holder": Holder.OTHER, "holder_other": spec.removeprefix("other:")}
    if spec in organisations:
        return {"holder": Holder.ORGANISATION, "holder_organisation": organisations[spec]}
    return {"holder": Holder.COMMUNITY, "holder_community": communities[spec]}


def load_asset_demo(
    system: System,
    places: Sequence[Place],
    communities: Sequence[Community],
    organisations: Sequence[Organisation],
    *,
    facilitator: Any,
    seed: int = 7,
) -> int:
    """Write the demo's assets, mapping links and pending submissions; returns how many assets."""
    rng = random.Random(seed)
    by_place = {p.name: p for p in places}
    by_org = {o.name: o for o in organisations}
    by_community = {c.name: c for c in communities}
    checked = []
    for name, category, place, holder, tags, description, on_map in ASSETS:
        lat, lon = CENTRES[place]
        location: dict[str, Any] = (
            {
                "latitude": round(lat + rng.uniform(-0.02, 0.02), 5),
                "longitude": round(lon + rng.uniform(-0.03, 0.03), 5),
            }
            if on_map
            else {}
        )
        data = AssetInput(
            name=name,
            category=category,
            description=description,
            places=[by_place[place]],
            communities=[by_community[holder]] if holder in by_community else [],
            tags=tags.split(", "),
            **_holder(holder, by_org, by_community),
            **location,
        )
        checked.append(check_asset(system, data))
    do_create_assets(
        facilitator, system, checked, source=Source.FACILITATOR, action="asset.seed", note={"seed": seed}
    )
    do_open_link(facilitator, system)
    eastmarsh = do_open_link(facilitator, system, by_place["Eastmarsh"])
    for name, category, description in SUBMISSIONS:
        check_save_asset(
            None,
            system,
            AssetInput(name=name, category=category, description=description),
            status=Status.PENDING,
            source=Source.MAPPING,
            link=eastmarsh,
        )
    return len(checked) + len(SUBMISSIONS)
