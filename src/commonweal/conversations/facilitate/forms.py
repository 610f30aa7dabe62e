"""Forms of the facilitator's conversation pages. They parse; the rules live in ``actions.facilitation``."""

from __future__ import annotations

from typing import Any

from django import forms

from commonweal.conversations.facilitate.actions import MAX_SEEDS, ConversationInput
from commonweal.conversations.models import DEFAULT_THEMES, STATEMENT_MAX_LENGTH, Conversation
from commonweal.core.forms import NHSUKFormMixin, radio_field, text_field


class ConversationForm(NHSUKFormMixin, forms.Form):
    title = text_field(
        "Title",
        max_length=200,
        required="Enter a title for the conversation",
        too_long="Keep the title to 200 characters",
        help_text="A short name for the conversation, such as 'Our strategy 2026 to 2031'.",
    )
    question = text_field(
        "The question participants answer",
        max_length=500,
        required="Enter the question participants will answer",
        too_long="Keep the question to 500 characters",
        help_text="Ask for what is working as well as what to change, such as 'What should we do together to "
        "keep people well at home?'",
        rows=2,
    )
    description = text_field(
        "Description (optional)",
        max_length=4000,
        help_text="Shown to participants before they start: why you ask and what will happen with the answers.",
        rows=4,
    )
    moderation = radio_field(
        "Moderation of new statements",
        Conversation.Moderation.choices,
        required="Choose how new statements are moderated",
        initial=Conversation.Moderation.STRICT,
    )
    participants_can_add = forms.BooleanField(
        label="Participants can add their own statements", required=False, initial=True
    )
    ask_about = forms.MultipleChoiceField(
        label="Which 'about you' questions to ask",
        required=False,
        choices=[
            ("sector", "Their sector"),
            ("organisation", "Their organisation"),
            ("place", "Their place"),
            ("community", "Their communities"),
            ("age_band", "Their age band (Census 2021 bands, with 'prefer not to say')"),
            ("ethnic_group", "Their ethnic group (Census 2021 groups, with 'prefer not to say')"),
        ],
        initial=["sector", "organisation", "place", "community"],
        help_text="Participants can always skip them. The answers let you see who is taking part, and find common "
        "ground across sectors and places.",
        widget=forms.CheckboxSelectMultiple,
    )
    themes = text_field(
        "Themes (optional)",
        help_text="One per line. Participants and you can put each statement under one theme. Ask for the bright "
        "side as well as the problems.",
        rows=4,
    )
    themes.initial = "\n".join(DEFAULT_THEMES)
    slug = text_field(
        "Link (optional)",
        max_length=200,
        too_long="Keep the link to 40 characters",
        help_text="The end of the participants' address, /c/…/: letters, numbers and hyphens, such as "
        "'riverside-2026'. Left empty, it is a short random one. It cannot change once the conversation opens.",
        attrs={"spellcheck": "false", "autocapitalize": "none"},
    )

    @classmethod
    def for_conversation(cls, conversation: Conversation) -> ConversationForm:
        asked = [
            k
            for k in ("sector", "organisation", "place", "community", "age_band", "ethnic_group")
            if getattr(conversation, f"ask_{k}")
        ]
        return cls(
            initial={
                "title": conversation.title,
                "question": conversation.question,
                "description": conversation.description,
                "moderation": conversation.moderation,
                "participants_can_add": conversation.participants_can_add,
                "ask_about": asked,
                "themes": "\n".join(conversation.themes or []),
                "slug": conversation.slug,
            }
        )

    def to_input(self) -> ConversationInput:
        data: dict[str, Any] = self.cleaned_data
        asked = set(data.get("ask_about") or [])
        return ConversationInput(
            title=data["title"],
            question=data["question"],
            description=data.get("description", ""),
            moderation=data["moderation"],
            participants_can_add=bool(data.get("participants_can_add")),
            ask_sector="sector" in asked,
            ask_organisation="organisation" in asked,
            ask_place="place" in asked,
            ask_community="community" in asked,
            ask_age_band="age_band" in asked,
            ask_ethnic_group="ethnic_group" in asked,
            themes=data.get("themes") or "",
            slug=data.get("slug") or "",
        )


class SeedForm(NHSUKFormMixin, forms.Form):
    statements = forms.CharField(
        label="Seed statements",
        help_text=f"One statement per line, each at most {STATEMENT_MAX_LENGTH} characters. To choose a line's "
        "theme, start it with the theme and a colon, such as 'What is working: Our district nurses know "
        "every family'. Statements already in the conversation are skipped.",
        max_length=MAX_SEEDS * (STATEMENT_MAX_LENGTH + 110),
        error_messages={"required": "Enter at least one statement, one per line"},
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "true"}),
    )
    theme = forms.ChoiceField(
        label="Theme for lines that do not name one",
        required=False,
        choices=[("", "No theme")],
    )

    def __init__(self, conversation: Conversation, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        themes = list(conversation.themes or [])
        self.fields["theme"].choices = [("", "No theme"), *[(t, t) for t in themes]]  # type: ignore[attr-defined]
        if not themes:
            del self.fields["theme"]


class GroupingForm(NHSUKFormMixin, forms.Form):
    """How the analysis finds a conversation's opinion groups (on the results page)."""

    grouping = radio_field(
        "How the opinion groups are found",
        Conversation.Grouping.choices,
        required="Choose how the opinion groups are found",
    )
