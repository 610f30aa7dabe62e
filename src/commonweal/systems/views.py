"""Facilitator pages of a system: your systems, the system page, its places, communities and organisations
(with the CSV import), its facilitators; and the administrators' accounts page.

Views parse input, call ``require`` and then one action; every change is a POST that redirects (POST-redirect-GET).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from commonweal.accounts import actions as account_actions
from commonweal.accounts.decorators import manager_view
from commonweal.accounts.forms import UsernameForm
from commonweal.accounts.permissions import can as can_account
from commonweal.accounts.permissions import require as require_account
from commonweal.accounts.queries import get_account
from commonweal.core.errors import ImportFailed, InvalidInput
from commonweal.core.forms import apply_errors
from commonweal.core.http import posted, posted_files
from commonweal.core.models import AuditEntry
from commonweal.core.pages import Kind, RolePage, kind_page, role_page, role_remove, save_and_return
from commonweal.core.permissions import is_admin
from commonweal.systems import actions, notices, permissions, queries
from commonweal.systems.forms import (
    AccountForm,
    CommunityForm,
    ImportForm,
    NoticesForm,
    OrganisationForm,
    PlaceForm,
    SystemForm,
)
from commonweal.systems.models import Community, Organisation, Place, System, SystemRole
from commonweal.systems.organisation_import import COLUMNS, allowed_sectors_text, template_csv
from commonweal.systems.panels import dashboard_panels, system_panels
from commonweal.systems.permissions import can, require
from commonweal.systems.queries import get_system

User = get_user_model()

#: The facilitators page: who facilitates a system, and adding one (core.pages.RolePage).
FACILITATORS = RolePage(
    "systems/facilitators.html",
    permissions,
    ("system.view", "system.manage_people"),
    context=lambda system: {"system": system, "people": queries.facilitators_of(system)},
    add=actions.check_add_facilitator,
    added=lambda role, system: f"{role.user.username} is now a facilitator of {system.name}.",
    remove=actions.do_remove_facilitator,
    removed=lambda person, system: f"{person.username} is no longer a facilitator of {system.name}.",
    url=lambda system: reverse("systems:facilitators", kwargs={"system": system.slug}),
)


# --- Your systems -------------------------------------------------------------------------------------------


@manager_view
def dashboard(request: HttpRequest) -> HttpResponse:
    require(request.user, "system.list")
    user: Any = request.user
    if is_admin(user):
        systems = System.objects.all()
    else:
        systems = System.objects.filter(roles__user=user, roles__role=SystemRole.Role.FACILITATOR).distinct()
    systems = systems.annotate(
        n_conversations=Count("conversations", distinct=True),
        n_open=Count("conversations", filter=Q(conversations__status="open"), distinct=True),
    )
    return render(
        request,
        "systems/dashboard.html",
        {
            "systems": systems,
            "panels": dashboard_panels(request, systems),
            "can_create": can(user, "system.create"),
            "can_manage_accounts": can_account(user, "account.manage"),
        },
    )


@manager_view
@require_http_methods(["GET", "HEAD", "POST"])
def system_create(request: HttpRequest) -> HttpResponse:
    require(request.user, "system.create")
    form = SystemForm(posted(request))
    done = save_and_return(
        request,
        form,
        lambda: actions.check_create_system(request.user, **form.cleaned_data),
        saved=lambda system: f"{system.name} is created. Add its places, communities and organisations.",
        back=lambda system: reverse("systems:system_detail", kwargs={"system": system.slug}),
    )
    if done:
        return done
    return render(request, "systems/system_form.html", {"form": form, "system": None})


@manager_view
def system_detail(request: HttpRequest, system: str) -> HttpResponse:
    obj = get_system(system)
    require(request.user, "system.view", obj)
    return render(
        request,
        "systems/system_detail.html",
        {
            "system": obj,
            "panels": system_panels(request, obj),
            "n_places": obj.places.count(),
            "n_communities": obj.communities.count(),
            "n_organisations": obj.organisations.count(),
            "facilitators": User.objects.filter(
                system_roles__system=obj, system_roles__role=SystemRole.Role.FACILITATOR
            ).order_by("username"),
        },
    )


@manager_view
@require_http_methods(["GET", "HEAD", "POST"])
def system_edit(request: HttpRequest, system: str) -> HttpResponse:
    obj = get_system(system)
    require(request.user, "system.edit", obj)
    form = SystemForm(
        posted(request),
        editing=True,
        initial={"name": obj.name, "description": obj.description, "retention_days": obj.retention_days},
    )
    done = save_and_return(
        request,
        form,
        lambda: actions.check_update_system(request.user, obj, **form.cleaned_data),
        saved=lambda _: "The system's details are saved.",
        back=reverse("systems:system_detail", kwargs={"system": obj.slug}),
    )
    return done or render(request, "systems/system_form.html", {"form": form, "system": obj})


@manager_view
@require_http_methods(["GET", "HEAD", "POST"])
def notices_edit(request: HttpRequest, system: str) -> HttpResponse:
    obj = get_system(system)
    require(request.user, "system.edit", obj)
    form = NoticesForm(
        posted(request),
        initial={
            "controller_name": obj.controller_name,
            "controller_contact": obj.controller_contact,
            "protection_officer": obj.protection_officer,
            "privacy_purpose": notices.privacy_purpose(obj),
            "accessibility_statement": notices.accessibility_statement(obj),
        },
    )
    done = save_and_return(
        request,
        form,
        lambda: actions.check_update_notices(request.user, obj, actions.NoticesInput(**form.cleaned_data)),
        saved=lambda _: "The privacy notice and the accessibility statement are saved.",
        back=reverse("systems:system_detail", kwargs={"system": obj.slug}),
    )
    return done or render(request, "systems/notices_form.html", {"form": form, "system": obj})


def privacy_notice(request: HttpRequest, system: str) -> HttpResponse:
    """The system's privacy notice: public, linked from the consent page and every participant page."""
    obj = get_system(system)
    return render(
        request,
        "systems/public/privacy.html",
        {
            "system": obj,
            "purpose": notices.privacy_purpose(obj),
            "retention": notices.retention_sentence(obj.name, obj.retention_days),
            "notice_system": obj,
        },
    )


def accessibility(request: HttpRequest, system: str | None = None) -> HttpResponse:
    """The accessibility statement: the system's (linked from its participants' pages), or the site's."""
    obj = get_system(system) if system else None
    return render(
        request,
        "systems/public/accessibility.html",
        {"system": obj, "statement": notices.accessibility_statement(obj), "notice_system": obj},
    )


@manager_view
def system_activity(request: HttpRequest, system: str) -> HttpResponse:
    obj = get_system(system)
    require(request.user, "system.view", obj)
    entries = list(AuditEntry.objects.filter(system=obj).order_by("-at", "-id")[:200])
    for entry in entries:
        entry.before_text = _describe(entry.before)  # type: ignore[attr-defined]
        entry.after_text = _describe(entry.after)  # type: ignore[attr-defined]
    return render(request, "systems/activity.html", {"system": obj, "entries": entries})


def _describe(value: Any) -> str:
    """An audit entry's before or after state in words: "name: Eastgate; population: 250,000"."""
    if value is None or value == "":
        return "none" if value is None else "(empty)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, list):
        return ", ".join(_describe(v) for v in value) or "none"
    if isinstance(value, dict):
        return "; ".join(f"{str(k).replace('_', ' ')}: {_describe(v)}" for k, v in value.items())
    return str(value)


# --- Places -------------------------------------------------------------------------------------------------


@manager_view
def place_list(request: HttpRequest, system: str) -> HttpResponse:
    obj = get_system(system)
    require(request.user, "system.view", obj)
    places = obj.places.annotate(n_organisations=Count("organisations", distinct=True))
    return render(request, "systems/place_list.html", {"system": obj, "places": places})


# --- Communities --------------------------------------------------------------------------------------------


@manager_view
def community_list(request: HttpRequest, system: str) -> HttpResponse:
    obj = get_system(system)
    require(request.user, "system.view", obj)
    return render(
        request, "systems/community_list.html", {"system": obj, "communities": obj.communities.all()}
    )


# --- Organisations ------------------------------------------------------------------------------------------


@manager_view
def organisation_list(request: HttpRequest, system: str) -> HttpResponse:
    obj = get_system(system)
    require(request.user, "system.view", obj)
    organisations = obj.organisations.prefetch_related("places")
    return render(request, "systems/organisation_list.html", {"system": obj, "organisations": organisations})


# --- Adding, changing and deleting places, communities and organisations ------------------------------------


def _save_place(actor: Any, system: System, form: Any, place: Place | None) -> Place:
    return actions.check_save_place(actor, system, place=place, **form.cleaned_data)


def _save_community(actor: Any, system: System, form: Any, community: Community | None) -> Community:
    return actions.check_save_community(actor, system, community=community, **form.cleaned_data)


def _save_organisation(
    actor: Any, system: System, form: Any, organisation: Organisation | None
) -> Organisation:
    return actions.check_save_organisation(actor, system, form.to_input(), organisation=organisation)


def _place_left_behind(place: Place) -> list[str]:
    return [
        f"{place.organisations.count()} organisations will no longer list it among the places they serve.",
        f"{place.participant_set.count()} participants who said they live or work there will keep their "
        "other answers.",
    ]


#: The add, change and delete pages of each (core.pages.Kind); the URLs say which one a page is about.
PLACES = Kind(
    Place,
    "systems/place_form.html",
    "systems:place_list",
    form=lambda system, data, place: PlaceForm(data, initial=PlaceForm.initial_for(place)),
    save=_save_place,
    delete=actions.do_delete_place,
    left_behind=_place_left_behind,
)
COMMUNITIES = Kind(
    Community,
    "systems/community_form.html",
    "systems:community_list",
    form=lambda system, data, community: CommunityForm(data, initial=CommunityForm.initial_for(community)),
    save=_save_community,
    delete=actions.do_delete_community,
    left_behind=lambda community: [
        f"{community.participants.count()} participants who said they belong to it will keep their other answers."
    ],
)
ORGANISATIONS = Kind(
    Organisation,
    "systems/organisation_form.html",
    "systems:organisation_list",
    form=lambda system, data, org: OrganisationForm(system, data, initial=OrganisationForm.initial_for(org)),
    save=_save_organisation,
    delete=actions.do_delete_organisation,
    left_behind=lambda organisation: [
        f"{organisation.participant_set.count()} participants who said they come from it will keep their other "
        "answers (their sector stays)."
    ],
)


@manager_view
@require_http_methods(["GET", "HEAD", "POST"])
def organisation_import(request: HttpRequest, system: str) -> HttpResponse:
    obj = get_system(system)
    require(request.user, "system.edit", obj)
    form = ImportForm(posted(request), posted_files(request))
    failure: ImportFailed | None = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = actions.check_import_organisations(
                    request.user, obj, upload.read(), filename=upload.name or ""
                )
            except ImportFailed as exc:
                failure = exc
                status = 400
            else:
                by_sector = ", ".join(f"{n} {label}" for label, n in result.by_sector.items())
                messages.success(
                    request,
                    f"{result.count} organisation{'s' if result.count != 1 else ''} imported ({by_sector}).",
                )
                return redirect("systems:organisation_list", system=obj.slug)
        else:
            status = 400
    return render(
        request,
        "systems/organisation_import.html",
        {
            "system": obj,
            "form": form,
            "failure": failure,
            "errors": (failure.detail or {}).get("errors", []) if failure else [],
            "columns": COLUMNS,
            "sectors": allowed_sectors_text(),
            "places": obj.places.all(),
        },
        status=status,
    )


@manager_view
def organisation_import_template(request: HttpRequest, system: str) -> HttpResponse:
    obj = get_system(system)
    require(request.user, "system.view", obj)
    response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="organisations.csv"'
    return response


# --- Facilitators -------------------------------------------------------------------------------------------


@manager_view
@require_http_methods(["GET", "HEAD", "POST"])
def facilitators(request: HttpRequest, system: str) -> HttpResponse:
    return role_page(request, get_system(system), FACILITATORS, UsernameForm(posted(request)))


@manager_view
@require_POST
def facilitator_remove(request: HttpRequest, system: str, user_id: int) -> HttpResponse:
    return role_remove(request, get_system(system), FACILITATORS, lambda: get_account(user_id))


# --- Accounts (administrators) ------------------------------------------------------------------------------
# The accounts themselves are the accounts app's; this page is here because it also makes a new account a
# facilitator of a system.


def _accounts_page(request: HttpRequest, form: AccountForm, issued: dict[str, Any] | None) -> HttpResponse:
    response = render(
        request,
        "systems/accounts.html",
        {"form": form, "people": queries.people_with_roles(), "issued": issued},
    )
    # The page may show a one-time password: no browser or proxy may keep it.
    response["Cache-Control"] = "no-store"
    return response


@manager_view
@require_http_methods(["GET", "HEAD", "POST"])
def accounts(request: HttpRequest) -> HttpResponse:
    require_account(request.user, "account.manage")
    form = AccountForm(posted(request))
    issued: dict[str, Any] | None = None
    if request.method == "POST" and form.is_valid():
        try:
            user, password = actions.check_create_account(request.user, **form.cleaned_data)
        except InvalidInput as exc:
            apply_errors(form, exc)
        else:
            issued = {"user": user, "password": password, "new": True}
            form = AccountForm()
    return _accounts_page(request, form, issued)


@manager_view
@require_POST
def account_reset_password(request: HttpRequest, pk: int) -> HttpResponse:
    require_account(request.user, "account.manage")
    person = get_account(pk)
    password = account_actions.do_reset_password(request.user, person)
    return _accounts_page(request, AccountForm(), {"user": person, "password": password})


@manager_view
@require_POST
def account_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    require_account(request.user, "account.manage")
    person = get_account(pk)
    active = request.POST.get("active") == "1"
    account_actions.do_set_account_active(request.user, person, active)
    messages.success(request, f"{person.username} can {'now' if active else 'no longer'} sign in.")
    return redirect("systems:accounts")


@manager_view
@require_http_methods(["GET", "HEAD", "POST"])
def item_page(
    request: HttpRequest, system: str, kind: Kind[Any], pk: int | None = None, delete: bool = False
) -> HttpResponse:
    """A place's, a community's or an organisation's add, change or delete page (``kind`` and ``delete`` come from the URL)."""
    obj = get_system(system)
    require(request.user, "system.edit", obj)
    return kind_page(request, obj, kind, pk, delete=delete)
