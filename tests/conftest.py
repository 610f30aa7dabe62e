"""Shared test set-up: the data folder of real Pol.is conversations, the fast password hasher, a system and its
facilitator, and the demo (built once per session)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.utils import translation

from commonweal.core import ratelimit
from commonweal.systems.models import System
from tests.factories import make_facilitator, make_system
from tests.session_demo import DemoCopy, build_demo_copy, restore_demo

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


# --- Accounts ----------------------------------------------------------------------------------------------------


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "real_password_hashing: hash passwords with the project's own hashers (Argon2), not the tests' fast one",
    )


class FrozenRateClock:
    """One instant for the rate limits' fixed windows (core.ratelimit), so that a test that makes N + 1 requests
    never straddles two windows (a "2/600" limit let the third vote through when the minute hand passed :10)."""

    NOW = 1_800_000_030.0

    @staticmethod
    def time() -> float:
        return FrozenRateClock.NOW


@pytest.fixture(autouse=True)
def frozen_rate_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ratelimit, "time", FrozenRateClock)
    # A report's PDF is waited for, however loaded the machine (tests of the progress page set it to 0).
    monkeypatch.setattr(django_settings, "REPORT_PDF_WAIT_SECONDS", 600.0)


@pytest.fixture(autouse=True)
def default_language() -> Any:
    """Each test starts in the site's default language: a request in Welsh or Urdu leaves its language active in
    the thread (the locale middleware activates it and does not put it back), and words built outside a request
    (a group's sentence, a report) would then come out in that language in the next test."""
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def fast_password_hashing(request: pytest.FixtureRequest) -> None:
    """Argon2 is deliberately slow; tests that are not about hashing use a fast hasher to keep the suite quick.

    A test marked ``real_password_hashing`` keeps the project's hashers (and the ``settings`` fixture is not
    touched for it).
    """
    if request.node.get_closest_marker("real_password_hashing"):
        return
    settings = request.getfixturevalue("settings")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- A system and its facilitator --------------------------------------------------------------------------------


@pytest.fixture
def system() -> Any:
    """The Riverside system, empty: no places, organisations or conversations."""
    return make_system(name="Riverside Health and Care Partnership", slug="riverside")


@pytest.fixture
def facilitator(system: Any) -> Any:
    """``fran``, the system's facilitator (password :data:`tests.factories.PASSWORD`)."""
    return make_facilitator(system, username="fran")


@pytest.fixture
def fclient(client: Any, facilitator: Any) -> Any:
    """Django's test client, signed in as the facilitator."""
    client.force_login(facilitator)
    return client


@pytest.fixture
def data_dir(settings: Any, tmp_path: Path) -> Path:
    """A data folder of the test's own (files the app writes there: logins, cached PDFs)."""
    settings.DATA_DIR = tmp_path
    return tmp_path


# --- The demo, built once per session ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def session_demo(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> DemoCopy:
    """The demo, loaded once per test session (once in each xdist worker that needs it) and copied aside."""
    with django_db_blocker.unblock():
        return build_demo_copy(tmp_path_factory.mktemp("demo-data"))


@pytest.fixture
def loaded_demo(session_demo: DemoCopy, db: None) -> DemoCopy:
    """The demo in this test's database, as ``commonweal demo`` loads it, without building it again.

    Its rows are written back from the session's copy inside the test's transaction, so a test may change them:
    the change is rolled back with the test. ``.output`` is what loading it printed and ``.data_dir``
    the data folder it wrote its logins to.
    """
    restore_demo(session_demo)
    return session_demo


@pytest.fixture
def demo_system(loaded_demo: DemoCopy) -> Any:
    """The demo's system, Riverside."""
    return System.objects.get(slug="riverside")
