"""The board report of a conversation: what the page, the shared link and the PDF show (a view-model).

It reads; it never computes the analysis. Who took part and who did not come from the conversation's
participants and their declared attributes, against the system's places, sectors and communities. Everything the
analysis found (groups, common ground, divisive statements, stability, charts) comes from
:func:`commonweal.conversations.results.build.build_results` over the latest snapshot; when there is no snapshot yet the
report says so and shows participation only.

Every count comes from the conversation's one publication
(:func:`commonweal.conversations.disclosure.conversation_publication`), the same the dashboard, the results page
and the exports read: a cell of fewer than 5 people says "fewer than 5", a cell hidden beside it "not shown", and
the votes and statements of a hidden cell are hidden with it. A sector is said to have had nobody only where the
layer shows a zero, and to have had fewer than 5 only where it says so.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count, Max
from django.utils import timezone

from commonweal.conversations.disclosure import NOT_SAID as NOT_SAID_KEY
from commonweal.conversations.disclosure import ConversationNumbers, conversation_publication
from commonweal.conversations.models import (
    AnalysisSnapshot,
    Conversation,
    GroupName,
    Participation,
    Statement,
    Vote,
)
from commonweal.conversations.queries import latest_snapshot
from commonweal.conversations.results import charts
from commonweal.conversations.results.build import build_results, people, people_words
from commonweal.core.small_numbers import SMALL, Cell, fewer_than, threshold
from commonweal.reports.figures import Figures, conversation_figures
from commonweal.systems.models import Organisation, Sector

log = logging.getLogger("commonweal.reports")

NOT_SAID = "Not said"

#: How the report names a sector in a sentence: "No one from primary care took part".
SECTOR_PHRASES = {
    Sector.ACUTE: "acute trusts",
    Sector.COMMUNITY: "community health services",
    Sector.MENTAL_HEALTH: "mental health services",
    Sector.AMBULANCE: "the ambulance service",
    Sector.PRIMARY_CARE: "primary care",
    Sector.SOCIAL_CARE_PROVIDER: "social care providers",
    Sector.LOCAL_AUTHORITY: "local authorities",
    Sector.VCSE: "the voluntary, community and social enterprise sector (VCSE)",
    Sector.HEALTHWATCH: "Healthwatch",
    Sector.ICB: "the integrated care board (ICB)",
    Sector.COMMUNITY_RESIDENT: "community members and residents",
    Sector.COMMUNITY_GROUP: "community groups",
    Sector.OTHER: "other sectors",
}


# --- Who took part ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParticipationRow:
    """One line of a breakdown: the people (a published :class:`Cell`) and what they did, as published (None:
    not shown). Votes and statements are withheld whenever the people are, so a small group's activity cannot
    be read off either."""

    people: Cell
    votes: int | None
    statements: int | None

    @property
    def label(self) -> str:
        return self.people.label

    @property
    def votes_display(self) -> str:
        return "not shown" if self.votes is None else f"{self.votes:,}"

    @property
    def statements_display(self) -> str:
        return "not shown" if self.statements is None else f"{self.statements:,}"


@dataclass(frozen=True)
class ParticipationBreakdown:
    key: str  # "sector", "place", "community"
    title: str
    heading: str  # the first column's heading
    rows: list[ParticipationRow]
    total: str | None  # None when the rows are not parts of a whole (communities)
    note: str = ""

    @property
    def any_suppressed(self) -> bool:
        return any(r.people.suppressed for r in self.rows)

    @property
    def any_zero(self) -> bool:
        return any(r.people.count == 0 for r in self.rows)


@dataclass(frozen=True)
class Absent:
    """Who did not take part, against what the system has: one sentence per attribute, and the names."""

    key: str
    sentences: list[str]
    asked: bool = True


@dataclass
class WhoTookPart:
    people: int
    voters: int
    votes: int
    statements_written: int
    breakdowns: list[ParticipationBreakdown] = field(default_factory=list)
    absent: list[Absent] = field(default_factory=list)
    thin: list[str] = field(default_factory=list)  # "Fewer than 5 people from Eastmarsh took part."
    withheld: bool = False  # fewer than 5 people: no breakdown at all

    @property
    def people_display(self) -> str:
        n = self.people
        return fewer_than() if 0 < n < threshold() else f"{n:,}"


def _rows(numbers: ConversationNumbers, key: str) -> list[ParticipationRow]:
    dim = numbers.dimensions[key]
    people = numbers.breakdown(key)
    return [
        ParticipationRow(cell, numbers.cast_by(key, k).count, numbers.written_by(key, k).count)
        for cell, k in zip(people, dim.labels, strict=True)
    ]


def _participation_breakdown(numbers: ConversationNumbers, key: str) -> ParticipationBreakdown:
    dim = numbers.dimensions[key]
    table = numbers.table(key)
    total = table.total.display if table.total is not None else None
    note = " ".join(table.notes)
    if not dim.partition:
        several = "People can belong to several communities, or none, so these do not add up to the total."
        note = f"{several} {note}".strip()
    return ParticipationBreakdown(key, dim.title, dim.heading, _rows(numbers, key), total, note)


def system_sectors(conversation: Conversation) -> list[str]:
    """The sectors the system has organisations in (every sector but "other" when it has none listed yet)."""
    present = set(
        Organisation.objects.filter(system=conversation.system).values_list("sector", flat=True).distinct()
    )
    if not present:
        present = {s.value for s in Sector if s != Sector.OTHER}
    return [s.value for s in Sector if s.value in present]


def _and(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _nobody(numbers: ConversationNumbers, key: str, k: Any) -> bool:
    """Whether the layer shows that nobody from category ``k`` took part (a withheld zero says nothing)."""
    return numbers.cell(key, k).count == 0


def _few(numbers: ConversationNumbers, key: str, k: Any) -> bool:
    """Whether the layer labels category ``k`` "fewer than 5" (never for a cell hidden beside it)."""
    return numbers.cell(key, k).status == SMALL


def _sector_absent(conversation: Conversation, numbers: ConversationNumbers, out: WhoTookPart) -> None:
    sectors = system_sectors(conversation)
    missing = [SECTOR_PHRASES[Sector(k)] for k in sectors if _nobody(numbers, "sector", k)]
    out.absent.append(Absent("sector", [f"No one from {name} took part." for name in missing]))
    out.thin += [
        f"Fewer than {threshold()} people from {SECTOR_PHRASES[Sector(k)]} took part."
        for k in sectors
        if _few(numbers, "sector", k)
    ]


def _place_absent(numbers: ConversationNumbers, out: WhoTookPart) -> None:
    places = {k: name for k, name in numbers.dimensions["place"].labels.items() if k != NOT_SAID_KEY}
    out.absent.append(
        Absent(
            "place",
            [f"No one from {name} took part." for k, name in places.items() if _nobody(numbers, "place", k)],
        )
    )
    out.thin += [
        f"Fewer than {threshold()} people from {name} took part."
        for k, name in places.items()
        if _few(numbers, "place", k)
    ]


def _community_absent(numbers: ConversationNumbers, out: WhoTookPart) -> None:
    labels = numbers.dimensions["community"].labels
    none = [name for k, name in labels.items() if _nobody(numbers, "community", k)]
    out.absent.append(
        Absent("community", [f"No one from these communities took part: {_and(none)}."] if none else [])
    )


def who_took_part(conversation: Conversation, numbers: ConversationNumbers | None = None) -> WhoTookPart:
    """People, votes and statements by sector, place and community, as the conversation's one publication shows
    them (``numbers``; built here with the latest analysis when not given); and who did not take part: the
    system's places, sectors and communities the publication shows no participant from."""
    if numbers is None:
        numbers = conversation_publication(
            conversation, latest_snapshot(conversation, defer=("state", "priorities"))
        )
    out = WhoTookPart(
        people=numbers.participants,
        voters=numbers.voters,
        votes=numbers.votes,
        statements_written=numbers.statements_written,
    )
    for key, asked in (
        ("sector", conversation.ask_sector),
        ("place", conversation.ask_place),
        ("community", conversation.ask_community),
    ):
        if not asked:
            out.absent.append(Absent(key, [], asked=False))
            continue
        out.breakdowns.append(_participation_breakdown(numbers, key))
        if key == "sector":
            _sector_absent(conversation, numbers, out)
        elif key == "place":
            _place_absent(numbers, out)
        else:
            _community_absent(numbers, out)
    if numbers.participants < threshold():
        # Too few people for any breakdown: even "no one from X" would narrow down who the few are.
        out.withheld = True
        out.breakdowns, out.absent, out.thin = [], [], []
    return out


# --- The report -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportChart:
    """A chart of the report, from :mod:`commonweal.conversations.results.charts`: drawn on the server (SVG for the page, PNG
    for the PDF), with its description and its table (the same figures in rows)."""

    name: str
    title: str
    description: str
    spec: dict[str, Any]
    table: Any  # charts.Table: caption, columns, rows
    note: str = ""

    def svg_data_uri(self) -> str:
        svg = charts.to_svg(self.spec)
        return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()

    def png_data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(charts.to_png(self.spec, scale=2)).decode()


@dataclass(frozen=True)
class Topic:
    """A divisive statement, put as a question to talk about."""

    divisive: Any  # results.Divisive
    question: str


#: Common ground items shown in the report (the rest are on the results page).
COMMON_GROUND_SHOWN = 6
#: Rows of a chart's table shown in the report: a board reads the highlights; the results page has them all.
TABLE_ROWS_SHOWN = 10
TOPICS_SHOWN = 5
BELIEFS_SHOWN = 4


@dataclass
class Report:
    conversation: Conversation
    who: WhoTookPart
    snapshot: AnalysisSnapshot | None
    results: Any  # commonweal.conversations.results.build.Results (None only if it could not be built)
    findings: list[str]
    rejected: int
    accepted: int
    generated_at: datetime
    charts: dict[str, ReportChart] = field(default_factory=dict)
    topics: list[Topic] = field(default_factory=list)
    figures: Figures | None = None  # the headline figures, as the exports page says them (reports/figures.py)

    @property
    def system(self) -> Any:
        return self.conversation.system

    @property
    def has_results(self) -> bool:
        return self.snapshot is not None and self.results is not None and bool(self.results.ready)

    @property
    def status_sentence(self) -> str:
        c = self.conversation
        if c.status == Conversation.Status.OPEN:
            return "People can still take part, so these findings may change."
        if c.status == Conversation.Status.CLOSED:
            return "Nobody can take part any more: these are its final results."
        return "Nobody can take part yet."

    @property
    def common_ground(self) -> list[tuple[Any, str]]:
        """The first common ground statements, each with who was too few to judge it, in one short sentence."""
        if not self.has_results:
            return []
        return [
            (cg, too_small_sentence(cg.too_small, "it"))
            for cg in self.results.common_ground[:COMMON_GROUND_SHOWN]
        ]

    @property
    def too_small_to_judge(self) -> str:
        return too_small_sentence(self.results.too_small_to_judge, "them") if self.has_results else ""

    @property
    def more_common_ground(self) -> int:
        return max(0, len(self.results.common_ground) - COMMON_GROUND_SHOWN) if self.has_results else 0

    @property
    def groups(self) -> list[tuple[Any, list[Any]]]:
        """Each opinion group with what it believes most: its representative statements that most of it holds
        (Pol.is fills a group's list to five, which can bring in a statement few of the group hold)."""
        if not self.has_results:
            return []
        return [
            (g, [rep for rep in g.representative if rep.share is None or rep.share >= 0.5][:BELIEFS_SHOWN])
            for g in self.results.groups
        ]

    @property
    def grouped_display(self) -> str:
        """People placed in opinion groups, as published: a number only when it gives no group away."""
        grouped = self.results.grouped if self.results is not None else None
        if grouped is None or grouped.count is None:
            return "the people"
        return people_words(grouped)

    @property
    def stability(self) -> str:
        st = self.results.stability if self.has_results else None
        return st.words if st is not None else ""


#: Dimensions whose too-small categories are named; the others (organisations, places, communities) are counted,
#: since a system has dozens of organisations and a board needs the gist.
NAMED_DIMENSIONS = {"opinion group": "", "sector": " (sector)"}
PLURALS = {"organisation": "organisations", "place": "places", "community": "communities"}


def too_small_sentence(too_small: dict[str, list[str]], what: str) -> str:
    """ "Too few people in Group C, Healthwatch (sector) and 23 organisations voted to judge it." or ""."""
    parts: list[str] = []
    # Groups, then sectors, then the rest: the same order whatever order the stored JSON kept.
    order = [*NAMED_DIMENSIONS, *sorted(set(too_small) - set(NAMED_DIMENSIONS))]
    for dimension in order:
        names = too_small.get(dimension) or []
        if not names:
            continue
        if dimension in NAMED_DIMENSIONS:
            parts.extend(f"{name}{NAMED_DIMENSIONS[dimension]}" for name in names)
        else:
            plural = PLURALS.get(dimension, dimension)
            parts.append(f"1 {dimension}" if len(names) == 1 else f"{len(names)} {plural}")
    return f"Too few people in {_and(parts)} voted to judge {what}." if parts else ""


def fingerprint(conversation: Conversation) -> str:
    """What the report's content depends on, cheaply: the snapshot's tick, people joined, the last vote, the
    statements and the groups' names. The PDF cache is keyed by it, so a new snapshot (or a new participant, or a
    group named again) renders a new PDF."""
    tick = AnalysisSnapshot.objects.filter(conversation=conversation).aggregate(t=Max("tick"))["t"] or 0
    joined = Participation.objects.filter(conversation=conversation).count()
    last_vote = Vote.objects.filter(conversation=conversation).aggregate(m=Max("event_id"))["m"] or 0
    statements = Statement.objects.filter(conversation=conversation).aggregate(
        n=Count("id"), m=Max("moderated_at")
    )
    moderated = statements["m"].timestamp() if statements["m"] else 0
    # A name is changed by a new row, and cleared or forgotten by deleting one: both change these.
    names = GroupName.objects.filter(conversation=conversation).aggregate(n=Count("id"), m=Max("id"))
    named = f"{names['n']}.{names['m'] or 0}"
    return f"{tick}-{joined}-{last_vote}-{statements['n']}-{moderated}-{conversation.status}-{named}"


def build_report(conversation: Conversation) -> Report:
    """Everything the report shows, for the page, the shared link and the PDF alike (nothing facilitator-only)."""
    snapshot = latest_snapshot(conversation)
    # Without a snapshot the results still say who took part over time (and why there is nothing else yet).
    results = build_results(conversation, snapshot=snapshot)
    if results.numbers is None:  # build_results always publishes them
        raise RuntimeError(f"No publication of conversation {conversation.slug}'s numbers")
    figures = conversation_figures(conversation, results.numbers)
    report = Report(
        conversation=conversation,
        who=who_took_part(conversation, results.numbers),
        snapshot=snapshot,
        results=results,
        findings=[],
        rejected=figures.rejected,
        accepted=figures.accepted,
        generated_at=timezone.now(),
        figures=figures,
    )
    if report.has_results:
        report.topics = [Topic(d, topic_question(d)) for d in results.divisive[:TOPICS_SHOWN]]
        report.charts = _charts(results)
    elif not report.who.withheld:
        report.charts = _charts(results, only=("participation",))
    if report.who.withheld:  # under 5 people: not even their arrival times
        report.charts.pop("participation", None)
    report.findings = findings(report)
    return report


# --- Findings, written from the data -------------------------------------------------------------------------


def _people(n: int) -> str:
    if 0 < n < threshold():
        return fewer_than("people")
    return f"{n:,} {'person' if n == 1 else 'people'}"


def _quote(text: str) -> str:
    return "\u201c" + text.rstrip() + "\u201d"


def topic_question(divisive: Any) -> str:
    """A divisive statement as a question for the groups to talk about."""
    agree, disagree = _and(divisive.agree_groups), _and(divisive.disagree_groups)
    if divisive.agree_groups and divisive.disagree_groups:
        return (
            f"What leads {agree} to agree and {disagree} to disagree, and what would each need to hear from the "
            "other to find a way forward?"
        )
    return "What do people mean by this statement, and what would it take for more of them to agree?"


def findings(report: Report) -> list[str]:
    """Three or four sentences a board reads first, each from this conversation's data."""
    who, figures = report.who, report.figures
    assert figures is not None
    first = (
        f"{_people(figures.people)[0].upper()}{_people(figures.people)[1:]} took part, casting {figures.votes:,} "
        f"vote{'s' if figures.votes != 1 else ''} on {figures.accepted:,} "
        f"statement{'s' if figures.accepted != 1 else ''}"
    )
    if figures.written:
        first += f", {figures.written:,} of them written by participants"
    out = [first + "."]
    if not report.has_results:
        out.append(
            "The analysis has not run on this conversation yet, so there are no opinion groups or common ground "
            "to report: this report shows who took part."
        )
    else:
        out.extend(_result_findings(report))
    absent = [s for a in who.absent for s in a.sentences]
    if absent and len(out) < 4:
        out.append(
            absent[0] if len(absent) == 1 else f"{absent[0]} ({len(absent) - 1} more gaps are listed below.)"
        )
    return out[:4]


def _result_findings(report: Report) -> list[str]:
    """Sentences about the groups, the common ground and the divide, from the results view-model."""
    r: Any = report.results
    out: list[str] = []
    if r.groups:
        # "Among the 79 people ... Group B has 75" gave a hidden group away (issue 11): the number of people in
        # groups is said only when the layer shows it, and "the largest" only when every group's size is shown.
        grouped = r.grouped if r.grouped is not None and r.grouped.count is not None else None
        among = f"the {people(grouped.count)}" if grouped is not None else "the people"
        sentence = f"The analysis found {len(r.groups)} opinion groups among {among} who voted on at least 7 statements"
        if len(r.groups) > 1 and all(g.size.count is not None for g in r.groups):
            largest = max(r.groups, key=lambda g: g.size.count or 0)
            sentence += f"; the largest, {largest.name}, has {largest.size_words}"
        out.append(sentence + ".")
        if r.groups_reason:
            out.append(r.groups_reason)
    elif r.groups_waiting:
        out.append(r.groups_waiting)
    if r.common_ground:
        top = r.common_ground[0]
        n = len(r.common_ground)
        where = "every opinion group" + (" and sector" if "sectors" in r.judged_dimensions else "")
        lead = f"{n} statement{'s are' if n != 1 else ' is'} common ground across {where}; " + (
            "the strongest, on what is already working, is "
            if top.is_what_is_working
            else "the strongest is "
        )
        out.append(f"{lead}{_quote(top.statement.text)} ({top.words}).")
    else:
        out.append("No statement is yet agreed across every opinion group.")
    if r.divisive:
        d = r.divisive[0]
        out.append(f"The groups divide most on {_quote(d.statement.text)}: {d.words}.")
    return out


def _charts(results: Any, only: tuple[str, ...] | None = None) -> dict[str, ReportChart]:
    """The results' charts with their tables (long tables cut to their first rows, and said so)."""
    out: dict[str, ReportChart] = {}
    for chart_name, chart in charts.CHARTS.items():
        name = chart_name.replace("-", "_")  # a template reads report.charts.opinion_map
        if only is not None and name not in only:
            continue
        try:
            spec = chart.spec(results)
            table = chart.table(results)
        except Exception:  # a chart that cannot be drawn must not take the report down with it
            log.exception("report chart %s failed for %s", name, results.conversation.slug)
            continue
        if not table.rows:
            continue
        note = ""
        if len(table.rows) > TABLE_ROWS_SHOWN:
            rows = table.rows
            if name == "participation":  # a time series: keep its shape, every nth point and the last
                step = -(-len(rows) // TABLE_ROWS_SHOWN)
                kept = rows[::step]
                if kept[-1] is not rows[-1]:
                    kept.append(rows[-1])
                note = f"{len(kept)} of the {len(rows)} points, evenly spaced, and the last."
            else:
                kept = rows[:TABLE_ROWS_SHOWN]
                note = f"The first {TABLE_ROWS_SHOWN} of {len(rows)} rows."
            table = charts.Table(table.caption, table.columns, kept)
        description = str(spec.get("description") or "")
        out[name] = ReportChart(name, chart.caption, description, spec, table, note)
    return out
