"""Commitments and progress: a facilitator's pages, and the organisation's pages reached by its secret link
(the survey link its lead already uses for "my part"), which reach only that organisation's commitments."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from commonweal.accounts.decorators import manager_view
from commonweal.core.errors import NotFound
from commonweal.core.http import posted
from commonweal.core.pages import save_and_return
from commonweal.strategy.accountability.build import commitments_of_organisation
from commonweal.strategy.aims.views import aim_url, system_for
from commonweal.strategy.commitments.actions import Actor, check_post_progress, check_save_commitment
from commonweal.strategy.commitments.forms import AMOUNTS, DESCRIBED, CommitmentForm, ProgressForm
from commonweal.strategy.models import Aim, Commitment
from commonweal.strategy.queries import get_aim, get_commitment, organisation_of_link
from commonweal.systems.models import Organisation

T = "strategy/"
OPEN_STATUSES = [Aim.Status.PROPOSED, Aim.Status.AGREED]


def _secret(response: HttpResponse) -> HttpResponse:
    """A page reached by a secret link: out of shared caches and other sites' Referer headers. ``same-origin``
    rather than ``no-referrer``: with no referrer at all the browser sends ``Origin: null`` with the page's own
    forms, and Django's CSRF check refuses them."""
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "same-origin"
    return response


def _form_context(form: CommitmentForm) -> dict[str, Any]:
    return {
        "main_fields": [
            form[n]
            for n in (
                "owner",
                "what",
                "lead_role",
                "partners",
                "starts_on",
                "ends_on",
                "interdependency",
                "assets",
            )
            if n in form.fields
        ],
        "resource_fields": [form[n] for n in [*AMOUNTS, *DESCRIBED]],
    }


# --- Facilitators --------------------------------------------------------------------------------------------


@manager_view
@require_http_methods(["GET", "HEAD", "POST"])
def commitment_create(request: HttpRequest, system: str, pk: int) -> HttpResponse:
    obj = system_for(request, system, "strategy.edit")
    aim = get_aim(obj, pk)
    form = CommitmentForm(aim, posted(request))
    actor = Actor(request.user, Commitment.Route.FACILITATOR)
    done = save_and_return(
        request,
        form,
        lambda: check_save_commitment(actor, aim, form.as_input()),
        saved=lambda c: f"{c.owner_name}'s commitment is saved.",
        back=aim_url(aim),
    )
    context = {"system": obj, "aim": aim, "form": form, **_form_context(form), "back": aim_url(aim)}
    return done or render(request, T + "commitment_form.html", context)


@manager_view
@require_http_methods(["GET", "HEAD", "POST"])
def commitment_edit(request: HttpRequest, system: str, pk: int) -> HttpResponse:
    obj = system_for(request, system, "strategy.edit")
    commitment = get_commitment(obj, pk)
    aim = commitment.aim
    form = CommitmentForm(aim, posted(request), initial=CommitmentForm.initial_of(commitment))
    actor = Actor(request.user, Commitment.Route.FACILITATOR)
    done = save_and_return(
        request,
        form,
        lambda: check_save_commitment(actor, aim, form.as_input(), commitment),
        saved=lambda c: f"{c.owner_name}'s commitment is saved.",
        back=aim_url(aim),
    )
    context = {
        "system": obj,
        "aim": aim,
        "form": form,
        "item": commitment,
        **_form_context(form),
        "back": aim_url(aim),
    }
    return done or render(request, T + "commitment_form.html", context)


@manager_view
@require_http_methods(["GET", "HEAD", "POST"])
def progress_create(request: HttpRequest, system: str, pk: int) -> HttpResponse:
    obj = system_for(request, system, "strategy.edit")
    commitment = get_commitment(obj, pk)
    form = ProgressForm(commitment, posted(request))
    actor = Actor(request.user, Commitment.Route.FACILITATOR)
    done = save_and_return(
        request,
        form,
        lambda: check_post_progress(actor, commitment, form.as_input()),
        saved=lambda u: f"The update on {commitment.owner_name}'s commitment is saved.",
        back=aim_url(commitment.aim),
    )
    context = {"system": obj, "commitment": commitment, "form": form, "back": aim_url(commitment.aim)}
    return done or render(request, T + "progress_form.html", context)


# --- The organisation's link ----------------------------------------------------------------------------------


def _own(organisation: Organisation, pk: int) -> Commitment:
    found = (
        Commitment.objects.filter(pk=pk, organisation=organisation)
        .select_related("aim__system", "organisation")
        .first()
    )
    if found is None:
        raise NotFound(
            "That commitment is not your organisation's: your link reaches only your own commitments."
        )
    return found


def _org_home_url(token: str) -> str:
    return reverse("strategy:org_home", kwargs={"token": token})


@require_http_methods(["GET", "HEAD"])
def org_home(request: HttpRequest, token: str) -> HttpResponse:
    organisation = organisation_of_link(token)
    system = organisation.system
    aims = Aim.objects.filter(system=system, status__in=OPEN_STATUSES).order_by("-status", "title")
    context = {
        "system": system,
        "organisation": organisation,
        "token": token,
        "rows": commitments_of_organisation(system, organisation.pk),
        "aims": aims,
    }
    return _secret(render(request, T + "org/home.html", context))


@require_http_methods(["GET", "HEAD", "POST"])
def org_commit(request: HttpRequest, token: str, aim_id: int) -> HttpResponse:
    organisation = organisation_of_link(token)
    aim = Aim.objects.filter(system=organisation.system, pk=aim_id, status__in=OPEN_STATUSES).first()
    if aim is None:
        raise NotFound(
            "That aim is not open to commitments: go back to your organisation's page and choose one."
        )
    form = CommitmentForm(aim, posted(request), organisation=organisation)
    actor = Actor(None, Commitment.Route.ORGANISATION_LINK, organisation)
    done = save_and_return(
        request,
        form,
        lambda: check_save_commitment(actor, aim, form.as_input()),
        saved=lambda c: "Your commitment is saved. Thank you.",
        back=_org_home_url(token),
    )
    context = {
        "system": organisation.system,
        "aim": aim,
        "form": form,
        "organisation": organisation,
        "token": token,
    }
    context |= _form_context(form) | {"back": _org_home_url(token)}
    return done or _secret(render(request, T + "org/commitment_form.html", context))


@require_http_methods(["GET", "HEAD", "POST"])
def org_commitment_edit(request: HttpRequest, token: str, pk: int) -> HttpResponse:
    organisation = organisation_of_link(token)
    commitment = _own(organisation, pk)
    form = CommitmentForm(
        commitment.aim,
        posted(request),
        organisation=organisation,
        initial=CommitmentForm.initial_of(commitment),
    )
    actor = Actor(None, Commitment.Route.ORGANISATION_LINK, organisation)
    done = save_and_return(
        request,
        form,
        lambda: check_save_commitment(actor, commitment.aim, form.as_input(), commitment),
        saved=lambda c: "Your commitment is saved.",
        back=_org_home_url(token),
    )
    context = {
        "system": organisation.system,
        "aim": commitment.aim,
        "form": form,
        "organisation": organisation,
    }
    context |= {"token": token, "item": commitment, **_form_context(form), "back": _org_home_url(token)}
    return done or _secret(render(request, T + "org/commitment_form.html", context))


@require_http_methods(["GET", "HEAD", "POST"])
def org_progress(request: HttpRequest, token: str, pk: int) -> HttpResponse:
    organisation = organisation_of_link(token)
    commitment = _own(organisation, pk)
    form = ProgressForm(commitment, posted(request))
    actor = Actor(None, Commitment.Route.ORGANISATION_LINK, organisation)
    done = save_and_return(
        request,
        form,
        lambda: check_post_progress(actor, commitment, form.as_input()),
        saved=lambda u: "Your update is saved. Thank you.",
        back=_org_home_url(token),
    )
    context = {
        "system": organisation.system,
        "commitment": commitment,
        "form": form,
        "organisation": organisation,
    }
    context |= {
        "token": token,
        "back": _org_home_url(token),
        "updates": commitment.updates.order_by("-on", "-pk"),
    }
    return done or _secret(render(request, T + "org/progress_form.html", context))
