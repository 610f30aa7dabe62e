"""Hand-written SQL for the few queries on the path of every vote and every "next statement".

Why not the ORM here: compiling a queryset with ``Exists``/``Subquery`` annotations costs a millisecond or more
of CPU each time, several times the cost of running it, and a vote plus a next statement would otherwise spend
most of its CPU building SQL strings (the vote-load benchmark's profile shows it). These statements are built
once per process from the models' own table and column names, run with parameters, and return model instances
converted the way the ORM's own converters would. Everywhere else, use the ORM.

Portable across PostgreSQL and SQLite (3.35+ for ``RETURNING``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from functools import cache
from typing import Any, TypeVar, cast

from django.conf import settings
from django.db import connection, models
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from commonweal.conversations.models import (
    AnalysisSnapshot,
    Conversation,
    Participant,
    Participation,
    Statement,
    Vote,
    VoteEvent,
)
from commonweal.core.models import RateLimitBucket

M = TypeVar("M", bound=models.Model)


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _table(model: type[models.Model]) -> str:
    return _q(model._meta.db_table)


def _columns(model: type[models.Model], alias: str) -> tuple[list[str], str]:
    """Every concrete field in the model's own order (what ``from_db`` expects), and their SELECT list."""
    fields = list(model._meta.concrete_fields)
    # A concrete field always has a column (only relations without one, like reverse ones, have None).
    return [f.attname for f in fields], ", ".join(f"{alias}.{_q(cast(str, f.column))}" for f in fields)


def _aware(value: Any) -> dt.datetime | None:
    # What the ORM's converters do: SQLite hands back text or naive UTC datetimes.
    if value is None:
        return None
    moment = value if isinstance(value, dt.datetime) else parse_datetime(str(value))
    if settings.USE_TZ and moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment, dt.UTC)
    return moment


def _build(model: type[M], names: list[str], values: Sequence[Any]) -> M:
    """A model instance from a row, converting values the way the ORM's converters would."""
    fields = {f.attname: f for f in model._meta.concrete_fields}
    converted = []
    for name, value in zip(names, values, strict=True):
        field = fields[name]
        if value is None:
            pass
        elif isinstance(field, models.BooleanField):
            value = bool(value)
        elif isinstance(field, models.DateTimeField):
            value = _aware(value)
        elif isinstance(field, models.JSONField) and isinstance(value, str | bytes):
            value = json.loads(value)
        converted.append(value)
    return model.from_db(connection.alias, names, converted)


# The statements depend only on the models (and the database backend's quoting), so each is built once.


@cache
def _statement_with_conversation_sql() -> tuple[str, list[str], list[str]]:
    s_names, s_cols = _columns(Statement, "s")
    c_names, c_cols = _columns(Conversation, "c")
    sql = (
        f"SELECT {s_cols}, {c_cols} FROM {_table(Statement)} s "
        f"JOIN {_table(Conversation)} c ON c.{_q('id')} = s.{_q('conversation_id')} "
        f"WHERE s.{_q('id')} = %s AND c.{_q('slug')} = %s"
    )
    return sql, s_names, c_names


def statement_with_conversation(slug: str, statement_id: int) -> Statement | None:
    """The statement of the conversation with this slug, its conversation attached; or None."""
    sql, s_names, c_names = _statement_with_conversation_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, [statement_id, slug])
        row = cursor.fetchone()
    if row is None:
        return None
    statement = _build(Statement, s_names, row[: len(s_names)])
    statement.conversation = _build(Conversation, c_names, row[len(s_names) :])
    return statement


@cache
def _vote_context_sql() -> tuple[str, list[str], list[str], list[str]]:
    s_names, s_cols = _columns(Statement, "s")
    c_names, c_cols = _columns(Conversation, "c")
    p_names, p_cols = _columns(Participant, "p")
    joined = (
        f"EXISTS (SELECT 1 FROM {_table(Participation)} j WHERE j.{_q('participant_id')} = p.{_q('id')} "
        f"AND j.{_q('conversation_id')} = c.{_q('id')})"
    )
    # The participant is LEFT JOINed: a statement found with no participant is a bad token (401), no row at all
    # is a missing statement or conversation (404), in that order, as with the separate look-ups.
    sql = (
        f"SELECT {s_cols}, {c_cols}, {p_cols}, {joined} FROM {_table(Statement)} s "
        f"JOIN {_table(Conversation)} c ON c.{_q('id')} = s.{_q('conversation_id')} "
        f"LEFT JOIN {_table(Participant)} p ON p.{_q('system_id')} = c.{_q('system_id')} "
        f"AND p.{_q('token_hash')} = %s "
        f"WHERE s.{_q('id')} = %s AND c.{_q('slug')} = %s"
    )
    return sql, s_names, c_names, p_names


def vote_context(
    slug: str, statement_id: int, token_hash: str
) -> tuple[Statement, tuple[Participant, bool] | None] | None:
    """In one query, what a vote needs: the statement of the conversation with this slug (its conversation
    attached), and the participant of the conversation's system with this token hash and whether they joined
    it (None when the token matches no one there). None when there is no such statement in that conversation.
    """
    sql, s_names, c_names, p_names = _vote_context_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, [token_hash, statement_id, slug])
        row = cursor.fetchone()
    if row is None:
        return None
    ns, nc = len(s_names), len(c_names)
    statement = _build(Statement, s_names, row[:ns])
    statement.conversation = _build(Conversation, c_names, row[ns : ns + nc])
    p_row = row[ns + nc : -1]
    if p_row[0] is None:  # the primary key: no participant matched
        return statement, None
    return statement, (_build(Participant, p_names, p_row), bool(row[-1]))


@cache
def _participant_sql(by: str) -> tuple[str, list[str]]:
    names, cols = _columns(Participant, "p")
    joined = (
        f"EXISTS (SELECT 1 FROM {_table(Participation)} j WHERE j.{_q('participant_id')} = p.{_q('id')} "
        f"AND j.{_q('conversation_id')} = %s)"
    )
    sql = (
        f"SELECT {cols}, {joined} FROM {_table(Participant)} p "
        f"WHERE p.{_q('system_id')} = %s AND p.{_q(by)} = %s"
    )
    return sql, names


def participant(conversation: Conversation, *, by: str, value: int | str) -> tuple[Participant, bool] | None:
    """The participant of the conversation's system whose ``by`` column (id or token_hash) is ``value``, and
    whether they joined the conversation; or None."""
    sql, names = _participant_sql(by)
    with connection.cursor() as cursor:
        cursor.execute(sql, [conversation.pk, conversation.system_id, value])
        row = cursor.fetchone()
    if row is None:
        return None
    return _build(Participant, names, row[:-1]), bool(row[-1])


@cache
def _joined_sql() -> tuple[str, list[str], list[str]]:
    c_names, c_cols = _columns(Conversation, "c")
    p_names, p_cols = _columns(Participant, "p")
    sql = (
        f"SELECT {c_cols}, {p_cols} FROM {_table(Participation)} j "
        f"JOIN {_table(Conversation)} c ON c.{_q('id')} = j.{_q('conversation_id')} "
        f"JOIN {_table(Participant)} p ON p.{_q('id')} = j.{_q('participant_id')} "
        f"WHERE c.{_q('slug')} = %s AND p.{_q('token_hash')} = %s"
    )
    return sql, c_names, p_names


def joined(slug: str, token_hash: str) -> tuple[Conversation, Participant] | None:
    """The conversation with this slug and the participant with this token hash, when they joined it."""
    sql, c_names, p_names = _joined_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, [slug, token_hash])
        row = cursor.fetchone()
    if row is None:
        return None
    return _build(Conversation, c_names, row[: len(c_names)]), _build(
        Participant, p_names, row[len(c_names) :]
    )


@cache
def _candidates_sql(states: int) -> str:
    st, vt, at = _table(Statement), _table(Vote), _table(AnalysisSnapshot)
    in_states = ", ".join(["%s"] * states)
    visible = f"{_q('conversation_id')} = %s AND {_q('state')} IN ({in_states})"
    # The total and the latest snapshot are uncorrelated subqueries: the database computes each once.
    return (
        f"SELECT s.{_q('id')}, "
        f"(SELECT COUNT(*) FROM {st} t WHERE t.{visible}), "
        f"(SELECT a.{_q('id')} FROM {at} a WHERE a.{_q('conversation_id')} = %s "
        f"ORDER BY a.{_q('tick')} DESC LIMIT 1) "
        f"FROM {st} s WHERE s.{visible} AND NOT EXISTS "
        f"(SELECT 1 FROM {vt} v WHERE v.{_q('participant_id')} = %s AND v.{_q('statement_id')} = s.{_q('id')})"
    )


def candidates(
    conversation_id: int, participant_id: int, states: Sequence[str]
) -> tuple[list[int], int | None, int | None]:
    """The visible statements the participant has not voted on, the number of visible statements, and the
    latest snapshot's id. The total and the snapshot are None when there are no candidates."""
    states = list(states)
    params: list[int | str] = [conversation_id, *states, conversation_id]
    params += [conversation_id, *states, participant_id]
    with connection.cursor() as cursor:
        cursor.execute(_candidates_sql(len(states)), params)
        rows = cursor.fetchall()
    if not rows:
        return [], None, None
    return [r[0] for r in rows], int(rows[0][1]), rows[0][2]


@cache
def _statement_sql() -> tuple[str, list[str]]:
    names, cols = _columns(Statement, "s")
    return f"SELECT {cols} FROM {_table(Statement)} s WHERE s.{_q('id')} = %s", names


def statement(statement_id: int) -> Statement | None:
    sql, names = _statement_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, [statement_id])
        row = cursor.fetchone()
    return None if row is None else _build(Statement, names, row)


@cache
def _insert_event_sql() -> str:
    cols = ", ".join(_q(c) for c in ("conversation_id", "participant_id", "statement_id", "value", "at"))
    return f"INSERT INTO {_table(VoteEvent)} ({cols}) VALUES (%s, %s, %s, %s, %s) RETURNING {_q('id')}"


def insert_vote_event(
    conversation_id: int, participant_id: int, statement_id: int, value: int, at: dt.datetime
) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            _insert_event_sql(),
            [
                conversation_id,
                participant_id,
                statement_id,
                value,
                connection.ops.adapt_datetimefield_value(at),
            ],
        )
        return int(cursor.fetchone()[0])


@cache
def _upsert_vote_sql() -> str:
    table = _table(Vote)
    cols = ("conversation_id", "participant_id", "statement_id", "value", "updated_at", "event_id")
    # One statement, safe under concurrent requests on PostgreSQL and SQLite alike: the unique constraint on
    # (participant, statement) settles the race instead of a read-then-write. The WHERE keeps the current vote
    # on the latest event even if two changes of the same vote commit out of order.
    return (
        f"INSERT INTO {table} ({', '.join(_q(c) for c in cols)}) VALUES (%s, %s, %s, %s, %s, %s) "
        f"ON CONFLICT ({_q('participant_id')}, {_q('statement_id')}) DO UPDATE SET "
        f"{_q('value')} = excluded.{_q('value')}, {_q('updated_at')} = excluded.{_q('updated_at')}, "
        f"{_q('event_id')} = excluded.{_q('event_id')} "
        f"WHERE {table}.{_q('event_id')} < excluded.{_q('event_id')}"
    )


def upsert_current_vote(
    conversation_id: int, participant_id: int, statement_id: int, value: int, at: dt.datetime, event_id: int
) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            _upsert_vote_sql(),
            [
                conversation_id,
                participant_id,
                statement_id,
                value,
                connection.ops.adapt_datetimefield_value(at),
                event_id,
            ],
        )


@cache
def _record_vote_limited_sql() -> str:
    rl, ev, vt = _table(RateLimitBucket), _table(VoteEvent), _table(Vote)
    key, window, count = _q("key"), _q("window_start"), _q("count")
    e_cols = ", ".join(_q(c) for c in ("conversation_id", "participant_id", "statement_id", "value", "at"))
    v_cols = ", ".join(
        _q(c)
        for c in ("conversation_id", "participant_id", "statement_id", "value", "updated_at", "event_id")
    )
    # PostgreSQL only (data-modifying WITH). The counter goes up only while under the limit, the event is
    # inserted only when the counter went up, and the current vote only when the event was: a refused vote
    # changes nothing, as when the three statements roll back together. The current vote keeps the latest
    # event, as in _upsert_vote_sql.
    return (
        f"WITH hit AS (INSERT INTO {rl} ({key}, {window}, {count}) VALUES (%s, %s, 1) "
        f"ON CONFLICT ({key}, {window}) DO UPDATE SET {count} = {rl}.{count} + 1 WHERE {rl}.{count} < %s "
        f"RETURNING {count}), "
        f"event AS (INSERT INTO {ev} ({e_cols}) SELECT %s, %s, %s, %s, %s FROM hit WHERE hit.{count} <= %s "
        f"RETURNING {_q('id')}), "
        f"cur AS (INSERT INTO {vt} ({v_cols}) SELECT %s, %s, %s, %s, %s, event.{_q('id')} FROM event "
        f"ON CONFLICT ({_q('participant_id')}, {_q('statement_id')}) DO UPDATE SET "
        f"{_q('value')} = excluded.{_q('value')}, {_q('updated_at')} = excluded.{_q('updated_at')}, "
        f"{_q('event_id')} = excluded.{_q('event_id')} "
        f"WHERE {vt}.{_q('event_id')} < excluded.{_q('event_id')}) "
        f"SELECT {_q('id')} FROM event"
    )


def record_vote_limited(
    *,
    rate_key: str,
    window: int,
    limit: int,
    conversation_id: int,
    participant_id: int,
    statement_id: int,
    value: int,
    at: dt.datetime,
) -> int | None:
    """PostgreSQL: in one statement (so one transaction, with no BEGIN and COMMIT round trips), count a vote
    against its rate limit, insert its event and make it the current vote. The event's id; None when the rate
    limit refused it (and nothing changed)."""
    when = connection.ops.adapt_datetimefield_value(at)
    vote = [conversation_id, participant_id, statement_id, value, when]
    with connection.cursor() as cursor:
        cursor.execute(_record_vote_limited_sql(), [rate_key, window, limit, *vote, limit, *vote])
        row = cursor.fetchone()
    return None if row is None else int(row[0])
