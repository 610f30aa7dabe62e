"""Representation pages: a system's baselines (import a Census 2021 table or workforce counts) and a
conversation's representation (who took part against who lives and works here, and agreement reweighted to the
population), with its CSV. Views parse input, call ``require`` and then one action or a query."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from commonweal.accounts.decorators import manager_view
from commonweal.communities.representation import actions, build, queries
from commonweal.communities.representation.census import GEOGRAPHIES, WORKFORCE_COLUMNS
from commonweal.communities.representation.forms import CensusForm, WorkforceForm
from commonweal.communities.representation.permissions import can, require
from commonweal.conversations.queries import get_conversation
from commonweal.core.errors import ImportFailed
from commonweal.core.http import posted, posted_files
from commonweal.core.spreadsheet import safe_cell
from commonweal.systems.models import System
from commonweal.systems.queries import get_system

T = "communities/representation/"


def _imported(request: HttpRequest, plan: actions.BaselineImport, written: int) -> None:
    ignored = (
        f" {len(plan.ignored):,} area{'s' if len(plan.ignored) != 1 else ''} of the file in none of the places "
        "were left out."
        if plan.ignored
        else ""
    )
    where = ", ".join(p.name for p in plan.places) or "the whole system"
    messages.success(request, f"Imported {written:,} counts ({plan.source}) for {where}.{ignored}")


def _import_page(
    request: HttpRequest,
    obj: System,
    form: Any,
    check: Callable[[Any], actions.BaselineImport],
    template: str,
) -> HttpResponse:
    failure: ImportFailed | None = None
    status = 200
    if request.method == "POST":
        require(request.user, "baseline.import", obj)
        status = 400
        if form.is_valid():
            try:
                plan = check(form.cleaned_data)
            except ImportFailed as exc:
                failure = exc
            else:
                _imported(request, plan, actions.do_import_baseline(request.user, plan))
                return redirect("communities:baselines", system=obj.slug)
    context = {
        "system": obj,
        "form": form,
        "failure": failure,
        "errors": (failure.detail or {}).get("errors", []) if failure else [],
        "summary": queries.baseline_summary(obj),
        "places": queries.places_of(obj).values(),
        "geographies": GEOGRAPHIES,
        "workforce_columns": WORKFORCE_COLUMNS,
        "can_import": can(request.user, "baseline.import", obj),
    }
    return render(request, T + template, context, status=status)


@manager_view
@require_http_methods(["GET", "HEAD", "POST"])
def baselines(request: HttpRequest, system: str) -> HttpResponse:
    obj = get_system(system)
    require(request.user, "baseline.view", obj)

    def check(data: dict[str, Any]) -> actions.BaselineImport:
        upload = data["file"]
        return actions.check_import_census(
            request.user, obj, upload.read(), upload.name or "", mapping=data.get("mapping") or ""
        )

    form = CensusForm(posted(request), posted_files(request))
    return _import_page(request, obj, form, check, "baselines.html")


@manager_view
@require_http_methods(["GET", "HEAD", "POST"])
def workforce(request: HttpRequest, system: str) -> HttpResponse:
    obj = get_system(system)
    require(request.user, "baseline.view", obj)

    def check(data: dict[str, Any]) -> actions.BaselineImport:
        upload = data["file"]
        return actions.check_import_workforce(request.user, obj, upload.read(), upload.name or "")

    form = WorkforceForm(posted(request), posted_files(request))
    return _import_page(request, obj, form, check, "workforce.html")


def _rake(request: HttpRequest) -> list[str] | None:
    """The dimensions the facilitator chose to reweight by (None: the default)."""
    if "rake" not in request.GET and "chosen" not in request.GET:
        return None
    return [d for d in request.GET.getlist("rake") if d in build.ALL_DIMENSIONS]


@manager_view
@require_GET
def representation(request: HttpRequest, slug: str) -> HttpResponse:
    conversation = get_conversation(slug)
    require(request.user, "representation.view", conversation)
    rep = build.cached_representation(conversation, _rake(request))
    context = {
        "conversation": conversation,
        "system": conversation.system,
        "rep": rep,
        "query": request.GET.urlencode(),
        "can_import": can(request.user, "baseline.import", conversation.system),
    }
    return render(request, T + "representation.html", context)


@manager_view
@require_GET
def representation_csv(request: HttpRequest, slug: str) -> HttpResponse:
    conversation = get_conversation(slug)
    require(request.user, "representation.view", conversation)
    rep = build.cached_representation(conversation, _rake(request))
    out = io.StringIO()
    rows = build.as_rows(rep)
    writer = csv.DictWriter(out, fieldnames=list(build.CSV_COLUMNS))
    writer.writeheader()
    for row in rows:
        writer.writerow({k: safe_cell(str(v)) for k, v in row.items()})
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="representation-{conversation.slug}.csv"'
    return response
