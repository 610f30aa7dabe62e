"""Representation's part of the demo: made-up Census 2021 tables for Riverside's four places, in the layout the
ONS publishes (TS007A age by five-year bands and TS021 ethnic group, per local authority), and made-up workforce
counts by sector, imported through the importer itself; the demo conversation asks the age band and ethnic group,
and its participants' answers are drawn so that the representation page has gaps to show (few people aged 16 to
24, fewest in Eastmarsh; fewer Asian and Black residents of Riverside City than live there).

The numbers are invented. The area codes are in the ONS's form but belong to no real area (E06999xxx)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from commonweal.communities.representation.actions import (
    check_import_census,
    check_import_workforce,
    do_import_baseline,
)
from commonweal.conversations.models import AgeBand, Conversation, EthnicGroup, Participant
from commonweal.systems.models import Place, System

# Riverside's places, their made-up ONS codes, and how their people are spread (an older coast, a younger city).
_AREAS = {
    "Riverside City": ("E06999001", "young"),
    "Northvale": ("E06999002", "middle"),
    "Eastmarsh": ("E06999003", "old"),
    "Westbrook": ("E06999004", "middle"),
}
# TS007A's 18 bands (code, label) and a made-up share of each per kind of place.
_AGE_LABELS = [
    "Aged 4 years and under",
    *(f"Aged {a} to {a + 4} years" for a in range(5, 85, 5)),
    "Aged 85 years and over",
]
_AGE_SHAPES = {
    "young": [6, 6, 6, 7, 10, 9, 8, 7, 6, 6, 6, 5, 4, 4, 3, 3, 2, 2],
    "middle": [5, 6, 6, 6, 6, 6, 6, 6, 6, 7, 7, 7, 6, 6, 5, 4, 3, 2],
    "old": [4, 5, 5, 5, 4, 4, 5, 5, 6, 7, 7, 8, 8, 8, 7, 6, 4, 3],
}
# TS021's 20 categories (code, label) and a made-up share per place (per 1,000).
_ETHNIC = [
    (-8, "Does not apply"),
    (1, "Asian, Asian British or Asian Welsh: Bangladeshi"),
    (2, "Asian, Asian British or Asian Welsh: Chinese"),
    (3, "Asian, Asian British or Asian Welsh: Indian"),
    (4, "Asian, Asian British or Asian Welsh: Pakistani"),
    (5, "Asian, Asian British or Asian Welsh: Other Asian"),
    (6, "Black, Black British, Black Welsh, Caribbean or African: African"),
    (7, "Black, Black British, Black Welsh, Caribbean or African: Caribbean"),
    (8, "Black, Black British, Black Welsh, Caribbean or African: Other Black"),
    (9, "Mixed or Multiple ethnic groups: White and Asian"),
    (10, "Mixed or Multiple ethnic groups: White and Black African"),
    (11, "Mixed or Multiple ethnic groups: White and Black Caribbean"),
    (12, "Mixed or Multiple ethnic groups: Other Mixed or Multiple ethnic groups"),
    (13, "White: English, Welsh, Scottish, Northern Irish or British"),
    (14, "White: Irish"),
    (15, "White: Gypsy or Irish Traveller"),
    (16, "White: Roma"),
    (17, "White: Other White"),
    (18, "Other ethnic group: Arab"),
    (19, "Other ethnic group: Any other ethnic group"),
]
_ETHNIC_SHARES = {
    "Riverside City": [0, 40, 12, 50, 60, 18, 30, 14, 6, 8, 4, 9, 7, 640, 10, 2, 3, 60, 8, 9],
    "Northvale": [0, 10, 6, 25, 35, 8, 10, 5, 2, 5, 2, 6, 4, 780, 8, 3, 2, 55, 4, 5],
    "Eastmarsh": [0, 2, 3, 6, 4, 3, 4, 2, 1, 3, 1, 4, 2, 900, 6, 6, 1, 45, 2, 3],
    "Westbrook": [0, 6, 5, 20, 15, 6, 8, 4, 2, 4, 2, 5, 3, 850, 7, 2, 1, 50, 3, 4],
}
WORKFORCE = """place,sector,count
,Acute trust,14200
,Community health,4100
,Mental health,3900
,Ambulance,1300
,Primary care,5600
,Social care provider,16800
,Local authority,7400
,"Voluntary, community and social enterprise (VCSE)",9800
,Healthwatch,40
,Integrated care board (ICB),520
"""
_GEOGRAPHY = "Lower tier local authorities"


def census_csv(places: Sequence[tuple[str, int]], table: str) -> str:
    """A made-up Census table ("TS007A" or "TS021") for ``places`` (name, residents), in the ONS layout."""
    classification = "Age (18 categories)" if table == "TS007A" else "Ethnic group (20 categories)"
    lines = [f"{_GEOGRAPHY} Code,{_GEOGRAPHY},{classification} Code,{classification},Observation"]
    for name, residents in places:
        code, shape = _AREAS.get(name, ("E06999999", "middle"))
        if table == "TS007A":
            weights = _AGE_SHAPES[shape]
            rows = [(i + 1, label) for i, label in enumerate(_AGE_LABELS)]
        else:
            weights = _ETHNIC_SHARES.get(name, _ETHNIC_SHARES["Westbrook"])
            rows = _ETHNIC
        whole = sum(weights)
        for (number, label), weight in zip(rows, weights, strict=True):
            lines.append(f'{code},{name},{number},"{label}",{round(residents * weight / whole)}')
    return "\n".join(lines) + "\n"


# The participants' made-up answers: older and whiter than the places, fewest young people in Eastmarsh.
_AGE_ANSWERS = [
    (AgeBand.AGED_16_24, 5),
    (AgeBand.AGED_25_34, 12),
    (AgeBand.AGED_35_44, 18),
    (AgeBand.AGED_45_54, 22),
    (AgeBand.AGED_55_64, 20),
    (AgeBand.AGED_65_74, 11),
    (AgeBand.AGED_75_84, 4),
    (AgeBand.AGED_85_PLUS, 3),
    (AgeBand.PREFER_NOT, 4),
]
_ETHNIC_ANSWERS = [
    (EthnicGroup.WHITE, 86),
    (EthnicGroup.ASIAN, 5),
    (EthnicGroup.BLACK, 2),
    (EthnicGroup.MIXED, 2),
    (EthnicGroup.OTHER, 1),
    (EthnicGroup.PREFER_NOT, 4),
]


def _answer(rng: random.Random, options: list[tuple[Any, int]], skip: Any = None) -> str:
    choices = [(o, w) for o, w in options if o != skip]
    return str(rng.choices([o for o, _ in choices], weights=[w for _, w in choices], k=1)[0])


def _answers(conversation: Conversation, seed: int) -> None:
    rng = random.Random(f"representation-{seed}")
    people = list(
        Participant.objects.filter(participations__conversation=conversation)
        .select_related("place")
        .order_by("pk")
    )
    for person in people:
        if rng.random() < 0.15:  # some skip the questions
            continue
        in_eastmarsh = person.place is not None and person.place.name == "Eastmarsh"
        person.age_band = _answer(rng, _AGE_ANSWERS, skip=AgeBand.AGED_16_24 if in_eastmarsh else None)
        person.ethnic_group = _answer(rng, _ETHNIC_ANSWERS)
    Participant.objects.bulk_update(people, ["age_band", "ethnic_group"], batch_size=500)


def load_representation_demo(
    system: System,
    conversation: Conversation,
    residents: Sequence[tuple[str, int]],
    facilitator: Any,
    *,
    seed: int,
) -> int:
    """Import the made-up baselines of ``system``'s places (``residents``: name and residents) and the workforce,
    turn on the age and ethnic group questions of the demo ``conversation`` and give its participants answers
    (inside the caller's transaction). Returns the baseline rows written."""
    places = {p.name for p in Place.objects.filter(system=system)}
    mine = [(name, n) for name, n in residents if name in places]
    written = 0
    for table in ("TS007A", "TS021"):
        data = census_csv(mine, table).encode()
        plan = check_import_census(facilitator, system, data, f"{table.lower()}-riverside.csv")
        written += do_import_baseline(facilitator, plan)
    written += do_import_baseline(
        facilitator,
        check_import_workforce(facilitator, system, WORKFORCE.encode(), "workforce-riverside.csv"),
    )
    conversation.ask_age_band = conversation.ask_ethnic_group = True
    conversation.save(update_fields=["ask_age_band", "ask_ethnic_group"])
    _answers(conversation, seed)
    return written
