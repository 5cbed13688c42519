"""Query -> a bounded set of candidate sections, each with its exact word-match score.

The full query (every concept, synonyms, phrases, acronym checks, exclusions: query.build_query)
is evaluated over posting arrays (evaluate.py) in two passes: roughly over every section, where
a phrase counts as all its words, to keep the best CANDIDATES; then exactly on those, where
phrases are checked in position and each candidate's matched terms are recorded for coverage.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np

from webapp.evaluate import Matches, evaluate
from webapp.index import Live
from webapp.postings import Postings
from webapp.query import ParsedQuery, build_query

# The sections closest in meaning to the question, (key, closeness), asked for once the words
# have been searched (the question's vector is computed meanwhile).
Nearby = Callable[[], list[tuple[str, float]]]

# How many sections the rough pass keeps for the full ranking. Its order lacks coverage, page
# score, kinds and meaning, so it needs room: on the project's questions 100 lost answers,
# 200 and 400 ranked exactly as ranking everything did.
CANDIDATES = 200


@dataclass
class Candidate:
    """A section that may answer: its word-match score, the terms it matched, what ranking needs
    to know of it; its stored fields (the text) are read only if it is shown."""

    docnum: int
    score: float
    matched: frozenset[str]
    key: str
    kind: str
    topic: str
    postings: Postings = field(repr=False, compare=False)

    @cached_property  # ranking asks for it many times
    def path(self) -> str:
        """The section's page."""
        return self.key.partition("#")[0]

    @cached_property
    def fields(self) -> dict:
        """Every stored field of the section."""
        return self.postings.stored(self.docnum)


def by_words(live: Live, parsed: ParsedQuery, topic: str, limit: int = CANDIDATES,
             nearby: Nearby | None = None) -> list[Candidate]:
    """The best-matching sections, scored as Whoosh scores the full query; with `nearby`, also
    the sections closest in meaning to the question, whatever words they share with it (their
    word score may be 0). A question whose words match nothing gets nothing from meaning
    either: "nothing found" stays the answer to words the site does not use."""
    found = rough(live, parsed, topic, limit)
    query = build_query(parsed)
    exact = [evaluate(query, live.postings, within=found)]
    # the sections close in meaning are asked for only now: the question's vector has been
    # computed while the words were searched, and each section's exact score is its own
    close = _nearby_docs(live, nearby(), topic) if nearby is not None and len(found) else found[:0]
    added = np.setdiff1d(close, found, assume_unique=True)
    if len(added):
        exact.append(evaluate(query, live.postings, within=added))
    matched = {doc: terms for part in exact for doc, terms in part.matched_terms().items()}
    scores = {doc: score for part in exact for doc, score in zip(part.docs.tolist(), part.scores.tolist(),
                                                                  strict=True)}
    scores.update((doc, 0.0) for doc in added.tolist() if doc not in scores)
    keys = live.postings.keys()
    kinds, kind_names = live.postings.labels("kind")
    topics, topic_names = live.postings.labels("topic")
    return [Candidate(doc, score, matched.get(doc, frozenset()), keys[doc], _label(kind_names, kinds[doc]),
                      _label(topic_names, topics[doc]), live.postings)
            for doc, score in scores.items()]


def _label(names: list[str], code: int) -> str:
    return names[code] if code >= 0 else ""


def any_match(live: Live, parsed: ParsedQuery, topic: str) -> bool:
    """True when the query finds at least one section."""
    return parsed.searchable and bool(len(scored(live, parsed, topic, limit=10).docs))


def scored(live: Live, parsed: ParsedQuery, topic: str, limit: int) -> Matches:
    """The exact matches among the `limit` best rough matches (in a topic when one is given)."""
    return evaluate(build_query(parsed), live.postings, within=rough(live, parsed, topic, limit))


def rough(live: Live, parsed: ParsedQuery, topic: str, limit: int) -> np.ndarray:
    """The sorted document numbers of the `limit` best rough matches (in the topic, if any).

    The rough pass leaves out the question's intent words ("how long", "survive"): they only
    raise sections that match already, at a third of a word's weight, and as common words they
    were most of its time."""
    found = evaluate(build_query(replace(parsed, optional=[])), live.postings)
    keep = _allowed(live, found.docs, topic)
    return best(found.docs[keep], found.scores[keep], limit)


def _allowed(live: Live, docs: np.ndarray, topic: str) -> np.ndarray:
    """Which of the sorted `docs` are live sections in the topic (any topic when none is given)."""
    keep = live.postings.alive()[docs]
    if topic:
        keep &= np.isin(docs, live.postings.docs("topic", topic), assume_unique=True)
    return keep


def _nearby_docs(live: Live, nearest: list[tuple[str, float]], topic: str) -> np.ndarray:
    """Document numbers of the sections closest in meaning (live, in the topic)."""
    docs = [live.searcher.document_number(key=key) for key, _ in nearest]
    found = np.unique(np.array([d for d in docs if d is not None], dtype=np.int64))
    return found[_allowed(live, found, topic)]


def best(docs: np.ndarray, scores: np.ndarray, limit: int) -> np.ndarray:
    """The sorted document numbers of the `limit` highest scores; ties go to earlier documents,
    as in Whoosh's collector, so the same search always keeps the same candidates."""
    if len(docs) <= limit:
        return docs
    threshold = np.partition(scores, len(scores) - limit)[len(scores) - limit]
    above = docs[scores > threshold]
    tied = docs[scores == threshold][:limit - len(above)]
    return np.sort(np.concatenate([above, tied]))
