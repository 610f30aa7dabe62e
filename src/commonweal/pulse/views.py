"""The pulse's pages.

Facilitators (``pulse.view`` / ``pulse.edit``) create rounds under /manage/systems/<system>/pulse/, edit a
draft's wording, open and close rounds, hand out the links, moderate the "what would help" answers and read the
results (page and CSV, every count through the disclosure layer).

Respondents need no account: /pulse/<token>/ (the round's public link, or an organisation's link) is one page
with one form, plain HTML, no JavaScript. The session remembers the links a browser has answered, so the page
thanks them instead of asking again.
"""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from commonweal.accounts.decorators import manager_view
from commonweal.core.errors import CommonwealError, InvalidInput
from commonweal.core.forms import apply_errors
from commonweal.core.http import client_address, posted
from commonweal.core.pages import save_and_return
from commonweal.core.spreadsheet import SpreadsheetWriter
from commonweal.pulse import actions, queries
from commonweal.pulse.forms import AnswerForm, ItemsForm, RoundForm
from commonweal.pulse.models import DIMENSION_MEANINGS, SCALE, PulseRound
from commonweal.pulse.permissions import can, require
from commonweal.pulse.stats import BANDS
from commonweal.systems.models import System
from commonweal.systems.queries import get_system

T = "pulse/"
#: The session's list of the links this browser has answered.
ANSWERED = "cw_pulse_answered"


def public_link(request: HttpRequest, token: str) -> str:
    return request.build_absolute_uri(reverse("pulse:respond", kwargs={"token": token}))


# --- Facilitator pages -------------------------------------------------------------------------------------------


def _round(request: HttpRequest, system: str, round_id: int, action: str) -> tuple[System, PulseRound]:
    """The system and its round of a facilitator's page, once the user may do ``action`` to the system."""
    obj = get_system(system)
    require(request.user, action, obj)
    return obj, queries.get_round(obj, round_id)


@manager_view
@require_GET
def round_list(request: HttpRequest, system: str) -> HttpResponse:
    obj = get_system(system)
    require(request.user, "pulse.view", obj)
    ctx = {"system": obj, "rounds": queries.rounds_of(obj), "can_edit": can(request.user, "pulse.edit", obj)}
    return render(request, T + "round_list.html", ctx)


@manager_view
@require_http_methods(["GET", "HEAD", "POST"])
def round_create(request: HttpRequest, system: str) -> HttpResponse:
    obj = get_system(system)
    require(request.user, "pulse.edit", obj)
    form = RoundForm(posted(request))
    done = save_and_return(
        request,
        form,
        lambda: actions.check_create_round(request.user, obj, **form.cleaned_data),
        saved=lambda r: f"The round {r.name} is a draft: check its questions, then open it.",
        back=lambda r: reverse("pulse:round_detail", kwargs={"system": obj.slug, "round_id": r.pk}),
    )
    return done or render(
        request, T + "round_form.html", {"system": obj, "form": form}, status=400 if form.errors else 200
    )


@manager_view
@require_GET
def round_detail(request: HttpRequest, system: str, round_id: int) -> HttpResponse:
    obj, pulse_round = _round(request, system, round_id, "pulse.view")
    can_edit = can(request.user, "pulse.edit", obj)
    if pulse_round.is_open and can_edit:
        actions.do_issue_missing_links(request.user, pulse_round)  # organisations added since it opened
    links = [
        (link, public_link(request, link.token)) for link in pulse_round.links.select_related("organisation")
    ]
    ctx = {
        "system": obj,
        "round": pulse_round,
        "can_edit": can_edit,
        "public_link": public_link(request, pulse_round.token),
        "links": links,
        "items": pulse_round.items_by_dimension(),
        "pending": queries.pending_texts(pulse_round).count(),
    }
    return render(request, T + "round_detail.html", ctx)


@manager_view
@require_http_methods(["GET", "HEAD", "POST"])
def round_items(request: HttpRequest, system: str, round_id: int) -> HttpResponse:
    obj, pulse_round = _round(request, system, round_id, "pulse.edit")
    if request.method == "POST" and not pulse_round.is_draft:
        raise actions.WordingLocked()
    form = ItemsForm(posted(request), pulse_round=pulse_round)
    done = save_and_return(
        request,
        form,
        lambda: actions.check_edit_items(request.user, pulse_round, form.cleaned_data),
        saved=lambda r: "The questions are saved.",
        back=reverse("pulse:round_detail", kwargs={"system": obj.slug, "round_id": pulse_round.pk}),
    )
    ctx = {"system": obj, "round": pulse_round, "form": form}
    return done or render(request, T + "round_items.html", ctx, status=400 if form.errors else 200)


@manager_view
@require_POST
def round_status(request: HttpRequest, system: str, round_id: int) -> HttpResponse:
    obj, pulse_round = _round(request, system, round_id, "pulse.edit")
    try:
        actions.check_change_status(request.user, pulse_round, request.POST.get("status", ""))
    except CommonwealError as exc:
        messages.error(request, exc.message)
    else:
        if pulse_round.is_open:
            messages.success(request, f"The round {pulse_round.name} is open: send people its links.")
        else:
            messages.success(request, f"The round {pulse_round.name} is closed: it takes no more answers.")
    return redirect("pulse:round_detail", system=obj.slug, round_id=pulse_round.pk)


def _results_context(pulse_round: PulseRound) -> dict[str, Any]:
    results = queries.round_results(pulse_round)
    before = queries.previous_round(pulse_round)
    change = None
    if before is not None:
        change = queries.change_between(before, pulse_round, after_scores=results.scores.by_dimension)
    return {"results": results, "change": change, "before": before, "bands": BANDS, "scale": SCALE}


@manager_view
@require_GET
def results(request: HttpRequest, system: str, round_id: int) -> HttpResponse:
    obj, pulse_round = _round(request, system, round_id, "pulse.view")
    ctx = {
        "system": obj,
        "round": pulse_round,
        "meanings": DIMENSION_MEANINGS,
        **_results_context(pulse_round),
    }
    ctx["pending"] = queries.pending_texts(pulse_round).count()
    return render(request, T + "results.html", ctx)


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


@manager_view
@require_GET
def results_csv(request: HttpRequest, system: str, round_id: int) -> HttpResponse:
    obj, pulse_round = _round(request, system, round_id, "pulse.view")
    r = queries.round_results(pulse_round)
    out = io.StringIO()
    writer = SpreadsheetWriter(out, numbers=[5, 6])
    writer.writerow(
        [
            "round",
            "dimension",
            "breakdown",
            "group",
            "respondents",
            "mean",
            "median",
            *[f"score_{b}" for b in BANDS],
        ]
    )
    for dim in r.dimensions:
        everyone = [f"{r.respondents:,}", _number(dim.mean), _number(dim.median)]
        writer.writerow(
            [
                pulse_round.name,
                dim.label,
                "everyone",
                "Everyone",
                *everyone,
                *[dim.distribution[b].display for b in BANDS],
            ]
        )
        for breakdown, rows in (("sector", dim.by_sector), ("place", dim.by_place)):
            for row in rows:
                cells = [row.distribution[b].display for b in BANDS]
                writer.writerow(
                    [
                        pulse_round.name,
                        dim.label,
                        breakdown,
                        row.label,
                        row.people.display,
                        "",
                        _number(row.median),
                        *cells,
                    ]
                )
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="pulse-{obj.slug}-{pulse_round.pk}.csv"'
    return response


@manager_view
@require_GET
def moderation(request: HttpRequest, system: str, round_id: int) -> HttpResponse:
    obj, pulse_round = _round(request, system, round_id, "pulse.view")
    ctx = {
        "system": obj,
        "round": pulse_round,
        "pending": list(queries.pending_texts(pulse_round)[:200]),
        "can_edit": can(request.user, "pulse.edit", obj),
    }
    return render(request, T + "moderation.html", ctx)


@manager_view
@require_POST
def moderate(request: HttpRequest, system: str, round_id: int, response_id: int) -> HttpResponse:
    obj, pulse_round = _round(request, system, round_id, "pulse.edit")
    try:
        done = actions.check_moderate(
            request.user, pulse_round, response_id, request.POST.get("decision", "")
        )
    except InvalidInput as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"The answer is {done.get_moderation_display().lower()}.")
    return redirect("pulse:moderation", system=obj.slug, round_id=pulse_round.pk)


# --- The respondent's page --------------------------------------------------------------------------------------


def _answered(request: HttpRequest, token: str) -> bool:
    return token in (request.session.get(ANSWERED) or [])


def _remember(request: HttpRequest, token: str) -> None:
    done = list(request.session.get(ANSWERED) or [])
    request.session[ANSWERED] = [*done[-49:], token]


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def respond(request: HttpRequest, token: str) -> HttpResponse:
    pulse_round, link = queries.link_for(token)
    ctx: dict[str, Any] = {"round": pulse_round, "system": pulse_round.system, "link": link, "token": token}
    if _answered(request, token):
        return render(request, T + "respond_done.html", ctx)
    if not pulse_round.is_open:
        return render(
            request, T + "respond_closed.html", ctx, status=200 if request.method != "POST" else 409
        )
    form = AnswerForm(posted(request), pulse_round=pulse_round, link=link)
    if request.method == "POST" and form.is_valid():
        try:
            actions.check_respond(
                pulse_round, link, form.answer(), client=client_address(request) or "unknown"
            )
        except InvalidInput as exc:
            apply_errors(form, exc)
        else:
            _remember(request, token)  # the page then thanks them (respond_done.html)
            return redirect("pulse:respond", token=token)
    ctx.update(form=form, scale=SCALE, organisation=link.organisation if link else None)
    return render(request, T + "respond.html", ctx, status=400 if form.errors else 200)
