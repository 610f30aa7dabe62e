"""``{% load languages %}``: the language switcher of the participant pages, ``{% language_switcher %}``.

A small form of buttons, one per language named in its own words, posting to Django's ``set_language`` view, so
it works without JavaScript and by keyboard; the languages whose translation awaits a native speaker's review
say so beside the buttons."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.utils.translation import get_language, get_language_info

register = template.Library()


def language_choices() -> list[dict[str, Any]]:
    """Each language of ``settings.LANGUAGES``: its code, its name in itself (as the setting gives it), whether it is the one in use, whether
    it is written right to left and whether its translation awaits review by a native speaker."""
    current = get_language() or settings.LANGUAGE_CODE
    awaiting = set(settings.LANGUAGES_AWAITING_REVIEW)
    choices = []
    for code, name in settings.LANGUAGES:
        info = get_language_info(code)
        choices.append(
            {
                "code": code,
                "name_local": name,
                "bidi": info["bidi"],
                "current": code == current,
                "awaiting_review": code in awaiting,
            }
        )
    return choices


@register.inclusion_tag("core/includes/language_switcher.html", takes_context=True)
def language_switcher(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    choices = language_choices()
    return {
        "languages": choices,
        "any_awaiting_review": any(c["awaiting_review"] for c in choices),
        "next": request.get_full_path() if request is not None else "/",
        "csrf_token": context.get("csrf_token"),
    }
