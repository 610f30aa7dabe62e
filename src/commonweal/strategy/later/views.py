""" "A year later" (facilitators of the system): whether things moved, over time."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from commonweal.accounts.decorators import manager_view
from commonweal.strategy.aims.views import system_for
from commonweal.strategy.later import figures
from commonweal.strategy.later.build import build_year_later


@manager_view
@require_http_methods(["GET", "HEAD"])
def year_later(request: HttpRequest, system: str) -> HttpResponse:
    obj = system_for(request, system)
    later = build_year_later(obj)
    context = {
        "system": obj,
        "later": later,
        "charts": figures.sections(later),
    }
    return render(request, "strategy/year_later.html", context)
