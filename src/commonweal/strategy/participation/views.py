"""The participation dashboard (facilitators of the system): who took part, in what, round by round."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from commonweal.accounts.decorators import manager_view
from commonweal.strategy.aims.views import system_for
from commonweal.strategy.participation import figures
from commonweal.strategy.participation.build import build_participation


@manager_view
@require_http_methods(["GET", "HEAD"])
def participation(request: HttpRequest, system: str) -> HttpResponse:
    obj = system_for(request, system)
    p = build_participation(obj)
    context = {
        "system": obj,
        "p": p,
        "over_time": figures.over_time(p),
        "commitments_chart": figures.commitments_over_time(p),
    }
    return render(request, "strategy/participation.html", context)
