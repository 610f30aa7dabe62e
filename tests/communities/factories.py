"""Test data of the community asset register."""

from __future__ import annotations

from typing import Any

from commonweal.communities.assets.actions import AssetInput, check_save_asset
from commonweal.communities.models import Asset, Category, MappingLink, Source, Status
from commonweal.systems.models import System


def make_asset(system: System, **kw: Any) -> Asset:
    """An asset saved through the register's action (accepted unless ``status`` says otherwise)."""
    status = kw.pop("status", Status.ACCEPTED)
    link = kw.pop("link", None)
    source = kw.pop("source", Source.MAPPING if link else Source.FACILITATOR)
    kw.setdefault("name", "Riverside Library")
    kw.setdefault("category", Category.INSTITUTIONS)
    return check_save_asset(None, system, AssetInput(**kw), status=status, source=source, link=link)


def make_mapping_link(system: System, **kw: Any) -> MappingLink:
    return MappingLink.objects.create(system=system, **kw)
