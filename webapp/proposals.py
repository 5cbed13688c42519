"""From a failed search to its fix: what would have answered a query that found nothing or whose
results nobody opened. Proposes a spelling target, synonyms from the site's own vocabulary (words
spelt nearly the same, words close in meaning), and a section to pin. Knows nothing of Flask.
"""
from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import asdict, dataclass, field

import numpy as np
from whoosh.query import Or, Term

from indexer.analysis import SynonymTable, analyze, is_acronym
from webapp import questions, understand
from webapp.index import Live
from webapp.present import page_title
from webapp.search import SearchService, SearchUnavailable

# Sections close in meaning to a query whose headings offer synonym candidates.
NEAREST_SECTIONS = 5
# Closeness (cosine) a heading word needs to a visitor's word to be proposed as its synonym.
MIN_WORD_CLOSENESS = 0.5
# Failed queries of each insights table given proposals (each costs a little model time).
PROPOSED_PER_TABLE = 10
# Shorter words are a letter or two from too many others ("fog", "fdg") for a useful proposal.
MIN_SPELT_ALIKE = 5
# Acronyms looked up in the site's own definitions: their length, and sections read for one.
MIN_ACRONYM, MAX_ACRONYM = 2, 6
DEFINITION_SECTIONS = 20
# Proposals kept per process (a few hundred bytes each).
MEMO_ENTRIES = 2000
_memo: OrderedDict[tuple, tuple[SynonymTable, Proposal]] = OrderedDict()
_memo_lock = threading.Lock()
# Unknown words per query given synonym proposals: a long question gets a few, not one each.
MAX_WORDS = 3


@dataclass
class SynonymIdea:
    """A site word proposed as a synonym for a visitor's word."""

    word: str
    target: str
    source: str  # "spelling" (spelt nearly the same), "meaning" (close in meaning) or "acronym"

    @property
    def rule(self) -> str:
        """The one-way Solr rule: searching `word` also searches `target`."""
        return f"{self.word} => {self.target}"

    def to_dict(self) -> dict:
        """JSON-ready form, with its rule."""
        return {**asdict(self), "rule": self.rule}


@dataclass
class Proposal:
    """What would have answered one query."""

    query: str
    spelling: str | None = None
    synonyms: list[SynonymIdea] = field(default_factory=list)
    pin: dict | None = None  # key, heading, page_title, source ("meaning" or "words")

    def to_dict(self) -> dict:
        """JSON-ready form."""
        return {"query": self.query, "spelling": self.spelling,
                "synonyms": [idea.to_dict() for idea in self.synonyms], "pin": self.pin}


def failed_queries(report: dict) -> list[str]:
    """The queries of an insights report worth a proposal: those with no results, then those
    whose results nobody opened (each once)."""
    rows = [*report["no_results"][:PROPOSED_PER_TABLE], *report["never_opened"][:PROPOSED_PER_TABLE]]
    return list(dict.fromkeys(row["query"] for row in rows))


def propose_all(service: SearchService, queries: list[str]) -> dict[str, dict]:
    """Query -> its proposal (JSON-ready); none while the index is unavailable."""
    try:
        return {query: propose(service, query).to_dict() for query in queries}
    except SearchUnavailable:
        return {}


def propose(service: SearchService, query: str) -> Proposal:
    """The fixes to offer for one query (the live index, read under the search lock); kept
    until the index or the synonyms change, as each costs the model some tenths of a second."""
    with service.index.lock:
        live, synonyms = service.index.current(), service.synonyms
        key = (live.name, id(synonyms), query)
        with _memo_lock:
            kept = _memo.get(key)
        if kept is not None and kept[0] is synonyms:  # the very table, not one at a reused address
            return kept[1]
        proposal = _propose(live, synonyms, query)
        with _memo_lock:
            _memo[key] = (synonyms, proposal)
            while len(_memo) > MEMO_ENTRIES:
                _memo.popitem(last=False)
        return proposal


def _propose(live: Live, synonyms: SynonymTable, query: str) -> Proposal:
    """What would have answered the query."""
    proposal = Proposal(query=query, spelling=spelling_target(query, synonyms, live))
    proposal.synonyms = acronym_ideas(query, synonyms, live)
    nearest = nearest_by_meaning(live, query, NEAREST_SECTIONS)
    for word in unknown_words(query, synonyms, live)[:MAX_WORDS]:
        proposal.synonyms += synonym_ideas(word, live, nearest)
    targets = " ".join(idea.target for idea in proposal.synonyms)
    proposal.pin = _pin(nearest[0], "meaning") if nearest else loosened_top(live, f"{query} {targets}")
    return proposal


def spelling_target(query: str, synonyms: SynonymTable, live: Live) -> str | None:
    """The query with its misspelt words replaced by the site's words, or None if none are."""
    fixes = understand.corrections(query, synonyms, live)
    if not fixes:
        return None
    return " ".join(fixes.get(token, token) for token in query.split())


def unknown_words(query: str, synonyms: SynonymTable, live: Live) -> list[str]:
    """The query's words the site never uses and no synonym covers (question words left out)."""
    words = []
    for token in query.split():
        word = questions.plain_word(token)
        terms = tuple(analyze(word))
        if len(word) < 3 or not terms or questions.is_question_word(word):
            continue
        if live.spelling.knows(word) or synonyms.variants(terms) or word in words or _indexed(terms, live):
            continue
        words.append(word)
    return words


def _indexed(terms: tuple[str, ...], live: Live) -> bool:
    """True when the index already holds every analysed term ("credits" where the site writes "credit")."""
    reader = live.searcher.reader()
    return all(("body", term) in reader for term in terms)


def synonym_ideas(word: str, live: Live, nearest: list[dict]) -> list[SynonymIdea]:
    """Site words for an unknown word: the nearest spelling, and the heading word nearest in meaning."""
    spelt_alike = live.spelling.near(word, limit=1) if len(word) >= MIN_SPELT_ALIKE else []
    ideas = [SynonymIdea(word, target, "spelling") for target in spelt_alike]
    close = closest_in_meaning(live, word, _heading_words(nearest, word))
    if close and all(idea.target != close for idea in ideas):
        ideas.append(SynonymIdea(word, close, "meaning"))
    return ideas


def acronym_ideas(query: str, synonyms: SynonymTable, live: Live) -> list[SynonymIdea]:
    """For each acronym in the query that no synonym covers, the long form the site spells it
    out as, "irritable bowel syndrome (IBS)" (typed in any case: visitors write "ibs")."""
    ideas = []
    for token in query.split():
        word = token.strip(".,;:!?()\"'’")
        acronym = word.upper()
        if not (MIN_ACRONYM <= len(word) <= MAX_ACRONYM and word.isalnum() and is_acronym(acronym)):
            continue
        if synonyms.variants(tuple(analyze(word))):
            continue
        long_form = site_definition(live, acronym)
        if long_form:
            ideas.append(SynonymIdea(acronym, long_form, "acronym"))
    return ideas


def site_definition(live: Live, acronym: str) -> str | None:
    """The words the site writes before "(ACRONYM)" and abbreviates by it, or None."""
    most = MAX_ACRONYM + 2  # words before the brackets: "of", "and" may come between the letters' words
    pattern = re.compile(rf"((?:[^\W\d_][\w-]*\s+){{1,{most}}})\({re.escape(acronym)}s?\)")
    for hit in live.searcher.search(Term("acronyms", acronym), limit=DEFINITION_SECTIONS):
        for match in pattern.finditer(hit["body"]):
            long_form = _abbreviated(match.group(1).split(), acronym)
            if long_form:
                return long_form
    return None


def _abbreviated(words: list[str], acronym: str) -> str | None:
    """The fewest last words that the acronym abbreviates: starting with its first letter and
    holding all its letters in order ("multidisciplinary team" for MDT)."""
    for count in range(1, len(words) + 1):
        phrase = words[-count:]
        letters = iter("".join(phrase).lower())
        if phrase[0][0].lower() == acronym[0].lower() and all(ch in letters for ch in acronym.lower()):
            return " ".join(phrase)
    return None


def nearest_by_meaning(live: Live, text: str, count: int) -> list[dict]:
    """Stored fields of the sections closest in meaning to the text (none without vectors)."""
    if live.vectors is None or live.encoder is None or not live.vectors.sections:
        return []
    every_row = np.arange(len(live.vectors.row_keys))
    keys, closeness = live.vectors.best_windows(every_row, live.encoder.encode([text])[0])
    best = np.argsort(-closeness)[:count]
    found = (live.searcher.document(key=keys[i]) for i in best)
    return [fields for fields in found if fields is not None]


def closest_in_meaning(live: Live, word: str, candidates: list[str]) -> str | None:
    """The candidate word closest in meaning to `word`, if close enough (None without vectors)."""
    if live.encoder is None or not candidates:
        return None
    vectors = live.encoder.encode([word, *candidates])
    closeness = vectors[1:] @ vectors[0]
    best = int(np.argmax(closeness))
    return candidates[best] if closeness[best] >= MIN_WORD_CLOSENESS else None


def loosened_top(live: Live, text: str) -> dict | None:
    """The best section containing any of the text's words (the pin proposal without vectors)."""
    terms = analyze(text)
    if not terms:
        return None
    hits = live.searcher.search(Or([Term("body", term) for term in terms]), limit=1)
    return _pin(hits[0].fields(), "words") if len(hits) else None


def _heading_words(sections: list[dict], word: str) -> list[str]:
    """Distinct content words of the sections' page titles and headings, not the word itself."""
    found: dict[str, None] = {}
    for fields in sections:
        for token in f"{page_title(fields)} {fields['display_heading']}".split():
            candidate = questions.plain_word(token)
            if len(candidate) > 2 and analyze(candidate) and candidate != word \
                    and not questions.is_question_word(candidate):
                found.setdefault(candidate, None)
    return list(found)


def _pin(fields: dict, source: str) -> dict:
    return {"key": fields["key"], "path": fields["path"], "anchor": fields["anchor"], "url": fields["url"],
            "heading": fields["display_heading"], "page_title": page_title(fields), "topic": fields["topic"],
            "source": source}
