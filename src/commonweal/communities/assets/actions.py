"""Use cases of the asset register: add, change and delete an asset; every page, the API, the mapping link and
the Open Referral UK import save through :func:`check_save_asset` (or, in bulk, :func:`check_assets` then
:func:`do_create_assets`), so the rules are the same everywhere.

``check_*`` validates against the database (places, communities and the holder belong to the system; a location
is a UK postcode and/or both coordinates in range) and raises :class:`~commonweal.core.errors.InvalidInput`
naming every field at fault; ``do_*`` makes the change in one transaction and writes the audit log in it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from commonweal.communities.models import (
    ASSET_NAME_MAX,
    MAX_TAGS,
    TAG_MAX,
    Asset,
    AssetTag,
    Category,
    Holder,
    MappingLink,
    Source,
    Status,
    normalise_postcode,
)
from commonweal.core import audit
from commonweal.core.errors import InvalidInput
from commonweal.systems.models import Community, Organisation, Place, System

__all__ = [
    "AssetInput",
    "asset_state",
    "check_asset",
    "check_save_asset",
    "clean_tags",
    "do_create_assets",
    "do_delete_asset",
    "do_save_asset",
    "parse_coordinate",
]

#: Longest description, opening times and accessibility notes.
TEXT_MAX = 4000


@dataclass
class AssetInput:
    """What someone says about an asset. Places, communities and the holder are objects of the system (a view
    or the API looks them up); ``latitude`` and ``longitude`` are as typed (text or numbers), checked here."""

    name: str
    category: str
    description: str = ""
    places: Sequence[Place] = ()
    communities: Sequence[Community] = ()
    holder: str = Holder.RESIDENT
    holder_organisation: Organisation | None = None
    holder_community: Community | None = None
    holder_other: str = ""
    resident_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    website: str = ""
    opening_times: str = ""
    accessibility: str = ""
    address: str = ""
    postcode: str = ""
    latitude: Any = None
    longitude: Any = None
    tags: Sequence[str] = ()
    openreferral_id: str = ""


@dataclass
class _Checked:
    """An input that passed :func:`check_asset`: its location in stored form."""

    data: AssetInput
    postcode: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    tags: list[str] = field(default_factory=list)


_TAG_SPLIT = re.compile(r"[,;\n]")


def clean_tags(raw: str | Iterable[str]) -> list[str]:
    """Tags from a comma-separated text or a list: trimmed, lower case, without repeats, in the order given."""
    parts = (
        _TAG_SPLIT.split(raw) if isinstance(raw, str) else [p for item in raw for p in _TAG_SPLIT.split(item)]
    )
    seen: dict[str, None] = {}
    for part in parts:
        tag = " ".join(part.split()).lower()
        if tag:
            seen.setdefault(tag, None)
    return list(seen)


def parse_coordinate(value: Any, low: int, high: int) -> Decimal | None:
    """A latitude or longitude in degrees, rounded to 6 places (about 10 cm); None when empty.

    Raises :class:`ValueError` when it is not a number between ``low`` and ``high``."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise ValueError(value) from exc
    if not number.is_finite() or not low <= number <= high:
        raise ValueError(value)
    return number.quantize(Decimal("0.000001"))


def _location_problems(data: AssetInput, checked: _Checked) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    try:
        checked.postcode = normalise_postcode(data.postcode)
    except ValueError:
        problems.append(("postcode", _("Enter a UK postcode, like LS1 4AP, or leave it empty")))
    for name, low, high, example in (("latitude", -90, 90, "53.8008"), ("longitude", -180, 180, "-1.5491")):
        try:
            setattr(checked, name, parse_coordinate(getattr(data, name), low, high))
        except ValueError:
            problems.append(
                (
                    name,
                    _("Enter the %(name)s as a number between %(low)s and %(high)s, like %(example)s")
                    % {"name": name, "low": low, "high": high, "example": example},
                )
            )
    if not any(p[0] in ("latitude", "longitude") for p in problems) and (
        (checked.latitude is None) != (checked.longitude is None)
    ):
        missing = "longitude" if checked.longitude is None else "latitude"
        problems.append((missing, _("Give both the latitude and the longitude, or neither")))
    return problems


def _text_problems(data: AssetInput) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    data.name = " ".join((data.name or "").split())
    if not data.name:
        problems.append(("name", _("Enter the asset's name")))
    elif len(data.name) > ASSET_NAME_MAX:
        problems.append(("name", _("Enter a name of at most %(n)s characters") % {"n": ASSET_NAME_MAX}))
    if data.category not in Category.values:
        problems.append(("category", _("Choose what kind of asset it is")))
    for name in ("description", "opening_times", "accessibility"):
        setattr(data, name, (getattr(data, name) or "").strip())
        if len(getattr(data, name)) > TEXT_MAX:
            problems.append((name, _("Enter at most %(n)s characters") % {"n": TEXT_MAX}))
    if data.contact_email:
        try:
            EmailValidator()(data.contact_email)
        except ValidationError:
            problems.append(("contact_email", _("Enter an email address like name@example.org")))
    if data.website:
        try:
            URLValidator(schemes=["http", "https"])(data.website)
        except ValidationError:
            problems.append(("website", _("Enter a web address starting https://")))
    if len(data.contact_phone or "") > 40 or re.search(r"[^0-9+()\- ]", data.contact_phone or ""):
        problems.append(("contact_phone", _("Enter a phone number of digits, spaces and + ( ) -")))
    return problems


def _holder_problems(system: System, data: AssetInput) -> list[tuple[str, str]]:
    if data.holder not in Holder.values:
        return [("holder", _("Choose who holds the asset"))]
    org = data.holder_organisation
    if data.holder == Holder.ORGANISATION and (org is None or org.system_id != system.pk):
        return [("holder_organisation", _("Choose the organisation that holds the asset"))]
    com = data.holder_community
    if data.holder == Holder.COMMUNITY and (com is None or com.system_id != system.pk):
        return [("holder_community", _("Choose the community that holds the asset"))]
    data.holder_other = " ".join((data.holder_other or "").split())
    if data.holder == Holder.OTHER and not data.holder_other:
        return [("holder_other", _("Enter the name of the organisation or group that holds the asset"))]
    if len(data.holder_other) > 200:
        return [("holder_other", _("Enter a name of at most %(n)s characters") % {"n": 200})]
    return []


def check_asset(system: System, data: AssetInput) -> _Checked:
    """Check one asset's input; raise :class:`InvalidInput` naming every field at fault (one message each)."""
    checked = _Checked(data)
    problems = _text_problems(data) + _holder_problems(system, data) + _location_problems(data, checked)
    if any(p.system_id != system.pk for p in data.places):
        problems.append(("places", _("Choose places of this system")))
    if any(c.system_id != system.pk for c in data.communities):
        problems.append(("communities", _("Choose communities of this system")))
    checked.tags = clean_tags(data.tags)
    if len(checked.tags) > MAX_TAGS or any(len(t) > TAG_MAX for t in checked.tags):
        problems.append(
            (
                "tags",
                _("Give at most %(n)s tags of at most %(m)s characters each") % {"n": MAX_TAGS, "m": TAG_MAX},
            )
        )
    if problems:
        raise InvalidInput(
            problems[0][1] if len(problems) == 1 else _("Correct the fields marked"),
            detail={"fields": [{"field": f, "problem": p} for f, p in problems]},
        )
    return checked


def asset_state(asset: Asset) -> dict[str, Any]:
    """What the audit log keeps of an asset (no resident's name: it is personal data)."""
    return {
        "name": asset.name,
        "category": asset.category,
        "status": asset.status,
        "holder": asset.holder,
        "holder_organisation": asset.holder_organisation_id,
        "holder_community": asset.holder_community_id,
        "postcode": asset.postcode,
        "has_coordinates": asset.has_coordinates,
        "places": sorted(asset.places.values_list("pk", flat=True)) if asset.pk else [],
        "communities": sorted(asset.communities.values_list("pk", flat=True)) if asset.pk else [],
        "tags": sorted(asset.tags.values_list("name", flat=True)) if asset.pk else [],
    }


def _fill(asset: Asset, checked: _Checked) -> None:
    data = checked.data
    asset.name, asset.category, asset.description = data.name, data.category, data.description
    asset.holder = data.holder
    asset.holder_organisation = data.holder_organisation if data.holder == Holder.ORGANISATION else None
    asset.holder_community = data.holder_community if data.holder == Holder.COMMUNITY else None
    asset.resident_name = data.resident_name.strip() if data.holder == Holder.RESIDENT else ""
    asset.holder_other = data.holder_other if data.holder == Holder.OTHER else ""
    asset.contact_email, asset.contact_phone = data.contact_email, data.contact_phone.strip()
    asset.website, asset.address = data.website, data.address.strip()
    asset.opening_times, asset.accessibility = data.opening_times, data.accessibility
    asset.postcode, asset.latitude, asset.longitude = checked.postcode, checked.latitude, checked.longitude
    if data.openreferral_id:
        asset.openreferral_id = data.openreferral_id


def _links(asset: Asset, checked: _Checked) -> None:
    asset.places.set(checked.data.places)
    asset.communities.set(checked.data.communities)
    asset.tags.all().delete()
    AssetTag.objects.bulk_create([AssetTag(asset=asset, name=t) for t in checked.tags])


def check_save_asset(
    actor: Any,
    system: System,
    data: AssetInput,
    *,
    asset: Asset | None = None,
    status: str = Status.ACCEPTED,
    source: str = Source.FACILITATOR,
    link: MappingLink | None = None,
) -> Asset:
    """Add an asset to ``system``'s register (or change ``asset``) after :func:`check_asset`.

    A new asset gets ``status`` and ``source`` (a resident's: pending, from the mapping ``link``); a change
    keeps both."""
    checked = check_asset(system, data)
    return do_save_asset(actor, system, checked, asset=asset, status=status, source=source, link=link)


def do_save_asset(
    actor: Any,
    system: System,
    checked: _Checked,
    *,
    asset: Asset | None = None,
    status: str = Status.ACCEPTED,
    source: str = Source.FACILITATOR,
    link: MappingLink | None = None,
) -> Asset:
    """Save a checked asset and record ``asset.create`` (``asset.submit`` from a mapping link) or
    ``asset.update``, in one transaction."""
    before = asset_state(asset) if asset is not None else None
    target = asset or Asset(system=system, status=status, source=source, mapping_link=link)
    _fill(target, checked)
    with transaction.atomic():
        target.save()
        _links(target, checked)
        action = "asset.update" if before is not None else ("asset.submit" if link else "asset.create")
        audit.record(actor, action, target, before=before, after=asset_state(target), system=system)
    return target


def do_delete_asset(actor: Any, asset: Asset) -> None:
    """Delete ``asset`` and record ``asset.delete``, in one transaction."""
    audit.record_delete(actor, "asset", asset, asset_state)


def do_create_assets(
    actor: Any, system: System, checked: Sequence[_Checked], *, source: str, action: str, note: dict[str, Any]
) -> list[Asset]:
    """Add many checked assets at once (an import, the demo) and record one ``action`` with ``note``, in one
    transaction: all are added or none."""
    now = timezone.now()
    with transaction.atomic():
        assets = Asset.objects.bulk_create(
            [_new(system, c, source=source, now=now) for c in checked], batch_size=1000
        )
        places = Asset.places.through
        communities = Asset.communities.through
        places.objects.bulk_create(
            [
                places(asset_id=a.pk, place_id=p.pk)
                for a, c in zip(assets, checked, strict=True)
                for p in c.data.places
            ],
            batch_size=2000,
        )
        communities.objects.bulk_create(
            [
                communities(asset_id=a.pk, community_id=m.pk)
                for a, c in zip(assets, checked, strict=True)
                for m in c.data.communities
            ],
            batch_size=2000,
        )
        AssetTag.objects.bulk_create(
            [AssetTag(asset_id=a.pk, name=t) for a, c in zip(assets, checked, strict=True) for t in c.tags],
            batch_size=2000,
        )
        audit.record(actor, action, system, after={**note, "assets": len(assets)}, system=system)
    return assets


def _new(system: System, checked: _Checked, *, source: str, now: Any) -> Asset:
    asset = Asset(system=system, status=Status.ACCEPTED, source=source, created_at=now, updated_at=now)
    _fill(asset, checked)
    return asset
