"""The request helpers every app's views share (commonweal.core.http)."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory

from commonweal.core.http import client_address, is_htmx, posted, posted_files

rf = RequestFactory()


def test_is_htmx_only_for_a_fragment_request() -> None:
    assert is_htmx(rf.get("/", HTTP_HX_REQUEST="true"))
    assert not is_htmx(rf.get("/"))
    # A boosted link is an ordinary page load: it wants the whole page back.
    assert not is_htmx(rf.get("/", HTTP_HX_REQUEST="true", HTTP_HX_BOOSTED="true"))


def test_posted_binds_an_empty_post_but_not_a_get() -> None:
    assert posted(rf.get("/?name=x")) is None
    empty = posted(rf.post("/"))
    assert empty is not None and not empty
    assert posted(rf.post("/", {"name": "x"}))["name"] == "x"  # type: ignore[index]


def test_posted_files_only_for_a_post() -> None:
    upload = SimpleUploadedFile("a.csv", b"name\n")
    assert posted_files(rf.get("/")) is None
    files = posted_files(rf.post("/", {"file": upload}))
    assert files is not None and files["file"].name == "a.csv"


def test_client_address_is_remote_addr_or_none() -> None:
    assert client_address(rf.get("/", REMOTE_ADDR="203.0.113.9")) == "203.0.113.9"
    request = rf.get("/")
    request.META.pop("REMOTE_ADDR", None)
    assert client_address(request) is None
    # A header the client sets is not believed: only wsgi.py may rewrite REMOTE_ADDR.
    assert client_address(rf.get("/", REMOTE_ADDR="", HTTP_X_FORWARDED_FOR="198.51.100.1")) is None
