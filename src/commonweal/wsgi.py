"""The WSGI application (``commonweal.wsgi:application``), as ``commonweal serve`` and any WSGI server load it."""

from __future__ import annotations

import contextlib
import ipaddress
import os
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "commonweal.settings")


def _networks(spec: Iterable[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    networks = []
    for item in (i.strip() for i in spec):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"COMMONWEAL_TRUSTED_PROXIES: {item!r} is not an address or network (e.g. 127.0.0.1 or 10.0.0.0/8)."
            ) from exc
    return networks


class TrustedProxies:
    """Behind a reverse proxy, make ``REMOTE_ADDR`` the client's address instead of the proxy's.

    Rate limits of joins and sign-in lock-outs count per address; without this, every request through the proxy
    would share the proxy's one address. Only a connection from a trusted proxy is believed, and only the part
    of ``X-Forwarded-For`` that trusted proxies appended: the right-most address that is not a trusted proxy is
    the client (anything to its left is whatever the client sent).
    """

    def __init__(self, app: Callable[..., Any], trusted: Iterable[str]) -> None:
        self.app = app
        self.trusted = _networks(trusted)

    def _is_trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address.strip().strip("[]"))
        except ValueError:
            return False
        return any(ip in net for net in self.trusted)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        peer = environ.get("REMOTE_ADDR", "")
        forwarded = environ.get("HTTP_X_FORWARDED_FOR", "")
        if self.trusted and forwarded and self._is_trusted(peer):
            hops = [h.strip() for h in forwarded.split(",") if h.strip()]
            client = next((h for h in reversed(hops) if not self._is_trusted(h)), hops[0] if hops else peer)
            # Not an address: keep the proxy's rather than trust garbage.
            with contextlib.suppress(ValueError):
                environ["REMOTE_ADDR"] = str(ipaddress.ip_address(client.strip("[]")))
        return self.app(environ, start_response)


def _build() -> Callable[..., Any]:
    app = get_wsgi_application()
    trusted = getattr(settings, "TRUSTED_PROXIES", [])
    return TrustedProxies(app, trusted) if trusted else app


application = _build()
