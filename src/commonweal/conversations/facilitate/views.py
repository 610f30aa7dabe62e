"""Facilitator and moderator pages of a conversation, under /manage/conversations/: create, edit, seed, open
and close it, its link and QR code, the moderation queue, the live dashboard and its moderators.

Every page works without JavaScript (forms post and redirect back); htmx makes the queue and the dashboard
quicker (a moderated row is swapped in place; the dashboard refreshes itself every 5 seconds).
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
from django.utils.text import Truncator
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from commonweal.accounts.decorators import manager_view
from commonweal.accounts.forms import UsernameForm
from commonweal.accounts.queries import get_account
from commonweal.conversations import permissions, queries
from commonweal.conversations.facilitate import actions
from commonweal.conversations.facilitate.dashboard import build_dashboard
from commonweal.conversations.facilitate.forms import ConversationForm, GroupingForm, SeedForm
from commonweal.conversations.models import Conversation, Statement
from commonweal.conversations.permissions import can, require
from commonweal.conversations.queries import get_conversation
from commonweal.core.errors import CommonwealError, InvalidInput, NotFound
from commonweal.core.http import is_htmx, posted, public_address
from commonweal.core.pages import RolePage, role_page, role_remove, save_and_return
from commonweal.systems.queries import get_system

QUEUE_PAGE_SIZE = 50

#: The moderators page: who moderates a conversation, and adding one (core.pages.RolePage).
MODERATORS = RolePage(
    "conversations/manage/moderators.html",
    permissions,
    ("conversation.view", "conversation.manage_moderators"),
    context=lambda c: {
        "conversation": c,
        "system": c.system,
        "people": [m.user for m in queries.moderators_of(c)],
    },
    add=actions.check_add_moderator,
    added=lambda moderator, conversation: f"{moderator.user.username} can now moderate this conversation.",
    remove=actions.do_remove_moderator,
    removed=lambda person, conversation: f"{person.username} no longer moderates this conversation.",
    url=lambda conversation: reverse("conversations:manage_moderators", kwargs={"slug": conversation.slug}),
)


def participant_url(request: HttpRequest, conversation: Conversation) -> str:
    """The link participants join from (and the QR code encodes): on the public address when one is set, since
    facilitators may be working from an internal one."""
    return public_address(
        request, reverse("conversations:participant-home", kwargs={"slug": conversation.slug})
    )


# --- Creating, editing, seeding, opening --------------------------------------------------------------------


@manager_view
@require_http_methods(["GET", "HEAD", "POST"])
def manage_create(request: HttpRequest, system: str) -> HttpResponse:
    obj = get_system(system)
    require(request.user, "conversation.create", obj)
    form = ConversationForm(posted(request))
    done = save_and_return(
        request,
        form,
        lambda: actions.check_create_conversation(request.user, obj, form.to_input()),
        saved=lambda _: "The conversation is created as a draft. Add seed statements, then open it.",
        back=lambda conversation: reverse("conversations:manage_seed", kwargs={"slug": conversation.slug}),
    )
    if done:
        return done
    return render(
        request,
        "conversations/manage/conversation_form.html",
        {"form": form, "system": obj, "conversation": None},
    )


@manager_view
@require_http_methods(["GET", "HEAD", "POST"])
def manage_edit(request: HttpRequest, slug: str) -> HttpResponse:
    conversation = get_conversation(slug)
    require(request.user, "conversation.edit", conversation)
    form = (
        ConversationForm(request.POST)
        if request.method == "POST"
        else ConversationForm.for_conversation(conversation)
    )
    done = save_and_return(
        request,
        form,
        lambda: actions.check_update_conversation(request.user, conversation, form.to_input()),
        saved=lambda _: "The conversation's details are saved.",
        # Its link may have just changed (a draft's may).
        back=lambda changed: reverse("conversations:manage_detail", kwargs={"slug": changed.slug}),
    )
    if done:
        return done
    return render(
        request,
        "conversations/manage/conversation_form.html",
        {"form": form, "system": conversation.system, "conversation": conversation},
    )


@manager_view
def manage_detail(request: HttpRequest, slug: str) -> HttpResponse:
    conversation = get_conversation(slug)
    require(request.user, "conversation.view", conversation)
    user = request.user
    return render(
        request,
        "conversations/manage/detail.html",
        {
            "conversation": conversation,
            "system": conversation.system,
            "participant_url": participant_url(request, conversation),
            "counts": actions.moderation_counts(conversation),
            "can_edit": can(user, "conversation.edit", conversation),
            "can_change_status": can(user, "conversation.change_status", conversation),
            "can_manage_moderators": can(user, "conversation.manage_moderators", conversation),
            "transitions": sorted(actions.TRANSITIONS.get(conversation.status, set())),
            "moderators": queries.moderators_of(conversation),
        },
    )


@manager_view
@require_http_methods(["GET", "HEAD", "POST"])
def manage_seed(request: HttpRequest, slug: str) -> HttpResponse:
    conversation = get_conversation(slug)
    require(request.user, "conversation.seed", conversation)
    form = SeedForm(conversation, posted(request))
    line_problems: list[dict[str, Any]] = []
    if request.method == "POST" and form.is_valid():
        seeds = actions.parse_seed_text(
            conversation, form.cleaned_data["statements"], form.cleaned_data.get("theme", "")
        )
        try:
            report = actions.check_add_seed_statements(request.user, conversation, seeds)
        except InvalidInput as exc:
            line_problems = (exc.detail or {}).get("lines", [])
            form.add_error("statements", exc.message if line_problems else exc.message.rstrip("."))
        else:
            n = len(report.added)
            text = f"{n} seed statement{'s' if n != 1 else ''} added."
            if report.duplicates:
                skipped = "; ".join(
                    f"line {d['line']} ({d['reason']})" if d["line"] else d["reason"]
                    for d in report.duplicates
                )
                text += f" {len(report.duplicates)} skipped as duplicates: {skipped}."
            messages.success(request, text)
            return redirect("conversations:manage_detail", slug=conversation.slug)
    added = Statement.objects.filter(conversation=conversation, is_seed=True).order_by("id")
    return render(
        request,
        "conversations/manage/seed.html",
        {
            "conversation": conversation,
            "system": conversation.system,
            "form": form,
            "line_problems": line_problems,
            "seeds": added,
        },
        status=400 if form.errors else 200,
    )


@manager_view
@require_POST
def manage_status(request: HttpRequest, slug: str) -> HttpResponse:
    conversation = get_conversation(slug)
    require(request.user, "conversation.change_status", conversation)
    status = request.POST.get("status", "")
    try:
        actions.check_change_status(request.user, conversation, status)
    except CommonwealError as exc:
        messages.error(request, exc.message)
    else:
        done = {
            "open": "open: participants can join from its link",
            "closed": "closed: it no longer takes votes",
        }
        messages.success(request, f"The conversation is now {done.get(status, status)}.")
    return redirect("conversations:manage_detail", slug=conversation.slug)


# --- Link and QR code ---------------------------------------------------------------------------------------


def _qr(request: HttpRequest, conversation: Conversation) -> Any:
    return segno.make(participant_url(request, conversation), error="m")


@manager_view
@require_GET
def manage_qr_svg(request: HttpRequest, slug: str) -> HttpResponse:
    conversation = get_conversation(slug)
    require(request.user, "conversation.view", conversation)
    out = io.BytesIO()
    _qr(request, conversation).save(
        out, kind="svg", scale=10, border=4, xmldecl=False, title=f"QR code for {conversation.title}"
    )
    return HttpResponse(out.getvalue(), content_type="image/svg+xml")


@manager_view
@require_GET
def manage_qr_png(request: HttpRequest, slug: str) -> HttpResponse:
    conversation = get_conversation(slug)
    require(request.user, "conversation.view", conversation)
    out = io.BytesIO()
    _qr(request, conversation).save(out, kind="png", scale=20, border=4)
    response = HttpResponse(out.getvalue(), content_type="image/png")
    response["Content-Disposition"] = f'attachment; filename="qr-{conversation.slug}.png"'
    return response


# --- Moderation ---------------------------------------------------------------------------------------------


def _queue_url(conversation: Conversation, view: str, page: int | str = 1) -> str:
    base = reverse("conversations:manage_moderation", kwargs={"slug": conversation.slug})
    query = {
        k: v
        for k, v in (("view", view), ("page", page))
        if v and not (k == "view" and v == "to_review") and not (k == "page" and str(v) == "1")
    }
    return f"{base}?{urlencode(query)}" if query else base


def _back_to_queue(request: HttpRequest, conversation: Conversation) -> str:
    view = request.POST.get("view", "to_review")
    page = request.POST.get("page", "1")
    if view not in actions.QUEUE_VIEWS:
        view = "to_review"
    if not page.isdigit():
        page = "1"
    return _queue_url(conversation, view, page)


def _queue_context(conversation: Conversation, view: str, page_number: Any) -> dict[str, Any]:
    paginator = Paginator(actions.moderation_queue(conversation, view), QUEUE_PAGE_SIZE)
    page = paginator.get_page(page_number)
    return {
        "conversation": conversation,
        "system": conversation.system,
        "view": view,
        "views": actions.QUEUE_VIEWS,
        "page": page,
        # Likely duplicates gathered on the page, each group where its first statement was.
        "entries": actions.queue_entries(conversation, list(page.object_list)),
        "counts": actions.moderation_counts(conversation),
        "themes": list(conversation.themes or []),
        "prev_url": _queue_url(conversation, view, page.previous_page_number())
        if page.has_previous()
        else "",
        "next_url": _queue_url(conversation, view, page.next_page_number()) if page.has_next() else "",
    }


@manager_view
@require_GET
def manage_moderation(request: HttpRequest, slug: str) -> HttpResponse:
    conversation = get_conversation(slug)
    require(request.user, "conversation.moderate", conversation)
    view = request.GET.get("view", "to_review")
    if view not in actions.QUEUE_VIEWS:
        raise InvalidInput("That view of the queue does not exist. Choose one of the tabs.")
    return render(
        request,
        "conversations/manage/moderation.html",
        _queue_context(conversation, view, request.GET.get("page")),
    )


def _statement(conversation: Conversation, statement_id: int) -> Statement:
    statement = (
        Statement.objects.select_related("author", "moderated_by")
        .filter(conversation=conversation, pk=statement_id)
        .first()
    )
    if statement is None:
        raise NotFound("That statement is not in this conversation. Reload the queue and try again.")
    statement.conversation = conversation
    return statement


def _short(text: str) -> str:
    return Truncator(text).chars(60)


@manager_view
@require_POST
def manage_moderate(request: HttpRequest, slug: str, statement_id: int) -> HttpResponse:
    """One statement: accept, reject, mark or unmark as meta, or change its theme."""
    conversation = get_conversation(slug)
    require(request.user, "conversation.moderate", conversation)
    statement = _statement(conversation, statement_id)
    action = request.POST.get("action", "")
    announcement = ""
    error = ""
    try:
        if action in ("accept", "reject"):
            actions.check_moderate(request.user, conversation, [statement.pk], action)
            statement.refresh_from_db()
            announcement = f"{'Accepted' if action == 'accept' else 'Rejected'}: “{_short(statement.text)}”"
        elif action in ("meta", "not_meta"):
            actions.do_set_meta(request.user, statement, action == "meta")
            announcement = (
                f"{'Marked' if action == 'meta' else 'No longer marked'} as meta: “{_short(statement.text)}”"
            )
        elif action == "theme":
            actions.check_set_theme(request.user, statement, request.POST.get("theme", ""))
            announcement = f"Theme changed to '{statement.theme or 'no theme'}': “{_short(statement.text)}”"
        elif action == "undo":
            actions.check_undo_decision(request.user, conversation, statement)
            announcement = (
                f"Undone: “{_short(statement.text)}” is back to review"
                if statement.moderated_at is None
                else f"Undone: “{_short(statement.text)}” is {statement.get_state_display().lower()} again"
            )
        else:
            raise InvalidInput("Choose accept, reject, undo, meta or a theme.")
    except CommonwealError as exc:
        error = exc.message
    if is_htmx(request):
        view = request.POST.get("view", "to_review")
        page = request.POST.get("page", "1")
        # Only the row, the counts and the announcement change: no need to page through the queue again.
        context = {
            "conversation": conversation,
            "view": view if view in actions.QUEUE_VIEWS else "to_review",
            "page": {"number": int(page) if page.isdigit() else 1},
            "counts": actions.moderation_counts(conversation),
            "themes": list(conversation.themes or []),
            "s": statement,
            "announcement": announcement,
            "error": error,
            "oob": True,
        }
        html = render_to_string("conversations/manage/includes/queue_row.html", context, request=request)
        html += render_to_string("conversations/manage/includes/queue_counts.html", context, request=request)
        html += render_to_string("conversations/manage/includes/queue_status.html", context, request=request)
        # 200 even for a refused change: htmx swaps only successful responses, and the row says what went wrong.
        return HttpResponse(html)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, announcement)
    return redirect(_back_to_queue(request, conversation))


@manager_view
@require_POST
def manage_moderate_bulk(request: HttpRequest, slug: str) -> HttpResponse:
    """Accept or reject the statements ticked (or every statement on the page, with 'select all')."""
    conversation = get_conversation(slug)
    require(request.user, "conversation.moderate", conversation)
    decision = request.POST.get("decision", "")
    ids = request.POST.getlist("statement_ids")
    if request.POST.get("select_all"):
        ids = request.POST.getlist("page_ids")
    try:
        result = actions.check_moderate(request.user, conversation, ids, decision)
    except CommonwealError as exc:
        messages.error(request, exc.message)
    else:
        verb = "accepted" if decision == "accept" else "rejected"
        messages.success(request, f"{result.count} statement{'s' if result.count != 1 else ''} {verb}.")
    return redirect(_back_to_queue(request, conversation))


# --- Dashboard ----------------------------------------------------------------------------------------------


def _dashboard(request: HttpRequest, slug: str, template: str) -> HttpResponse:
    conversation = get_conversation(slug)
    require(request.user, "conversation.view_dashboard", conversation)
    dashboard = build_dashboard(conversation)
    context = {"conversation": conversation, "system": conversation.system, "dashboard": dashboard}
    return render(request, template, context)


@manager_view
@require_GET
def manage_dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    return _dashboard(request, slug, "conversations/manage/dashboard.html")


@manager_view
@require_GET
def manage_dashboard_live(request: HttpRequest, slug: str) -> HttpResponse:
    """The dashboard's figures alone, which the page fetches every 5 seconds."""
    return _dashboard(request, slug, "conversations/manage/includes/dashboard_live.html")


# --- Moderators ---------------------------------------------------------------------------------------------


@manager_view
@require_http_methods(["GET", "HEAD", "POST"])
def manage_moderators(request: HttpRequest, slug: str) -> HttpResponse:
    return role_page(request, get_conversation(slug), MODERATORS, UsernameForm(posted(request)))


@manager_view
@require_POST
def manage_moderator_remove(request: HttpRequest, slug: str, user_id: int) -> HttpResponse:
    return role_remove(request, get_conversation(slug), MODERATORS, lambda: get_account(user_id))


@manager_view
@require_POST
def manage_grouping(request: HttpRequest, slug: str) -> HttpResponse:
    """Choose how the opinion groups are found (the form is on the results page, whose groups it changes)."""
    conversation = get_conversation(slug)
    require(request.user, "conversation.edit", conversation)
    form = GroupingForm(request.POST)
    back = reverse("conversations:manage_results", kwargs={"slug": conversation.slug}) + "#groups"
    if not form.is_valid():
        messages.error(request, str(form.errors["grouping"][0]))
        return redirect(back)
    try:
        actions.check_set_grouping(request.user, conversation, form.cleaned_data["grouping"])
    except InvalidInput as exc:
        messages.error(request, str(exc))
        return redirect(back)
    way = {"auto": "the automatic choice", "commonweal": "commonweal's method", "polis": "Pol.is' method"}
    messages.success(
        request,
        f"The opinion groups will be found by {way[conversation.grouping]} from the next analysis update, in a "
        "few seconds.",
    )
    return redirect(back)
