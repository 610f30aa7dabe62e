"""The vocabulary of the permission walk (tests/test_permissions_walk.py), shared with the per-app tables that
the walk merges (``WALK_TABLES`` there)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from html import unescape
from typing import Any

ROLES = ("anonymous", "participant", "moderator", "other_facilitator", "facilitator", "admin")

# Shorthands for the table. "login" is a redirect to the sign-in page; "redirect" any other redirect.
LOGIN, REDIRECT = "login", "redirect"


def same(status: Any) -> dict[str, Any]:
    return dict.fromkeys(ROLES, status)


def roles(default: Any, **overrides: Any) -> dict[str, Any]:
    return {**same(default), **overrides}


# Pages for facilitators and moderators: who may do it gets `ok`; signed-in people without the role get 403;
# anyone not signed in (a participant has no account) is sent to sign in.
def staff(ok: Any, allowed: tuple[str, ...]) -> dict[str, Any]:
    out = {"anonymous": LOGIN, "participant": LOGIN}
    for role in ("moderator", "other_facilitator", "facilitator", "admin"):
        out[role] = ok if role in allowed else 403
    return out


FACILITATORS = ("facilitator", "admin")
MODERATORS = ("moderator", "facilitator", "admin")
SIGNED_IN = ("moderator", "other_facilitator", "facilitator", "admin")


# The facilitator API: no token is 401; a token without the role is 403.
def api(ok: Any, allowed: tuple[str, ...]) -> dict[str, Any]:
    out = {"anonymous": 401, "participant": 401}
    for role in ("moderator", "other_facilitator", "facilitator", "admin"):
        out[role] = ok if role in allowed else 403
    return out


@dataclass(frozen=True)
class Expect:
    get: dict[str, Any] | None = None  # None: the method is not allowed (405) for everyone
    post: dict[str, Any] | None = None
    post_data: dict[str, Any] | None = None
    other: tuple[str, dict[str, Any], dict[str, Any] | None] | None = None  # (method, roles, JSON body)
    json: bool = False  # the API: send JSON and tokens


# --- No per-person points in what participants (and anyone without an account) are sent -------------------------

#: Keys of the stored analysis that hold one value per participant: none may reach a participant-facing answer.
PER_PERSON_KEYS = frozenset(
    {"participant_ids", "participant_projections", "group_labels", "base_labels", "in_conv", "projections"}
)
_SPEC_ATTRIBUTE = re.compile(r'data-spec-json="([^"]*)"')
_SPEC_SCRIPT = re.compile(r'<script id="chart-spec-[^"]*" type="application/json">(.*?)</script>', re.S)


def _map_problems(spec: dict[str, Any], where: str, threshold: int) -> list[str]:
    """An opinion map's marks: each of at least ``threshold`` people, or a whole group's one mark whose size is
    not given (fewer than t, or not shown). Never one mark per person."""
    problems: list[str] = []
    marks = [
        v
        for layer in spec.get("layer", [])
        for v in (layer.get("data") or {}).get("values", [])
        if isinstance(v, dict)
        and "x" in v
        and "y" in v
        and v.get("label") != "You are here"
        and "people" in v
    ]
    unsized: dict[str, int] = {}
    for mark in marks:
        label = str(mark.get("label", ""))
        found = re.fullmatch(r"([\d,]+) (people|person)", label)
        if found and int(found.group(1).replace(",", "")) < threshold:
            problems.append(f"{where}: a mark of {label} (group {mark.get('group')})")
        elif not found:
            unsized[str(mark.get("group"))] = unsized.get(str(mark.get("group")), 0) + 1
    problems += [
        f"{where}: {n} marks of {group} whose sizes are not given (a group not shown is one mark)"
        for group, n in unsized.items()
        if n > 1
    ]
    return problems


def _json_problems(value: Any, where: str) -> list[str]:
    if isinstance(value, dict):
        found = [f"{where}: per-person key {k!r}" for k in value if k in PER_PERSON_KEYS]
        return found + [p for v in value.values() for p in _json_problems(v, where)]
    if isinstance(value, list):
        return [p for v in value for p in _json_problems(v, where)]
    return []


def per_person_points(response: Any, where: str, threshold: int = 5) -> list[str]:
    """What in ``response`` would let someone count people one by one: an opinion map with a mark for fewer than
    ``threshold`` people (or several unsized marks of one group), or a per-person key of the analysis in JSON.
    An empty list when there is none."""
    content_type = response.get("Content-Type", "")
    if response.status_code != 200 or not hasattr(response, "content"):
        return []
    body = response.content.decode("utf-8", "replace")
    if "json" in content_type:
        try:
            return _json_problems(json.loads(body), where)
        except ValueError:
            return []
    if "html" not in content_type:
        return []
    problems: list[str] = []
    for raw in [unescape(m) for m in _SPEC_ATTRIBUTE.findall(body)] + _SPEC_SCRIPT.findall(body):
        spec = json.loads(raw)
        problems += _map_problems(spec, where, threshold) + _json_problems(spec, where)
    return problems
