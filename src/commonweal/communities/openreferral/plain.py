"""The register as a plain table: one row per asset, every field a column (places, communities and tags joined
by "; "), as CSV (safe to open in a spreadsheet) or JSON."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from commonweal.communities.models import Asset
from commonweal.core.spreadsheet import SpreadsheetWriter

COLUMNS = [
    "id",
    "name",
    "category",
    "description",
    "places",
    "communities",
    "holder",
    "held_by",
    "contact_email",
    "contact_phone",
    "website",
    "opening_times",
    "accessibility",
    "address",
    "postcode",
    "latitude",
    "longitude",
    "tags",
    "status",
    "source",
    "created_at",
]


def record(asset: Asset) -> dict[str, Any]:
    """One asset as a flat dictionary (its places, communities and tags prefetched)."""
    return {
        "id": asset.pk,
        "name": asset.name,
        "category": asset.category,
        "description": asset.description,
        "places": [p.name for p in asset.places.all()],
        "communities": [c.name for c in asset.communities.all()],
        "holder": asset.holder,
        "held_by": asset.holder_name,
        "contact_email": asset.contact_email,
        "contact_phone": asset.contact_phone,
        "website": asset.website,
        "opening_times": asset.opening_times,
        "accessibility": asset.accessibility,
        "address": asset.address,
        "postcode": asset.postcode,
        "latitude": float(asset.latitude) if asset.latitude is not None else None,
        "longitude": float(asset.longitude) if asset.longitude is not None else None,
        "tags": [t.name for t in asset.tags.all()],
        "status": asset.status,
        "source": asset.source,
        "created_at": asset.created_at.isoformat(),
    }


def to_csv(assets: Iterable[Asset]) -> str:
    out = io.StringIO()
    numbers = [COLUMNS.index(c) for c in ("id", "latitude", "longitude")]
    writer = SpreadsheetWriter(out, numbers=numbers, lineterminator="\n")
    writer.writerow(COLUMNS)
    for asset in assets:
        row = record(asset)
        writer.writerow(["; ".join(row[c]) if isinstance(row[c], list) else row[c] for c in COLUMNS])
    return out.getvalue()


def to_json(assets: Iterable[Asset]) -> list[dict[str, Any]]:
    return [record(a) for a in assets]
