"""Statements and a conversation's title and question in the participant's language: a facilitator enters them
one statement at a time or through a translator's CSV file; a participant sees the translation where one exists
and the original otherwise, and their vote is on the statement whatever the language."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from commonweal.conversations.models import ConversationTranslation, StatementTranslation, Vote
from commonweal.conversations.results import standing
from commonweal.conversations.translate.actions import check_import_translations
from commonweal.conversations.translate.io import export_csv
from commonweal.core.errors import ImportFailed
from commonweal.core.small_numbers import Cell
from tests.factories import make_statement

pytestmark = pytest.mark.django_db


@pytest.fixture
def statements(conversation):
    return [
        make_statement(conversation, "Pay carers for the hours they really work"),
        make_statement(conversation, "Open the surgery on Saturday mornings"),
    ]


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def _upload(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["item", "language", "original", "translation"])
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def _join(client, conversation, language: str) -> None:
    client.post("/i18n/setlang/", {"language": language, "next": "/"})
    assert client.post(f"/c/{conversation.slug}/join/").status_code == 302
    client.post(f"/c/{conversation.slug}/about-you/", {"skip": "1"})


# --- What a participant sees -------------------------------------------------------------------------------------


def test_a_participant_reading_urdu_sees_the_translation_and_votes_on_the_statement(
    client, conversation, statements
):
    first, second = statements
    StatementTranslation.objects.create(
        statement=first, language="ur", text="دیکھ بھال کرنے والوں کو پورے گھنٹوں کی اجرت دیں"
    )
    StatementTranslation.objects.create(statement=second, language="ur", text="سرجری ہفتے کی صبح کھولیں")
    ConversationTranslation.objects.create(
        conversation=conversation, language="ur", question="ہمیں مل کر کیا کرنا چاہیے؟"
    )
    _join(client, conversation, "ur")
    page = client.get(f"/c/{conversation.slug}/").content.decode()
    assert "ہمیں مل کر کیا کرنا چاہیے؟" in page and conversation.question not in page
    urdu = {
        first.pk: "دیکھ بھال کرنے والوں کو پورے گھنٹوں کی اجرت دیں",
        second.pk: "سرجری ہفتے کی صبح کھولیں",
    }
    shown = [pk for pk, text in urdu.items() if text in page]
    assert len(shown) == 1 and first.text not in page and second.text not in page
    response = client.post(f"/c/{conversation.slug}/vote/", {"statement": shown[0], "value": 1})
    assert response.status_code == 302
    # The vote is on the statement itself, not on a translation of it.
    assert Vote.objects.get().statement_id == shown[0]
    my_votes = client.get(f"/c/{conversation.slug}/my-votes/").content.decode()
    assert urdu[shown[0]] in my_votes


def test_without_a_translation_the_original_shows_marked_as_english(client, conversation, statements):
    _join(client, conversation, "cy")
    page = client.get(f"/c/{conversation.slug}/").content.decode()
    shown = [s for s in statements if s.text in page]
    assert len(shown) == 1
    # The English original on a Welsh page says it is English, so a screen reader reads it as English.
    assert f'<p class="cw-statement__text" lang="en-gb" dir="ltr">{shown[0].text}</p>' in page
    assert f'lang="en-gb" dir="ltr">{conversation.question}</h1>' in page


def test_a_translation_in_another_language_is_not_shown(client, conversation, statements):
    for s in statements:
        StatementTranslation.objects.create(statement=s, language="cy", text=f"Cymraeg: {s.text}")
    _join(client, conversation, "ur")
    page = client.get(f"/c/{conversation.slug}/").content.decode()
    assert "Cymraeg:" not in page


def test_reading_english_asks_the_database_nothing_about_translations(client, conversation, statements):
    for s in statements:
        StatementTranslation.objects.create(statement=s, language="ur", text="ترجمہ")
    _join(client, conversation, "en-gb")
    with CaptureQueriesContext(connection) as queries:
        client.get(f"/c/{conversation.slug}/my-votes/")
    assert not [q for q in queries.captured_queries if "translation" in q["sql"]]


def test_my_votes_looks_up_every_rows_translation_in_one_query(client, conversation, statements):
    _join(client, conversation, "ur")
    for s in statements:
        client.post(f"/c/{conversation.slug}/vote/", {"statement": s.pk, "value": -1})
    with CaptureQueriesContext(connection) as queries:
        client.get(f"/c/{conversation.slug}/my-votes/")
    assert len([q for q in queries.captured_queries if "statementtranslation" in q["sql"]]) == 1


# --- The facilitator's pages -------------------------------------------------------------------------------------


def test_a_facilitator_translates_one_statement_and_an_empty_box_removes_it(
    fclient, conversation, statements
):
    first = statements[0]
    url = f"/manage/conversations/{conversation.slug}/translations/statements/{first.pk}/"
    page = fclient.get(url).content.decode()
    assert 'lang="ur" dir="rtl"' in page and 'lang="cy" dir="ltr"' in page
    response = fclient.post(url, {"text_cy": "Talu gofalwyr", "text_ur": "  نگہداشت  "})
    assert response.status_code == 302
    assert dict(first.translations.values_list("language", "text")) == {
        "cy": "Talu gofalwyr",
        "ur": "نگہداشت",
    }
    fclient.post(url, {"text_cy": "", "text_ur": "نگہداشت"})
    assert dict(first.translations.values_list("language", "text")) == {"ur": "نگہداشت"}


def test_a_translation_too_long_is_refused_and_what_was_typed_is_kept(fclient, conversation, statements):
    url = f"/manage/conversations/{conversation.slug}/translations/statements/{statements[0].pk}/"
    response = fclient.post(url, {"text_cy": "x" * 601, "text_ur": ""})
    assert response.status_code == 400
    assert "x" * 601 in response.content.decode()
    assert not StatementTranslation.objects.exists()


def test_a_facilitator_translates_the_title_and_question(fclient, conversation):
    url = f"/manage/conversations/{conversation.slug}/translations/"
    response = fclient.post(url, {"title_cy": "Ein sgwrs", "question_cy": "Beth ddylem ni ei wneud?"})
    assert response.status_code == 302
    found = ConversationTranslation.objects.get(conversation=conversation)
    assert (found.language, found.title, found.question) == ("cy", "Ein sgwrs", "Beth ddylem ni ei wneud?")
    assert not ConversationTranslation.objects.filter(language="ur").exists()


# --- The translators' CSV round trip -----------------------------------------------------------------------------


def test_the_csv_round_trip_imports_every_filled_in_translation(
    fclient, facilitator, conversation, statements
):
    exported = _rows(
        fclient.get(
            f"/manage/conversations/{conversation.slug}/translations/translations.csv"
        ).content.decode("utf-8")
    )
    assert {(r["item"], r["language"]) for r in exported} >= {
        ("title", "cy"),
        ("question", "ur"),
        (f"statement {statements[0].pk}", "cy"),
        (f"statement {statements[1].pk}", "ur"),
    }
    for r in exported:
        if r["item"] == f"statement {statements[0].pk}":
            r["translation"] = {"cy": "Talu gofalwyr", "ur": "اجرت دیں"}[r["language"]]
        if r["item"] == "question" and r["language"] == "ur":
            r["translation"] = "ہمیں کیا کرنا چاہیے؟"
    upload = SimpleUploadedFile("translations.csv", _upload(exported), content_type="text/csv")
    response = fclient.post(
        f"/manage/conversations/{conversation.slug}/translations/import/", {"file": upload}
    )
    assert response.status_code == 302
    assert dict(statements[0].translations.values_list("language", "text")) == {
        "cy": "Talu gofalwyr",
        "ur": "اجرت دیں",
    }
    assert ConversationTranslation.objects.get(language="ur").question == "ہمیں کیا کرنا چاہیے؟"
    # Downloaded again, the file carries what was imported.
    again = _rows(export_csv(conversation))
    assert {(r["item"], r["language"], r["translation"]) for r in again if r["translation"]} == {
        (f"statement {statements[0].pk}", "cy", "Talu gofalwyr"),
        (f"statement {statements[0].pk}", "ur", "اجرت دیں"),
        ("question", "ur", "ہمیں کیا کرنا چاہیے؟"),
    }


def test_a_translation_that_looks_like_a_formula_is_quoted_and_comes_back_as_typed(
    facilitator, conversation, statements
):
    StatementTranslation.objects.create(statement=statements[0], language="cy", text="=1+1 yw dau")
    rows = _rows(export_csv(conversation))
    cell = next(r["translation"] for r in rows if r["translation"])
    assert cell == "'=1+1 yw dau"
    check_import_translations(facilitator, conversation, _upload(rows))
    assert statements[0].translations.get().text == "=1+1 yw dau"


def test_bad_rows_are_each_reported_and_nothing_is_half_imported(facilitator, conversation, statements):
    first = statements[0]
    rows = [
        {"item": f"statement {first.pk}", "language": "cy", "original": "", "translation": "Talu gofalwyr"},
        {"item": "statement 999999", "language": "cy", "original": "", "translation": "Dim"},
        {"item": f"statement {first.pk}", "language": "fr", "original": "", "translation": "Payer"},
        {"item": "title", "language": "ur", "original": "", "translation": "x" * 401},
        {"item": f"statement {first.pk}", "language": "cy", "original": "", "translation": "Eto"},
        {"item": "", "language": "en-gb", "original": "", "translation": "Again"},
    ]
    with pytest.raises(ImportFailed) as failed:
        check_import_translations(facilitator, conversation, _upload(rows))
    problems = {(e["row"], e["column"]) for e in failed.value.detail["errors"]}
    assert problems == {
        (3, "item"),
        (4, "language"),
        (5, "translation"),
        (6, "item"),
        (7, "item"),
        (7, "language"),
    }
    assert not StatementTranslation.objects.exists() and not ConversationTranslation.objects.exists()


def test_a_file_that_is_not_the_translators_file_is_refused(fclient, conversation, statements):
    upload = SimpleUploadedFile("people.csv", b"name,email\nAda,ada@example.org\n", content_type="text/csv")
    response = fclient.post(
        f"/manage/conversations/{conversation.slug}/translations/import/", {"file": upload}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "The file was not imported" in page and "Unknown columns: name, email." in page
    assert not StatementTranslation.objects.exists()


def test_a_blank_translation_leaves_the_one_saved_as_it_was(facilitator, conversation, statements):
    StatementTranslation.objects.create(statement=statements[0], language="cy", text="Talu gofalwyr")
    report = check_import_translations(
        facilitator, conversation, export_csv(conversation).replace("Talu gofalwyr", "").encode()
    )
    assert (report.saved, statements[0].translations.get().text) == (0, "Talu gofalwyr")


def test_where_you_stand_words_its_numbers_in_the_participants_language():
    # The pages' own words, not the facilitator's translations: the shares, group names and sizes.
    with translation.override("ur"):
        assert standing._share_words(0.7, "agree") == "اس پر ووٹ دینے والے ہر 10 میں سے 7 متفق ہیں"
        assert standing._group_label(1) == "گروپ B"
        assert standing._people_words(Cell("", 12)) == "12 افراد"
    with translation.override("cy"):
        assert standing._group_label(0) == "Grŵp A"
    assert standing._share_words(1.0, "disagree") == "everyone who voted on it disagrees"
    assert standing._people_words(Cell("", 1)) == "1 person"


# --- The participant JSON API -----------------------------------------------------------------------------------


def _api_join(client, conversation, language: str) -> str:
    joined = client.post(
        f"/api/conversations/{conversation.slug}/join",
        data={},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert joined.status_code == 201, joined.content
    return joined.json()


def test_the_participant_api_answers_in_the_language_the_client_asks_for(client, conversation, statements):
    first, second = statements
    StatementTranslation.objects.create(statement=first, language="cy", text="Talu gofalwyr am eu horiau")
    ConversationTranslation.objects.create(conversation=conversation, language="cy", title="Ein sgwrs")
    joined = _api_join(client, conversation, "cy")
    assert joined["conversation"]["title"] == "Ein sgwrs"
    assert joined["conversation"]["question"] == conversation.question  # not translated: the original
    headers = {"HTTP_X_PARTICIPANT_TOKEN": joined["token"], "HTTP_ACCEPT_LANGUAGE": "cy"}
    listed = client.get(f"/api/conversations/{conversation.slug}/statements", **headers).json()["items"]
    by_id = {s["id"]: s for s in listed}
    assert (by_id[first.pk]["text"], by_id[first.pk]["language"], by_id[first.pk]["translated"]) == (
        "Talu gofalwyr am eu horiau",
        "cy",
        True,
    )
    assert (by_id[second.pk]["text"], by_id[second.pk]["language"], by_id[second.pk]["translated"]) == (
        "Open the surgery on Saturday mornings",
        "en-gb",
        False,
    )
    # A vote is on the statement whatever the language; my votes come back in Welsh too.
    voted = client.post(
        f"/api/conversations/{conversation.slug}/votes",
        data={"statement_id": first.pk, "value": 1},
        content_type="application/json",
        **headers,
    )
    assert voted.status_code == 201 and Vote.objects.get(statement=first).value == 1
    mine = client.get(f"/api/conversations/{conversation.slug}/my-votes", **headers).json()
    assert [v["statement"]["text"] for v in mine] == ["Talu gofalwyr am eu horiau"]
    # Without the header (or asking for English) the original, marked as such.
    plain = client.get(f"/api/conversations/{conversation.slug}/statements").json()["items"]
    assert {s["text"] for s in plain} == {first.text, second.text}
    assert {(s["language"], s["translated"]) for s in plain} == {("en-gb", False)}


def test_the_next_statement_comes_in_the_clients_language(client, conversation, statements):
    for s in statements:
        StatementTranslation.objects.create(statement=s, language="ur", text=f"اردو {s.pk}")
    joined = _api_join(client, conversation, "ur")
    got = client.get(
        f"/api/conversations/{conversation.slug}/next",
        HTTP_X_PARTICIPANT_TOKEN=joined["token"],
        HTTP_ACCEPT_LANGUAGE="ur",
    ).json()["statement"]
    assert got["text"] == f"اردو {got['id']}" and got["language"] == "ur" and got["translated"] is True


def test_a_page_of_statements_looks_up_its_translations_in_one_query(client, conversation, statements):
    more = [make_statement(conversation, f"Statement {i}") for i in range(8)]
    for s in [*statements, *more]:
        StatementTranslation.objects.create(statement=s, language="cy", text=f"Datganiad {s.pk}")
    path = f"/api/conversations/{conversation.slug}/statements"

    def queries(limit: int) -> int:
        with CaptureQueriesContext(connection) as seen:
            assert client.get(path, {"limit": limit}, HTTP_ACCEPT_LANGUAGE="cy").status_code == 200
        return sum("statementtranslation" in q["sql"] for q in seen.captured_queries)

    assert queries(2) == queries(10) == 1
