"""Community asset mapping: the facilitators' links (with their QR codes) and moderation queue, under
/manage/systems/<system>/assets/, and the residents' form at /assets/add/<token>/ (no account).

The queue works without JavaScript (every decision is a button in a form); with it, htmx swaps a decided row in
place and the conversations' moderation script gives the same keyboard shortcuts (j, k, a, r, x).
"""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import urlencode

import segno
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from commonweal.accounts.decorators import manager_view
from commonweal.communities.assets.forms import AssetForm
from commonweal.communities.mapping import actions
from commonweal.communities.models import Asset, MappingLink
from commonweal.communities.permissions import require
from commonweal.communities.queries import get_mapping_link
from commonweal.core.errors import CommonwealError, InvalidInput, NotFound
from commonweal.core.forms import apply_errors
from commonweal.core.http import client_address, is_htmx, posted, public_address
from commonweal.systems.models import Place, System
from commonweal.systems.queries import get_system

QUEUE_PAGE_SIZE = 50

# --- The links ----------------------------------------------------------------------------------------------


def public_url(request: HttpRequest, link: MappingLink) -> str:
    """The address residents open (and the QR code encodes): on the public address when one is set."""
    return public_address(request, reverse("communities:mapping_add", kwargs={"token": link.token}))


def _link(system: System, pk: int) -> MappingLink:
    link = MappingLink.objects.filter(system=system, pk=pk).select_related("place").first()
    if link is None:
        raise NotFound("That mapping link is not in this system: reload the page.")
    return link


@manager_view
@require_GET
def links(request: HttpRequest, system: str) -> HttpResponse:
    obj = get_system(system)
    require(request.user, "asset.view", obj)
    existing = {
        link.place_id: link for link in MappingLink.objects.filter(system=obj).select_related("place")
    }
    rows = [(None, existing.get(None))] + [(p, existing.get(p.pk)) for p in Place.objects.filter(system=obj)]
    return render(
        request,
        "communities/mapping/links.html",
        {
            "system": obj,
            "rows": [(place, link, public_url(request, link) if link else "") for place, link in rows],
        },
    )


@manager_view
@require_POST
def link_switch(request: HttpRequest, system: str) -> HttpResponse:
    """Open the system's or a place's link (``place``: its id, or empty), or close one (``close``: its id)."""
    obj = get_system(system)
    require(request.user, "asset.edit", obj)
    close = request.POST.get("close", "")
    if close:
        link = actions.do_close_link(request.user, _link(obj, int(close) if close.isdigit() else 0))
        messages.success(request, f"The link for {link.place or obj} is closed: it no longer takes assets.")
    else:
        raw = request.POST.get("place", "")
        place = Place.objects.filter(system=obj, pk=int(raw)).first() if raw.isdigit() else None
        if raw and place is None:
            raise InvalidInput("That place is not in this system: reload the page.")
        actions.do_open_link(request.user, obj, place)
        messages.success(request, f"The link for {place or obj} is open: share it, or print its QR code.")
    return redirect("communities:mapping_links", system=obj.slug)


def _qr(request: HttpRequest, link: MappingLink) -> Any:
    return segno.make(public_url(request, link), error="m")


@manager_view
@require_GET
def link_qr_svg(request: HttpRequest, system: str, pk: int) -> HttpResponse:
    obj = get_system(system)
    require(request.user, "asset.view", obj)
    link = _link(obj, pk)
    out = io.BytesIO()
    title = f"QR code to add community assets in {link.place or obj}"
    _qr(request, link).save(out, kind="svg", scale=10, border=4, xmldecl=False, title=title)
    return HttpResponse(out.getvalue(), content_type="image/svg+xml")


@manager_view
@require_GET
def link_qr_png(request: HttpRequest, system: str, pk: int) -> HttpResponse:
    obj = get_system(system)
    require(request.user, "asset.view", obj)
    link = _link(obj, pk)
    out = io.BytesIO()
    _qr(request, link).save(out, kind="png", scale=20, border=4)
    response = HttpResponse(out.getvalue(), content_type="image/png")
    response["Content-Disposition"] = f'attachment; filename="assets-qr-{obj.slug}-{link.pk}.png"'
    return response


# --- The residents' form ------------------------------------------------------------------------------------


def _private(response: HttpResponse) -> HttpResponse:
    # Reached by a link that may be meant for one group: keep it out of shared caches. (The site's referrer
    # policy, same-origin, already keeps it from other sites; "no-referrer" would make the browser send the
    # form with an Origin of "null", which the CSRF check refuses.)
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "HEAD", "POST"])
def mapping_add(request: HttpRequest, token: str) -> HttpResponse:
    link = get_mapping_link(token)
    form = AssetForm(link.system, posted(request), resident=True, place=link.place)
    if request.method == "POST" and form.is_valid():
        try:
            actions.check_submit_asset(link, form.to_input(), address=client_address(request))
        except InvalidInput as exc:
            apply_errors(form, exc)
        else:
            return redirect("communities:mapping_thanks", token=token)
    response = render(
        request, "communities/mapping/add.html", {"link": link, "system": link.system, "form": form}
    )
    return _private(response)


@require_GET
def mapping_thanks(request: HttpRequest, token: str) -> HttpResponse:
    link = get_mapping_link(token)
    return _private(render(request, "communities/mapping/thanks.html", {"link": link, "system": link.system}))


# --- The moderation queue -----------------------------------------------------------------------------------


def _queue_url(system: System, view: str, page: int | str = 1) -> str:
    base = reverse("communities:mapping_queue", kwargs={"system": system.slug})
    query = {
        k: v
        for k, v in (("view", view), ("page", page))
        if v and not (k == "view" and v == "to_review") and not (k == "page" and str(v) == "1")
    }
    return f"{base}?{urlencode(query)}" if query else base


def _back_to_queue(request: HttpRequest, system: System) -> str:
    view = request.POST.get("view", "to_review")
    page = request.POST.get("page", "1")
    return _queue_url(
        system, view if view in actions.QUEUE_VIEWS else "to_review", page if page.isdigit() else "1"
    )


@manager_view
@require_GET
def queue(request: HttpRequest, system: str) -> HttpResponse:
    obj = get_system(system)
    require(request.user, "asset.moderate", obj)
    view = request.GET.get("view", "to_review")
    if view not in actions.QUEUE_VIEWS:
        raise InvalidInput("That view of the queue does not exist. Choose one of the tabs.")
    page = Paginator(actions.moderation_queue(obj, view), QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "communities/mapping/queue.html",
        {
            "system": obj,
            "view": view,
            "views": actions.QUEUE_VIEWS,
            "page": page,
            "entries": actions.queue_entries(obj, list(page.object_list)),
            "counts": actions.moderation_counts(obj),
            "prev_url": _queue_url(obj, view, page.previous_page_number()) if page.has_previous() else "",
            "next_url": _queue_url(obj, view, page.next_page_number()) if page.has_next() else "",
        },
    )


@manager_view
@require_POST
def moderate(request: HttpRequest, system: str, pk: int) -> HttpResponse:
    """Accept or reject one asset; with htmx, the row is swapped in place."""
    obj = get_system(system)
    require(request.user, "asset.moderate", obj)
    asset = Asset.objects.filter(system=obj, pk=pk).select_related("mapping_link__place").first()
    if asset is None:
        raise NotFound("That asset is not in this system: reload the queue and try again.")
    decision = request.POST.get("action", "")
    announcement, error = "", ""
    try:
        actions.check_moderate_assets(request.user, obj, [asset.pk], decision)
        asset.refresh_from_db()
        announcement = f"{'Accepted' if decision == 'accept' else 'Rejected'}: {asset.name}"
    except CommonwealError as exc:
        error = exc.message
    if is_htmx(request):
        view = request.POST.get("view", "to_review")
        context = {
            "system": obj,
            "view": view if view in actions.QUEUE_VIEWS else "to_review",
            "page": {"number": request.POST.get("page", "1")},
            "asset": asset,
            "announcement": announcement,
            "error": error,
            "counts": actions.moderation_counts(obj),
            "oob": True,
        }
        html = render_to_string("communities/mapping/_row.html", context, request=request)
        html += render_to_string("communities/mapping/_status.html", context, request=request)
        return HttpResponse(html)  # 200 even when refused: the row says what went wrong.
    if error:
        messages.error(request, error)
    else:
        messages.success(request, announcement)
    return redirect(_back_to_queue(request, obj))


@manager_view
@require_POST
def moderate_bulk(request: HttpRequest, system: str) -> HttpResponse:
    """Accept or reject the assets ticked (or every one on the page, with 'select all')."""
    obj = get_system(system)
    require(request.user, "asset.moderate", obj)
    decision = request.POST.get("decision", "")
    ids = (
        request.POST.getlist("page_ids")
        if request.POST.get("select_all")
        else request.POST.getlist("asset_ids")
    )
    try:
        result = actions.check_moderate_assets(request.user, obj, ids, decision)
    except CommonwealError as exc:
        messages.error(request, exc.message)
    else:
        verb = "accepted" if decision == "accept" else "rejected"
        messages.success(request, f"{result.count} asset{'s' if result.count != 1 else ''} {verb}.")
    return redirect(_back_to_queue(request, obj))
