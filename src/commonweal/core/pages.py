"""Pages that every app's facilitator views share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse

from commonweal.core.errors import InvalidInput, NotFound
from commonweal.core.forms import apply_errors
from commonweal.core.http import posted

T = TypeVar("T")
M = TypeVar("M", bound=Model)


def confirm_delete(
    request: HttpRequest,
    system: Any,
    *,
    what: str,
    name: str,
    consequences: list[str],
    back: str,
    delete: Callable[[], object],
    done: str,
) -> HttpResponse:
    """The delete pages: a GET asks to confirm (what it is, what follows from deleting it); a POST calls
    ``delete`` (an action) and goes ``back`` to the list with the message ``done``. ``system`` is the system the
    thing belongs to, for the page's breadcrumbs."""
    if request.method == "POST":
        delete()
        messages.success(request, done)
        return redirect(back)
    return render(
        request,
        "systems/confirm_delete.html",
        {"system": system, "what": what, "name": name, "consequences": consequences, "back": back},
    )


def save_and_return(
    request: HttpRequest,
    form: forms.Form,
    save: Callable[[], T],
    *,
    saved: Callable[[T], str],
    back: str | Callable[[T], str],
) -> HttpResponse | None:
    """The POST half of a page with a form. On a valid POST, ``save()`` (a ``check_*`` action, reading the
    form's cleaned data): when it refuses a field (:class:`InvalidInput`) the message goes on that field; when it
    succeeds, the message ``saved(result)`` and a redirect to ``back`` (a URL or view name, or a function of the
    result that gives one). None means the page shows the form: a GET, or a POST with errors."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        result = save()
    except InvalidInput as exc:
        apply_errors(form, exc)
        return None
    messages.success(request, saved(result))
    return redirect(back(result) if callable(back) else back)


# --- The add, change and delete pages of the things a system keeps -------------------------------------------


def _name(item: Any) -> str:
    return str(item.name)


@dataclass(frozen=True)
class Kind(Generic[M]):
    """One kind of thing a system keeps (a place, an organisation, an interdependency...), with what its add,
    change and delete pages (:func:`edit_page`, :func:`delete_page`) need. Each app defines its kinds beside its
    views and names them in its URLs, so one view serves every kind.

    ``form(system, data, item)`` makes the form: bound to ``data`` (a POST) or, for a GET, showing ``item`` (None
    when adding). ``save(actor, system, form, item)`` is the ``check_*`` action; ``delete(actor, item)`` the
    ``do_*`` one. ``left_behind(item)`` says what deleting it changes elsewhere; ``name(item)`` names it on the
    delete page and ``label(item)`` in the messages (both the item's name unless given). ``template`` is the add
    and change page (it gets ``system``, ``form`` and ``item``, and ``context(system)`` when given), ``list_url``
    the view name of the list to go back to.
    """

    model: type[M]
    template: str
    list_url: str
    form: Callable[[Any, Any, M | None], forms.Form]
    save: Callable[[Any, Any, Any, M | None], M]
    delete: Callable[[Any, M], object]
    left_behind: Callable[[M], list[str]]
    name: Callable[[M], str] = _name
    label: Callable[[M], str] = _name
    related: tuple[str, ...] = ()
    context: Callable[[Any], dict[str, Any]] | None = None

    def get(self, system: Any, pk: int) -> M:
        """The system's ``pk`` of this kind, or :class:`NotFound`."""
        item = self.model._default_manager.filter(system=system, pk=pk).select_related(*self.related).first()
        if item is None:
            what = self.model._meta.verbose_name
            raise NotFound(f"That {what} is not in this system: it may have been deleted.")
        return item

    def back(self, system: Any) -> str:
        return reverse(self.list_url, kwargs={"system": system.slug})


def edit_page(request: HttpRequest, system: Any, kind: Kind[M], item: M | None) -> HttpResponse:
    """The page that adds a thing of ``kind`` to ``system`` (``item`` None) or changes ``item``."""
    form = kind.form(system, posted(request), item)
    done = save_and_return(
        request,
        form,
        lambda: kind.save(request.user, system, form, item),
        saved=lambda saved: f"{kind.label(saved)} is saved.",
        back=kind.back(system),
    )
    extra = kind.context(system) if kind.context else {}
    return done or render(request, kind.template, {"system": system, "form": form, "item": item, **extra})


def delete_page(request: HttpRequest, system: Any, kind: Kind[M], item: M) -> HttpResponse:
    """The page that asks to confirm deleting ``item``, then deletes it."""
    return confirm_delete(
        request,
        system,
        what=str(kind.model._meta.verbose_name),
        name=kind.name(item),
        consequences=kind.left_behind(item),
        back=kind.back(system),
        delete=lambda: kind.delete(request.user, item),
        done=f"{kind.label(item)} is deleted.",
    )


def kind_page(
    request: HttpRequest, system: Any, kind: Kind[M], pk: int | None, *, delete: bool = False
) -> HttpResponse:
    """The add (no ``pk``), change or, with ``delete``, delete page of the ``kind`` ``pk`` of ``system``. The
    caller (the app's view, which :func:`kind_urls` routes here) has checked the user may change the system."""
    item = kind.get(system, pk) if pk else None
    if delete and item is not None:
        return delete_page(request, system, kind, item)
    return edit_page(request, system, kind, item)


def kind_urls(prefix: str, name: str, kind: Kind[Any], *, list_view: Any, item_view: Any) -> list[URLPattern]:
    """The addresses of one kind under ``prefix``: its list (``<name>_list``), the add page (``prefix``new/,
    ``<name>_create``), and each item's change and delete pages (``<name>_edit``, ``<name>_delete``).
    ``item_view(request, system, kind, pk=None, delete=False)`` is the app's view of the last three."""
    return [
        path(prefix, list_view, name=f"{name}_list"),
        path(f"{prefix}new/", item_view, {"kind": kind}, name=f"{name}_create"),
        path(f"{prefix}<id:pk>/edit/", item_view, {"kind": kind}, name=f"{name}_edit"),
        path(f"{prefix}<id:pk>/delete/", item_view, {"kind": kind, "delete": True}, name=f"{name}_delete"),
    ]


# --- The pages that give people a role ----------------------------------------------------------------------

S = TypeVar("S")


@dataclass(frozen=True)
class RolePage(Generic[S]):
    """A page that lists the people holding a role over ``S`` (a system's facilitators, a conversation's
    moderators), gives the role to an account by its username and takes it away. ``checks`` is the app's
    permissions module (its ``require`` and ``can``), ``permissions`` the actions to see the page and to change
    who holds the role; ``context(subject)`` is what the template shows besides ``form`` and ``can_manage``.
    ``add(actor, subject, username)`` is the ``check_*`` action that gives the role and ``added(role, subject)``
    its message; ``remove(actor, subject, person)`` the ``do_*`` action that takes it away and
    ``removed(person, subject)`` its message. ``url(subject)`` is the page's address."""

    template: str
    checks: Any
    permissions: tuple[str, str]
    context: Callable[[S], dict[str, Any]]
    add: Callable[[Any, S, str], Any]
    added: Callable[[Any, S], str]
    remove: Callable[[Any, S, Any], object]
    removed: Callable[[Any, S], str]
    url: Callable[[S], str]


def role_page(request: HttpRequest, subject: S, page: RolePage[S], form: forms.Form) -> HttpResponse:
    """Show ``page`` for ``subject`` and, on a POST, give the role to the username in ``form``."""
    see, manage = page.permissions
    page.checks.require(request.user, see, subject)
    if request.method == "POST":
        page.checks.require(request.user, manage, subject)
    done = save_and_return(
        request,
        form,
        lambda: page.add(request.user, subject, form.cleaned_data["username"]),
        saved=lambda role: page.added(role, subject),
        back=page.url(subject),
    )
    context = {"form": form, "can_manage": page.checks.can(request.user, manage, subject)}
    return done or render(request, page.template, {**context, **page.context(subject)})


def role_remove(
    request: HttpRequest, subject: S, page: RolePage[S], find_person: Callable[[], Any]
) -> HttpResponse:
    """Take the role of ``page`` over ``subject`` away from the person ``find_person()`` looks up (once the
    user's permission is checked), then back to the page; or to the manager's home when the user took their own
    role away and can no longer see the page."""
    page.checks.require(request.user, page.permissions[1], subject)
    person = find_person()
    page.remove(request.user, subject, person)
    messages.success(request, page.removed(person, subject))
    if not page.checks.can(request.user, page.permissions[0], subject):
        return redirect(settings.LOGIN_REDIRECT_URL)
    return redirect(page.url(subject))


def named_path(route: str, view: Callable[..., HttpResponse]) -> URLPattern:
    """``path(route, view)`` named after the view (``manage_edit``), for the apps whose page names are their
    views' names."""
    return path(route, view, name=view.__name__)
