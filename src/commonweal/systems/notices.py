"""The privacy notice and the accessibility statement of a system: the defaults a facilitator starts from.

A system stores only what its facilitators changed: an empty ``privacy_purpose`` or ``accessibility_statement``
means the default here, so a better default (or its translation) reaches every system that kept it. The parts
that must always be true (who the controller is, what is collected, how long it is kept, the participant's
rights, how to complain) are not editable text: the pages build them from the system's settings.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from commonweal.systems.models import System

DEFAULT_PRIVACY_PURPOSE = _(
    "We use what you tell us to find out what people across our health and care system agree on, and to "
    "shape our joint strategy with it.\n\n"
    "The law that allows it: UK GDPR Article 6(1)(e), a task in the public interest (our duty to involve the "
    "people who live and work in the area in writing the integrated care strategy, Local Government and Public "
    "Involvement in Health Act 2007, section 116ZB).\n\n"
    "Answers about you that can be special-category data (your communities, such as an ethnic group or a "
    "long-term condition) are optional. We use them only if you choose to give them, with your explicit "
    "consent (UK GDPR Article 9(2)(a)), to check that every part of the community is heard. You can withdraw "
    "it at any time by deleting your data."
)

DEFAULT_ACCESSIBILITY_STATEMENT = _(
    "We want as many people as possible to be able to use this website. You should be able to change colours, "
    "contrast levels and fonts, zoom in up to 400% without the text spilling off the screen, get around the "
    "website using just a keyboard or speech recognition software, and listen to it using a screen reader.\n\n"
    "This website is fully compliant with the Web Content Accessibility Guidelines version 2.2 AA standard. Its "
    "pages are tested automatically with axe-core on every change, on a phone-sized screen (320 pixels wide), "
    "by keyboard and without JavaScript. The downloadable reports are tagged PDFs.\n\n"
    "Known limitations: the interactive network map and the charts need a mouse or touch to explore; every map "
    "and chart has a table with the same information beside it."
)


def privacy_purpose(system: System) -> str:
    """Why the system collects participants' data and the law that allows it: its own words, or the default."""
    return system.privacy_purpose.strip() or str(DEFAULT_PRIVACY_PURPOSE)


def accessibility_statement(system: System | None) -> str:
    """How accessible the site is: the system's own words, or the default (also the site-wide statement)."""
    own = system.accessibility_statement.strip() if system is not None else ""
    return own or str(DEFAULT_ACCESSIBILITY_STATEMENT)


def stored_text(typed: str, default: object) -> str:
    """What to store for an editable text: nothing when it is the default (so the default keeps improving)."""
    typed = typed.strip().replace("\r\n", "\n")
    return "" if typed == str(default).strip() else typed


def retention_sentence(system_name: str, days: int) -> str:
    """How long the system keeps participants' data, in the words the consent, privacy and "Your data" pages use."""
    return ngettext(
        "%(system)s keeps your votes, statements and answers for %(days)s day after a conversation closes, "
        "then deletes them.",
        "%(system)s keeps your votes, statements and answers for %(days)s days after a conversation closes, "
        "then deletes them.",
        days,
    ) % {"system": system_name, "days": f"{days:,}"}
