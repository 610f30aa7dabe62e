"""The strategy's exports (CSV and JSON), for facilitators; each download is audited."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from commonweal.accounts.decorators import manager_view
from commonweal.core import audit
from commonweal.core.errors import NotFound
from commonweal.strategy.aims.views import system_for
from commonweal.strategy.report.build import EXPORTS, strategy_json


@manager_view
@require_http_methods(["GET", "HEAD"])
def export(request: HttpRequest, system: str, name: str) -> HttpResponse:
    obj = system_for(request, system)
    if name == "strategy.json":
        body, content_type = json.dumps(strategy_json(obj), indent=1), "application/json"
    elif name in EXPORTS:
        content_type, build = EXPORTS[name]
        body = build(obj)
    else:
        raise NotFound(
            "There is no such export: choose aims.csv, commitments.csv, updates.csv or strategy.json."
        )
    audit.record(request.user, "strategy.export", obj, after={"file": name}, system=obj)
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{obj.slug}-{name}"'
    return response
