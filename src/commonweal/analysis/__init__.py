"""commonweal.analysis: the analysis engine, a pure numerical library.

It imports nothing from Django or the storage layer. Build a
:class:`~commonweal.analysis.matrix.VoteMatrix` from vote events or a DataFrame, then call
:func:`analyse` (or use :class:`PolisAnalysis`); carry ``result.state`` into the next update.

Examples
--------
>>> from commonweal.analysis import VoteMatrix, analyse
>>> m = VoteMatrix.from_events([1, 1, 2], ["a", "b", "a"], [1, -1, 0])
>>> result = analyse(m)
>>> result.tick
1
"""

from __future__ import annotations

from commonweal.analysis.engine import (
    AnalysisOptions,
    GroupStatistics,
    PolisAnalysis,
    analyse,
    group_statistics,
)
from commonweal.analysis.errors import AnalysisInputError
from commonweal.analysis.matrix import VoteMatrix
from commonweal.analysis.result import AnalysisResult
from commonweal.analysis.state import AnalysisState

__all__ = [
    "AnalysisInputError",
    "AnalysisOptions",
    "AnalysisResult",
    "AnalysisState",
    "GroupStatistics",
    "PolisAnalysis",
    "VoteMatrix",
    "analyse",
    "group_statistics",
]
