"""Meaning as a second source of candidates: the sections whose vectors are closest to the
question's, found without reading every vector in full.

Comparing the question with 80,000 stored vectors in full (float16, 384 numbers each) costs a
search about 100 ms; a compact copy of every vector (its coordinates on the 64 directions that
carry most of the site's vectors, worked out once per generation) finds the likely nearest in
about a millisecond, and only those are compared in full.
"""
from __future__ import annotations

import numpy as np

from indexer.embeddings import SectionVectors

KEPT_DIMENSIONS = 64
# Rows the directions are worked out from (more change them little and cost time at open).
SAMPLE_ROWS = 8192
# Rows converted to float32 at a time while the compact copy is made.
CHUNK_ROWS = 8192
# Sections that meaning alone may add to a search's candidates, and how close they must be:
# below about 0.35 a MiniLM passage is rarely about what was asked.
NEAREST = 30
MIN_CLOSENESS = 0.35
# Meaning adds sections only to questions of at least this many words: a caller's question can
# be answered in quite other words, while one or three typed words ("pears", "bowel cancer
# diet") are the words the visitor wants to see (a fruit should not bring back another fruit).
# Quoted words and exclusions never get them either.
MIN_QUESTION_WORDS = 4
# How many more rows the compact copy shortlists than are kept, to make up for its error.
SHORTLIST_FACTOR = 4


class MeaningIndex:
    """A generation's vectors (every window's) reduced to KEPT_DIMENSIONS, for finding the
    nearest sections to a question."""

    def __init__(self, vectors: SectionVectors) -> None:
        self.vectors = vectors
        matrix = vectors.matrix
        self.basis = _directions(matrix)
        self.reduced = np.vstack([np.asarray(matrix[start:start + CHUNK_ROWS], dtype=np.float32) @ self.basis
                                  for start in range(0, len(matrix), CHUNK_ROWS)]
                                 or [np.zeros((0, self.basis.shape[1]), dtype=np.float32)])

    def nearest(self, question: np.ndarray, count: int = NEAREST) -> list[tuple[str, float]]:
        """(section key, closeness) of up to `count` sections closest to the question vector,
        closest first, none below MIN_CLOSENESS; each section once, by its closest window."""
        if not len(self.reduced):
            return []
        rough = self.reduced @ (question @ self.basis)
        keys, exact = self.vectors.best_windows(_top(rough, count * SHORTLIST_FACTOR), question)
        order = np.argsort(-exact, kind="stable")[:count]
        return [(keys[i], float(exact[i])) for i in order if exact[i] >= MIN_CLOSENESS]


def _directions(matrix: np.ndarray) -> np.ndarray:
    """The KEPT_DIMENSIONS directions that best preserve dot products between the vectors
    (right singular vectors of an uncentred sample), as a 384 x k float32 matrix."""
    rows = len(matrix)
    if rows <= SAMPLE_ROWS:
        sample = np.asarray(matrix, dtype=np.float32)
    else:
        picked = np.sort(np.random.default_rng(0).choice(rows, SAMPLE_ROWS, replace=False))
        sample = np.asarray(matrix[picked], dtype=np.float32)
    if not len(sample):
        return np.zeros((matrix.shape[1], KEPT_DIMENSIONS), dtype=np.float32)
    _, _, directions = np.linalg.svd(sample, full_matrices=False)
    return np.ascontiguousarray(directions[:KEPT_DIMENSIONS].T, dtype=np.float32)


def _top(scores: np.ndarray, count: int) -> np.ndarray:
    """Indices of the `count` highest scores (any order)."""
    if len(scores) <= count:
        return np.arange(len(scores))
    return np.argpartition(-scores, count)[:count]
