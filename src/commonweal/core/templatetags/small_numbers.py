"""``{% load small_numbers %}``: templates word a suppressed count the way :mod:`commonweal.core.small_numbers`
does, so a page never spells "fewer than 5" itself (the threshold is a setting)."""

from __future__ import annotations

from django import template

from commonweal.core import small_numbers

register = template.Library()


@register.simple_tag
def fewer_than(things: str = "") -> str:
    """``{% fewer_than %}`` -> "fewer than 5"; ``{% fewer_than "people" %}`` -> "fewer than 5 people"."""
    return small_numbers.fewer_than(things)
