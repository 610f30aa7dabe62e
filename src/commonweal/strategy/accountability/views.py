"""The public accountability page (opt-in per system), publishing it, and the updates a facilitator posts to a
conversation's participants."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from commonweal.accounts.decorators import manager_view
from commonweal.conversations.queries import get_conversation
from commonweal.core.errors import NotFound
from commonweal.core.http import posted
from commonweal.core.pages import save_and_return
from commonweal.strategy.accountability.actions import check_post_loop_update, do_set_public
from commonweal.strategy.accountability.build import Filters, aims_matching, board
from commonweal.strategy.accountability.forms import FilterForm, LoopUpdateForm, PublishForm
from commonweal.strategy.aims.views import system_for
from commonweal.strategy.models import Aim, LoopUpdate
from commonweal.strategy.queries import settings_of
from commonweal.systems.queries import get_system

T = "strategy/"
#: Agreed aims per page of the accountability page (each with all its commitments).
AIMS_PER_PAGE = 10


def _filters(form: FilterForm) -> Filters:
    if not form.is_valid():
        return Filters()
    d = form.cleaned_data
    return Filters(place=d.get("place"), sector=d.get("sector") or "", organisation=d.get("organisation"))


def _as_written() -> SafeString:
    """The ``lang`` and ``dir`` of what facilitators wrote (aims, commitments, the statements heard: in the site's
    language, English), for the elements holding it on a page in another language: so a screen reader reads it as
    English, and right to left its full stop stays at its end."""
    if get_language() == settings.LANGUAGE_CODE:
        return SafeString("")
    return format_html(' lang="{}" dir="ltr"', settings.LANGUAGE_CODE)


@require_http_methods(["GET", "HEAD"])
def accountability(request: HttpRequest, system: str) -> HttpResponse:
    """What we heard, what we will do, who committed to what and how it is going: public once published."""
    obj = get_system(system)
    if not settings_of(obj).public_accountability:
        raise NotFound(_("This system has not published its accountability page."))
    form = FilterForm(obj, request.GET or None)
    filters = _filters(form)
    # A page of the agreed aims that pass the filters, then only those aims' commitments are read.
    page = Paginator(aims_matching(obj, [Aim.Status.AGREED], filters), AIMS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    retired = aims_matching(obj, [Aim.Status.RETIRED], filters)
    shown = list(page.object_list) + ([] if page.has_next() else retired)
    cards = board(obj, filters=filters, aim_ids=shown)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "system": obj,
        "form": form,
        "filters": filters,
        "agreed": [c for c in cards if c.aim.status == Aim.Status.AGREED],
        "page": page,
        "query": query.urlencode(),
        "retired": [c for c in cards if c.aim.status == Aim.Status.RETIRED],
        "as_written": _as_written(),
    }
    return render(request, T + "accountability.html", context)


@manager_view
@require_http_methods(["GET", "HEAD", "POST"])
def publish(request: HttpRequest, system: str) -> HttpResponse:
    obj = system_for(request, system, "strategy.edit")
    current = settings_of(obj)
    form = PublishForm(posted(request), initial={"public": current.public_accountability})
    done = save_and_return(
        request,
        form,
        lambda: do_set_public(request.user, obj, bool(form.cleaned_data.get("public"))),
        saved=lambda s: (
            "The accountability page is published."
            if s.public_accountability
            else "The accountability page is not public."
        ),
        back=reverse("strategy:home", kwargs={"system": obj.slug}),
    )
    context = {"system": obj, "form": form, "public": current.public_accountability}
    return done or render(request, T + "publish.html", context)


@manager_view
@require_http_methods(["GET", "HEAD", "POST"])
def loop_update(request: HttpRequest, system: str, slug: str) -> HttpResponse:
    """Post a short update to everyone who took part in a conversation ("You said ... We are doing ...")."""
    obj = system_for(request, system, "strategy.edit")
    conversation = get_conversation(slug)
    if conversation.system_id != obj.pk:
        raise NotFound("That conversation is not in this system.")
    form = LoopUpdateForm(posted(request))
    done = save_and_return(
        request,
        form,
        lambda: check_post_loop_update(request.user, conversation, form.cleaned_data["text"]),
        saved=lambda u: "Your update is posted: participants see it on their next visit.",
        back=reverse("strategy:loop_update", kwargs={"system": obj.slug, "slug": conversation.slug}),
    )
    updates = LoopUpdate.objects.filter(conversation=conversation)
    aims = Aim.objects.filter(evidence__conversation=conversation).distinct()
    context = {"system": obj, "conversation": conversation, "form": form, "updates": updates, "aims": aims}
    return done or render(request, T + "loop_update.html", context)
