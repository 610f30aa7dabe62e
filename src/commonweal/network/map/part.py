"""The "my part" page: what the map says about one organisation, for its lead (by the organisation's survey
link) and for facilitators. From the latest round with answers: its partners both ways, how others rate it and
what changed since the round before; and, whatever the round, its interdependencies, places, communities, the
conversations its people joined (counts under 5 suppressed) and its joint work."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, Q

from commonweal.analysis.network import measures
from commonweal.analysis.network.types import RoundNetwork, Tie
from commonweal.conversations.models import Participation
from commonweal.core.small_numbers import Cell, suppress_breakdown
from commonweal.network.graph import round_network
from commonweal.network.map.data import received_rows
from commonweal.network.map.rounds import each_change, latest_round, previous_round, rounds_of
from commonweal.network.map.style import CHANGE_WORDS, intensity_text, score_text
from commonweal.network.models import Interdependency, JointWork, SurveyRound
from commonweal.systems.models import Organisation


@dataclass(frozen=True)
class PartnerRow:
    """One partner of the organisation: how it rates the partner against how the partner rates it."""

    partner: Organisation
    sector_label: str
    rates_partner: str
    partner_rates: str
    trust_given: str
    value_given: str
    worth_a_conversation: bool


@dataclass(frozen=True)
class ChangeLine:
    change: str
    text: str  # to the organisation's lead: "How you rate ..."
    text_about: str = ""  # to anyone else: "How <the organisation> rates ..."


@dataclass
class OrganisationPart:
    organisation: Organisation
    round: SurveyRound | None
    previous: SurveyRound | None
    responded: bool
    partners: list[PartnerRow]
    ties_out: int
    ties_in: int
    received: list[tuple[str, str]]
    dependencies_in: list[Interdependency]
    dependencies_out: list[Interdependency]
    places: list[str]
    communities: list[str]
    conversations: list[Cell]
    joint_work: list[tuple[JointWork, list[str]]]  # with the names of the other organisations
    changes: list[ChangeLine]
    change_summary: str
    received_you: list[tuple[str, str]] = field(default_factory=list)  # ``received`` in the lead's words

    @property
    def n_worth_a_conversation(self) -> int:
        return sum(1 for p in self.partners if p.worth_a_conversation)


@dataclass
class _RoundPart:
    """What the latest round (and the one before) say about the organisation."""

    responded: bool = False
    partners: list[PartnerRow] = field(default_factory=list)
    ties_out: int = 0
    ties_in: int = 0
    received: list[tuple[str, str]] = field(default_factory=list)
    received_you: list[tuple[str, str]] = field(default_factory=list)
    changes: list[ChangeLine] = field(default_factory=list)
    change_summary: str = ""


def organisation_part(organisation: Organisation) -> OrganisationPart:
    """What "my part" shows for one organisation, from the latest round with answers (and the one before)."""
    system = organisation.system
    org = organisation.pk
    rounds = rounds_of(system)
    current = latest_round(rounds)
    previous = previous_round(rounds, current)
    ours = _round_part(org, current, previous) if current is not None else _RoundPart()
    items = list(
        Interdependency.objects.filter(system=system)
        .filter(Q(from_organisation_id=org) | Q(to_organisation_id=org))
        .select_related("from_organisation", "from_community", "to_organisation", "to_community")
    )
    return OrganisationPart(
        organisation=organisation,
        round=current,
        previous=previous,
        responded=ours.responded,
        partners=ours.partners,
        ties_out=ours.ties_out,
        ties_in=ours.ties_in,
        received=ours.received,
        received_you=ours.received_you,
        dependencies_in=[i for i in items if i.to_organisation_id == org],
        dependencies_out=[i for i in items if i.from_organisation_id == org],
        places=sorted(p.name for p in organisation.places.all()),
        communities=sorted(
            {c.name for i in items for c in (i.from_community, i.to_community) if c is not None}
        ),
        conversations=_conversations(organisation),
        joint_work=[
            (w, [o.name for o in w.organisations.all() if o.pk != org])
            for w in organisation.joint_work.prefetch_related("organisations")
        ],
        changes=ours.changes,
        change_summary=ours.change_summary,
    )


def _round_part(org: int, current: SurveyRound, previous: SurveyRound | None) -> _RoundPart:
    net = round_network(current)
    summary = measures.summarise(net)
    out, in_ = measures.ties_of(net, org)
    part = _RoundPart(
        responded=org in net.responded,
        partners=_partner_rows(net, summary, org, out, in_),
        ties_out=sum(1 for t in out if t.intensity >= measures.TIE_THRESHOLD),
        ties_in=sum(1 for t in in_ if t.intensity >= measures.TIE_THRESHOLD),
    )
    got = summary.received.get(org)
    if got is not None:
        part.received = received_rows(got)
        part.received_you = received_rows(got, you=True)
    if previous is not None:
        change = measures.compare(round_network(previous), net)
        part.changes, part.change_summary = _part_changes(change, org)
    return part


def _partner_rows(
    net: RoundNetwork, summary: measures.NetworkMeasures, org: int, out: list[Tie], in_: list[Tie]
) -> list[PartnerRow]:
    """Every organisation with a tie either way, by name: how each side rates the other, and whether the two
    views differ enough to be worth a conversation."""
    responded = org in net.responded
    by_partner_out = {t.partner: t for t in out}
    by_partner_in = {t.rater: t for t in in_}
    flagged = {a.b if a.a == org else a.a for a in summary.asymmetric if org in (a.a, a.b)}
    ids = {t.partner for t in out if t.intensity >= measures.TIE_THRESHOLD} | {
        t.rater for t in in_ if t.intensity >= measures.TIE_THRESHOLD
    }
    others = {o.pk: o for o in Organisation.objects.filter(pk__in=ids)}
    rows = []
    for pk in sorted(ids, key=lambda i: others[i].name if i in others else ""):
        if pk not in others:
            continue
        mine, theirs = by_partner_out.get(pk), by_partner_in.get(pk)
        rows.append(
            PartnerRow(
                partner=others[pk],
                sector_label=str(others[pk].get_sector_display()),
                rates_partner=intensity_text(mine.intensity if mine else 0.0)
                if responded
                else "Not answered yet",
                partner_rates=intensity_text(theirs.intensity if theirs else 0.0)
                if pk in net.responded
                else "Not answered yet",
                trust_given=score_text(mine.trust) if mine else "Not answered",
                value_given=score_text(mine.value) if mine else "Not answered",
                worth_a_conversation=pk in flagged,
            )
        )
    return rows


def _conversations(organisation: Organisation) -> list[Cell]:
    """How many participants from the organisation joined each conversation, small counts suppressed."""
    counts = (
        Participation.objects.filter(participant__organisation=organisation)
        .values("conversation__title")
        .annotate(n=Count("participant", distinct=True))
        .order_by("conversation__title")
    )
    return suppress_breakdown([(row["conversation__title"], row["n"]) for row in counts])


def _part_changes(change: measures.RoundChange, org: int) -> tuple[list[ChangeLine], str]:
    involved = [(kind, c) for kind, c in each_change(change) if org in (c.rater, c.partner)]
    names = dict(
        Organisation.objects.filter(
            pk__in={org} | {pk for _, c in involved for pk in (c.rater, c.partner)}
        ).values_list("pk", "name")
    )
    lines = []
    own = names.get(org, "this organisation")
    for kind, c in involved:
        if c.rater == org:
            partner = names.get(c.partner, "a former partner")
            text, about = f"How you rate {partner}", f"How {own} rates {partner}"
        else:
            rater = names.get(c.rater, "a former partner")
            text, about = f"How {rater} rates you", f"How {rater} rates {own}"
        when = (
            f": {intensity_text(c.before).lower()} in {change.before_name}, "
            f"{intensity_text(c.after).lower()} in {change.after_name}"
        )
        lines.append(ChangeLine(CHANGE_WORDS[kind], text + when, about + when))
    counts = Counter(kind for kind, _ in involved)
    summary = (
        f"Since {change.before_name}: {counts['new']} new, {counts['stronger']} stronger, "
        f"{counts['weaker']} weaker and {counts['lost']} lost tie{'s' if counts['lost'] != 1 else ''}, "
        "counting only the organisations that answered both rounds."
    )
    return lines, summary
