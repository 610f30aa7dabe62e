"""A conversation's representation: who took part against who lives and works here, and agreement reweighted
to the population. Every count of people goes through the disclosure layer (:mod:`commonweal.core.small_numbers`)
before anything is worked out from it; ratios and shares are given only of counts it shows exactly.

The tables published together: everyone who joined (exact); people by place, age band, ethnic group and sector,
each with "not said" (a skipped question or "Prefer not to say"), adding up to everyone; and place by age band and
place by ethnic group (two-way, their rows adding up to the places). A place's or a sector's cell is shown here
only when the conversation's own publication (results, report, exports) shows it too, so this page never shows a
count that another page hides.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from django.core.cache import cache

from commonweal.analysis.errors import AnalysisInputError
from commonweal.communities.models import Baseline
from commonweal.communities.representation import queries
from commonweal.communities.representation.stats import (
    MIN_EFFECTIVE,
    Agreement,
    Raking,
    Ratio,
    participation_ratio,
    rake_strata,
    ratio_words,
    weighted_agreement,
)
from commonweal.conversations.disclosure import NOT_SAID, ConversationNumbers, conversation_publication
from commonweal.conversations.models import AgeBand, Conversation, EthnicGroup, Statement
from commonweal.core.small_numbers import Cell, Disclosure, Publication
from commonweal.systems.models import Community, Sector

PLACE, AGE, ETHNIC, SECTOR = "place", "age_band", "ethnic_group", "sector"
ALL_DIMENSIONS = (PLACE, AGE, ETHNIC, SECTOR)
#: The CSV export's columns.
CSV_COLUMNS = (
    "statement",
    "text",
    "agree_raw",
    "agree_reweighted",
    "lower",
    "upper",
    "effective_voters",
    "reweighted_by",
    "note",
)
#: How long a conversation's representation is kept (seconds) while nothing :func:`queries.fingerprint` reads has
#: changed (a statement moderated, a baseline imported, an erasure): new votes, new people and changed answers are
#: counted when it expires.
CACHE_SECONDS = 60
#: How many of the biggest gaps are put in words.
GAPS = 5
#: Dimensions raked by default (sector is a workforce count, a different population: the facilitator adds it).
DEFAULT_RAKE = (PLACE, AGE, ETHNIC)
_TITLES = {PLACE: "Place", AGE: "Age band", ETHNIC: "Ethnic group", SECTOR: "Sector"}
# The residents' baselines a place's population is read from, in order of preference (people aged 16 and over
# first: the age table leaves out children, who are not asked).
_RESIDENTS = (Baseline.Dimension.AGE_BAND, Baseline.Dimension.ETHNIC_GROUP, Baseline.Dimension.SEX)


@dataclass(frozen=True)
class Row:
    """One category (or, in a two-way section, one pair) against its baseline."""

    key: Hashable
    label: str
    subject: str  # "people aged 16 to 24 in Eastmarsh": for the sentences
    participants: Cell
    share: float | None  # of the participants who answered
    population_share: float | None
    ratio: Ratio | None

    @property
    def words(self) -> str:
        return ratio_words(self.ratio.ratio) if self.ratio and self.ratio.ratio is not None else ""

    @property
    def share_text(self) -> str:
        return percent(self.share)

    @property
    def population_text(self) -> str:
        return percent(self.population_share)

    @property
    def ratio_text(self) -> str:
        """ "0.45 (0.30 to 0.66)", or "" when there is no ratio."""
        r = self.ratio
        if r is None or r.ratio is None or r.lower is None or r.upper is None:
            return ""
        return f"{r.ratio:.2f} ({r.lower:.2f} to {r.upper:.2f})"

    @property
    def gap(self) -> str:
        """ "below" or "above" when the whole interval is on one side of 1."""
        if self.ratio is None:
            return ""
        return "below" if self.ratio.below else "above" if self.ratio.above else ""


def percent(value: float | None) -> str:
    """A share as a whole percentage ("4%"), one decimal under 1 % ("0.4%"), or "" for none."""
    if value is None:
        return ""
    return f"{value:.1%}" if 0 < value < 0.01 else f"{value:.0%}"


@dataclass(frozen=True)
class Section:
    """One dimension (or a two-way pair of them) of the comparison."""

    key: str
    title: str
    rows: tuple[Row, ...]
    not_said: Cell | None
    has_baseline: bool
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class StatementAgreement:
    statement: int
    text: str
    raw: float | None  # the published share agreeing (of the counts shown exactly)
    agreement: Agreement

    @property
    def shown(self) -> bool:
        return self.agreement.enough

    @property
    def raw_text(self) -> str:
        return percent(self.raw)

    @property
    def weighted_text(self) -> str:
        a = self.agreement
        return f"{percent(a.weighted_share)} ({percent(a.lower)} to {percent(a.upper)})" if self.shown else ""

    @property
    def effective_text(self) -> str:
        return f"{self.agreement.effective_voters:.0f}"


@dataclass
class Representation:
    conversation: Conversation
    participants: int
    sections: list[Section]
    crosses: list[Section]
    gaps: list[str]
    nobody: list[str]  # communities (and places) with nobody taking part, by name
    communities_asked: bool
    rakeable: tuple[str, ...]
    raked: tuple[str, ...]
    raking: Raking | None = None
    raking_problem: str = ""
    agreements: list[StatementAgreement] = field(default_factory=list)
    min_effective: int = MIN_EFFECTIVE

    @property
    def titles(self) -> dict[str, str]:
        return _TITLES


# --- Dimensions and their baselines ----------------------------------------------------------------------------


def _labels(conversation: Conversation, places: dict[int, str]) -> dict[str, dict[Hashable, str]]:
    dims: dict[str, dict[Hashable, str]] = {}
    if conversation.ask_place:
        dims[PLACE] = cast(dict[Hashable, str], dict(places))
    if conversation.ask_age_band:
        dims[AGE] = {k: str(v) for k, v in AgeBand.choices if k != AgeBand.PREFER_NOT}
    if conversation.ask_ethnic_group:
        dims[ETHNIC] = {k: str(v) for k, v in EthnicGroup.choices if k != EthnicGroup.PREFER_NOT}
    if conversation.ask_sector:
        dims[SECTOR] = {k: str(v) for k, v in Sector.choices}
    return dims


def _populations(
    baselines: dict[str, dict[tuple[int | None, str], float]],
) -> dict[str, dict[Hashable, float]]:
    """People per category of each dimension (all places), and per place from the first residents' table."""
    out: dict[str, dict[Hashable, float]] = {}
    for dim in (AGE, ETHNIC, SECTOR):
        totals: dict[Hashable, float] = defaultdict(float)
        for (_, category), people in baselines.get(dim, {}).items():
            totals[category] += people
        if totals:
            out[dim] = dict(totals)
    for dim in _RESIDENTS:
        if baselines.get(dim):
            totals = defaultdict(float)
            for (place, _), people in baselines[dim].items():
                if place is not None:
                    totals[place] += people
            out[PLACE] = dict(totals)
            break
    return out


def _subject(dim: str, label: str) -> str:
    if dim == AGE:
        return f"people aged {label}"
    if dim == ETHNIC:
        return f"people who gave their ethnic group as {label}"
    if dim == SECTOR:
        return f"people from {label}"
    return f"people in {label}"


# --- Publishing the counts --------------------------------------------------------------------------------------


def _margins(
    people: Mapping[queries.Stratum, int], dims: dict[str, dict[Hashable, str]]
) -> dict[str, dict[Hashable, int]]:
    index = {d: queries.STRATUM.index(d) for d in dims}
    out: dict[str, dict[Hashable, int]] = {
        d: dict.fromkeys([*labels, NOT_SAID], 0) for d, labels in dims.items()
    }
    for stratum, n in people.items():
        for d, i in index.items():
            key = stratum[i] if stratum[i] in dims[d] else NOT_SAID
            out[d][key] += n
    return out


def _cross_counts(
    people: Mapping[queries.Stratum, int], dims: dict[str, dict[Hashable, str]], other: str
) -> dict[tuple[Hashable, Hashable], int]:
    i, j = queries.STRATUM.index(PLACE), queries.STRATUM.index(other)
    counts = {(p, c): 0 for p in [*dims[PLACE], NOT_SAID] for c in [*dims[other], NOT_SAID]}
    for stratum, n in people.items():
        p = stratum[i] if stratum[i] in dims[PLACE] else NOT_SAID
        c = stratum[j] if stratum[j] in dims[other] else NOT_SAID
        counts[(p, c)] += n
    return counts


def _publish(people: Mapping[queries.Stratum, int], dims: dict[str, dict[Hashable, str]]) -> Publication:
    d = Disclosure()
    everyone = d.total("participants", sum(people.values()))
    tables = {dim: d.table(dim, counts, total=everyone) for dim, counts in _margins(people, dims).items()}
    if PLACE in dims:
        for other in (AGE, ETHNIC):
            if other in dims:
                d.cross(
                    f"place by {other}",
                    _cross_counts(people, dims, other),
                    rows=tables[PLACE],
                    cols=tables[other],
                )
    return d.publish()


def _stricter(mine: Cell, theirs: Cell | None) -> Cell:
    """``mine``, hidden too when the conversation's own publication does not show it exactly."""
    if mine.count is None or theirs is None or theirs.count == mine.count:
        return mine
    return Cell(mine.label, None, complementary=True)


# --- Sections ---------------------------------------------------------------------------------------------------


def _compared(total: int, not_said: Cell, unbased: Sequence[Cell]) -> int | None:
    """The participants compared with the baseline: those who answered with a category the baseline counts
    (residents and "Other" are in no workforce count). None unless every count it is worked out from is shown."""
    if not_said.count is None or any(cell.count is None for cell in unbased):
        return None
    return total - not_said.count - sum(cell.count or 0 for cell in unbased)


def _row(
    key: Hashable, label: str, subject: str, cell: Cell, answered: int | None, pop_share: float | None
) -> Row:
    exact = cell.count is not None and answered is not None and answered > 0 and bool(pop_share)
    share = cell.count / answered if exact and cell.count is not None and answered else None
    ratio = (
        participation_ratio(cell.count, answered, pop_share)
        if exact and pop_share and cell.count is not None and answered
        else None
    )
    return Row(key, label, subject, cell, share, pop_share, ratio)


def _section(
    dim: str,
    labels: dict[Hashable, str],
    pub: Publication,
    conv: ConversationNumbers,
    population: dict[Hashable, float] | None,
    total: int,
) -> Section:
    cells = pub[dim].cells
    theirs = conv.publication[dim].cells if dim in (PLACE, SECTOR) and dim in conv.dimensions else {}
    not_said = _stricter(cells[NOT_SAID], theirs.get(NOT_SAID))
    shown = {key: _stricter(cells[key], theirs.get(key)) for key in labels}
    whole = sum(population.values()) if population else 0
    shares = {key: (population.get(key, 0.0) / whole) if population and whole else None for key in labels}
    answered = _compared(total, not_said, [shown[k] for k in labels if not shares[k]])
    rows = tuple(
        _row(key, label, _subject(dim, label), shown[key], answered, shares[key])
        for key, label in labels.items()
    )
    notes = list(pub[dim].notes)
    if answered is None:
        notes.append(
            "How many people answered (with a category the baseline counts) is not shown, so their shares and "
            "ratios are not given."
        )
    return Section(dim, _TITLES[dim], rows, not_said, bool(population), tuple(notes))


def _cross(
    other: str,
    dims: dict[str, dict[Hashable, str]],
    pub: Publication,
    sections: dict[str, Section],
    baselines: dict[str, dict[tuple[int | None, str], float]],
    total: int,
) -> Section:
    cells = pub[f"place by {other}"].cells
    place_ns, other_ns, both_ns = (
        sections[PLACE].not_said,
        sections[other].not_said,
        cells[(NOT_SAID, NOT_SAID)],
    )
    answered = None
    if place_ns and other_ns and None not in (place_ns.count, other_ns.count, both_ns.count):
        answered = total - (place_ns.count or 0) - (other_ns.count or 0) + (both_ns.count or 0)
    pop: dict[tuple[Hashable, str], float] = {
        k: v for k, v in baselines.get(other, {}).items() if k[0] is not None
    }
    whole = sum(pop.values())
    rows = []
    for place, place_name in dims[PLACE].items():
        for key, label in dims[other].items():
            people = pop.get((place, str(key)))
            rows.append(
                _row(
                    (place, key),
                    f"{place_name}: {label}",
                    f"{_subject(other, label)} in {place_name}",
                    cells[(place, key)],
                    answered,
                    people / whole if people is not None and whole else None,
                )
            )
    notes = list(pub[f"place by {other}"].notes)
    if answered is None:
        notes.append("How many people gave both answers is not shown, so the ratios are not given.")
    title = f"Place and {_TITLES[other].lower()}"
    return Section(f"place-{other}", title, tuple(rows), None, bool(pop), tuple(notes))


# --- Gaps in words ----------------------------------------------------------------------------------------------


def _sentence(row: Row) -> str:
    if row.participants.count == 0:
        return f"No {row.subject} took part (they are {row.population_share or 0:.0%} of the population)."
    return f"{row.subject[0].upper()}{row.subject[1:]} took part at {row.words} their share."


def biggest_gaps(sections: Iterable[Section], n: int = GAPS) -> list[str]:
    """The ``n`` categories furthest below their share (whose whole interval is under 1), in words."""
    below = [row for s in sections for row in s.rows if row.ratio is not None and row.ratio.below]
    below.sort(key=lambda row: row.ratio.ratio if row.ratio and row.ratio.ratio is not None else 0.0)
    return [_sentence(row) for row in below[:n]]


def _nobody(conversation: Conversation, conv: ConversationNumbers, sections: list[Section]) -> list[str]:
    names: list[str] = []
    if "community" in conv.dimensions:
        cells = conv.publication["community"].cells
        for community in Community.objects.filter(system_id=conversation.system_id).order_by("name"):
            cell = cells.get(community.pk)
            if cell is not None and cell.count == 0:
                names.append(community.name)
    for section in sections:
        if section.key == PLACE:
            names.extend(f"{row.label} (place)" for row in section.rows if row.participants.count == 0)
    return names


# --- Reweighted agreement ---------------------------------------------------------------------------------------


def _targets(
    dims: Sequence[str], populations: dict[str, dict[Hashable, float]], labels: dict[str, dict[Hashable, str]]
) -> dict[str, dict[Hashable, float]]:
    targets = {}
    for dim in dims:
        pop = {k: v for k, v in populations[dim].items() if k in labels[dim] and v > 0}
        whole = sum(pop.values())
        targets[dim] = {k: v / whole for k, v in pop.items()}
    return targets


def _reweight(
    rep: Representation,
    found: queries.Strata,
    populations: dict[str, dict[Hashable, float]],
    labels: dict[str, dict[Hashable, str]],
    conv: ConversationNumbers,
) -> None:
    dims = rep.raked
    if not dims:
        return
    people = found.people
    index = [queries.STRATUM.index(d) for d in dims]
    strata: dict[queries.Stratum, int] = defaultdict(int)
    for stratum, n in people.items():
        strata[tuple(stratum[i] for i in index)] += n
    try:
        rep.raking = rake_strata(strata, dims, _targets(dims, populations, labels))
    except AnalysisInputError as exc:
        rep.raking_problem = str(exc)
        return
    full = {s: rep.raking.weights.get(tuple(s[i] for i in index), 0.0) for s in people}
    statements = list(
        Statement.objects.filter(conversation=rep.conversation, state=Statement.State.ACCEPTED)
        .order_by("pk")
        .values_list("pk", "text")
    )
    agreements = weighted_agreement(
        queries.votes_by_stratum(rep.conversation, found), full, [pk for pk, _ in statements]
    )
    rep.agreements = [
        StatementAgreement(pk, text, conv.statement_share(pk, "agree") if pk in conv.statements else None, a)
        for (pk, text), a in zip(statements, agreements, strict=True)
    ]


# --- The page ---------------------------------------------------------------------------------------------------


def representation(conversation: Conversation, rake: Sequence[str] | None = None) -> Representation:
    """Everything the representation page and its CSV show of ``conversation``; ``rake``: the dimensions to
    reweight by (None: place, age band and ethnic group where they have baselines)."""
    places = queries.places_of(conversation.system)
    labels = _labels(conversation, places)
    baselines = queries.baselines_of(conversation.system)
    populations = _populations(baselines)
    strata = queries.strata_of(conversation)
    people = strata.people
    total = sum(people.values())
    pub = _publish(people, labels)
    conv = conversation_publication(conversation)
    sections = {d: _section(d, lab, pub, conv, populations.get(d), total) for d, lab in labels.items()}
    crosses = [
        _cross(other, labels, pub, sections, baselines, total)
        for other in (AGE, ETHNIC)
        if PLACE in labels and other in labels
    ]
    rakeable = tuple(d for d in labels if d in populations)
    wanted = DEFAULT_RAKE if rake is None else rake
    rep = Representation(
        conversation=conversation,
        participants=total,
        sections=list(sections.values()),
        crosses=crosses,
        gaps=biggest_gaps([*sections.values(), *crosses]),
        nobody=_nobody(conversation, conv, list(sections.values())),
        communities_asked="community" in conv.dimensions,
        rakeable=rakeable,
        raked=tuple(d for d in rakeable if d in wanted),
    )
    _reweight(rep, strata, populations, labels, conv)
    return rep


def cached_representation(conversation: Conversation, rake: Sequence[str] | None = None) -> Representation:
    """:func:`representation`, kept for :data:`CACHE_SECONDS` under a key that changes with every statement
    moderated, every baseline imported, every erasure and the questions asked (new votes and people are counted
    when it expires, within a minute)."""
    asked = (
        conversation.ask_place,
        conversation.ask_sector,
        conversation.ask_age_band,
        conversation.ask_ethnic_group,
    )
    # The slug and the creation time too: an id can be used again (a test database rolled back, say).
    state = (
        conversation.pk,
        conversation.slug,
        conversation.created_at.isoformat() if conversation.created_at else "",
        conversation.ask_community,
        asked,
        None if rake is None else tuple(sorted(rake)),
    )
    digest = hashlib.sha256(repr((state, queries.fingerprint(conversation))).encode()).hexdigest()
    key = f"representation:{digest}"
    found = cache.get(key)
    if isinstance(found, Representation):
        return found
    rep = representation(conversation, rake)
    cache.set(key, rep, CACHE_SECONDS)
    return rep


def as_rows(rep: Representation) -> list[dict[str, Any]]:
    """The CSV export's rows: each statement's raw and reweighted agreement (a blank where not shown)."""
    out = []
    for item in rep.agreements:
        a = item.agreement
        out.append(
            {
                "statement": item.statement,
                "text": item.text,
                "agree_raw": _pct(item.raw),
                "agree_reweighted": _pct(a.weighted_share) if item.shown else "",
                "lower": _pct(a.lower) if item.shown else "",
                "upper": _pct(a.upper) if item.shown else "",
                "effective_voters": f"{a.effective_voters:.0f}" if item.shown else "",
                "reweighted_by": " ".join(rep.raked),
                "note": "" if item.shown else f"effective sample under {rep.min_effective}: not shown",
            }
        )
    return out


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"
