"""Network measures of one survey round, and the change between two rounds: pure functions of a
:class:`~commonweal.analysis.network.types.RoundNetwork` (numpy and scipy.sparse; no Django), each with
one plain sentence on what it means for the system.

The choices (docs/network.md says more):

- A **tie** is a directed rating of intensity 1 or more (a median of 0.5, one respondent saying "none" and one
  "awareness", is not a tie). Ratings of 0 are kept in the network but are not ties.
- **Non-response** is not "no relationship": an organisation that did not answer the round has no outgoing
  ratings, so density counts the pairs that could have been rated (raters that answered x every other
  organisation), reciprocity only judges ties whose partner answered, and asymmetric pairs and change between
  rounds only judge organisations that answered.
- Degree centralisation, betweenness (brokers), isolated and peripheral organisations and communities use the
  **tie graph**: undirected, two organisations joined when either rates the other 1 or more, so an organisation
  that did not answer still sits where its partners put it. Betweenness is unweighted (every tie is one step):
  intensity is a judgement, not a distance, and a weak tie still carries information between partners.
- Communities: Louvain on the tie graph with weights the sum of the pair's two intensities, with a fixed seed,
  so the same round always gives the same communities.

Betweenness (exact: Brandes' algorithm vectorised over blocks of sources) and Louvain (local moving over CSR
arrays) are our own, tested against networkx, which is far too slow at 2,000 organisations and 50,000 ratings
(benchmarks/network.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from statistics import median

import numpy as np
import scipy.sparse as sp

from commonweal.analysis.network.types import RoundNetwork, Tie

#: The intensity from which a rating is a tie.
TIE_THRESHOLD = 1.0
#: Two directed intensities of a pair that differ by this much or more are flagged for conversation.
ASYMMETRY_GAP = 2.0
#: The seed of Louvain's node order, so communities are the same on every run.
COMMUNITY_SEED = 0

_INTENSITY_WORDS = {0: "none", 1: "awareness", 2: "cooperation", 3: "coordination", 4: "integration"}


@dataclass(frozen=True)
class Received:
    """How the other organisations rate one organisation: medians over the organisations that rated it
    (``n_raters``; each rater is already the median of its own respondents). None when nobody rated it."""

    n_raters: int
    intensity: float | None
    trust: float | None
    value: float | None


@dataclass(frozen=True)
class Asymmetry:
    """A pair whose two directed intensities differ by 2 or more (``a`` < ``b``)."""

    a: int
    b: int
    a_rates_b: float
    b_rates_a: float

    @property
    def gap(self) -> float:
        return abs(self.a_rates_b - self.b_rates_a)


@dataclass(frozen=True)
class NetworkMeasures:
    """The measures of one round. Measures that cannot be computed (no ties, too few organisations) are None.

    ``brokers`` are (organisation id, normalised betweenness) with betweenness above zero, highest first;
    ``communities`` are groups of 2 or more, largest first; ``received`` has every organisation.
    """

    round_name: str
    n_organisations: int
    n_responded: int
    n_ties: int
    density: float | None
    reciprocity: float | None
    mean_intensity: float | None
    ei_index: float | None
    centralisation: float | None
    brokers: list[tuple[int, float]]
    isolated: list[int]
    peripheral: list[int]
    communities: list[frozenset[int]]
    received: dict[int, Received]
    asymmetric: list[Asymmetry]
    #: Organisation names by id, for the sentences.
    names: dict[int, str] = field(default_factory=dict, repr=False)

    def sentences(self) -> dict[str, str]:
        """One plain sentence per measure on what it means for the system."""
        return _sentences(self)


@dataclass(frozen=True)
class TieChange:
    """A rater's intensity for a partner in the earlier and the later round (0 when it did not rate it)."""

    rater: int
    partner: int
    before: float
    after: float


@dataclass(frozen=True)
class RoundChange:
    """What changed between two rounds, judged only for raters that answered both (``n_raters``).

    ``lost`` are ties the rater said, in the later round, are below a tie (rated 0: "no relationship");
    ``unconfirmed`` are ties of the earlier round that the rater did not rate at all in the later one. A
    respondent who lists three partners says nothing about the others, so those are not counted as lost.
    """

    before_name: str
    after_name: str
    n_raters: int
    new: list[TieChange]
    strengthened: list[TieChange]
    weakened: list[TieChange]
    lost: list[TieChange]
    unconfirmed: list[TieChange] = field(default_factory=list)

    def sentences(self) -> dict[str, str]:
        """One plain sentence per kind of change."""
        return _change_sentences(self)


# ---------------------------------------------------------------------------------------------------------
# Betweenness


def betweenness(adjacency: sp.csr_array | sp.csr_matrix, block: int = 256, workers: int = 2) -> np.ndarray:
    """Exact normalised betweenness centrality of an undirected, unweighted graph (Brandes 2001), vectorised.

    Parameters
    ----------
    adjacency : sparse (n, n), symmetric, nonzero where two nodes are joined; the diagonal is ignored.
    block : the number of sources searched together: each step is one sparse x dense product over a block.
    workers : threads over blocks (scipy's sparse products and numpy's elementwise work release the GIL).

    Returns
    -------
    ndarray (n,): the same numbers as ``networkx.betweenness_centrality(G, normalized=True)``.

    Notes
    -----
    A breadth-first search from a block of sources at once, level by level: the number of shortest paths
    reaching the next level is ``A @ sigma`` restricted to the nodes not yet reached; dependencies then flow
    back level by level, ``delta_v += sigma_v * sum_w (1 + delta_w) / sigma_w`` over the next level's
    neighbours ``w``. Path counts are float64 (exact up to 2**53 paths).
    """
    a = sp.csr_matrix(adjacency, dtype=np.float64, copy=True)
    a.setdiag(0)
    a.eliminate_zeros()
    a.data[:] = 1.0
    n = a.shape[0]
    if n < 3:
        return np.zeros(n)
    starts = range(0, n, block)
    # A search can stop as soon as every column has reached its whole component: saves the last product,
    # which would find nothing.
    _, labels = sp.csgraph.connected_components(a, directed=False)
    component_size = np.bincount(labels)[labels]

    def one_block(start: int) -> np.ndarray:
        sources = np.arange(start, min(start + block, n))
        levels, sigma = _search_levels(a, sources, component_size)
        return _dependencies(a, levels, sigma)

    if workers > 1 and n > block:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            parts = list(pool.map(one_block, starts))
    else:
        parts = [one_block(s) for s in starts]
    total = np.asarray(np.sum(parts, axis=0), dtype=np.float64)
    # Each unordered pair is counted from both ends; normalising by (n-1)(n-2) (not /2) halves it.
    normalised: np.ndarray = total / ((n - 1) * (n - 2))
    return normalised


def _search_levels(
    a: sp.csr_matrix, sources: np.ndarray, component_size: np.ndarray
) -> tuple[list[np.ndarray], np.ndarray]:
    """Breadth-first search from each source (a column each), level by level.

    Returns the levels (``levels[d]`` is 1 where a column's search stands at distance ``d``; elementwise
    products with these masks are much faster than boolean indexing) and the number of shortest paths from
    each column's source to each node (``sigma``).
    """
    n = a.shape[0]
    width = len(sources)
    cols = np.arange(width)
    unreached = np.ones((n, width))
    unreached[sources, cols] = 0.0
    sigma = np.zeros((n, width))
    sigma[sources, cols] = 1.0
    levels = [1.0 - unreached]
    # The first level is the sources' own rows: no product needed.
    reach = a[sources].T.toarray()
    reach *= unreached
    reached = np.ones(width, dtype=np.int64)
    while True:
        new = (reach > 0).astype(np.float64)
        counts = new.sum(axis=0)
        if not counts.any():
            break
        levels.append(new)
        unreached -= new
        sigma += reach
        reached += counts.astype(np.int64)
        if (reached >= component_size[sources]).all():
            break
        reach = a @ reach
        reach *= unreached
    return levels, sigma


def _dependencies(a: sp.csr_matrix, levels: list[np.ndarray], sigma: np.ndarray) -> np.ndarray:
    """Each node's dependency summed over the block's sources: flows back from the farthest level."""
    inverse = np.divide(1.0, sigma, out=np.zeros_like(sigma), where=sigma > 0)
    delta = np.zeros(sigma.shape)
    # Level 1 would only pass dependencies back to the sources, whose own dependency does not count.
    for depth in range(len(levels) - 1, 1, -1):
        flow = delta + 1.0
        flow *= inverse
        flow *= levels[depth]
        back = a @ flow
        back *= sigma
        back *= levels[depth - 1]
        delta += back
    return np.asarray(delta.sum(axis=1), dtype=np.float64)


# ---------------------------------------------------------------------------------------------------------
# The measures of one round


def _tie_graph(
    index: dict[int, int], ties: Iterable[Tie]
) -> tuple[sp.csr_matrix, dict[tuple[int, int], float]]:
    """The undirected tie graph (0/1) and the pair weights (sum of the two directed intensities)."""
    weights: dict[tuple[int, int], float] = defaultdict(float)
    for t in ties:
        i, j = index[t.rater], index[t.partner]
        weights[(min(i, j), max(i, j))] += t.intensity
    n = len(index)
    if not weights:
        return sp.csr_matrix((n, n)), weights
    pairs = np.array(list(weights), dtype=np.int64)
    rows = np.concatenate([pairs[:, 0], pairs[:, 1]])
    cols = np.concatenate([pairs[:, 1], pairs[:, 0]])
    adj = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    return adj, weights


def louvain(adjacency: sp.csr_matrix, seed: int = COMMUNITY_SEED, resolution: float = 1.0) -> np.ndarray:
    """Communities by Louvain's method (Blondel et al. 2008): the community of each node, 0, 1, ...

    Parameters
    ----------
    adjacency : sparse (n, n), symmetric, the weight of each pair (the diagonal is ignored).
    seed : the order in which nodes are visited comes from it, so the same graph always gives the same answer.
    resolution : above 1 favours smaller communities.

    Notes
    -----
    Local moving in plain Python over the CSR arrays (each node joins the neighbouring community that raises
    modularity most, until no node moves), then the communities become the nodes of a smaller graph (a sparse
    product), until a level moves nothing. The same algorithm as ``networkx.community.louvain_communities``,
    several times faster at 2,000 organisations because it avoids building graph objects.
    """
    a = sp.csr_matrix(adjacency, dtype=np.float64, copy=True)
    a.setdiag(0)
    a.eliminate_zeros()
    n = a.shape[0]
    membership = np.arange(n)
    two_m = float(a.sum())
    if two_m == 0:
        return membership
    rng = np.random.default_rng(seed)
    while True:
        community, moved = _local_moving(a, two_m, rng, resolution)
        if not moved:
            break
        _, community = np.unique(community, return_inverse=True)
        membership = community[membership]
        k = int(community.max()) + 1
        fold = sp.csr_matrix((np.ones(a.shape[0]), (np.arange(a.shape[0]), community)), shape=(a.shape[0], k))
        # The diagonal of the folded graph holds each community's internal weight: part of its nodes' degree,
        # never a neighbour.
        a = (fold.T @ a @ fold).tocsr()
        if k == 1:
            break
    return membership


def _local_moving(
    a: sp.csr_matrix, two_m: float, rng: np.random.Generator, resolution: float
) -> tuple[np.ndarray, bool]:
    n = a.shape[0]
    indptr, indices, data = a.indptr.tolist(), a.indices.tolist(), a.data.tolist()
    degree = np.asarray(a.sum(axis=1)).ravel().tolist()
    community = list(range(n))
    total = degree[:]  # the sum of the degrees of each community's nodes
    order = rng.permutation(n).tolist()
    moved_any, moved = False, True
    while moved:
        moved = False
        for i in order:
            here, k_i = community[i], degree[i]
            links: dict[int, float] = {}
            for p in range(indptr[i], indptr[i + 1]):
                j = indices[p]
                if j != i:
                    c = community[j]
                    links[c] = links.get(c, 0.0) + data[p]
            total[here] -= k_i
            # Modularity gain of joining c, up to a constant factor: links to c - resolution * total_c * k_i / 2m.
            scale = resolution * k_i / two_m
            best, best_gain = here, links.get(here, 0.0) - total[here] * scale
            for c, w in links.items():
                gain = w - total[c] * scale
                if gain > best_gain + 1e-12:
                    best, best_gain = c, gain
            total[best] += k_i
            if best != here:
                community[i] = best
                moved = moved_any = True
    return np.array(community), moved_any


def modularity(adjacency: sp.csr_matrix, community: np.ndarray, resolution: float = 1.0) -> float:
    """Newman's modularity of a partition of a weighted undirected graph (for tests and the documentation)."""
    a = sp.csr_matrix(adjacency, dtype=np.float64)
    two_m = float(a.sum())
    if two_m == 0:
        return 0.0
    coo = a.tocoo()
    inside = float(coo.data[community[coo.row] == community[coo.col]].sum())
    degree = np.asarray(a.sum(axis=1)).ravel()
    totals = np.bincount(community, weights=degree)
    return inside / two_m - resolution * float((totals**2).sum()) / two_m**2


def _communities(n: int, weights: dict[tuple[int, int], float]) -> list[list[int]]:
    pairs = np.array(list(weights), dtype=np.int64)
    w = np.array(list(weights.values()))
    rows = np.concatenate([pairs[:, 0], pairs[:, 1]])
    cols = np.concatenate([pairs[:, 1], pairs[:, 0]])
    adjacency = sp.csr_matrix((np.concatenate([w, w]), (rows, cols)), shape=(n, n))
    membership = louvain(adjacency)
    groups: dict[int, list[int]] = defaultdict(list)
    for node, c in enumerate(membership.tolist()):
        groups[c].append(node)
    return [g for g in groups.values() if len(g) >= 2]


def summarise(net: RoundNetwork) -> NetworkMeasures:
    """The measures of one round (see the module's docstring for the choices)."""
    ids = [node.id for node in net.nodes]
    index = {org: i for i, org in enumerate(ids)}
    sector = {node.id: node.sector for node in net.nodes}
    # Ratings of organisations no longer in the system (or of oneself) cannot be placed: left out.
    ratings = [t for t in net.ties if t.rater in index and t.partner in index and t.rater != t.partner]
    ties = [t for t in ratings if t.intensity >= TIE_THRESHOLD]
    tie_pairs = {(t.rater, t.partner) for t in ties}
    responded = net.responded & set(index)
    n, n_responded = len(ids), len(responded)

    possible = n_responded * (n - 1)
    density = len(ties) / possible if possible else None

    # Only a partner that answered could have returned the tie.
    answerable = [t for t in ties if t.partner in responded]
    returned = sum((t.partner, t.rater) in tie_pairs for t in answerable)
    reciprocity = returned / len(answerable) if answerable else None

    mean_intensity = float(np.mean([t.intensity for t in ties])) if ties else None

    external = sum(sector[t.rater] != sector[t.partner] for t in ties)
    internal = len(ties) - external
    ei_index = (external - internal) / len(ties) if ties else None

    adjacency, weights = _tie_graph(index, ties)
    degree = np.asarray(adjacency.sum(axis=1)).ravel() if n else np.zeros(0)
    # Freeman's degree centralisation of the tie graph: 1 for a star, 0 when every degree is equal.
    centralisation = float((degree.max() - degree).sum() / ((n - 1) * (n - 2))) if n >= 3 else None

    between = betweenness(adjacency) if n >= 3 and len(weights) else np.zeros(n)
    order = np.lexsort((np.array(ids), -between)) if n else np.zeros(0, dtype=int)
    brokers = [(ids[i], float(between[i])) for i in order if between[i] > 1e-12]

    isolated = [ids[i] for i in range(n) if degree[i] == 0]
    peripheral = [ids[i] for i in range(n) if degree[i] == 1]

    groups = _communities(n, weights) if weights else []
    communities = sorted((frozenset(ids[i] for i in g) for g in groups), key=lambda g: (-len(g), min(g)))

    return NetworkMeasures(
        round_name=net.round_name,
        n_organisations=n,
        n_responded=n_responded,
        n_ties=len(ties),
        density=density,
        reciprocity=reciprocity,
        mean_intensity=mean_intensity,
        ei_index=ei_index,
        centralisation=centralisation,
        brokers=brokers,
        isolated=isolated,
        peripheral=peripheral,
        communities=communities,
        received=_received(ids, ratings),
        asymmetric=_asymmetric(ratings, responded),
        names={node.id: node.name for node in net.nodes},
    )


def _received(ids: list[int], ratings: list[Tie]) -> dict[int, Received]:
    by_partner: dict[int, list[Tie]] = defaultdict(list)
    for t in ratings:
        by_partner[t.partner].append(t)

    def med(values: list[float]) -> float | None:
        return float(median(values)) if values else None

    out = {}
    for org in ids:
        got = by_partner.get(org, [])
        out[org] = Received(
            n_raters=len(got),
            intensity=med([t.intensity for t in got]),
            trust=med([t.trust for t in got if t.trust is not None]),
            value=med([t.value for t in got if t.value is not None]),
        )
    return out


def _asymmetric(ratings: list[Tie], responded: frozenset[int] | set[int]) -> list[Asymmetry]:
    # Vectorised: a large round has tens of thousands of ratings. Both ends must have answered the round: a
    # silence from one that did not answer is not a judgement; from one that did, it is a 0.
    answered = [t for t in ratings if t.rater in responded and t.partner in responded]
    if not answered:
        return []
    rater = np.array([t.rater for t in answered], dtype=np.int64)
    partner = np.array([t.partner for t in answered], dtype=np.int64)
    intensity = np.array([t.intensity for t in answered])
    base = int(max(rater.max(), partner.max())) + 1
    key = rater * base + partner
    order = np.argsort(key)
    key, rater, partner, intensity = key[order], rater[order], partner[order], intensity[order]
    reverse = partner * base + rater
    at = np.minimum(np.searchsorted(key, reverse), len(key) - 1)
    returned = key[at] == reverse
    back = np.where(returned, intensity[at], 0.0)
    # Each pair once: from its lower id, or from the higher when the lower did not rate it at all.
    once = (rater < partner) | ~returned
    flagged = once & (np.abs(intensity - back) >= ASYMMETRY_GAP)
    out = []
    for r, p, ab, ba in zip(
        rater[flagged].tolist(),
        partner[flagged].tolist(),
        intensity[flagged].tolist(),
        back[flagged].tolist(),
        strict=True,
    ):
        out.append(Asymmetry(r, p, ab, ba) if r < p else Asymmetry(p, r, ba, ab))
    return sorted(out, key=lambda x: (-x.gap, x.a, x.b))


def ties_of(net: RoundNetwork, organisation_id: int) -> tuple[list[Tie], list[Tie]]:
    """Every rating an organisation gave (out) and received (in), 0 included, strongest first."""

    def key(t: Tie) -> tuple[float, int, int]:
        return (-t.intensity, t.partner, t.rater)

    out = sorted((t for t in net.ties if t.rater == organisation_id and t.partner != t.rater), key=key)
    in_ = sorted((t for t in net.ties if t.partner == organisation_id and t.rater != t.partner), key=key)
    return out, in_


# ---------------------------------------------------------------------------------------------------------
# Change between rounds


def compare(before: RoundNetwork, after: RoundNetwork) -> RoundChange:
    """New, strengthened, weakened, lost and unconfirmed ties from ``before`` to ``after``.

    Judged only for raters that answered both rounds: for the others a missing rating says nothing. New: from
    below 1 (or not rated) to 1 or more; strengthened or weakened: a tie in both rounds whose intensity went up
    or down; lost: a tie of ``before`` that the rater rated below 1 in ``after`` (an answer, "no relationship");
    unconfirmed: a tie of ``before`` that the rater did not rate at all in ``after``, which is not evidence that
    it ended (the respondent may simply not have listed it), so it is kept apart from the lost ones.
    """
    raters = before.responded & after.responded
    # Vectorised over the ratings of both rounds (tens of thousands in a large system).
    base = 1 + max(
        [
            0,
            *(t.rater for t in (*before.ties, *after.ties)),
            *(t.partner for t in (*before.ties, *after.ties)),
        ]
    )

    def ratings_of(net: RoundNetwork) -> tuple[np.ndarray, np.ndarray]:
        kept = [t for t in net.ties if t.rater in raters and t.rater != t.partner]
        keys = np.array([t.rater * base + t.partner for t in kept], dtype=np.int64)
        return keys, np.array([t.intensity for t in kept], dtype=np.float64)

    old_keys, old_values = ratings_of(before)
    new_keys, new_values = ratings_of(after)
    keys = np.union1d(old_keys, new_keys)
    b = np.zeros(len(keys))
    a = np.zeros(len(keys))
    b[np.searchsorted(keys, old_keys)] = old_values
    a[np.searchsorted(keys, new_keys)] = new_values
    rated_after = np.zeros(len(keys), dtype=bool)
    rated_after[np.searchsorted(keys, new_keys)] = True
    was, is_ = b >= TIE_THRESHOLD, a >= TIE_THRESHOLD

    def changes(mask: np.ndarray) -> list[TieChange]:
        # Biggest change first, then by rater and partner.
        idx = np.flatnonzero(mask)
        idx = idx[np.lexsort((keys[idx], -np.abs(a[idx] - b[idx])))]
        return [
            TieChange(int(k // base), int(k % base), float(x), float(y))
            for k, x, y in zip(keys[idx].tolist(), b[idx].tolist(), a[idx].tolist(), strict=True)
        ]

    return RoundChange(
        before_name=before.round_name,
        after_name=after.round_name,
        n_raters=len(raters),
        new=changes(is_ & ~was),
        strengthened=changes(was & is_ & (a > b)),
        weakened=changes(was & is_ & (a < b)),
        lost=changes(was & ~is_ & rated_after),
        unconfirmed=changes(was & ~rated_after),
    )


# ---------------------------------------------------------------------------------------------------------
# Plain words


def in_ten(share: float) -> str:
    """A share in words a board reads at a glance: "3 in 10", "4 in 100", "none", "all"."""
    if share <= 0:
        return "none"
    if share >= 1:
        return "all"
    tenths = round(share * 10)
    if 1 <= tenths <= 9:
        return f"{tenths} in 10"
    # Under 1 in 20 or over 19 in 20: tenths would say "0 in 10" or "10 in 10", which is wrong.
    return f"{min(99, max(1, round(share * 100)))} in 100"


def _count(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def _names(ids: Iterable[int], names: dict[int, str], limit: int = 3) -> str:
    listed = [names.get(i, f"organisation {i}") for i in ids]
    shown = listed[:limit]
    more = len(listed) - len(shown)
    text = ", ".join(shown[:-1]) + (" and " if len(shown) > 1 else "") + shown[-1] if shown else ""
    return text + (f" (and {more} more)" if more else "")


def intensity_words(value: float) -> str:
    """Where a mean or median intensity falls on the scale, in words: "2.5, between cooperation and
    coordination"."""
    low = int(np.floor(value))
    if value == low:
        return f"{value:g}, {_INTENSITY_WORDS[low]}"
    return f"{value:.1f}, between {_INTENSITY_WORDS[low]} and {_INTENSITY_WORDS[min(4, low + 1)]}"


def _sentences(m: NetworkMeasures) -> dict[str, str]:
    return {**_whole_network_sentences(m), **_organisation_sentences(m)}


def _whole_network_sentences(m: NetworkMeasures) -> dict[str, str]:
    """Response, density, reciprocity, intensity and the E-I index: the network as a whole."""
    s: dict[str, str] = {}
    s["response"] = (
        f"{m.n_responded:,} of {m.n_organisations:,} organisations answered this round; the measures describe "
        "the ties they reported."
    )
    if m.density is None:
        s["density"] = "Nobody has answered this round yet, so there is nothing to measure."
    else:
        s["density"] = (
            f"{in_ten(m.density).capitalize()} of the ties that could exist do exist "
            f"(density {m.density:.2f}): "
            + (
                "most organisations still have partners they barely know."
                if m.density < 0.5
                else "most organisations know most of their partners."
            )
        )
    if m.reciprocity is not None:
        s["reciprocity"] = (
            f"{in_ten(m.reciprocity).capitalize()} of the ties between organisations that both answered are "
            f"returned (reciprocity {m.reciprocity:.2f}): "
            + (
                "where a tie is one-sided, one partner sees a relationship the other does not."
                if m.reciprocity < 0.75
                else "organisations largely see their relationships the same way."
            )
        )
    if m.mean_intensity is not None:
        s["mean_intensity"] = (
            f"The average tie is at {intensity_words(m.mean_intensity)} on the 0 to 4 scale of intensity."
        )
    if m.ei_index is not None:
        crossing = (1 + m.ei_index) / 2
        s["ei_index"] = (
            f"{in_ten(crossing).capitalize()} of the ties cross sectors (E-I index {m.ei_index:+.2f}): "
            + (
                "sectors mostly talk among themselves."
                if m.ei_index < 0
                else "organisations reach beyond their own sector."
            )
        )
    return s


def _organisation_sentences(m: NetworkMeasures) -> dict[str, str]:
    """Centralisation, brokers, isolated and peripheral organisations, communities and asymmetric pairs."""
    s: dict[str, str] = {}
    if m.centralisation is not None and m.n_ties:
        level = "low" if m.centralisation < 0.2 else "moderate" if m.centralisation < 0.5 else "high"
        s["centralisation"] = (
            f"Centralisation is {level} ({m.centralisation:.2f} of 1): "
            + {
                "low": "ties are spread across many organisations, so no one of them holds the system together.",
                "moderate": "a few organisations hold more ties than the rest.",
                "high": "a few organisations hold most ties; the system depends on them.",
            }[level]
        )
    if m.brokers:
        top = [org for org, _ in m.brokers[:3]]
        s["brokers"] = (
            f"{_names(top, m.names)} {'sits' if len(top) == 1 else 'sit'} most often on the shortest path "
            "between two other organisations: they connect parts of the system that would otherwise "
            "be further apart."
        )
    elif m.n_ties:
        s["brokers"] = "No organisation stands between others: every pair is joined directly or not at all."
    s["isolated"] = (
        "No organisation is isolated."
        if not m.isolated
        else f"{_count(len(m.isolated), 'organisation has', 'organisations have')} no tie in or out"
        f" ({_names(m.isolated, m.names)}): ask whether they did not answer or are not yet part of the work."
    )
    s["peripheral"] = (
        "No organisation hangs on a single partner."
        if not m.peripheral
        else f"{_count(len(m.peripheral), 'organisation is', 'organisations are')} tied to only one partner"
        f" ({_names(m.peripheral, m.names)}): if that tie weakens, they drop out of the system."
    )
    if m.communities:
        sizes = ", ".join(str(len(c)) for c in m.communities[:5])
        s["communities"] = (
            f"{_count(len(m.communities), 'group', 'groups')} of closely tied organisations "
            f"(sizes {sizes}{', ...' if len(m.communities) > 5 else ''}): "
            "work that crosses groups needs ties between them."
        )
    s["asymmetric"] = (
        "No pair sees its relationship very differently."
        if not m.asymmetric
        else f"{_count(len(m.asymmetric), 'pair sees', 'pairs see')} their relationship very differently "
        "(2 or more points apart on the 0 to 4 scale): worth a conversation."
    )
    return s


def _change_sentences(c: RoundChange) -> dict[str, str]:
    if not c.n_raters:
        return {
            "raters": f"No organisation answered both {c.before_name} and {c.after_name}, so change cannot be seen."
        }
    return {
        "raters": f"Change is judged for the {_count(c.n_raters, 'organisation', 'organisations')} that answered "
        f"both {c.before_name} and {c.after_name}.",
        "new": f"{_count(len(c.new), 'new tie', 'new ties')} since {c.before_name}.",
        "strengthened": f"{_count(len(c.strengthened), 'tie', 'ties')} grew stronger.",
        "weakened": f"{_count(len(c.weakened), 'tie', 'ties')} grew weaker.",
        "lost": f"{_count(len(c.lost), 'tie was', 'ties were')} lost (rated 0, no relationship, in "
        f"{c.after_name}).",
        "unconfirmed": (
            f"{_count(len(c.unconfirmed), 'tie', 'ties')} of {c.before_name} "
            f"{'was' if len(c.unconfirmed) == 1 else 'were'} not rated again in {c.after_name}: "
            "not counted as lost, since a partner left off the list may still be one."
        ),
    }
