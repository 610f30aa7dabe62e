"""Conversations: statements, participants and their votes (kept as events), moderation, analysis snapshots."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from commonweal.core.text import duplicate_key
from commonweal.systems.models import Community, Organisation, Place, Sector, System

STATEMENT_MAX_LENGTH = 280
# What the database holds: longer than what participants and facilitators may write (STATEMENT_MAX_LENGTH), so a
# statement imported from Pol.is (whose comments can be longer) keeps its whole text. Not longer still: the unique
# index on the normalised text must fit PostgreSQL's index row limit (about 2,700 bytes) at 4 bytes a character.
STATEMENT_STORED_MAX_LENGTH = 600
DEFAULT_THEMES = ["What is working", "What we could do together"]


class AgeBand(models.TextChoices):
    """The optional "about you" age bands (people aged 16 and over), aligned to the Census 2021 age tables so that
    a place's baseline can be summed into them (``communities.representation.census``)."""

    AGED_16_24 = "16-24", _("16 to 24")
    AGED_25_34 = "25-34", _("25 to 34")
    AGED_35_44 = "35-44", _("35 to 44")
    AGED_45_54 = "45-54", _("45 to 54")
    AGED_55_64 = "55-64", _("55 to 64")
    AGED_65_74 = "65-74", _("65 to 74")
    AGED_75_84 = "75-84", _("75 to 84")
    AGED_85_PLUS = "85+", _("85 or over")
    PREFER_NOT = "prefer-not", _("Prefer not to say")


class EthnicGroup(models.TextChoices):
    """The optional "about you" ethnic group: the five high-level groups of the Census 2021 question in England
    and Wales (TS021's "Ethnic group (6 categories)", without "Does not apply")."""

    ASIAN = "asian", _("Asian, Asian British or Asian Welsh")
    BLACK = "black", _("Black, Black British, Black Welsh, Caribbean or African")
    MIXED = "mixed", _("Mixed or Multiple ethnic groups")
    WHITE = "white", _("White")
    OTHER = "other", _("Other ethnic group")
    PREFER_NOT = "prefer-not", _("Prefer not to say")


def new_slug() -> str:
    # Short, unguessable, easy to read aloud and type from a slide: no 0/o/1/l confusion.
    alphabet = "23456789abcdefghjkmnpqrstuvwxyz"
    return "".join(secrets.choice(alphabet) for _ in range(8))


def new_handle() -> str:
    return secrets.token_hex(8)


class Conversation(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    class Moderation(models.TextChoices):
        STRICT = "strict", "Strict: new statements are shown only once a moderator accepts them"
        PERMISSIVE = "permissive", "Permissive: new statements are shown at once; moderators can reject them"

    system = models.ForeignKey(System, on_delete=models.CASCADE, related_name="conversations")
    slug = models.SlugField(max_length=40, unique=True, default=new_slug)
    title = models.CharField(max_length=200)
    question = models.CharField(max_length=500, help_text="The question participants answer.")
    description = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    moderation = models.CharField(max_length=12, choices=Moderation.choices, default=Moderation.STRICT)
    participants_can_add = models.BooleanField(default=True)
    ask_sector = models.BooleanField(default=True)
    ask_organisation = models.BooleanField(default=True)
    ask_place = models.BooleanField(default=True)
    ask_community = models.BooleanField(default=True)
    # The Census-aligned questions are off unless a facilitator turns them on (representation against a baseline).
    ask_age_band = models.BooleanField(default=False)
    ask_ethnic_group = models.BooleanField(default=False)
    themes = models.JSONField(
        default=list, blank=True, help_text="The conversation's own list of statement themes."
    )
    imported_from = models.CharField(
        max_length=300,
        blank=True,
        help_text="Where an imported conversation came from (e.g. a Pol.is export).",
    )

    class Grouping(models.TextChoices):
        AUTO = "auto", "Automatic: commonweal's method, or Pol.is' for a conversation imported from Pol.is"
        COMMONWEAL = "commonweal", "commonweal's method: in as many dimensions as the votes support"
        POLIS = "polis", "Pol.is' method: on the two dimensions of the map"

    grouping = models.CharField(
        max_length=12,
        choices=Grouping.choices,
        default=Grouping.AUTO,
        help_text="How the analysis finds the opinion groups (docs/analysis.md).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    @property
    def grouping_mode(self) -> str:
        """The engine's grouping for this conversation: "commonweal" or "polis" ("auto" resolved: Pol.is' for a
        conversation imported from Pol.is, so its groups are the ones its participants saw)."""
        if self.grouping != self.Grouping.AUTO:
            return str(self.grouping)
        return "polis" if self.imported_from else "commonweal"

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def asks_about_you(self) -> bool:
        return (
            self.ask_sector
            or self.ask_organisation
            or self.ask_place
            or self.ask_community
            or self.ask_age_band
            or self.ask_ethnic_group
        )

    @property
    def about_you_topics(self) -> list[str]:
        """What the "about you" questions of this conversation ask, in the participant's language, for the
        consent page's list of what we collect."""
        asked = [
            (self.ask_sector, _("the sector you work in or come from")),
            (self.ask_organisation, _("your organisation")),
            (self.ask_place, _("your place")),
            (self.ask_community, _("the communities you are part of")),
            (self.ask_age_band, _("your age band")),
            (self.ask_ethnic_group, _("your ethnic group")),
        ]
        return [str(topic) for ask, topic in asked if ask]


class ConversationModerator(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="moderates")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="moderators")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "conversation"], name="moderator_unique")]


class Participant(models.Model):
    """A pseudonymous participant of one system. No name, no account; declared attributes are optional."""

    system = models.ForeignKey(System, on_delete=models.CASCADE, related_name="participants")
    # A random public handle: what the API and exports use, never the database id.
    handle = models.CharField(max_length=32, unique=True, default=new_handle)
    # The secret that proves a device is this participant (hashed, like a password).
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    consented_at = models.DateTimeField(null=True, blank=True)
    sector = models.CharField(max_length=30, choices=Sector.choices, blank=True)
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.SET_NULL)
    place = models.ForeignKey(Place, null=True, blank=True, on_delete=models.SET_NULL)
    communities = models.ManyToManyField(Community, blank=True, related_name="participants")
    # Blank: not asked or not answered; "prefer-not": the participant chose "Prefer not to say".
    age_band = models.CharField(max_length=12, choices=AgeBand.choices, blank=True)
    ethnic_group = models.CharField(max_length=12, choices=EthnicGroup.choices, blank=True)
    about_you_done = models.BooleanField(
        default=False, help_text="Answered or skipped the 'about you' questions."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"participant {self.handle}"


class Participation(models.Model):
    """A participant joining one conversation (after consent)."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="participations")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="participations")
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["participant", "conversation"], name="participation_unique")
        ]


class Statement(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Waiting for moderation"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="statements")
    text = models.CharField(max_length=STATEMENT_STORED_MAX_LENGTH)
    normalised_text = models.CharField(max_length=STATEMENT_STORED_MAX_LENGTH + 20, editable=False)
    author = models.ForeignKey(
        Participant, null=True, blank=True, on_delete=models.SET_NULL, related_name="statements"
    )
    seeded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    is_seed = models.BooleanField(default=False)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING, db_index=True)
    is_meta = models.BooleanField(default=False, help_text="About the conversation itself, not its question.")
    theme = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    moderated_at = models.DateTimeField(null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["conversation", "normalised_text"], name="statement_unique_text"),
        ]
        indexes = [models.Index(fields=["conversation", "state"])]

    def save(self, *args: object, **kwargs: object) -> None:
        self.normalised_text = duplicate_key(self.text)
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def __str__(self) -> str:
        return self.text

    @property
    def system(self) -> System:
        return self.conversation.system


class VoteValue(models.IntegerChoices):
    AGREE = 1, "Agree"
    PASS = 0, "Pass"
    DISAGREE = -1, "Disagree"


class VoteEvent(models.Model):
    """Every vote ever cast, kept. The current vote is derived from the latest event (see :class:`Vote`)."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="vote_events")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="vote_events")
    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="vote_events")
    value = models.SmallIntegerField(choices=VoteValue.choices)
    at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [models.Index(fields=["conversation", "id"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(value__in=[-1, 0, 1]), name="vote_event_value")
        ]


class Vote(models.Model):
    """The current vote of a participant on a statement, kept consistent with the events in the same transaction."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="votes")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="votes")
    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="votes")
    value = models.SmallIntegerField(choices=VoteValue.choices)
    updated_at = models.DateTimeField()
    event = models.ForeignKey(VoteEvent, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["participant", "statement"], name="vote_unique_current"),
            models.CheckConstraint(condition=models.Q(value__in=[-1, 0, 1]), name="vote_value"),
        ]
        indexes = [models.Index(fields=["conversation", "participant"])]


class AnalysisSnapshot(models.Model):
    """One result of the analysis engine for a conversation. The tick only grows."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="snapshots")
    tick = models.PositiveIntegerField()
    computed_at = models.DateTimeField(auto_now_add=True)
    vote_event_high_water = models.BigIntegerField(
        default=0, help_text="The last vote event the snapshot includes."
    )
    result = models.JSONField(help_text="AnalysisResult.to_dict()")
    state = models.JSONField(
        null=True, blank=True, help_text="The engine state to warm-start the next update."
    )
    priorities = models.JSONField(
        default=dict, help_text="Statement id -> priority, to choose the next statement."
    )
    moderation_version = models.PositiveIntegerField(
        default=0, help_text="AnalysisStatus.moderation_version the snapshot was computed with."
    )
    duration_ms = models.PositiveIntegerField(default=0, help_text="Time the computation took.")

    class Meta:
        ordering = ["-tick"]
        constraints = [models.UniqueConstraint(fields=["conversation", "tick"], name="snapshot_unique_tick")]


class AnalysisStatus(models.Model):
    """What the analysis worker needs to know about a conversation besides its votes, and how it last went.

    New votes are found by comparing the latest vote event with the latest snapshot's high-water mark, so a vote
    never writes here; a moderation decision (or anything else that changes what the analysis sees without a
    vote) bumps ``moderation_version``.
    """

    conversation = models.OneToOneField(
        Conversation, on_delete=models.CASCADE, primary_key=True, related_name="analysis_status"
    )
    moderation_version = models.PositiveIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, help_text="The last failure's error; empty after a success.")
    last_error_at = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)


class WorkerHeartbeat(models.Model):
    """An analysis worker's sign of life: one row per running worker process, its ``beat_at`` renewed every few
    seconds (``commonweal.conversations.jobs.heartbeat``).

    In the database, not in a file or in memory, so every app server (and ``/healthz`` on any of them) sees the
    workers of every machine. A worker that stops cleanly deletes its row; one that dies leaves it, growing old.
    """

    worker = models.CharField(max_length=200, unique=True, help_text="host:process id")
    host = models.CharField(max_length=200)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField(db_index=True)


class Erasure(models.Model):
    """Participant data erased from a conversation (at the participant's wish, on request, or by retention).

    What the results, the report and the exports read to say "updated after an erasure" (the latest snapshot was
    computed before it) or "includes an erasure on <date>" (after it). It holds no reference to the person: whose
    data it was, and who asked, are in the audit log.
    """

    class Reason(models.TextChoices):
        PARTICIPANT = "participant", "The participant deleted their data"
        REQUEST = "request", "A facilitator erased a participant's data on request"
        RETENTION = "retention", "The system's retention period ended"

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="erasures")
    at = models.DateTimeField()
    reason = models.CharField(max_length=12, choices=Reason.choices)
    votes = models.PositiveIntegerField(default=0, help_text="Current votes removed.")
    vote_events = models.PositiveIntegerField(default=0, help_text="Vote events removed.")
    statements_deleted = models.PositiveIntegerField(default=0)
    statements_unattributed = models.PositiveIntegerField(
        default=0, help_text="Statements others voted on, kept without their author."
    )
    analysis_version = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="AnalysisStatus.moderation_version after the erasure: a snapshot computed with it (or later) "
        "leaves the erased data out. Null when no votes were left to analyse.",
    )

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["conversation", "at"])]


class RetentionRun(models.Model):
    """When the retention job last ran: one row, which a worker claims at most once a day
    (``commonweal.conversations.rights.retention``), so several workers on one database run it once."""

    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_summary = models.JSONField(default=dict, blank=True, help_text="What the last run erased.")


class ImportJob(models.Model):
    """A Pol.is import waiting for, or run by, the analysis worker (``commonweal.conversations.polis_import``).

    The import page and the API save the upload in the data folder and queue a job, so that no web request
    reads a large export; the worker runs one job at a time and records its stage and progress here for the
    progress page. ``conversation`` is set once the import is done: until then nothing of it is visible. A job
    whose worker died part-way (killed, out of memory) is marked failed, and what it wrote removed, by the next
    worker that looks (``polis_import.actions.fail_stale_import_jobs``).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Importing"
        DONE = "done", "Imported"
        FAILED = "failed", "Not imported"

    system = models.ForeignKey(System, on_delete=models.CASCADE, related_name="import_jobs")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(max_length=200, blank=True)
    upload = models.CharField(max_length=500, help_text="The folder in the data folder holding the upload.")
    source = models.CharField(max_length=300, blank=True, help_text="The uploaded files' names.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    stage = models.CharField(max_length=40, blank=True)
    done = models.BigIntegerField(default=0)
    total = models.BigIntegerField(default=0)
    conversation = models.ForeignKey(
        Conversation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    summary = models.TextField(blank=True)
    error = models.TextField(blank=True)
    errors = models.JSONField(default=list, blank=True, help_text="The file, row and reason of a refusal.")
    worker = models.CharField(
        max_length=300,
        blank=True,
        help_text="The process running it (host:pid, as the worker's heartbeat), to tell a job whose worker died.",
    )
    draft = models.ForeignKey(
        Conversation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The conversation being written batch by batch (SQLite), removed if the job dies part-way.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]


#: The longest translation of a statement: room for languages that take more characters than English to say it.
TRANSLATION_MAX_LENGTH = 600


class StatementTranslation(models.Model):
    """A statement in another of the participant pages' languages, entered by a facilitator (one by one, or from a
    translator's CSV file). Participants reading in that language see it instead of the original; their votes
    are on the statement, whatever the language."""

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(
        max_length=10, help_text="A code of settings.LANGUAGES other than the default."
    )
    text = models.CharField(max_length=TRANSLATION_MAX_LENGTH)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["statement_id", "language"]
        constraints = [
            models.UniqueConstraint(fields=["statement", "language"], name="statement_translation_unique")
        ]

    def __str__(self) -> str:
        return f"{self.language}: {self.text}"


class ConversationTranslation(models.Model):
    """A conversation's title and question in another language (either may be left blank: the original shows)."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(
        max_length=10, help_text="A code of settings.LANGUAGES other than the default."
    )
    title = models.CharField(max_length=400, blank=True)
    question = models.CharField(max_length=1000, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["conversation_id", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "language"], name="conversation_translation_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.language}: {self.title}"


#: The longest name a facilitator may give an opinion group (it stands in for "Group A" in headings and tables).
GROUP_NAME_MAX_LENGTH = 40


class GroupName(models.Model):
    """A facilitator's name for an opinion group ("Prevention first"), shown in place of "Group A".

    Group letters can change between analysis updates, so the name is tied to the people the group held when it
    was named (``members``, participant ids) rather than to its letter: each update, it follows the group that
    now holds most of them (``conversations.results.names``; docs/analysis.md, "Naming an opinion group")."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="group_names")
    name = models.CharField(max_length=GROUP_NAME_MAX_LENGTH)
    members = models.JSONField(help_text="Participant ids in the group when it was named.")
    tick = models.PositiveIntegerField(help_text="The analysis snapshot the group was named on.")
    group = models.PositiveIntegerField(help_text="The group's index (0 is Group A) in that snapshot.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["conversation_id", "created_at", "id"]

    def __str__(self) -> str:
        return self.name
