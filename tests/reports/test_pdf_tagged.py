"""The report's PDF is accessible (issue 14, item 5): tagged as PDF/UA-1, with its language and title set (and
shown as the window's title), a structure tree of headings, paragraphs, tables and figures, and every chart a
figure with alternative text."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from pypdf.generic import BooleanObject, DictionaryObject

from commonweal.reports.report import pdf
from tests.reports.test_report import plant_conversation

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("data_dir")]


def structure(node: object, found: list[DictionaryObject]) -> None:
    """Every structure element under ``node`` (a /StructTreeRoot or /StructElem), depth first."""
    node = node.get_object() if hasattr(node, "get_object") else node
    if isinstance(node, list):
        for child in node:
            structure(child, found)
        return
    if not isinstance(node, DictionaryObject):
        return
    if node.get("/Type") == "/StructElem" or "/S" in node:
        found.append(node)
    kids = node.get("/K")
    if kids is not None:
        structure(kids, found)


def test_the_report_pdf_is_tagged_with_language_title_and_figures_with_alternative_text():
    planted = plant_conversation()
    reader = PdfReader(io.BytesIO(pdf.render_pdf(planted.conversation)))
    root = reader.trailer["/Root"].get_object()

    assert root.get("/MarkInfo", {}).get("/Marked") == BooleanObject(True)
    assert str(root.get("/Lang")) == "en-GB"
    assert root.get("/ViewerPreferences", {}).get("/DisplayDocTitle") == BooleanObject(True)
    assert reader.metadata.title == f"Report: {planted.conversation.title}"
    assert b"pdfuaid:part" in root["/Metadata"].get_object().get_data()  # it says it is PDF/UA

    elements: list[DictionaryObject] = []
    structure(root["/StructTreeRoot"], elements)
    roles = [str(e.get("/S")) for e in elements]
    for role in ("/H1", "/H2", "/P", "/Table", "/TR", "/TH", "/TD", "/Figure"):
        assert role in roles, (role, sorted(set(roles)))
    figures = [e for e in elements if e.get("/S") == "/Figure"]
    assert len(figures) >= 4  # the opinion map, bridging, participation and stability charts
    for figure in figures:
        alt = str(figure.get("/Alt") or "")
        assert len(alt) > 20, alt
