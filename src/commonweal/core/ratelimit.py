"""Fixed-window rate limits kept in the database, so every app server behind a load balancer shares them."""

from __future__ import annotations

import time

from django.db import connection

from commonweal.core.errors import RateLimited
from commonweal.core.models import RateLimitBucket


def parse_rate(rate: str) -> tuple[int, int]:
    """``"120/60"`` -> (120, 60): at most 120 events in each 60-second window."""
    try:
        count, seconds = rate.split("/")
        return int(count), int(seconds)
    except ValueError as exc:  # a misconfigured setting must fail loudly, not disable the limit
        raise ValueError(f"A rate must look like '120/60' (count/seconds), not {rate!r}.") from exc


def hit(key: str, rate: str, *, what: str) -> None:
    """Count one event for ``key``; raise :class:`RateLimited` when the window's allowance is used up.

    ``what`` names the thing limited, for the message ("votes", "statements", "new participants").
    """
    limit, seconds = parse_rate(rate)
    now = int(time.time())
    window = window_start(now, seconds)
    # One statement, race-free on PostgreSQL and SQLite (3.35+) alike: count the event and read the new count
    # back. It is on the path of every vote, so no read-then-write and no savepoint; inside a caller's
    # transaction it commits (or rolls back) with the caller's change.
    qn = connection.ops.quote_name
    table, key_col, window_col, count_col = (
        qn(RateLimitBucket._meta.db_table),
        qn("key"),
        qn("window_start"),
        qn("count"),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({key_col}, {window_col}, {count_col}) VALUES (%s, %s, 1) "
            f"ON CONFLICT ({key_col}, {window_col}) DO UPDATE SET {count_col} = {table}.{count_col} + 1 "
            f"RETURNING {count_col}",
            [key, window],
        )
        count = cursor.fetchone()[0]
    if count > limit:
        raise refusal(limit, seconds, now, what=what)


def window_start(now: int, seconds: int) -> int:
    """The start of the fixed window of ``seconds`` that ``now`` (Unix seconds) falls in."""
    return now - now % seconds


def refusal(limit: int, seconds: int, now: int, *, what: str) -> RateLimited:
    """The error for an event refused at ``now`` because its window's allowance is used up."""
    retry = window_start(now, seconds) + seconds - now
    return RateLimited(
        f"Too many {what} in a short time: the limit is {limit} every {seconds // 60 or seconds} "
        f"{'minutes' if seconds >= 120 else 'minute' if seconds >= 60 else 'seconds'}. "
        f"Wait {retry} seconds and try again; nothing you already sent was lost.",
        retry_after=max(retry, 1),
    )


def purge_old(older_than_seconds: int = 86400) -> int:
    cutoff = int(time.time()) - older_than_seconds
    deleted, _ = RateLimitBucket.objects.filter(window_start__lt=cutoff).delete()
    return deleted
