"""The strategy's sections of other apps' pages, offered through :class:`~commonweal.strategy.apps.StrategyConfig`
and collected by the app registry (``systems/panels.py``, ``conversations/panels.py``):

- the system page: the aims by status and a link to the strategy page (facilitators);
- the results page: "Draft an aim from these statements" (facilitators), with common ground marked;
- a participant's pages of a conversation and "where you stand": what came of it ("You said ... We are doing
  ..."), and the facilitators' updates, those posted since the last visit marked new;
- an organisation's "my part" page: its commitments and the link to add or update them.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.http import HttpRequest

from commonweal.conversations.models import Conversation, Statement
from commonweal.strategy.models import Aim, Commitment, Evidence, LoopUpdate
from commonweal.strategy.permissions import can
from commonweal.systems.panels import Panel

#: Where a participant's last seen update of each conversation is kept in their session.
SEEN_KEY = "strategy_seen_updates"
SHOWN_STATUSES = [Aim.Status.PROPOSED, Aim.Status.AGREED]


def system_panels(request: HttpRequest, system: Any) -> list[Panel]:
    if not can(request.user, "strategy.view", system):
        return []
    counts = dict(Aim.objects.filter(system=system).values_list("status").annotate(n=Count("id")))
    rows = [(str(label), counts.get(key, 0)) for key, label in Aim.Status.choices]
    context = {"system": system, "rows": rows}
    return [Panel.render(40, "strategy/includes/system_panel.html", context, request)]


def results_panels(request: HttpRequest, conversation: Conversation, results: Any) -> list[Panel]:
    system = conversation.system
    if not can(request.user, "strategy.edit", system):
        return []
    common = [item.statement for item in getattr(results, "common_ground", [])]
    common_ids = {s.id for s in common}
    others = (
        Statement.objects.filter(conversation=conversation, state=Statement.State.ACCEPTED, is_meta=False)
        .exclude(pk__in=common_ids)
        .order_by("pk")
        .values_list("pk", "text")[:500]
    )
    context = {"system": system, "conversation": conversation, "common": common, "others": list(others)}
    return [Panel.render(50, "strategy/includes/results_panel.html", context, request)]


def _you_said(conversation: Conversation) -> list[dict[str, Any]]:
    """The conversation's statements that aims grew from, each with the aims (proposed or agreed)."""
    evidence = (
        Evidence.objects.filter(conversation=conversation, aim__status__in=SHOWN_STATUSES)
        .select_related("aim")
        .annotate(n_commitments=Count("aim__commitments"))
        .order_by("aim__status", "aim__pk", "position")
    )
    by_text: dict[str, dict[str, Any]] = {}
    for e in evidence:
        entry = by_text.setdefault(e.text, {"text": e.text, "figures": e.figures, "aims": []})
        if e.aim not in [a["aim"] for a in entry["aims"]]:
            entry["aims"].append({"aim": e.aim, "commitments": e.n_commitments})
    return list(by_text.values())


def participant_panels(request: HttpRequest, conversation: Conversation, participant: Any) -> list[Panel]:
    said = _you_said(conversation)
    updates = list(LoopUpdate.objects.filter(conversation=conversation)[:5])
    if not said and not updates:
        return []
    seen = request.session.get(SEEN_KEY, {}) if hasattr(request, "session") else {}
    last_seen = int(seen.get(str(conversation.pk), 0))
    if updates and hasattr(request, "session"):
        request.session[SEEN_KEY] = {**seen, str(conversation.pk): max(u.pk for u in updates)}
    context = {"conversation": conversation, "said": said, "updates": updates, "last_seen": last_seen}
    return [Panel.render(10, "strategy/includes/participant_panel.html", context, request)]


def organisation_panels(request: HttpRequest, organisation: Any) -> list[Panel]:
    commitments = list(
        Commitment.objects.filter(organisation=organisation)
        .select_related("aim")
        .order_by("aim__title", "pk")
    )
    # On the lead's "my part" page (reached by the organisation's link) the same link adds commitments.
    match = getattr(request, "resolver_match", None)
    token = match.kwargs.get("token", "") if match is not None else ""
    context = {"organisation": organisation, "commitments": commitments, "token": token}
    return [Panel.render(60, "strategy/includes/organisation_panel.html", context, request)]
