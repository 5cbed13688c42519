"""Query -> a bounded set of candidate sections: found cheaply by their words, then scored exactly.

Finding and scoring are two steps so that Whoosh can skip whole blocks of postings while
finding (`optimize=True`, block-max pruning): the finding query is a plain disjunction of the
question's most informative concepts, acronyms matched through their own field. The full query
(every concept, synonyms, phrases, acronym checks, exclusions) is then evaluated only on the
candidates, by moving its matcher straight to each of them.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from whoosh import collectors
from whoosh import query as q
from whoosh.collectors import TimeLimit
from whoosh.searching import Searcher

from indexer.analysis import Variant, acronym_form
from indexer.schema import FIELD_BOOSTS
from webapp.query import Concept, ParsedQuery, build_query

# How many sections the finding query keeps for the full ranking. Its order lacks coverage,
# page score and kinds, so it needs room: on the project's questions 100 lost answers (words
# only MRR@10 0.761), 200 and 400 ranked exactly as searching everything (0.785).
CANDIDATES = 200
# How many concepts (the rarest, by idf) the finding query looks for; the others still count
# in the full score of every candidate. Caller questions have 8-15 words; most say little
# (6 and 8 ranked the project's questions as all concepts did).
FIND_CONCEPTS = 8
# A concept found in more than this share of sections ("cancer" on a cancer charity's site)
# can be left out of the finding query when a rarer one is asked for: its postings are most of
# the walk and it tells candidates apart least (it still counts in the full score). At 0.1 the
# median at 10,000 pages fell fourfold but project MRR@10 fell to 0.850, so it is off (1.0).
COMMON_SHARE = 1.0
# The finding walk's time budget per search. Past it the candidates found so far are ranked:
# a question whose words are on most of a large site gets a good answer in bounded time rather
# than the best one seconds later (the walk is most of a search's time at 80,000 sections).
FIND_SECONDS = 0.5

log = logging.getLogger(__name__)


@dataclass
class Candidate:
    """A section that may answer: its word-match score, the terms it matched, its stored fields."""

    docnum: int
    score: float
    matched: frozenset[str]
    fields: dict


Scores = dict[int, tuple[float, frozenset[str]]]


def topic_filter(topic: str) -> q.Query | None:
    """Restrict a search to one topic (none when no topic is asked for)."""
    return q.Term("topic", topic) if topic else None


def by_words(searcher: Searcher, parsed: ParsedQuery, topic: str, limit: int = CANDIDATES) -> list[Candidate]:
    """The best-matching sections: found by the finding query, scored by the full one."""
    return [Candidate(docnum, score, matched, searcher.stored_fields(docnum))
            for docnum, (score, matched) in _scored(searcher, parsed, topic, limit).items()]


def any_match(searcher: Searcher, parsed: ParsedQuery, topic: str) -> bool:
    """True when the query finds at least one section."""
    return parsed.searchable and bool(_scored(searcher, parsed, topic, CANDIDATES))


def _scored(searcher: Searcher, parsed: ParsedQuery, topic: str, limit: int) -> Scores:
    found = find(searcher, finding_query(searcher, parsed), limit, topic)
    return score_exactly(searcher, build_query(parsed), found)


def find(searcher: Searcher, query: q.Query, limit: int, topic: str,
         seconds: float | None = None) -> list[int]:
    """Document numbers of the best `limit` matches of the finding query, in order, within the
    time budget (FIND_SECONDS); a walk cut short keeps what it had found."""
    top = searcher.collector(limit=limit, optimize=True)
    budget = _Budget(top, timelimit=FIND_SECONDS if seconds is None else seconds)
    flt = topic_filter(topic)
    outer = collectors.FilterCollector(budget, flt, None) if flt is not None else budget
    try:
        searcher.search_with_collector(query, outer)
    except TimeLimit:
        log.info("finding walk cut at its time budget with %d candidates", len(top.items))
    finally:
        budget.finish_timer()
    return sorted(hit.docnum for hit in top.results())


class _Budget(collectors.TimeLimitCollector):
    """Whoosh's time-limited collector, also when a topic filter feeds it documents one by one
    (its own check runs only in the loop a filter replaces), and with a timer thread rather than
    SIGALRM, which belongs to the server and the tests."""

    def __init__(self, child: collectors.Collector, timelimit: float) -> None:
        super().__init__(child, timelimit, use_alarm=False)

    def collect(self, sub_docnum: int) -> float:
        if self.timedout:
            raise TimeLimit
        return self.child.collect(sub_docnum)

    def finish_timer(self) -> None:
        """Stop the timer thread (a walk that raised never reaches finish())."""
        if self.timer:
            self.timer.cancel()
        self.timer = None


def finding_query(searcher: Searcher, parsed: ParsedQuery) -> q.Query:
    """Any of the most informative concepts, over every field; exclusions remove. Intent words
    are left to the full score: Whoosh's AndMaybe cannot skip blocks, so with them the finding
    query walked every posting of "cancer" (seconds at 80,000 sections)."""
    ranked = sorted(parsed.concepts, key=lambda c: -_informative(searcher, c))
    share = COMMON_SHARE * searcher.doc_count_all()
    rare = [c for c in ranked if 0 < _frequency(searcher, c) <= share]
    query: q.Query = q.Or([_concept(c) for c in (rare or ranked)[:FIND_CONCEPTS]])
    if parsed.excluded:
        query = q.AndNot(query, q.Or([_exact(v) for v in parsed.excluded]))
    return query


def score_exactly(searcher: Searcher, query: q.Query, docnums: list[int]) -> Scores:
    """docnum -> (the full query's score, the terms it matched), for the sorted docnums it matches.

    The full query's matcher jumps from candidate to candidate (skip_to), so only the blocks
    holding candidates are read: the cost follows the candidates, not the collection."""
    context = searcher.context(needs_current=True)
    scored: Scores = {}
    for sub, offset in searcher.leaf_searchers():
        matcher = query.matcher(sub, context)
        end = offset + sub.doc_count_all()
        for docnum in (d for d in docnums if offset <= d < end):
            local = docnum - offset
            if matcher.is_active() and matcher.id() < local:
                matcher.skip_to(local)
            if not matcher.is_active():
                break
            if matcher.id() == local:
                scored[docnum] = (matcher.score(), _terms(matcher.matching_terms(local)))
    return scored


def _informative(searcher: Searcher, concept: Concept) -> float:
    return max((searcher.idf("body", t) for t in concept.terms), default=0.0) * concept.weight


def _frequency(searcher: Searcher, concept: Concept) -> int:
    """Sections whose text has the concept's most frequent term (0: not on the site)."""
    return max((searcher.doc_frequency("body", t) for t in concept.terms), default=0)


def _concept(concept: Concept) -> q.Query:
    return q.Or([_loose(v, concept.weight) for v in concept.variants])


def _loose(variant: Variant, weight: float) -> q.Query:
    """One way of saying a concept, matched loosely: an acronym in the acronym field, a phrase
    as all of its words (the full query checks the order)."""
    if variant.acronym:
        return q.Term("acronyms", acronym_form(variant.surface), boost=weight)
    return q.Or([_all_words(name, variant.terms, boost * weight) for name, boost in FIELD_BOOSTS.items()])


def _all_words(field: str, terms: tuple[str, ...], boost: float) -> q.Query:
    if len(terms) == 1:
        return q.Term(field, terms[0], boost=boost)
    return q.And([q.Term(field, t) for t in terms], boost=boost)


def _exact(variant: Variant) -> q.Query:
    """An excluded word or phrase, matched as written in any field."""
    if len(variant.terms) == 1:
        return q.Or([q.Term(name, variant.terms[0]) for name in FIELD_BOOSTS])
    return q.Or([q.Phrase(name, list(variant.terms)) for name in FIELD_BOOSTS])


def _terms(pairs) -> frozenset[str]:
    """The analysed terms matched, in any field."""
    return frozenset(t.decode("utf-8") if isinstance(t, bytes) else t for _, t in pairs)
