"""The demo system: a fictional "Riverside Health and Care Partnership" with a living conversation and a map.

``commonweal demo`` (and ``make run`` on an empty database) loads it, so the first page a facilitator opens
already shows organisations in every sector, places, communities, a conversation with votes from a few hundred
synthetic participants, and the system map from two rounds of the relationship survey.

This module only composes: each app writes its own part through its own ``seeds.py``, in one transaction, in
the order the layers go:

- :mod:`commonweal.systems.seeds`: the system, its places, communities and organisations, the demo's accounts;
- :mod:`commonweal.conversations.seeds`: the conversation, its statements, participants and votes;
- :mod:`commonweal.network.seeds`: the survey rounds, interdependencies and joint work;
- :mod:`commonweal.pulse.seeds`: two pulse rounds a year apart, direction rising;
- :mod:`commonweal.communities.representation.seeds`: made-up Census baselines for the four places (ONS layout)
  and the workforce, and the participants' age bands and ethnic groups;
- :mod:`commonweal.communities.seeds`: the community asset register (assets in the six ABCD categories, most on
  the map), its mapping links and residents' submissions waiting for moderation.

Then the conversation's first analysis snapshot is computed (after the transaction, as the worker would), so its
results have something to show at once, and :mod:`commonweal.strategy.seeds` grows the strategy from its common
ground (aims with their evidence frozen from that analysis, commitments and a year of progress) in a transaction of
its own. The same ``seed`` gives the same demo.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from commonweal.communities.representation.seeds import load_representation_demo
from commonweal.communities.seeds import load_asset_demo
from commonweal.conversations.jobs.compute import compute_snapshot
from commonweal.conversations.models import Conversation
from commonweal.conversations.results.snapshot import read_result
from commonweal.conversations.seeds import load_conversation_demo
from commonweal.core.audit import record
from commonweal.network.seeds import load_network_demo
from commonweal.pulse.seeds import load_pulse_demo
from commonweal.strategy.seeds import load_strategy_demo
from commonweal.systems.models import System
from commonweal.systems.seeds import (
    ADMIN_USERNAME,
    FACILITATOR_USERNAME,
    PLACES,
    SYSTEM_NAME,
    SYSTEM_SLUG,
    SystemSeeds,
    load_system_demo,
)

LOGIN_FILE_NAME = "demo-login.txt"


@dataclass
class DemoResult:
    system: System
    conversation: Conversation
    organisations: int
    places: int
    communities: int
    participants: int
    statements: int
    vote_events: int
    votes: int
    logins: list[str] = field(default_factory=list)


class DemoExists(Exception):
    """The demo system is already in the database."""


def _base_url() -> str:
    host = os.environ.get("COMMONWEAL_HOST", "127.0.0.1")
    port = os.environ.get("COMMONWEAL_PORT", "8000")
    return f"http://{host}:{port}"


@transaction.atomic
def do_load_demo(*, participants: int = 300, seed: int = 7) -> DemoResult:
    """Create the Riverside demo system, its conversation, synthetic participants and their votes, and its map.

    Parameters
    ----------
    participants : int
        How many synthetic participants vote (each on 15 to 40 statements).
    seed : int
        The same seed gives the same organisations, participants (handles, declarations), votes and ratings.

    Returns
    -------
    DemoResult
        What was created, with the login lines of the demo accounts created now (accounts that already
        existed keep their passwords and get no line).

    Raises
    ------
    DemoExists
        When a system with the demo's slug is already in the database.
    """
    if System.objects.filter(slug=SYSTEM_SLUG).exists():
        raise DemoExists(f"The demo system '{SYSTEM_NAME}' (slug '{SYSTEM_SLUG}') is already loaded.")
    now = timezone.now()
    made = load_system_demo()
    conversation = load_conversation_demo(
        made.system,
        organisations=made.organisations,
        places=made.places,
        communities=made.communities,
        facilitator=made.facilitator,
        participants=participants,
        seed=seed,
        now=now,
    )
    load_network_demo(
        made.system,
        made.organisations,
        made.communities,
        facilitator=made.facilitator,
        seed=seed,
        now=now,
        community_groups=made.community_groups,
    )
    load_pulse_demo(made.system, made.organisations, facilitator=made.facilitator, seed=seed, now=now)
    load_representation_demo(made.system, conversation.conversation, PLACES, made.facilitator, seed=seed)
    load_asset_demo(
        made.system,
        made.places,
        made.communities,
        made.organisations,
        facilitator=made.facilitator,
        seed=seed,
    )
    result = DemoResult(
        system=made.system,
        conversation=conversation.conversation,
        organisations=len(made.organisations) + len(made.community_groups),
        places=len(made.places),
        communities=len(made.communities),
        participants=conversation.participants,
        statements=conversation.statements,
        vote_events=conversation.vote_events,
        votes=conversation.votes,
    )
    record(
        None,
        "demo.load",
        made.system,
        after={
            "seed": seed,
            "participants": result.participants,
            "statements": result.statements,
            "vote_events": result.vote_events,
            "votes": result.votes,
        },
    )
    result.logins.extend(_logins(made))
    return result


def _logins(made: SystemSeeds) -> list[str]:
    """The login lines of the demo accounts created now (those that existed keep their passwords: no line)."""
    login_url = f"{_base_url()}/accounts/login/"
    lines = []
    if made.facilitator_password:
        lines.append(
            f"Demo facilitator login: {FACILITATOR_USERNAME} / {made.facilitator_password}  ({login_url})"
        )
    if made.admin_password:
        lines.append(f"Demo administrator login: {ADMIN_USERNAME} / {made.admin_password}  ({login_url})")
    return lines


def login_file() -> Path:
    return Path(settings.DATA_DIR) / LOGIN_FILE_NAME


def _write_login_file(lines: list[str]) -> Path:
    path = login_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    # Created with owner-only permissions from the start, so the passwords are never readable by others.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write("\n".join(lines) + "\n")
    path.chmod(0o600)
    return path


def load_demo(*, if_empty: bool = False, participants: int = 300, seed: int = 7) -> int:
    """``commonweal demo``: load the demo system, print what was made and the logins; the exit code."""
    if participants < 0:
        print("--participants must be 0 or more.")
        return 2
    if if_empty and System.objects.exists():
        print("The database already has a system, so the demo was not loaded.")
        if login_file().exists():
            print(f"Demo logins are in {login_file()}.")
        return 0
    try:
        result = do_load_demo(participants=participants, seed=seed)
    except DemoExists as exc:
        print(f"{exc} Nothing was changed. Delete that system first to load the demo again.")
        return 1
    _analyse_demo(result)
    _strategy_demo(result)
    base = _base_url()
    print(
        f"Loaded the demo system {result.system.name}: {result.organisations} organisations, "
        f"{result.places} places, {result.communities} communities, {result.participants:,} participants "
        f"and {result.votes:,} votes on {result.statements} statements."
    )
    conversation_line = f"Demo conversation: {base}/c/{result.conversation.slug}/"
    map_line = f"Demo system map (sign in first): {base}/manage/systems/{result.system.slug}/network/"
    if result.logins:
        lines = [*result.logins, conversation_line, map_line]
        path = _write_login_file(lines)
        for line in lines:
            print(line)
        print(f"(Saved in {path}, readable only by you; `commonweal serve` shows it again.)")
    else:
        print(conversation_line)
        print(map_line)
        print("The demo accounts already existed, so their passwords were not changed.")
    return 0


def _strategy_demo(result: DemoResult) -> None:
    """The strategy grown from the analysed conversation's common ground (strategy/seeds.py)."""
    facilitator = result.system.roles.filter(user__username=FACILITATOR_USERNAME).first()
    aims = load_strategy_demo(
        result.system,
        result.conversation,
        facilitator=facilitator.user if facilitator else None,
        today=timezone.localdate(),
    )
    print(f"Grew the demo strategy: {len(aims)} aims with their commitments and a year of progress.")


def _analyse_demo(result: DemoResult) -> None:
    """The demo conversation's first analysis snapshot, so its results and report have something to show at once
    (the analysis worker keeps it up to date from then on). A failure is reported, never fatal: the demo is
    loaded either way, and the worker tries again."""
    try:
        snapshot = compute_snapshot(result.conversation)
    except Exception as exc:  # noqa: BLE001 - logged by compute_snapshot
        print(
            f"The demo conversation could not be analysed yet ({type(exc).__name__}: {exc}); the worker will retry."
        )
        return
    if snapshot is not None:
        stored = read_result(snapshot)
        groups = stored.k if stored is not None else 0
        print(
            f"Analysed the demo conversation: {groups} opinion group{'s' if groups != 1 else ''} "
            f"({snapshot.duration_ms / 1000:.1f} s)."
        )
