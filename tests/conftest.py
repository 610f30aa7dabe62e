"""Shared test set-up: the data folder of real Pol.is conversations and the browser."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def shared_data_dir() -> Path | None:
    folder = Path(os.environ.get("COMMONWEAL_TEST_DATA", ROOT.parent / "shared" / "data"))
    return folder if folder.is_dir() else None


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` (or ``$COMMONWEAL_TEST_DATA``): fails under CI when missing, skips elsewhere."""
    folder = shared_data_dir()
    if folder is None:
        where = os.environ.get("COMMONWEAL_TEST_DATA", str(ROOT.parent / "shared" / "data"))
        message = f"the shared test data folder {where} is missing (set COMMONWEAL_TEST_DATA to its location)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return folder
