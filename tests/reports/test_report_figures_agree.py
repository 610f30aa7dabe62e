"""Every figure of a conversation comes from one place (issue 14, item 8): on the demo, the report's key findings,
its "who took part" list and the exports page say the same numbers of people, votes and statements, and
"written by participants" counts only the statements people vote on."""

from __future__ import annotations

import re

import pytest

from commonweal.conversations.models import Conversation, Statement, Vote, VoteEvent
from tests.factories import make_facilitator

pytestmark = pytest.mark.django_db


def number(text: str) -> int:
    return int(text.replace(",", ""))


def plain(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_headline_the_tables_and_the_exports_agree_on_the_demo(client, loaded_demo):
    conversation = Conversation.objects.get(system__slug="riverside", imported_from="")
    client.force_login(make_facilitator(conversation.system))
    report = plain(client.get(f"/manage/conversations/{conversation.slug}/report/").content.decode())
    exports = plain(client.get(f"/manage/conversations/{conversation.slug}/exports/").content.decode())

    accepted = Statement.objects.filter(conversation=conversation, state=Statement.State.ACCEPTED)
    written = accepted.filter(author__isnull=False).count()
    votes = Vote.objects.filter(conversation=conversation).count()
    events = VoteEvent.objects.filter(conversation=conversation).count()
    assert events > votes  # the demo has changed votes, so the two counts differ

    headline = re.search(
        r"took part, casting ([\d,]+) votes on ([\d,]+) statements, ([\d,]+) of them written", report
    )
    assert headline, report[:2000]
    assert number(headline.group(1)) == votes
    assert number(headline.group(2)) == accepted.count()
    assert number(headline.group(3)) == written
    assert f"{votes:,} votes" in report.split("Who took part", 1)[1]
    assert f"{accepted.count():,} statements to vote on" in report
    assert f"{written:,} of them written by participants" in report

    listed = re.search(
        r"([\d,]+) statements to vote on and ([\d,]+) votes from ([\d,]+) participants", exports
    )
    assert listed, exports[:1500]
    assert (number(listed.group(1)), number(listed.group(2))) == (accepted.count(), votes)
    assert f"{events:,} votes cast in all" in exports  # what votes.csv lists, changed votes included
