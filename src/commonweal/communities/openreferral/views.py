"""Import and export of the register, under /manage/systems/<system>/assets/: the Open Referral UK import page
and the downloads (Open Referral UK JSON and its CSV data package, and the plain CSV and JSON), each of the
register as filtered (accepted assets unless the filters say otherwise)."""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from commonweal.accounts.decorators import manager_view
from commonweal.communities import queries
from commonweal.communities.assets.forms import read_filters
from commonweal.communities.openreferral import actions, oruk, plain
from commonweal.communities.openreferral.forms import ImportForm
from commonweal.communities.permissions import require
from commonweal.core.errors import ImportFailed
from commonweal.core.http import posted
from commonweal.systems.models import System
from commonweal.systems.queries import get_system


def _assets(request: HttpRequest, system: System) -> list:  # type: ignore[type-arg]
    _, filters = read_filters(request.GET, system, shown=False)
    return list(
        queries.filtered_assets(system, filters)
        .select_related("system", "holder_organisation", "holder_community")
        .prefetch_related("places", "communities", "tags")
    )


def _download(body: str | bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@manager_view
@require_http_methods(["GET", "HEAD", "POST"])
def import_page(request: HttpRequest, system: str) -> HttpResponse:
    obj = get_system(system)
    require(request.user, "asset.edit", obj)
    form = ImportForm(posted(request), request.FILES or None)
    errors: list[dict[str, object]] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = actions.check_import_openreferral(
                request.user,
                obj,
                upload.read(),
                upload.name,
                default_category=form.cleaned_data["default_category"],
            )
        except ImportFailed as exc:
            errors = list((exc.detail or {}).get("errors", []))
            form.add_error("file", exc.message)
        else:
            added = len(report.added)
            text = f"Imported {added} asset{'s' if added != 1 else ''} from {upload.name}."
            if report.already:
                text += f" {report.already} already in the register were left as they are."
            messages.success(request, text)
            for note in report.notes[:20]:
                messages.info(request, note)
            return redirect("communities:asset_list", system=obj.slug)
    return render(
        request, "communities/openreferral/import.html", {"system": obj, "form": form, "errors": errors}
    )


@manager_view
@require_GET
def export_openreferral_json(request: HttpRequest, system: str) -> HttpResponse:
    obj = get_system(system)
    require(request.user, "asset.view", obj)
    body = json.dumps(oruk.to_json(_assets(request, obj)), ensure_ascii=False, indent=1)
    return _download(body, "application/json", f"{obj.slug}-assets-openreferral-uk.json")


@manager_view
@require_GET
def export_openreferral_zip(request: HttpRequest, system: str) -> HttpResponse:
    obj = get_system(system)
    require(request.user, "asset.view", obj)
    return _download(
        oruk.to_csv_zip(_assets(request, obj)), "application/zip", f"{obj.slug}-assets-openreferral-uk.zip"
    )


@manager_view
@require_GET
def export_csv(request: HttpRequest, system: str) -> HttpResponse:
    obj = get_system(system)
    require(request.user, "asset.view", obj)
    return _download(plain.to_csv(_assets(request, obj)), "text/csv; charset=utf-8", f"{obj.slug}-assets.csv")


@manager_view
@require_GET
def export_json(request: HttpRequest, system: str) -> HttpResponse:
    obj = get_system(system)
    require(request.user, "asset.view", obj)
    body = json.dumps(plain.to_json(_assets(request, obj)), ensure_ascii=False, indent=1)
    return _download(body, "application/json", f"{obj.slug}-assets.json")


@manager_view
@require_GET
def transfer(request: HttpRequest, system: str) -> HttpResponse:
    """The page that offers the downloads and the import."""
    obj = get_system(system)
    require(request.user, "asset.view", obj)
    return render(
        request, "communities/openreferral/transfer.html", {"system": obj, "query": request.GET.urlencode()}
    )
