"""The pages people meet on the demo keep the site's Content-Security-Policy (issue 14, item 17): the moderation
queue, the results, the report, the map and the relationship survey, with the demo's data in them, log no policy
violation (an inline style) and no console error."""

from __future__ import annotations

import re

import pytest

from commonweal.conversations.models import Conversation
from commonweal.network.models import SurveyInvitation, SurveyRound
from tests.factories import PASSWORD, make_admin

from .conftest import STEP_TIMEOUT_MS
from .test_facilitator_watches_common_ground_appear_live import WATCH

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("viewport", [(1366, 900), (390, 844)], ids=["desktop", "phone"])
def test_the_demo_pages_log_no_policy_violation(live_server, browser, loaded_demo, viewport):
    conversation = Conversation.objects.get(system__slug="riverside", imported_from="")
    invitation = SurveyInvitation.objects.filter(round__status=SurveyRound.Status.OPEN).first()
    admin = make_admin()
    width, height = viewport
    context = browser.new_context(
        viewport={"width": width, "height": height},
        is_mobile=width < 500,
        has_touch=width < 500,
        locale="en-GB",
    )
    context.set_default_timeout(STEP_TIMEOUT_MS)
    context.add_init_script(WATCH)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(admin.username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/manage/$"))

    slug = conversation.slug
    paths = [
        f"/manage/conversations/{slug}/moderation/",
        f"/manage/conversations/{slug}/results/",
        f"/manage/conversations/{slug}/report/",
        f"/manage/conversations/{slug}/dashboard/",
        "/manage/systems/riverside/network/",
        "/manage/systems/riverside/network/map/",
        "/manage/systems/riverside/strategy/participation/",
        "/manage/systems/riverside/strategy/a-year-later/",
        "/manage/systems/riverside/strategy/report/",
        f"/survey/{invitation.token}/",
    ]
    problems = []
    for path in paths:
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 200, path
        page.wait_for_load_state("load")
        page.wait_for_timeout(300)
        violations = page.evaluate("() => window.__csp")
        logged = [e for e in errors if not e.startswith("Failed to load resource")]
        errors.clear()
        if violations or logged:
            problems.append(f"{path}: {sorted(set(violations))} {logged[:3]}")

    # What people do on them: accept a statement (htmx swaps the queue), start the survey, pick and rate partners.
    def check(where: str) -> None:
        page.wait_for_timeout(300)
        violations = page.evaluate("() => window.__csp")
        logged = [e for e in errors if not e.startswith("Failed to load resource")]
        errors.clear()
        if violations or logged:
            problems.append(f"{where}: {sorted(set(violations))} {logged[:3]}")

    page.goto(f"{live_server.url}/manage/conversations/{slug}/moderation/")
    accept = page.locator("[data-queue-accept]").first
    if accept.count():
        accept.click()
        page.wait_for_load_state("networkidle")
        check("moderation, after accepting")
    page.goto(f"{live_server.url}/survey/{invitation.token}/")
    page.get_by_role("button", name=re.compile("Start")).first.click()
    page.wait_for_url(re.compile(r"/partners/$"))
    page.locator(".cw-pick").first.check()
    page.wait_for_load_state("networkidle")
    check("survey partners")
    page.get_by_role("button", name="Save and rate your partners").click()
    page.wait_for_load_state("load")
    check("survey rating")
    context.close()
    assert not problems, "\n".join(problems)
