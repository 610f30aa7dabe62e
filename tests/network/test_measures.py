"""The network measures on small graphs worked by hand (the arithmetic is in the comments), and against networkx
where networkx has the measure."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commonweal.analysis.network.measures import (
    Asymmetry,
    Received,
    TieChange,
    betweenness,
    compare,
    in_ten,
    intensity_words,
    louvain,
    modularity,
    summarise,
    ties_of,
)
from commonweal.analysis.network.types import Node, RoundNetwork, Tie

A, B, C, D, E, F = 1, 2, 3, 4, 5, 6
SECTORS = {A: "acute", B: "acute", C: "vcse", D: "vcse", E: "local_authority", F: "other"}
NODES = tuple(Node(id=i, name=name, sector=SECTORS[i]) for i, name in zip(SECTORS, "ABCDEF", strict=True))


def net(ratings: dict[tuple[int, int], float], name: str = "2026", trust=None, nodes=NODES) -> RoundNetwork:
    trust = trust or {}
    ties = tuple(Tie(r, p, float(i), trust=trust.get((r, p))) for (r, p), i in ratings.items())
    return RoundNetwork(
        round_id=None, round_name=name, nodes=nodes, ties=ties, responded=frozenset(r for r, _ in ratings)
    )


# A, B, C and D answered; E and F did not. A rates D as 0 (no relationship) and C rates A as 0.
FIRST = {
    (A, B): 3, (A, C): 2, (A, E): 1, (A, D): 0,
    (B, A): 3, (B, C): 4,
    (C, A): 0, (C, B): 1, (C, D): 2,
    (D, C): 2,
}  # fmt: skip


def test_measures_of_a_round_worked_by_hand():
    m = summarise(net(FIRST, trust={(B, A): 4.0, (C, A): None, (A, B): 2.0}))
    # Ties are ratings of 1 or more: A>B A>C A>E B>A B>C C>B C>D D>C = 8 (A>D and C>A are 0).
    assert (m.n_organisations, m.n_responded, m.n_ties) == (6, 4, 8)
    # 4 organisations answered, each could rate the 5 others: 8 / 20.
    assert m.density == pytest.approx(8 / 20)
    # Ties whose partner answered: all but A>E, 7. Returned: A>B, B>A, B>C, C>B, C>D, D>C (not A>C): 6 / 7.
    assert m.reciprocity == pytest.approx(6 / 7)
    # (3 + 2 + 1 + 3 + 4 + 1 + 2 + 2) / 8 = 18 / 8.
    assert m.mean_intensity == pytest.approx(2.25)
    # Within a sector: A>B, B>A (acute), C>D, D>C (vcse) = 4; across: A>C, A>E, B>C, C>B = 4. (4 - 4) / 8.
    assert m.ei_index == pytest.approx(0.0)
    # Tie graph: A-B, A-C, A-E, B-C, C-D. Degrees A 3, B 2, C 3, D 1, E 1, F 0; the largest is 3.
    # Freeman: sum(3 - d) / ((n - 1)(n - 2)) = (0 + 1 + 0 + 2 + 2 + 3) / (5 * 4) = 8 / 20.
    assert m.centralisation == pytest.approx(8 / 20)
    # Shortest paths through a third organisation: A-D, B-D via C; B-E, C-E via A; D-E via C and A.
    # C and A each lie on 3 of the C(5, 2) = 10 pairs of other organisations: 0.3. A comes first on a tie.
    assert m.brokers == [(A, pytest.approx(0.3)), (C, pytest.approx(0.3))]
    assert m.isolated == [F]
    assert m.peripheral == [D, E]
    # A is rated by B (3) and C (0): median 1.5; only B gave trust. F is rated by nobody.
    assert m.received[A] == Received(n_raters=2, intensity=1.5, trust=4.0, value=None)
    assert m.received[C] == Received(n_raters=3, intensity=2.0, trust=None, value=None)
    assert m.received[F] == Received(n_raters=0, intensity=None, trust=None, value=None)
    # Both answered: B-C 4 vs 1 (gap 3), A-C 2 vs 0 (gap 2). A-D is 0 vs not rated (0): no gap.
    # A-E (1 vs nothing) is not judged: E did not answer.
    assert m.asymmetric == [Asymmetry(B, C, 4.0, 1.0), Asymmetry(A, C, 2.0, 0.0)]


def test_a_round_nobody_answered_has_no_measures_but_says_so():
    m = summarise(net({}))
    assert (m.n_ties, m.density, m.reciprocity, m.mean_intensity, m.ei_index) == (0, None, None, None, None)
    assert m.isolated == [A, B, C, D, E, F]
    assert m.brokers == [] and m.communities == [] and m.asymmetric == []
    assert "Nobody has answered" in m.sentences()["density"]


def test_a_star_is_fully_centralised_and_its_hub_the_only_broker():
    nodes = tuple(Node(i, f"O{i}", "acute") for i in range(1, 6))
    star = {(1, i): 2 for i in range(2, 6)}
    m = summarise(net(star, nodes=nodes))
    # Degrees 4, 1, 1, 1, 1: (0 + 3 * 4) / (4 * 3) = 1. The hub is on all C(4, 2) = 6 paths between leaves.
    assert m.centralisation == pytest.approx(1.0)
    assert m.brokers == [(1, pytest.approx(1.0))]
    assert m.peripheral == [2, 3, 4, 5]
    # Every tie is within one sector: (0 - 4) / 4.
    assert m.ei_index == -1.0
    # Nobody but the hub answered: no tie could have been returned.
    assert m.reciprocity is None


def test_two_tight_groups_joined_by_one_weak_tie_are_two_communities():
    nodes = tuple(Node(i, f"O{i}", "vcse") for i in range(1, 9))
    ratings = {(a, b): 4 for group in ((1, 2, 3, 4), (5, 6, 7, 8)) for a in group for b in group if a != b}
    ratings[(4, 5)] = 1
    m = summarise(net(ratings, nodes=nodes))
    assert m.communities == [frozenset({1, 2, 3, 4}), frozenset({5, 6, 7, 8})]
    # Only 4 and 5 carry paths between the groups: 4 is on the paths from 1, 2, 3 to 5 ... 8 (3 x 4 = 12
    # pairs), over C(7, 2) = 21 pairs: 12 / 21. The same for 5.
    assert m.brokers == [(4, pytest.approx(12 / 21)), (5, pytest.approx(12 / 21))]
    # The same round gives the same communities every time (a fixed seed).
    assert summarise(net(ratings, nodes=nodes)).communities == m.communities


def test_change_between_rounds_is_judged_only_for_organisations_that_answered_both():
    later = {
        (A, B): 4, (A, D): 2,  # A>B 3 -> 4 stronger; A>D 0 -> 2 new
        (A, C): 0,  # A>C 2 -> rated 0: lost (A said there is no relationship now); A>E 1 -> not rated: unconfirmed
        (B, A): 3, (B, C): 2,  # B>A unchanged; B>C 4 -> 2 weaker
        (D, C): 2, (D, A): 1,  # D>A new
        (E, A): 3,  # E did not answer the first round: not judged
    }  # fmt: skip
    # C answered the first round only: its ties are not judged lost.
    change = compare(net(FIRST, "2025"), net(later, "2026"))
    assert change.n_raters == 3
    assert change.new == [TieChange(A, D, 0.0, 2.0), TieChange(D, A, 0.0, 1.0)]
    assert change.strengthened == [TieChange(A, B, 3.0, 4.0)]
    assert change.weakened == [TieChange(B, C, 4.0, 2.0)]
    assert change.lost == [TieChange(A, C, 2.0, 0.0)]
    # A tie A did not rate again is not counted as lost: A may simply not have listed E.
    assert change.unconfirmed == [TieChange(A, E, 1.0, 0.0)]
    words = change.sentences()
    assert words["new"] == "2 new ties since 2025."
    assert words["raters"].startswith(
        "Change is judged for the 3 organisations that answered both 2025 and 2026"
    )


def test_no_organisation_in_both_rounds_means_no_change_can_be_seen():
    change = compare(net({(A, B): 2}), net({(B, A): 2}))
    assert change.n_raters == 0 and not (change.new or change.lost)
    assert "cannot be seen" in change.sentences()["raters"]


def test_ties_of_an_organisation_include_zero_ratings_strongest_first():
    out, in_ = ties_of(net(FIRST), A)
    assert [(t.partner, t.intensity) for t in out] == [(B, 3.0), (C, 2.0), (E, 1.0), (D, 0.0)]
    assert [(t.rater, t.intensity) for t in in_] == [(B, 3.0), (C, 0.0)]


def test_sentences_say_what_the_measures_mean_in_plain_words():
    s = summarise(net(FIRST)).sentences()
    assert s["density"].startswith("4 in 10 of the ties that could exist do exist (density 0.40)")
    assert s["reciprocity"].startswith("9 in 10 of the ties between organisations that both answered")
    assert s["mean_intensity"].startswith("The average tie is at 2.2, between cooperation and coordination")
    assert s["ei_index"].startswith("5 in 10 of the ties cross sectors (E-I index +0.00)")
    assert s["brokers"].startswith("A and C sit most often on the shortest path")
    assert s["isolated"].startswith("1 organisation has no tie in or out (F)")
    assert s["peripheral"].startswith("2 organisations are tied to only one partner (D and E)")
    assert s["asymmetric"].startswith("2 pairs see their relationship very differently")
    assert (
        s["response"]
        == "4 of 6 organisations answered this round; the measures describe the ties they reported."
    )


@pytest.mark.parametrize(
    ("share", "words"),
    [
        (0.0, "none"),
        (0.01, "1 in 100"),
        (0.04, "4 in 100"),
        (0.3, "3 in 10"),
        (0.97, "97 in 100"),
        (1, "all"),
    ],
)
def test_shares_in_words(share, words):
    assert in_ten(share) == words


def test_intensity_in_words():
    assert intensity_words(2.0) == "2, cooperation"
    assert intensity_words(3.5) == "3.5, between coordination and integration"


@st.composite
def graphs(draw, max_nodes=24):
    n = draw(st.integers(3, max_nodes))
    pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=n * 3))
    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    graph.add_edges_from((a, b) for a, b in pairs if a != b)
    return graph


@settings(max_examples=60, deadline=None)
@given(graphs(), st.sampled_from([1, 4, 256]), st.sampled_from([1, 2]))
def test_vectorised_betweenness_equals_networkx(graph, block, workers):
    n = graph.number_of_nodes()
    adjacency = nx.to_scipy_sparse_array(graph, nodelist=range(n))
    expected = nx.betweenness_centrality(graph, normalized=True)
    got = betweenness(adjacency, block=block, workers=workers)
    np.testing.assert_allclose(got, [expected[i] for i in range(n)], atol=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_vectorised_betweenness_equals_networkx_on_larger_random_graphs(seed):
    # Several blocks, several components and paths of many lengths.
    graph = nx.union(nx.gnp_random_graph(150, 0.03, seed=seed), nx.path_graph(30), rename=("", "p"))
    graph = nx.convert_node_labels_to_integers(graph)
    adjacency = nx.to_scipy_sparse_array(graph, nodelist=range(graph.number_of_nodes()))
    expected = nx.betweenness_centrality(graph)
    np.testing.assert_allclose(
        betweenness(adjacency, block=32), [expected[i] for i in range(180)], atol=1e-12
    )


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_density_reciprocity_and_centralisation_agree_with_networkx_when_everyone_answers(data):
    n = data.draw(st.integers(3, 12))
    nodes = tuple(Node(i, f"O{i}", data.draw(st.sampled_from(["acute", "vcse"]))) for i in range(n))
    ratings = data.draw(
        st.dictionaries(
            st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(lambda p: p[0] != p[1]),
            st.integers(0, 4),
        )
    )
    # Everyone answered: a rating of 0 from each organisation makes it a respondent.
    everyone = {**{(i, (i + 1) % n): 0 for i in range(n)}, **ratings}
    m = summarise(net(everyone, nodes=nodes))
    ties = nx.DiGraph()
    ties.add_nodes_from(range(n))
    ties.add_edges_from(pair for pair, i in everyone.items() if i >= 1)
    assert m.density == pytest.approx(nx.density(ties))
    if ties.number_of_edges():
        assert m.reciprocity == pytest.approx(nx.overall_reciprocity(ties))
    # Freeman's centralisation from networkx's normalised degree centrality: sum(max - c) / (n - 2).
    centrality = nx.degree_centrality(ties.to_undirected())
    top = max(centrality.values())
    assert m.centralisation == pytest.approx(sum(top - c for c in centrality.values()) / (n - 2))
    # Isolated and peripheral from the undirected degree; communities are disjoint groups of 2 or more.
    degree = dict(ties.to_undirected().degree())
    assert m.isolated == [i for i in range(n) if degree[i] == 0]
    assert m.peripheral == [i for i in range(n) if degree[i] == 1]
    seen = [i for group in m.communities for i in group]
    assert len(seen) == len(set(seen)) and all(len(g) >= 2 for g in m.communities)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_asymmetric_pairs_follow_the_definition(data):
    n = data.draw(st.integers(2, 8))
    nodes = tuple(Node(i, f"O{i}", "vcse") for i in range(n))
    ratings = data.draw(
        st.dictionaries(
            st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(lambda p: p[0] != p[1]),
            st.sampled_from([0, 0.5, 1, 2, 2.5, 3, 4]),
        )
    )
    responded = data.draw(st.frozensets(st.integers(0, n - 1)))
    ties = tuple(Tie(r, p, float(i)) for (r, p), i in ratings.items())
    m = summarise(RoundNetwork(None, "r", nodes, ties, responded=responded))
    # Straight from the definition: both answered; a rating not given by one that answered counts as 0.
    expected = set()
    for a in range(n):
        for b in range(a + 1, n):
            if a in responded and b in responded and ((a, b) in ratings or (b, a) in ratings):
                ab, ba = ratings.get((a, b), 0.0), ratings.get((b, a), 0.0)
                if abs(ab - ba) >= 2:
                    expected.add(Asymmetry(a, b, float(ab), float(ba)))
    assert set(m.asymmetric) == expected
    assert [x.gap for x in m.asymmetric] == sorted((x.gap for x in m.asymmetric), reverse=True)


@pytest.mark.parametrize("seed", range(3))
def test_louvain_finds_partitions_as_good_as_networkx(seed):
    # Planted groups with noise between them, weights 1 to 8 as the sum of a pair's two intensities.
    graph = nx.planted_partition_graph(6, 25, 0.3, 0.02, seed=seed)
    rng = np.random.default_rng(seed)
    for u, v in graph.edges:
        graph[u][v]["weight"] = float(rng.integers(1, 9))
    adjacency = nx.to_scipy_sparse_array(graph, nodelist=range(150), weight="weight")
    ours = modularity(adjacency, louvain(adjacency))
    theirs = max(
        nx.community.modularity(graph, nx.community.louvain_communities(graph, weight="weight", seed=s))
        for s in range(3)
    )
    assert ours >= theirs - 0.01
    assert modularity(adjacency, louvain(adjacency)) == pytest.approx(ours)  # the same seed, the same answer


def test_modularity_matches_networkx():
    graph = nx.karate_club_graph()
    adjacency = nx.to_scipy_sparse_array(graph, nodelist=range(34), weight=None)
    labels = louvain(adjacency)
    groups = [set(np.flatnonzero(labels == c).tolist()) for c in np.unique(labels)]
    assert modularity(adjacency, labels) == pytest.approx(nx.community.modularity(graph, groups, weight=None))
    # Karate club's best known modularity is 0.4198; Louvain reaches 0.41 or more.
    assert modularity(adjacency, labels) > 0.41


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_change_between_rounds_follows_the_definition(data):
    n = data.draw(st.integers(2, 7))
    nodes = tuple(Node(i, f"O{i}", "vcse") for i in range(n))
    pairs = st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(lambda p: p[0] != p[1])
    levels = st.sampled_from([0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0])
    rounds = []
    for name in ("before", "after"):
        ratings = data.draw(st.dictionaries(pairs, levels))
        responded = data.draw(st.frozensets(st.integers(0, n - 1)))
        ties = tuple(Tie(r, p, i) for (r, p), i in ratings.items())
        rounds.append((ratings, RoundNetwork(None, name, nodes, ties, responded=responded)))
    (old, before), (new, after) = rounds
    change = compare(before, after)
    both = before.responded & after.responded
    kinds: dict[str, set[TieChange]] = {
        "new": set(),
        "strengthened": set(),
        "weakened": set(),
        "lost": set(),
        "unconfirmed": set(),
    }
    for pair in set(old) | set(new):
        if pair[0] not in both:
            continue
        b, a = old.get(pair, 0.0), new.get(pair, 0.0)
        c = TieChange(pair[0], pair[1], b, a)
        if b < 1 <= a:
            kinds["new"].add(c)
        elif a < 1 <= b:
            # Rated below 1 again: lost; not rated at all in the later round: unconfirmed, not lost.
            kinds["lost" if pair in new else "unconfirmed"].add(c)
        elif b >= 1 and a > b:
            kinds["strengthened"].add(c)
        elif a >= 1 and a < b:
            kinds["weakened"].add(c)
    for kind, expected in kinds.items():
        got = getattr(change, kind)
        assert set(got) == expected and len(got) == len(expected)
        assert [abs(c.after - c.before) for c in got] == sorted(
            (abs(c.after - c.before) for c in got), reverse=True
        )
