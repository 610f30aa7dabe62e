"""The facilitator's translation pages of a conversation, under /manage/conversations/<slug>/translations/: the
title and question in each language, one statement's translations, and the translators' CSV file (download and
upload). Participants see the translations on their pages (``{% load translations %}``)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from commonweal.accounts.decorators import manager_view
from commonweal.conversations.models import Statement
from commonweal.conversations.permissions import require
from commonweal.conversations.queries import get_conversation
from commonweal.conversations.translate import actions
from commonweal.conversations.translate.forms import (
    ConversationTranslationForm,
    StatementTranslationForm,
    TranslationsUploadForm,
)
from commonweal.conversations.translate.io import COLUMNS, export_csv
from commonweal.conversations.translate.queries import translation_languages, translation_rows
from commonweal.core.errors import ImportFailed, NotFound
from commonweal.core.http import posted, posted_files
from commonweal.core.pages import save_and_return

T = "conversations/manage/"


def _page(request: HttpRequest, conversation: Any, **context: Any) -> dict[str, Any]:
    rows = translation_rows(conversation)
    languages = translation_languages()
    return {
        "conversation": conversation,
        "system": conversation.system,
        "languages": languages,
        "rows": rows,
        "progress": [
            {"name": name, "done": sum(1 for r in rows if code in r.texts)} for code, name in languages
        ],
        "columns": COLUMNS,
        **context,
    }


@manager_view
@require_http_methods(["GET", "HEAD", "POST"])
def manage_translations(request: HttpRequest, slug: str) -> HttpResponse:
    conversation = get_conversation(slug)
    require(request.user, "conversation.edit", conversation)
    form = ConversationTranslationForm(posted(request), conversation=conversation)
    done = save_and_return(
        request,
        form,
        lambda: actions.check_save_conversation_translations(request.user, conversation, form.texts()),
        saved=lambda _: "The title and question translations are saved.",
        back=reverse("conversations:manage_translations", kwargs={"slug": conversation.slug}),
    )
    if done:
        return done
    context = _page(request, conversation, form=form, upload=TranslationsUploadForm())
    return render(request, T + "translations.html", context, status=400 if form.errors else 200)


@manager_view
@require_http_methods(["GET", "HEAD"])
def manage_translations_csv(request: HttpRequest, slug: str) -> HttpResponse:
    conversation = get_conversation(slug)
    require(request.user, "conversation.edit", conversation)
    response = HttpResponse(export_csv(conversation), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{conversation.slug}-translations.csv"'
    return response


@manager_view
@require_http_methods(["GET", "HEAD", "POST"])
def manage_translations_import(request: HttpRequest, slug: str) -> HttpResponse:
    conversation = get_conversation(slug)
    require(request.user, "conversation.edit", conversation)
    upload = TranslationsUploadForm(posted(request), posted_files(request))
    failure: ImportFailed | None = None
    if request.method == "POST" and upload.is_valid():
        file = upload.cleaned_data["file"]
        try:
            report = actions.check_import_translations(
                request.user, conversation, file.read(), filename=file.name or ""
            )
        except ImportFailed as exc:
            failure = exc
        else:
            messages.success(
                request,
                f"{report.saved} translation{'s' if report.saved != 1 else ''} imported; "
                f"{report.blank} row{'s' if report.blank != 1 else ''} left blank, so left as they were.",
            )
            return redirect("conversations:manage_translations", slug=conversation.slug)
    context = _page(
        request,
        conversation,
        upload=upload,
        failure=failure,
        errors=(failure.detail or {}).get("errors", []) if failure else [],
    )
    status = 400 if failure or upload.errors else 200
    return render(request, T + "translations_import.html", context, status=status)


@manager_view
@require_http_methods(["GET", "HEAD", "POST"])
def manage_translate_statement(request: HttpRequest, slug: str, statement_id: int) -> HttpResponse:
    conversation = get_conversation(slug)
    require(request.user, "conversation.edit", conversation)
    statement = Statement.objects.filter(conversation=conversation, pk=statement_id).first()
    if statement is None:
        raise NotFound("That statement is not in this conversation.")
    form = StatementTranslationForm(posted(request), statement=statement)
    done = save_and_return(
        request,
        form,
        lambda: actions.check_save_statement_translations(request.user, statement, form.texts()),
        saved=lambda n: f"The statement's translations are saved ({n} language{'s' if n != 1 else ''}).",
        back=reverse("conversations:manage_translations", kwargs={"slug": conversation.slug})
        + f"#statement-{statement.pk}",
    )
    if done:
        return done
    context = {
        "conversation": conversation,
        "system": conversation.system,
        "statement": statement,
        "form": form,
    }
    return render(request, T + "translate_statement.html", context, status=400 if form.errors else 200)
