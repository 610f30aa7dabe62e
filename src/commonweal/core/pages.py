"""Pages that every app's facilitator views share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from commonweal.core.errors import InvalidInput
from commonweal.core.forms import apply_errors

T = TypeVar("T")


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
