"""The strategy's exports (CSV and JSON), for facilitators, each download audited; and the strategy report: a
page and a PDF for facilitators, and secret revocable links that open both for a board without accounts."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from commonweal.accounts.decorators import manager_view
from commonweal.core import audit
from commonweal.core.errors import NotFound, RateLimited
from commonweal.core.http import client_address, pdf_download, posted, public_address, secret_link_headers
from commonweal.core.pages import save_and_return
from commonweal.reports.report.pdf import pdf_pending
from commonweal.strategy.aims.views import system_for
from commonweal.strategy.models import StrategyShare
from commonweal.strategy.permissions import can
from commonweal.strategy.report import actions, pdf
from commonweal.strategy.report.build import EXPORTS, strategy_json
from commonweal.strategy.report.forms import ShareForm
from commonweal.strategy.report.summary import StrategyReport, build_report


@manager_view
@require_http_methods(["GET", "HEAD"])
def export(request: HttpRequest, system: str, name: str) -> HttpResponse:
    obj = system_for(request, system)
    if name == "strategy.json":
        body, content_type = json.dumps(strategy_json(obj), indent=1), "application/json"
    elif name in EXPORTS:
        content_type, build = EXPORTS[name]
        body = build(obj)
    else:
        raise NotFound(
            "There is no such export: choose aims.csv, commitments.csv, updates.csv or strategy.json."
        )
    audit.record(request.user, "strategy.export", obj, after={"file": name}, system=obj)
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{obj.slug}-{name}"'
    return response


# --- The strategy report: a page, a PDF and secret revocable links ------------------------------------------------


_private = secret_link_headers


def _pdf(request: HttpRequest, report: StrategyReport, *, back: str) -> HttpResponse:
    """The report's PDF; while it is still rendering, a page with its progress that asks again by itself."""
    found = pdf.report_pdf_or_pending(report, wait=settings.REPORT_PDF_WAIT_SECONDS)
    if isinstance(found, bytes):
        return pdf_download(found, pdf.filename(report))
    return pdf_pending(request, found, title=f"Strategy report: {report.system.name}", back=back)


def _share_url(request: HttpRequest, share: StrategyShare) -> str:
    return public_address(request, reverse("strategy:shared_report", kwargs={"token": share.token}))


@manager_view
@require_http_methods(["GET", "HEAD", "POST"])
def report(request: HttpRequest, system: str) -> HttpResponse:
    """The report for facilitators, with its links: a POST makes a new link (labelled)."""
    obj = system_for(request, system)
    form = ShareForm(posted(request))
    done = save_and_return(
        request,
        form,
        lambda: actions.check_create_share(request.user, obj, form.cleaned_data["label"]),
        saved=lambda s: f"The link for {s.label} is ready: copy it and send it.",
        # To the new link itself, not the top of a long report.
        back=lambda s: (
            reverse("strategy:report", kwargs={"system": obj.slug}) + f"?created={s.pk}#share-{s.pk}"
        ),
    )
    if done:
        return done
    shares = [
        (s, _share_url(request, s)) for s in StrategyShare.objects.filter(system=obj, revoked_at__isnull=True)
    ]
    context = {
        "system": obj,
        "report": build_report(obj),
        "form": form,
        "shares": shares,
        "can_edit": can(request.user, "strategy.edit", obj),
        "created": request.GET.get("created", ""),  # the link just made: it says so beside its address
    }
    return render(request, "strategy/report.html", context)


@manager_view
@require_http_methods(["GET", "HEAD"])
def report_pdf(request: HttpRequest, system: str) -> HttpResponse:
    obj = system_for(request, system)
    return _pdf(request, build_report(obj), back=reverse("strategy:report", kwargs={"system": obj.slug}))


# The method first: a GET is refused (405) for everyone, signed in or not; revoking is a button on the report.
@require_http_methods(["POST"])
@manager_view
def share_revoke(request: HttpRequest, system: str, pk: int) -> HttpResponse:
    obj = system_for(request, system, "strategy.edit")
    share = StrategyShare.objects.filter(system=obj, pk=pk).first()
    if share is None:
        raise NotFound("That link is not this system's. Go back to the strategy report.")
    actions.do_revoke_share(request.user, share)
    messages.success(request, f"The link for {share.label} is revoked: it no longer opens the report.")
    return redirect(reverse("strategy:report", kwargs={"system": obj.slug}) + "#report-links")


def _open(request: HttpRequest, token: str) -> StrategyShare | HttpResponse:
    try:
        return actions.open_share(token, ip=client_address(request))
    except NotFound as exc:
        return _private(render(request, "core/error.html", {"error": exc}, status=404))
    except RateLimited as exc:
        response = render(request, "core/error.html", {"error": exc}, status=429)
        response["Retry-After"] = str(exc.retry_after)
        return _private(response)


@require_http_methods(["GET", "HEAD"])
def shared_report(request: HttpRequest, token: str) -> HttpResponse:
    opened = _open(request, token)
    if isinstance(opened, HttpResponse):
        return opened
    context = {"system": opened.system, "report": build_report(opened.system), "token": token}
    return _private(render(request, "strategy/report_shared.html", context))


@require_http_methods(["GET", "HEAD"])
def shared_report_pdf(request: HttpRequest, token: str) -> HttpResponse:
    opened = _open(request, token)
    if isinstance(opened, HttpResponse):
        return opened
    back = reverse("strategy:shared_report", kwargs={"token": token})
    return _private(_pdf(request, build_report(opened.system), back=back))
