"""Who is in each opinion group (over-representation and its small-number suppression), where the sectors differ,
and the names facilitators give groups (how a name follows its group across analysis updates)."""

from __future__ import annotations

import re
from html import unescape

import numpy as np
import pytest
from django.test import Client
from django.urls import reverse

from commonweal.analysis.uncertainty import wilson_interval
from commonweal.conversations.disclosure import conversation_publication, group_by
from commonweal.conversations.jobs.compute import compute_snapshot
from commonweal.conversations.models import GroupName, Participant
from commonweal.conversations.queries import latest_snapshot
from commonweal.conversations.results import actions
from commonweal.conversations.results.build import build_results
from commonweal.conversations.results.makeup import over_represented, wilson_lower
from commonweal.conversations.results.names import match_names
from commonweal.conversations.results.snapshot import StoredResult
from commonweal.conversations.results.standing import where_you_stand
from commonweal.core.errors import InvalidInput
from commonweal.core.models import AuditEntry
from commonweal.reports.exports.published import analysis_cells, statement_rows
from tests.conversations.test_results import load_simulation, planted
from tests.factories import make_facilitator, make_place, make_snapshot

pytestmark = pytest.mark.django_db


# --- The over-representation rule ---------------------------------------------------------------------------


def test_wilson_lower_matches_the_engine():
    for successes, trials in [(5, 20), (20, 40), (1, 3), (0, 10), (10, 10)]:
        low, _high = wilson_interval(np.array([successes]), np.array([trials]), confidence=0.9)
        assert wilson_lower(successes, trials) == pytest.approx(float(low[0]), abs=1e-9)
    assert wilson_lower(0, 0) == 0.0


@pytest.mark.parametrize(
    ("in_group", "size", "in_all", "everyone", "named", "why"),
    [
        (20, 40, 30, 200, True, "half the group against 15% overall"),
        (4, 10, 10, 200, False, "fewer than 5 people of the group"),
        (12, 40, 54, 200, False, "30% against 27%: not a quarter more"),
        (5, 20, 30, 200, False, "25% against 15%, but 5 of 20 could be chance"),
        (40, 100, 60, 300, True, "40% against 20%, with room for chance"),
        (10, 10, 10, 10, False, "everyone is the group: nothing to compare with"),
    ],
)
def test_the_over_representation_rule(in_group, size, in_all, everyone, named, why):
    assert over_represented(in_group, size, in_all, everyone) is named, why


# --- Who is in each group, through the disclosure layer ------------------------------------------------------


@pytest.fixture
def analysed(conversation):
    """80 planted people in two opinion groups, with sectors; the people of one group mostly live in Eastmarsh,
    and 3 people (a small cell) in Westbrook."""
    sim = planted(3)
    statements, participants = load_simulation(conversation, sim)
    east = make_place(conversation.system, name="Eastmarsh")
    north = make_place(conversation.system, name="Northvale")
    west = make_place(conversation.system, name="Westbrook")
    for i, person in enumerate(participants):
        place = east if sim.group[i] == 1 and i % 5 else north
        if i in (0, 1, 2):
            place = west
        Participant.objects.filter(pk=person.pk).update(place=place)
    snapshot = compute_snapshot(conversation)
    return {"sim": sim, "statements": statements, "participants": participants, "snapshot": snapshot}


def _shown_counts(numbers, dimension):
    table = numbers.table(group_by(dimension))
    return dict(table.cells.items())


def test_group_makeup_names_a_supported_place_and_hides_small_cells(conversation, analysed):
    results = build_results(conversation)
    numbers = results.numbers
    assert "place" in numbers.makeup and "sector" in numbers.makeup
    for dimension in numbers.makeup:
        for key, cell in _shown_counts(numbers, dimension).items():
            # Nothing of 1 to 4 people is shown exactly, in any group's row.
            assert cell.count is None or cell.count == 0 or cell.count >= 5, (dimension, key, cell)
    # The groups live apart (one mostly in Eastmarsh, the other in Northvale): a place is named in a group.
    named = [m for m in results.makeup if m.over]
    assert named
    for m in named:
        assert m.sentence.startswith("More people from ") and all(label in m.sentence for label in m.over)
        assert set(m.over) <= {"Eastmarsh", "Northvale"}
        # The sentence is on the group's card (and the report's).
        assert next(g for g in results.groups if g.index == m.group).who == m.sentence
    # Westbrook's 3 people are never named, and their cells are never shown exactly.
    assert all("Westbrook" not in m.over for m in results.makeup)


def test_no_small_cell_of_who_is_in_a_group_can_be_worked_out(conversation, analysed):
    """The adversary (linear programming over every registered table and relation) recovers no count of 1 to 4
    people and narrows no "fewer than 5", with the groups' makeup published beside everything else."""
    numbers = conversation_publication(conversation, latest_snapshot(conversation))
    assert numbers.makeup
    report = numbers.publication.audit()
    assert report.ok, report.explain()


def test_the_makeup_leaks_without_complementary_suppression(conversation, analysed, monkeypatch):
    """The same adversary finds the small Westbrook cell when only primary suppression is applied: the test
    above would fail if the makeup were published naively."""
    from commonweal.core.small_numbers.tables import _Engine

    monkeypatch.setattr(_Engine, "_protect_one_way", lambda self: False)
    monkeypatch.setattr(_Engine, "_protect_two_way", lambda self: False)
    numbers = conversation_publication(conversation, latest_snapshot(conversation))
    report = numbers.publication.audit()
    assert not report.ok
    assert any(f.cell.table.startswith("opinion group by") for f in report.recovered + report.narrowed)


def test_results_page_shows_who_is_in_each_group_and_agreement_by_sector(conversation, analysed):
    client = Client()
    client.force_login(make_facilitator(conversation.system))
    html = client.get(
        reverse("conversations:manage_results", kwargs={"slug": conversation.slug})
    ).content.decode()
    assert "Who is in it:" in html and "More people from" in html
    makeup = re.findall(r'<table class="nhsuk-table cw-makeup">(.*?)</table>', html, re.S)
    assert makeup
    for table in makeup:
        for cell in re.findall(r'<td class="nhsuk-table__cell nhsuk-table__cell--numeric">(.*?)</td>', table):
            text = unescape(cell).strip()
            # A count of 1 to 4 people would leak: only "fewer than 5", "not shown", 0, 5 or more, or a share.
            assert not re.fullmatch(r"[1-4]", text), text
    sectors = html.split('id="sector-table"')[1].split("</details>")[0]
    assert "Share agreeing, by sector" in sectors
    assert re.search(r">\d+%<", sectors)


# --- Naming a group, and the name following it ---------------------------------------------------------------


def _result(tick, participants, labels, k):
    sizes = [labels.count(g) for g in range(k)]
    return StoredResult(
        tick=tick,
        participant_ids=tuple(participants),
        group_labels=tuple(labels),
        k=k,
        group_sizes=tuple(sizes),
    ).to_dict()


def test_a_name_follows_its_group_when_the_letters_change(conversation):
    facilitator = make_facilitator(conversation.system)
    people = list(range(1001, 1021))
    first = make_snapshot(conversation, tick=1, result=_result(1, people, [0] * 12 + [1] * 8, 2))
    actions.check_name_group(facilitator, conversation, 1, first.tick, "  Prevention   first ")
    kept = GroupName.objects.get(conversation=conversation)
    assert kept.name == "Prevention first" and kept.members == people[12:]
    entry = AuditEntry.objects.get(action="conversation.group_name")
    assert entry.after["name"] == "Prevention first" and entry.after["group"] == "Group B"

    # The next update: the same people are now Group A, with newcomers, and one of them moved.
    newcomers = list(range(2001, 2006))
    labels = [1] * 12 + [0] * 7 + [1] + [0] * 5
    second = make_snapshot(conversation, tick=2, result=_result(2, people + newcomers, labels, 2))
    results = build_results(conversation, snapshot=second)
    assert results.group_names == {0: "Prevention first"}
    assert results.groups[0].name == "Prevention first" and results.groups[0].letter == "Group A"
    assert results.groups[0].title.startswith("Prevention first (Group A, ")
    assert results.groups[1].name == "Group B" and not results.lost_names

    # Then the group breaks up: no group holds more than half of its people, so the name is shown nowhere.
    labels = [0] * 12 + [0, 1, 2, 0, 1, 2, 2, 1] + [2] * 5
    third = make_snapshot(conversation, tick=3, result=_result(3, people + newcomers, labels, 3))
    results = build_results(conversation, snapshot=third)
    assert results.group_names == {}
    assert [n.name for n in results.lost_names] == ["Prevention first"]
    assert all(g.name.startswith("Group ") for g in results.groups)
    assert actions.check_forget_group_name(facilitator, conversation, kept.pk)
    assert not GroupName.objects.filter(conversation=conversation).exists()


def test_two_names_claiming_one_group_keep_the_one_whose_people_it_holds_more_of():
    a = GroupName(pk=1, name="Old", members=[1, 2, 3], tick=1, group=0)
    b = GroupName(pk=2, name="New", members=[1, 2, 3, 4, 5], tick=1, group=1)
    stored = StoredResult(participant_ids=(1, 2, 3, 4, 5, 6), group_labels=(0, 0, 0, 0, 0, 1), k=2)
    found = match_names(stored, [a, b])
    assert found.names == {0: "New"} and [n.name for n in found.lost] == ["Old"]


def test_naming_is_validated(conversation):
    facilitator = make_facilitator(conversation.system)
    people = list(range(1, 11))
    make_snapshot(conversation, tick=4, result=_result(4, people, [0] * 5 + [1] * 5, 2))
    with pytest.raises(InvalidInput, match="40 characters"):
        actions.check_name_group(facilitator, conversation, 0, 4, "x" * 41)
    with pytest.raises(InvalidInput, match="updated while you were typing"):
        actions.check_name_group(facilitator, conversation, 0, 3, "Prevention first")
    with pytest.raises(InvalidInput, match="no such opinion group"):
        actions.check_name_group(facilitator, conversation, 2, 4, "Prevention first")
    actions.check_name_group(facilitator, conversation, 0, 4, "Prevention first")
    with pytest.raises(InvalidInput, match="already called"):
        actions.check_name_group(facilitator, conversation, 1, 4, "prevention FIRST")
    # Blank clears the name; each change is in the audit log.
    assert actions.check_name_group(facilitator, conversation, 0, 4, "   ") is None
    assert not GroupName.objects.filter(conversation=conversation).exists()
    assert AuditEntry.objects.filter(action="conversation.group_name").count() == 2


def test_a_name_is_on_the_page_the_exports_and_only_a_facilitator_gives_it(conversation, analysed):
    facilitator = Client()
    facilitator.force_login(make_facilitator(conversation.system))
    tick = analysed["snapshot"].tick
    post = reverse("conversations:manage_group_name", kwargs={"slug": conversation.slug})
    response = facilitator.post(post, {"group": "0", "tick": str(tick), "name": "Prevention first"})
    assert response.status_code == 302 and response["Location"].endswith("#group-0")
    page = facilitator.get(reverse("conversations:manage_results", kwargs={"slug": conversation.slug}))
    html = unescape(page.content.decode())
    assert "Prevention first (Group A, " in html
    header, _rows = statement_rows(conversation, {s.pk: i for i, s in enumerate(analysed["statements"], 1)})
    assert "Prevention first agree %" in header and "Group B agree %" in header
    cells = analysis_cells(conversation, analysed["snapshot"], {s.pk: s.pk for s in analysed["statements"]})
    assert cells["groups"][0]["name"] == "Prevention first" and cells["groups"][0]["letter"] == "Group A"
    # A participant's "where you stand" keeps the letters its words use, on the map too.
    standing = where_you_stand(conversation, analysed["participants"][0])
    assert standing is not None and "Prevention first" not in str(standing.map_spec)
    # Too long: the results page again, with the error and what was typed.
    response = facilitator.post(post, {"group": "0", "tick": str(tick), "name": "Prevention " * 5})
    assert response.status_code == 400
    assert (
        "Keep the group" in response.content.decode() and "Prevention Prevention" in response.content.decode()
    )


def test_someone_erased_since_the_analysis_hides_the_makeup_until_the_next_update(conversation, analysed):
    """The snapshot still counts a person who has left: its groups no longer add up from the people here, so who
    is in them is not shown (the rest of the results are) until the analysis runs again."""
    Participant.objects.filter(pk=analysed["participants"][5].pk).delete()
    results = build_results(conversation)
    assert results.numbers.makeup == () and results.makeup == []
    assert results.groups and all(not g.who for g in results.groups)
    compute_snapshot(conversation)
    assert build_results(conversation).numbers.makeup


def test_naming_a_group_makes_a_new_report_pdf(conversation):
    """The report's PDF is kept per fingerprint: a group named, renamed or cleared must not serve the old one."""
    from commonweal.reports.report.build import fingerprint

    facilitator = make_facilitator(conversation.system)
    make_snapshot(conversation, tick=1, result=_result(1, list(range(1, 11)), [0] * 5 + [1] * 5, 2))
    seen = [fingerprint(conversation)]
    for name in ("Prevention first", "Prevention and care", ""):
        actions.check_name_group(facilitator, conversation, 0, 1, name)
        seen.append(fingerprint(conversation))
    # Each name its own PDF; cleared, the report is again the one without names.
    assert len(set(seen[:3])) == 3 and seen[3] == seen[0]
