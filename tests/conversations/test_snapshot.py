"""The stored analysis result, typed (conversations.results.snapshot): it reads every snapshot the worker writes
and writes it back unchanged, reads snapshots of older versions, and is the only reader of the stored keys."""

from __future__ import annotations

import json
import re
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commonweal.conversations.jobs.compute import compute_snapshot
from commonweal.conversations.models import Conversation
from commonweal.conversations.results.build import build_results
from commonweal.conversations.results.snapshot import (
    Bridging,
    BridgingStatement,
    CommonGround,
    CommonGroundStatement,
    Consensus,
    ConsensusStatement,
    Divisive,
    DivisiveStatement,
    GroupStability,
    Intervals,
    RepresentativeStatement,
    ShareIntervals,
    SnapshotMeta,
    StoredResult,
    meta_lookup,
    read_meta,
    read_result,
)
from commonweal.conversations.results.standing import where_you_stand
from commonweal.reports.exports.build import analysis_document, raw_analysis_document, statement_rows
from commonweal.systems.models import Sector
from tests.conversations.test_standing import plant
from tests.factories import make_snapshot

SRC = Path(__file__).resolve().parents[2] / "src" / "commonweal"


def _round_trips(stored: dict[str, Any]) -> StoredResult:
    typed = StoredResult.from_dict(stored)
    assert typed.to_dict() == stored
    assert StoredResult.from_dict(typed.to_dict()) == typed
    # Every key the engine and the worker write is typed: none is only carried through.
    assert typed.unknown == {}
    return typed


@pytest.mark.django_db
def test_a_snapshot_the_worker_stores_reads_typed_and_writes_back_unchanged():
    conversation, _, side_a, side_b = plant(people=40)
    sectors = list(Sector.values)
    for i, person in enumerate(side_a + side_b):
        person.sector = sectors[i % 3]
        person.save()
    snapshot = compute_snapshot(conversation)
    assert snapshot is not None
    snapshot.refresh_from_db()  # as the pages get it: through the database's JSON
    typed = _round_trips(snapshot.result)
    assert typed.k == 2 and len(typed.participant_ids) == 40
    assert typed.common_ground is not None and typed.common_ground.statements
    assert typed.divisive is not None and typed.bridging is not None and typed.intervals is not None
    assert typed.meta is not None and typed.meta.n_votes == snapshot.result["meta"]["n_votes"]
    assert read_result(snapshot) == typed
    assert read_result(snapshot) is read_result(snapshot)  # read once per snapshot object
    assert read_meta(snapshot) == typed.meta
    assert typed.meta.at_or_below_high_water == (
        snapshot.result["meta"]["votes_at_or_below_high_water"],
        snapshot.result["meta"]["event_id_sum_at_or_below_high_water"],
    )
    # The group of each participant, as the export and "where you stand" read it.
    row, group = typed.group_of(side_a[0].pk)
    assert snapshot.result["participant_ids"][row] == side_a[0].pk
    assert group == snapshot.result["group_labels"][row] >= 0
    assert typed.group_of(-5) == (-1, -1)


@pytest.mark.django_db
def test_the_demo_conversations_snapshot_round_trips(loaded_demo):
    snapshot = Conversation.objects.get().snapshots.order_by("-tick").first()
    assert snapshot is not None
    typed = _round_trips(snapshot.result)
    assert typed.n_participants > 0 and typed.statement_ids


def _old_format(stored: dict[str, Any]) -> dict[str, Any]:
    """A snapshot as the first versions wrote it: Pol.is' outputs only, no reasons and a shorter meta."""
    old = {
        key: value
        for key, value in stored.items()
        if key
        not in {
            "common_ground",
            "divisive",
            "bridging",
            "intervals",
            "group_stability",
            "reasons",
            "grouping",
            "grouping_detail",
            "map_overlap",
            "subgroups",
            "subgroup_labels",
        }
    }
    old["meta"] = {
        key: value
        for key, value in stored["meta"].items()
        if key not in {"votes_at_or_below_high_water", "event_id_sum_at_or_below_high_water"}
    }
    return old


@pytest.mark.django_db
def test_an_old_snapshot_without_the_newer_keys_still_reads_everywhere():
    conversation, _, side_a, _ = plant(people=30)
    fresh = compute_snapshot(conversation)
    assert fresh is not None
    old = _old_format(fresh.result)
    typed = StoredResult.from_dict(old)
    assert typed.common_ground is None and typed.bridging is None and typed.group_stability is None
    assert typed.reasons is None and typed.k == fresh.result["k"]
    assert (
        typed.grouping == "polis" and typed.map_overlap is False
    )  # before commonweal mode, Pol.is found them
    assert typed.meta is not None and typed.meta.at_or_below_high_water is None
    assert typed.subgroups is None and typed.subgroup_labels is None
    assert typed.consensus.agree  # where you stand falls back on Pol.is' consensus
    snapshot = make_snapshot(conversation, result=old, vote_event_high_water=fresh.vote_event_high_water)
    results = build_results(conversation, snapshot=snapshot)
    assert results.ready and len(results.groups) == typed.k
    assert results.common_ground == [] and results.bridging == [] and results.stability is None
    standing = where_you_stand(conversation, side_a[0])
    assert standing is not None and standing.state == "placed" and standing.common_ground
    header, rows = statement_rows(conversation)
    assert "Group A agree %" in header and rows
    # analysis.json publishes the groups through the disclosure layer; the whole result is the raw export.
    assert len(analysis_document(conversation)["analysis"]["groups"]) == typed.k
    assert raw_analysis_document(conversation)["result"]["k"] == typed.k


@pytest.mark.django_db
def test_a_conversation_s_groups_say_which_method_found_them():
    """Native conversations are grouped by commonweal mode, imported Pol.is ones by Pol.is mode; the results page,
    the report's words and analysis.json say which."""
    conversation, _, _, _ = plant(people=40)
    snapshot = compute_snapshot(conversation)
    assert snapshot is not None
    typed = _round_trips(snapshot.result)
    assert typed.grouping == "commonweal" and typed.grouping_detail["dimensions"] >= 2
    results = build_results(conversation, snapshot=snapshot)
    assert results.grouping == "commonweal" and "commonweal's method" in results.grouping_words
    grouping = analysis_document(conversation)["analysis"]["grouping"]
    assert grouping["method"] == "commonweal" and isinstance(grouping["map_overlap"], bool)
    Conversation.objects.filter(pk=conversation.pk).update(imported_from="polis export 1234")
    conversation.refresh_from_db()
    snapshot = compute_snapshot(conversation)
    assert snapshot is not None
    typed = _round_trips(snapshot.result)
    assert typed.grouping == "polis"
    results = build_results(conversation, snapshot=snapshot)
    assert "the way Pol.is finds them" in results.grouping_words
    assert analysis_document(conversation)["analysis"]["grouping"]["method"] == "polis"


@pytest.mark.django_db
def test_a_facilitator_switches_how_the_groups_are_found_and_sees_the_difference(client):
    """Issue 15: a facilitator can switch a conversation between the two methods from the results page; the next
    analysis update uses it, and the page says what the other method finds."""
    from commonweal.conversations.models import AnalysisStatus
    from commonweal.core.models import AuditEntry
    from tests.factories import make_facilitator, make_moderator

    conversation, _, _, _ = plant(people=40)
    compute_snapshot(conversation)
    facilitator = make_facilitator(conversation.system)
    client.force_login(facilitator)
    results_url = f"/manage/conversations/{conversation.slug}/results/"
    page = client.get(results_url).content.decode()
    assert 'id="grouping-choice"' in page
    assert re.search(r'<input type="radio" name="grouping" value="auto"[^>]* checked>', page)
    before = AnalysisStatus.objects.filter(conversation=conversation).values_list(
        "moderation_version", flat=True
    )
    version = next(iter(before), 0)
    switched = client.post(f"/manage/conversations/{conversation.slug}/grouping/", {"grouping": "polis"})
    assert switched.status_code == 302 and switched["Location"] == results_url + "#groups"
    conversation.refresh_from_db()
    assert conversation.grouping == "polis" and conversation.grouping_mode == "polis"
    # The worker sees a change to analyse, and the next update finds the groups Pol.is' way.
    assert AnalysisStatus.objects.get(conversation=conversation).moderation_version == version + 1
    assert AuditEntry.objects.get(action="conversation.grouping").after == {"grouping": "polis"}
    snapshot = compute_snapshot(conversation)
    assert snapshot is not None and snapshot.result["grouping"] == "polis"
    followed = client.get(results_url).content.decode()
    assert "The opinion groups will be found by Pol.is&#x27; method" in followed
    assert "the way Pol.is finds them" in followed
    # Nonsense is refused with a message, and nothing changes.
    refused = client.post(f"/manage/conversations/{conversation.slug}/grouping/", {"grouping": "magic"})
    assert refused.status_code == 302
    conversation.refresh_from_db()
    assert conversation.grouping == "polis"
    # A moderator reads the results but does not see the choice.
    moderator_client = type(client)()
    moderator_client.force_login(make_moderator(conversation, username="mo"))
    assert 'id="grouping-choice"' not in moderator_client.get(results_url).content.decode()


@pytest.mark.django_db
def test_an_empty_result_reads_as_no_result():
    conversation, _, _, _ = plant(people=10)
    assert read_result(None) is None
    assert read_result(make_snapshot(conversation, result={})) is None
    assert read_meta(make_snapshot(conversation, result={})) == SnapshotMeta()


def test_a_hand_made_partial_result_takes_defaults():
    typed = StoredResult.from_dict(
        {"k": 2, "group_sizes": [12, 3], "repness": {"1": [{"statement": 0, "repful_for": "agree"}]}}
    )
    assert typed.group_size(1) == 3 and typed.group_size(2) == 0
    assert typed.representative(1) == (RepresentativeStatement(statement=0, repful_for="agree"),)
    assert typed.representative(0) == ()
    assert typed.group_tally(0, 0) == (0, 0, 0)


def test_a_malformed_result_is_an_error_not_a_default():
    with pytest.raises(KeyError):
        StoredResult.from_dict({"repness": {"0": [{"repful_for": "agree"}]}})  # no statement column
    with pytest.raises(TypeError):
        StoredResult.from_dict({"divisive": {"divisive": [{"statement": 0, "sides": {"agree": [[1]]}}]}})
    with pytest.raises(ValueError):
        StoredResult.from_dict({"participant_ids": ["not a number"]})


def test_the_export_form_maps_every_database_id():
    typed = StoredResult(
        participant_ids=(10, 11),
        in_conv=(11,),
        statement_ids=(20, 21),
        repness={0: (RepresentativeStatement(statement=1, statement_id=21),)},
        consensus=Consensus(agree=(ConsensusStatement(statement=0, statement_id=20),)),
    )
    out = typed.to_dict(participant_id={11: 0}.get, statement_id={20: 0, 21: 1}.get)
    assert out["participant_ids"] == [None, 0]  # a participant since erased has no export id
    assert out["in_conv"] == [0]
    assert out["statement_ids"] == [0, 1]
    assert out["repness"]["0"][0]["statement_id"] == 1
    assert out["consensus"]["agree"][0]["statement_id"] == 0


def test_meta_lookup_names_only_meta_fields():
    assert meta_lookup("n_votes") == "result__meta__n_votes"
    with pytest.raises(ValueError):
        meta_lookup("no_such_field")


def test_only_the_snapshot_module_reads_the_stored_keys():
    """No module but results/snapshot.py reads ``AnalysisSnapshot.result`` by its keys (the engine aside)."""
    pattern = re.compile(r"\.result\b(?!\()|result__")
    found = []
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC).as_posix()
        if (
            relative.startswith(("analysis/", "conversations/results/snapshot.py"))
            or "migrations" in path.parts
        ):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line):
                found.append(f"{relative}:{number}: {line.strip()}")
    assert not found, "Read the stored result through conversations.results.snapshot:\n" + "\n".join(found)


# --- Any result round-trips ---------------------------------------------------------------------------------------

_number = st.floats(allow_nan=False, allow_infinity=False)
_maybe = st.none() | _number
_int = st.integers(min_value=-(2**40), max_value=2**40)
_count = st.integers(min_value=0, max_value=10**6)
_name = st.text(max_size=12)
_category = st.integers(min_value=0, max_value=30) | st.text(max_size=6)


def _tuple(values: st.SearchStrategy[Any], max_size: int = 6) -> st.SearchStrategy[tuple[Any, ...]]:
    return st.lists(values, max_size=max_size).map(tuple)


def _table(values: st.SearchStrategy[Any]) -> st.SearchStrategy[tuple[tuple[Any, ...], ...]]:
    return _tuple(_tuple(values, 3), 4)


def _by_dimension(values: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(_name, values, max_size=3)


_column = st.integers(min_value=0, max_value=50)
_intervals = st.builds(
    ShareIntervals,
    share=_tuple(_maybe),
    lower=_tuple(_maybe),
    upper=_tuple(_maybe),
    count=_tuple(_maybe),
    total=_tuple(_maybe),
    confidence=_maybe,
)
_beyond = {
    "common_ground": st.none()
    | st.builds(
        CommonGround,
        statements=_tuple(
            st.builds(
                CommonGroundStatement,
                statement=_column,
                gic=_maybe,
                judged=_by_dimension(_count),
                too_small=_by_dimension(_tuple(_category)),
            )
        ),
        dimensions=_tuple(_name),
        active=_by_dimension(st.booleans()),
        never_judged=_by_dimension(_tuple(_category)),
        min_voters=_count,
        confidence=_maybe,
        threshold=_maybe,
    ),
    "divisive": st.none()
    | st.builds(
        Divisive,
        dimension=_name,
        statements=_tuple(
            st.builds(
                DivisiveStatement,
                statement=_column,
                spread=_maybe,
                agree=_tuple(_category),
                disagree=_tuple(_category),
            )
        ),
        threshold=_maybe,
    ),
    "bridging": st.none()
    | st.builds(
        Bridging,
        mu=_maybe,
        statements=_tuple(
            st.builds(
                BridgingStatement,
                statement=_column,
                intercept=_maybe,
                factor=_maybe,
                approval=_maybe,
                voters=_count,
            )
        ),
        loss=_maybe,
        n_iter=_count,
        converged=st.booleans(),
    ),
    "intervals": st.none()
    | st.builds(
        Intervals,
        agree=st.none() | _intervals,
        disagree=st.none() | _intervals,
        group_agree=st.none() | _intervals,
        group_disagree=st.none() | _intervals,
    ),
    "group_stability": st.none()
    | st.builds(
        GroupStability,
        overall=_maybe,
        per_group=st.dictionaries(_count, _maybe, max_size=4),
        n_resamples=_count,
        standard_error=_maybe,
    ),
}
_representative = st.builds(
    RepresentativeStatement,
    statement=_column,
    statement_id=st.none() | _count,
    repful_for=st.sampled_from(["agree", "disagree", ""]),
    n_success=_count,
    n_trials=_count,
    p_success=_maybe,
    p_test=_maybe,
    repness=_maybe,
    repness_test=_maybe,
    best_agree=st.booleans(),
    n_agree=st.none() | _count,
)
_consensus_statement = st.builds(
    ConsensusStatement,
    statement=_column,
    statement_id=st.none() | _count,
    n_success=_count,
    n_trials=_count,
    p_success=_maybe,
    p_test=_maybe,
)
_meta = st.builds(
    SnapshotMeta,
    n_votes=_count,
    n_participants_voting=_count,
    n_statements=_count,
    computed_at=_name,
    high_water=_count,
    votes_at_or_below_high_water=st.none() | _count,
    event_id_sum_at_or_below_high_water=st.none() | _count,
    moderation_version=_count,
    start=_name,
    read_seconds=_number,
    engine_seconds=_number,
    timings=st.dictionaries(_name, _number, max_size=3),
)
_known = {f.name for f in fields(StoredResult)}
_results = st.builds(
    StoredResult,
    tick=_count,
    participant_ids=_tuple(_int),
    statement_ids=_tuple(_int),
    n_participants=_count,
    n_statements=_count,
    in_conv=_tuple(_int),
    pca_center=_tuple(_maybe),
    pca_components=_table(_maybe),
    participant_projections=_table(_maybe),
    base_centres=_table(_maybe),
    base_sizes=_tuple(_count),
    base_labels=_tuple(_int),
    k=_count,
    best_k=_count,
    silhouettes=st.dictionaries(_count, _maybe, max_size=3),
    group_centres=_table(_maybe),
    group_labels=_tuple(_int),
    group_sizes=_tuple(_count),
    group_agree=_table(_count),
    group_seen=_table(_count),
    group_informed_consensus=_tuple(_maybe),
    repness=st.dictionaries(_count, _tuple(_representative, 3), max_size=3),
    consensus=st.builds(
        Consensus, agree=_tuple(_consensus_statement, 3), disagree=_tuple(_consensus_statement, 3)
    ),
    mod_out=_tuple(st.booleans()),
    timings=st.dictionaries(_name, _number, max_size=3),
    reasons=st.none() | st.dictionaries(_name, _name, max_size=3),
    meta=st.none() | _meta,
    unknown=st.dictionaries(_name.filter(lambda key: key not in _known | {"meta"}), _int, max_size=2),
    **_beyond,
)


@settings(max_examples=60, deadline=None)
@given(_results)
def test_any_result_round_trips_through_its_stored_json(result):
    stored = json.loads(json.dumps(result.to_dict()))
    assert StoredResult.from_dict(stored) == result
    assert StoredResult.from_dict(stored).to_dict() == stored


def test_a_stored_result_is_frozen():
    typed = StoredResult(k=2, group_sizes=(3, 4))
    with pytest.raises(AttributeError):
        typed.k = 4  # type: ignore[misc]
