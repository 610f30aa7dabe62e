"""The conversation the representation tests and the browser story read: two places, 63 people who joined
(Eastmarsh: 2 aged 16 to 24, 25 aged 25 to 34; Westbrook: 10 and 20; 6 who said neither), one statement that
the young all agree with and one in three of the others; and the Census age table of the two places, in the ONS
layout (the young are half of the population), plus an area in neither place."""

from __future__ import annotations

from typing import Any

from tests.factories import (
    make_conversation,
    make_participant,
    make_place,
    make_statement,
    make_system,
    make_vote,
)

AGES = (
    "Lower tier local authorities Code,Lower tier local authorities,Age (18 categories) Code,"
    "Age (18 categories),Observation\n"
    "E06999003,Eastmarsh,5,Aged 20 to 24 years,4000\n"
    "E06999003,Eastmarsh,6,Aged 25 to 29 years,2000\n"
    "E06999004,Westbrook,5,Aged 20 to 24 years,1000\n"
    "E06999004,Westbrook,6,Aged 25 to 29 years,3000\n"
    "E08000035,Leeds,6,Aged 25 to 29 years,30000\n"
)


def make_world(**system: Any) -> dict[str, Any]:
    made = make_system(**{"name": "Riverside", **system})
    east, west = make_place(made, name="Eastmarsh"), make_place(made, name="Westbrook")
    conversation = make_conversation(
        made, title="Our five-year strategy", ask_age_band=True, ask_community=False
    )
    statement = make_statement(conversation, "Buses to the hospital run late")
    groups = [
        (east, "16-24", 2),
        (east, "25-34", 25),
        (west, "16-24", 10),
        (west, "25-34", 20),
        (None, "", 6),
    ]
    for place, age, n in groups:
        for i in range(n):
            person = make_participant(made, conversation=conversation, place=place, age_band=age)
            make_vote(person, statement, 1 if age == "16-24" or i % 3 == 0 else -1)
    return {"system": made, "conversation": conversation, "east": east, "west": west, "statement": statement}
