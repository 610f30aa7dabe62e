"""The vocabulary of the permission walk (tests/test_permissions_walk.py), shared with the per-app tables that
the walk merges (``WALK_TABLES`` there)."""

from __future__ import annotations

from dataclasses import dataclass
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
