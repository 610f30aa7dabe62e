"""Degenerate conversations: every shape has a defined result, never an exception or a stray NaN.

A conversation with one statement used to make the analysis fail on every retry (a matrix shape
error in group stability's resampled PCA). Here the public entry point the app calls,
:func:`commonweal.analysis.analyse` (Pol.is mode and the full analysis: common ground, divisive
statements, bridging, intervals, group stability), and the representation weighting run over
every small shape, cold and warm-started, and the documented result of each named case is
checked (docs/analysis.md, "Degenerate conversations").
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commonweal.analysis import AnalysisOptions, AnalysisResult, AnalysisState, VoteMatrix, analyse
from commonweal.analysis.beyond import ResampleClusterer
from commonweal.analysis.bridging import BridgingModel
from commonweal.analysis.matrix import REJECTED
from commonweal.analysis.representation import reweighted_agreement

GROUP_REASONS = {
    "no_votes",
    "one_participant",
    "all_statements_excluded",
    "no_differences",
    "one_group_found",
}
PCA_REASONS = {"no_variance", "one_direction"}
LIST_REASONS = {"no_votes", "fewer_than_two_groups", "no_eligible_statements", "too_few_voters"}
STABILITY_REASONS = {"no_votes", "fewer_than_two_groups", "not_requested"}

#: The app's options for a conversation of its own (conversations.jobs.compute.default_options): the engine's
#: defaults, Lanczos PCA, commonweal mode's groups.
APP_OPTIONS = AnalysisOptions(pca_method="lanczos", grouping="commonweal")
#: The app's options for a conversation imported from Pol.is: Pol.is mode's groups.
POLIS_APP_OPTIONS = AnalysisOptions(pca_method="lanczos")


# --------------------------------------------------------------------------- building conversations
@dataclass(frozen=True)
class Conversation:
    """A small conversation: a vote (or None) per cell, statement flags, declared sectors."""

    cells: list[list[int | None]]
    moderation: list[str]
    meta: list[bool]
    sectors: list[str | None] | None

    def matrix(self, rows: int | None = None) -> VoteMatrix:
        """The votes of the first ``rows`` participants (all by default); every participant and
        statement is a row or column, voted on or not, as the app builds it."""
        n_p = len(self.cells)
        n_s = len(self.moderation)
        take = n_p if rows is None else rows
        pids = np.arange(n_p, dtype=np.int64) + 100
        sids = np.arange(n_s, dtype=np.int64) + 500
        who, what, value = [], [], []
        for p in range(take):
            for s in range(n_s):
                v = self.cells[p][s]
                if v is not None:
                    who.append(int(pids[p]))
                    what.append(int(sids[s]))
                    value.append(v)
        return VoteMatrix.from_events(
            np.asarray(who, dtype=np.int64),
            np.asarray(what, dtype=np.int64),
            np.asarray(value, dtype=np.int64),
            participant_ids=pids,
            statement_ids=sids,
            moderation={int(sid): m for sid, m in zip(sids, self.moderation, strict=True)},
            is_meta=[int(sid) for sid, flag in zip(sids, self.meta, strict=True) if flag],
            participant_labels={"sector": list(self.sectors)} if self.sectors is not None else None,
        )


def conversation(
    votes: list[list[int | None]],
    *,
    moderation: list[str] | None = None,
    meta: list[bool] | None = None,
    sectors: list[str | None] | None = None,
) -> VoteMatrix:
    """A matrix from a participants x statements table of votes (None: not voted)."""
    n_s = len(votes[0]) if votes else 0
    return Conversation(votes, moderation or ["accepted"] * n_s, meta or [False] * n_s, sectors).matrix()


@st.composite
def conversations(draw: Any, max_participants: int = 6, max_statements: int = 6) -> Conversation:
    n_p = draw(st.integers(0, max_participants))
    n_s = draw(st.integers(0, max_statements))
    # The degenerate patterns by name, so every run meets them; "random" covers the rest.
    pattern = draw(st.sampled_from(["random", "all_pass", "all_agree", "one_value_per_statement"]))
    present = [[draw(st.booleans()) or pattern != "random" for _ in range(n_s)] for _ in range(n_p)]
    column_value = [draw(st.sampled_from([-1, 0, 1])) for _ in range(n_s)]
    cells: list[list[int | None]] = []
    for p in range(n_p):
        row: list[int | None] = []
        for s in range(n_s):
            if not present[p][s] and not draw(st.booleans()):
                row.append(None)
            elif pattern == "all_pass":
                row.append(0)
            elif pattern == "all_agree":
                row.append(1)
            elif pattern == "one_value_per_statement":
                row.append(column_value[s])
            else:
                row.append(draw(st.sampled_from([-1, 0, 1])))
        cells.append(row)
    moderation = [draw(st.sampled_from(["accepted", "accepted", "pending", "rejected"])) for _ in range(n_s)]
    meta = [draw(st.booleans()) and draw(st.booleans()) for _ in range(n_s)]
    sectors = draw(
        st.one_of(st.none(), st.lists(st.sampled_from(["a", "b", None]), min_size=n_p, max_size=n_p))
    )
    return Conversation(cells, moderation, meta, sectors)


@st.composite
def options(draw: Any) -> AnalysisOptions:
    # Few resamples keep the test fast; the named tests below run the app's own options.
    resamples = draw(st.sampled_from([0, 3]))
    return AnalysisOptions(
        pca_method=draw(st.sampled_from(["auto", "gram", "lanczos"])),
        robust_groups=draw(st.booleans()),
        beyond_polis=draw(st.booleans()),
        stability_resamples=resamples,
        stability_min_resamples=min(2, resamples),
        stability_every=draw(st.sampled_from([1, 10])),
        threads=draw(st.sampled_from([1, 2])),
        grouping=draw(st.sampled_from(["polis", "commonweal"])),
    )


# --------------------------------------------------------------------------- what every result must be
def finite(value: Any) -> bool:
    arr = np.asarray(value, dtype=np.float64)
    return bool(np.all(np.isfinite(arr)))


def json_floats_finite(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(json_floats_finite(v) for v in value.values())
    if isinstance(value, list):
        return all(json_floats_finite(v) for v in value)
    return True


def nan_exactly_where(values: Any, undefined: Any) -> None:
    """NaN marks "no data" and appears exactly there; no infinity anywhere."""
    arr = np.asarray(values, dtype=np.float64)
    assert not np.isinf(arr).any()
    np.testing.assert_array_equal(
        np.isnan(arr), np.broadcast_to(np.asarray(undefined, dtype=bool), arr.shape)
    )


def check_polis_mode(r: AnalysisResult, m: VoteMatrix) -> None:
    n_p, n_s = m.shape
    k = r.k
    counts = m.participant_vote_counts()
    # Shapes.
    assert r.participant_ids.shape == (n_p,) and r.statement_ids.shape == (n_s,)
    assert r.in_conv.shape == r.group_labels.shape == r.base_labels.shape == (n_p,)
    assert r.participant_projections.shape == (n_p, 2)
    assert r.statement_projections.shape == (n_s, 2)
    assert r.pca_components.shape == (2, n_s) and r.pca_eigenvalues.shape == (2,)
    assert r.pca_center.shape == r.statement_extremity.shape == r.priorities.shape == (n_s,)
    assert r.group_centres.shape == (k, 2) and r.group_sizes.shape == (k,)
    for tally in (r.group_agree, r.group_disagree, r.group_seen):
        assert tally.shape == (k, n_s)
    assert r.base_centres.shape == (r.base_sizes.shape[0], 2)
    # Every float of Pol.is mode is finite.
    for arr in (
        r.pca_center,
        r.pca_components,
        r.pca_eigenvalues,
        r.participant_projections,
        r.statement_projections,
        r.statement_extremity,
        r.base_centres,
        r.group_centres,
        r.group_informed_consensus,
        r.priorities,
        list(r.silhouettes.values()),
    ):
        assert finite(arr)
    for reps in r.repness.values():
        assert all(finite([x.p_success, x.p_test, x.repness, x.repness_test]) for x in reps)
    for cons in r.consensus.values():
        assert all(finite([x.p_success, x.p_test]) for x in cons)
    # Groups partition the in-conv participants, who all have votes; k = 0 exactly without votes.
    assert not (r.in_conv & (counts == 0)).any()
    np.testing.assert_array_equal(r.group_labels >= 0, r.in_conv)
    assert r.group_labels.max(initial=-1) < k
    np.testing.assert_array_equal(np.bincount(r.group_labels[r.in_conv], minlength=k), r.group_sizes)
    assert (r.group_sizes > 0).all()
    assert (k == 0) == (m.n_votes == 0)
    # A reason exactly when fewer than two groups, and when the map lost a direction.
    assert ("groups" in r.reasons) == (k < 2)
    if k < 2:
        assert r.reasons["groups"] in GROUP_REASONS
        assert (r.reasons["groups"] == "no_votes") == (k == 0)
        assert (r.reasons["groups"] == "one_participant") == (int(r.in_conv.sum()) == 1)
    assert r.reasons.get("pca", "") in PCA_REASONS | {""}
    assert (r.reasons.get("pca") == "no_variance") == (r.pca_eigenvalues[0] == 0)
    if r.pca_eigenvalues[0] == 0:
        assert not r.participant_projections.any()


def check_beyond_polis(r: AnalysisResult, m: VoteMatrix, opts: AnalysisOptions) -> None:
    n_p, n_s = m.shape
    by_kind = m.vote_kind_counts()
    seen = by_kind.sum(axis=1)
    eligible = (seen > 0) & (m.moderation != REJECTED) & ~m.is_meta
    assert r.reasons.get("common_ground", "") in LIST_REASONS | {""}
    assert r.reasons.get("divisive", "") in LIST_REASONS | {""}
    assert r.reasons.get("group_stability", "") in STABILITY_REASONS | {""}
    # Intervals: shares are NaN exactly where nobody voted; the interval ends are always set.
    for name, total in (("agree", seen), ("disagree", seen), ("group_agree", r.group_seen)):
        iv = r.intervals[name]
        nan_exactly_where(iv.share, np.asarray(total) == 0)
        assert finite(iv.lower) and finite(iv.upper)
        assert ((iv.lower >= 0) & (iv.lower <= iv.upper) & (iv.upper <= 1)).all()
    if m.n_votes == 0:
        assert r.common_ground is None and r.bridging is None
        assert r.reasons["common_ground"] == r.reasons["bridging"] == "no_votes"
        return
    cg = r.common_ground
    assert cg is not None and cg.is_common_ground.shape == (n_s,)
    assert not (cg.is_common_ground & ~eligible).any()
    assert finite(cg.gic)
    if not eligible.any():
        assert r.reasons["common_ground"] == "no_eligible_statements" and cg.statements.size == 0
    if r.reasons.get("common_ground") == "too_few_voters":
        assert cg.statements.size == 0
    if r.k < 2:
        assert r.divisive is None and r.group_stability is None
        assert r.reasons["divisive"] == r.reasons["group_stability"] == "fewer_than_two_groups"
    else:
        assert r.divisive is not None
        judged = r.divisive.tallies.judged.any(axis=0)
        nan_exactly_where(r.divisive.spread, ~judged)
        stab = r.group_stability
        if opts.stability_resamples == 0:
            assert stab is None and r.reasons["group_stability"] == "not_requested"
        else:
            assert stab is not None and "group_stability" not in r.reasons
            assert finite([stab.overall]) and finite(stab.per_group)
            if stab.participant.size:  # carried summaries have no per-participant values
                nan_exactly_where(stab.participant, r.group_labels < 0)
    b = r.bridging
    assert b is not None and "bridging" not in r.reasons
    for arr in (
        [b.mu, b.loss],
        b.participant_intercept,
        b.participant_factor,
        b.statement_intercept,
        b.statement_factor,
    ):
        assert finite(arr)
    assert b.participant_factor.shape == (n_p,) and b.statement_factor.shape == (n_s,)
    nan_exactly_where(b.approval, b.voters == 0)


def check(r: AnalysisResult, m: VoteMatrix, opts: AnalysisOptions) -> None:
    """Everything a result of any shape must satisfy."""
    check_polis_mode(r, m)
    if opts.beyond_polis:
        check_beyond_polis(r, m, opts)
    else:
        assert r.common_ground is r.bridging is r.intervals is None
    # The stored forms: JSON with no NaN or infinity, and a state that reads back.
    payload = json.loads(json.dumps(r.to_dict(include_state=True), allow_nan=False))
    assert json_floats_finite(payload)
    assert payload["reasons"] == r.reasons
    back = AnalysisState.from_dict(json.loads(json.dumps(r.state.to_dict(), allow_nan=False)))
    assert back.tick == r.state.tick
    np.testing.assert_array_equal(back.in_conv, r.state.in_conv)
    assert back.components.shape == r.state.components.shape
    np.testing.assert_allclose(back.components, r.state.components)


# --------------------------------------------------------------------------- property tests
SETTINGS = settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@SETTINGS
@given(conversations(), options())
def test_every_small_conversation_has_a_defined_result(conv: Conversation, opts: AnalysisOptions) -> None:
    m = conv.matrix()
    r = analyse(m, options=opts, random_state=0)
    check(r, m, opts)
    # The representation weighting over the same votes: shares NaN exactly where nobody voted.
    weights = np.ones(m.n_participants)
    rw = reweighted_agreement(m, weights)
    nan_exactly_where(rw.share, rw.voters == 0)
    assert finite(rw.lower) and finite(rw.upper) and finite(rw.effective_voters)


@settings(SETTINGS, max_examples=80)
@given(conversations(), conversations(), options(), st.booleans(), st.booleans())
def test_every_small_conversation_warm_starts(
    conv: Conversation, other: Conversation, opts: AnalysisOptions, same: bool, through_json: bool
) -> None:
    """Warm start from an earlier part of the same conversation, or from another conversation's
    state (ids overlap, shapes differ), optionally through the stored JSON; then once more."""
    m = conv.matrix()
    earlier = conv.matrix(rows=len(conv.cells) // 2) if same else other.matrix()
    state = analyse(earlier, options=opts, random_state=1).state
    if through_json:
        state = AnalysisState.from_dict(json.loads(json.dumps(state.to_dict(), allow_nan=False)))
    r = analyse(m, state, options=opts, random_state=2)
    check(r, m, opts)
    assert r.tick == state.tick + 1
    again = analyse(m, r.state, options=opts, random_state=3)
    check(again, m, opts)


# --------------------------------------------------------------------------- the named cases
def run(m: VoteMatrix, state: AnalysisState | None = None) -> AnalysisResult:
    """The app's analysis (its options), checked, then a warm update from it, checked too."""
    r = analyse(m, state, options=APP_OPTIONS, random_state=0)
    check(r, m, APP_OPTIONS)
    again = analyse(m, r.state, options=APP_OPTIONS, random_state=1)
    check(again, m, APP_OPTIONS)
    return r


def test_one_statement_conversation_is_analysed_every_time() -> None:
    """The reported failure: three people, one statement, and an update after it."""
    m = conversation([[1], [-1], [0]])
    r = run(m)
    # commonweal mode sees no more than noise in three people (the one eigenvalue is the shuffled votes' own)
    # and says so; Pol.is mode splits them in two.
    assert r.k == 1 and r.reasons["groups"] == "one_group_found"
    polis = analyse(m, options=POLIS_APP_OPTIONS, random_state=0)
    check(polis, m, POLIS_APP_OPTIONS)
    assert polis.k == 2
    assert polis.group_stability is not None and 0.0 <= polis.group_stability.overall <= 1.0
    assert r.reasons["pca"] == "one_direction"  # one statement: one direction on the map
    # Too few voters to judge any group (5 needed): common ground is empty and says why.
    assert r.reasons["common_ground"] == "too_few_voters"
    assert r.common_ground is not None and r.common_ground.statements.size == 0


def test_one_statement_with_enough_voters_can_be_common_ground() -> None:
    """One statement is not too few: with enough people agreeing, it is common ground."""
    m = conversation([[1]] * 8)
    r = run(m)
    assert r.k == 1 and r.reasons["groups"] == "no_differences"
    assert r.common_ground is not None and r.common_ground.statements.tolist() == [0]
    assert "common_ground" not in r.reasons


def test_one_participant() -> None:
    r = run(conversation([[1, -1, 0, 1]]))
    assert r.k == 1 and r.reasons["groups"] == "one_participant"
    assert r.reasons["pca"] == "no_variance"  # one person's votes are the column means
    assert r.reasons["divisive"] == r.reasons["group_stability"] == "fewer_than_two_groups"
    assert r.reasons["common_ground"] == "too_few_voters"


def test_two_participants_fewer_than_the_number_of_groups() -> None:
    r = run(conversation([[1, 1, -1], [-1, -1, 1]]))
    assert r.k == 2 and r.group_sizes.tolist() == [1, 1]
    assert "groups" not in r.reasons
    assert r.reasons["pca"] == "one_direction"  # two points span one direction


def test_no_participants_and_no_statements() -> None:
    for m in (conversation([]), conversation([[None, None]]), conversation([[], []])):
        r = analyse(m, options=APP_OPTIONS, random_state=0)
        check(r, m, APP_OPTIONS)
        assert r.k == 0
        assert r.reasons["groups"] == r.reasons["common_ground"] == r.reasons["bridging"] == "no_votes"


def test_everyone_passes() -> None:
    r = run(conversation([[0, 0, 0]] * 7))
    assert r.k == 1 and r.reasons["groups"] == "no_differences"
    assert r.reasons["pca"] == "no_variance"
    # Seven people judged, nobody agreed: an empty common ground that is a finding, not a gap.
    assert r.common_ground is not None and r.common_ground.statements.size == 0
    assert "common_ground" not in r.reasons


def test_all_identical_votes() -> None:
    r = run(conversation([[1, -1, 1, 1]] * 9))
    assert r.k == 1 and r.reasons["groups"] == "no_differences"
    assert r.group_sizes.tolist() == [9]
    assert r.common_ground is not None and r.common_ground.statements.tolist() == [0, 2, 3]


def test_one_statement_rejected_or_meta_leaves_the_rest_as_they_were() -> None:
    votes = [[1, -1, 1, 0], [1, -1, -1, 1], [-1, 1, 1, 0], [-1, 1, -1, -1], [1, 1, 0, -1], [0, -1, 1, 1]]
    plain = conversation([row[:3] for row in votes])
    for flags in ({"moderation": ["accepted"] * 3 + ["rejected"]}, {"meta": [False] * 3 + [True]}):
        m = conversation(votes, **flags)
        r = run(m)
        base = analyse(plain, options=APP_OPTIONS, random_state=0)
        # A mod-out column is zero for everyone: the map's shape and the groups are the same.
        np.testing.assert_array_equal(r.group_labels, base.group_labels)
        np.testing.assert_allclose(np.abs(r.pca_components[:, :3]), np.abs(base.pca_components), atol=1e-9)
        assert r.pca_components[:, 3].tolist() == [0.0, 0.0]
        assert not r.common_ground.is_common_ground[3]


def test_every_statement_moderated_out() -> None:
    m = conversation([[1, -1], [-1, 1], [0, 1]], moderation=["rejected", "rejected"])
    r = run(m)
    assert r.k == 1 and r.reasons["groups"] == "all_statements_excluded"
    assert r.reasons["common_ground"] == "no_eligible_statements"
    meta = conversation([[1, -1], [-1, 1], [0, 1]], meta=[True, True])
    assert run(meta).reasons["groups"] == "all_statements_excluded"


def test_participant_without_votes_is_never_grouped() -> None:
    m = conversation([[1, -1, 1], [None, None, None], [-1, 1, 0], [1, 1, -1]])
    r = run(m)
    assert not r.in_conv[1] and r.group_labels[1] == -1
    assert r.participant_projections[1].tolist() == [0.0, 0.0]
    # Once in, always in, unless every vote is gone (an erasure): then out, not at the centre.
    before = analyse(conversation([[1, -1, 1], [1, 1, 1], [-1, 1, 0], [1, 1, -1]]), options=APP_OPTIONS)
    assert before.in_conv[1]
    after = run(m, before.state)
    assert not after.in_conv[1] and after.group_labels[1] == -1


def test_zero_variance_after_centring() -> None:
    """Every statement unanimous (different per statement): the PCA has nothing to find."""
    r = run(conversation([[1, -1, 0]] * 6))
    assert r.reasons["pca"] == "no_variance"
    assert not r.pca_components.any() and not r.participant_projections.any()
    assert r.pca_eigenvalues.tolist() == [0.0, 0.0]


def test_state_of_a_conversation_without_statements_reads_back() -> None:
    """The stored state of an empty conversation is ``components: [[], []]``."""
    state = analyse(conversation([[], []]), options=APP_OPTIONS).state
    back = AnalysisState.from_dict(json.loads(json.dumps(state.to_dict())))
    assert back.components.shape == (2, 0)
    r = run(conversation([[1, 0], [-1, 1], [0, -1]]), back)
    assert r.tick == 2


def test_resampled_clustering_of_one_statement() -> None:
    """Group stability's clustering with one usable statement has one direction, not a crash."""
    m = conversation([[1], [1], [-1], [-1], [0]])
    r = analyse(m, options=AnalysisOptions(beyond_polis=False))
    assert r.k == 2
    clusterer = ResampleClusterer(m, r)
    assert clusterer.components(np.array([1])).shape == (1, 2)
    found = clusterer(np.array([1]), r.k, 0)
    np.testing.assert_array_equal(found, r.group_labels[r.group_labels >= 0])


@pytest.mark.parametrize(
    "votes",
    [
        # Each person voted on one statement: a factor term at its kink (was ZeroDivisionError).
        [[None, -1], [0, None]],
        # One statement: its factor collapsed to the shift (was NaN factors, silently).
        [[-1], [0], [-1], [-1]],
        [[0], [-1], [-1], [-1]],
        [[1, None], [1, None], [0, None], [-1, None]],
    ],
)
def test_bridging_fit_with_one_statement_per_person(votes: list[list[int | None]]) -> None:
    m = conversation(votes)
    fit = BridgingModel().fit(m)
    for arr in ([fit.mu, fit.loss], fit.participant_factor, fit.statement_factor, fit.statement_intercept):
        assert finite(arr)
