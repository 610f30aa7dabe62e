"""Simulated conversations with planted structure, for tests and benchmarks.

A conversation has ``K`` opinion groups; each group has its own probability of agreeing and of
disagreeing with each statement. Some statements are planted as *common ground* (every group
agrees), some as *divisive* (one side of the groups agrees, the other disagrees), and optionally
some as *sector-rejected* (every opinion group agrees but one declared sector rejects it, so it is
not common ground across the system). Participants may declare a sector, correlated with their
group or not. Votes are sparse: each participant votes on a subset of statements, drawn uniformly
("random") or weighted towards divisive, new-looking statements the way Pol.is' priorities route
them ("priority", a static approximation).

Generation is vectorised (no Python loop per vote or per participant): 1,000,000 participants x
5,000 statements with 20 million votes takes seconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import sparse

from commonweal.analysis.errors import AnalysisInputError

__all__ = ["SimulatedConversation", "simulate_conversation"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class SimulatedConversation:
    """A simulated conversation: vote events plus the planted ground truth.

    Attributes
    ----------
    participant, statement : ndarray of int32
        One entry per vote (each participant votes at most once per statement).
    vote : ndarray of int8
        +1 agree, -1 disagree, 0 pass.
    time : ndarray of int64
        Vote time in milliseconds; increases with the participant's arrival and their vote order.
    n_participants, n_statements : int
    group : ndarray of int64, shape (n_participants,)
        Planted opinion group of each participant.
    sector : ndarray of int64, shape (n_participants,)
        Declared sector code, -1 where undeclared (all -1 when there are no sectors).
    sector_names : list of str
    agree_probability, disagree_probability : ndarray, shape (n_groups, n_statements)
        Per-group probabilities used to draw the votes.
    is_common_ground : ndarray of bool, shape (n_statements,)
        Planted common ground (agreed by every group and, as a consequence, every sector).
    is_divisive : ndarray of bool, shape (n_statements,)
        Planted divisive statements.
    is_sector_rejected : ndarray of bool, shape (n_statements,)
        Agreed by every opinion group but rejected by the sector ``rejecting_sector``.
    rejecting_sector : ndarray of int64, shape (n_statements,)
        The sector that rejects a sector-rejected statement, -1 elsewhere.
    """

    participant: NDArray[np.int32]
    statement: NDArray[np.int32]
    vote: NDArray[np.int8]
    time: NDArray[np.int64]
    n_participants: int
    n_statements: int
    group: IntArray
    sector: IntArray
    sector_names: list[str]
    agree_probability: FloatArray
    disagree_probability: FloatArray
    is_common_ground: BoolArray
    is_divisive: BoolArray
    is_sector_rejected: BoolArray
    rejecting_sector: IntArray

    @property
    def n_votes(self) -> int:
        """Number of votes."""
        return int(self.vote.size)

    def to_csr(self) -> sparse.csr_matrix:
        """The participants x statements vote matrix; passes are stored zeros."""
        m = sparse.csr_matrix(
            (self.vote.astype(np.float64), (self.participant, self.statement)),
            shape=(self.n_participants, self.n_statements),
        )
        return m

    def to_dataframe(self) -> pd.DataFrame:
        """Vote events as a DataFrame with columns participant, statement, vote, time."""
        return pd.DataFrame(
            {
                "participant": self.participant,
                "statement": self.statement,
                "vote": self.vote,
                "time": self.time,
            }
        )

    def sector_labels(self) -> NDArray[Any]:
        """Sector name per participant (``None`` where undeclared), for ``common_ground(labels=...)``."""
        names = np.array([*self.sector_names, None], dtype=object)
        return names[self.sector]  # -1 picks the trailing None


def _count(value: int | float | None, default_share: float, n: int, name: str) -> int:
    if value is None:
        return int(round(default_share * n))
    if isinstance(value, float) and 0.0 <= value < 1.0:
        return int(round(value * n))
    if int(value) != value or value < 0:
        raise AnalysisInputError(f"{name} must be a non-negative count or a share in [0, 1), got {value!r}")
    return int(value)


def simulate_conversation(
    n_participants: int = 500,
    n_statements: int = 60,
    *,
    n_groups: int = 3,
    group_sizes: Sequence[float] | None = None,
    votes_per_participant: float = 20.0,
    min_votes_per_participant: int = 1,
    n_common_ground: int | float | None = None,
    n_divisive: int | float | None = None,
    n_sector_rejected: int = 0,
    n_sectors: int = 0,
    sector_correlation: float = 0.0,
    sector_declared: float = 1.0,
    strength: float = 0.85,
    pass_rate: float = 0.08,
    routing: Literal["random", "priority"] = "random",
    random_state: int | np.random.Generator | None = None,
) -> SimulatedConversation:
    """Simulate a conversation with planted opinion groups, common ground and divisive statements.

    Parameters
    ----------
    n_participants, n_statements : int
        Size of the conversation.
    n_groups : int, default 3
        Number of opinion groups (ignored if ``group_sizes`` is given).
    group_sizes : sequence of float, optional
        Relative group sizes (normalised); default equal.
    votes_per_participant : float, default 20
        Mean votes per participant (Poisson, at least ``min_votes_per_participant``, at most
        ``n_statements``). Total votes are about ``n_participants * votes_per_participant``.
    min_votes_per_participant : int, default 1
        Floor on each participant's number of votes.
    n_common_ground, n_divisive : int or float, optional
        Planted statements, as counts or shares of ``n_statements`` (defaults 10% and 20%).
    n_sector_rejected : int, default 0
        Statements agreed by every opinion group but rejected by one sector (needs sectors).
    n_sectors : int, default 0
        Number of declared sectors (0 = none).
    sector_correlation : float, default 0
        Probability that a participant's sector follows their group (group ``g`` prefers sector
        ``g mod n_sectors``); otherwise it is uniform. 0 = independent, 1 = determined.
    sector_declared : float, default 1
        Share of participants who declare a sector.
    strength : float, default 0.85
        Probability of the planted response (agree on common ground; agree/disagree on the two
        sides of a divisive statement; disagree in the rejecting sector).
    pass_rate : float, default 0.08
        Probability of passing on planted statements.
    routing : {"random", "priority"}, default "random"
        How statements are chosen for each participant: uniformly, or weighted by a static
        Pol.is-like priority (divisive statements and early statements are shown more).
    random_state : int, Generator or None
        Seed.

    Returns
    -------
    SimulatedConversation

    Raises
    ------
    AnalysisInputError
        If the parameters are inconsistent (e.g. more planted statements than statements, or
        sector-rejected statements without sectors).

    Notes
    -----
    Background statements (neither planted kind) draw each group's agree probability uniformly in
    [0.05, 0.6] with at least one group at or below 0.4, and a disagree probability that splits
    most of the rest, so no background statement is common ground in expectation while the groups
    still differ on them.
    """
    rng = (
        random_state if isinstance(random_state, np.random.Generator) else np.random.default_rng(random_state)
    )
    n_p, n_s = int(n_participants), int(n_statements)
    if n_p < 1 or n_s < 1:
        raise AnalysisInputError("n_participants and n_statements must be at least 1")
    if n_p >= 2**31 or n_s >= 2**31:
        raise AnalysisInputError("conversation too large for int32 indices")
    sizes = np.ones(n_groups) if group_sizes is None else np.asarray(group_sizes, dtype=np.float64)
    if sizes.ndim != 1 or sizes.size < 1 or np.any(sizes <= 0):
        raise AnalysisInputError("group_sizes must be positive numbers, one per group")
    k = sizes.size
    n_cg = _count(n_common_ground, 0.1, n_s, "n_common_ground")
    n_div = _count(n_divisive, 0.2, n_s, "n_divisive")
    n_rej = int(n_sector_rejected)
    if n_div and k < 2:
        raise AnalysisInputError("divisive statements need at least two groups")
    if n_rej and n_sectors < 1:
        raise AnalysisInputError("sector-rejected statements need n_sectors >= 1")
    if n_cg + n_div + n_rej > n_s:
        raise AnalysisInputError(
            f"planted statements ({n_cg} common ground + {n_div} divisive + {n_rej} sector-rejected) "
            f"exceed n_statements ({n_s})"
        )
    for name, v in (
        ("strength", strength),
        ("pass_rate", pass_rate),
        ("sector_correlation", sector_correlation),
        ("sector_declared", sector_declared),
    ):
        if not 0.0 <= v <= 1.0:
            raise AnalysisInputError(f"{name} must be in [0, 1], got {v}")
    if strength + pass_rate > 1.0:
        raise AnalysisInputError("strength + pass_rate must not exceed 1")

    # Participants: exact group counts by share, shuffled.
    counts = np.floor(sizes / sizes.sum() * n_p).astype(np.int64)
    counts[: n_p - counts.sum()] += 1
    group = rng.permutation(np.repeat(np.arange(k, dtype=np.int64), counts))

    # Sectors.
    sector = np.full(n_p, -1, dtype=np.int64)
    sector_names = [f"sector {i + 1}" for i in range(n_sectors)]
    if n_sectors > 0:
        follow = rng.random(n_p) < sector_correlation
        sector = np.where(follow, group % n_sectors, rng.integers(0, n_sectors, size=n_p))
        sector[rng.random(n_p) >= sector_declared] = -1

    # Statement kinds, at random positions.
    kinds = np.zeros(n_s, dtype=np.int8)  # 0 background, 1 common ground, 2 divisive, 3 sector-rejected
    perm = rng.permutation(n_s)
    kinds[perm[:n_cg]] = 1
    kinds[perm[n_cg : n_cg + n_div]] = 2
    kinds[perm[n_cg + n_div : n_cg + n_div + n_rej]] = 3

    agree_p = rng.uniform(0.05, 0.6, size=(k, n_s))
    low = rng.integers(0, k, size=n_s)
    agree_p[low, np.arange(n_s)] = np.minimum(agree_p[low, np.arange(n_s)], 0.4)
    disagree_p = (1.0 - agree_p) * rng.uniform(0.6, 0.95, size=(k, n_s))
    planted_agree = (kinds == 1) | (kinds == 3)
    agree_p[:, planted_agree] = strength
    disagree_p[:, planted_agree] = 1.0 - strength - pass_rate
    div = np.flatnonzero(kinds == 2)
    if div.size:
        # Each divisive statement splits the groups into two non-empty sides.
        side = rng.random((k, div.size)) < 0.5
        same = side.all(axis=0) | (~side).all(axis=0)
        cols = np.flatnonzero(same)
        flip = rng.integers(0, k, size=cols.size)
        side[flip, cols] = ~side[flip, cols]
        agree_p[:, div] = np.where(side, strength, 1.0 - strength - pass_rate)
        disagree_p[:, div] = np.where(side, 1.0 - strength - pass_rate, strength)
    rejecting = np.full(n_s, -1, dtype=np.int64)
    rej = np.flatnonzero(kinds == 3)
    if rej.size:
        rejecting[rej] = rng.integers(0, n_sectors, size=rej.size)

    # How many votes each participant casts.
    n_votes = rng.poisson(votes_per_participant, size=n_p)
    n_votes = np.clip(n_votes, min(min_votes_per_participant, n_s), n_s).astype(np.int64)

    if routing == "random":
        weights = None
    elif routing == "priority":
        spread = agree_p.max(axis=0) - agree_p.min(axis=0)
        age = np.arange(n_s) / max(n_s, 1)
        weights = (1.0 + 4.0 * spread) * (1.0 + 2.0 * (1.0 - age))
        weights = weights / weights.sum()
    else:
        raise AnalysisInputError(f"routing must be 'random' or 'priority', got {routing!r}")
    keys = _sample_pairs(rng, n_votes, n_s, weights)
    participant = (keys // n_s).astype(np.int32)
    statement = (keys % n_s).astype(np.int32)
    del keys

    # Draw the votes.
    g = group[participant]
    a = agree_p[g, statement]
    d = disagree_p[g, statement]
    if rej.size:
        override = (kinds[statement] == 3) & (sector[participant] == rejecting[statement])
        a = np.where(override, 1.0 - strength - pass_rate, a)
        d = np.where(override, strength, d)
    u = rng.random(participant.size)
    vote = np.where(u < a, 1, np.where(u < a + d, -1, 0)).astype(np.int8)
    del a, d, u, g

    # Times: participants arrive in a random order, one vote a second-ish.
    arrival = rng.permutation(n_p).astype(np.int64) * 60_000
    first = np.searchsorted(participant, np.arange(n_p))  # votes are sorted by participant
    order_in_participant = np.arange(participant.size, dtype=np.int64) - first[participant]
    time = 1_700_000_000_000 + arrival[participant] + order_in_participant * 1_000
    return SimulatedConversation(
        participant=participant,
        statement=statement,
        vote=vote,
        time=time,
        n_participants=n_p,
        n_statements=n_s,
        group=group,
        sector=sector,
        sector_names=sector_names,
        agree_probability=agree_p,
        disagree_probability=disagree_p,
        is_common_ground=kinds == 1,
        is_divisive=kinds == 2,
        is_sector_rejected=kinds == 3,
        rejecting_sector=rejecting,
    )


def _sample_pairs(
    rng: np.random.Generator, n_votes: IntArray, n_s: int, weights: FloatArray | None
) -> NDArray[np.int64]:
    """Distinct (participant, statement) keys ``p * n_s + s``, sorted, about ``n_votes[p]`` per participant.

    Statements are drawn with replacement and de-duplicated; participants short of their count
    draw again, for a few rounds. Dense participants (more than half of the statements) get an
    exact uniform subset from a random permutation instead.
    """
    n_p = n_votes.size
    dense = n_votes * 2 > n_s
    parts: list[NDArray[np.int64]] = []
    if dense.any():
        # Few in practice; each takes an exact subset via random sort keys, vectorised.
        dp = np.flatnonzero(dense)
        chunk = max(1, 2_000_000 // max(n_s, 1))
        for start in range(0, dp.size, chunk):
            ids = dp[start : start + chunk]
            r = rng.random((ids.size, n_s))
            if weights is not None:
                r = np.log(r) / weights  # Efraimidis-Spirakis: the largest keys are a weighted sample
            order = np.argsort(-r, axis=1)
            take = np.arange(n_s)[None, :] < n_votes[ids][:, None]
            rows = np.broadcast_to(ids[:, None], order.shape)[take]
            parts.append(rows.astype(np.int64) * n_s + order[take].astype(np.int64))
    need = np.where(dense, 0, n_votes)
    cum = np.cumsum(weights) if weights is not None else np.empty(0)
    have = np.zeros(n_p, dtype=np.int64)
    sparse_keys = np.empty(0, dtype=np.int64)
    for _ in range(12):
        deficit = need - have
        if not deficit.any():
            break
        # Drawing exactly the deficit never overshoots, so no trimming (which would bias towards
        # low statement indices) is needed; duplicates shrink the deficit geometrically.
        rows = np.repeat(np.arange(n_p, dtype=np.int64), deficit)
        if weights is None:
            cols = rng.integers(0, n_s, size=rows.size)
        else:
            cols = np.searchsorted(cum, rng.random(rows.size) * cum[-1])
            cols = np.minimum(cols, n_s - 1)
        new = rows * n_s + cols
        del rows, cols
        merged = np.concatenate([sparse_keys, new])
        del new
        merged.sort()
        # Sort-and-compare de-duplication: numpy's hash-based unique is far slower at this size.
        keep = np.empty(merged.size, dtype=bool)
        keep[:1] = True
        np.not_equal(merged[1:], merged[:-1], out=keep[1:])
        sparse_keys = merged[keep]
        del merged, keep
        have = np.bincount(sparse_keys // n_s, minlength=n_p)
    parts.append(sparse_keys)
    keys = np.concatenate(parts) if len(parts) > 1 else parts[0]
    keys.sort()
    return keys
