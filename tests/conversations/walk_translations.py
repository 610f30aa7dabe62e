"""This part's rows of the permission walk (merged by tests/test_permissions_walk.py; see WALK_TABLES there): the
facilitator's translation pages of a conversation, and the participant pages' language switcher. Translating is the facilitators' task, like editing the
conversation: moderators and other systems' facilitators are refused."""

from __future__ import annotations

from typing import Any

from tests.walk_support import FACILITATORS, REDIRECT, Expect, same, staff

EXPECTED: dict[str, Expect] = {
    # The participant pages' language switcher (Django's set_language): anyone, back to the page they were on.
    "set_language": Expect(
        get=same(REDIRECT), post=same(REDIRECT), post_data={"language": "cy", "next": "/"}
    ),
    "conversations:manage_translations": Expect(
        get=staff(200, FACILITATORS), post=staff(REDIRECT, FACILITATORS), post_data={"title_cy": "Ein sgwrs"}
    ),
    "conversations:manage_translations_csv": Expect(get=staff(200, FACILITATORS)),
    # Without a file the upload is refused as it stands (400), for those allowed to upload at all.
    "conversations:manage_translations_import": Expect(
        get=staff(200, FACILITATORS), post=staff(400, FACILITATORS), post_data={}
    ),
    "conversations:manage_translate_statement": Expect(
        get=staff(200, FACILITATORS), post=staff(REDIRECT, FACILITATORS), post_data={"text_ur": "ایک بیان"}
    ),
}


def params(world: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The statement to translate: a seed statement of the walk's conversation."""
    return {"conversations:manage_translate_statement": {"statement_id": world["seed"].pk}}
