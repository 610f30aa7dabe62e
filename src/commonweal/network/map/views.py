"""The map's pages: the system map (interactive, as tables and as an image), each organisation's "my part",
interdependencies and joint work.

Views parse input, call ``require`` and then one action (changes) or a read: :mod:`.build` (what the map shows,
drawn by :mod:`.cytoscape` and :mod:`.svg`) or :mod:`.part` ("my part"); every change is a POST that redirects
(POST-redirect-GET).
"""

from __future__ import annotations

from typing import Any, cast

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from commonweal.accounts.decorators import manager_view
from commonweal.core.errors import NotFound
from commonweal.core.pages import Kind, kind_page
from commonweal.network.map import actions as actions_map
from commonweal.network.map.build import build_map
from commonweal.network.map.cytoscape import cytoscape_data
from commonweal.network.map.data import MapData, MapFilters, highlight_text
from commonweal.network.map.forms import WHOLE_MAP, InterdependencyForm, JointWorkForm, MapFilterForm
from commonweal.network.map.part import organisation_part as build_part
from commonweal.network.map.rounds import rounds_of
from commonweal.network.map.svg import render_svg
from commonweal.network.models import Interdependency, JointWork, SurveyInvitation
from commonweal.network.permissions import require
from commonweal.systems.models import Organisation, System
from commonweal.systems.panels import organisation_panels
from commonweal.systems.queries import get_system

# --- The map ------------------------------------------------------------------------------------------------


def _map_request(request: HttpRequest, system: System) -> tuple[MapFilterForm, MapFilters]:
    rounds = rounds_of(system)
    data = request.GET.copy()
    if not data.get("kind"):
        data["kind"] = "both"  # So the radios show what the map shows.
    form = MapFilterForm(system, rounds, data)
    form.is_valid()  # A filter that is not understood is ignored (and named in the error summary).
    by_id = {r.pk: r for r in rounds}
    focus = form.value("focus")
    filters = MapFilters(
        round=by_id.get(form.value("round")) if form.value("round") else None,
        compare=by_id.get(form.value("compare")) if form.value("compare") else None,
        sector=form.value("sector"),
        place=form.value("place"),
        kind=form.value("kind") or "both",
        focus=int(focus) if focus and focus != WHOLE_MAP else None,
        whole=focus == WHOLE_MAP,
        ties=form.value("ties"),
    )
    return form, filters


def _show_defaults(form: MapFilterForm, data: MapData) -> None:
    """Let the form show what the map shows when a filter was left to its default (the organisation in focus,
    whether weak ties show)."""
    shown = cast(QueryDict, form.data)  # the request's query, copied by _map_request
    shown["focus"] = str(data.ego.pk) if data.ego is not None else WHOLE_MAP
    shown["ties"] = "all" if data.show_weak else "strong"


def _focus_prefix(request: HttpRequest) -> str:
    """The page's query string without its focus, ready for "focus=<id>" (a link to focus on a partner)."""
    query = request.GET.copy()
    query.pop("focus", None)
    return query.urlencode() + "&" if query else ""


def _query(request: HttpRequest, **changes: str) -> str:
    """The page's query string with ``changes`` (a link to the same map, focused elsewhere)."""
    query = request.GET.copy()
    for key, value in changes.items():
        query[key] = value
    return query.urlencode()


@manager_view
def map_view(request: HttpRequest, system: str) -> HttpResponse:
    obj = get_system(system)
    require(request.user, "network.view", obj)
    form, filters = _map_request(request, obj)
    data = build_map(obj, filters)
    _show_defaults(form, data)
    query = request.GET.urlencode()
    return render(
        request,
        "network/map/map.html",
        {
            "system": obj,
            "form": form,
            "map": data,
            "whole_map_query": _query(request, focus=WHOLE_MAP),
            "focus_prefix": _focus_prefix(request),
            "highlight_text": highlight_text(data) if data.highlighted else "",
            "map_json": cytoscape_data(
                data,
                part_url=reverse(
                    "network:organisation_part", kwargs={"system": obj.slug, "organisation_id": 0}
                ),
            ),
            "image_url": reverse("network:map_image", kwargs={"system": obj.slug})
            + (f"?{query}" if query else ""),
        },
    )


@manager_view
def map_image(request: HttpRequest, system: str) -> HttpResponse:
    obj = get_system(system)
    require(request.user, "network.view", obj)
    _, filters = _map_request(request, obj)
    data = build_map(obj, filters)
    response = HttpResponse(render_svg(data), content_type="image/svg+xml; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{obj.slug}-map.svg"'
    return response


# --- My part ------------------------------------------------------------------------------------------------


@manager_view
def organisation_part(request: HttpRequest, system: str, organisation_id: int) -> HttpResponse:
    obj = get_system(system)
    require(request.user, "network.view", obj)
    organisation = Organisation.objects.filter(system=obj, pk=organisation_id).first()
    if organisation is None:
        raise NotFound("That organisation is not in this system: it may have been deleted.")
    part = build_part(organisation)
    return render(
        request,
        "network/part/organisation_part.html",
        {
            "system": obj,
            "part": part,
            "for_lead": False,
            "panels": organisation_panels(request, organisation),
        },
    )


def my_part(request: HttpRequest, token: str) -> HttpResponse:
    # The organisation's survey link (of any round) is what lets its lead read this page: no account.
    invitation = (
        SurveyInvitation.objects.filter(token=token).select_related("organisation__system", "round").first()
    )
    if invitation is None:
        raise NotFound(
            "This link does not work: check it was copied in full, or ask the facilitator for your "
            "organisation's survey link."
        )
    part = build_part(invitation.organisation)
    response = render(
        request,
        "network/part/my_part.html",
        {
            "system": invitation.organisation.system,
            "part": part,
            "for_lead": True,
            "token": token,
            "panels": organisation_panels(request, invitation.organisation),
        },
    )
    # The page is reached by a secret link: keep it out of shared caches and other sites' Referer headers.
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


# --- Interdependencies --------------------------------------------------------------------------------------


@manager_view
def interdependency_list(request: HttpRequest, system: str) -> HttpResponse:
    obj = get_system(system)
    require(request.user, "network.view", obj)
    items = Interdependency.objects.filter(system=obj).select_related(
        "from_organisation", "from_community", "to_organisation", "to_community"
    )
    return render(request, "network/links/interdependency_list.html", {"system": obj, "items": items})


# --- Joint work ---------------------------------------------------------------------------------------------


@manager_view
def joint_work_list(request: HttpRequest, system: str) -> HttpResponse:
    obj = get_system(system)
    require(request.user, "network.view", obj)
    items = JointWork.objects.filter(system=obj).prefetch_related("organisations")
    return render(request, "network/links/joint_work_list.html", {"system": obj, "items": items})


# --- Adding, changing and deleting interdependencies and joint work -----------------------------------------


def _save_interdependency(
    actor: Any, system: System, form: Any, item: Interdependency | None
) -> Interdependency:
    return actions_map.check_save_interdependency(actor, system, form.to_input(), item=item)


def _save_joint_work(actor: Any, system: System, form: Any, work: JointWork | None) -> JointWork:
    return actions_map.check_save_joint_work(actor, system, form.to_input(), work=work)


#: The add, change and delete pages of each (core.pages.Kind); the URLs say which one a page is about.
INTERDEPENDENCIES = Kind(
    Interdependency,
    "network/links/interdependency_form.html",
    "network:interdependency_list",
    form=lambda system, data, item: InterdependencyForm(
        system, data, initial=InterdependencyForm.initial_for(item)
    ),
    save=_save_interdependency,
    delete=actions_map.do_delete_interdependency,
    left_behind=lambda item: ["It will no longer show on the map or on either organisation's page."],
    name=lambda item: f"from {item.source} to {item.target} ({item.get_kind_display()})",
    label=lambda item: f"The interdependency from {item.source} to {item.target}",
    related=("from_organisation", "from_community", "to_organisation", "to_community"),
    context=lambda system: {"has_ends": system.organisations.exists()},
)
JOINT_WORK = Kind(
    JointWork,
    "network/links/joint_work_form.html",
    "network:joint_work_list",
    form=lambda system, data, work: JointWorkForm(system, data, initial=JointWorkForm.initial_for(work)),
    save=_save_joint_work,
    delete=actions_map.do_delete_joint_work,
    left_behind=lambda work: ["It will no longer show on the pages of the organisations that took part."],
    name=lambda work: work.title,
    label=lambda work: work.title,
)


@manager_view
@require_http_methods(["GET", "HEAD", "POST"])
def item_page(
    request: HttpRequest, system: str, kind: Kind[Any], pk: int | None = None, delete: bool = False
) -> HttpResponse:
    """An interdependency's or joint work's add, change or delete page (``kind`` and ``delete`` come from the URL)."""
    obj = get_system(system)
    require(request.user, "network.edit", obj)
    return kind_page(request, obj, kind, pk, delete=delete)
