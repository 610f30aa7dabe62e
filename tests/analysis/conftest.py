"""Shared fixtures for the analysis engine tests.

The real-data tests read ``../shared/data`` relative to the checkout (override with the
``COMMONWEAL_TEST_DATA`` environment variable). The data are never copied into the project.
When the folder is missing, tests that need it fail under CI (``CI=true``) and skip elsewhere,
with a message that says where they looked.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data"


def shared_data_path() -> Path:
    """Return the folder of shared test data (it may not exist)."""
    override = os.environ.get("COMMONWEAL_TEST_DATA")
    return Path(override) if override else DEFAULT_DATA


def _missing(what: Path) -> None:
    message = (
        f"test data folder {what} not found; set COMMONWEAL_TEST_DATA to the folder holding "
        "polis-opendata and polis-math-fixtures"
    )
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared data folder; fails under CI and skips otherwise when it is missing."""
    path = shared_data_path()
    if not path.is_dir():
        _missing(path)
    return path


@pytest.fixture(scope="session")
def polis_opendata(shared_data: Path) -> Path:
    """The Pol.is open-data folder (``polis-opendata``) inside the shared data."""
    path = shared_data / "polis-opendata"
    if not path.is_dir():
        _missing(path)
    return path


@pytest.fixture(scope="session")
def polis_math_fixtures(shared_data: Path) -> Path:
    """The Pol.is math fixtures folder (``polis-math-fixtures``) inside the shared data."""
    path = shared_data / "polis-math-fixtures"
    if not path.is_dir():
        _missing(path)
    return path
