"""Representation's section of a conversation's results page (collected through the app registry by
``conversations.panels.results_panels``: conversations cannot import communities): a link to who is taking
part against who lives and works here."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from commonweal.communities.representation.permissions import can
from commonweal.systems.panels import Panel


def results_panels(request: HttpRequest, conversation: Any, results: Any) -> list[Panel]:
    if not can(request.user, "representation.view", conversation):
        return []
    context = {
        "conversation": conversation,
        "can_import": can(request.user, "baseline.import", conversation.system),
    }
    return [Panel.render(20, "communities/representation/results_panel.html", context, request)]
