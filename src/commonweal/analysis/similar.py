"""Similar statements: find existing statements that say nearly the same as a new text.

Texts are compared by cosine similarity of character n-gram TF-IDF vectors (scikit-learn's
``TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5))``, sublinear term frequency, accents
stripped, lower-cased), which is robust to typos, plurals and word order and needs no language
model. A :class:`SimilarityIndex` is built once per conversation (refit it when many statements
have been added; :meth:`SimilarityIndex.add` appends without refitting). A query transforms one
text and multiplies it with the index's inverted (term x statement) matrix, touching only the
statements that share an n-gram with it (docs/analysis.md gives its speed, measured by
``benchmarks/similar.py``).

:func:`group_duplicates` groups likely duplicates among pending statements for moderators.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from commonweal.analysis.errors import AnalysisInputError

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import TfidfVectorizer

__all__ = ["DuplicateGroup", "Match", "SimilarityIndex", "group_duplicates"]


@dataclass(frozen=True)
class Match:
    """An existing statement similar to a query.

    Attributes
    ----------
    id : object
        The statement's id (its position when no ids were given).
    position : int
        Its row in the index.
    score : float
        Cosine similarity in [0, 1].
    text : str
        Its text.
    """

    id: Any
    position: int
    score: float
    text: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dictionary."""
        ident = self.id.item() if isinstance(self.id, np.generic) else self.id
        return {"id": ident, "position": self.position, "score": self.score, "text": self.text}


def _vectorizer(ngram_range: tuple[int, int]) -> TfidfVectorizer:
    # scikit-learn's text module takes about half a second to import, and only the similar-statement paths
    # use it (every test run and every command would pay for it otherwise): deferred for start-up cost
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=ngram_range,
        lowercase=True,
        strip_accents="unicode",
        sublinear_tf=True,
        dtype=np.float32,
    )


def _check_texts(texts: Sequence[str], what: str) -> list[str]:
    out = list(texts)
    for i, t in enumerate(out):
        if not isinstance(t, str):
            raise AnalysisInputError(f"{what}[{i}] must be a string, got {type(t).__name__}")
    return out


class SimilarityIndex:
    """Character n-gram TF-IDF index of a conversation's statements.

    Parameters
    ----------
    texts : sequence of str
        The statements' texts.
    ids : sequence, optional
        Their ids (default: positions).
    ngram_range : tuple of int, default (3, 5)
        Character n-gram lengths (within word boundaries).

    Examples
    --------
    >>> index = SimilarityIndex(["More GPs in rural areas", "Fund care homes properly"])
    >>> [m.position for m in index.query("more GP's in rural area", threshold=0.5)]
    [0]
    """

    def __init__(
        self, texts: Sequence[str], ids: Sequence[Any] | None = None, *, ngram_range: tuple[int, int] = (3, 5)
    ) -> None:
        self.texts = _check_texts(texts, "texts")
        if ids is not None and len(ids) != len(self.texts):
            raise AnalysisInputError(f"ids has {len(ids)} entries for {len(self.texts)} texts")
        self.ids: list[Any] = list(ids) if ids is not None else list(range(len(self.texts)))
        lo, hi = ngram_range
        if not 1 <= lo <= hi:
            raise AnalysisInputError(
                f"ngram_range must be (low, high) with 1 <= low <= high, got {ngram_range}"
            )
        self.ngram_range = (int(lo), int(hi))
        self._vectorizer = _vectorizer(self.ngram_range)
        if any(t.strip() for t in self.texts):
            matrix = self._vectorizer.fit_transform(self.texts)
            self._fitted = True
        else:
            matrix = sparse.csr_matrix((len(self.texts), 0), dtype=np.float32)
            self._fitted = False
        # Inverted index (terms x statements): a query's product touches only its own n-grams.
        self._inverted = sparse.csr_matrix(matrix.T, dtype=np.float32)

    def __len__(self) -> int:
        return len(self.texts)

    def vectorise(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """TF-IDF vectors of ``texts`` in the index's vocabulary (L2-normalised rows).

        Parameters
        ----------
        texts : sequence of str

        Returns
        -------
        scipy.sparse.csr_matrix, shape (len(texts), n_terms)
        """
        texts = _check_texts(texts, "texts")
        if not self._fitted:
            return sparse.csr_matrix((len(texts), self._inverted.shape[0]), dtype=np.float32)
        return sparse.csr_matrix(self._vectorizer.transform(texts))

    def add(self, texts: Sequence[str], ids: Sequence[Any] | None = None) -> None:
        """Append statements, in the existing vocabulary (n-grams never seen before are ignored).

        Parameters
        ----------
        texts : sequence of str
        ids : sequence, optional
            Their ids (default: continuing positions).
        """
        texts = _check_texts(texts, "texts")
        if ids is not None and len(ids) != len(texts):
            raise AnalysisInputError(f"ids has {len(ids)} entries for {len(texts)} texts")
        if not self._fitted:
            # Nothing to extend: build from scratch so the vocabulary exists.
            rebuilt = SimilarityIndex(
                self.texts + texts,
                self.ids
                + (
                    list(ids)
                    if ids is not None
                    else list(range(len(self.texts), len(self.texts) + len(texts)))
                ),
                ngram_range=self.ngram_range,
            )
            self.__dict__.update(rebuilt.__dict__)
            return
        start = len(self.texts)
        new = self.vectorise(texts)
        self._inverted = sparse.csr_matrix(sparse.hstack([self._inverted, new.T]), dtype=np.float32)
        self.texts.extend(texts)
        self.ids.extend(list(ids) if ids is not None else range(start, start + len(texts)))

    def scores(self, text: str) -> NDArray[np.float32]:
        """Cosine similarity of ``text`` with every indexed statement.

        Parameters
        ----------
        text : str

        Returns
        -------
        ndarray of float32, shape (n_statements,)
        """
        q = self.vectorise([text])
        return np.asarray((q @ self._inverted).toarray(), dtype=np.float32).ravel()

    def query(self, text: str, top_k: int = 5, threshold: float = 0.3) -> list[Match]:
        """Statements most similar to ``text``, best first.

        Parameters
        ----------
        text : str
            The text being typed.
        top_k : int, default 5
            At most this many matches.
        threshold : float, default 0.3
            Only matches with cosine similarity at least this. Around 0.5 and above, texts
            usually say nearly the same; 0.3 also catches rephrasings.

        Returns
        -------
        list of Match
        """
        if top_k < 1:
            raise AnalysisInputError(f"top_k must be at least 1, got {top_k}")
        if not isinstance(text, str):
            raise AnalysisInputError(f"text must be a string, got {type(text).__name__}")
        if not text.strip() or len(self.texts) == 0:
            return []
        q = self.vectorise([text])
        row = q @ self._inverted  # 1 x n_statements, sparse: only statements sharing an n-gram
        row = sparse.csr_matrix(row)
        idx = row.indices
        vals = row.data
        keep = vals >= threshold
        idx, vals = idx[keep], vals[keep]
        if idx.size > top_k:
            part = np.argpartition(-vals, top_k - 1)[:top_k]
            idx, vals = idx[part], vals[part]
        order = np.lexsort((idx, -vals))
        return [
            Match(id=self.ids[int(i)], position=int(i), score=float(min(v, 1.0)), text=self.texts[int(i)])
            for i, v in zip(idx[order], vals[order], strict=True)
        ]


@dataclass(frozen=True)
class DuplicateGroup:
    """A group of pending statements that likely say the same thing.

    Attributes
    ----------
    ids : list
        The pending statements' ids, in input order.
    positions : list of int
        Their positions in the input.
    min_score : float
        The weakest similarity along the links that joined the group.
    existing : list of Match
        Accepted statements (from ``against``) similar to any member, best first.
    """

    ids: list[Any]
    positions: list[int]
    min_score: float
    existing: list[Match]

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dictionary."""
        return {
            "ids": [i.item() if isinstance(i, np.generic) else i for i in self.ids],
            "positions": self.positions,
            "min_score": self.min_score,
            "existing": [m.to_dict() for m in self.existing],
        }


def group_duplicates(
    texts: Sequence[str],
    ids: Sequence[Any] | None = None,
    *,
    threshold: float = 0.6,
    against: SimilarityIndex | None = None,
    ngram_range: tuple[int, int] = (3, 5),
) -> list[DuplicateGroup]:
    """Group likely duplicates among pending statements, for moderators.

    Two pending statements are linked when their cosine similarity is at least ``threshold``;
    groups are the connected components of those links (single linkage: a chain of close
    rephrasings ends up in one group). Singletons are only returned when they match an existing
    statement in ``against``.

    Parameters
    ----------
    texts : sequence of str
        Pending statements.
    ids : sequence, optional
        Their ids (default: positions).
    threshold : float, default 0.6
        Similarity at which two statements count as likely duplicates.
    against : SimilarityIndex, optional
        Index of the conversation's accepted statements: each group lists accepted statements
        it duplicates.
    ngram_range : tuple of int, default (3, 5)
        Character n-gram lengths.

    Returns
    -------
    list of DuplicateGroup
        Largest groups first.
    """
    texts = _check_texts(texts, "texts")
    if ids is not None and len(ids) != len(texts):
        raise AnalysisInputError(f"ids has {len(ids)} entries for {len(texts)} texts")
    if not 0.0 < threshold <= 1.0:
        raise AnalysisInputError(f"threshold must be in (0, 1], got {threshold}")
    id_list = list(ids) if ids is not None else list(range(len(texts)))
    n = len(texts)
    if n == 0:
        return []
    sim = _links(texts, threshold, ngram_range)
    n_comp, comp = connected_components(sim, directed=False)
    groups: list[DuplicateGroup] = []
    for c in range(n_comp):
        members = np.flatnonzero(comp == c)
        existing = _existing_matches(against, [texts[int(m)] for m in members], threshold)
        if members.size < 2 and not existing:
            continue
        if members.size > 1:
            sub = sim[members][:, members]
            min_score = float(sub.data.min()) if sub.nnz else 0.0
        else:
            min_score = 1.0
        groups.append(
            DuplicateGroup(
                ids=[id_list[int(m)] for m in members],
                positions=[int(m) for m in members],
                min_score=min_score,
                existing=existing,
            )
        )
    groups.sort(key=lambda g: (-len(g.positions), g.positions[0]))
    return groups


def _links(texts: list[str], threshold: float, ngram_range: tuple[int, int]) -> sparse.csr_matrix:
    """The similarity of every two texts that reach ``threshold`` (0 elsewhere and on the diagonal)."""
    n = len(texts)
    if not any(t.strip() for t in texts):
        return sparse.csr_matrix((n, n))
    x = sparse.csr_matrix(_vectorizer(ngram_range).fit_transform(texts))
    sim = sparse.csr_matrix(x @ x.T)
    sim.data[sim.data < threshold] = 0
    sim.eliminate_zeros()
    sim.setdiag(0)
    sim.eliminate_zeros()
    return sim


def _existing_matches(against: SimilarityIndex | None, texts: list[str], threshold: float) -> list[Match]:
    """The statements of ``against`` that any of ``texts`` duplicates, each with its best score, best first."""
    if against is None:
        return []
    best: dict[int, Match] = {}
    for text in texts:
        for match in against.query(text, top_k=5, threshold=threshold):
            if match.position not in best or best[match.position].score < match.score:
                best[match.position] = match
    return sorted(best.values(), key=lambda mt: (-mt.score, mt.position))
