"""Representation: who took part compared with the population, and agreement reweighted to it.

* :func:`poststratification_weights`: one dimension (e.g. place); each participant in category
  ``c`` gets ``target_c / sample_share_c``.
* :func:`rake_weights`: several dimensions (place, community, sector ...) by iterative
  proportional fitting (raking): weights are scaled to each dimension's margins in turn until
  every weighted margin matches its target.
* :func:`reweighted_agreement`: agree share per statement with the weights, next to the plain
  share, with the Kish effective sample size of each statement's voters and a Wilson interval
  computed at that effective size.
* :func:`kish_effective_sample_size`: ``(sum w)^2 / sum w^2``.
* :func:`representation_gaps`: which categories are missing or thin compared with the targets.

Weights are normalised to mean 1 over the participants who are weighted; participants left out
(no declared category in a weighting dimension, or a category outside the targets when asked to
exclude it) get weight 0 and are counted in the result.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from commonweal.analysis.commonground import encode_labels, vote_indicators
from commonweal.analysis.errors import AnalysisInputError
from commonweal.analysis.uncertainty import wilson_interval

__all__ = [
    "CategoryGap",
    "ReweightedAgreement",
    "Weights",
    "kish_effective_sample_size",
    "poststratification_weights",
    "rake_weights",
    "representation_gaps",
    "reweighted_agreement",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

_SUM_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Weights:
    """Participant weights toward target shares.

    Attributes
    ----------
    weights : ndarray, shape (n_participants,)
        Mean 1 over the weighted participants; 0 for those left out.
    included : ndarray of bool, shape (n_participants,)
        Participants who carry weight.
    effective_sample_size : float
        Kish effective sample size of the weights.
    n_excluded : int
        Participants left out.
    dropped_categories : dict of str to list
        Target categories with no participants, dropped when ``on_empty="renormalise"``.
    converged : bool
        Whether raking converged (always True for post-stratification).
    n_iter : int
        Raking iterations (0 for post-stratification).
    max_margin_error : float
        Largest absolute difference between a weighted margin share and its target.
    """

    weights: FloatArray
    included: NDArray[np.bool_]
    effective_sample_size: float
    n_excluded: int
    dropped_categories: dict[str, list[Any]]
    converged: bool
    n_iter: int
    max_margin_error: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe summary (without the per-participant weights)."""
        return {
            "effective_sample_size": self.effective_sample_size,
            "n_weighted": int(self.included.sum()),
            "n_excluded": self.n_excluded,
            "dropped_categories": {k: [_plain(c) for c in v] for k, v in self.dropped_categories.items()},
            "converged": self.converged,
            "n_iter": self.n_iter,
            "max_margin_error": self.max_margin_error,
            "max_weight": float(self.weights.max()) if self.weights.size else 0.0,
        }


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def kish_effective_sample_size(weights: ArrayLike) -> float:
    """Kish's effective sample size ``(sum w)^2 / sum w^2``.

    Parameters
    ----------
    weights : array_like
        Non-negative weights (zeros are people left out).

    Returns
    -------
    float
        Between 1 and the number of positive weights; 0 when every weight is 0.

    Raises
    ------
    AnalysisInputError
        If a weight is negative or not finite.

    Examples
    --------
    >>> kish_effective_sample_size([1, 1, 2])
    3.2
    """
    w = np.asarray(weights, dtype=np.float64).ravel()
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise AnalysisInputError("weights must be finite and non-negative")
    s2 = float(np.sum(w * w))
    return 0.0 if s2 == 0.0 else float(np.sum(w)) ** 2 / s2


def _check_targets(targets: Mapping[Any, float], dimension: str) -> dict[Any, float]:
    if not targets:
        raise AnalysisInputError(f"targets for {dimension!r} are empty")
    out: dict[Any, float] = {}
    for cat, share in targets.items():
        value = float(share)
        if not np.isfinite(value) or value < 0:
            raise AnalysisInputError(
                f"target share of {cat!r} in {dimension!r} must be a non-negative number, got {share!r}"
            )
        out[cat] = value
    total = sum(out.values())
    if abs(total - 1.0) > _SUM_TOLERANCE:
        raise AnalysisInputError(
            f"target shares for {dimension!r} must sum to 1, they sum to {total:.6g}; pass shares, "
            "or divide counts by their total first"
        )
    return out


def _prepare(
    labels: ArrayLike,
    targets: Mapping[Any, float],
    dimension: str,
    n: int | None,
    on_empty: str,
    unlisted: str,
) -> tuple[IntArray, FloatArray, list[Any], list[Any]]:
    """Codes against the target categories (-1 = left out), target shares, categories, dropped ones."""
    shares = _check_targets(targets, dimension)
    arr = np.asarray(labels, dtype=object)
    if arr.ndim != 1 or (n is not None and arr.shape[0] != n):
        raise AnalysisInputError(
            f"{dimension!r} labels must be one per participant ({n}), got shape {arr.shape}"
        )
    codes, cats = encode_labels(arr, arr.shape[0], dimension)
    target_cats = list(shares)
    index = {c: i for i, c in enumerate(target_cats)}
    mapping = np.array([index.get(c, -1) for c in cats], dtype=np.int64)
    unknown = [c for c in cats if c not in index]
    if unknown and unlisted == "raise":
        raise AnalysisInputError(
            f"participants declare {dimension!r} categories that have no target: {unknown!r}; add them to "
            "the targets (share 0 is allowed) or pass unlisted='exclude'"
        )
    target_codes = (
        np.where(codes >= 0, mapping[np.maximum(codes, 0)], -1) if cats else np.full(arr.shape[0], -1)
    )
    counts = np.bincount(target_codes[target_codes >= 0], minlength=len(target_cats))
    tshare = np.array([shares[c] for c in target_cats], dtype=np.float64)
    empty = (counts == 0) & (tshare > 0)
    dropped: list[Any] = []
    if empty.any():
        names = [target_cats[i] for i in np.flatnonzero(empty)]
        if on_empty == "raise":
            raise AnalysisInputError(
                f"no participants in {dimension!r} categories {names!r} that have target shares; these "
                "people cannot be represented by weighting (see representation_gaps), or pass "
                "on_empty='renormalise' to weight to the other categories"
            )
        dropped = names
        tshare = np.where(empty, 0.0, tshare)
        if tshare.sum() == 0:
            raise AnalysisInputError(f"no participants in any target category of {dimension!r}")
        tshare = tshare / tshare.sum()
    return target_codes.astype(np.int64), tshare, target_cats, dropped


def poststratification_weights(
    labels: ArrayLike,
    targets: Mapping[Any, float],
    *,
    on_empty: Literal["raise", "renormalise"] = "raise",
    unlisted: Literal["raise", "exclude"] = "raise",
    dimension: str = "category",
) -> Weights:
    """Post-stratification weights for one dimension.

    Parameters
    ----------
    labels : array_like, shape (n_participants,)
        Each participant's category (``None``/NaN/"" = undeclared: weight 0).
    targets : mapping of category to float
        Target share of each category; must sum to 1.
    on_empty : {"raise", "renormalise"}, default "raise"
        What to do with target categories that have no participants: raise, or drop them and
        rescale the other targets (they are listed in ``dropped_categories``).
    unlisted : {"raise", "exclude"}, default "raise"
        What to do with participants whose category has no target: raise, or give them weight 0.
    dimension : str, default "category"
        Name used in messages.

    Returns
    -------
    Weights

    Raises
    ------
    AnalysisInputError
        If targets do not sum to 1, are negative, a target category has no participants
        (``on_empty="raise"``), or a declared category has no target (``unlisted="raise"``).
    """
    codes, tshare, _, dropped = _prepare(labels, targets, dimension, None, on_empty, unlisted)
    included = codes >= 0
    if not included.any():
        raise AnalysisInputError(f"no participant has a {dimension!r} category with a target")
    counts = np.bincount(codes[included], minlength=tshare.size).astype(np.float64)
    sample = counts / counts.sum()
    factor = np.divide(tshare, sample, out=np.zeros_like(tshare), where=sample > 0)
    w = np.zeros(codes.size)
    w[included] = factor[codes[included]]
    w = _normalise(w, included)
    err = _margin_error(w, codes, tshare)
    return Weights(
        weights=w,
        included=included,
        effective_sample_size=kish_effective_sample_size(w),
        n_excluded=int((~included).sum()),
        dropped_categories={dimension: dropped} if dropped else {},
        converged=True,
        n_iter=0,
        max_margin_error=err,
    )


def _normalise(w: FloatArray, included: NDArray[np.bool_]) -> FloatArray:
    total = w[included].sum()
    if total <= 0:
        raise AnalysisInputError(
            "weights are all zero: no participant falls in a category with a positive target"
        )
    return np.asarray(w * (included.sum() / total), dtype=np.float64)


def _margin_error(w: FloatArray, codes: IntArray, tshare: FloatArray) -> float:
    inc = codes >= 0
    margin = np.bincount(codes[inc], weights=w[inc], minlength=tshare.size)
    total = margin.sum()
    return float(np.max(np.abs(margin / total - tshare))) if total > 0 else float("inf")


def rake_weights(
    labels: Mapping[str, ArrayLike],
    targets: Mapping[str, Mapping[Any, float]],
    *,
    max_iter: int = 200,
    tol: float = 1e-8,
    on_empty: Literal["raise", "renormalise"] = "raise",
    unlisted: Literal["raise", "exclude"] = "raise",
) -> Weights:
    """Raking (iterative proportional fitting) weights over several dimensions.

    Parameters
    ----------
    labels : mapping of str to array_like
        Per-participant categories for each dimension, e.g. ``{"place": ..., "sector": ...}``.
    targets : mapping of str to mapping
        Target shares per dimension (each must sum to 1); the keys must match ``labels``.
    max_iter : int, default 200
        Maximum passes over the dimensions.
    tol : float, default 1e-8
        Stop when every weighted margin share is within ``tol`` of its target.
    on_empty, unlisted : str
        As in :func:`poststratification_weights`, applied per dimension.

    Returns
    -------
    Weights
        Participants undeclared in any raked dimension get weight 0. ``converged`` is False when
        the margins could not all be met (e.g. contradictory targets for the people present);
        ``max_margin_error`` says by how much.

    Raises
    ------
    AnalysisInputError
        On bad targets (see :func:`poststratification_weights`) or mismatched dimensions.
    """
    if set(labels) != set(targets):
        raise AnalysisInputError(
            f"labels and targets must name the same dimensions; labels {sorted(labels)}, targets {sorted(targets)}"
        )
    if not labels:
        raise AnalysisInputError("rake_weights needs at least one dimension")
    prepared, included, dropped_all = _raking_margins(labels, targets, on_empty, unlisted)
    w, converged, n_iter, err = _rake(prepared, included, max_iter, tol)
    return Weights(
        weights=w,
        included=included,
        effective_sample_size=kish_effective_sample_size(w),
        n_excluded=int((~included).sum()),
        dropped_categories=dropped_all,
        converged=converged,
        n_iter=n_iter,
        max_margin_error=err,
    )


def _raking_margins(
    labels: Mapping[str, ArrayLike],
    targets: Mapping[str, Mapping[Any, float]],
    on_empty: Literal["raise", "renormalise"],
    unlisted: Literal["raise", "exclude"],
) -> tuple[list[tuple[IntArray, FloatArray]], NDArray[np.bool_], dict[str, list[Any]]]:
    """Each dimension's category codes and target shares, who is raked (declared in every dimension), and
    the categories dropped; refuses targets that the people raked cannot reach."""
    n: int | None = None
    prepared: list[tuple[IntArray, FloatArray]] = []
    dropped_all: dict[str, list[Any]] = {}
    for dim in labels:
        arr = np.asarray(labels[dim], dtype=object)
        n = arr.shape[0] if n is None else n
        codes, tshare, _, dropped = _prepare(arr, targets[dim], dim, n, on_empty, unlisted)
        prepared.append((codes, tshare))
        if dropped:
            dropped_all[dim] = dropped
    assert n is not None  # labels has at least one dimension (checked by the caller)
    included = np.ones(n, dtype=bool)
    for codes, _ in prepared:
        included &= codes >= 0
    if not included.any():
        raise AnalysisInputError("no participant has a category with a target in every raked dimension")
    # A target category may have participants overall but none among those declared everywhere.
    for dim, (codes, tshare) in zip(labels, prepared, strict=True):
        present = np.bincount(codes[included], minlength=tshare.size) > 0
        missing = (~present) & (tshare > 0)
        if missing.any():
            raise AnalysisInputError(
                f"raking cannot reach the {dim!r} targets: no participant who declared every raked "
                f"dimension is in categories at positions {np.flatnonzero(missing).tolist()}"
            )
    return prepared, included, dropped_all


def _rake(
    prepared: list[tuple[IntArray, FloatArray]], included: NDArray[np.bool_], max_iter: int, tol: float
) -> tuple[FloatArray, bool, int, float]:
    """Iterative proportional fitting: the weights, whether every margin met its target within ``tol``,
    the passes made and the largest margin error."""
    w = included.astype(np.float64)
    converged = False
    it = 0
    err = float("inf")
    for it in range(1, max_iter + 1):  # noqa: B007 - reported
        for codes, tshare in prepared:
            margin = np.bincount(codes[included], weights=w[included], minlength=tshare.size)
            share = margin / margin.sum()
            factor = np.divide(tshare, share, out=np.zeros_like(tshare), where=share > 0)
            w[included] *= factor[codes[included]]
        w = _normalise(w, included)
        err = max(_margin_error(w, np.where(included, c, -1), t) for c, t in prepared)
        if err <= tol:
            converged = True
            break
    return w, converged, it, err


@dataclass(frozen=True)
class ReweightedAgreement:
    """Agreement per statement, plain and reweighted, with effective sample sizes.

    Attributes
    ----------
    share, weighted_share : ndarray, shape (n_statements,)
        Plain agree share (agrees / voters) and weighted share (NaN where nobody weighted voted).
    lower, upper : ndarray, shape (n_statements,)
        Wilson interval of the weighted share at the Kish effective sample size of its voters.
    voters : ndarray, shape (n_statements,)
        Voters (passes included).
    effective_voters : ndarray, shape (n_statements,)
        Kish effective sample size of each statement's voters' weights.
    confidence : float
    """

    share: FloatArray
    weighted_share: FloatArray
    lower: FloatArray
    upper: FloatArray
    voters: FloatArray
    effective_voters: FloatArray
    confidence: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe per-statement lists (NaN becomes ``None``)."""

        def clean(a: FloatArray) -> list[float | None]:
            return [None if not np.isfinite(v) else float(v) for v in a.tolist()]

        return {
            "share": clean(self.share),
            "weighted_share": clean(self.weighted_share),
            "lower": clean(self.lower),
            "upper": clean(self.upper),
            "voters": clean(self.voters),
            "effective_voters": clean(self.effective_voters),
            "confidence": self.confidence,
        }


def reweighted_agreement(
    votes: Any, weights: ArrayLike | Weights, *, confidence: float = 0.9
) -> ReweightedAgreement:
    """Agree share per statement with participant weights, in O(votes).

    Parameters
    ----------
    votes : scipy.sparse matrix, VoteMatrix or dense array
        Participants x statements, +1/-1/0 (passes count as voters, not agrees).
    weights : array_like of shape (n_participants,) or Weights
        Non-negative participant weights.
    confidence : float, default 0.9
        Confidence of the Wilson interval at the effective sample size.

    Returns
    -------
    ReweightedAgreement
    """
    ind = vote_indicators(votes)
    w = np.asarray(weights.weights if isinstance(weights, Weights) else weights, dtype=np.float64)
    if w.shape != (ind.shape[0],):
        raise AnalysisInputError(
            f"weights must have one entry per participant ({ind.shape[0]}), got shape {w.shape}"
        )
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise AnalysisInputError("weights must be finite and non-negative")
    agrees = np.asarray(ind.agree.sum(axis=0)).ravel()
    voters = np.asarray(ind.voted.sum(axis=0)).ravel()
    w_agree = ind.agree.T @ w
    w_voted = ind.voted.T @ w
    w2_voted = ind.voted.T @ (w * w)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(voters > 0, agrees / np.maximum(voters, 1), np.nan)
        wshare = np.where(w_voted > 0, w_agree / np.where(w_voted > 0, w_voted, 1.0), np.nan)
        ess = np.where(w2_voted > 0, w_voted**2 / np.where(w2_voted > 0, w2_voted, 1.0), 0.0)
    lo, hi = wilson_interval(np.nan_to_num(wshare) * ess, ess, confidence)
    return ReweightedAgreement(
        share=share.astype(np.float64),
        weighted_share=wshare.astype(np.float64),
        lower=lo,
        upper=hi,
        voters=voters.astype(np.float64),
        effective_voters=ess.astype(np.float64),
        confidence=float(confidence),
    )


@dataclass(frozen=True)
class CategoryGap:
    """How one category's participation compares with its target.

    Attributes
    ----------
    category : object
        The category.
    count : int
        Participants in it.
    share : float
        Their share of participants who declared a category in this dimension.
    target : float
        The target share.
    ratio : float
        ``share / target`` (inf when the target is 0 and someone took part).
    status : str
        ``"missing"`` (no participants, target > 0), ``"thin"`` (fewer than ``min_count``
        participants or ratio below ``thin_ratio``), ``"over"`` (ratio above ``1 / thin_ratio``),
        ``"unlisted"`` (declared but not in the targets), or ``"ok"``.
    """

    category: Any
    count: int
    share: float
    target: float
    ratio: float
    status: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dictionary."""
        return {
            "category": _plain(self.category),
            "count": self.count,
            "share": self.share,
            "target": self.target,
            "ratio": None if not np.isfinite(self.ratio) else self.ratio,
            "status": self.status,
        }


def representation_gaps(
    labels: ArrayLike,
    targets: Mapping[Any, float],
    *,
    thin_ratio: float = 0.5,
    min_count: int = 5,
    dimension: str = "category",
) -> list[CategoryGap]:
    """Which categories are missing, thin or over-represented compared with the targets.

    Parameters
    ----------
    labels : array_like, shape (n_participants,)
        Each participant's category (undeclared entries are ignored).
    targets : mapping of category to float
        Target shares (must sum to 1).
    thin_ratio : float, default 0.5
        A category is thin below this share-to-target ratio, over-represented above its inverse.
    min_count : int, default 5
        A category with fewer participants than this is thin whatever its share (small numbers
        cannot speak for a community, and are suppressed in breakdowns).
    dimension : str, default "category"
        Name used in messages.

    Returns
    -------
    list of CategoryGap
        Target categories in target order, then declared categories without a target.
    """
    if not 0.0 < thin_ratio < 1.0:
        raise AnalysisInputError(f"thin_ratio must be in (0, 1), got {thin_ratio}")
    shares = _check_targets(targets, dimension)
    arr = np.asarray(labels, dtype=object)
    codes, cats = encode_labels(arr, arr.shape[0], dimension)
    counts = np.bincount(codes[codes >= 0], minlength=len(cats))
    declared = int(counts.sum())
    by_cat = dict(zip(cats, counts.tolist(), strict=True))
    out: list[CategoryGap] = []
    for cat, target in shares.items():
        count = int(by_cat.get(cat, 0))
        share = count / declared if declared else 0.0
        ratio = share / target if target > 0 else (float("inf") if count else 1.0)
        if count == 0 and target > 0:
            status = "missing"
        elif target > 0 and (count < min_count or ratio < thin_ratio):
            status = "thin"
        elif ratio > 1.0 / thin_ratio:
            status = "over"
        else:
            status = "ok"
        out.append(CategoryGap(cat, count, share, target, ratio, status))
    for cat in cats:
        if cat not in shares:
            count = int(by_cat[cat])
            out.append(CategoryGap(cat, count, count / declared, 0.0, float("inf"), "unlisted"))
    return out
