"""What facilitators and moderators do: create and edit a conversation, seed it, open and close it, moderate
its statements and choose its moderators.

The facilitator pages (``views_manage``), the facilitator API (``api_manage``) and the CLI call these functions.
Callers check permissions first (``conversations.permissions.require``); these functions check the input against
the data and the rules, change the database atomically and write the audit log in the same transaction.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.text import slugify

from commonweal.accounts.queries import find_account
from commonweal.analysis.similar import group_duplicates
from commonweal.conversations.models import (
    DEFAULT_THEMES,
    STATEMENT_MAX_LENGTH,
    AnalysisStatus,
    Conversation,
    ConversationModerator,
    Statement,
)
from commonweal.conversations.similar import accepted_index
from commonweal.core import audit
from commonweal.core.errors import Conflict, InvalidInput, NotFound
from commonweal.core.models import AuditEntry
from commonweal.core.text import clean_text, duplicate_key
from commonweal.systems.models import System

__all__ = [
    "MAX_SEEDS",
    "MAX_THEMES",
    "ConversationInput",
    "ModerationCounts",
    "ModerationResult",
    "QueueEntry",
    "SeedLine",
    "SeedReport",
    "StatusChangeRefused",
    "check_add_moderator",
    "check_add_seed_statements",
    "check_change_status",
    "check_create_conversation",
    "check_moderate",
    "check_set_theme",
    "check_update_conversation",
    "clean_themes",
    "do_add_moderator",
    "do_add_seed_statements",
    "do_change_status",
    "do_create_conversation",
    "do_moderate",
    "do_remove_moderator",
    "do_set_meta",
    "do_set_theme",
    "do_update_conversation",
    "bump_moderation_version",
    "moderation_counts",
    "moderation_queue",
    "queue_entries",
    "parse_seed_text",
    "QUEUE_VIEWS",
    "TRANSITIONS",
]

MAX_THEMES = 12
THEME_MAX_LENGTH = 100
TITLE_MAX_LENGTH = 200
QUESTION_MAX_LENGTH = 500
DESCRIPTION_MAX_LENGTH = 4000
MAX_SEEDS = 500

CONVERSATION_FIELDS = [
    "title",
    "question",
    "description",
    "status",
    "moderation",
    "participants_can_add",
    "ask_sector",
    "ask_organisation",
    "ask_place",
    "ask_community",
    "ask_age_band",
    "ask_ethnic_group",
    "themes",
]


def _fields_error(message: str, fields: list[tuple[str, str]], **extra: Any) -> InvalidInput:
    return InvalidInput(message, detail={"fields": [{"field": f, "problem": p} for f, p in fields], **extra})


def _state(conversation: Conversation) -> dict[str, Any]:
    return {name: getattr(conversation, name) for name in CONVERSATION_FIELDS}


# --- Creating and editing -----------------------------------------------------------------------------------


def clean_themes(themes: str | Iterable[str] | None) -> list[str]:
    """Themes from text (one per line) or a list: trimmed, blank ones dropped, each at most 100 characters,
    no two the same (ignoring case), at most 12. Raises :class:`InvalidInput` on the field ``themes``."""
    if themes is None:
        return list(DEFAULT_THEMES)
    items = themes.splitlines() if isinstance(themes, str) else list(themes)
    out: list[str] = []
    seen: set[str] = set()
    for raw in items:
        theme = clean_text(raw)
        if not theme:
            continue
        if len(theme) > THEME_MAX_LENGTH:
            problem = (
                f"The theme '{theme[:40]}…' is {len(theme)} characters; keep each theme to {THEME_MAX_LENGTH}"
            )
            raise _fields_error(problem, [("themes", problem)])
        if ":" in theme:
            # A colon separates a seed statement's theme from its text, so a theme cannot contain one.
            problem = f"Remove the colon from the theme '{theme}'"
            raise _fields_error(problem, [("themes", problem)])
        if theme.casefold() in seen:
            problem = f"The theme '{theme}' is listed twice: keep it once"
            raise _fields_error(problem, [("themes", problem)])
        seen.add(theme.casefold())
        out.append(theme)
    if len(out) > MAX_THEMES:
        problem = f"There are {len(out)} themes; keep it to {MAX_THEMES} or fewer so participants can choose"
        raise _fields_error(problem, [("themes", problem)])
    return out


@dataclass
class ConversationInput:
    """What a facilitator gives to create or change a conversation."""

    title: str
    question: str
    description: str = ""
    moderation: str = Conversation.Moderation.STRICT
    participants_can_add: bool = True
    ask_sector: bool = True
    ask_organisation: bool = True
    ask_place: bool = True
    ask_community: bool = True
    ask_age_band: bool = False
    ask_ethnic_group: bool = False
    themes: list[str] | str | None = None
    #: The end of the participants' address (/c/<slug>/); empty: a short random one (or, when changing, as it is).
    slug: str = ""

    @classmethod
    def of(cls, conversation: Conversation) -> ConversationInput:
        """The conversation's current wording and settings, to change some of them."""
        return cls(**{f.name: getattr(conversation, f.name) for f in fields(cls)})


def _clean_input(data: ConversationInput) -> ConversationInput:
    problems: list[tuple[str, str]] = []
    title = clean_text(data.title)
    question = clean_text(data.question)
    description = clean_text(data.description, multiline=True)
    if not title:
        problems.append(("title", "Enter a title for the conversation"))
    elif len(title) > TITLE_MAX_LENGTH:
        problems.append(("title", f"The title is {len(title)} characters; keep it to {TITLE_MAX_LENGTH}"))
    if not question:
        problems.append(("question", "Enter the question participants will answer"))
    elif len(question) > QUESTION_MAX_LENGTH:
        problems.append(
            ("question", f"The question is {len(question)} characters; keep it to {QUESTION_MAX_LENGTH}")
        )
    if len(description) > DESCRIPTION_MAX_LENGTH:
        problems.append(
            (
                "description",
                f"The description is {len(description)} characters; keep it to {DESCRIPTION_MAX_LENGTH}",
            )
        )
    if data.moderation not in Conversation.Moderation.values:
        problems.append(("moderation", "Choose strict or permissive moderation"))
    slug, slug_problem = _clean_slug(data.slug)
    if slug_problem:
        problems.append(("slug", slug_problem))
    if problems:
        raise _fields_error(problems[0][1], problems)
    return ConversationInput(
        title=title,
        question=question,
        description=description,
        moderation=data.moderation,
        participants_can_add=bool(data.participants_can_add),
        ask_sector=bool(data.ask_sector),
        ask_organisation=bool(data.ask_organisation),
        ask_place=bool(data.ask_place),
        ask_community=bool(data.ask_community),
        ask_age_band=bool(data.ask_age_band),
        ask_ethnic_group=bool(data.ask_ethnic_group),
        themes=clean_themes(data.themes),
        slug=slug,
    )


#: Readable links: lowercase letters, digits and single hyphens between them.
SLUG_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
SLUG_MIN_LENGTH, SLUG_MAX_LENGTH = 3, 40


def _clean_slug(value: str) -> tuple[str, str]:
    """A readable link from what was typed ("Riverside 2026" -> "riverside-2026"), and what is wrong with it."""
    typed = clean_text(value or "")
    if not typed:
        return "", ""
    slug = slugify(typed)
    if not SLUG_PATTERN.fullmatch(slug):
        return slug, "Use letters, numbers and hyphens for the link, such as 'riverside-2026'"
    if not SLUG_MIN_LENGTH <= len(slug) <= SLUG_MAX_LENGTH:
        return slug, f"Keep the link between {SLUG_MIN_LENGTH} and {SLUG_MAX_LENGTH} characters"
    return slug, ""


def _check_slug_free(conversation: Conversation | None, slug: str) -> None:
    """A link is one conversation's; once a conversation is open its link stays (posters and QR codes carry it)."""
    if not slug or (conversation is not None and slug == conversation.slug):
        return
    if conversation is not None and conversation.status != Conversation.Status.DRAFT:
        problem = (
            f"The link cannot change once the conversation has opened: people may have /c/{conversation.slug}/ "
            "on posters and QR codes"
        )
        raise _fields_error(problem, [("slug", problem)])
    if Conversation.objects.filter(slug=slug).exists():
        problem = f"Another conversation has the link /c/{slug}/: choose another"
        raise _fields_error(problem, [("slug", problem)])


def check_create_conversation(actor: Any, system: System, data: ConversationInput) -> Conversation:
    """Create a draft conversation in ``system`` after checking its title, question, moderation, themes and
    link."""
    cleaned = _clean_input(data)
    _check_slug_free(None, cleaned.slug)
    return do_create_conversation(actor, system, cleaned)


def _settings(data: ConversationInput) -> dict[str, Any]:
    """The conversation's columns that ``data`` sets (its themes as a list)."""
    settings = {f.name: getattr(data, f.name) for f in fields(ConversationInput)}
    if not data.slug:
        del settings["slug"]  # a new conversation gets a random one; a changed one keeps its own
    return settings | {"themes": list(data.themes or [])}


def do_create_conversation(actor: Any, system: System, data: ConversationInput) -> Conversation:
    with transaction.atomic():
        conversation = Conversation.objects.create(
            system=system, status=Conversation.Status.DRAFT, **_settings(data)
        )
        audit.record(actor, "conversation.create", conversation, after=_state(conversation), system=system)
    return conversation


def check_update_conversation(
    actor: Any, conversation: Conversation, data: ConversationInput
) -> Conversation:
    """Change a conversation's wording and settings. A theme that statements use cannot be removed."""
    cleaned = _clean_input(data)
    _check_slug_free(conversation, cleaned.slug)
    removed = [t for t in conversation.themes or [] if t not in (cleaned.themes or [])]
    if removed:
        in_use = (
            Statement.objects.filter(conversation=conversation, theme__in=removed)
            .values("theme")
            .annotate(n=Count("id"))
            .order_by("theme")
        )
        if in_use:
            parts = [
                f"'{row['theme']}' ({row['n']} statement{'s' if row['n'] != 1 else ''})" for row in in_use
            ]
            problem = (
                "These themes are used by statements, so keep them (or change those statements' theme in the "
                "moderation queue first): " + ", ".join(parts)
            )
            raise _fields_error(problem, [("themes", problem)])
    return do_update_conversation(actor, conversation, cleaned)


def do_update_conversation(actor: Any, conversation: Conversation, data: ConversationInput) -> Conversation:
    with transaction.atomic():
        before = _state(conversation)
        for name, value in _settings(data).items():
            setattr(conversation, name, value)
        conversation.save()
        audit.record(actor, "conversation.update", conversation, before=before, after=_state(conversation))
    return conversation


# --- Opening and closing ------------------------------------------------------------------------------------

#: The status changes allowed: a draft opens, an open conversation closes, a closed one can reopen.
TRANSITIONS: dict[str, set[str]] = {
    Conversation.Status.DRAFT: {Conversation.Status.OPEN},
    Conversation.Status.OPEN: {Conversation.Status.CLOSED},
    Conversation.Status.CLOSED: {Conversation.Status.OPEN},
}


class StatusChangeRefused(Conflict):
    code = "status_change_refused"
    default_message = "The conversation cannot change to that status."


def check_change_status(actor: Any, conversation: Conversation, status: str) -> Conversation:
    """Open, close or reopen a conversation.

    Allowed: draft to open, open to closed, closed to open. Opening needs the system's data controller and its
    contact (the privacy notice names them) and something to vote on: at least one accepted statement, or
    participants allowed to add their own.
    """
    if status not in Conversation.Status.values:
        raise _fields_error(
            "Choose open or closed as the status", [("status", "Choose open or closed as the status")]
        )
    current = conversation.status
    if status == current:
        raise StatusChangeRefused(
            f"The conversation is already {conversation.get_status_display().lower()}.",
            detail={"status": current},
        )
    if status not in TRANSITIONS.get(current, set()):
        if current == Conversation.Status.DRAFT and status == Conversation.Status.CLOSED:
            message = "A draft conversation has not opened yet, so it cannot close. Open it first, or leave it as a draft."
        else:
            message = f"A conversation cannot go from {current} to {status}."
        raise StatusChangeRefused(message, detail={"status": current, "requested": status})
    if status == Conversation.Status.OPEN and not conversation.system.has_controller:
        raise StatusChangeRefused(
            "Before a conversation opens, its privacy notice must say who is responsible for participants' data "
            "and how to contact them: give them on the system's privacy notice and accessibility statement page.",
            detail={"status": current, "requested": status, "missing": "controller"},
        )
    if (
        status == Conversation.Status.OPEN
        and not conversation.participants_can_add
        and not Statement.objects.filter(conversation=conversation, state=Statement.State.ACCEPTED).exists()
    ):
        raise StatusChangeRefused(
            "There is nothing to vote on yet: add seed statements, or let participants add statements, "
            "before you open the conversation.",
            detail={"status": current, "requested": status},
        )
    return do_change_status(actor, conversation, status)


def do_change_status(actor: Any, conversation: Conversation, status: str) -> Conversation:
    with transaction.atomic():
        # Lock the row so two facilitators pressing "Open" at once make one change, not two.
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        before = {"status": locked.status}
        now = timezone.now()
        locked.status = status
        if status == Conversation.Status.OPEN:
            locked.opened_at = locked.opened_at or now
            locked.closed_at = None
        elif status == Conversation.Status.CLOSED:
            locked.closed_at = now
        locked.save(update_fields=["status", "opened_at", "closed_at"])
        actions: dict[tuple[str, str], str] = {
            (Conversation.Status.DRAFT, Conversation.Status.OPEN): "conversation.open",
            (Conversation.Status.OPEN, Conversation.Status.CLOSED): "conversation.close",
            (Conversation.Status.CLOSED, Conversation.Status.OPEN): "conversation.reopen",
        }
        action = actions.get((before["status"], status), "conversation.status")
        audit.record(actor, action, locked, before=before, after={"status": status})
    conversation.status, conversation.opened_at, conversation.closed_at = (
        locked.status,
        locked.opened_at,
        locked.closed_at,
    )
    return conversation


# --- Seed statements ----------------------------------------------------------------------------------------

_BULLET = re.compile(r"^\s*(?:[-*•–]\s+|\d{1,3}[.)]\s+)")


@dataclass(frozen=True)
class SeedLine:
    """One seed statement: the line it came from (1-based; 0 when it came from a list), its text and theme."""

    line: int
    text: str
    theme: str = ""


@dataclass
class SeedReport:
    """What adding seed statements did: the statements added and the lines skipped as duplicates."""

    added: list[Statement] = field(default_factory=list)
    duplicates: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "added": [{"id": s.pk, "text": s.text, "theme": s.theme} for s in self.added],
            "duplicates": self.duplicates,
        }


def parse_seed_text(conversation: Conversation, text: str, default_theme: str = "") -> list[SeedLine]:
    """Split pasted text into seed lines: one statement per line, blank lines ignored, list bullets removed.

    A line may start with one of the conversation's themes and a colon ("What is working: ...") to choose its
    theme; other lines get ``default_theme``. A colon after anything that is not a theme is part of the text.
    """
    themes = {t.casefold(): t for t in conversation.themes or []}
    lines: list[SeedLine] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = _BULLET.sub("", raw).strip()
        if not line:
            continue
        theme = default_theme
        head, sep, rest = line.partition(":")
        if sep and head.strip().casefold() in themes:
            theme, line = themes[head.strip().casefold()], rest.strip()
        lines.append(SeedLine(number, line, theme))
    return lines


def check_add_seed_statements(
    actor: Any, conversation: Conversation, seeds: Sequence[SeedLine]
) -> SeedReport:
    """Add seed statements, accepted at once.

    Every line is checked first: an empty or too long text, or a theme that is not the conversation's, refuses
    the whole batch with :class:`InvalidInput` whose detail lists each line (``{"lines": [{"line", "problem"}]}``)
    and nothing is added. Exact duplicates (of a statement already in the conversation or of an earlier line,
    ignoring case, spacing and final punctuation) are skipped and reported, not refused.
    """
    if not seeds:
        problem = "Enter at least one statement, one per line"
        raise _fields_error(problem, [("statements", problem)], lines=[])
    if len(seeds) > MAX_SEEDS:
        problem = f"There are {len(seeds)} statements; add at most {MAX_SEEDS} at a time"
        raise _fields_error(problem, [("statements", problem)], lines=[])
    themes = list(conversation.themes or [])
    problems: list[dict[str, Any]] = []
    for seed in seeds:
        where = f"Line {seed.line}" if seed.line else "A statement"
        text = clean_text(seed.text)
        if not text:
            problems.append(
                {"line": seed.line, "problem": f"{where} has a theme but no statement: add the text"}
            )
        elif len(text) > STATEMENT_MAX_LENGTH:
            problems.append(
                {
                    "line": seed.line,
                    "problem": f"{where} is {len(text)} characters long; statements can be at most "
                    f"{STATEMENT_MAX_LENGTH}. Shorten it or split it into two statements",
                }
            )
        if seed.theme and seed.theme not in themes:
            allowed = "; ".join(f"'{t}'" for t in themes) or "none: leave the theme out"
            problems.append(
                {
                    "line": seed.line,
                    "problem": f"{where} has the theme '{seed.theme}', which is not one of this "
                    f"conversation's themes ({allowed})",
                }
            )
    if problems:
        message = (
            f"{len(problems)} statement{'s' if len(problems) != 1 else ''} need{'s' if len(problems) == 1 else ''} "
            "changing before any can be added. Nothing was added."
        )
        raise InvalidInput(
            message,
            detail={
                "fields": [{"field": "statements", "problem": p["problem"]} for p in problems],
                "lines": problems,
            },
        )
    return do_add_seed_statements(actor, conversation, seeds)


def do_add_seed_statements(actor: Any, conversation: Conversation, seeds: Sequence[SeedLine]) -> SeedReport:
    report = SeedReport()
    now = timezone.now()
    with transaction.atomic():
        existing = dict(
            Statement.objects.filter(conversation=conversation).values_list("normalised_text", "state")
        )
        seen: dict[str, int] = {}
        for seed in seeds:
            text = clean_text(seed.text)
            key = duplicate_key(text)
            if key in existing:
                state = existing[key]
                report.duplicates.append(
                    {
                        "line": seed.line,
                        "text": text,
                        "reason": "already in the conversation"
                        + (" (rejected by a moderator)" if state == Statement.State.REJECTED else ""),
                    }
                )
                continue
            if key in seen:
                report.duplicates.append(
                    {"line": seed.line, "text": text, "reason": f"the same as line {seen[key]}"}
                )
                continue
            seen[key] = seed.line
            report.added.append(
                Statement(
                    conversation=conversation,
                    text=text,
                    normalised_text=key,
                    is_seed=True,
                    seeded_by=actor if getattr(actor, "is_authenticated", False) else None,
                    state=Statement.State.ACCEPTED,
                    theme=seed.theme,
                    moderated_at=now,
                    moderated_by=actor if getattr(actor, "is_authenticated", False) else None,
                )
            )
        try:
            # bulk_create skips save(), so normalised_text is set above.
            report.added = Statement.objects.bulk_create(report.added)
        except IntegrityError:
            raise Conflict(
                "Someone added some of the same statements a moment ago. Nothing was added: submit again "
                "and the duplicates will be skipped."
            ) from None
        if report.added and report.added[0].pk is None:  # databases that do not return ids from bulk inserts
            report.added = list(
                Statement.objects.filter(
                    conversation=conversation, normalised_text__in=[s.normalised_text for s in report.added]
                ).order_by("id")
            )
        if report.added:
            bump_moderation_version(conversation)
        audit.record(
            actor,
            "conversation.seed",
            conversation,
            after={
                "added": [{"id": s.pk, "text": s.text, "theme": s.theme} for s in report.added],
                "skipped_duplicates": len(report.duplicates),
            },
        )
    return report


def bump_moderation_version(conversation: Conversation | int) -> None:
    """Tell the analysis worker that what it sees changed without a vote (moderation, meta, seeding).

    Call inside the transaction of the change, so the worker never sees the new version without the change."""
    pk = conversation if isinstance(conversation, int) else conversation.pk
    if not AnalysisStatus.objects.filter(pk=pk).update(moderation_version=F("moderation_version") + 1):
        AnalysisStatus.objects.get_or_create(conversation_id=pk, defaults={"moderation_version": 1})


# --- How the opinion groups are found ------------------------------------------------------------------------


def check_set_grouping(actor: Any, conversation: Conversation, grouping: str) -> Conversation:
    """Choose how the analysis finds the opinion groups ("auto", "commonweal" or "polis"); the next analysis
    update finds them that way."""
    if grouping not in Conversation.Grouping.values:
        problem = "Choose how the opinion groups are found: automatic, commonweal's method or Pol.is' method"
        raise _fields_error(problem, [("grouping", problem)])
    return do_set_grouping(actor, conversation, grouping)


def do_set_grouping(actor: Any, conversation: Conversation, grouping: str) -> Conversation:
    if grouping == conversation.grouping:
        return conversation
    with transaction.atomic():
        before = {"grouping": conversation.grouping}
        conversation.grouping = grouping
        conversation.save(update_fields=["grouping"])
        bump_moderation_version(conversation)  # the worker analyses it again, the new way
        audit.record(
            actor, "conversation.grouping", conversation, before=before, after={"grouping": grouping}
        )
    return conversation


# --- Moderation ---------------------------------------------------------------------------------------------

DECISIONS = {"accept": Statement.State.ACCEPTED, "reject": Statement.State.REJECTED}

#: The views of the moderation queue: what to review (new, not yet moderated), or by state.
QUEUE_VIEWS = {
    "to_review": "To review",
    "accepted": "Accepted",
    "rejected": "Rejected",
    "all": "All",
}


def _to_review() -> Q:
    # New participant statements no moderator has looked at: pending ones (strict moderation) and, under
    # permissive moderation, ones already shown but not yet reviewed.
    return Q(moderated_at__isnull=True, is_seed=False) & ~Q(state=Statement.State.REJECTED)


def moderation_queue(conversation: Conversation, view: str = "to_review") -> QuerySet[Statement]:
    """The statements of one view of the queue, oldest first."""
    qs = Statement.objects.filter(conversation=conversation)
    if view == "to_review":
        qs = qs.filter(_to_review())
    elif view in (Statement.State.ACCEPTED, Statement.State.REJECTED, Statement.State.PENDING):
        qs = qs.filter(state=view)
    elif view != "all":
        raise InvalidInput(
            f"Unknown view '{view}': use one of " + ", ".join(QUEUE_VIEWS) + ".",
            detail={"fields": [{"field": "view", "problem": "Choose one of " + ", ".join(QUEUE_VIEWS)}]},
        )
    return qs.select_related("author", "moderated_by").order_by("created_at", "id")


@dataclass(frozen=True)
class ModerationCounts:
    to_review: int
    pending: int
    accepted: int
    rejected: int

    @property
    def total(self) -> int:
        return self.pending + self.accepted + self.rejected

    def as_dict(self) -> dict[str, int]:
        return {
            "to_review": self.to_review,
            "pending": self.pending,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "total": self.total,
        }


def moderation_counts(conversation: Conversation) -> ModerationCounts:
    """The counts of the queue's views, in one query."""
    row = Statement.objects.filter(conversation=conversation).aggregate(
        to_review=Count("id", filter=_to_review()),
        pending=Count("id", filter=Q(state=Statement.State.PENDING)),
        accepted=Count("id", filter=Q(state=Statement.State.ACCEPTED)),
        rejected=Count("id", filter=Q(state=Statement.State.REJECTED)),
    )
    return ModerationCounts(**{k: int(v or 0) for k, v in row.items()})


#: Similarity from which statements count as likely duplicates in the queue (see analysis.similar).
DUPLICATE_THRESHOLD = 0.6


@dataclass(frozen=True)
class QueueEntry:
    """One item of a page of the moderation queue: a statement on its own, or likely duplicates together."""

    statements: list[Statement]
    #: Accepted statements the entry's statements resemble, most alike first.
    resembles: list[Statement] = field(default_factory=list)

    @property
    def is_duplicates(self) -> bool:
        return len(self.statements) > 1 or bool(self.resembles)


def queue_entries(conversation: Conversation, statements: Sequence[Statement]) -> list[QueueEntry]:
    """A page of the queue with likely duplicates gathered: each group where its first statement was.

    Statements not yet reviewed that say nearly the same as each other (character n-gram similarity of at least
    :data:`DUPLICATE_THRESHOLD`, chained), or as an accepted statement, are shown together so a moderator can
    accept one and reject the rest at once. Everything else keeps its place, one entry per statement.
    """
    statements = list(statements)
    candidates = [
        s
        for s in statements
        if s.moderated_at is None and s.state != Statement.State.REJECTED and not s.is_seed
    ]
    if not candidates:
        return [QueueEntry([s]) for s in statements]
    groups = group_duplicates(
        [s.text for s in candidates],
        [s.pk for s in candidates],
        threshold=DUPLICATE_THRESHOLD,
        against=accepted_index(conversation),
    )
    page_ids = {s.pk for s in statements}
    by_id = {s.pk: s for s in statements}
    matched: list[tuple[list[int], list[int]]] = []
    for group in groups:
        # Permissive moderation: statements to review are already accepted, so they are in the index too.
        existing = [int(m.id) for m in group.existing if int(m.id) not in page_ids]
        members = [int(i) for i in group.ids]
        if len(members) > 1 or existing:
            matched.append((members, existing))
    accepted = {
        s.pk: s
        for s in Statement.objects.filter(
            conversation=conversation,
            state=Statement.State.ACCEPTED,
            pk__in={i for _, existing in matched for i in existing},
        )
    }
    first_of: dict[int, QueueEntry] = {}
    grouped: set[int] = set()
    for members, existing in matched:
        entry = QueueEntry(
            statements=[by_id[i] for i in sorted(members, key=lambda i: statements.index(by_id[i]))],
            resembles=[accepted[i] for i in existing if i in accepted][:2],
        )
        first_of[entry.statements[0].pk] = entry
        grouped.update(members)
    entries: list[QueueEntry] = []
    for s in statements:
        if s.pk in first_of:
            entries.append(first_of[s.pk])
        elif s.pk not in grouped:
            entries.append(QueueEntry([s]))
    return entries


@dataclass
class ModerationResult:
    """What a moderation decision changed."""

    decision: str
    statements: list[Statement]
    missing: list[int] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)

    def as_dict(self) -> dict[str, Any]:
        return {
            "decision": self.decision,
            "count": self.count,
            "statements": [{"id": s.pk, "state": s.state} for s in self.statements],
        }


class NothingToUndo(Conflict):
    code = "nothing_to_undo"
    default_message = "There is no decision on this statement to undo."


def check_undo_decision(actor: Any, conversation: Conversation, statement: Statement) -> Statement:
    """Undo the latest accept or reject of ``statement`` (one key decides, so one press can be a slip): its state,
    and whether it had been reviewed, go back to what the decision's audit entry recorded before it."""
    last = (
        AuditEntry.objects.filter(
            subject_type="Statement",
            subject_id=str(statement.pk),
            action__in=["statement.accept", "statement.reject", "statement.undo"],
        )
        .order_by("-at", "-id")
        .first()
    )
    if last is None or last.action == "statement.undo" or not isinstance(last.before, dict):
        raise NothingToUndo(f"There is no decision on “{statement.text[:60]}” to undo.")
    return do_undo_decision(actor, conversation, statement, last.before)


def do_undo_decision(
    actor: Any, conversation: Conversation, statement: Statement, before: dict[str, Any]
) -> Statement:
    state = str(before.get("state") or Statement.State.PENDING)
    reviewed = bool(before.get("reviewed"))
    with transaction.atomic():
        was = {"state": statement.state, "reviewed": statement.moderated_at is not None}
        statement.state = state
        if not reviewed:
            statement.moderated_at = None
            statement.moderated_by = None
        statement.save(update_fields=["state", "moderated_at", "moderated_by"])
        audit.record(
            actor,
            "statement.undo",
            statement,
            before=was,
            after={"state": state, "reviewed": statement.moderated_at is not None},
            system=conversation.system,
        )
        bump_moderation_version(conversation)
    return statement


def check_moderate(
    actor: Any, conversation: Conversation, statement_ids: Iterable[int | str], decision: str
) -> ModerationResult:
    """Accept or reject statements of ``conversation`` (one or many).

    ``decision`` is ``"accept"`` or ``"reject"``. Every id must be a statement of this conversation, or nothing
    changes (:class:`~commonweal.core.errors.NotFound` names the missing ones).
    """
    if decision not in DECISIONS:
        raise _fields_error("Choose accept or reject", [("decision", "Choose accept or reject")])
    ids: list[int] = []
    for raw in statement_ids:
        try:
            ids.append(int(raw))
        except (TypeError, ValueError):
            raise _fields_error(
                f"'{raw}' is not a statement id", [("statement_ids", f"'{raw}' is not a statement id")]
            ) from None
    ids = list(dict.fromkeys(ids))
    if not ids:
        problem = "Select at least one statement first"
        raise _fields_error(problem, [("statement_ids", problem)])
    statements = list(Statement.objects.filter(conversation=conversation, pk__in=ids).order_by("id"))
    missing = sorted(set(ids) - {s.pk for s in statements})
    if missing:
        raise NotFound(
            f"Statement{'s' if len(missing) > 1 else ''} {', '.join(map(str, missing))} "
            f"{'are' if len(missing) > 1 else 'is'} not in this conversation. Reload the queue and try again.",
            detail={"missing": missing},
        )
    return do_moderate(actor, conversation, statements, decision)


def do_moderate(
    actor: Any, conversation: Conversation, statements: Sequence[Statement], decision: str
) -> ModerationResult:
    """Record the decision on each statement (marking it reviewed) with one audit entry per statement."""
    state = DECISIONS[decision]
    now = timezone.now()
    user = actor if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        for statement in statements:
            before = {"state": statement.state, "reviewed": statement.moderated_at is not None}
            statement.state = state
            statement.moderated_at = now
            statement.moderated_by = user
            audit.record(
                actor,
                f"statement.{decision}",
                statement,
                before=before,
                after={"state": state, "reviewed": True},
                system=conversation.system,
            )
        Statement.objects.filter(pk__in=[s.pk for s in statements]).update(
            state=state, moderated_at=now, moderated_by=user
        )
        bump_moderation_version(conversation)
    return ModerationResult(decision, list(statements))


def do_set_meta(actor: Any, statement: Statement, is_meta: bool) -> Statement:
    """Mark a statement as being about the conversation itself (meta), or not."""
    with transaction.atomic():
        before = {"is_meta": statement.is_meta}
        statement.is_meta = bool(is_meta)
        statement.save(update_fields=["is_meta"])
        bump_moderation_version(statement.conversation)
        audit.record(
            actor, "statement.set_meta", statement, before=before, after={"is_meta": statement.is_meta}
        )
    return statement


def check_set_theme(actor: Any, statement: Statement, theme: str) -> Statement:
    theme = (theme or "").strip()
    themes = list(statement.conversation.themes or [])
    if theme and theme not in themes:
        problem = "Choose one of this conversation's themes: " + "; ".join(f"'{t}'" for t in themes)
        raise _fields_error(problem, [("theme", problem)])
    return do_set_theme(actor, statement, theme)


def do_set_theme(actor: Any, statement: Statement, theme: str) -> Statement:
    with transaction.atomic():
        before = {"theme": statement.theme}
        statement.theme = theme
        statement.save(update_fields=["theme"])
        audit.record(actor, "statement.set_theme", statement, before=before, after={"theme": theme})
    return statement


# --- Moderators ---------------------------------------------------------------------------------------------


def check_add_moderator(actor: Any, conversation: Conversation, username: str) -> ConversationModerator:
    """Make the account ``username`` a moderator of ``conversation``."""
    user = find_account(username or "")
    if ConversationModerator.objects.filter(user=user, conversation=conversation).exists():
        problem = f"{user.username} is already a moderator of this conversation"
        raise _fields_error(problem, [("username", problem)])
    return do_add_moderator(actor, conversation, user)


def do_add_moderator(actor: Any, conversation: Conversation, user: Any) -> ConversationModerator:
    with transaction.atomic():
        moderator = ConversationModerator.objects.create(user=user, conversation=conversation)
        audit.record(actor, "conversation.add_moderator", conversation, after={"moderator": user.username})
    return moderator


def do_remove_moderator(actor: Any, conversation: Conversation, user: Any) -> None:
    with transaction.atomic():
        deleted, _ = ConversationModerator.objects.filter(user=user, conversation=conversation).delete()
        if not deleted:
            raise NotFound(f"{user.username} is not a moderator of this conversation.")
        audit.record(
            actor, "conversation.remove_moderator", conversation, before={"moderator": user.username}
        )
