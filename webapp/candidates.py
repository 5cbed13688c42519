"""Query -> a bounded set of candidate sections, each with its exact word-match score.

The full query (every concept, synonyms, phrases, acronym checks, exclusions: query.build_query)
is evaluated over posting arrays (evaluate.py) in two passes: roughly over every section, where
a phrase counts as all its words, to keep the best CANDIDATES; then exactly on those, where
phrases are checked in position and each candidate's matched terms are recorded for coverage.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np
from whoosh.searching import Searcher

from webapp.evaluate import Matches, evaluate
from webapp.index import Live
from webapp.query import ParsedQuery, build_query

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
    searcher: Searcher = field(repr=False, compare=False)

    @property
    def path(self) -> str:
        """The section's page."""
        return self.key.partition("#")[0]

    @cached_property
    def fields(self) -> dict:
        """Every stored field of the section."""
        return self.searcher.stored_fields(self.docnum)


def by_words(live: Live, parsed: ParsedQuery, topic: str, limit: int = CANDIDATES) -> list[Candidate]:
    """The best-matching sections, scored as Whoosh scores the full query."""
    exact = scored(live, parsed, topic, limit)
    matched = exact.matched_terms()
    keys = live.postings.keys()
    kinds, kind_names = live.postings.labels("kind")
    topics, topic_names = live.postings.labels("topic")
    return [Candidate(doc, score, matched[doc], keys[doc], _label(kind_names, kinds[doc]),
                      _label(topic_names, topics[doc]), live.searcher)
            for doc, score in zip(exact.docs.tolist(), exact.scores.tolist(), strict=True)]


def _label(names: list[str], code: int) -> str:
    return names[code] if code >= 0 else ""


def any_match(live: Live, parsed: ParsedQuery, topic: str) -> bool:
    """True when the query finds at least one section."""
    return parsed.searchable and bool(len(scored(live, parsed, topic, limit=10).docs))


def scored(live: Live, parsed: ParsedQuery, topic: str, limit: int) -> Matches:
    """The exact matches among the `limit` best rough matches (in a topic when one is given).

    The rough pass leaves out the question's intent words ("how long", "survive"): they only
    raise sections that match already, at a third of a word's weight, and as common words they
    were most of its time."""
    rough = evaluate(build_query(replace(parsed, optional=[])), live.postings)
    keep = live.postings.alive()[rough.docs]
    if topic:
        keep &= np.isin(rough.docs, live.postings.docs("topic", topic), assume_unique=True)
    kept = best(rough.docs[keep], rough.scores[keep], limit)
    return evaluate(build_query(parsed), live.postings, within=kept)


def best(docs: np.ndarray, scores: np.ndarray, limit: int) -> np.ndarray:
    """The sorted document numbers of the `limit` highest scores; ties go to earlier documents,
    as in Whoosh's collector, so the same search always keeps the same candidates."""
    if len(docs) <= limit:
        return docs
    threshold = np.partition(scores, len(scores) - limit)[len(scores) - limit]
    above = docs[scores > threshold]
    tied = docs[scores == threshold][:limit - len(above)]
    return np.sort(np.concatenate([above, tied]))
