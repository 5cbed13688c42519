"""Query -> a bounded set of candidate sections, found by their words (Whoosh)."""
from __future__ import annotations

from dataclasses import dataclass

from whoosh import query as q
from whoosh.searching import Searcher

from webapp.query import ParsedQuery, build_query

# How many sections are ranked before grouping: far more than a results page shows.
CANDIDATES = 400


@dataclass
class Candidate:
    """A section that may answer: its word-match score, the terms it matched, its stored fields."""

    docnum: int
    score: float
    matched: frozenset[str]
    fields: dict


def topic_filter(topic: str) -> q.Query | None:
    """Restrict a search to one topic (none when no topic is asked for)."""
    return q.Term("topic", topic) if topic else None


def by_words(searcher: Searcher, parsed: ParsedQuery, topic: str) -> list[Candidate]:
    """The best-matching sections by BM25F, with the terms each matched."""
    results = searcher.search(build_query(parsed), limit=CANDIDATES, filter=topic_filter(topic),
                              optimize=False, terms=True)
    return [Candidate(hit.docnum, hit.score, _matched_terms(hit), hit.fields()) for hit in results]


def any_match(searcher: Searcher, parsed: ParsedQuery, topic: str) -> bool:
    """True when the query finds at least one section."""
    if not parsed.searchable:
        return False
    return not searcher.search(build_query(parsed), limit=1, filter=topic_filter(topic),
                               optimize=False).is_empty()


def _matched_terms(hit) -> frozenset[str]:
    """The analysed terms a hit matched, in any field."""
    return frozenset(t.decode("utf-8") if isinstance(t, bytes) else t for _, t in hit.matched_terms())
