"""The words a suppressed count shows, from one place: core.small_numbers.fewer_than and its template tag."""

from __future__ import annotations

from django.template import Context, Template
from django.test import override_settings

from commonweal.core.small_numbers import Cell, fewer_than


def test_fewer_than_follows_the_threshold_setting() -> None:
    assert fewer_than() == "fewer than 5"
    assert fewer_than("people") == "fewer than 5 people"
    with override_settings(SMALL_NUMBER_THRESHOLD=7):
        assert fewer_than("organisations") == "fewer than 7 organisations"
        assert fewer_than() == Cell("sector", None).display


def test_the_template_tag_words_it_the_same() -> None:
    page = Template('{% load small_numbers %}<p>{% fewer_than %}; {% fewer_than "people" %}</p>')
    with override_settings(SMALL_NUMBER_THRESHOLD=3):
        assert page.render(Context()) == "<p>fewer than 3; fewer than 3 people</p>"
