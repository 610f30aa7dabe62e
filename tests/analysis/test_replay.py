"""Replaying a conversation's votes through the updates Pol.is would have run (``analysis/replay.py``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from tests.analysis.test_polis_fixtures import FIXTURES, _key

from commonweal.analysis import AnalysisOptions, VoteMatrix, analyse
from commonweal.analysis.errors import AnalysisInputError
from commonweal.analysis.polis_io import PolisComment, PolisExport, read_polis_export
from commonweal.analysis.replay import (
    LEGACY_IN_CONV_UNTIL,
    ReplayResult,
    legacy_in_conv_counts,
    replay,
    replay_export,
    update_batches,
)

QUIET = AnalysisOptions(beyond_polis=False, robust_groups=False)
# 2024: every update uses today's in-conv rule unless a test says otherwise.
T0 = 1_700_000_000.0


Events = tuple[list[int], list[int], list[int], list[float]]


def _events(profiles: list[np.ndarray], start: float, spacing: float, rng: np.random.Generator) -> Events:
    """Each participant votes on every statement, one second apart; participant i starts at
    ``start + i * spacing``. A profile is the participant's agree (+1) / disagree (-1) per statement;
    one vote in ten is flipped, so points are distinct."""
    p: list[int] = []
    s: list[int] = []
    v: list[int] = []
    t: list[float] = []
    for i, profile in enumerate(profiles):
        for j, value in enumerate(profile):
            flip = rng.random() < 0.1
            p.append(i)
            s.append(j)
            v.append(int(-value if flip else value))
            t.append(start + i * spacing + j * 0.01)
    return p, s, v, t


def _three_camps(late_spacing: float, seed: int = 3) -> Events:
    """Two camps of 24 arrive one participant an update; then a third camp of 24 arrives, the whole camp
    within ``late_spacing`` seconds a participant."""
    rng = np.random.default_rng(seed)
    n_st = 12
    a = np.array([1] * 6 + [-1] * 6)
    b = -a
    c = np.ones(n_st, dtype=int)
    early = [a, b] * 24
    p, s, v, t = _events(early, T0, 10.0, rng)
    late = [c] * 24
    p2, s2, v2, t2 = _events(late, T0 + 1000.0, late_spacing, rng)
    p2 = [x + len(early) for x in p2]
    return p + p2, s + s2, v + v2, t + t2


def test_k_smoothing_keeps_the_shown_k_until_a_new_k_has_won_four_updates() -> None:
    # The third camp arrives within one second: its votes form one or two updates, too few for Pol.is'
    # k buffer (4), so the replay still shows two groups while a cold start on the same votes shows three.
    p, s, v, t = _three_camps(late_spacing=0.02)
    rr = replay(p, s, v, t, options=QUIET)
    cold = analyse(VoteMatrix.from_events(p, s, v, t), options=QUIET)
    assert cold.k == 3
    assert rr.best_k_history[-1] == 3
    assert 1 <= int((rr.best_k_history[-4:] == 3).sum()) < 4
    assert rr.result.k == 2
    assert np.all(rr.k_history[: rr.n_updates - 2] <= 2)


def test_k_smoothing_switches_after_four_updates_of_the_new_best_k() -> None:
    # The same camp arriving one participant every ten seconds: many updates prefer three groups, so the
    # replay ends showing three, as the cold start does.
    p, s, v, t = _three_camps(late_spacing=10.0)
    rr = replay(p, s, v, t, options=QUIET)
    assert rr.result.k == 3
    switched = int(np.argmax(rr.k_history == 3))
    assert np.all(rr.best_k_history[switched - 3 : switched + 1] == 3)
    assert rr.k_history[switched - 1] == 2


def test_in_conv_once_in_always_in_across_updates() -> None:
    # Early on there are 3 statements, so 3 votes put a participant in (min(7, statements)); later there
    # are 10. A cold start on the final votes leaves the early 3-vote voters out; the replay keeps them.
    rng = np.random.default_rng(0)
    p: list[int] = []
    s: list[int] = []
    t: list[float] = []
    for i in range(20):  # early voters: 3 votes each, on the only 3 statements
        p += [i] * 3
        s += [0, 1, 2]
        t += [T0 + i * 5 + j * 0.01 for j in range(3)]
    for i in range(20, 40):  # later voters: 10 statements each
        p += [i] * 10
        s += list(range(10))
        t += [T0 + 500 + i * 5 + j * 0.01 for j in range(10)]
    v = rng.choice([-1, 1], size=len(p)).tolist()
    rr = replay(p, s, v, t, options=QUIET)
    cold = analyse(VoteMatrix.from_events(p, s, v, t), options=QUIET)
    early = np.isin(rr.result.participant_ids, np.arange(20))
    assert rr.result.in_conv[early].all()
    assert not cold.in_conv[np.isin(cold.participant_ids, np.arange(20))].any()
    assert (rr.result.group_labels[early] >= 0).all()


def test_replay_is_deterministic_and_independent_of_the_input_order() -> None:
    p, s, v, t = _three_camps(late_spacing=2.0)
    first = replay(p, s, v, t, options=QUIET)
    again = replay(p, s, v, t, options=QUIET)
    order = np.random.default_rng(1).permutation(len(p))
    shuffled = replay(
        np.asarray(p)[order], np.asarray(s)[order], np.asarray(v)[order], np.asarray(t)[order], options=QUIET
    )
    for other in (again, shuffled):
        assert np.array_equal(other.k_history, first.k_history)
        assert np.array_equal(other.update_votes, first.update_votes)
        ours = dict(
            zip(first.result.participant_ids.tolist(), first.result.group_labels.tolist(), strict=True)
        )
        theirs = dict(
            zip(other.result.participant_ids.tolist(), other.result.group_labels.tolist(), strict=True)
        )
        assert ours == theirs
        np.testing.assert_array_equal(first.result.base_centres, other.result.base_centres)


def test_votes_are_applied_in_time_order_and_ties_keep_the_given_order() -> None:
    # Participant 1 changes their mind on statement 0: the later time wins whatever the input order;
    # two votes at the same instant keep the order given (the last one given wins).
    p = [1, 1, 2, 2, 3]
    s = [0, 0, 0, 0, 1]
    v = [-1, 1, 1, -1, 1]
    t = [T0 + 5, T0 + 1, T0 + 2, T0 + 2, T0 + 3]
    r = replay(p, s, v, t, options=QUIET).result
    # Rows follow each participant's first vote in time (Pol.is' row order, which its cold start reads).
    assert r.participant_ids.tolist() == [1, 2, 3]
    agree = r.group_agree.sum(axis=0)
    disagree = r.group_disagree.sum(axis=0)
    assert (agree[0], disagree[0]) == (0, 2)  # 1: -1 (the later vote), 2: -1 (given last at the tie)


def test_update_batches_follow_the_poll_interval_and_the_cap() -> None:
    t = np.array([0.0, 0.5, 1.0, 1.2, 5.0, 5.1, 9.0])
    assert update_batches(t, 1.0).tolist() == [3, 4, 6, 7]  # [0, 1], [1.2], [5, 5.1], [9]
    assert update_batches(t, 0.0).tolist() == [1, 2, 3, 4, 5, 6, 7]
    capped = update_batches(t, 0.0, max_updates=3)
    assert capped.size <= 3 and capped[-1] == t.size
    with pytest.raises(AnalysisInputError):
        update_batches(t[::-1], 1.0)


def test_replay_rejects_what_it_cannot_replay() -> None:
    with pytest.raises(AnalysisInputError):
        replay([], [], [], [])
    with pytest.raises(AnalysisInputError):
        replay([1], [0], [1], [float("nan")])
    with pytest.raises(AnalysisInputError):
        replay([1, 2], [0], [1], [0.0])


def test_legacy_in_conv_counts_every_voted_mod_out_statement() -> None:
    m = VoteMatrix.from_events(
        [1, 1, 2, 3],
        [0, 1, 0, 2],
        [1, -1, 1, 1],
        statement_ids=[0, 1, 2, 3],
        moderation={0: "accepted", 1: "rejected", 2: "accepted", 3: "rejected"},
    )
    # Statement 1 is rejected and voted on (3 is rejected but nobody voted): it counts for everyone.
    assert legacy_in_conv_counts(m).tolist() == [2, 2, 2]
    assert m.participant_vote_counts().tolist() == [2, 1, 1]


def test_legacy_rule_applies_only_before_the_cut_over() -> None:
    # Participant 100 opens the conversation on three statements, one of them rejected; then 20
    # participants vote on the two accepted ones, each in an update of their own. Three votes are needed
    # (min(7, 3 statements)). The pre-2019 rule counts the rejected column for everyone: 2 + 1 = 3, so all
    # 21 are in. Today's rule: nobody but participant 100 has 3 votes, so in-conv is topped up to 15.
    p, s, v, offsets = [100, 100, 100], [0, 1, 2], [1, -1, 1], [0.0, 0.0, 0.0]
    for i in range(20):
        p += [i, i]
        s += [0, 1]
        v += [1 if i % 2 else -1, -1 if i % 3 else 1]
        offsets += [10.0 * (i + 1), 10.0 * (i + 1) + 0.01]
    moderation = {0: "accepted", 1: "accepted", 2: "rejected"}
    before = [LEGACY_IN_CONV_UNTIL - 1e6 + x for x in offsets]
    after = [LEGACY_IN_CONV_UNTIL + 1e6 + x for x in offsets]
    old = replay(p, s, v, before, moderation=moderation, options=QUIET).result
    new = replay(p, s, v, after, moderation=moderation, options=QUIET).result
    assert old.in_conv.sum() == 21
    assert new.in_conv.sum() == 15
    assert (
        replay(
            p, s, v, before, moderation=moderation, options=QUIET, legacy_in_conv_until=None
        ).result.in_conv.sum()
        == 15
    )


# --------------------------------------------------------------------------- real data
def _fixture_replay(root: Path, name: str) -> tuple[dict[str, Any], ReplayResult]:
    folder = root / name
    votes = json.loads((folder / "votes.json").read_text())
    comments = json.loads((folder / "comments.json").read_text())
    math = json.loads((folder / "math-pca2.json").read_text())
    rr = replay(
        [_key(x, "participant_id", "pid") for x in votes],
        [_key(x, "statement_id", "tid") for x in votes],
        [x["vote"] for x in votes],
        [float(x["modified"]) / 1000 for x in votes],
        statement_ids=sorted(_key(c, "statement_id", "tid") for c in comments),
        moderation={_key(c, "statement_id", "tid"): _key(c, "moderated", "mod") for c in comments},
        is_meta={_key(c, "statement_id", "tid"): bool(c["is_meta"]) for c in comments},
        options=QUIET,
        # At most 300 updates keeps the test quick (every batch: up to 5,000 updates); in-conv is the same.
        max_updates=300,
    )
    return math, rr


@pytest.mark.parametrize("name", FIXTURES)
def test_replay_reproduces_polis_in_conv_on_the_fixtures(polis_math_fixtures: Path, name: str) -> None:
    # A cold start misses participants on four of the five (test_polis_fixtures: "In-conv needs the
    # history"); the replay, with Pol.is' pre-2019 rule on above-100-ptpts' 2018 votes, has them all.
    math, rr = _fixture_replay(polis_math_fixtures, name)
    r = rr.result
    assert set(r.participant_ids[r.in_conv].tolist()) == set(math["in-conv"])
    # Groups partition the in-conv participants, subgroups partition each group.
    assert np.array_equal(r.group_labels >= 0, r.in_conv)
    assert np.array_equal(r.subgroup_labels >= 0, r.in_conv)


def test_replay_of_an_open_data_export(polis_opendata: Path) -> None:
    export = read_polis_export(polis_opendata / "london.youth.policing")
    rr = replay_export(export, options=QUIET)
    times = np.sort(export.votes["timestamp"].to_numpy(dtype=np.float64) / 1000)
    assert rr.n_updates == update_batches(times, 1.0).size
    assert rr.update_votes[-1] == len(export.votes)
    r = rr.result
    assert r.state.in_conv.shape[0] == r.participant_ids.shape[0]  # carried on to live updates
    # Everyone today's rule admits on the final votes is in (once in, always in only adds).
    final = export.to_vote_matrix()
    today = set(final.participant_ids[final.participant_vote_counts() >= 7].tolist())
    assert today <= set(r.participant_ids[r.in_conv].tolist())
    assert np.array_equal(r.group_labels >= 0, r.in_conv)


def test_an_export_without_vote_times_cannot_be_replayed() -> None:
    # Only participants-votes.csv: the latest votes, no times.
    votes = pd.DataFrame(
        {
            "timestamp": pd.array([None, None], dtype="Int64"),
            "datetime": [None, None],
            "statement": [0, 1],
            "participant": [1, 1],
            "vote": np.array([1, -1], dtype=np.int8),
        }
    )
    export = PolisExport(comments=[PolisComment(0, "a"), PolisComment(1, "b")], votes=votes)
    with pytest.raises(AnalysisInputError, match="no vote times"):
        replay_export(export)
