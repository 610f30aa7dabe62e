"""A facilitator translates a statement into Urdu on its own page, then a translator's CSV file with one bad row is
refused whole and, fixed, imported; axe-clean on a phone."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from commonweal.conversations.models import StatementTranslation
from tests.factories import PASSWORD, make_conversation, make_facilitator, make_statements

from .conftest import assert_accessible, assert_no_horizontal_scroll

pytestmark = pytest.mark.django_db(transaction=True)


def _sign_in(page, base: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill("fran")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/manage/$"))


def _check(page) -> None:
    assert_accessible(page)
    assert_no_horizontal_scroll(page)


def test_facilitator_translates_statements_for_urdu_and_welsh_readers(
    live_server, phone_page, tmp_path: Path
):
    conversation = make_conversation(title="Riverside together")
    first, second = make_statements(conversation, 2)
    make_facilitator(conversation.system, username="fran")
    page = phone_page
    _sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/manage/conversations/{conversation.slug}/")
    page.get_by_role("link", name="Translations").click()
    page.wait_for_url(re.compile(r"/translations/$"))
    _check(page)

    page.get_by_role("link", name=f"Translate statement {first.pk}").click()
    _check(page)
    page.get_by_label("Urdu (ur)").fill("ایک بیان")
    page.get_by_role("button", name="Save the translations").click()
    page.wait_for_url(re.compile(rf"/translations/#statement-{first.pk}$"))
    assert "translations are saved (1 language)" in page.locator(".cw-messages").inner_text()
    assert first.translations.get().text == "ایک بیان"

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the translators' file (CSV)").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    for row in rows:
        if row["item"] == f"statement {second.pk}":
            row["translation"] = {"cy": "Ail ddatganiad", "ur": "دوسرا بیان"}[row["language"]]
    bad = [*rows, {"item": "statement 999999", "language": "cy", "original": "", "translation": "Dim"}]

    def upload(name: str, data: list[dict[str, str]]) -> None:
        out = tmp_path / name
        with out.open("w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=["item", "language", "original", "translation"])
            writer.writeheader()
            writer.writerows(data)
        page.get_by_label("The translators' CSV file").set_input_files(str(out))
        page.get_by_role("button", name="Check and import").click()

    page.get_by_role("link", name="upload the file").click()
    upload("bad.csv", bad)
    assert "The file was not imported" in page.locator(".nhsuk-error-summary").inner_text()
    assert (
        "is not the title, the question or a statement"
        in page.locator("#import-problems ~ table").inner_text()
    )
    _check(page)
    assert not StatementTranslation.objects.filter(statement=second).exists()  # nothing half-imported

    upload("good.csv", rows)
    page.wait_for_url(re.compile(r"/translations/$"))
    assert "3 translations imported" in page.locator(".cw-messages").inner_text()
    assert dict(second.translations.values_list("language", "text")) == {
        "cy": "Ail ddatganiad",
        "ur": "دوسرا بیان",
    }
