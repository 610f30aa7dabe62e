"""The relationship survey's pages.

Facilitators (``network.view`` / ``network.edit``) list, open, close and reopen rounds under
/manage/systems/<system>/network/rounds/, and hand each organisation its secret link (as a table, a QR code and a
CSV file for a mail merge).

Respondents need no account: the organisation's link (/survey/<token>/) starts a response, and the response's
own key (/survey/<token>/r/<key>/...) is what lets them resume, from any device. A cookie limited to the link's
path remembers the key, so opening the organisation's link again offers to carry on. Every page works with
plain form posts (POST, redirect, GET); with JavaScript, htmx saves answers as they change and filters the
partners as you type.
"""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import quote, urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from commonweal.accounts.decorators import manager_view
from commonweal.core.errors import CommonwealError, InvalidInput, NotFound
from commonweal.core.http import is_htmx, posted, public_address
from commonweal.core.pages import save_and_return
from commonweal.core.spreadsheet import SpreadsheetWriter
from commonweal.network.models import (
    INTENSITY_DEFINITIONS,
    ITEM_SCALE,
    TRUST_ITEMS,
    VALUE_ITEMS,
    Contribution,
    SurveyInvitation,
    SurveyResponse,
)
from commonweal.network.permissions import can, require
from commonweal.network.survey import actions
from commonweal.network.survey.forms import (
    ClosenessForm,
    PartnerFilterForm,
    PickForm,
    RatingForm,
    RoundForm,
    StartForm,
)
from commonweal.network.survey.queries import get_round, round_links, round_rows, suggested_partners
from commonweal.systems.models import Organisation
from commonweal.systems.queries import get_system

R = "network/rounds/"
S = "network/survey/"
#: The cookie that remembers a respondent's key, one per organisation link (its path is the link's).
KEY_COOKIE = "cw_survey_key"
KEY_COOKIE_AGE = 400 * 24 * 3600  # a round can stay open for a year; browsers cap cookies at 400 days


def absolute(request: HttpRequest, path: str) -> str:
    """A full address for a link respondents are given: on the public address when one is set, since
    facilitators may be working from an internal one."""
    return public_address(request, path)


def survey_link(request: HttpRequest, invitation: SurveyInvitation) -> str:
    return absolute(request, reverse("network:survey_start", kwargs={"token": invitation.token}))


# --- Facilitator pages: rounds --------------------------------------------------------------------------------


@manager_view
@require_GET
def round_list(request: HttpRequest, system: str) -> HttpResponse:
    obj = get_system(system)
    require(request.user, "network.view", obj)
    return render(
        request,
        R + "round_list.html",
        {"system": obj, "rounds": round_rows(obj), "can_edit": can(request.user, "network.edit", obj)},
    )


@manager_view
@require_http_methods(["GET", "HEAD", "POST"])
def round_create(request: HttpRequest, system: str) -> HttpResponse:
    obj = get_system(system)
    require(request.user, "network.edit", obj)
    form = RoundForm(posted(request))
    done = save_and_return(
        request,
        form,
        lambda: actions.check_open_round(request.user, obj, **form.cleaned_data),
        saved=lambda survey_round: (
            f"The round {survey_round.name} is open. Send each organisation its link below."
        ),
        back=lambda survey_round: reverse(
            "network:round_detail", kwargs={"system": obj.slug, "round_id": survey_round.pk}
        ),
    )
    if done:
        return done
    n_organisations = obj.organisations.count()
    return render(
        request,
        R + "round_form.html",
        {"system": obj, "form": form, "n_organisations": n_organisations},
        status=400 if form.errors else 200,
    )


@manager_view
@require_GET
def round_detail(request: HttpRequest, system: str, round_id: int) -> HttpResponse:
    obj = get_system(system)
    require(request.user, "network.view", obj)
    survey_round = get_round(obj, round_id)
    can_edit = can(request.user, "network.edit", obj)
    added = []
    if survey_round.is_open and can_edit:
        # Organisations added to the system since the round opened get their link now.
        added = actions.do_issue_missing_links(request.user, survey_round)
    links = round_links(survey_round)
    return render(
        request,
        R + "round_detail.html",
        {
            "system": obj,
            "round": survey_round,
            "links": links,
            "rows": [(row, survey_link(request, row.invitation)) for row in links.rows],
            "added": added,
            "can_edit": can_edit,
        },
    )


@manager_view
@require_POST
def round_status(request: HttpRequest, system: str, round_id: int) -> HttpResponse:
    obj = get_system(system)
    require(request.user, "network.edit", obj)
    survey_round = get_round(obj, round_id)
    status = request.POST.get("status", "")
    try:
        actions.check_change_round_status(request.user, survey_round, status)
    except CommonwealError as exc:
        messages.error(request, exc.message)
    else:
        if survey_round.is_open:
            messages.success(request, f"The round {survey_round.name} is open again: the same links work.")
        else:
            messages.success(
                request,
                f"The round {survey_round.name} is closed: respondents can read their answers but not change them.",
            )
    return redirect("network:round_detail", system=obj.slug, round_id=survey_round.pk)


@manager_view
@require_GET
def round_links_csv(request: HttpRequest, system: str, round_id: int) -> HttpResponse:
    obj = get_system(system)
    require(request.user, "network.view", obj)
    survey_round = get_round(obj, round_id)
    out = io.StringIO()
    # The last two columns are counts of people; the others are text, guarded against formula injection.
    writer = SpreadsheetWriter(out, numbers=[5, 6])
    writer.writerow(["organisation", "sector", "identifier", "round", "link", "people_answered", "submitted"])
    for row in round_links(survey_round).rows:
        org = row.invitation.organisation
        writer.writerow(
            [
                org.name,
                org.get_sector_display(),
                f"{org.identifier_scheme}-{org.identifier}" if org.identifier else "",
                survey_round.name,
                survey_link(request, row.invitation),
                row.answered.display,
                row.submitted.display,
            ]
        )
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    filename = f"survey-links-{obj.slug}-{survey_round.pk}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@manager_view
@require_GET
def round_qr(request: HttpRequest, system: str, round_id: int, organisation_id: int) -> HttpResponse:
    obj = get_system(system)
    require(request.user, "network.view", obj)
    survey_round = get_round(obj, round_id)
    invitation = (
        survey_round.invitations.select_related("organisation")
        .filter(organisation_id=organisation_id)
        .first()
    )
    if invitation is None:
        raise NotFound("That organisation has no link in this round. Open the round's page to create it.")
    out = io.BytesIO()
    segno.make(survey_link(request, invitation), error="m").save(
        out,
        kind="svg",
        scale=8,
        border=4,
        xmldecl=False,
        title=f"QR code of the survey link for {invitation.organisation.name}",
    )
    return HttpResponse(out.getvalue(), content_type="image/svg+xml")


# --- Respondent pages: helpers ---------------------------------------------------------------------------------


def _invitation(token: str) -> SurveyInvitation:
    invitation = (
        SurveyInvitation.objects.select_related("round__system", "organisation").filter(token=token).first()
    )
    if invitation is None:
        raise NotFound(
            _(
                "We could not find a survey at this link. Check the link or QR code you were given, or ask the "
                "person who sent it for your organisation's link."
            )
        )
    return invitation


def _response(invitation: SurveyInvitation, key: str) -> SurveyResponse:
    response = SurveyResponse.objects.filter(invitation=invitation, key=key).first()
    if response is None:
        raise NotFound(
            _(
                "We could not find your answers at this link. Check that you copied the whole link, or start "
                "again from your organisation's link."
            )
        )
    response.invitation = invitation  # the round, system and organisation are already loaded
    return response


def _remembered(request: HttpRequest, invitation: SurveyInvitation) -> SurveyResponse | None:
    key = request.COOKIES.get(KEY_COOKIE, "")
    if not key:
        return None
    response = SurveyResponse.objects.filter(invitation=invitation, key=key).first()
    if response is not None:
        response.invitation = invitation
    return response


def _remember(request: HttpRequest, out: HttpResponse, response: SurveyResponse) -> HttpResponse:
    invitation = response.invitation
    if request.COOKIES.get(KEY_COOKIE) != response.key:
        out.set_cookie(
            KEY_COOKIE,
            response.key,
            max_age=KEY_COOKIE_AGE,
            path=reverse("network:survey_start", kwargs={"token": invitation.token}),
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
    return out


def _url(name: str, response: SurveyResponse, **kw: Any) -> str:
    return reverse(f"network:{name}", kwargs={"token": response.invitation.token, "key": response.key, **kw})


def _context(request: HttpRequest, response: SurveyResponse | None, **kw: Any) -> dict[str, Any]:
    invitation = kw.pop("invitation", None) or (response.invitation if response else None)
    ctx: dict[str, Any] = {
        "invitation": invitation,
        "round": invitation.round if invitation else None,
        "organisation": invitation.organisation if invitation else None,
        "system": invitation.round.system if invitation else None,
        "survey_response": response,
    }
    if response is not None:
        assert invitation is not None  # the response's own invitation at least
        resume = absolute(request, _url("survey_check", response))
        ctx["resume_link"] = resume
        ctx["resume_mailto"] = "mailto:?" + urlencode(
            {
                "subject": _("My link to the relationship survey of %(system)s")
                % {"system": invitation.round.system.name},
                "body": _("To carry on with the survey for %(organisation)s, open:")
                % {"organisation": invitation.organisation.name}
                + f"\n{resume}",
            },
            quote_via=quote,
        )
    return {**ctx, **kw}


# --- Respondent pages ---------------------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def survey_start(request: HttpRequest, token: str) -> HttpResponse:
    invitation = _invitation(token)
    remembered = _remembered(request, invitation)
    form = StartForm(posted(request))
    if request.method == "POST":
        actions.require_open(invitation.round)
        if form.is_valid():
            response = actions.do_start_response(invitation, **form.cleaned_data)
            return _remember(request, redirect(_url("survey_partners", response)), response)
    others = invitation.round.system.organisations.exclude(pk=invitation.organisation_id).count()
    ctx = _context(
        request,
        None,
        invitation=invitation,
        form=form,
        remembered=remembered,
        n_partners=others,
        continue_url=_url("survey_check", remembered) if remembered else "",
    )
    return render(request, S + "start.html", ctx, status=400 if form.errors else 200)


def _filter_form(request: HttpRequest, invitation: SurveyInvitation, data: Any) -> PartnerFilterForm:
    places = list(invitation.round.system.places.order_by("name"))
    return PartnerFilterForm(data, places=places)


def _partners_page(
    request: HttpRequest,
    response: SurveyResponse,
    filters: PartnerFilterForm,
    *,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    invitation = response.invitation
    everyone = Organisation.objects.filter(system_id=invitation.round.system_id).exclude(
        pk=invitation.organisation_id
    )
    shown = list(filters.filtered(everyone).prefetch_related("places").order_by("name", "pk"))
    picked = actions.picked_partners(response)
    picked_ids = {o.pk for o in picked}
    # Suggested partners first (last round's partners and those who named this organisation), each saying why.
    reasons = suggested_partners(invitation)
    for o in shown:
        o.suggested_because = reasons.get(o.pk, [])
    ctx = _context(
        request,
        response,
        filters=filters,
        shown=shown,
        suggested=[o for o in shown if o.pk in reasons],
        others=[o for o in shown if o.pk not in reasons],
        n_everyone=everyone.count(),
        picked=picked,
        picked_ids=picked_ids,
        hidden_picks=[o for o in picked if o.pk not in {s.pk for s in shown}],
        error=error,
        filtered=bool(filters.query()),
    )
    return _remember(request, render(request, S + "partners.html", ctx, status=status), response)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def survey_partners(request: HttpRequest, token: str, key: str) -> HttpResponse:
    invitation = _invitation(token)
    response = _response(invitation, key)
    if request.method != "POST":
        if not invitation.round.is_open:
            return redirect(_url("survey_check", response))
        return _partners_page(request, response, _filter_form(request, invitation, request.GET or None))

    actions.require_open(invitation.round)
    filters = _filter_form(request, invitation, request.POST)
    form = PickForm(request.POST)
    error = ""
    if not form.is_valid():
        error = str(next(iter(form.errors.values()))[0])
    else:
        try:
            actions.check_pick_partners(
                response, picked=form.cleaned_data["partners"], shown=form.cleaned_data["shown"]
            )
        except InvalidInput as exc:
            error = exc.message
    if is_htmx(request):
        picked = actions.picked_partners(response)
        return render(
            request,
            S + "_picks_saved.html",
            {"picked": picked, "error": error},
            status=400 if error else 200,
        )
    if error:
        return _partners_page(request, response, filters, error=error, status=400)
    action = request.POST.get("action", "")
    if action == "continue":
        if actions.picked_partners(response):
            return redirect(_url("survey_closeness", response))
        return redirect(_url("survey_check", response))
    query = urlencode(filters.query())
    if action != "search":
        messages.success(request, _("Your partners are saved."))
    return redirect(_url("survey_partners", response) + (f"?{query}" if query else ""))


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def survey_rate(request: HttpRequest, token: str, key: str, partner_id: int) -> HttpResponse:
    invitation = _invitation(token)
    response = _response(invitation, key)
    partner = actions.partner_for(response, partner_id)
    if request.method != "POST" and not invitation.round.is_open:
        return redirect(_url("survey_check", response))
    rating = response.ratings.filter(partner=partner).first()
    if request.method == "POST":
        actions.require_open(invitation.round)
        form = RatingForm(request.POST)
        rating = actions.do_save_rating(response, partner, form.valid_answers())
        if is_htmx(request):
            return render(
                request, S + "_rating_saved.html", {"form": form}, status=400 if form.errors else 200
            )
        if not form.errors:
            if request.POST.get("action") == "later":
                messages.success(
                    request,
                    _(
                        "Your answers are saved. Come back any time while the round is open with your own "
                        "link, shown on this page."
                    ),
                )
                return redirect(_url("survey_check", response) + "#resume")
            following = actions.next_key_partner(response, after=partner)
            if following is not None:
                return redirect(_url("survey_rate", response, partner_id=following.pk))
            return redirect(_url("survey_check", response))
    else:
        initial = {name: getattr(rating, name) for name in actions.RATING_FIELDS} if rating else {}
        form = RatingForm(initial=initial)
    picked = actions.picked_partners(response)
    position = next((i for i, o in enumerate(picked, 1) if o.pk == partner.pk), None)
    ctx = _context(
        request,
        response,
        form=form,
        partner=partner,
        position=position,
        n_picked=len(picked),
        is_last=actions.next_key_partner(response, after=partner) is None,
        definitions=INTENSITY_DEFINITIONS,
    )
    return _remember(
        request, render(request, S + "rate.html", ctx, status=400 if form.errors else 200), response
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def survey_closeness(request: HttpRequest, token: str, key: str) -> HttpResponse:
    """How closely the organisation works with each picked partner, all on one page: the quick path. Trust and
    value are then asked only for the key partners (coordination or integration)."""
    invitation = _invitation(token)
    response = _response(invitation, key)
    if request.method != "POST" and not invitation.round.is_open:
        return redirect(_url("survey_check", response))
    ratings = list(response.ratings.select_related("partner").order_by("partner__name", "partner_id"))
    if not ratings:
        return redirect(_url("survey_partners", response))
    form = ClosenessForm(posted(request), ratings=ratings)
    if request.method == "POST":
        actions.require_open(invitation.round)
        actions.do_save_intensities(response, form.valid_answers())
        if not form.errors:
            if request.POST.get("action") == "later":
                messages.success(request, _("Your answers are saved."))
                return redirect(_url("survey_check", response) + "#resume")
            following = actions.next_key_partner(response)
            if following is not None:
                return redirect(_url("survey_rate", response, partner_id=following.pk))
            return redirect(_url("survey_check", response))
    ctx = _context(
        request,
        response,
        form=form,
        definitions=INTENSITY_DEFINITIONS,
        key_intensity=actions.KEY_INTENSITY,
    )
    return _remember(
        request, render(request, S + "closeness.html", ctx, status=400 if form.errors else 200), response
    )


def _describe(rating: Any) -> dict[str, Any]:
    """A rating's answers in words, for "check your answers"."""
    contributions = dict(Contribution.choices)

    def item(name: str) -> str:
        value = getattr(rating, name)
        return f"{value}: {ITEM_SCALE[value]}" if value is not None else _("Not answered yet")

    return {
        "intensity": (
            INTENSITY_DEFINITIONS[rating.intensity] if rating.intensity is not None else _("Not answered yet")
        ),
        "trust": [(label, item(name)) for name, label in TRUST_ITEMS.items()],
        "value": [(label, item(name)) for name, label in VALUE_ITEMS.items()],
        "contributions": [contributions.get(c, c) for c in rating.contributions or []],
    }


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def survey_check(request: HttpRequest, token: str, key: str) -> HttpResponse:
    invitation = _invitation(token)
    response = _response(invitation, key)
    if request.method == "POST":
        actions.require_open(invitation.round)
        actions.do_submit_response(response)
        messages.success(
            request,
            _(
                "Thank you: your answers for %(organisation)s are submitted. You can still change them until the round closes."
            )
            % {"organisation": invitation.organisation.name},
        )
        return _remember(request, redirect(_url("survey_check", response)), response)
    progress = actions.progress(response)
    rows = [{"progress": p, "answers": _describe(p.rating), "partner": p.rating.partner} for p in progress]
    ctx = _context(
        request,
        response,
        rows=rows,
        n_incomplete=sum(1 for p in progress if not p.complete),
    )
    return _remember(request, render(request, S + "check.html", ctx), response)
