"""The facilitator's live results page and present mode, under /manage/conversations/<slug>/.

Both pages work without JavaScript: the results page shows every chart as a server-drawn SVG with a table, and
a "Reload" link; present mode shows the question, the QR code and the common ground so far. With JavaScript,
htmx asks the live endpoints every 3 seconds; they answer 204 (nothing to change, so focus and scroll stay) until
a newer analysis snapshot exists, the analysis starts or stops failing, or the analysis worker stops or starts
reporting (its heartbeat), and then send the new fragment.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from commonweal.accounts.decorators import manager_view
from commonweal.conversations.facilitate.forms import GroupingForm
from commonweal.conversations.facilitate.views import participant_url
from commonweal.conversations.jobs.compute import analysis_health
from commonweal.conversations.jobs.heartbeat import WorkerHealth, worker_health
from commonweal.conversations.models import Conversation
from commonweal.conversations.permissions import can, require
from commonweal.conversations.queries import get_conversation
from commonweal.conversations.results import actions, charts
from commonweal.conversations.results.build import LiveMarker, Results, build_results, group_name, live_marker
from commonweal.conversations.results.forms import GroupNameForm
from commonweal.core.errors import InvalidInput, NotFound
from commonweal.core.forms import apply_errors

#: Seconds between the live endpoints' polls (the templates' ``hx-trigger``).
POLL_SECONDS = 3


def _theme(request: HttpRequest, conversation: Conversation) -> str | None:
    """The theme filter from the query string: one of the conversation's themes, else no filter."""
    theme = request.GET.get("theme", "").strip()
    return theme if theme and theme in (conversation.themes or []) else None


def _after(request: HttpRequest) -> int:
    raw = request.GET.get("after", "")
    return int(raw) if raw.isdigit() else 0


def _worker_stopped(conversation: Conversation, pending: bool | None = None) -> WorkerHealth | None:
    """The workers' health when none is reporting while this conversation's changes wait for an analysis (the
    results page then says so, instead of "new votes are being counted"); else None. One query, and when no
    worker reports and ``pending`` is not given, the conversation's analysis health too."""
    health = worker_health()
    if health.state == "ok":
        return None
    if pending is None:
        pending = analysis_health(conversation).pending
    return health if pending else None


def _unchanged(
    request: HttpRequest, marker: LiveMarker, *, counts: bool = False, worker_stopped: bool | None = None
) -> bool:
    """Whether the page already shows this snapshot and this health (and, for present mode, these counts; for
    the results page, whether the worker has stopped reporting), so the live endpoint answers 204 without
    building the results."""
    same = marker.tick <= _after(request) and request.GET.get("failing", "0") == (
        "1" if marker.failing else "0"
    )
    if worker_stopped is not None:
        same = same and request.GET.get("worker", "0") == ("1" if worker_stopped else "0")
    if counts:
        same = (
            same
            and request.GET.get("votes", "") == str(marker.votes)
            and request.GET.get("people", "") == str(marker.participants)
        )
    return same


def _charts(results: Results) -> dict[str, dict[str, Any]]:
    """Each chart's spec, server SVG, table and caption, keyed for the templates (``charts.opinion_map``)."""
    if not results.ready:
        return {}
    return {name.replace("-", "_"): charts.chart_context(name, results) for name in charts.CHARTS}


def _group_cards(
    results: Results, may_name: bool, bound: GroupNameForm | None = None, bound_group: int | None = None
) -> list[dict[str, Any]]:
    """Each opinion group with who is in it and, for a facilitator, the form that names it (``bound``: the form
    just posted for group ``bound_group``, shown again with its error and what was typed)."""
    makeup = {m.group: m for m in results.makeup}
    cards = []
    for group in results.groups:
        form = None
        if may_name:
            form = (
                bound
                if bound is not None and bound_group == group.index
                else GroupNameForm(
                    initial={
                        "name": results.group_names.get(group.index, ""),
                        "group": group.index,
                        "tick": results.snapshot_tick,
                    },
                    auto_id=f"group-{group.index}-%s",
                )
            )
        cards.append({"group": group, "makeup": makeup.get(group.index), "name_form": form})
    return cards


def _results_context(
    conversation: Conversation,
    results: Results,
    user: Any,
    bound: GroupNameForm | None = None,
    bound_group: int | None = None,
) -> dict[str, Any]:
    page_url = reverse("conversations:manage_results", kwargs={"slug": conversation.slug})
    if results.theme:
        page_url += "?" + urlencode({"theme": results.theme})
    return {
        "page_url": page_url,
        "conversation": conversation,
        "system": conversation.system,
        "results": results,
        "charts": _charts(results),
        "poll_seconds": POLL_SECONDS,
        "worker_stopped": _worker_stopped(conversation, results.health.pending),
        # Facilitators choose how the groups are found (facilitate.views.manage_grouping).
        "grouping_form": (
            GroupingForm(initial={"grouping": conversation.grouping})
            if can(user, "conversation.edit", conversation)
            else None
        ),
        # Facilitators name the groups (manage_group_name), as they choose how the groups are found.
        "group_cards": _group_cards(
            results, can(user, "conversation.edit", conversation), bound, bound_group
        ),
        "may_name_groups": can(user, "conversation.edit", conversation),
    }


@manager_view
@require_GET
def manage_results(request: HttpRequest, slug: str) -> HttpResponse:
    conversation = get_conversation(slug)
    require(request.user, "conversation.view_results", conversation)
    results = build_results(conversation, theme=_theme(request, conversation))
    return render(
        request, "conversations/manage/results.html", _results_context(conversation, results, request.user)
    )


@manager_view
@require_GET
def manage_results_live(request: HttpRequest, slug: str) -> HttpResponse:
    """The results fragment when a newer snapshot exists (``?after=<tick>``), else 204 No Content."""
    conversation = get_conversation(slug)
    require(request.user, "conversation.view_results", conversation)
    stopped = _worker_stopped(conversation) is not None
    if _unchanged(request, live_marker(conversation), worker_stopped=stopped):
        return HttpResponse(status=204)
    results = build_results(conversation, theme=_theme(request, conversation))
    return render(
        request,
        "conversations/manage/includes/results_live.html",
        _results_context(conversation, results, request.user),
    )


@manager_view
@require_GET
def manage_results_chart(request: HttpRequest, slug: str, name: str, fmt: str) -> HttpResponse:
    """One chart of the results: its Vega-Lite spec (``.json``) or the server's SVG (``.svg``)."""
    conversation = get_conversation(slug)
    require(request.user, "conversation.view_results", conversation)
    chart = charts.CHARTS.get(name)
    if chart is None or fmt not in ("svg", "json"):
        raise NotFound(f"There is no chart called {name}.{fmt}. The charts are: {', '.join(charts.CHARTS)}.")
    results = build_results(conversation, theme=_theme(request, conversation))
    spec = chart.spec(results)
    if fmt == "json":
        return JsonResponse(spec)
    return HttpResponse(charts.to_svg(spec), content_type="image/svg+xml; charset=utf-8")


def _present_context(request: HttpRequest, conversation: Conversation) -> dict[str, Any]:
    return {
        "conversation": conversation,
        "participant_url": participant_url(request, conversation),
        "results": build_results(conversation),
        "poll_seconds": POLL_SECONDS,
    }


@manager_view
@require_GET
def manage_present(request: HttpRequest, slug: str) -> HttpResponse:
    """Present mode: for the shared screen of a live event (the question, the QR code, the common ground so far)."""
    conversation = get_conversation(slug)
    require(request.user, "conversation.view_results", conversation)
    return render(request, "conversations/manage/present.html", _present_context(request, conversation))


@manager_view
@require_GET
def manage_present_live(request: HttpRequest, slug: str) -> HttpResponse:
    """Present mode's counts and common ground when they changed (``?after=<tick>&votes=<n>``), else 204."""
    conversation = get_conversation(slug)
    require(request.user, "conversation.view_results", conversation)
    if _unchanged(request, live_marker(conversation, counts=True), counts=True):
        return HttpResponse(status=204)
    return render(
        request, "conversations/manage/includes/present_live.html", _present_context(request, conversation)
    )


def _results_url(conversation: Conversation, anchor: str) -> str:
    return reverse("conversations:manage_results", kwargs={"slug": conversation.slug}) + anchor


@manager_view
@require_POST
def manage_group_name(request: HttpRequest, slug: str) -> HttpResponse:
    """Name an opinion group, or clear its name (the form is on the group's card on the results page). A name
    that cannot be kept is shown again, with what was typed, on the results page."""
    conversation = get_conversation(slug)
    require(request.user, "conversation.edit", conversation)
    raw_group = request.POST.get("group", "")
    group = int(raw_group) if raw_group.isdigit() else None
    form = GroupNameForm(request.POST, auto_id=f"group-{group}-%s" if group is not None else "id_%s")
    if form.is_valid():
        try:
            actions.check_name_group(
                request.user,
                conversation,
                form.cleaned_data["group"],
                form.cleaned_data["tick"],
                form.cleaned_data["name"],
            )
        except InvalidInput as exc:
            apply_errors(form, exc)
        else:
            name = form.cleaned_data["name"]
            letter = group_name(form.cleaned_data["group"])
            messages.success(
                request,
                _("%(group)s is now called “%(name)s”.") % {"group": letter, "name": " ".join(name.split())}
                if name.strip()
                else _("%(group)s is called by its letter again.") % {"group": letter},
            )
            return redirect(_results_url(conversation, f"#group-{form.cleaned_data['group']}"))
    if group is None:
        raise InvalidInput(
            "Say which opinion group to name: reload the results and use the form under the group."
        )
    results = build_results(conversation)
    context = _results_context(conversation, results, request.user, bound=form, bound_group=group)
    return render(request, "conversations/manage/results.html", context, status=400)


@manager_view
@require_POST
def manage_group_name_forget(request: HttpRequest, slug: str, name_id: int) -> HttpResponse:
    """Forget a group's name that no longer matches a group (listed on the results page with a notice)."""
    conversation = get_conversation(slug)
    require(request.user, "conversation.edit", conversation)
    if actions.check_forget_group_name(request.user, conversation, name_id):
        messages.success(request, _("The name is forgotten."))
    else:
        messages.info(request, _("That name was already forgotten."))
    return redirect(_results_url(conversation, "#opinion-groups"))
