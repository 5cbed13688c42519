"""Typed text -> a Query: framing words dropped, intent read, synonyms expanded, spelling corrected.

Reads the live generation's vocabulary (to tell a misspelling from a word the site uses) but
never searches it.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from wordfreq import zipf_frequency

from indexer.analysis import SynonymTable, american_spelling, analyze, make_variant
from webapp import questions
from webapp.index import Live
from webapp.query import Concept, ParsedQuery, parse_query, query_terms

MAX_QUERY_CHARS = 1000
INTENT_WORD_WEIGHT = 0.3
# Words at least this common in English (Zipf scale: 2 is about once per ten million words)
# are never "corrected" to a site word.
COMMON_WORD_ZIPF = 2.0


@dataclass
class Query:
    """What a visitor asked, understood: the question, its concepts, and any spelling fixes."""

    text: str
    question: questions.Question
    parsed: ParsedQuery
    # the same query without spelling corrections (set only when some word was corrected)
    as_typed: ParsedQuery | None = None
    did_you_mean: str | None = None

    @property
    def searchable(self) -> bool:
        """False when nothing is left to search for."""
        return self.parsed.searchable

    @property
    def highlight(self) -> dict[str, bool]:
        """Analysed terms to highlight -> whether they must be written as an acronym."""
        return query_terms(self.parsed)


def normalise(text: str) -> str:
    """Whitespace collapsed and length capped: the text every stage (and the cache) sees."""
    return " ".join(text.split())[:MAX_QUERY_CHARS]


def understand(text: str, synonyms: SynonymTable, live: Live) -> Query:
    """Read normalised text into a Query."""
    question = questions.understand(text)
    parsed = parse(question, synonyms, live)
    query = Query(text=text, question=question, parsed=parsed)
    if parsed.corrections:
        query.as_typed = parse(question, synonyms, live, use_corrections=False)
        query.did_you_mean = " ".join(_corrected(token, parsed.corrections) for token in text.split())
    return query


def parse(question: questions.Question, synonyms: SynonymTable, live: Live,
          use_corrections: bool = True) -> ParsedQuery:
    """Turn an understood question into concepts. Framing words are dropped; the intent's
    own vocabulary only raises matching sections, unless nothing else is left to search."""
    content = question.content
    parsed = parse_query(content, synonyms)
    if len(question.text.split()) > 2:
        # after synonym matching, so "the runs" and "being sick" keep their function words
        parsed.concepts = [c for c in parsed.concepts if not _is_framing(c)]
    if use_corrections:
        parsed.corrections = corrections(" ".join(c.typed for c in parsed.concepts), synonyms, live)
    parsed.concepts = [_with_correction(c, parsed.corrections.get(c.typed)) for c in parsed.concepts]
    intent = " ".join(w for w in question.intent_words if w.lower() not in content.lower())
    if intent:
        extra = parse_query(intent, synonyms).concepts
        if parsed.concepts:
            parsed.optional = [replace(c, weight=INTENT_WORD_WEIGHT) for c in extra]
        else:
            parsed.concepts = extra
    return parsed


def corrections(text: str, synonyms: SynonymTable, live: Live) -> dict[str, str]:
    """Typed word -> the site's word it most likely misspells ("octreatide" -> "octreotide"); the
    parts of a hyphenated name are corrected one by one ("Beckwith-Wieddeman")."""
    found = {}
    for word in text.split():
        parts = [questions.plain_word(part) for part in word.split("-")]
        fixed = [_correction(part, synonyms, live) or part for part in parts]
        if fixed != parts:
            found[word] = "-".join(fixed)
    return found


def _correction(word: str, synonyms: SynonymTable, live: Live) -> str | None:
    """The site's word a typed word (lower case letters) misspells, if it is no word we know. A
    word that only frames a question is no correction: "toxo" is not "too"."""
    if len(word) < 4 or not word.isalpha() or _known(word, synonyms, live):
        return None
    correction = live.spelling.correct(word)
    return None if correction is None or questions.is_question_word(correction) else correction


def _known(word: str, synonyms: SynonymTable, live: Live) -> bool:
    """In the site's vocabulary, a question word, a synonym, or an inflection of an indexed
    term ("tumours" when only "tumour" is written). A word the stemmer leaves unchanged
    ("neuroendocrin") is not vouched for by its stem."""
    terms = analyze(word)
    if not terms or live.spelling.knows(word) or questions.is_question_word(word):
        return True
    if zipf_frequency(word, "en") >= COMMON_WORD_ZIPF:
        return True  # a real English word the site does not use ("jabs", "kids") is no typo
    if synonyms.variants(tuple(terms)):
        return True
    stem = terms[0]
    return stem != american_spelling(word) and ("body", stem) in live.searcher.reader()


def _corrected(token: str, corrections: dict[str, str]) -> str:
    """One typed token with its word corrected, punctuation kept ("diarhea?" -> "diarrhoea?")."""
    word = token.strip(".,;:!?()\"'’")
    return token.replace(word, corrections[word]) if word in corrections else token


def _is_framing(concept: Concept) -> bool:
    """A lone question word ("my", "been", "really"): frames the question, says nothing of it.
    Words inside a synonym or a quoted phrase are kept."""
    return not (concept.phrase or concept.expanded) and questions.is_question_word(concept.typed)


def _with_correction(concept: Concept, correction: str | None) -> Concept:
    """A misspelt word is searched as typed and as the site's word it most likely means."""
    variant = make_variant(correction) if correction and not concept.phrase else None
    if variant is None or variant in concept.variants:
        return concept
    return replace(concept, variants=(*concept.variants, variant))
