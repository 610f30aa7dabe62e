"""The strategy report: what a board reads in ten minutes. The agreed and proposed aims with their evidence and
commitments, progress by status, the pulse's latest change, and who took part: the people who joined each of the
system's conversations and who answered each pulse round.

Every count of people comes through the disclosure layer (:mod:`commonweal.core.small_numbers`): the evidence as
it was published when the aim was drafted, and the counts of who took part as headline counts of one
:class:`~commonweal.core.small_numbers.Disclosure`, shown as the conversations' and the pulse's own pages show them.
No breakdown across conversations is made: a sector's people summed over conversations would give away a cell
that a conversation's own tables hide. Commitments, organisations and aims are counted as they are (they are not
people)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count

from commonweal.conversations.models import Conversation
from commonweal.core.small_numbers import Cell, Disclosure
from commonweal.pulse.models import PulseRound
from commonweal.pulse.queries import latest_change
from commonweal.strategy.accountability.build import AimCard, board
from commonweal.strategy.charts import Chart
from commonweal.strategy.later import figures as later_figures
from commonweal.strategy.later.build import YearLater, build_year_later
from commonweal.strategy.models import Aim, ProgressStatus
from commonweal.systems.models import System


@dataclass(frozen=True)
class TookPart:
    """One line of "who took part": a conversation or a pulse round, and its people as published."""

    name: str
    status: str
    people: Cell


@dataclass
class StrategyReport:
    system: System
    agreed: list[AimCard]
    proposed: list[AimCard]
    progress: list[tuple[str, int]]
    late: int
    commitments: int
    organisations: int
    pulse: str = ""
    pulse_rounds: str = ""
    conversations: list[TookPart] = field(default_factory=list)
    pulse_responses: list[TookPart] = field(default_factory=list)
    #: "A year later": relationship measures (with trust), the pulse and participation over the rounds.
    later: YearLater | None = None
    later_charts: list[tuple[str, str, list[Chart]]] = field(default_factory=list)


def _pulse(system: System) -> tuple[str, str]:
    """The pulse's change from the round before to the latest round opened, in words; "" without two rounds."""
    change = latest_change(system)
    if change is None:
        return "", ""
    return change.summary, f"{change.before.name} to {change.after.name}"


def _took_part(system: System) -> tuple[list[TookPart], list[TookPart]]:
    """The people who joined each conversation (not drafts) and who answered each pulse round (opened), as one
    publication of headline counts."""
    conversations = list(
        Conversation.objects.filter(system=system)
        .exclude(status=Conversation.Status.DRAFT)
        .annotate(n=Count("participations", distinct=True))
        .order_by("created_at", "pk")
        .values_list("pk", "title", "status", "n")
    )
    rounds = list(
        PulseRound.objects.filter(system=system, opened_at__isnull=False)
        .annotate(n=Count("responses", distinct=True))
        .order_by("opened_at", "pk")
        .values_list("pk", "name", "status", "n")
    )
    d = Disclosure()
    joined = [d.total(f"people who joined conversation {pk}", n) for pk, _t, _s, n in conversations]
    answered = [d.total(f"people who answered pulse round {pk}", n) for pk, _n, _s, n in rounds]
    published = d.publish()
    conversation_labels = dict(Conversation.Status.choices)
    round_labels = dict(PulseRound.Status.choices)
    return (
        [
            TookPart(title, str(conversation_labels[status]), published.cell(ref))
            for (_pk, title, status, _n), ref in zip(conversations, joined, strict=True)
        ],
        [
            TookPart(name, str(round_labels[status]), published.cell(ref))
            for (_pk, name, status, _n), ref in zip(rounds, answered, strict=True)
        ],
    )


def _owners(cards: list[AimCard]) -> int:
    """How many organisations and community groups made the commitments (not people: counted as they are)."""
    return len(
        {
            (row.commitment.organisation_id, row.commitment.community_id)
            for card in cards
            for row in card.commitments
        }
    )


def build_report(system: System) -> StrategyReport:
    cards = board(system, [Aim.Status.AGREED, Aim.Status.PROPOSED])
    rows = [row for card in cards for row in card.commitments]
    counts = Counter(row.status for row in rows)
    labels = dict(ProgressStatus.choices)
    pulse, pulse_rounds = _pulse(system)
    conversations, pulse_responses = _took_part(system)
    later = build_year_later(system)
    return StrategyReport(
        system=system,
        agreed=[c for c in cards if c.aim.status == Aim.Status.AGREED],
        proposed=[c for c in cards if c.aim.status == Aim.Status.PROPOSED],
        progress=[(str(labels[k]), counts[k]) for k in labels if counts[k]],
        late=sum(1 for row in rows if row.stale),
        commitments=len(rows),
        organisations=_owners(cards),
        pulse=pulse,
        pulse_rounds=pulse_rounds,
        conversations=conversations,
        pulse_responses=pulse_responses,
        later=later,
        later_charts=[s for s in later_figures.sections(later) if s[0] != "commitments"],
    )
