"""The facilitators' aim pages: the strategy page, drafting an aim from statements (the results page's "Draft an
aim from these statements" posts here), an aim's page with its evidence "then" and "since then", changing an
aim and its status, and testing the draft aims with people."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from commonweal.accounts.decorators import manager_view
from commonweal.conversations.models import Statement
from commonweal.conversations.results.build import build_results
from commonweal.core.errors import InvalidInput
from commonweal.core.http import posted
from commonweal.core.pages import save_and_return
from commonweal.strategy.accountability.build import board, summaries
from commonweal.strategy.aims import actions
from commonweal.strategy.aims.evidence import current_figures, figures_of, since_then
from commonweal.strategy.aims.forms import AimForm, StatusForm
from commonweal.strategy.models import Aim, Evidence, ProgressUpdate
from commonweal.strategy.permissions import can, require
from commonweal.strategy.queries import assets_of_aim, assets_of_commitments, get_aim, settings_of
from commonweal.systems.models import System
from commonweal.systems.queries import get_system

T = "strategy/"


def aim_url(aim: Aim) -> str:
    return reverse("strategy:aim_detail", kwargs={"system": aim.system.slug, "pk": aim.pk})


def system_for(request: HttpRequest, slug: str, action: str = "strategy.view") -> System:
    system = get_system(slug)
    require(request.user, action, system)
    if request.method == "POST":
        require(request.user, "strategy.edit", system)
    return system


@manager_view
@require_http_methods(["GET", "HEAD"])
def strategy_home(request: HttpRequest, system: str) -> HttpResponse:
    obj = system_for(request, system)
    cards = summaries(obj)
    by_status = [(label, [c for c in cards if c.aim.status == key]) for key, label in Aim.Status.choices]
    context = {
        "system": obj,
        "by_status": by_status,
        "can_edit": can(request.user, "strategy.edit", obj),
        "settings": settings_of(obj),
        "conversations": obj.conversations.order_by("-created_at")[:20],
    }
    return render(request, T + "home.html", context)


def _chosen(system: System, raw: list[str]) -> list[Statement]:
    ids = [int(v) for v in raw if v.isdigit()]
    return actions.statements_for_draft(system, ids) if ids else []


@manager_view
@require_http_methods(["GET", "HEAD", "POST"])
def aim_draft(request: HttpRequest, system: str) -> HttpResponse:
    """Draft an aim, from the statements chosen on a results page (``?statement=``) or from none."""
    obj = system_for(request, system, "strategy.edit")
    source = request.POST if request.method == "POST" else request.GET
    try:
        statements = _chosen(obj, source.getlist("statement"))
    except InvalidInput as exc:
        messages.error(request, exc.message)
        statements = []
    form = AimForm(obj, posted(request))
    if request.method == "GET" and len(statements) == 1:
        form.initial["title"] = statements[0].text[:200]
    done = save_and_return(
        request,
        form,
        lambda: actions.check_draft_aim(request.user, obj, form.as_input(), [s.pk for s in statements]),
        saved=lambda aim: f"The draft aim \u201c{aim.title}\u201d is saved with its evidence.",
        back=aim_url,
    )
    if done:
        return done
    evidence = []
    by_conversation: dict[int, list[Statement]] = {}
    for s in statements:
        by_conversation.setdefault(s.conversation_id, []).append(s)
    for items in by_conversation.values():
        evidence += figures_of(build_results(items[0].conversation), items)
    context = {"system": obj, "form": form, "evidence": evidence, "statements": statements}
    return render(request, T + "aim_draft.html", context)


def _evidence_rows(aim: Aim) -> list[dict[str, Any]]:
    """Each frozen statement beside what changed since (when its conversation has a newer analysis)."""
    items = list(aim.evidence.select_related("conversation", "statement"))
    current: dict[int, dict[str, Any]] = {}
    by_conversation: dict[int, list[Evidence]] = {}
    for e in items:
        if e.conversation_id and e.statement_id:
            by_conversation.setdefault(e.conversation_id, []).append(e)
    for group in by_conversation.values():
        conversation = group[0].conversation
        assert conversation is not None
        statements = [e.statement for e in group if e.statement is not None]
        for found in current_figures(conversation, statements):
            current[found.statement.pk] = found.figures
    return [
        {
            "evidence": e,
            "since": since_then(e.figures, current[e.statement_id]) if e.statement_id in current else [],
        }
        for e in items
    ]


def _tested(aim: Aim) -> Any:
    """How people voted on the aim in the conversation that tests it (the published figures), or None."""
    if aim.tested_in is None or aim.tested_statement is None:
        return None
    found = current_figures(aim.tested_in, [aim.tested_statement])
    return found[0] if found else None


@manager_view
@require_http_methods(["GET", "HEAD"])
def aim_detail(request: HttpRequest, system: str, pk: int) -> HttpResponse:
    obj = system_for(request, system)
    aim = get_aim(obj, pk)
    card = board(obj, aim_ids=[aim.pk])[0]
    updates = ProgressUpdate.objects.filter(commitment__aim=aim).select_related(
        "commitment__organisation", "commitment__community"
    )
    timeline: dict[int, list[ProgressUpdate]] = {}
    for u in updates.order_by("-on", "-pk"):
        timeline.setdefault(u.commitment_id, []).append(u)
    uses = assets_of_commitments(obj, [row.commitment.pk for row in card.commitments])
    context = {
        "system": obj,
        "aim": aim,
        "card": card,
        "evidence": _evidence_rows(aim),
        "tested": _tested(aim),
        "rows": [
            (row, timeline.get(row.commitment.pk, []), uses.get(row.commitment.pk, []))
            for row in card.commitments
        ],
        "assets": assets_of_aim(aim),
        "measures": list(aim.measures.all()),
        "can_edit": can(request.user, "strategy.edit", obj),
    }
    return render(request, T + "aim_detail.html", context)


@manager_view
@require_http_methods(["GET", "HEAD", "POST"])
def aim_edit(request: HttpRequest, system: str, pk: int) -> HttpResponse:
    obj = system_for(request, system, "strategy.edit")
    aim = get_aim(obj, pk)
    form = AimForm(obj, posted(request), initial=AimForm.initial_of(aim))
    done = save_and_return(
        request,
        form,
        lambda: actions.check_update_aim(request.user, aim, form.as_input()),
        saved=lambda saved: f"\u201c{saved.title}\u201d is saved.",
        back=aim_url,
    )
    return done or render(request, T + "aim_form.html", {"system": obj, "form": form, "aim": aim})


@manager_view
@require_http_methods(["GET", "HEAD", "POST"])
def aim_status(request: HttpRequest, system: str, pk: int) -> HttpResponse:
    obj = system_for(request, system, "strategy.edit")
    aim = get_aim(obj, pk)
    labels = dict(Aim.Status.choices)
    choices = [(s.value, str(labels[s.value])) for s in actions.TRANSITIONS[Aim.Status(aim.status)]]
    choices.sort(key=lambda c: list(labels).index(c[0]))
    form = StatusForm(choices, posted(request))
    done = save_and_return(
        request,
        form,
        lambda: actions.check_change_status(request.user, aim, form.as_input()),
        saved=lambda saved: f"\u201c{saved.title}\u201d is now {saved.get_status_display().lower()}.",
        back=aim_url,
    )
    return done or render(request, T + "aim_status.html", {"system": obj, "form": form, "aim": aim})


@manager_view
@require_http_methods(["GET", "HEAD", "POST"])
def aims_test(request: HttpRequest, system: str) -> HttpResponse:
    """Ask to confirm, then create a draft conversation seeded with the draft and proposed aims."""
    obj = system_for(request, system, "strategy.edit")
    aims = list(Aim.objects.filter(system=obj, status__in=["draft", "proposed"]))
    if request.method == "POST":
        try:
            conversation = actions.check_test_aims(request.user, obj, request.POST.get("title", ""))
        except InvalidInput as exc:
            messages.error(request, exc.message)
            return redirect("strategy:aims_test", system=obj.slug)
        messages.success(
            request,
            f"\u201c{conversation.title}\u201d is created with {len(aims)} aims as its statements. "
            "Check its wording, then open it.",
        )
        return redirect("conversations:manage_detail", slug=conversation.slug)
    statements = [actions.aim_statement(a) for a in aims]
    return render(request, T + "aims_test.html", {"system": obj, "statements": statements})
