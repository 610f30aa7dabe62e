"""The ``<id:...>`` path converter: a database id in an address.

Like Django's ``<int:...>``, but an address whose number is larger than any database id (2^63 or more) does not
match, so it is a plain 404 instead of an overflow in the database driver (a server error on SQLite).
"""

from __future__ import annotations

from django.urls import register_converter

#: The largest id a database row can have: a signed 64-bit integer (PostgreSQL bigint, SQLite INTEGER).
MAX_ID = 2**63 - 1


class IdConverter:
    regex = "[0-9]+"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            # A ValueError makes Django try the next pattern, and answer 404 when none matches.
            raise ValueError(f"{value} is larger than any id")
        return number

    def to_url(self, value: int) -> str:
        return str(value)


def register() -> None:
    """Make ``<id:name>`` available to every URL pattern (called once, when the core app is ready)."""
    register_converter(IdConverter, "id")
