"""The demo's system: the fictional "Riverside Health and Care Partnership", its places, communities and
organisations, and the demo's facilitator and administrator accounts.

Called by :func:`commonweal.demo.do_load_demo` inside its transaction. Everything is written through the systems
app's actions (and the accounts through the accounts app's), so the demo's system is checked and recorded in the
audit log as one a facilitator typed in would be.

Every name and identifier here is made up. The ODS-style codes use the letters X and Z and numbers that no
real organisation has; charity and company numbers start with 99.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from commonweal.accounts.actions import do_create_account
from commonweal.accounts.queries import account_named
from commonweal.systems.actions import (
    NoticesInput,
    OrganisationInput,
    check_save_community,
    check_save_organisation,
    check_save_place,
    check_update_notices,
    do_add_facilitator,
    do_create_system,
)
from commonweal.systems.models import Community, IdentifierScheme, Organisation, Place, Sector, System

SYSTEM_SLUG = "riverside"
SYSTEM_NAME = "Riverside Health and Care Partnership"
SYSTEM_DESCRIPTION = (
    "A fictional integrated care system of about a million people in four places, loaded by "
    "commonweal demo to show how the platform works. Every name in it is made up."
)
#: Who is responsible for the demo's participants' data (a conversation cannot open without it).
DEMO_NOTICES = NoticesInput(
    controller_name="NHS Riverside Integrated Care Board",
    controller_contact="engagement@riverside.example",
    protection_officer="dpo@riverside.example",
    privacy_purpose="",
    accessibility_statement="",
)
FACILITATOR_USERNAME = "facilitator"
ADMIN_USERNAME = "admin"
# The day every demo organisation joined the partnership (when integrated care boards began).
ACTIVE_FROM = date(2022, 7, 1)

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

#: Community groups: each speaks for one of the communities above, answers the relationship survey with its own
#: link and is on the system map as a community group.
COMMUNITY_GROUPS: list[tuple[str, str, tuple[str, ...]]] = [
    # name, the community it speaks for, places served
    ("Northvale Estates Residents' Voice", "Northvale Estates", ("Northvale",)),
    ("South Asian Women's Health Circle", "South Asian communities", ("Riverside City", "Westbrook")),
]

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


@dataclass
class SystemSeeds:
    """What :func:`load_system_demo` made, in the order of the lists above (so with their primary keys)."""

    system: System
    places: list[Place]
    communities: list[Community]
    organisations: list[Organisation]
    #: The community groups (organisations of the sector "community group", each speaking for a community),
    #: kept apart from ``organisations`` so the other parts of the demo draw the same numbers as before.
    community_groups: list[Organisation]
    facilitator: Any
    admin: Any
    # The passwords of the accounts created now; None for an account that already existed (it keeps its own).
    facilitator_password: str | None
    admin_password: str | None


def _ensure_account(username: str, *, administrator: bool) -> tuple[Any, str | None]:
    """The demo account, created with a fresh password; an account that already exists keeps its own."""
    user = account_named(username)
    if user is not None:
        return user, None
    # Not a one-time password: the person who loaded the demo signs in with it, as printed, as often as they like.
    return do_create_account(None, username=username, is_administrator=administrator, one_time=False)


def load_system_demo() -> SystemSeeds:
    """Create the Riverside system with its places, communities and organisations, and the demo's accounts:
    a facilitator of the system and an administrator (inside the caller's transaction).

    The caller has checked that no system has the slug :data:`SYSTEM_SLUG`.
    """
    system = do_create_system(None, name=SYSTEM_NAME, slug=SYSTEM_SLUG, description=SYSTEM_DESCRIPTION)
    check_update_notices(None, system, DEMO_NOTICES)
    places = [check_save_place(None, system, name=name, population=pop) for name, pop in PLACES]
    communities = [
        check_save_community(None, system, name=name, kind=kind, population_estimate=pop)
        for name, kind, pop in COMMUNITIES
    ]
    by_name = {p.name: p for p in places}
    organisations = [
        check_save_organisation(
            None,
            system,
            OrganisationInput(
                name=name,
                sector=sector,
                identifier_scheme=scheme,
                identifier=identifier,
                places=[by_name[place] for place in served],
                active_from=ACTIVE_FROM,
            ),
        )
        for name, sector, scheme, identifier, served in ORGANISATIONS
    ]
    by_community = {c.name: c for c in communities}
    community_groups = [
        check_save_organisation(
            None,
            system,
            OrganisationInput(
                name=name,
                sector=Sector.COMMUNITY_GROUP,
                places=[by_name[place] for place in served],
                active_from=ACTIVE_FROM,
                community=by_community[community],
            ),
        )
        for name, community, served in COMMUNITY_GROUPS
    ]
    facilitator, facilitator_password = _ensure_account(FACILITATOR_USERNAME, administrator=False)
    do_add_facilitator(None, system, facilitator)
    admin, admin_password = _ensure_account(ADMIN_USERNAME, administrator=True)
    return SystemSeeds(
        system=system,
        places=places,
        communities=communities,
        organisations=organisations,
        community_groups=community_groups,
        facilitator=facilitator,
        admin=admin,
        facilitator_password=facilitator_password,
        admin_password=admin_password,
    )
