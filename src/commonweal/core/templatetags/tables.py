"""``{% load tables %}``: the head of an NHS.UK table in one line, ``{% column_heads "Place" "Population" numeric="2" %}``."""

from __future__ import annotations

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

register = template.Library()

_NUMERIC = " nhsuk-table__header--numeric"


@register.simple_tag
def column_heads(*headings: str, numeric: str = "", actions: bool = True) -> SafeString:
    """A ``<thead>`` with one column heading each, those at the (1-based) positions in ``numeric`` (``"2 3"``)
    aligned as numbers, and, unless ``actions=False``, a last column for each row's links, headed "Actions" for
    screen readers only."""
    numbered = {int(n) for n in numeric.split()}
    cells = format_html_join(
        "",
        '<th class="nhsuk-table__header{}" scope="col">{}</th>',
        ((_NUMERIC if i in numbered else "", heading) for i, heading in enumerate(headings, 1)),
    )
    last = (
        format_html(
            '<th class="nhsuk-table__header" scope="col"><span class="nhsuk-u-visually-hidden">{}</span></th>',
            "Actions",
        )
        if actions
        else ""
    )
    return format_html(
        '<thead class="nhsuk-table__head"><tr class="nhsuk-table__row">{}{}</tr></thead>', cells, last
    )
