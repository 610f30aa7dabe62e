"""Simulated conversations with planted structure, for tests and benchmarks.

A conversation has ``K`` opinion groups; each group has its own probability of agreeing and of
disagreeing with each statement. Some statements are planted as *common ground* (every group
agrees), some as *divisive* (one side of the groups agrees, the other disagrees), and optionally
some as *sector-rejected* (every opinion group agrees but one declared sector rejects it, so it is
not common ground across the system). Participants may declare a sector, correlated with their
group or not. Votes are sparse: each participant votes on a subset of statements, drawn uniformly
("random") or weighted towards divisive, new-looking statements the way Pol.is' priorities route
them ("priority", a static approximation).

Generation is vectorised (no Python loop per vote or per participant), so a conversation of a
million participants is a matter of seconds (docs/analysis.md, "Simulation").
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
    n_groups, group_sizes : int, sequence of float
        Number of opinion groups (default 3), or their relative sizes (default equal).
    votes_per_participant, min_votes_per_participant : float, int
        Mean (Poisson, default 20) and floor (default 1) of each participant's votes.
    n_common_ground, n_divisive, n_sector_rejected : int or float
        Planted statements, as counts or shares of ``n_statements`` (defaults 10%, 20% and 0). A
        sector-rejected statement is agreed by every group but rejected by one sector.
    n_sectors, sector_correlation, sector_declared : int, float, float
        Declared sectors (default 0); the chance that a participant's sector follows their group
        (``g mod n_sectors``; default 0, independent); the share who declare one (default 1).
    strength, pass_rate : float
        Probability of the planted response (0.85) and of passing (0.08) on planted statements.
    routing : {"random", "priority"}
        Statements shown uniformly, or weighted by a static Pol.is-like priority (docs/analysis.md,
        "Simulation", says how statements and votes are drawn).
    random_state : int, Generator or None

    Returns
    -------
    SimulatedConversation

    Raises
    ------
    AnalysisInputError
        If the parameters are inconsistent.
    """
    rng = np.random.default_rng(random_state)  # a Generator is returned as it is
    n_p, n_s, sizes = _checked_sizes(n_participants, n_statements, n_groups, group_sizes)
    planted = _checked_planted(n_common_ground, n_divisive, n_sector_rejected, n_s, sizes.size, n_sectors)
    _check_shares(strength, pass_rate, sector_correlation, sector_declared, routing)
    group = _groups(rng, sizes, n_p)
    sector = _sectors(rng, group, n_sectors, sector_correlation, sector_declared)
    st = _plant_statements(rng, n_s, planted, sizes.size, n_sectors, strength, pass_rate)
    weights = _routing_weights(routing, st.agree)
    participant, statement = _voted_pairs(
        rng, n_p, n_s, votes_per_participant, min_votes_per_participant, weights
    )
    vote = _draw_votes(rng, group, sector, participant, statement, st, strength, pass_rate)
    return SimulatedConversation(
        participant=participant,
        statement=statement,
        vote=vote,
        time=_vote_times(rng, participant, n_p),
        n_participants=n_p,
        n_statements=n_s,
        group=group,
        sector=sector,
        sector_names=[f"sector {i + 1}" for i in range(n_sectors)],
        agree_probability=st.agree,
        disagree_probability=st.disagree,
        is_common_ground=st.kinds == 1,
        is_divisive=st.kinds == 2,
        is_sector_rejected=st.kinds == 3,
        rejecting_sector=st.rejecting,
    )


def _checked_sizes(
    n_participants: int, n_statements: int, n_groups: int, group_sizes: Sequence[float] | None
) -> tuple[int, int, FloatArray]:
    """The numbers of participants and statements, and the relative group sizes, checked."""
    n_p, n_s = int(n_participants), int(n_statements)
    if n_p < 1 or n_s < 1:
        raise AnalysisInputError("n_participants and n_statements must be at least 1")
    if n_p >= 2**31 or n_s >= 2**31:
        raise AnalysisInputError("conversation too large for int32 indices")
    sizes = np.ones(n_groups) if group_sizes is None else np.asarray(group_sizes, dtype=np.float64)
    if sizes.ndim != 1 or sizes.size < 1 or np.any(sizes <= 0):
        raise AnalysisInputError("group_sizes must be positive numbers, one per group")
    return n_p, n_s, sizes


def _checked_planted(
    n_common_ground: int | float | None,
    n_divisive: int | float | None,
    n_sector_rejected: int,
    n_s: int,
    k: int,
    n_sectors: int,
) -> tuple[int, int, int]:
    """How many statements are planted as common ground, divisive and sector-rejected, checked."""
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
    return n_cg, n_div, n_rej


def _check_shares(
    strength: float, pass_rate: float, sector_correlation: float, sector_declared: float, routing: str
) -> None:
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
    if routing not in ("random", "priority"):
        raise AnalysisInputError(f"routing must be 'random' or 'priority', got {routing!r}")


def _groups(rng: np.random.Generator, sizes: FloatArray, n_p: int) -> IntArray:
    """Each participant's planted opinion group: exact counts by share, shuffled."""
    counts = np.floor(sizes / sizes.sum() * n_p).astype(np.int64)
    counts[: n_p - counts.sum()] += 1
    return rng.permutation(np.repeat(np.arange(sizes.size, dtype=np.int64), counts))


def _sectors(
    rng: np.random.Generator, group: IntArray, n_sectors: int, correlation: float, declared: float
) -> IntArray:
    """Each participant's declared sector code, -1 where undeclared (all -1 without sectors)."""
    n_p = group.size
    sector = np.full(n_p, -1, dtype=np.int64)
    if n_sectors > 0:
        follow = rng.random(n_p) < correlation
        sector = np.where(follow, group % n_sectors, rng.integers(0, n_sectors, size=n_p))
        sector[rng.random(n_p) >= declared] = -1
    return sector


@dataclass(frozen=True)
class _Statements:
    """The planted statements: each one's kind (0 background, 1 common ground, 2 divisive, 3 sector-rejected),
    each group's probabilities of agreeing and of disagreeing (groups x statements), and the sector that rejects
    a sector-rejected statement (-1 for the others)."""

    kinds: NDArray[np.int8]
    agree: FloatArray
    disagree: FloatArray
    rejecting: IntArray


def _plant_statements(
    rng: np.random.Generator,
    n_s: int,
    planted: tuple[int, int, int],
    k: int,
    n_sectors: int,
    strength: float,
    pass_rate: float,
) -> _Statements:
    kinds = _statement_kinds(rng, n_s, *planted)
    agree, disagree = _probabilities(rng, kinds, k, strength, pass_rate)
    return _Statements(kinds, agree, disagree, _rejecting_sectors(rng, kinds, n_sectors))


def _statement_kinds(
    rng: np.random.Generator, n_s: int, n_cg: int, n_div: int, n_rej: int
) -> NDArray[np.int8]:
    """0 background, 1 common ground, 2 divisive, 3 sector-rejected, at random positions."""
    kinds = np.zeros(n_s, dtype=np.int8)
    perm = rng.permutation(n_s)
    kinds[perm[:n_cg]] = 1
    kinds[perm[n_cg : n_cg + n_div]] = 2
    kinds[perm[n_cg + n_div : n_cg + n_div + n_rej]] = 3
    return kinds


def _probabilities(
    rng: np.random.Generator, kinds: NDArray[np.int8], k: int, strength: float, pass_rate: float
) -> tuple[FloatArray, FloatArray]:
    """Each group's probability of agreeing and of disagreeing with each statement (groups x statements)."""
    n_s = kinds.size
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
    return agree_p, disagree_p


def _rejecting_sectors(rng: np.random.Generator, kinds: NDArray[np.int8], n_sectors: int) -> IntArray:
    """The sector that rejects each sector-rejected statement, -1 for the other statements."""
    rejecting = np.full(kinds.size, -1, dtype=np.int64)
    rej = np.flatnonzero(kinds == 3)
    if rej.size:
        rejecting[rej] = rng.integers(0, n_sectors, size=rej.size)
    return rejecting


def _routing_weights(routing: str, agree_p: FloatArray) -> FloatArray | None:
    """Weights of the statements shown (None: uniform): Pol.is-like priority favours divisive, early ones."""
    if routing == "random":
        return None
    n_s = agree_p.shape[1]
    spread = agree_p.max(axis=0) - agree_p.min(axis=0)
    age = np.arange(n_s) / max(n_s, 1)
    weights = (1.0 + 4.0 * spread) * (1.0 + 2.0 * (1.0 - age))
    return np.asarray(weights / weights.sum(), dtype=np.float64)


def _voted_pairs(
    rng: np.random.Generator, n_p: int, n_s: int, mean: float, floor: int, weights: FloatArray | None
) -> tuple[NDArray[np.int32], NDArray[np.int32]]:
    """Who votes on which statement: each participant's number of votes, then distinct statements."""
    n_votes = rng.poisson(mean, size=n_p)
    n_votes = np.clip(n_votes, min(floor, n_s), n_s).astype(np.int64)
    keys = _sample_pairs(rng, n_votes, n_s, weights)
    return (keys // n_s).astype(np.int32), (keys % n_s).astype(np.int32)


def _draw_votes(
    rng: np.random.Generator,
    group: IntArray,
    sector: IntArray,
    participant: NDArray[np.int32],
    statement: NDArray[np.int32],
    st: _Statements,
    strength: float,
    pass_rate: float,
) -> NDArray[np.int8]:
    """One vote per (participant, statement) pair, from the voter's group's probabilities; in the sector
    that rejects a sector-rejected statement, the planted response is to disagree."""
    g = group[participant]
    a = st.agree[g, statement]
    d = st.disagree[g, statement]
    if np.any(st.kinds == 3):
        override = (st.kinds[statement] == 3) & (sector[participant] == st.rejecting[statement])
        a = np.where(override, 1.0 - strength - pass_rate, a)
        d = np.where(override, strength, d)
    u = rng.random(participant.size)
    return np.where(u < a, 1, np.where(u < a + d, -1, 0)).astype(np.int8)


def _vote_times(rng: np.random.Generator, participant: NDArray[np.int32], n_p: int) -> NDArray[np.int64]:
    """Vote times in milliseconds: participants arrive in a random order and vote about once a second."""
    arrival = rng.permutation(n_p).astype(np.int64) * 60_000
    first = np.searchsorted(participant, np.arange(n_p))  # votes are sorted by participant
    order_in_participant = np.arange(participant.size, dtype=np.int64) - first[participant]
    return np.asarray(1_700_000_000_000 + arrival[participant] + order_in_participant * 1_000, dtype=np.int64)


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
