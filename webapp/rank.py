"""Candidates -> scored sections: page score, coverage of the question, kind asked for, meaning."""
from __future__ import annotations

from concurrent.futures import Future

import numpy as np
from whoosh.searching import Searcher

from webapp.candidates import Candidate
from webapp.index import Live
from webapp.query import Concept
from webapp.understand import Query

# Score multipliers applied after BM25F. A section of the kind a question asks for (symptoms
# for "what are the signs...") beats a passing mention; intent words alone are only a hint.
KIND_BONUS = 1.0
PAGE_WEIGHT = 0.5
# Weight of closeness in meaning (cosine of question and passage vectors, about 0.1 to 0.8)
# against the word-match score scaled so the best candidate has 1.
SEMANTIC_WEIGHT = 2.0

Scored = tuple[float, Candidate]


def rank(candidates: list[Candidate], query: Query, live: Live,
         question_vector: Future | None = None) -> list[Scored]:
    """Two-level passage ranking: how well the section's page matches (its best section's
    BM25F) plus the section's own match, scaled by how much of the question the section
    covers; then a bonus for sections of the kind the question asks, then meaning (the question's
    vector, when given, is being computed while the words were searched)."""
    page_best: dict[str, float] = {}
    for c in candidates:
        page_best[c.path] = max(page_best.get(c.path, 0.0), c.score)
    concepts = query.parsed.concepts
    weights = concept_weights(live.searcher, concepts)
    ranked = []
    for c in candidates:
        score = PAGE_WEIGHT * page_best[c.path] + c.score
        score *= coverage(c.matched, concepts, weights)
        bonus = 1.0 + (KIND_BONUS if c.kind in query.question.kinds else 0.0)
        ranked.append((score * bonus, c))
    ranked = _with_meaning(ranked, query.question.text, live, question_vector)
    ranked.sort(key=lambda pair: (-pair[0], pair[1].key))
    return ranked


def concept_weights(searcher: Searcher, concepts: list[Concept]) -> list[float]:
    """How much each concept says: the inverse document frequency of its rarest term."""
    return [max((searcher.idf("body", t) for t in c.terms), default=0.0) for c in concepts]


def coverage(matched: frozenset[str], concepts: list[Concept], weights: list[float]) -> float:
    """The share of the question a section covers, weighted by how much each concept says.

    Questions never need every word, but of two sections the one that matches "liver" and
    "transplant" should beat one that repeats "liver" often: BM25 alone lets repetition of one
    word outweigh the others' absence (the coordination factor of classic search engines)."""
    total = sum(weights)
    if not total:
        return 1.0
    found = sum(w for c, w in zip(concepts, weights, strict=True) if c.terms & matched)
    return found / total


def _with_meaning(ranked: list[Scored], text: str, live: Live, pending: Future | None) -> list[Scored]:
    """Add each candidate's closeness in meaning to the question to its word-match score
    (scaled so the best is 1): a passage that says what the caller means in other words
    ("the runs" and diarrhoea) overtakes one that merely repeats the caller's words."""
    if live.vectors is None or not ranked:
        return ranked
    best = max(score for score, _ in ranked) or 1.0
    rows = live.vectors.rows([c.key for _, c in ranked])
    question = (pending.result() if pending is not None else live.encoder.encode([text]))[0]
    closeness = np.where(rows >= 0, live.vectors.matrix[rows] @ question, 0.0)
    return [(score / best + SEMANTIC_WEIGHT * float(near), c)
            for (score, c), near in zip(ranked, closeness, strict=True)]
