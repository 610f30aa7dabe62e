import pytest

from commonweal.core import errors
from commonweal.core.ratelimit import hit, parse_rate


def test_every_error_has_a_code_a_status_and_an_actionable_message():
    for cls in [
        c for c in vars(errors).values() if isinstance(c, type) and issubclass(c, errors.CommonwealError)
    ]:
        err = cls()
        body = err.as_dict()
        assert set(body) == {"error"}
        assert set(body["error"]) == {"code", "message", "detail"}
        assert err.code and err.code != "" and 400 <= err.status < 600
        assert len(err.message) > 20, f"{cls.__name__} needs a message a person can act on"


@pytest.mark.django_db
def test_unknown_api_url_answers_in_the_one_json_error_shape(client):
    response = client.get("/api/no-such-endpoint")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"} and body["error"]["code"]


@pytest.mark.django_db
def test_unknown_page_renders_in_the_site_layout(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    text = response.content.decode()
    assert "Page not found" in text and "Skip to main content" in text


@pytest.mark.django_db
def test_pages_send_a_content_security_policy_without_inline_scripts(client):
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert "<script>" not in response.content.decode()  # no inline script in the layout


def test_rates_are_parsed_and_a_bad_rate_fails_loudly():
    assert parse_rate("120/60") == (120, 60)
    with pytest.raises(ValueError, match="count/seconds"):
        parse_rate("lots")


@pytest.mark.django_db
def test_rate_limit_refuses_the_event_past_the_allowance_with_a_retry_time():
    for _ in range(3):
        hit("test:key", "3/600", what="votes")
    with pytest.raises(errors.RateLimited) as info:
        hit("test:key", "3/600", what="votes")
    assert info.value.status == 429 and info.value.retry_after >= 1
    assert "nothing you already sent was lost" in info.value.message
    hit("test:other", "3/600", what="votes")  # another key has its own allowance


@pytest.mark.django_db
def test_health_check_touches_the_database(client):
    # The load balancer's check: the database only (the worker's part is tested with the worker's heartbeat).
    assert client.get("/healthz?scope=web").json() == {"status": "ok", "database": "ok"}
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["database"] == "ok" and body["worker"]["state"] == "absent"


@pytest.mark.django_db
def test_a_form_posted_without_its_security_token_explains_what_to_do_in_the_site_layout():
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    text = response.content.decode()
    assert "Skip to main content" in text and "reload the page" in text and "csrf_failed" in text
