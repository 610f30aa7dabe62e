"""{% column_heads %}: a table's head in one line, escaped, with number columns and the screen-reader-only
actions column."""

from __future__ import annotations

from django.template import Context, Template


def test_column_heads_marks_number_columns_and_the_actions_column() -> None:
    html = Template('{% load tables %}{% column_heads "Place" "Population" numeric="2" %}').render(Context())
    assert html == (
        '<thead class="nhsuk-table__head"><tr class="nhsuk-table__row">'
        '<th class="nhsuk-table__header" scope="col">Place</th>'
        '<th class="nhsuk-table__header nhsuk-table__header--numeric" scope="col">Population</th>'
        '<th class="nhsuk-table__header" scope="col"><span class="nhsuk-u-visually-hidden">Actions</span></th>'
        "</tr></thead>"
    )


def test_headings_are_escaped_and_the_actions_column_can_be_left_out() -> None:
    page = Template("{% load tables %}{% column_heads heading actions=False %}")
    html = page.render(Context({"heading": "<b>Risk</b>"}))
    assert "&lt;b&gt;Risk&lt;/b&gt;" in html and "Actions" not in html
