"""Read-only lookups of systems, each with the one message a person sees when it finds nothing."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from commonweal.core.errors import NotFound
from commonweal.systems.models import System, SystemRole


def get_system(slug: str) -> System:
    """The system with this short name; :class:`NotFound` when there is none."""
    system = System.objects.filter(slug=slug).first()
    if system is None:
        raise NotFound("There is no system at this address. Go to your systems and choose one.")
    return system


def people_with_roles() -> QuerySet[Any]:
    """Every account by username, with its one-time password mark and the systems it facilitates (the
    administrators' accounts page)."""
    return (
        get_user_model()
        .objects.order_by("username")
        .select_related("one_time_password")
        .prefetch_related("system_roles__system")
    )


def facilitators_of(system: System) -> QuerySet[Any]:
    """The accounts that facilitate ``system``, by username."""
    return (
        get_user_model()
        .objects.filter(system_roles__system=system, system_roles__role=SystemRole.Role.FACILITATOR)
        .order_by("username")
    )
