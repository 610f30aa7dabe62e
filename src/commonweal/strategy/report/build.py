"""The strategy as data: the JSON the API answers and the exports write, and the rows of the CSV exports. Every
figure about people is the evidence as the disclosure layer published it when the aim was drafted."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from commonweal.communities.models import Asset
from commonweal.core.spreadsheet import SpreadsheetWriter
from commonweal.strategy.accountability.build import AimCard, CommitmentRow, board
from commonweal.strategy.models import ProgressUpdate
from commonweal.strategy.queries import assets_of_aims, assets_of_commitments
from commonweal.systems.models import System


@dataclass(frozen=True)
class Assets:
    """The accepted community assets each aim builds on and each commitment uses (ids -> assets, by name), read
    in four queries for all the aims of a board."""

    of_aims: dict[int, list[Asset]] = field(default_factory=dict)
    of_commitments: dict[int, list[Asset]] = field(default_factory=dict)

    @classmethod
    def of(cls, system: System, cards: list[AimCard]) -> Assets:
        commitments = [row.commitment.pk for card in cards for row in card.commitments]
        return cls(
            assets_of_aims(system, [card.aim.pk for card in cards]),
            assets_of_commitments(system, commitments),
        )


def _assets_json(assets: list[Asset]) -> list[dict[str, Any]]:
    return [{"id": a.pk, "name": a.name} for a in assets]


def _names(assets: list[Asset]) -> str:
    return "; ".join(a.name for a in assets)


def _date(value: Any) -> str | None:
    return value.isoformat() if value else None


def commitment_json(row: CommitmentRow, assets: Assets | None = None) -> dict[str, Any]:
    c = row.commitment
    return {
        "id": c.pk,
        "aim": c.aim_id,
        "organisation": c.organisation_id,
        "community": c.community_id,
        "owner": row.owner,
        "partners": row.partners,
        "what": c.what,
        "lead_role": c.lead_role,
        "starts_on": _date(c.starts_on),
        "ends_on": _date(c.ends_on),
        "interdependency": c.interdependency_id,
        "assets": _assets_json((assets or Assets()).of_commitments.get(c.pk, [])),
        "resources": [
            {
                "kind": r["kind"],
                "amount": None if r["amount"] is None else str(r["amount"]),
                "description": r["description"],
            }
            for r in c.resources
        ],
        "status": c.status,
        "last_update_on": _date(c.last_update_on),
        "no_update_since": _date(row.no_update_since),
    }


def aim_json(card: AimCard, assets: Assets | None = None) -> dict[str, Any]:
    aim = card.aim
    assets = assets or Assets()
    return {
        "id": aim.pk,
        "title": aim.title,
        "meaning": aim.meaning,
        "outcome": aim.outcome,
        "status": aim.status,
        "agreed_on": _date(aim.agreed_on),
        "agreed_by": aim.agreed_by,
        "retired_reason": aim.retired_reason,
        "places": aim.places,
        "communities": aim.communities,
        "assets": _assets_json(assets.of_aims.get(aim.pk, [])),
        "measures": [
            {
                "id": m["pk"],
                "name": m["name"],
                "unit": m["unit"],
                "baseline": None if m["baseline"] is None else str(m["baseline"]),
                "target": None if m["target"] is None else str(m["target"]),
                "target_date": _date(m["target_date"]),
            }
            for m in aim.measures
        ],
        "evidence": [
            {
                "statement": e.statement_id,
                "text": e.text,
                "conversation": e.conversation_title,
                "common_ground": e.common_ground,
                "analysis_update": e.snapshot_tick,
                "figures": e.figures,
            }
            for e in aim.evidence
        ],
        "commitments": [commitment_json(row, assets) for row in card.commitments],
    }


def aims_json(system: System) -> list[dict[str, Any]]:
    """Every aim of the system as the API and the JSON export give it, with the assets of each aim and
    commitment (a fixed number of queries whatever the number of aims and commitments)."""
    cards = board(system)
    assets = Assets.of(system, cards)
    return [aim_json(card, assets) for card in cards]


def strategy_json(system: System) -> dict[str, Any]:
    return {"system": system.slug, "aims": aims_json(system)}


def update_json(u: ProgressUpdate) -> dict[str, Any]:
    return {
        "id": u.pk,
        "commitment": u.commitment_id,
        "status": u.status,
        "text": u.text,
        "on": u.on.isoformat(),
        "evidence_url": u.evidence_url,
        "figures": u.figures,
        "route": u.route,
    }


def aims_csv(system: System) -> str:
    out = io.StringIO()
    writer = SpreadsheetWriter(out, numbers=(0, 8))
    writer.writerow(
        [
            "id",
            "title",
            "status",
            "agreed_on",
            "agreed_by",
            "meaning",
            "outcome",
            "places",
            "commitments",
            "assets",
        ]
    )
    cards = board(system)
    assets = Assets.of(system, cards)
    for card in cards:
        aim = card.aim
        writer.writerow(
            [
                aim.pk,
                aim.title,
                aim.status,
                _date(aim.agreed_on),
                aim.agreed_by,
                aim.meaning,
                aim.outcome,
                "; ".join(aim.places),
                len(card.commitments),
                _names(assets.of_aims.get(aim.pk, [])),
            ]
        )
    return out.getvalue()


def commitments_csv(system: System) -> str:
    out = io.StringIO()
    writer = SpreadsheetWriter(out, numbers=(0, 1))
    writer.writerow(
        [
            "id",
            "aim",
            "aim_title",
            "owner",
            "partners",
            "what",
            "lead_role",
            "starts_on",
            "ends_on",
            "resources",
            "status",
            "last_update_on",
            "no_update_since",
            "assets",
        ]
    )
    cards = board(system)
    assets = Assets.of(system, cards)
    for card in cards:
        for row in card.commitments:
            c = row.commitment
            writer.writerow(
                [
                    c.pk,
                    card.aim.pk,
                    card.aim.title,
                    row.owner,
                    "; ".join(row.partners),
                    c.what,
                    c.lead_role,
                    _date(c.starts_on),
                    _date(c.ends_on),
                    "; ".join(row.resources),
                    c.status,
                    _date(c.last_update_on),
                    _date(row.no_update_since),
                    _names(assets.of_commitments.get(c.pk, [])),
                ]
            )
    return out.getvalue()


def updates_csv(system: System) -> str:
    out = io.StringIO()
    writer = SpreadsheetWriter(out, numbers=(0, 1))
    writer.writerow(["id", "commitment", "owner", "status", "on", "text", "evidence_url", "route"])
    updates = (
        ProgressUpdate.objects.filter(commitment__aim__system=system)
        .select_related("commitment__organisation", "commitment__community")
        .order_by("commitment_id", "on", "pk")
    )
    for u in updates.iterator(chunk_size=2000):
        writer.writerow(
            [
                u.pk,
                u.commitment_id,
                u.commitment.owner_name,
                u.status,
                u.on.isoformat(),
                u.text,
                u.evidence_url,
                u.route,
            ]
        )
    return out.getvalue()


EXPORTS = {
    "aims.csv": ("text/csv; charset=utf-8", aims_csv),
    "commitments.csv": ("text/csv; charset=utf-8", commitments_csv),
    "updates.csv": ("text/csv; charset=utf-8", updates_csv),
}
