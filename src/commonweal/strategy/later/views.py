""" "A year later" (facilitators of the system): whether things moved, over time."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from commonweal.accounts.decorators import manager_view
from commonweal.strategy.aims.views import system_for
from commonweal.strategy.later import figures
from commonweal.strategy.later.build import build_year_later
from commonweal.strategy.participation import figures as participation_figures


@manager_view
@require_http_methods(["GET", "HEAD"])
def year_later(request: HttpRequest, system: str) -> HttpResponse:
    obj = system_for(request, system)
    later = build_year_later(obj)
    context = {
        "system": obj,
        "later": later,
        "charts": [
            (
                "relationships",
                "Relationships between organisations",
                [
                    figures.relationship_shares(later.relationships),
                    figures.relationship_scores(later.relationships),
                ],
            ),
            ("pulse", "The pulse: direction, alignment and commitment", [figures.pulse(later.pulse)]),
            ("commitments", "Commitments by status", [figures.statuses(later.statuses)]),
            ("participation", "Who took part", [participation_figures.over_time(later.participation)]),
        ],
    }
    return render(request, "strategy/year_later.html", context)
