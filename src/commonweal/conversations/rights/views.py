"""Data rights pages: the participant's "Your data" (see, download, delete) under /c/<slug>/your-data/, and the
facilitator's "Erase a participant's data" under /manage/conversations/<slug>/erase/.

The participant is the one this device's session remembers for the conversation's system (as on every
participant page); their data is everything held about them in that system, so the page, the download and the
deletion cover every conversation of the system they took part in, and say so. Pages work without JavaScript
(plain links and form posts) and are never cached: they show personal data.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from commonweal.accounts.decorators import manager_view
from commonweal.conversations.models import Conversation, Participant
from commonweal.conversations.participate.actions import find_participant
from commonweal.conversations.participate.views import SESSION_KEY
from commonweal.conversations.permissions import require
from commonweal.conversations.queries import get_conversation, get_conversation_for_participant
from commonweal.conversations.rights.actions import check_erase_participant, do_erase_participant
from commonweal.conversations.rights.forms import ReferenceForm
from commonweal.conversations.rights.queries import (
    data_csv,
    data_document,
    erasure_plan,
    find_by_reference,
    participant_data,
    retention_sentence,
)
from commonweal.core.errors import InvalidInput, NotFound
from commonweal.core.forms import apply_errors
from commonweal.core.http import posted

T = "conversations/participant/"
DOWNLOADS = {"json": "application/json", "csv": "text/csv; charset=utf-8"}


def _participant(request: HttpRequest, conversation: Conversation) -> Participant | None:
    """The participant this device's session remembers for the conversation's system, if any."""
    participant_id = (request.session.get(SESSION_KEY) or {}).get(str(conversation.system_id))
    if participant_id is None:
        return None
    return find_participant(conversation, participant_id=participant_id)


def _forget(request: HttpRequest, conversation: Conversation) -> None:
    """This device no longer stands for a participant of the conversation's system."""
    ids = dict(request.session.get(SESSION_KEY) or {})
    if ids.pop(str(conversation.system_id), None) is not None:
        request.session[SESSION_KEY] = ids


def _your_data_url(conversation: Conversation) -> str:
    return reverse("conversations:participant-your-data", args=[conversation.slug])


def _base_context(conversation: Conversation) -> dict[str, Any]:
    system = conversation.system
    closed = conversation.closed_at if conversation.status == Conversation.Status.CLOSED else None
    return {
        "conversation": conversation,
        "nav": "your-data",
        "retention": retention_sentence(system.name, system.retention_days),
        "erase_after": closed + timedelta(days=system.retention_days) if closed else None,
    }


# --- The participant's pages ------------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "HEAD"])
def your_data(request: HttpRequest, slug: str) -> HttpResponse:
    """Everything held about the participant, in plain words, with the download and the delete links."""
    conversation = get_conversation_for_participant(slug)
    participant = _participant(request, conversation)
    context = _base_context(conversation)
    if participant is not None:
        data = participant_data(participant)
        here = data.in_conversation(conversation)
        context.update(
            data=data,
            here=here,
            elsewhere=[c for c in data.conversations if c is not here],
        )
    return render(request, T + "your_data.html", context)


@never_cache
@require_http_methods(["GET", "HEAD"])
def your_data_download(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    """The participant's data as a file: JSON (everything, nested) or CSV (one row a fact)."""
    conversation = get_conversation_for_participant(slug)
    if fmt not in DOWNLOADS:
        raise NotFound(_("There is no download in that format: choose JSON or CSV on the 'Your data' page."))
    participant = _participant(request, conversation)
    if participant is None:
        messages.info(
            request,
            _("This device holds no data of yours in %(system)s.") % {"system": conversation.system.name},
        )
        return redirect(_your_data_url(conversation))
    data = participant_data(participant)
    if fmt == "json":
        body = json.dumps(data_document(data), cls=DjangoJSONEncoder, ensure_ascii=False, indent=1)
    else:
        body = data_csv(data)
    response = HttpResponse(body, content_type=DOWNLOADS[fmt])
    response["Content-Disposition"] = f'attachment; filename="your-data-{conversation.system.slug}.{fmt}"'
    return response


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def your_data_delete(request: HttpRequest, slug: str) -> HttpResponse:
    """GET: what deleting removes and what stays, and a button to confirm. POST: delete, then back to "Your
    data", which then says the device holds nothing."""
    conversation = get_conversation_for_participant(slug)
    participant = _participant(request, conversation)
    if participant is None:
        messages.info(
            request,
            _("This device holds no data of yours in %(system)s.") % {"system": conversation.system.name},
        )
        return redirect(_your_data_url(conversation))
    if request.method == "POST":
        do_erase_participant(participant)
        _forget(request, conversation)
        messages.success(
            request,
            _(
                "Your data is deleted: your votes, your answers about you and the statements nobody else voted "
                "on. This device no longer knows you."
            ),
        )
        return redirect(_your_data_url(conversation))
    context = _base_context(conversation)
    context["plan"] = erasure_plan(participant)
    return render(request, T + "your_data_delete.html", context)


# --- The facilitator's page ---------------------------------------------------------------------------------------


@manager_view
@require_http_methods(["GET", "HEAD", "POST"])
def manage_erase(request: HttpRequest, slug: str) -> HttpResponse:
    """Find a participant by their reference; then confirm (what goes, what stays); then erase, audited."""
    conversation = get_conversation(slug)
    require(request.user, "conversation.erase_participant", conversation)
    form = ReferenceForm(posted(request))
    context: dict[str, Any] = {"conversation": conversation, "system": conversation.system, "form": form}
    if request.method != "POST":
        return render(request, "conversations/manage/erase.html", context)
    if form.is_valid():
        reference = form.cleaned_data["reference"]
        try:
            if request.POST.get("confirm"):
                summary = check_erase_participant(request.user, conversation, reference)
                messages.success(
                    request,
                    f"The data of participant {summary.reference} is erased, and the erasure is in the system's "
                    "activity log. The results are updated at the next analysis.",
                )
                return redirect(reverse("conversations:manage_erase", kwargs={"slug": conversation.slug}))
            context["plan"] = erasure_plan(find_by_reference(conversation, reference))
            return render(request, "conversations/manage/erase.html", context)
        except InvalidInput as exc:
            apply_errors(form, exc)
    return render(request, "conversations/manage/erase.html", context, status=400)
