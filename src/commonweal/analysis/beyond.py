"""Wiring of the beyond-Pol.is measures into :func:`commonweal.analysis.analyse`.

The measures themselves live in ``commonground``, ``bridging`` and ``uncertainty``; this
module only calls them with the Pol.is-mode result and collects their outputs.
"""

from __future__ import annotations

from typing import Any

from commonweal.analysis.matrix import VoteMatrix
from commonweal.analysis.result import AnalysisResult

__all__ = ["compute"]


def compute(
    result: AnalysisResult, matrix: VoteMatrix, random_state: Any, timings: dict[str, float]
) -> dict[str, Any]:
    """Compute the beyond-Pol.is fields of a result.

    Parameters
    ----------
    result : AnalysisResult
        The Pol.is-mode result.
    matrix : VoteMatrix
        The votes it was computed from.
    random_state : Any
        Seed for resampling.
    timings : dict
        Filled with seconds per measure.

    Returns
    -------
    dict
        Field name -> value, for :meth:`AnalysisResult.with_extras`.
    """
    return {}
