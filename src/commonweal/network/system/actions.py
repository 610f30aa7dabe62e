"""Use cases of the system part of the map: importing relationships from a CSV file into a survey round.

``check_*`` validates the whole file first and raises :class:`~commonweal.core.errors.ImportFailed` listing every
problem; ``do_*`` saves checked rows in one transaction and writes the audit log in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from commonweal.core import audit
from commonweal.network.io import ParsedRelationships, parse_relationships
from commonweal.network.models import Rating, SurveyInvitation, SurveyResponse, SurveyRound
from commonweal.systems.actions import import_failed


@dataclass(frozen=True)
class RelationshipImport:
    """What an import saved, and how many earlier imported responses of the round it replaced."""

    ratings: int
    respondents: int
    organisations: int
    replaced: int


def check_import_relationships(
    actor: Any, survey_round: SurveyRound, data: bytes, *, filename: str = ""
) -> RelationshipImport:
    """Import relationships from a CSV file into a round, all or nothing.

    Every row is checked first (:func:`commonweal.network.io.parse_relationships`); if any is wrong nothing is
    saved and :class:`~commonweal.core.errors.ImportFailed` lists every problem (row, column, what is wrong, how
    to fix it). Otherwise :func:`do_import_relationships` saves them.
    """
    parsed = parse_relationships(data, survey_round, filename=filename)
    if parsed.errors:
        raise import_failed(parsed.errors)
    return do_import_relationships(actor, survey_round, parsed, filename=filename)


def do_import_relationships(
    actor: Any, survey_round: SurveyRound, parsed: ParsedRelationships, *, filename: str = ""
) -> RelationshipImport:
    """Save checked ratings as imported responses (``source=import``), one per respondent, in one transaction.

    Responses imported earlier into the same round are replaced, so a corrected file uploaded again does not
    count its people twice; answers given through the survey are never touched.
    """
    with transaction.atomic():
        earlier = SurveyResponse.objects.filter(
            invitation__round=survey_round, source=SurveyResponse.Source.IMPORT
        )
        replaced = earlier.count()
        earlier.delete()
        invitations: dict[int, SurveyInvitation] = {}
        ratings: list[Rating] = []
        for person in parsed.respondents:
            org = person.organisation
            if org.pk not in invitations:
                invitations[org.pk], _ = SurveyInvitation.objects.get_or_create(
                    round=survey_round, organisation=org
                )
            response = SurveyResponse.objects.create(
                invitation=invitations[org.pk],
                source=SurveyResponse.Source.IMPORT,
                submitted_at=timezone.now(),
            )
            ratings.extend(
                Rating(
                    response=response,
                    partner=r.partner,
                    intensity=r.intensity,
                    contributions=r.contributions,
                    **r.items,
                )
                for r in person.ratings
            )
        Rating.objects.bulk_create(ratings, batch_size=2000)
        result = RelationshipImport(
            ratings=len(ratings),
            respondents=len(parsed.respondents),
            organisations=len(invitations),
            replaced=replaced,
        )
        audit.record(
            actor,
            "network.import_relationships",
            survey_round,
            after={"file": filename, "round": survey_round.name, **result.__dict__},
            system=survey_round.system,
        )
    return result
