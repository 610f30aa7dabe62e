"""The report pages: a conversation's board report for its facilitators and moderators, its PDF, its secret
links (create, list, revoke) and what a link opens for someone without an account.

The shared report (/r/<token>/) is the same report with no way into the app: no header links, no footer links,
kept out of search engines (``noindex``), shared caches (``Cache-Control: private, no-store``) and other sites'
``Referer`` headers (``Referrer-Policy: no-referrer``). An unknown or revoked token is a plain 404 page.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from commonweal.accounts.decorators import manager_view
from commonweal.conversations.models import Conversation
from commonweal.conversations.queries import get_conversation
from commonweal.core.errors import Conflict, NotFound, RateLimited
from commonweal.core.http import client_address, pdf_download, public_address, secret_link_headers
from commonweal.core.pages import save_and_return
from commonweal.reports.models import ReportShare
from commonweal.reports.permissions import can, require
from commonweal.reports.report import actions, pdf
from commonweal.reports.report.build import build_report
from commonweal.reports.report.forms import ShareForm


def share_url(request: HttpRequest, share: ReportShare) -> str:
    """The link a board member opens: on the public address when one is set."""
    return public_address(request, reverse("reports:shared", kwargs={"token": share.token}))


_private = secret_link_headers


def _pdf_response(request: HttpRequest, conversation: Conversation, *, back: str) -> HttpResponse:
    """The report's PDF; while it is still rendering, a page with its progress that asks again by itself."""
    found = pdf.report_pdf_or_pending(conversation, wait=settings.REPORT_PDF_WAIT_SECONDS)
    if isinstance(found, bytes):
        return pdf_download(found, pdf.filename(conversation))
    return pdf.pdf_pending(request, found, title=conversation.title, back=back)


def _report_page(
    request: HttpRequest, conversation: Conversation, form: ShareForm, *, status: int = 200
) -> HttpResponse:
    can_share = can(request.user, "report.share", conversation)
    shares = [(s, share_url(request, s)) for s in actions.active_shares(conversation)] if can_share else []
    return render(
        request,
        "reports/report.html",
        {
            "report": build_report(conversation),
            "conversation": conversation,
            "system": conversation.system,
            "can_share": can_share,
            "shares": shares,
            "created": request.GET.get("created", ""),  # the link just made: its field says it is ready
            "form": form,
        },
        status=status,
    )


# --- Facilitators and moderators --------------------------------------------------------------------------------


@manager_view
@require_GET
def report(request: HttpRequest, slug: str) -> HttpResponse:
    conversation = get_conversation(slug)
    require(request.user, "report.view", conversation)
    return _report_page(request, conversation, ShareForm())


@manager_view
@require_http_methods(["GET", "HEAD"])  # HEAD: the progress page asks whether the PDF is ready
def report_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    conversation = get_conversation(slug)
    require(request.user, "report.view", conversation)
    return _pdf_response(
        request, conversation, back=reverse("reports:report", kwargs={"slug": conversation.slug})
    )


@manager_view
@require_POST
def share(request: HttpRequest, slug: str) -> HttpResponse:
    conversation = get_conversation(slug)
    require(request.user, "report.share", conversation)
    form = ShareForm(request.POST)
    done = save_and_return(
        request,
        form,
        lambda: actions.check_create_share(request.user, conversation, form.cleaned_data["label"]),
        saved=lambda created: f"Link created for {created.label}.",
        # To the new link itself, not the top of a long report.
        back=lambda created: (
            reverse("reports:report", kwargs={"slug": conversation.slug})
            + f"?created={created.pk}#share-{created.pk}"
        ),
    )
    return done or _report_page(request, conversation, form, status=400)


@manager_view
@require_http_methods(["GET", "HEAD", "POST"])
def share_revoke(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    conversation = get_conversation(slug)
    require(request.user, "report.share", conversation)
    target = ReportShare.objects.filter(conversation=conversation, pk=pk).first()
    if target is None:
        raise NotFound("That report link is not in this conversation. Go back to the report.")
    back = reverse("reports:report", kwargs={"slug": conversation.slug}) + "#report-links"
    if request.method == "POST":
        try:
            actions.check_revoke_share(request.user, target)
        except Conflict as exc:
            messages.info(request, exc.message)
        else:
            messages.success(
                request, f"The link for {target.label} is revoked: it no longer opens the report."
            )
        return redirect(back)
    return render(
        request,
        "reports/share_revoke.html",
        {"conversation": conversation, "system": conversation.system, "share": target, "back": back},
    )


# --- Anyone holding a link ---------------------------------------------------------------------------------------


def _open(request: HttpRequest, token: str) -> ReportShare | HttpResponse:
    try:
        return actions.open_share(token, ip=client_address(request))
    except NotFound as exc:
        return _private(render(request, "reports/shared_missing.html", {"error": exc}, status=404))
    except RateLimited as exc:
        response = render(request, "reports/shared_slow_down.html", {"error": exc}, status=429)
        response["Retry-After"] = str(exc.retry_after)
        return _private(response)


@require_GET
def shared(request: HttpRequest, token: str) -> HttpResponse:
    opened = _open(request, token)
    if isinstance(opened, HttpResponse):
        return opened
    context: dict[str, Any] = {"report": build_report(opened.conversation), "token": token}
    return _private(render(request, "reports/shared.html", context))


@require_http_methods(["GET", "HEAD"])  # HEAD: the progress page asks whether the PDF is ready
def shared_pdf(request: HttpRequest, token: str) -> HttpResponse:
    opened = _open(request, token)
    if isinstance(opened, HttpResponse):
        return opened
    back = reverse("reports:shared", kwargs={"token": token})
    return _private(_pdf_response(request, opened.conversation, back=back))
