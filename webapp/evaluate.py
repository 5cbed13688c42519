"""A Whoosh query evaluated over posting arrays: Whoosh's matches and scores, a list at a time.

The search service builds one Whoosh query (query.build_query) and has it evaluated twice here:
roughly over every section, where a phrase counts as all of its words, to pick the candidates;
then exactly on the candidates, where phrases are checked word by word in position and the terms
each candidate matched are recorded. The exact pass gives the scores Whoosh's own matchers
give (a test holds them equal); the rough one costs a few vector operations per term instead of
a Python step per posting.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from whoosh import query as q

from webapp.postings import Postings

# A union of posting lists longer than this share of the collection is summed in a dense array
# (one pass, no sort); shorter ones are merged by sorting.
DENSE_SHARE = 1 / 16

Hits = list[tuple[str, np.ndarray]]


@dataclass
class Matches:
    """Matching documents (sorted), their scores, and in an exact pass which term matched where."""

    docs: np.ndarray
    scores: np.ndarray
    hits: Hits = field(default_factory=list)

    def matched_terms(self) -> dict[int, frozenset[str]]:
        """Document -> the analysed terms it matched, in any field (exact passes only)."""
        terms: dict[int, set[str]] = {int(doc): set() for doc in self.docs}
        for term, docs in self.hits:
            for doc in docs.tolist():
                terms[doc].add(term)
        return {doc: frozenset(found) for doc, found in terms.items()}


def evaluate(query: q.Query, postings: Postings, within: np.ndarray | None = None) -> Matches:
    """The documents a query matches with their scores. Rough over every document when `within`
    is None; exact, with matched terms, on the sorted document numbers `within` otherwise."""
    return _Evaluation(postings, within).run(query)


class _Evaluation:
    def __init__(self, postings: Postings, within: np.ndarray | None) -> None:
        self.postings = postings
        self.within = within

    @property
    def exact(self) -> bool:
        return self.within is not None

    def run(self, node: q.Query) -> Matches:
        handler = _HANDLERS.get(type(node))
        if handler is None:
            raise TypeError(f"no array evaluation for {type(node).__name__} queries")
        found = handler(self, node)
        if node.boost != 1.0 and not isinstance(node, q.Term | q.Phrase):
            found.scores = found.scores * node.boost
        return found

    def term(self, node: q.Term) -> Matches:
        # restricted first: an exact pass then scales a few hundred scores, not a whole list
        docs, scores = self._restricted(*self.postings.bm25(node.fieldname, node.text))
        if node.boost != 1.0:
            scores = scores * node.boost
        return Matches(docs, scores, [(node.text, docs)] if self.exact else [])

    def phrase(self, node: q.Phrase) -> Matches:
        words = [Matches(*self._restricted(*self.postings.bm25(node.fieldname, w))) for w in node.words]
        together = _intersection(words)
        if self.exact and len(together.docs):
            kept = self.postings.phrase_docs(node.fieldname, node.words, together.docs)
            together = _subset(together, kept)
        together.scores = together.scores * node.boost
        if self.exact:
            together.hits = [(w, together.docs) for w in node.words]
        return together

    def union(self, node: q.Or) -> Matches:
        # an Or of Ors is one sum: summing every leaf in one pass spares an array the size of
        # the collection per nested Or (a caller's question nests about 25)
        parts = []
        for child, boost in _disjuncts(node):
            found = self.run(child)
            if boost != 1.0:
                found.scores = found.scores * boost
            parts.append(found)
        return _union(parts, self.postings.doc_count)

    def intersection(self, node: q.And) -> Matches:
        return _intersection([self.run(child) for child in node.subqueries])

    def require(self, node: q.Require) -> Matches:
        scored, needed = self.run(node.a), self.run(node.b)
        kept = _subset(scored, needed.docs)
        kept.hits += _hits_within(needed.hits, kept.docs)
        return kept

    def and_maybe(self, node: q.AndMaybe) -> Matches:
        required, optional = self.run(node.a), self.run(node.b)
        extra = _subset(optional, required.docs)
        scores = required.scores.copy()
        scores[np.searchsorted(required.docs, extra.docs)] += extra.scores
        return Matches(required.docs, scores, required.hits + extra.hits)

    def and_not(self, node: q.AndNot) -> Matches:
        kept = self.run(node.a)
        # what to exclude is always judged exactly (a phrase by position), on what would be kept
        excluded = _Evaluation(self.postings, kept.docs).run(node.b)
        survivors = kept.docs[~np.isin(kept.docs, excluded.docs, assume_unique=True)]
        return _subset(kept, survivors)

    def _restricted(self, docs: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self.within is None or not len(docs):
            return docs, scores
        at = np.minimum(np.searchsorted(docs, self.within), len(docs) - 1)
        found = docs[at] == self.within
        return self.within[found], scores[at[found]]


_HANDLERS = {
    q.Term: _Evaluation.term,
    q.Phrase: _Evaluation.phrase,
    q.Or: _Evaluation.union,
    q.And: _Evaluation.intersection,
    q.Require: _Evaluation.require,
    q.AndMaybe: _Evaluation.and_maybe,
    q.AndNot: _Evaluation.and_not,
}


def _disjuncts(node: q.Or, boost: float = 1.0) -> list[tuple[q.Query, float]]:
    """The non-Or queries under nested Ors, each with the product of the boosts above it
    (the node's own boost is applied by run())."""
    found = []
    for child in node.subqueries:
        if type(child) is q.Or:
            found += _disjuncts(child, boost * child.boost)
        else:
            found.append((child, boost))
    return found


def _union(parts: list[Matches], doc_count: int) -> Matches:
    """Every document any part matches, scored by the sum of the parts (Whoosh's Or)."""
    parts = [p for p in parts if len(p.docs)]
    hits = [hit for p in parts for hit in p.hits]
    if len(parts) <= 1:
        return parts[0] if parts else Matches(np.zeros(0, dtype=np.int64), np.zeros(0), hits)
    total = sum(len(p.docs) for p in parts)
    if total > DENSE_SHARE * doc_count:
        sums = np.zeros(doc_count)
        seen = np.zeros(doc_count, dtype=bool)
        for p in parts:
            sums[p.docs] += p.scores  # a part's documents are distinct, so += adds each once
            seen[p.docs] = True
        docs = np.flatnonzero(seen)
        return Matches(docs, sums[docs], hits)
    docs, inverse = np.unique(np.concatenate([p.docs for p in parts]), return_inverse=True)
    scores = np.bincount(inverse, weights=np.concatenate([p.scores for p in parts]), minlength=len(docs))
    return Matches(docs, scores, hits)


def _intersection(parts: list[Matches]) -> Matches:
    """Documents every part matches, scored by the sum of the parts (Whoosh's And)."""
    if not parts:
        return Matches(np.zeros(0, dtype=np.int64), np.zeros(0))
    docs = parts[0].docs
    for p in parts[1:]:
        docs = np.intersect1d(docs, p.docs, assume_unique=True)
    scores = np.zeros(len(docs))
    for p in parts:
        scores += p.scores[np.searchsorted(p.docs, docs)]
    return Matches(docs, scores, _hits_within([h for p in parts for h in p.hits], docs))


def _subset(found: Matches, docs: np.ndarray) -> Matches:
    """Only the documents of `found` that are also in the sorted `docs`."""
    keep = np.isin(found.docs, docs, assume_unique=True)
    kept = found.docs[keep]
    return Matches(kept, found.scores[keep], _hits_within(found.hits, kept))


def _hits_within(hits: Hits, docs: np.ndarray) -> Hits:
    return [(term, d[np.isin(d, docs, assume_unique=True)]) for term, d in hits]
