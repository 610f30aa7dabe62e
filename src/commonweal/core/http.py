"""Reading a request the same way in every app: htmx requests, posted data and the client's address."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils.datastructures import MultiValueDict


def is_htmx(request: HttpRequest) -> bool:
    """True when htmx asks for a fragment of a page to swap in.

    A boosted link or form (``hx-boost``) sends ``HX-Request`` too, but it stands for an ordinary page load and
    wants the whole page back, so it is not counted.
    """
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-Boosted") != "true"


def posted(request: HttpRequest) -> QueryDict | None:
    """The posted data, or None for a GET: an empty POST still binds the form, so it reports what is missing."""
    return request.POST if request.method == "POST" else None


def posted_files(request: HttpRequest) -> MultiValueDict[str, UploadedFile[Any]] | None:
    """The uploaded files of a POST, or None for a GET (the companion of :func:`posted` for upload forms)."""
    return request.FILES if request.method == "POST" else None


def client_address(request: HttpRequest) -> str | None:
    """The address the request came from, or None when the server was not told.

    Only ``REMOTE_ADDR`` is believed: behind a reverse proxy, ``wsgi.py`` rewrites it from ``X-Forwarded-For``
    for the proxies in ``COMMONWEAL_TRUSTED_PROXIES``, and nothing else a client sends is trusted.
    """
    return request.META.get("REMOTE_ADDR") or None


def public_address(request: HttpRequest, path: str) -> str:
    """The full address of a link people are given (a participant link, a survey or mapping link, a secret report
    link; what a QR code encodes): on the public address when one is set (``COMMONWEAL_PUBLIC_URL``), since
    facilitators may be working from an internal one."""
    if settings.PUBLIC_URL:
        return str(settings.PUBLIC_URL) + path
    return request.build_absolute_uri(path)


def secret_link_headers(response: HttpResponse) -> HttpResponse:
    """The headers of every page a secret link opens (or fails to): out of shared caches, out of other sites'
    Referer headers and out of search engines."""
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def pdf_download(body: bytes, filename: str) -> HttpResponse:
    """A PDF as a download named ``filename``."""
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
