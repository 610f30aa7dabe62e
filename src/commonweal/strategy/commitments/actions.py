"""Commitments and their progress: added and changed by a facilitator, or by an organisation through its secret
link (which reaches only that organisation's commitments). Every change is audited with who made it and the
route it came by (``facilitator``, ``organisation_link``, ``api``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from commonweal.communities import queries as community_queries
from commonweal.core import audit
from commonweal.core.errors import InvalidInput, NotFound
from commonweal.core.text import clean_text
from commonweal.network.models import Interdependency
from commonweal.strategy.models import Aim, Commitment, ProgressStatus, ProgressUpdate, Resource
from commonweal.strategy.queries import commitment_asset_ids
from commonweal.systems.models import Community, Organisation

MAX_RESOURCES = 20


@dataclass
class ResourceInput:
    kind: str
    amount: Decimal | str | None = None
    description: str = ""


@dataclass
class CommitmentInput:
    """What an organisation (or community group) commits to an aim."""

    what: str
    organisation: int | None = None
    community: int | None = None
    partners: Sequence[int] = ()
    lead_role: str = ""
    starts_on: date | None = None
    ends_on: date | None = None
    interdependency: int | None = None
    resources: list[ResourceInput] = field(default_factory=list)
    #: The community assets it uses; None leaves them as they are (an organisation's link, and the API, which
    #: do not choose assets: a facilitator does).
    assets: Sequence[int] | None = None


@dataclass(frozen=True)
class Actor:
    """Who makes a change and by which route: a signed-in person, or an organisation's link."""

    user: Any
    route: str
    organisation: Organisation | None = None  # the organisation whose link was used

    @property
    def label(self) -> str:
        if self.route == Commitment.Route.ORGANISATION_LINK and self.organisation is not None:
            return f"{self.organisation.name} (organisation link)"
        return str(getattr(self.user, "username", "system"))


def commitment_state(c: Commitment) -> dict[str, Any]:
    return {
        "aim": c.aim_id,
        "organisation": c.organisation_id,
        "community": c.community_id,
        "partners": sorted(c.partners.values_list("pk", flat=True)) if c.pk else [],
        "what": c.what,
        "lead_role": c.lead_role,
        "starts_on": c.starts_on.isoformat() if c.starts_on else None,
        "ends_on": c.ends_on.isoformat() if c.ends_on else None,
        "interdependency": c.interdependency_id,
        "assets": commitment_asset_ids(c) if c.pk else [],
        "resources": [
            {
                "kind": r.kind,
                "amount": str(r.amount) if r.amount is not None else None,
                "description": r.description,
            }
            for r in c.resources.all()
        ]
        if c.pk
        else [],
    }


def _amount(raw: Decimal | str | None, i: int, problems: list[dict[str, str]]) -> Decimal | None:
    if raw is None or raw == "":
        return None
    try:
        value = Decimal(str(raw).replace(",", "").replace("£", "").strip())
    except InvalidOperation:
        problems.append(
            {"field": f"resources.{i}.amount", "problem": "Enter the amount as a number, like 25000"}
        )
        return None
    if not value.is_finite() or value < 0:
        problems.append({"field": f"resources.{i}.amount", "problem": "An amount cannot be negative"})
        return None
    if value >= Decimal("1e12"):
        problems.append({"field": f"resources.{i}.amount", "problem": "Enter an amount under a trillion"})
        return None
    return value.quantize(Decimal("0.01"))


def _resources(items: list[ResourceInput], problems: list[dict[str, str]]) -> list[Resource]:
    kinds = {k.value for k in Resource.Kind}
    out = []
    for i, item in enumerate(items[:MAX_RESOURCES]):
        if item.kind not in kinds:
            problems.append({"field": f"resources.{i}.kind", "problem": "Choose what kind of resource it is"})
            continue
        amount = _amount(item.amount, i, problems)
        out.append(Resource(kind=item.kind, amount=amount, description=clean_text(item.description)[:300]))
    return out


def _owner_problems(aim: Aim, data: CommitmentInput, actor: Actor) -> list[dict[str, str]]:
    system = aim.system
    if actor.organisation is not None:
        data.organisation, data.community = actor.organisation.pk, None
    problems = []
    if (data.organisation is None) == (data.community is None):
        problems.append(
            {"field": "owner", "problem": "Choose the organisation or the community group that commits"}
        )
    elif (
        data.organisation is not None
        and not Organisation.objects.filter(system=system, pk=data.organisation).exists()
    ):
        problems.append({"field": "owner", "problem": "Choose an organisation of this system"})
    elif (
        data.community is not None and not Community.objects.filter(system=system, pk=data.community).exists()
    ):
        problems.append({"field": "owner", "problem": "Choose a community group of this system"})
    partners = set(data.partners) - {data.organisation}
    if Organisation.objects.filter(system=system, pk__in=partners).count() != len(partners):
        problems.append({"field": "partners", "problem": "Choose partners of this system only"})
    if (
        data.interdependency is not None
        and not Interdependency.objects.filter(system=system, pk=data.interdependency).exists()
    ):
        problems.append(
            {"field": "interdependency", "problem": "Choose an interdependency of this system's map"}
        )
    return problems


def _check(aim: Aim, data: CommitmentInput, actor: Actor) -> tuple[CommitmentInput, list[Resource]]:
    problems = _owner_problems(aim, data, actor)
    if actor.organisation is not None:
        data.assets = None  # Only a facilitator chooses the assets a commitment uses.
    if data.assets is not None and len(community_queries.assets_by_ids(aim.system, data.assets)) != len(
        set(data.assets)
    ):
        problems.append(
            {"field": "assets", "problem": "Choose assets of this system's register (accepted ones) only"}
        )
    what = clean_text(data.what, multiline=True)
    if not what:
        problems.append({"field": "what", "problem": "Say what you will do"})
    if data.starts_on and data.ends_on and data.ends_on < data.starts_on:
        problems.append(
            {"field": "ends_on", "problem": "The end date must be the same as or after the start date"}
        )
    resources = _resources(data.resources, problems)
    if Aim.objects.filter(pk=aim.pk, status=Aim.Status.RETIRED).exists():  # as it is now, not as read
        problems.append({"field": "aim", "problem": "This aim is retired: commit to an aim that is not"})
    if problems:
        raise InvalidInput(problems[0]["problem"], detail={"fields": problems})
    data.what, data.lead_role = what, clean_text(data.lead_role)[:200]
    data.partners = sorted(p for p in set(data.partners) if p != data.organisation)
    return data, resources


def check_save_commitment(
    actor: Actor, aim: Aim, data: CommitmentInput, commitment: Commitment | None = None
) -> Commitment:
    """Add a commitment to ``aim`` (``commitment`` None) or change one. Through an organisation's link the
    owner is always that organisation, and only its own commitments can be changed."""
    if (
        commitment is not None
        and actor.organisation is not None
        and commitment.organisation_id != actor.organisation.pk
    ):
        raise NotFound("That commitment is not your organisation's: your link reaches only your own.")
    cleaned, resources = _check(aim, data, actor)
    return do_save_commitment(actor, aim, cleaned, resources, commitment)


def do_save_commitment(
    actor: Actor, aim: Aim, data: CommitmentInput, resources: list[Resource], commitment: Commitment | None
) -> Commitment:
    with transaction.atomic():
        before = commitment_state(commitment) if commitment is not None else None
        item = commitment or Commitment(aim=aim, created_route=actor.route)
        item.organisation_id, item.community_id = data.organisation, data.community
        item.what, item.lead_role = data.what, data.lead_role
        item.starts_on, item.ends_on = data.starts_on, data.ends_on
        item.interdependency_id = data.interdependency
        item.save()
        item.partners.set(list(data.partners))
        if data.assets is not None:
            item.assets.set(sorted(set(data.assets)))
        item.resources.all().delete()
        for r in resources:
            r.commitment = item
        Resource.objects.bulk_create(resources)
        after = commitment_state(item) | {"route": actor.route, "by": actor.label}
        name = "commitment.update" if before is not None else "commitment.create"
        audit.record(actor.user, name, item, before=before, after=after, system=aim.system)
    return item


# --- Progress -----------------------------------------------------------------------------------------------------


@dataclass
class ProgressInput:
    status: str
    text: str
    on: date | None = None
    evidence_url: str = ""
    figures: dict[int, Decimal | str | None] = field(default_factory=dict)  # measure id -> value


def _figures(
    commitment: Commitment, raw: dict[int, Any], problems: list[dict[str, str]]
) -> list[dict[str, str]]:
    measures = set(commitment.aim.measures.values_list("pk", flat=True))
    out: list[dict[str, Any]] = []
    for measure, value in raw.items():
        if value is None or value == "":
            continue
        if int(measure) not in measures:
            problems.append(
                {"field": f"figures.{measure}", "problem": "Give figures only for this aim's measures"}
            )
            continue
        try:
            number = Decimal(str(value).replace(",", "").strip())
        except InvalidOperation:
            number = Decimal("NaN")
        if not number.is_finite():
            problems.append(
                {"field": f"measure_{measure}", "problem": "Enter the figure as a number, like 12.5"}
            )
            continue
        out.append({"measure": int(measure), "value": str(number)})
    return out


def check_post_progress(actor: Actor, commitment: Commitment, data: ProgressInput) -> ProgressUpdate:
    """Post a dated progress update on a commitment (its own organisation's only, through a link)."""
    if actor.organisation is not None and commitment.organisation_id != actor.organisation.pk:
        raise NotFound("That commitment is not your organisation's: your link reaches only your own.")
    problems: list[dict[str, str]] = []
    if data.status not in ProgressStatus.values:
        problems.append({"field": "status", "problem": "Choose how the commitment is going"})
    text = clean_text(data.text, multiline=True)
    if not text:
        problems.append({"field": "text", "problem": "Say in a sentence or two what has happened"})
    url = clean_text(data.evidence_url)
    if url and not url.startswith(("https://", "http://")):
        problems.append({"field": "evidence_url", "problem": "Enter a web address starting with https://"})
    figures = _figures(commitment, data.figures, problems)
    if problems:
        raise InvalidInput(problems[0]["problem"], detail={"fields": problems})
    return do_post_progress(actor, commitment, ProgressInput(data.status, text, data.on, url), figures)


def do_post_progress(
    actor: Actor, commitment: Commitment, data: ProgressInput, figures: list[dict[str, Any]]
) -> ProgressUpdate:
    with transaction.atomic():
        update = ProgressUpdate(
            commitment=commitment,
            status=data.status,
            text=data.text,
            evidence_url=data.evidence_url,
            figures=figures,
            route=actor.route,
        )
        if data.on is not None:
            update.on = data.on
        update.save()
        latest = commitment.updates.order_by("-on", "-pk").first()
        if latest is not None:
            Commitment.objects.filter(pk=commitment.pk).update(status=latest.status, last_update_on=latest.on)
            commitment.status, commitment.last_update_on = latest.status, latest.on
        after = {
            "status": update.status,
            "on": update.on.isoformat(),
            "text": update.text,
            "figures": figures,
            "route": actor.route,
            "by": actor.label,
        }
        audit.record(actor.user, "commitment.progress", commitment, after=after, system=commitment.aim.system)
    return update
