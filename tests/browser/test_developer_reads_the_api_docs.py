"""A developer opens the API documentation (issue 14, item 4): Swagger UI is served from the site itself (the
site's Content-Security-Policy blocks any other origin), renders the API's operations, and logs no error."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_developer_reads_the_api_docs_and_sees_the_operations(live_server, page):
    errors: list[str] = []
    outside: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None)
    page.goto(f"{live_server.url}/api/docs")
    operations = page.locator(".opblock")
    operations.first.wait_for()
    assert operations.count() > 20
    assert page.get_by_text("/api/conversations/{slug}/join").first.is_visible()
    assert outside == [] and errors == []
    assert (
        "'unsafe-inline'"
        not in (page.request.get(f"{live_server.url}/api/docs").headers["content-security-policy"])
    )
