"""Participant pages under /c/<slug>/: consent, "about you", one statement at a time, add a statement, my votes.

Every page works with plain form posts (POST, then redirect, then GET); htmx swaps the voting panel and the rows
of "My votes" in place when JavaScript runs. Views parse the request and call one action from
``actions.participation``; the rules live there.

Who the participant is: a pseudonymous :class:`Participant` per system, remembered in the Django session as
``{system id: participant id}``, so coming back on the same device carries on where they left off, in every
conversation of that system.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from commonweal.conversations.models import (
    STATEMENT_MAX_LENGTH,
    Conversation,
    Participant,
    Statement,
    Vote,
    VoteValue,
)
from commonweal.conversations.participate.actions import (
    NotJoined,
    StatementsNotAllowed,
    check_about_you,
    do_join,
    do_submit_statement,
    do_update_about_you,
    do_vote,
    find_participant,
    is_votable,
    my_votes,
    next_statement,
)
from commonweal.conversations.participate.forms import AboutYouForm, StatementForm
from commonweal.conversations.queries import get_conversation_for_participant
from commonweal.conversations.results.standing import CATCHING_UP, NO_SNAPSHOT, min_votes, where_you_stand
from commonweal.conversations.similar import check_similar_query, very_similar
from commonweal.conversations.translate.queries import load_statement_translations
from commonweal.core.errors import (
    CommonwealError,
    ConversationClosed,
    ConversationNotOpen,
    DuplicateStatement,
    InvalidInput,
    NotFound,
    RateLimited,
    StatementNotVotable,
)
from commonweal.core.http import client_address, is_htmx

SESSION_KEY = "cw_participants"
# The words of each vote, in the participant's language (the stored VoteValue labels stay English for exports).
VOTE_CHOICES = [
    (VoteValue.AGREE, gettext_lazy("Agree")),
    (VoteValue.DISAGREE, gettext_lazy("Disagree")),
    (VoteValue.PASS, gettext_lazy("Pass")),
]
T = "conversations/participant/"
_LABELS = {str(value.value): label for value, label in VOTE_CHOICES}


# --- Helpers: parsing the request -----------------------------------------------------------------------------


def _participant(request: HttpRequest, conversation: Conversation) -> Participant | None:
    ids = request.session.get(SESSION_KEY) or {}
    participant_id = ids.get(str(conversation.system_id))
    if participant_id is None:
        return None
    return find_participant(conversation, participant_id=participant_id)


def _remember(request: HttpRequest, participant: Participant) -> None:
    ids = dict(request.session.get(SESSION_KEY) or {})
    ids[str(participant.system_id)] = participant.pk
    request.session[SESSION_KEY] = ids


def _joined(participant: Participant | None) -> bool:
    return participant is not None and bool(getattr(participant, "joined", False))


def _home(conversation: Conversation) -> str:
    return reverse("conversations:participant-home", args=[conversation.slug])


def _url(name: str, conversation: Conversation, *args: Any) -> str:
    return reverse(f"conversations:participant-{name}", args=[conversation.slug, *args])


def _with_retry_after(response: HttpResponse, exc: CommonwealError) -> HttpResponse:
    if isinstance(exc, RateLimited):
        response["Retry-After"] = str(exc.retry_after)
    return response


def _state_page(
    request: HttpRequest, conversation: Conversation, participant: Participant | None
) -> HttpResponse | None:
    """The page for a conversation that is not open (draft or closed), or None when it is open."""
    if conversation.status == Conversation.Status.DRAFT:
        return render(request, T + "not_open.html", {"conversation": conversation})
    if conversation.status == Conversation.Status.CLOSED:
        has_votes = (
            _joined(participant)
            and Vote.objects.filter(participant=participant, conversation=conversation).exists()
        )
        return render(
            request,
            T + "closed.html",
            {"conversation": conversation, "participant": participant, "has_votes": has_votes},
        )
    return None


def _joined_or_page(
    request: HttpRequest, slug: str, *, not_joined: str
) -> tuple[Conversation, Participant] | HttpResponse:
    """The conversation and the participant for a page only someone who has joined sees, or the page to show
    instead: "not open yet" for a draft, the closed page, or back to the start saying ``not_joined``."""
    conversation = get_conversation_for_participant(slug)
    participant = _participant(request, conversation)
    if conversation.status == Conversation.Status.DRAFT:
        return render(request, T + "not_open.html", {"conversation": conversation})
    if participant is None or not _joined(participant):
        if conversation.status == Conversation.Status.CLOSED:
            return _state_page(request, conversation, participant)  # type: ignore[return-value]
        messages.info(request, not_joined)
        return redirect(_home(conversation))
    return conversation, participant


def _needs_about_you(participant: Participant, conversation: Conversation) -> bool:
    if participant.about_you_done or not conversation.asks_about_you:
        return False
    return bool(AboutYouForm(conversation=conversation).fields)


# --- The conversation's front page: consent, then one statement at a time -----------------------------------


def _voting_context(
    request: HttpRequest,
    conversation: Conversation,
    participant: Participant,
    *,
    statement: Statement | None = None,
    error: CommonwealError | None = None,
    announcement: str = "",
    voted: str = "",
) -> dict[str, Any]:
    upcoming = next_statement(participant, conversation)
    current: Statement | None
    if statement is not None and is_votable(conversation, statement):
        # Show the same statement again (after an error that was not about the statement itself).
        current = statement
    else:
        current = upcoming.statement
    progress = upcoming.progress
    # "See where you stand" appears with the seventh vote (or every statement, when there are fewer).
    needed = max(1, min(min_votes(), progress.total)) if progress.total else min_votes()
    return {
        "conversation": conversation,
        "participant": participant,
        "statement": current,
        "progress": progress,
        "standing_ready": progress.voted >= needed,
        "standing_remaining": max(needed - progress.voted, 0),
        "vote_choices": VOTE_CHOICES,
        "error": error,
        "announcement": announcement,
        "voted": voted,
        "htmx": is_htmx(request),
        "nav": "vote",
    }


@require_http_methods(["GET", "HEAD"])
def conversation_home(request: HttpRequest, slug: str) -> HttpResponse:
    conversation = get_conversation_for_participant(slug)
    participant = _participant(request, conversation)
    page = _state_page(request, conversation, participant)
    if page is not None:
        return page
    if not _joined(participant):
        return render(
            request,
            T + "consent.html",
            {"conversation": conversation, "returning": participant is not None},
        )
    assert participant is not None
    if _needs_about_you(participant, conversation):
        return redirect(_url("about-you", conversation))
    voted = str(_LABELS.get(request.GET.get("voted", ""), ""))
    return render(request, T + "vote.html", _voting_context(request, conversation, participant, voted=voted))


@require_POST
def join(request: HttpRequest, slug: str) -> HttpResponse:
    conversation = get_conversation_for_participant(slug)
    participant = _participant(request, conversation)
    page = _state_page(request, conversation, participant)
    if page is not None:
        return page
    result = do_join(conversation, participant=participant, ip=client_address(request))
    _remember(request, result.participant)
    if _needs_about_you(result.participant, conversation):
        return redirect(_url("about-you", conversation))
    return redirect(_home(conversation))


@require_http_methods(["GET", "HEAD", "POST"])
def about_you(request: HttpRequest, slug: str) -> HttpResponse:
    conversation = get_conversation_for_participant(slug)
    participant = _participant(request, conversation)
    page = _state_page(request, conversation, participant)
    if page is not None:
        return page
    if not _joined(participant):
        return redirect(_home(conversation))
    assert participant is not None
    if request.method == "POST" and "skip" in request.POST:
        do_update_about_you(participant, conversation, None)
        return redirect(_home(conversation))
    if request.method == "POST":
        form = AboutYouForm(request.POST, conversation=conversation)
        if form.is_valid():
            data = form.cleaned_data
            try:
                about = check_about_you(
                    participant,
                    conversation,
                    sector=data.get("sector") or None,
                    organisation_id=data["organisation"].pk if data.get("organisation") else None,
                    place_id=data["place"].pk if data.get("place") else None,
                    community_ids=[c.pk for c in data.get("communities") or []],
                    age_band=data.get("age_band") or None,
                    ethnic_group=data.get("ethnic_group") or None,
                )
            except InvalidInput as exc:
                for problem in (exc.detail or {}).get("fields", []):
                    field = problem["field"] if problem["field"] in form.fields else None
                    form.add_error(field, problem["problem"])
            else:
                do_update_about_you(participant, conversation, about)
                # No "thank you" message: it stayed above every later statement, as votes swap only the panel.
                return redirect(_home(conversation))
        status = 400
    else:
        initial = {
            "sector": participant.sector,
            "organisation": participant.organisation_id,
            "place": participant.place_id,
            "communities": list(participant.communities.values_list("pk", flat=True)),
            "age_band": participant.age_band,
            "ethnic_group": participant.ethnic_group,
        }
        form = AboutYouForm(initial=initial, conversation=conversation)
        status = 200
        if not form.fields:
            do_update_about_you(participant, conversation, None)
            return redirect(_home(conversation))
    return render(request, T + "about_you.html", {"conversation": conversation, "form": form}, status=status)


# --- Voting -----------------------------------------------------------------------------------------------


def _parse_statement(request: HttpRequest, conversation: Conversation) -> Statement:
    raw = request.POST.get("statement", "")
    try:
        statement_id = int(raw)
    except ValueError:
        raise InvalidInput(
            _("The vote did not say which statement it was for. Go back to the statement and try again."),
            detail={
                "fields": [{"field": "statement", "problem": "A statement id (a whole number) is needed."}]
            },
        ) from None
    statement = Statement.objects.filter(conversation=conversation, pk=statement_id).first()
    if statement is None:
        raise NotFound(_("We could not find that statement in this conversation."))
    statement.conversation = conversation
    return statement


@require_POST
def vote(request: HttpRequest, slug: str) -> HttpResponse:
    conversation = get_conversation_for_participant(slug)
    participant = _participant(request, conversation)
    back = request.POST.get("next", "")
    if back not in {"my-votes", "statement"}:
        back = ""
    htmx = is_htmx(request)
    if not _joined(participant):
        # Their session has gone (cookies cleared, another browser): start again from the consent screen.
        messages.info(request, _("Agree to take part first, then your votes will be counted."))
        return _go(request, _home(conversation))
    assert participant is not None
    if "similar_vote" in request.POST:
        return _similar_vote(request, conversation, participant)
    statement: Statement | None = None
    try:
        statement = _parse_statement(request, conversation)
        vote_ = do_vote(participant, statement, request.POST.get("value"))
    except (ConversationClosed, ConversationNotOpen) as exc:
        messages.error(request, exc.message)
        return _go(request, _url("my-votes", conversation) if back == "my-votes" else _home(conversation))
    except (StatementNotVotable, RateLimited, InvalidInput, NotFound) as exc:
        if back == "my-votes":
            if htmx and statement is not None:
                context = {
                    "conversation": conversation,
                    "row": _my_vote_row(conversation, participant, statement),
                    "vote_choices": VOTE_CHOICES,
                    "htmx": True,
                    "row_error": exc,
                    "announcement": exc.message,
                    "focus": True,
                }
                response = render(request, T + "_my_vote_row.html", context, status=exc.status)
            else:
                response = _render_my_votes(request, conversation, participant, error=exc)
            return _with_retry_after(response, exc)
        failed = statement if isinstance(exc, RateLimited | InvalidInput) else None
        context = _voting_context(
            request, conversation, participant, statement=failed, error=exc, announcement=exc.message
        )
        template = T + ("_voting.html" if htmx else "vote.html")
        return _with_retry_after(render(request, template, context, status=exc.status), exc)

    chosen = str(_LABELS[str(vote_.value)])
    if back == "my-votes":
        if htmx:
            context = {
                "conversation": conversation,
                "row": _my_vote_row(conversation, participant, statement),
                "vote_choices": VOTE_CHOICES,
                "htmx": True,
                "announcement": _("Your vote is now %(vote)s.") % {"vote": chosen},
                "focus": True,
            }
            return render(request, T + "_my_vote_row.html", context)
        messages.success(request, _("Your vote is now %(vote)s.") % {"vote": chosen})
        return redirect(_url("my-votes", conversation) + f"#statement-{statement.pk}")
    if htmx:
        context = _voting_context(
            request,
            conversation,
            participant,
            announcement=_("Your vote was recorded: %(vote)s.") % {"vote": chosen},
            voted=chosen,
        )
        return render(request, T + "_voting.html", context)
    # The confirmation rides on the URL rather than in a flash message: no session write on every vote, and it
    # shows in the voting panel, where the statement stays in view on a small screen.
    return redirect(f"{_home(conversation)}?voted={vote_.value}")


def _go(request: HttpRequest, url: str) -> HttpResponse:
    """Redirect; under htmx, make the browser load the whole page (the panel would not make sense alone)."""
    if is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


# --- My votes ---------------------------------------------------------------------------------------------


def _my_vote_row(conversation: Conversation, participant: Participant, statement: Statement) -> Any:
    for row in my_votes(participant, conversation):
        if row.statement.pk == statement.pk:
            return row
    raise NotFound(_("We could not find your vote on that statement."))


def _render_my_votes(
    request: HttpRequest,
    conversation: Conversation,
    participant: Participant,
    *,
    error: CommonwealError | None = None,
) -> HttpResponse:
    rows = my_votes(participant, conversation)
    # One query for every row's translation in the participant's language (none when they read the original).
    load_statement_translations(row.statement for row in rows)
    context = {
        "conversation": conversation,
        "rows": rows,
        "standing_ready": len(rows) >= min_votes(),
        "vote_choices": VOTE_CHOICES,
        "error": error,
        "htmx": is_htmx(request),
        "nav": "my-votes",
    }
    return render(request, T + "my_votes.html", context, status=error.status if error else 200)


@require_http_methods(["GET", "HEAD"])
def my_votes_page(request: HttpRequest, slug: str) -> HttpResponse:
    found = _joined_or_page(
        request, slug, not_joined=_("You have not voted in this conversation on this device yet.")
    )
    if isinstance(found, HttpResponse):
        return found
    conversation, participant = found
    return _render_my_votes(request, conversation, participant)


# --- One statement (the link from a duplicate) --------------------------------------------------------------


@require_http_methods(["GET", "HEAD"])
def statement_page(request: HttpRequest, slug: str, statement_id: int) -> HttpResponse:
    conversation = get_conversation_for_participant(slug)
    participant = _participant(request, conversation)
    if conversation.status == Conversation.Status.DRAFT:
        return render(request, T + "not_open.html", {"conversation": conversation})
    statement = Statement.objects.filter(conversation=conversation, pk=statement_id).first()
    own = statement is not None and participant is not None and statement.author_id == participant.pk
    if statement is None or not (is_votable(conversation, statement) or own):
        raise NotFound(_("We could not find that statement in this conversation. It may have been removed."))
    statement.conversation = conversation
    current = None
    if _joined(participant):
        current = Vote.objects.filter(participant=participant, statement=statement).first()
    return render(
        request,
        T + "statement.html",
        {
            "conversation": conversation,
            "statement": statement,
            "joined": _joined(participant),
            "current": current,
            "can_vote": conversation.is_open and _joined(participant) and is_votable(conversation, statement),
            "vote_choices": VOTE_CHOICES,
        },
    )


# --- Adding a statement -----------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def add_statement(request: HttpRequest, slug: str) -> HttpResponse:
    conversation = get_conversation_for_participant(slug)
    participant = _participant(request, conversation)
    page = _state_page(request, conversation, participant)
    if page is not None:
        return page
    if not _joined(participant):
        messages.info(request, _("Agree to take part first, then you can add a statement."))
        return redirect(_home(conversation))
    assert participant is not None
    if not conversation.participants_can_add:
        exc = StatementsNotAllowed()
        return render(
            request, T + "add_not_allowed.html", {"conversation": conversation, "error": exc}, status=403
        )
    form = StatementForm(request.POST or None, conversation=conversation)
    context: dict[str, Any] = {
        "conversation": conversation,
        "form": form,
        "duplicate": None,
        "nav": "add",
        "similar_choices": VOTE_CHOICES,
    }
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            if not request.POST.get("confirm"):
                # Without JavaScript nobody saw the suggestions while typing: show statements that say nearly
                # the same now, and ask before adding (the text stays in the box).
                similar = very_similar(
                    conversation,
                    form.cleaned_data["text"],
                    participant=participant,
                    seen=_ids(request.POST.getlist("similar_seen")),
                )
                if similar:
                    context.update(similar=similar, confirming=True)
                    return render(request, T + "add.html", context)
            try:
                submitted = do_submit_statement(
                    participant,
                    conversation,
                    form.cleaned_data["text"],
                    theme=form.cleaned_data.get("theme", ""),
                )
            except DuplicateStatement as exc:
                form.add_error("text", exc.message)
                detail = exc.detail or {}
                context["duplicate"] = detail if detail.get("votable") else None
                status = exc.status
            except (RateLimited, InvalidInput) as exc:
                form.add_error(None, exc.message)
                status = exc.status
                return _with_retry_after(render(request, T + "add.html", context, status=status), exc)
            else:
                if submitted.shown_now:
                    text = _("Thank you: your statement was added, and others can now vote on it.")
                else:
                    text = _(
                        "Thank you: your statement was sent. Others will see it once a moderator accepts it."
                    )
                messages.success(request, text + " " + _("We've counted your agree vote on it."))
                return redirect(_home(conversation))
    return render(request, T + "add.html", context, status=status)


def _ids(values: list[str]) -> set[int]:
    return {int(v) for v in values if v.isdigit()}


# --- Similar statements while typing ------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD"])
def similar(request: HttpRequest, slug: str) -> HttpResponse:
    """The statements most like the text being typed (an htmx fragment of the add-a-statement page)."""
    conversation = get_conversation_for_participant(slug)
    participant = _participant(request, conversation)
    if conversation.status != Conversation.Status.OPEN:
        return render(
            request,
            T + "_similar.html",
            {"conversation": conversation, "similar": [], "similar_choices": VOTE_CHOICES},
        )
    if not _joined(participant):
        raise NotJoined()
    assert participant is not None
    text = request.GET.get("text", "")[: STATEMENT_MAX_LENGTH * 2]
    try:
        found = check_similar_query(participant, conversation, text)
    except RateLimited as exc:
        response = render(
            request,
            T + "_similar.html",
            {"conversation": conversation, "similar": [], "similar_choices": VOTE_CHOICES},
            status=exc.status,
        )
        return _with_retry_after(response, exc)
    return render(
        request,
        T + "_similar.html",
        {"conversation": conversation, "similar": found, "similar_choices": VOTE_CHOICES},
    )


def _similar_vote(request: HttpRequest, conversation: Conversation, participant: Participant) -> HttpResponse:
    """A one-tap vote on a suggested statement, from the add-a-statement page; what was typed is kept."""
    raw = request.POST.get("similar_vote", "")
    statement_id, _colon, value = raw.partition(":")
    statement: Statement | None = None
    error: CommonwealError | None = None
    try:
        if not statement_id.isdigit():
            raise InvalidInput(_("The vote did not say which statement it was for. Try again."))
        statement = Statement.objects.filter(conversation=conversation, pk=int(statement_id)).first()
        if statement is None:
            raise NotFound(_("We could not find that statement in this conversation."))
        statement.conversation = conversation
        do_vote(participant, statement, value)
    except (ConversationClosed, ConversationNotOpen) as exc:
        messages.error(request, exc.message)
        return _go(request, _home(conversation))
    except (StatementNotVotable, RateLimited, InvalidInput, NotFound) as exc:
        error = exc
    saved = _("Your vote on that statement is saved. You can still add yours.")
    if is_htmx(request) and statement is not None:
        # 200 even when refused: htmx swaps only successful responses, and the suggestion says what went wrong.
        fragment = {"conversation": conversation, "statement": statement, "error": error, "saved": saved}
        return render(request, T + "_similar_voted.html", fragment)
    form = StatementForm(
        initial={"text": request.POST.get("text", ""), "theme": request.POST.get("theme", "")},
        conversation=conversation,
    )
    context: dict[str, Any] = {
        "conversation": conversation,
        "form": form,
        "duplicate": None,
        "nav": "add",
        "similar_choices": VOTE_CHOICES,
        "saved": "" if error else saved,
        "vote_error": error,
    }
    response = render(request, T + "add.html", context, status=error.status if error else 200)
    return _with_retry_after(response, error) if error else response


# --- Where you stand ----------------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD"])
def where_you_stand_page(request: HttpRequest, slug: str) -> HttpResponse:
    found = _joined_or_page(
        request, slug, not_joined=_("Take part first: after a few votes you can see where you stand.")
    )
    if isinstance(found, HttpResponse):
        return found
    conversation, participant = found
    standing = where_you_stand(conversation, participant)
    if is_htmx(request) and request.GET.get("poll"):
        # The waiting page asks every few seconds: nothing to do until the analysis has caught up, then reload.
        response = HttpResponse(status=204)
        if standing is not None and standing.state not in (CATCHING_UP, NO_SNAPSHOT):
            response["HX-Refresh"] = "true"
        return response
    if standing is not None:
        load_statement_translations(b.statement for b in [*standing.common_ground, *standing.group_beliefs])
    return render(
        request,
        T + "where_you_stand.html",
        {"conversation": conversation, "standing": standing, "nav": "where-you-stand"},
    )
