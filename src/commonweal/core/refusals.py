"""Refused requests in the activity log: each 401 or 403 (``NotAuthenticated``, ``PermissionDenied``) is recorded
as ``access.refused``, so that someone probing addresses they may not use shows up, at most
:data:`LOGGED_PER_MINUTE` entries a minute for one user (or, signed out, one address), so that the probing
cannot flood the log."""

from __future__ import annotations

import logging
from typing import Any

from django.apps import apps
from django.db import DatabaseError, transaction
from django.http import HttpRequest

from commonweal.core import audit, ratelimit
from commonweal.core.errors import CommonwealError, NotAuthenticated, PermissionDenied, RateLimited
from commonweal.core.http import client_address

__all__ = ["LOGGED_PER_MINUTE", "record_refusal"]

log = logging.getLogger(__name__)

#: Refusals recorded per user (or address) per minute; the rest are counted by the rate limit only.
LOGGED_PER_MINUTE = 10


class Refused:
    """What the entry is about: the address asked for (an audit entry names a subject)."""

    def __init__(self, path: str) -> None:
        self.pk = path[:100]


def _system_of(request: HttpRequest) -> Any:
    """The system the refused address belongs to, when its URL names one (``<system>``) or a conversation of
    one (``<slug>``), so that the system's activity page shows the refusal; None otherwise. Looked up through the
    app registry: the core layer does not import the apps above it."""
    match = getattr(request, "resolver_match", None)
    kwargs = match.kwargs if match is not None else {}
    try:
        if isinstance(kwargs.get("system"), str):
            return apps.get_model("systems", "System").objects.filter(slug=kwargs["system"]).first()
        if isinstance(kwargs.get("slug"), str) and "conversation" in request.path:
            conversation = (
                apps.get_model("conversations", "Conversation")
                .objects.select_related("system")
                .filter(slug=kwargs["slug"])
                .first()
            )
            return conversation.system if conversation is not None else None
    except LookupError:
        return None
    return None


def _actor(request: HttpRequest) -> Any:
    # The API authenticates by token into request.auth; pages by session into request.user.
    auth = getattr(request, "auth", None)
    return auth if getattr(auth, "is_authenticated", False) else getattr(request, "user", None)


def record_refusal(request: HttpRequest, exc: CommonwealError) -> None:
    """Record ``access.refused`` for a refused request (who, the path, the method, the address's URL name as the
    action, the client address), unless this user or address has had :data:`LOGGED_PER_MINUTE` recorded this
    minute. A failure to record is logged and does not change the refusal the client gets."""
    if not isinstance(exc, NotAuthenticated | PermissionDenied):
        return
    actor = _actor(request)
    address = client_address(request)
    who = (
        f"user:{actor.pk}" if getattr(actor, "is_authenticated", False) else f"address:{address or 'unknown'}"
    )
    match = getattr(request, "resolver_match", None)
    try:
        with transaction.atomic():
            ratelimit.hit(f"refused:{who}", f"{LOGGED_PER_MINUTE}/60", what="refusals recorded")
            audit.record(
                actor,
                "access.refused",
                Refused(request.path),
                after={
                    "path": request.path[:500],
                    "method": request.method,
                    "action": match.view_name if match is not None else "",
                    "status": exc.status,
                    "address": address or "",
                },
                system=_system_of(request),
            )
    except RateLimited:
        return  # this minute's allowance is recorded; the rest are only counted
    except DatabaseError:
        log.exception("could not record a refused request to %s", request.path)
