"""Common ground across the system, and divisive statements.

A statement is *common ground* when it holds in every opinion group and in every declared sector
(and, where asked, organisation, place or community) that has at least ``min_voters`` voters on
it: the lower end of the 90% Wilson interval of its agree share (agrees over all votes, passes
included) is above one half in each. Common-ground statements are ranked by group-informed
consensus (GIC) computed over the union of the categories checked.

Rules for categories too small to judge (decided here, documented in ``docs/analysis.md``):

* A category (an opinion group, a sector, ...) with fewer than ``min_voters`` voters on a statement
  is *not judged* for that statement: it cannot veto it, and it is named in the result (per
  statement and, for categories never judged on any statement, overall).
* Opinion groups must be heard: a statement needs at least ``min(min_judged_groups, number of
  opinion groups)`` judged opinion groups (default 2). Agreement inside one group alone is a
  majority view, not ground held in common across a divide.
* A declared dimension (sector, organisation, ...) is *active* when at least one of its categories
  is judged on at least one eligible statement. Each active dimension needs at least one judged
  category on the statement; otherwise we cannot say the statement holds across that dimension.
  Inactive dimensions (too few people declared them anywhere) do not constrain and are reported.
* GIC is the product over every non-empty category of every checked dimension (judged or not) of
  ``(A + 1) / (S + 2)``, so every statement is ranked over the same set of categories; a category
  with no votes on the statement contributes the neutral factor 1/2.

*Divisive* statements have strong agreement in some groups and strong disagreement in others: some
judged group's agree share has its Wilson lower bound above one half and some other judged group's
disagree share has its Wilson lower bound above one half. They are ranked by the *spread*
``max_g lower(agree_g) + max_h lower(disagree_h) - 1``, which is positive for every divisive
statement and reaches 1 when one group agrees unanimously and another disagrees unanimously, with
large samples.

Everything is vectorised over statements, with one counting pass (``bincount``) over the votes per
dimension: the cost is linear in the number of votes plus (categories x statements).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import sparse

from commonweal.analysis.errors import AnalysisInputError
from commonweal.analysis.matrix import VoteMatrix, as_vote_csr
from commonweal.analysis.uncertainty import wilson_interval

__all__ = [
    "CategoryTallies",
    "CommonGroundResult",
    "DivisiveResult",
    "VoteIndicators",
    "as_vote_csr",
    "category_tallies",
    "common_ground",
    "divisive_statements",
    "encode_labels",
    "finer_rejections",
    "tallies_from_counts",
    "vote_indicators",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

GROUP_DIMENSION = "opinion group"


# --------------------------------------------------------------------------------------------------
# Votes in, indicators out
# --------------------------------------------------------------------------------------------------


class VoteIndicators:
    """The votes of a vote matrix by kind (agree, pass, disagree), for counting per category.

    Built once per vote matrix in O(votes): the statement and participant of every vote and its
    kind (0 disagree, 1 pass, 2 agree), from which :func:`category_tallies` counts a whole
    dimension in one ``bincount``. The 0/1 indicator matrices are built on first use.

    Attributes
    ----------
    agree, disagree, voted : scipy.sparse.csr_matrix
        1 where the participant agreed / disagreed / voted at all (passes included).
    rows, cols : ndarray of int
        Participant and statement of every vote (CSR order).
    kind : ndarray of int
        0, 1, 2 for disagree, pass, agree, per vote.
    """

    def __init__(self, csr: sparse.csr_matrix) -> None:
        self._csr = csr
        self._kind: NDArray[np.intp] | None = None
        self._cols: NDArray[np.intp] | None = None
        self._rows: NDArray[np.intp] | None = None
        self._matrices: dict[str, sparse.csr_matrix] = {}

    # Built on first use: the engine passes the opinion groups' counts from Pol.is mode, so
    # without declared labels none of these per-vote arrays is needed.
    @property
    def kind(self) -> NDArray[np.intp]:
        """0, 1, 2 for disagree, pass, agree, per vote."""
        if self._kind is None:
            self._kind = np.asarray(self._csr.data, dtype=np.intp) + 1
        return self._kind

    @property
    def cols(self) -> NDArray[np.intp]:
        """Statement of every vote."""
        if self._cols is None:
            self._cols = np.asarray(self._csr.indices, dtype=np.intp)
        return self._cols

    @property
    def shape(self) -> tuple[int, int]:
        """(n_participants, n_statements)."""
        return (int(self._csr.shape[0]), int(self._csr.shape[1]))

    @property
    def rows(self) -> NDArray[np.intp]:
        """Participant index of every vote."""
        if self._rows is None:
            self._rows = np.repeat(np.arange(self.shape[0], dtype=np.intp), np.diff(self._csr.indptr))
        return self._rows

    def statement_counts(self) -> IntArray:
        """Disagrees, passes and agrees per statement, shape (n_statements, 3), in one pass."""
        n_s = self.shape[1]
        counts = np.bincount(self.cols * 3 + self.kind, minlength=3 * n_s)
        return np.asarray(counts.reshape(n_s, 3), dtype=np.int64)

    def _pick(self, name: str, mask: BoolArray | None) -> sparse.csr_matrix:
        if name not in self._matrices:
            csr = self._csr
            if mask is None:
                out = sparse.csr_matrix(
                    (np.ones(csr.nnz), csr.indices.copy(), csr.indptr.copy()), shape=csr.shape
                )
            else:
                # The votes' entries where the mask holds, as ones: row pointers from a running count.
                running = np.concatenate([[0], np.cumsum(mask, dtype=np.int64)])
                out = sparse.csr_matrix(
                    (np.ones(int(running[-1])), csr.indices[mask], running[csr.indptr]), shape=csr.shape
                )
            out.has_sorted_indices = True
            self._matrices[name] = out
        return self._matrices[name]

    @property
    def agree(self) -> sparse.csr_matrix:
        """1 where the participant agreed."""
        return self._pick("agree", self.kind == 2)

    @property
    def disagree(self) -> sparse.csr_matrix:
        """1 where the participant disagreed."""
        return self._pick("disagree", self.kind == 0)

    @property
    def voted(self) -> sparse.csr_matrix:
        """1 where the participant voted (passes included)."""
        return self._pick("voted", None)


def vote_indicators(votes: Any) -> VoteIndicators:
    """The votes by kind, in O(votes), for counting per category.

    Parameters
    ----------
    votes : scipy.sparse matrix, VoteMatrix, dense array or VoteIndicators
        See :func:`as_vote_csr`. A :class:`VoteIndicators` is returned as it is, so a caller
        checking several dimensions builds it once. A ``VoteMatrix`` is canonical and validated
        by construction, so its matrix is used without a copy.

    Returns
    -------
    VoteIndicators
    """
    if isinstance(votes, VoteIndicators):
        return votes
    if isinstance(votes, VoteMatrix):
        ind = VoteIndicators(votes.votes)
        ind._rows = np.asarray(votes.vote_rows(), dtype=np.intp)
        return ind
    return VoteIndicators(as_vote_csr(votes))


def encode_labels(labels: ArrayLike, n: int, name: str) -> tuple[IntArray, list[Any]]:
    """Encode a per-participant label array as integer codes.

    Parameters
    ----------
    labels : array_like, shape (n,)
        One label per participant. ``None``, NaN, the empty string and negative integers mean
        "not declared" / "no group".
    n : int
        Expected number of participants.
    name : str
        Dimension name, used in error messages.

    Returns
    -------
    codes : ndarray of int, shape (n,)
        0..k-1, or -1 where undeclared.
    categories : list
        The k distinct labels, sorted where they can be.
    """
    arr = np.asarray(labels, dtype=object) if not isinstance(labels, np.ndarray) else labels
    if arr.ndim != 1 or arr.shape[0] != n:
        raise AnalysisInputError(
            f"{name} labels must have one entry per participant ({n}), got shape {arr.shape}"
        )
    if np.issubdtype(arr.dtype, np.integer):
        values = arr.astype(np.int64)
        present = values >= 0
        cats = np.unique(values[present])
        codes = np.full(n, -1, dtype=np.int64)
        codes[present] = np.searchsorted(cats, values[present])
        return codes, [int(c) for c in cats]
    series = pd.Series(arr, dtype=object)
    series = series.where(~series.isin([""]), None)
    if np.issubdtype(np.asarray(arr).dtype, np.floating):
        series = series.where(~(series.astype(float) < 0), None)
    try:
        codes_raw, uniques = pd.factorize(series, sort=True, use_na_sentinel=True)
    except TypeError:
        codes_raw, uniques = pd.factorize(series, sort=False, use_na_sentinel=True)
    cats_list = [u.item() if isinstance(u, np.generic) else u for u in list(uniques)]
    return np.asarray(codes_raw, dtype=np.int64), cats_list


# --------------------------------------------------------------------------------------------------
# Tallies per category
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryTallies:
    """Agree/disagree tallies of one dimension (opinion group, sector, ...) per statement.

    Attributes
    ----------
    name : str
        Dimension name (``"opinion group"``, ``"sector"``, ...).
    categories : list
        The category labels, in row order.
    members : ndarray of int, shape (n_categories,)
        Participants in each category.
    agree, disagree, voters : ndarray, shape (n_categories, n_statements)
        Agrees, disagrees and votes (passes included) per category and statement.
    agree_lower, disagree_lower : ndarray, shape (n_categories, n_statements)
        Wilson lower bounds of the agree and disagree shares.
    judged : ndarray of bool, shape (n_categories, n_statements)
        ``voters >= min_voters``.
    """

    name: str
    categories: list[Any]
    members: IntArray
    agree: FloatArray
    disagree: FloatArray
    voters: FloatArray
    agree_lower: FloatArray
    disagree_lower: FloatArray
    judged: BoolArray


def category_tallies(
    indicators: VoteIndicators,
    codes: IntArray,
    categories: Sequence[Any],
    name: str,
    *,
    min_voters: int = 5,
    confidence: float = 0.9,
) -> CategoryTallies:
    """Tallies and Wilson lower bounds per category and statement, in one counting pass.

    Parameters
    ----------
    indicators : VoteIndicators
        From :func:`vote_indicators`.
    codes : ndarray of int, shape (n_participants,)
        Category code per participant (-1 = none), as from :func:`encode_labels`.
    categories : sequence
        Category labels (``len`` = number of codes).
    name : str
        Dimension name.
    min_voters : int, default 5
        Voters a category needs on a statement to be judged.
    confidence : float, default 0.9
        Confidence of the Wilson interval.

    Returns
    -------
    CategoryTallies
    """
    n_p, n_s = indicators.shape
    k = len(categories)
    present = codes >= 0
    # One pass: each vote of a participant with a category counts in (category, statement, kind).
    code = np.asarray(codes, dtype=np.intp)[indicators.rows]
    keep = code >= 0
    key = (code * n_s + indicators.cols) * 3 + indicators.kind
    if not keep.all():
        key = key[keep]
    counts = np.bincount(key, minlength=3 * k * n_s).reshape(k, n_s, 3).astype(np.float64)
    agree = np.ascontiguousarray(counts[:, :, 2])
    disagree = np.ascontiguousarray(counts[:, :, 0])
    voters = counts.sum(axis=2)
    return tallies_from_counts(
        name,
        categories,
        np.bincount(codes[present], minlength=k),
        agree,
        disagree,
        voters,
        min_voters=min_voters,
        confidence=confidence,
    )


def tallies_from_counts(
    name: str,
    categories: Sequence[Any],
    members: ArrayLike,
    agree: ArrayLike,
    disagree: ArrayLike,
    voters: ArrayLike,
    *,
    min_voters: int = 5,
    confidence: float = 0.9,
) -> CategoryTallies:
    """:class:`CategoryTallies` from counts already made, e.g. Pol.is mode's group tallies.

    Parameters
    ----------
    name : str
        Dimension name.
    categories : sequence
        Category labels, one per row of the counts.
    members : array_like of int, shape (n_categories,)
        Participants in each category.
    agree, disagree, voters : array_like, shape (n_categories, n_statements)
        Agrees, disagrees and all votes (passes included) per category and statement.
    min_voters : int, default 5
    confidence : float, default 0.9

    Returns
    -------
    CategoryTallies
    """
    a = np.asarray(agree, dtype=np.float64)
    d = np.asarray(disagree, dtype=np.float64)
    v = np.asarray(voters, dtype=np.float64)
    if not (a.shape == d.shape == v.shape and a.ndim == 2 and a.shape[0] == len(categories)):
        raise AnalysisInputError(
            f"counts for {name!r} must be (categories, statements) arrays of one shape, one row per category"
        )
    agree_lower, _ = wilson_interval(a, v, confidence)
    disagree_lower, _ = wilson_interval(d, v, confidence)
    return CategoryTallies(
        name=name,
        categories=list(categories),
        members=np.asarray(members, dtype=np.int64),
        agree=a,
        disagree=d,
        voters=v,
        agree_lower=agree_lower,
        disagree_lower=disagree_lower,
        judged=v >= min_voters,
    )


def _recount(
    t: CategoryTallies, categories: list[Any], n_s: int, min_voters: int, confidence: float
) -> CategoryTallies:
    """Precomputed tallies, checked against the categories present, with this call's settings."""
    if list(t.categories) != list(categories) or t.agree.shape != (len(categories), n_s):
        raise AnalysisInputError(
            f"precomputed tallies of {t.name!r} cover categories {list(t.categories)} over "
            f"{t.agree.shape[1] if t.agree.ndim == 2 else '?'} statements; the labels have "
            f"{list(categories)} over {n_s}"
        )
    return tallies_from_counts(
        t.name,
        t.categories,
        t.members,
        t.agree,
        t.disagree,
        t.voters,
        min_voters=min_voters,
        confidence=confidence,
    )


def _eligible_mask(eligible: ArrayLike | None, n_s: int) -> BoolArray:
    if eligible is None:
        return np.ones(n_s, dtype=bool)
    mask = np.asarray(eligible)
    if mask.shape != (n_s,) or mask.dtype != bool:
        raise AnalysisInputError(f"eligible must be a boolean array with one entry per statement ({n_s})")
    return mask.astype(bool)


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value


# --------------------------------------------------------------------------------------------------
# Common ground
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommonGroundResult:
    """Common ground across opinion groups and declared dimensions.

    Attributes
    ----------
    statements : ndarray of int
        Indices of common-ground statements, best first (GIC descending, ties by index).
    is_common_ground : ndarray of bool, shape (n_statements,)
    gic : ndarray, shape (n_statements,)
        Group-informed consensus over the union of the categories of every checked dimension.
    dimensions : dict of str to CategoryTallies
        Tallies per dimension; the opinion groups are under ``"opinion group"``.
    active : dict of str to bool
        Whether each dimension had any judged category on any eligible statement.
    threshold, confidence : float
        The agree-share threshold (1/2) and the Wilson confidence (0.9).
    min_voters : int
        Voters a category needs on a statement to be judged.
    """

    statements: IntArray
    is_common_ground: BoolArray
    gic: FloatArray
    dimensions: dict[str, CategoryTallies]
    active: dict[str, bool]
    threshold: float
    confidence: float
    min_voters: int
    finer: CategoryTallies | None = None
    finer_rejected: BoolArray | None = None
    eligible: BoolArray | None = None

    def near_misses(self, limit: int = 5) -> list[dict[str, Any]]:
        """The eligible statements nearest to common ground that are not, best first (group-informed consensus
        descending, ties by index), each with why: the judged categories it fails in (:meth:`blocking`) and
        whether a finer group rejects it. Statements that fail only for want of voters are left out: nothing
        stopped them yet."""
        n_s = self.is_common_ground.shape[0]
        eligible = self.eligible if self.eligible is not None else np.ones(n_s, dtype=bool)
        candidates = np.flatnonzero(eligible & ~self.is_common_ground)
        gic = np.nan_to_num(self.gic[candidates], nan=-1.0)
        out: list[dict[str, Any]] = []
        for j in candidates[np.lexsort((candidates, -gic))].tolist():
            blocking = {name: cats for name, cats in self.blocking(j).items() if cats}
            finer = bool(self.finer_rejected is not None and self.finer_rejected[j])
            if blocking or finer:
                out.append(
                    {"statement": int(j), "gic": float(self.gic[j]), "blocking": blocking, "finer": finer}
                )
            if len(out) == limit:
                break
        return out

    def hidden_minority(self) -> IntArray:
        """Statements that hold in every opinion group and declared category but that some finer group rejects:
        common ground a merged group would have hidden (empty without a finer structure)."""
        if self.finer_rejected is None:
            return np.zeros(0, dtype=np.int64)
        return np.flatnonzero(self.finer_rejected & ~self.is_common_ground).astype(np.int64)

    def too_small(self, statement: int) -> dict[str, list[Any]]:
        """Categories too small to judge ``statement``, per dimension (non-empty categories only)."""
        out: dict[str, list[Any]] = {}
        for name, t in self.dimensions.items():
            idx = np.flatnonzero(~t.judged[:, statement] & (t.members > 0))
            out[name] = [t.categories[i] for i in idx]
        return out

    def blocking(self, statement: int) -> dict[str, list[Any]]:
        """Judged categories in which ``statement`` does not hold (why it is not common ground)."""
        out: dict[str, list[Any]] = {}
        for name, t in self.dimensions.items():
            fails = t.judged[:, statement] & ~(t.agree_lower[:, statement] > self.threshold)
            out[name] = [t.categories[i] for i in np.flatnonzero(fails)]
        return out

    def never_judged(self) -> dict[str, list[Any]]:
        """Non-empty categories too small to judge on every statement, per dimension."""
        out: dict[str, list[Any]] = {}
        for name, t in self.dimensions.items():
            idx = np.flatnonzero(~t.judged.any(axis=1) & (t.members > 0))
            out[name] = [t.categories[i] for i in idx]
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe summary: the ranked common ground with GIC and the categories too small."""
        items = []
        for j in self.statements.tolist():
            items.append(
                {
                    "statement": int(j),
                    "gic": float(self.gic[j]),
                    "judged": {n: int(t.judged[:, j].sum()) for n, t in self.dimensions.items()},
                    "too_small": {n: [_jsonable(c) for c in v] for n, v in self.too_small(j).items()},
                }
            )
        return {
            "common_ground": items,
            "dimensions": list(self.dimensions),
            "active": dict(self.active),
            "never_judged": {n: [_jsonable(c) for c in v] for n, v in self.never_judged().items()},
            "min_voters": self.min_voters,
            "confidence": self.confidence,
            "threshold": self.threshold,
            "finer_groups": 0 if self.finer is None else int((self.finer.members > 0).sum()),
            "hidden_minority": [int(j) for j in self.hidden_minority()],
            "near_misses": [
                {**miss, "blocking": {n: [_jsonable(c) for c in v] for n, v in miss["blocking"].items()}}
                for miss in self.near_misses()
            ],
        }


def common_ground(
    votes: Any,
    groups: ArrayLike | None,
    *,
    labels: Mapping[str, ArrayLike] | None = None,
    min_voters: int = 5,
    confidence: float = 0.9,
    threshold: float = 0.5,
    min_judged_groups: int = 2,
    eligible: ArrayLike | None = None,
    group_tallies: CategoryTallies | None = None,
    finer: ArrayLike | None = None,
) -> CommonGroundResult:
    """Find common ground across opinion groups and declared sectors (and more).

    See the module docstring for the exact rule and how categories too small to judge are
    handled.

    Parameters
    ----------
    votes : scipy.sparse matrix, VoteMatrix or dense array
        Participants x statements, +1 agree, -1 disagree, 0 pass; see :func:`as_vote_csr`.
    groups : array_like of int, shape (n_participants,), or None
        Opinion group of each participant, negative for participants not in a group. ``None``
        checks only the declared dimensions.
    labels : mapping of str to array_like, optional
        Declared dimensions to check as well, e.g. ``{"sector": sectors}``; add
        ``"organisation"`` or ``"place"`` where asked. Undeclared entries are ``None``, NaN or "".
    min_voters : int, default 5
        Voters a category needs on a statement to be judged.
    confidence : float, default 0.9
        Two-sided confidence of the Wilson interval.
    threshold : float, default 0.5
        The lower bound of the agree share must exceed this in every judged category.
    min_judged_groups : int, default 2
        Judged opinion groups a statement needs (capped at the number of opinion groups).
    eligible : array_like of bool, shape (n_statements,), optional
        Statements that may be common ground (e.g. accepted and not meta). Others never are.
    group_tallies : CategoryTallies, optional
        The opinion groups' counts when already made (e.g. Pol.is mode's group tallies, through
        :func:`tallies_from_counts`), so the votes are not counted again; ``groups`` is then only
        checked. Judged categories and Wilson bounds follow this call's ``min_voters`` and
        ``confidence``.
    finer : array_like of int, shape (n_participants,), optional
        Finer groups (negative for none); what one rejects is not common ground (:func:`finer_rejections`).

    Returns
    -------
    CommonGroundResult

    Raises
    ------
    AnalysisInputError
        If shapes disagree, a parameter is out of range, or no dimension is given.

    Notes
    -----
    Cost: one counting pass over the votes per dimension (none for precomputed group tallies),
    O(votes + categories x statements).
    """
    ind, elig = _prepared(votes, eligible, min_voters, threshold)
    dims = _dimensions(ind, groups, labels, min_voters, confidence, group_tallies)
    ok, gic, active = _holds_everywhere(dims, elig, threshold, min_judged_groups)
    finer_tallies, rejected = _finer(ind, finer, min_voters, confidence, threshold)
    ok &= ~rejected if rejected is not None else True
    idx = np.flatnonzero(ok)
    order = idx[np.lexsort((idx, -gic[idx]))]
    return CommonGroundResult(
        statements=order.astype(np.int64),
        is_common_ground=ok,
        gic=gic,
        dimensions=dims,
        active=active,
        threshold=float(threshold),
        confidence=float(confidence),
        min_voters=int(min_voters),
        finer=finer_tallies,
        finer_rejected=rejected,
        eligible=elig,
    )


def _prepared(
    votes: Any, eligible: ArrayLike | None, min_voters: int, threshold: float
) -> tuple[VoteIndicators, BoolArray]:
    """The rule's parameters checked; the votes' indicators and the eligible statements."""
    if min_voters < 1:
        raise AnalysisInputError(f"min_voters must be at least 1, got {min_voters}")
    if not 0.0 <= threshold < 1.0:
        raise AnalysisInputError(f"threshold must be in [0, 1), got {threshold}")
    ind = vote_indicators(votes)
    return ind, _eligible_mask(eligible, ind.shape[1])


def _finer(
    ind: VoteIndicators, finer: ArrayLike | None, min_voters: int, confidence: float, threshold: float
) -> tuple[CategoryTallies | None, BoolArray | None]:
    if finer is None:
        return None, None
    return finer_rejections(ind, finer, min_voters, confidence, threshold)


FINER_DIMENSION = "finer group"


def finer_rejections(
    ind: VoteIndicators, finer: ArrayLike, min_voters: int, confidence: float, threshold: float
) -> tuple[CategoryTallies, BoolArray]:
    """The finer groups' tallies, and the statements some finer group rejects.

    A finer group rejects a statement when it has at least ``min_voters`` voters on it and the upper end of the
    Wilson interval of its agree share is below ``threshold``: its members, as far as the votes can tell, do not
    hold it. The finer groups are many and small, so they veto on evidence against a statement rather than
    needing evidence for it (which would drop true common ground whenever a small cell is noisy); the opinion
    groups and declared categories keep the stricter rule.

    Parameters
    ----------
    ind : VoteIndicators
    finer : array_like of int, shape (n_participants,)
        Finer group of each participant, negative for none.
    min_voters : int
    confidence : float
    threshold : float

    Returns
    -------
    tallies : CategoryTallies
    rejected : numpy.ndarray of bool, shape (n_statements,)
    """
    codes, cats = encode_labels(np.asarray(finer), ind.shape[0], FINER_DIMENSION)
    tallies = category_tallies(
        ind, codes, cats, FINER_DIMENSION, min_voters=min_voters, confidence=confidence
    )
    _, upper = wilson_interval(tallies.agree, tallies.voters, confidence)
    rejected = (tallies.judged & (upper < threshold)).any(axis=0)
    return tallies, np.asarray(rejected, dtype=bool)


def _dimensions(
    ind: VoteIndicators,
    groups: ArrayLike | None,
    labels: Mapping[str, ArrayLike] | None,
    min_voters: int,
    confidence: float,
    group_tallies: CategoryTallies | None,
) -> dict[str, CategoryTallies]:
    """The tallies of every dimension checked: the opinion groups first, then the declared labels."""
    n_p, n_s = ind.shape
    dims: dict[str, CategoryTallies] = {}
    if groups is not None:
        g = np.asarray(groups)
        if not np.issubdtype(g.dtype, np.integer):
            raise AnalysisInputError("groups must be integers (negative for participants without a group)")
        codes, cats = encode_labels(g, n_p, GROUP_DIMENSION)
        if group_tallies is None:
            dims[GROUP_DIMENSION] = category_tallies(
                ind, codes, cats, GROUP_DIMENSION, min_voters=min_voters, confidence=confidence
            )
        else:
            dims[GROUP_DIMENSION] = _recount(group_tallies, cats, n_s, min_voters, confidence)
    for name, values in (labels or {}).items():
        if name == GROUP_DIMENSION:
            raise AnalysisInputError(f"label dimension name {name!r} is reserved for opinion groups")
        codes, cats = encode_labels(values, n_p, name)
        dims[name] = category_tallies(ind, codes, cats, name, min_voters=min_voters, confidence=confidence)
    if not dims:
        raise AnalysisInputError("common_ground needs opinion groups or at least one label dimension")
    return dims


def _holds_everywhere(
    dims: dict[str, CategoryTallies], elig: BoolArray, threshold: float, min_judged_groups: int
) -> tuple[BoolArray, FloatArray, dict[str, bool]]:
    """Which statements hold in every judged category of every active dimension (the module
    docstring's rule), their group-informed consensus, and which dimensions are active."""
    ok = elig.copy()
    log_gic = np.zeros(elig.shape[0])
    active: dict[str, bool] = {}
    for name, t in dims.items():
        holds = ~t.judged | (t.agree_lower > threshold)
        ok &= holds.all(axis=0)
        n_judged = t.judged.sum(axis=0)
        nonempty = t.members > 0
        if name == GROUP_DIMENSION:
            need = min(min_judged_groups, int(nonempty.sum()))
            active[name] = bool(need > 0)
            ok &= n_judged >= need
        else:
            active[name] = bool(t.judged[:, elig].any())
            if active[name]:
                ok &= n_judged >= 1
        log_gic += np.log((t.agree[nonempty] + 1.0) / (t.voters[nonempty] + 2.0)).sum(axis=0)
    return ok, np.exp(log_gic), active


# --------------------------------------------------------------------------------------------------
# Divisive statements
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DivisiveResult:
    """Divisive statements: strong agreement in some groups, strong disagreement in others.

    Attributes
    ----------
    statements : ndarray of int
        Divisive statements, highest spread first.
    is_divisive : ndarray of bool, shape (n_statements,)
    spread : ndarray, shape (n_statements,)
        ``max_g lower(agree_g) + max_h lower(disagree_h) - 1`` over judged categories (NaN when
        no category is judged). Positive for every divisive statement.
    tallies : CategoryTallies
        The tallies of the dimension checked.
    threshold : float
        Lower bounds must exceed this (1/2).
    """

    statements: IntArray
    is_divisive: BoolArray
    spread: FloatArray
    tallies: CategoryTallies
    threshold: float

    def sides(self, statement: int) -> dict[str, list[Any]]:
        """The categories that agree and those that disagree strongly on ``statement``."""
        t = self.tallies
        agree = t.judged[:, statement] & (t.agree_lower[:, statement] > self.threshold)
        disagree = t.judged[:, statement] & (t.disagree_lower[:, statement] > self.threshold)
        return {
            "agree": [t.categories[i] for i in np.flatnonzero(agree)],
            "disagree": [t.categories[i] for i in np.flatnonzero(disagree)],
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe summary of the divisive statements, ranked."""
        return {
            "dimension": self.tallies.name,
            "divisive": [
                {
                    "statement": int(j),
                    "spread": float(self.spread[j]),
                    "sides": {k: [_jsonable(c) for c in v] for k, v in self.sides(int(j)).items()},
                }
                for j in self.statements.tolist()
            ],
            "threshold": self.threshold,
        }


def divisive_statements(
    votes: Any,
    groups: ArrayLike,
    *,
    name: str = GROUP_DIMENSION,
    min_voters: int = 5,
    confidence: float = 0.9,
    threshold: float = 0.5,
    eligible: ArrayLike | None = None,
    tallies: CategoryTallies | None = None,
) -> DivisiveResult:
    """Statements that some groups agree with and others reject, both with confidence.

    Parameters
    ----------
    votes : scipy.sparse matrix, VoteMatrix or dense array
        Participants x statements, see :func:`as_vote_csr`.
    groups : array_like, shape (n_participants,)
        Opinion group (negative = none) or any other per-participant label, e.g. sectors.
    name : str, default "opinion group"
        Name of the dimension, for the result.
    min_voters : int, default 5
        Voters a category needs on a statement to count.
    confidence : float, default 0.9
        Confidence of the Wilson intervals.
    threshold : float, default 0.5
        Both the surest agreeing category's lower agree bound and the surest disagreeing
        category's lower disagree bound must exceed this.
    eligible : array_like of bool, optional
        Statements that may be listed (e.g. accepted, not meta).
    tallies : CategoryTallies, optional
        The counts of ``groups`` when already made, as in :func:`common_ground`.

    Returns
    -------
    DivisiveResult
    """
    ind = vote_indicators(votes)
    n_p, n_s = ind.shape
    elig = _eligible_mask(eligible, n_s)
    codes, cats = encode_labels(groups, n_p, name)
    if tallies is None:
        t = category_tallies(ind, codes, cats, name, min_voters=min_voters, confidence=confidence)
    else:
        t = _recount(tallies, cats, n_s, min_voters, confidence)
    if len(cats) == 0:
        agree_max = np.full(n_s, np.nan)
        disagree_max = np.full(n_s, np.nan)
    else:
        agree_max = np.where(t.judged, t.agree_lower, -np.inf).max(axis=0)
        disagree_max = np.where(t.judged, t.disagree_lower, -np.inf).max(axis=0)
    any_judged = np.isfinite(agree_max)
    spread = np.where(any_judged, agree_max + disagree_max - 1.0, np.nan)
    is_div = elig & any_judged & (agree_max > threshold) & (disagree_max > threshold)
    idx = np.flatnonzero(is_div)
    order = idx[np.lexsort((idx, -spread[idx]))]
    return DivisiveResult(
        statements=order.astype(np.int64),
        is_divisive=is_div,
        spread=spread.astype(np.float64),
        tallies=t,
        threshold=float(threshold),
    )
