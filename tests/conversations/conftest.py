"""Shared set-up of the conversations tests."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import make_conversation


@pytest.fixture
def conversation(system: Any) -> Any:
    """An open conversation of the Riverside system, strictly moderated, with the factory's two themes."""
    return make_conversation(system)
