"""Aims: drafted from statements (their evidence frozen), changed, moved through their statuses, and tested with
people in a new conversation. The only place that writes aims; every change is audited with who made it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from commonweal.communities import queries as community_queries
from commonweal.conversations.facilitate.actions import (
    ConversationInput,
    SeedLine,
    check_add_seed_statements,
    check_create_conversation,
)
from commonweal.conversations.models import Conversation, Statement
from commonweal.conversations.queries import latest_snapshot
from commonweal.conversations.results.build import build_results
from commonweal.core import audit
from commonweal.core.errors import InvalidInput, field_error
from commonweal.core.text import clean_text
from commonweal.network.models import Interdependency
from commonweal.strategy.aims.evidence import StatementFigures, figures_of
from commonweal.strategy.models import Aim, Evidence, Measure
from commonweal.strategy.queries import aim_asset_ids
from commonweal.systems.models import Community, Place, System

#: The moves an aim may make: draft -> proposed -> agreed -> retired (and back to draft from proposed; any aim
#: not yet retired may be retired).
TRANSITIONS = {
    Aim.Status.DRAFT: {Aim.Status.PROPOSED, Aim.Status.RETIRED},
    Aim.Status.PROPOSED: {Aim.Status.DRAFT, Aim.Status.AGREED, Aim.Status.RETIRED},
    Aim.Status.AGREED: {Aim.Status.RETIRED},
    Aim.Status.RETIRED: set(),
}


@dataclass
class MeasureInput:
    name: str
    unit: str = ""
    baseline: Decimal | None = None
    target: Decimal | None = None
    target_date: date | None = None


@dataclass
class AimInput:
    """What a facilitator gives to draft or change an aim."""

    title: str
    meaning: str
    outcome: str = ""
    places: Sequence[int] = ()
    communities: Sequence[int] = ()
    interdependencies: Sequence[int] = ()
    measures: list[MeasureInput] = field(default_factory=list)
    #: The community assets it builds on (accepted assets of the system's register).
    assets: Sequence[int] = ()


def aim_state(aim: Aim) -> dict[str, Any]:
    return {
        "title": aim.title,
        "status": aim.status,
        "agreed_on": aim.agreed_on.isoformat() if aim.agreed_on else None,
        "agreed_by": aim.agreed_by,
        "retired_reason": aim.retired_reason,
        "places": sorted(aim.places.values_list("pk", flat=True)) if aim.pk else [],
        "communities": sorted(aim.communities.values_list("pk", flat=True)) if aim.pk else [],
        "interdependencies": sorted(aim.interdependencies.values_list("pk", flat=True)) if aim.pk else [],
        "assets": aim_asset_ids(aim) if aim.pk else [],
    }


def _clean(system: System, data: AimInput) -> AimInput:
    problems: list[dict[str, str]] = []
    title, meaning = clean_text(data.title), clean_text(data.meaning, multiline=True)
    if not title:
        problems.append({"field": "title", "problem": "Enter a short title for the aim"})
    elif len(title) > 200:
        problems.append({"field": "title", "problem": "The title must be 200 characters or fewer"})
    if not meaning:
        problems.append({"field": "meaning", "problem": "Say what the aim means, in plain words"})
    for name, model, ids in (
        ("places", Place, data.places),
        ("communities", Community, data.communities),
        ("interdependencies", Interdependency, data.interdependencies),
    ):
        if model.objects.filter(system=system, pk__in=list(ids)).count() != len(set(ids)):
            problems.append({"field": name, "problem": f"Choose {name} of this system only"})
    if len(community_queries.assets_by_ids(system, data.assets)) != len(set(data.assets)):
        problems.append(
            {"field": "assets", "problem": "Choose assets of this system's register (accepted ones) only"}
        )
    for i, m in enumerate(data.measures):
        if not clean_text(m.name):
            problems.append({"field": f"measures.{i}.name", "problem": "Name each measure"})
    if problems:
        raise InvalidInput(problems[0]["problem"], detail={"fields": problems})
    return AimInput(
        title=title,
        meaning=meaning,
        outcome=clean_text(data.outcome, multiline=True),
        places=list(data.places),
        communities=list(data.communities),
        interdependencies=list(data.interdependencies),
        measures=data.measures,
        assets=sorted(set(data.assets)),
    )


def _link(aim: Aim, data: AimInput) -> None:
    aim.places.set(list(data.places))
    aim.communities.set(list(data.communities))
    aim.interdependencies.set(list(data.interdependencies))
    aim.assets.set(list(data.assets))


# --- Drafting from statements ----------------------------------------------------------------------------------


def statements_for_draft(system: System, ids: Sequence[int]) -> list[Statement]:
    """The statements (of the system's conversations, accepted) that an aim is drafted from, in the order given;
    :class:`InvalidInput` when none, or one is not the system's."""
    unique = list(dict.fromkeys(int(i) for i in ids))
    if not unique:
        raise field_error("statements", "Choose at least one statement to draft the aim from")
    found = {
        s.pk: s
        for s in Statement.objects.filter(pk__in=unique, conversation__system=system).select_related(
            "conversation"
        )
    }
    missing = [i for i in unique if i not in found]
    if missing:
        raise field_error("statements", "Choose statements of this system's conversations only")
    return [found[i] for i in unique]


def freeze_figures(statements: list[Statement]) -> list[StatementFigures]:
    """Each statement's published figures now, reading each conversation's results once."""
    by_conversation: dict[int, list[Statement]] = {}
    for s in statements:
        by_conversation.setdefault(s.conversation_id, []).append(s)
    frozen: dict[int, StatementFigures] = {}
    for items in by_conversation.values():
        for found in figures_of(build_results(items[0].conversation), items):
            frozen[found.statement.pk] = found
    return [frozen[s.pk] for s in statements]


def check_draft_aim(actor: Any, system: System, data: AimInput, statement_ids: Sequence[int]) -> Aim:
    """Draft an aim from statements: the aim, its measures and its evidence (frozen now), audited."""
    statements = statements_for_draft(system, statement_ids) if statement_ids else []
    return do_draft_aim(actor, system, _clean(system, data), statements)


def do_draft_aim(actor: Any, system: System, data: AimInput, statements: list[Statement]) -> Aim:
    figures = freeze_figures(statements)
    with transaction.atomic():
        aim = Aim.objects.create(
            system=system,
            title=data.title,
            meaning=data.meaning,
            outcome=data.outcome,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        _link(aim, data)
        _save_measures(aim, data.measures)
        _save_evidence(aim, figures)
        after = aim_state(aim) | {"statements": [s.pk for s in statements]}
        audit.record(actor, "aim.create", aim, after=after, system=system)
    return aim


def _save_measures(aim: Aim, measures: list[MeasureInput]) -> None:
    Measure.objects.bulk_create(
        Measure(
            aim=aim,
            name=clean_text(m.name),
            unit=clean_text(m.unit),
            baseline=m.baseline,
            target=m.target,
            target_date=m.target_date,
        )
        for m in measures
    )


def _save_evidence(aim: Aim, figures: list[StatementFigures]) -> None:
    snapshots: dict[int, Any] = {}
    rows = []
    for position, found in enumerate(figures):
        conversation: Conversation = found.statement.conversation
        if conversation.pk not in snapshots:
            snapshots[conversation.pk] = latest_snapshot(
                conversation, defer=("state", "priorities", "result")
            )
        snapshot = snapshots[conversation.pk]
        rows.append(
            Evidence(
                aim=aim,
                statement=found.statement,
                conversation=conversation,
                conversation_title=conversation.title,
                text=found.statement.text,
                common_ground=found.common_ground,
                snapshot_tick=snapshot.tick if snapshot is not None else None,
                analysed_at=snapshot.computed_at if snapshot is not None else None,
                figures=found.figures,
                position=position,
            )
        )
    Evidence.objects.bulk_create(rows)


# --- Changing an aim and its status ----------------------------------------------------------------------------


def check_update_aim(actor: Any, aim: Aim, data: AimInput) -> Aim:
    if Aim.objects.filter(pk=aim.pk, status=Aim.Status.RETIRED).exists():  # as it is now, not as read
        raise InvalidInput("A retired aim cannot be changed; its commitments stay readable.")
    return do_update_aim(actor, aim, _clean(aim.system, data))


def do_update_aim(actor: Any, aim: Aim, data: AimInput) -> Aim:
    with transaction.atomic():
        before = aim_state(aim)
        aim.title, aim.meaning, aim.outcome = data.title, data.meaning, data.outcome
        aim.save()
        _link(aim, data)
        if data.measures:
            _save_measures(aim, data.measures)
        audit.record(actor, "aim.update", aim, before=before, after=aim_state(aim), system=aim.system)
    return aim


@dataclass
class StatusInput:
    status: str
    agreed_on: date | None = None
    agreed_by: str = ""
    reason: str = ""


def check_change_status(actor: Any, aim: Aim, data: StatusInput) -> Aim:
    """Move an aim to ``data.status``: agreed needs the date and the body that agreed it; retired a reason."""
    with transaction.atomic():
        locked = Aim.objects.select_for_update().get(pk=aim.pk)
        allowed = TRANSITIONS.get(Aim.Status(locked.status), set())
        if data.status not in {s.value for s in allowed}:
            label = dict(Aim.Status.choices).get(data.status, data.status)
            raise field_error(
                "status", f"An aim that is {locked.get_status_display().lower()} cannot become {label}"
            )
        problems = []
        if data.status == Aim.Status.AGREED:
            if data.agreed_on is None:
                problems.append({"field": "agreed_on", "problem": "Enter the date the aim was agreed"})
            elif data.agreed_on > timezone.localdate():
                problems.append(
                    {"field": "agreed_on", "problem": "The date it was agreed cannot be in the future"}
                )
            if not clean_text(data.agreed_by):
                problems.append(
                    {"field": "agreed_by", "problem": "Say who agreed it, for example the ICP board"}
                )
        if data.status == Aim.Status.RETIRED and not clean_text(data.reason, multiline=True):
            problems.append({"field": "reason", "problem": "Say why the aim is retired"})
        if problems:
            raise InvalidInput(problems[0]["problem"], detail={"fields": problems})
        return do_change_status(actor, locked, data)


def do_change_status(actor: Any, aim: Aim, data: StatusInput) -> Aim:
    with transaction.atomic():
        before = aim_state(aim)
        aim.status = data.status
        if data.status == Aim.Status.AGREED:
            aim.agreed_on, aim.agreed_by = data.agreed_on, clean_text(data.agreed_by)
        if data.status == Aim.Status.RETIRED:
            aim.retired_reason = clean_text(data.reason, multiline=True)
        aim.save()
        audit.record(actor, "aim.status", aim, before=before, after=aim_state(aim), system=aim.system)
    return aim


# --- Testing the draft aims with people -------------------------------------------------------------------------


def aim_statement(aim: Aim) -> str:
    """An aim in plain words, as a statement people can agree or disagree with."""
    text = f"{aim.title}: {aim.meaning}"
    return text if len(text) <= 280 else aim.title[:280]


def check_test_aims(actor: Any, system: System, title: str = "") -> Conversation:
    """Create a draft conversation whose seed statements are the system's proposed (and draft) aims, so the same
    people can say whether the aims are right."""
    aims = list(Aim.objects.filter(system=system, status__in=[Aim.Status.PROPOSED, Aim.Status.DRAFT]))
    if not aims:
        raise InvalidInput("There are no draft or proposed aims to test: draft an aim first.")
    return do_test_aims(actor, system, aims, clean_text(title) or "Are these the right aims?")


def do_test_aims(actor: Any, system: System, aims: list[Aim], title: str) -> Conversation:
    with transaction.atomic():
        conversation = check_create_conversation(
            actor,
            system,
            ConversationInput(
                title=title[:200],
                question="Are these the right aims for our system? Say whether you agree with each one.",
                description="These aims were drafted from what people agreed on in our earlier conversations.",
            ),
        )
        seeds = [SeedLine(0, aim_statement(aim)) for aim in aims]
        report = check_add_seed_statements(actor, conversation, seeds)
        by_text = {s.text: s for s in report.added}
        for aim in aims:
            aim.tested_in = conversation
            aim.tested_statement = by_text.get(clean_text(aim_statement(aim)))
            aim.save(update_fields=["tested_in", "tested_statement", "updated_at"])
        audit.record(
            actor, "aim.test_with_people", conversation, after={"aims": [a.pk for a in aims]}, system=system
        )
    return conversation
