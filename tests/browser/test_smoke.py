from .conftest import assert_accessible


def test_visitor_opens_the_start_page_and_finds_the_sign_in(live_server, page):
    page.goto(live_server.url + "/")
    assert page.get_by_role("heading", level=1).inner_text() == "commonweal"
    assert page.get_by_role("link", name="Sign in as a facilitator").is_visible()
    assert_accessible(page)


def test_start_page_loads_without_console_errors_or_requests_to_other_sites(live_server, page):
    errors: list[str] = []
    foreign: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "request", lambda req: foreign.append(req.url) if not req.url.startswith(live_server.url) else None
    )
    page.goto(live_server.url + "/")
    page.wait_for_load_state("networkidle")
    assert errors == [], f"console errors (a CSP violation or a script error): {errors}"
    assert foreign == [], f"the page asked other sites for: {foreign}"
