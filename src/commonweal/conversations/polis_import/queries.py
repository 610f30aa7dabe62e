"""Look-ups of the Pol.is import: a system's import job."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from commonweal.conversations.models import ImportJob
from commonweal.systems.models import System

__all__ = ["STAGES", "get_import_job"]

#: The stages an import reports, in order, as the progress page names them.
STAGES = {
    "": "Waiting for the worker to start it",
    "reading": "Reading and checking the votes file, in megabytes",
    "participants": "Adding the participants",
    "statements": "Adding the statements",
    "votes": "Adding the votes",
    "latest votes": "Working out each person's latest vote",
}


def get_import_job(system: System, pk: int) -> ImportJob:
    """The import job ``pk`` of ``system`` (404 when it is another system's or none)."""
    return get_object_or_404(ImportJob.objects.select_related("conversation", "system"), pk=pk, system=system)
