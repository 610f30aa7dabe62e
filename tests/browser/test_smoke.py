from .conftest import assert_accessible


def test_visitor_opens_the_start_page_and_finds_the_sign_in(live_server, page):
    page.goto(live_server.url + "/")
    assert page.get_by_role("heading", level=1).inner_text() == "commonweal"
    assert page.get_by_role("link", name="Sign in as a facilitator").is_visible()
    assert_accessible(page)
