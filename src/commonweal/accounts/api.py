"""The API token check that every facilitator endpoint of the JSON API uses.

Facilitators create a token on the "API tokens" page and send it as ``Authorization: Bearer <token>``. Only a hash
of the token is stored. A token acts as its owner: it can do what the owner can do on the pages, checked by the
same ``require`` calls.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from commonweal.accounts.models import ApiToken, hash_token

# Recording each use would write on every request; once a minute is enough to show "last used".
_LAST_USED_RESOLUTION = timedelta(minutes=1)


class ApiTokenAuth(HttpBearer):
    """``Authorization: Bearer <token>``: a live token of an active account. Returns the account."""

    openapi_description = "An API token created on the 'API tokens' page (/manage/tokens/)."

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        if not token:
            return None
        found = (
            ApiToken.objects.select_related("user")
            .filter(token_hash=hash_token(token.strip()), revoked_at__isnull=True)
            .first()
        )
        if found is None or not found.user.is_active:
            return None
        now = timezone.now()
        if found.last_used_at is None or now - found.last_used_at > _LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.user
        return found.user


api_token = ApiTokenAuth()
