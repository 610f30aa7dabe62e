"""Shared test set-up: the data folder of real Pol.is conversations and the browser."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def shared_data_dir() -> Path:
    """``../shared/data`` beside the checkout, or ``$COMMONWEAL_TEST_DATA`` (it may not exist)."""
    return Path(os.environ.get("COMMONWEAL_TEST_DATA", ROOT.parent / "shared" / "data"))


def require_folder(folder: Path) -> Path:
    """Return ``folder``; when it is missing, fail under CI (``CI=true``) and skip elsewhere, saying why.

    The real Pol.is data are never copied into the project: tests read them where CI lays them out.
    """
    if folder.is_dir():
        return folder
    message = (
        f"the shared test data folder {folder} is missing (set COMMONWEAL_TEST_DATA to the folder that "
        "holds polis-opendata and polis-math-fixtures)"
    )
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared data folder."""
    return require_folder(shared_data_dir())


@pytest.fixture(scope="session")
def polis_opendata(shared_data: Path) -> Path:
    """Real Pol.is conversations in the open-data format (``polis-opendata``)."""
    return require_folder(shared_data / "polis-opendata")


@pytest.fixture(scope="session")
def polis_math_fixtures(shared_data: Path) -> Path:
    """Pol.is' own math output for five conversations (``polis-math-fixtures``)."""
    return require_folder(shared_data / "polis-math-fixtures")
