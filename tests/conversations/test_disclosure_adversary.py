"""The adversarial test of issue 11, against the whole app: small conversations in the database, every table they
publish read as a client reads it (the dashboard's JSON, the results page, the board report, statements.csv,
analysis.json, one participant's "where you stand", the opinion maps' data), and every differencing attack across
all of them (the auditor's linear programmes, :mod:`tests.conversations.disclosure_attacker`). No count of 1 to 4
people may be worked out, and no "fewer than 5" narrowed.

Hypothesis draws 1 to 30 people with a sector, a place and communities each (skewed, so small categories are
common), 2 or 3 statements and everyone's votes; the snapshot is the real worker's (``compute_snapshot``).
"""

from __future__ import annotations

import csv
import io
import json
import re
from html import unescape
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from commonweal.conversations.disclosure import NOT_IN_GROUP, conversation_publication
from commonweal.conversations.jobs.compute import compute_snapshot
from commonweal.conversations.participate.views import SESSION_KEY
from commonweal.conversations.results import charts
from commonweal.conversations.results.snapshot import read_result
from commonweal.core.small_numbers import CellRef
from commonweal.systems.models import Sector
from tests.conversations.disclosure_attacker import NONE, Reading, attack, group_index, read_truth
from tests.factories import (
    make_api_token,
    make_community,
    make_conversation,
    make_facilitator,
    make_organisation,
    make_participant,
    make_place,
    make_statements,
    make_system,
    make_vote,
)

pytestmark = pytest.mark.django_db

SECTORS = (Sector.ACUTE, Sector.ACUTE, Sector.VCSE, Sector.HEALTHWATCH, "")
PLACES = ("North", "North", "South", None)
COMMUNITIES = ("Carers", "Young people")


@st.composite
def plans(draw: st.DrawFn) -> dict[str, Any]:
    """1 to 30 people (sector, place, communities) and their votes on 2 or 3 statements (None: no vote)."""
    n = draw(st.integers(1, 30))
    k = draw(st.integers(2, 3))
    person = st.tuples(
        st.sampled_from(SECTORS),
        st.sampled_from(PLACES),
        st.sets(st.sampled_from(COMMUNITIES), max_size=2),
        st.lists(st.sampled_from([1, 1, -1, -1, 0, None]), min_size=k, max_size=k),
    )
    return {"statements": k, "people": draw(st.lists(person, min_size=n, max_size=n))}


def build(plan: dict[str, Any]) -> tuple[Any, list[Any]]:
    """The planned conversation in the database, analysed by the worker's own function."""
    system = make_system()
    places = {name: make_place(system, name=name) for name in ("North", "South")}
    communities = {name: make_community(system, name=name) for name in COMMUNITIES}
    for sector in (Sector.ACUTE, Sector.VCSE, Sector.HEALTHWATCH, Sector.PRIMARY_CARE):
        make_organisation(system, sector=sector)
    conversation = make_conversation(system)
    statements = make_statements(conversation, plan["statements"])
    people = []
    for sector, place, member_of, votes in plan["people"]:
        p = make_participant(
            system,
            conversation=conversation,
            sector=sector,
            place=places.get(place) if place else None,
            about_you_done=True,
        )
        p.communities.set([communities[c] for c in member_of])
        for statement, value in zip(statements, votes, strict=True):
            if value is not None:
                make_vote(p, statement, value)
        people.append(p)
    compute_snapshot(conversation)
    return conversation, people


# --- Reading each publisher -------------------------------------------------------------------------------------


SHARE = re.compile(r"(\d+)% of (Group [A-Z]+) agree, (\d+)% disagree")
ONE_SIDE = re.compile(r"(\d+)% of (Group [A-Z]+) (agree|disagree)$")
FEW_VOTED = re.compile(r"Fewer than \d+ people in (Group [A-Z]+) voted on it")
NOBODY_VOTED = re.compile(r"Nobody in (Group [A-Z]+) voted on it")


def group_words(r: Reading, statement: int, text: str) -> None:
    """ "82% of Group A agree, 10% disagree" and its kin, on one statement."""
    if m := SHARE.search(text):
        g = group_index(m.group(2))
        r.exact_truth(
            ("group on", g, statement),
            ("group votes on", g, statement, "agree"),
            ("group votes on", g, statement, "disagree"),
        )
    elif m := ONE_SIDE.search(text):
        g = group_index(m.group(2))
        r.exact_truth(("group on", g, statement), ("group votes on", g, statement, m.group(3)))
    elif m := FEW_VOTED.search(text):
        r.know(("group on", group_index(m.group(1)), statement), 0, 4)
    elif m := NOBODY_VOTED.search(text):
        r.exact(("group on", group_index(m.group(1)), statement), 0)


def size_words(r: Reading, g: int, text: str) -> None:
    """ "12 people", "1 person", "fewer than 5 people" (anything else says nothing)."""
    if m := re.fullmatch(r"([\d,]+) (people|person)", text.strip()):
        r.exact(("group", g), int(m.group(1).replace(",", "")))
    elif text.startswith("fewer than"):
        r.know(("group", g), 1, 4, small=True)


def key_of(r: Reading, dimension: str, label: str) -> Any:
    labels = {"sector": r.truth.sectors, "place": r.truth.places, "community": r.truth.communities}[dimension]
    return labels[label]


def map_spec(r: Reading, family: str, spec: dict[str, Any]) -> None:
    """The marks of an opinion map's spec (its first layer), each with its label."""
    values = [v for v in spec["layer"][0]["data"]["values"] if v["group"].startswith("Group ")]
    per_group: dict[int, int] = {}
    for v in values:
        per_group[group_index(v["group"])] = per_group.get(group_index(v["group"]), 0) + 1
    for v in values:
        g = group_index(v["group"])
        r.add_mark(family, g, v["label"], (v["x"], v["y"]), per_group[g] == 1)


def map_table(r: Reading, rows: list[list[str]]) -> None:
    """ "Opinion groups on the map": a group's size, and its marks (each at least one person)."""
    for name, people, marks in rows:
        g = group_index(name)
        size_words(r, g, people)
        r.know(("group", g), int(marks.replace(",", "")), float("inf"))


def spec_in(html: str, chart: str) -> dict[str, Any] | None:
    found = re.search(rf'data-chart="{chart}"[^>]*data-spec-json="([^"]*)"', html) or re.search(
        rf'data-spec-json="([^"]*)"[^>]*data-chart="{chart}"', html
    )
    return json.loads(unescape(found.group(1))) if found else None


def read_dashboard(r: Reading, body: dict[str, Any]) -> None:
    r.exact(("N",), body["participants"])
    r.exact(("voters",), body["voters"])
    r.exact(("votes",), body["votes"])
    for b in body["breakdowns"]:
        for row in b["rows"]:
            cell = (b["key"], key_of(r, b["key"], row["label"]))
            r.words(
                cell, str(row["count"]) if row["count"] is not None else row["display"], row.get("status")
            )


def read_breakdown_rows(r: Reading, key: str, rows: list[Any]) -> None:
    for cell in rows:
        r.words((key, key_of(r, key, cell.label)), cell.display, cell.status)


STAT = re.compile(r'data-stat="(\w+)">([^<]*)</span>')
STAT_CELLS = {"participants": ("N",), "voters": ("voters",), "votes": ("votes",), "grouped": ("grouped",)}


def read_results(r: Reading, context: Any, html: str) -> None:
    for name, text in STAT.findall(html):  # the counts at the top of the page
        if name in STAT_CELLS:
            r.words(STAT_CELLS[name], text)
    results = context["results"]
    for b in results.participation.breakdowns if results.participation else []:
        read_breakdown_rows(r, b.key, b.rows)
    for g in results.groups:
        size_words(r, g.index, g.size_words)
        for rep in g.representative:
            group_words(r, rep.statement.id, rep.words)
    for item in [*results.common_ground, *results.divisive]:
        for gs in item.groups:
            group_words(r, item.statement.id, gs.words)
    charts_context = context.get("charts") or {}
    if "opinion_map" in charts_context:
        map_table(r, charts_context["opinion_map"]["table"].rows)
        spec = spec_in(html, "opinion-map")
        if spec is not None:
            map_spec(r, "results map", spec)


SECTOR_SENTENCE = re.compile(r"No one from (.+) took part\.$")
COMMUNITY_SENTENCE = re.compile(r"No one from these communities took part: (.+)\.$")
THIN = re.compile(r"Fewer than \d+ people from (.+) took part\.$")


def place_or_sector(r: Reading, name: str) -> tuple[str, Any]:
    if name in r.truth.sector_phrases:
        return "sector", r.truth.sector_phrases[name]
    return "place", r.truth.places[name]


def read_who(r: Reading, who: Any) -> None:
    r.exact(("votes",), who.votes)
    r.exact(("written",), who.statements_written)
    for b in who.breakdowns:
        for row in b.rows:
            k = key_of(r, b.key, row.label)
            r.words((b.key, k), row.people.display, row.people.status)
            r.words(("votes by", b.key, k), row.votes_display)
            r.words(("written by", b.key, k), row.statements_display)
    for absent in who.absent:
        for sentence in absent.sentences:
            if m := COMMUNITY_SENTENCE.match(sentence):
                for name in re.split(r", | and ", m.group(1)):
                    r.exact(("community", r.truth.communities[name]), 0)
            elif m := SECTOR_SENTENCE.match(sentence):
                r.exact(place_or_sector(r, m.group(1)), 0)
    for sentence in who.thin:
        if m := THIN.match(sentence):
            r.know(place_or_sector(r, m.group(1)), 1, 4, small=True)


def read_report(r: Reading, report: Any) -> None:
    read_who(r, report.who)
    text = " ".join(report.findings)
    if m := re.search(r"among the ([\d,]+) people who voted on at least", text):
        r.exact(("grouped",), int(m.group(1).replace(",", "")))
    if m := re.search(r"the largest, (Group [A-Z]+), has ([\d,]+) people", text):
        r.exact(("group", group_index(m.group(1))), int(m.group(2).replace(",", "")))
    for g, beliefs in report.groups:
        size_words(r, g.index, g.size_words)
        for rep in beliefs:
            group_words(r, rep.statement.id, rep.words)
    for cg, _too_small in report.common_ground:
        for gs in cg.groups:
            group_words(r, cg.statement.id, gs.words)
    for topic in report.topics:
        for gs in topic.divisive.groups:
            group_words(r, topic.divisive.statement.id, gs.words)
    chart = report.charts.get("opinion_map")
    if chart is not None:
        map_table(r, chart.table.rows)
        map_spec(r, "report map", chart.spec)


def share_cell(r: Reading, voters: tuple, agree: tuple, text: str) -> None:
    if text.isdigit():
        r.exact_truth(voters, agree)
    elif text == "no votes":
        r.exact(voters, 0)
    elif text.startswith("fewer than"):
        r.know(voters, 0, 4)


def read_statements_csv(r: Reading, text: str) -> None:
    labels = {str(label): code for code, label in Sector.choices}
    for row in csv.DictReader(io.StringIO(text.lstrip("\ufeff"))):
        s = r.truth.statements[int(row["statement id"])]
        for v in ("agree", "disagree", "pass"):
            r.words(("votes on", s, v), row[v])
        for column, value in row.items():
            if m := re.fullmatch(r"(Group [A-Z]+) agree %", column):
                g = group_index(m.group(1))
                share_cell(r, ("group on", g, s), ("group votes on", g, s, "agree"), value)
            elif column.endswith(" agree %") and column[: -len(" agree %")] in labels:
                k = labels[column[: -len(" agree %")]]
                share_cell(r, ("sector on", k, s), ("sector votes on", k, s, "agree"), value)


def _cell_words(r: Reading, cell: tuple, published: dict[str, Any] | None) -> None:
    if published is not None:
        count = published.get("count")
        r.words(cell, str(count) if count is not None else published["display"], published.get("status"))


def read_analysis_json(r: Reading, document: dict[str, Any]) -> None:
    if "result" in document:  # a version that published the stored result itself
        read_raw_result(r, document["result"])
        return
    a = document["analysis"]
    _cell_words(r, ("group", NONE), a.get("not_in_a_group"))
    _cell_words(r, ("grouped",), a.get("people_in_groups"))
    for g in a["groups"]:
        _cell_words(r, ("group", g["group"]), g["people"])
    marks: dict[int, int] = {}
    for m in a["map"]:
        marks[m["group"]] = marks.get(m["group"], 0) + 1
    for m in a["map"]:
        c = m["people"]
        label = f"{c['count']} people" if c["count"] is not None else c["display"]
        r.add_mark("analysis.json", m["group"], label, (m["x"], m["y"]), marks[m["group"]] == 1)
    for entry in a["votes"]:
        s = r.truth.statements[entry["statement"]]
        _cell_words(r, ("voters on", s), entry.get("voters"))
        for v in ("agree", "disagree", "pass"):
            _cell_words(r, ("votes on", s, v), entry.get(v))
        for g in entry["groups"]:
            _cell_words(r, ("group on", g["group"], s), g["voters"])
            for v in ("agree", "disagree", "pass"):
                _cell_words(r, ("group votes on", g["group"], s, v), g[v])


def read_raw_result(r: Reading, result: dict[str, Any]) -> None:
    """The stored result itself, as analysis.json once published it (every count exact)."""
    labels = result.get("group_labels") or []
    for g, n in enumerate(result.get("group_sizes") or []):
        r.exact(("group", g), n)
    r.exact(("group", NONE), sum(1 for x in labels if x < 0))
    columns = [r.truth.statements[i] for i in result.get("statement_ids") or []]
    for g, (seen, agree, disagree) in enumerate(
        zip(
            result.get("group_seen") or [],
            result.get("group_agree") or [],
            result.get("group_disagree") or [],
            strict=True,
        )
    ):
        for j, s in enumerate(columns):
            r.exact(("group on", g, s), seen[j])
            r.exact(("group votes on", g, s, "agree"), agree[j])
            r.exact(("group votes on", g, s, "disagree"), disagree[j])
    sizes = result.get("base_sizes") or []
    groups = result.get("group_of_base") or []
    for (x, y), n, g in zip(result.get("base_centres") or [], sizes, groups, strict=True):
        r.add_mark("analysis.json", g, f"{n} people", (x, y), False)


BELIEF = re.compile(
    r"(\d+) in 10 who voted on it (agree|disagree)|everyone who voted on it (agrees|disagrees)"
)


def read_standing(r: Reading, standing: Any, html: str) -> None:
    if standing is None or standing.state != "placed":
        return
    mine = group_index(standing.group_label)
    if m := re.match(r"with ([\d,]+) other", standing.group_size_text):
        r.exact(("group", mine), int(m.group(1).replace(",", "")) + 1)
    elif "small group" in standing.group_size_text:
        r.know(("group", mine), 1, 4, small=True)
    for g in standing.groups:
        size_words(r, group_index(g.label), g.size)
    for b in standing.group_beliefs:
        if b.share and (m := BELIEF.search(b.share)):
            direction = m.group(2) or m.group(3).removesuffix("s")
            r.exact_truth(
                ("group on", mine, b.statement.pk), ("group votes on", mine, b.statement.pk, direction)
            )
    spec = spec_in(html, "opinion-map")
    if spec is not None:
        map_spec(r, "standing map", spec)


# --- Everything a conversation publishes, and the attack -------------------------------------------------------


def read_everything(conversation: Any, people: list[Any]) -> Reading:
    snapshot = conversation.snapshots.order_by("-tick").first()
    r = Reading(read_truth(conversation, read_result(snapshot)))
    facilitator = make_facilitator(conversation.system)
    api = {"HTTP_AUTHORIZATION": f"Bearer {make_api_token(facilitator)}"}
    read_dashboard(r, Client().get(f"/api/manage/conversations/{conversation.slug}/dashboard", **api).json())
    staff = Client()
    staff.force_login(facilitator)
    base = f"/manage/conversations/{conversation.slug}"
    page = staff.get(f"{base}/results/")
    read_results(r, page.context, page.content.decode())
    read_report(r, staff.get(f"{base}/report/").context["report"])
    read_statements_csv(r, b"".join(staff.get(f"{base}/exports/statements.csv").streaming_content).decode())
    if snapshot is not None:
        document = b"".join(staff.get(f"{base}/exports/analysis.json").streaming_content)
        read_analysis_json(r, json.loads(document))
        placed = [p for p in people if p.pk in set(read_result(snapshot).participant_ids)]
        if placed:
            participant = Client()
            session = participant.session
            session[SESSION_KEY] = {str(conversation.system_id): placed[0].pk}
            session.save()
            stand = participant.get(
                reverse("conversations:participant-where-you-stand", args=[conversation.slug])
            )
            read_standing(r, stand.context and stand.context.get("standing"), stand.content.decode())
    return r


def layer_shows(conversation: Any) -> Any:
    """Whether the conversation's one publication shows a count of votes exactly (see ``attack``)."""
    numbers = conversation_publication(conversation, conversation.snapshots.order_by("-tick").first())

    def shows(cell: tuple) -> bool:
        kind, *rest = cell
        if kind == "group votes on":
            g, s, v = rest
            ref = CellRef(f"group votes on {s}", (NOT_IN_GROUP if g == NONE else g, v))
        elif kind == "sector votes on":
            k, s, v = rest
            ref = CellRef(f"sector votes on {s}", (k, v))
        elif kind == "votes by":
            ref = CellRef(f"votes by {rest[0]}", rest[1])
        else:  # "written by"
            ref = CellRef(f"statements written by {rest[0]}", rest[1])
        return numbers.publication.cell(ref).count is not None

    return shows


class _Rollback(Exception):
    pass


def no_count_under_5_can_be_worked_out(plan: dict[str, Any]) -> None:
    """Build the conversation, read everything it publishes, attack; each example is rolled back."""
    try:
        with transaction.atomic():
            conversation, people = build(plan)
            report = attack(read_everything(conversation, people), layer_shows(conversation))
            assert report.ok, report.explain()
            raise _Rollback
    except _Rollback:
        pass


FAST = settings(
    max_examples=20,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)


@pytest.fixture(autouse=True)
def _no_drawing(monkeypatch: pytest.MonkeyPatch) -> None:
    # The charts' pictures say nothing the specs do not; drawing them only takes time.
    monkeypatch.setattr(charts, "to_svg", lambda spec: "<svg></svg>")
    monkeypatch.setattr(charts, "to_png", lambda spec, scale=2: b"")


@FAST
@given(plans())
def test_no_count_under_5_can_be_worked_out_from_everything_a_conversation_publishes(
    plan: dict[str, Any],
) -> None:
    no_count_under_5_can_be_worked_out(plan)


def test_the_adversary_catches_the_pages_without_complementary_suppression(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Primary suppression only (small cells hidden, and what is inside them): the property must fail.
    from commonweal.core.small_numbers.tables import _Engine

    monkeypatch.setattr(_Engine, "_protect_one_way", lambda self: False)
    monkeypatch.setattr(_Engine, "_protect_two_way", lambda self: False)
    weak = settings(FAST, phases=[Phase.generate])  # no shrinking: the first counterexample is enough
    with pytest.raises(AssertionError, match="recovered|narrowed"):
        weak(given(plans())(no_count_under_5_can_be_worked_out))()
