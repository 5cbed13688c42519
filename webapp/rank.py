"""Candidates -> scored sections: page score, coverage of the question, kind asked for, meaning,
section shape (near-empty, summary) and how exactly the question names the page."""
from __future__ import annotations

from concurrent.futures import Future
from functools import lru_cache

from whoosh.searching import Searcher

from indexer.analysis import analyze
from webapp import questions
from webapp.candidates import Candidate
from webapp.display import page_title
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
# A page's introduction of fewer words than this (the text before the first h2 is the h1 and a
# line) cannot answer anything, yet it matches the page's name better than the real sections
# do (the name is most of its text), so it would stand in for them. Scaled far down, it is shown
# only when nothing else of its page matched. Short sections under their own headings keep
# their place: a one-line answer under "Is it catching?" is still an answer.
THIN_INTRO_TERMS = 8
THIN_INTRO_FACTOR = 0.1
# A page's summary (key points, one line per aspect) touches every question a little and
# answers none fully: it yields to the page's section on the aspect asked about.
SUMMARY_FACTOR = 0.3
# A question that names a page's subject exactly ("Hodgkin lymphoma") prefers that page to
# siblings whose names add words it lacks ("non-Hodgkin lymphoma"): a page loses as much as the
# question says less of its name than of a sibling's. Only the best pages are looked at (their
# names are read from the stored fields): further down, the order matters to nobody.
NAME_WEIGHT = 0.2
NAMED_PAGES = 30

Scored = tuple[float, Candidate]


def rank(candidates: list[Candidate], query: Query, live: Live,
         question_vector: Future | None = None) -> list[Scored]:
    """Two-level passage ranking: how well the section's page matches (its best section's
    BM25F) plus the section's own match, scaled by how much of the question the section
    covers; then a bonus for sections of the kind the question asks, then meaning (the question's
    vector, when given, is being computed while the words were searched); near-empty sections
    and summaries give way to the sections that answer, and a page the question names less
    exactly than a sibling page gives way to it."""
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
    ranked = _with_section_shape(ranked, live)
    ranked.sort(key=lambda pair: (-pair[0], pair[1].key))
    ranked = _with_page_names(ranked, asked_terms(concepts))
    ranked.sort(key=lambda pair: (-pair[0], pair[1].key))
    return ranked


def shape_factor(kind: str, body_terms: float, introduction: bool) -> float:
    """How far a section's shape lets it stand for its page: a near-empty introduction hardly
    at all, a summary less than a section on one aspect, every other section fully."""
    if introduction and body_terms < THIN_INTRO_TERMS:
        return THIN_INTRO_FACTOR
    return SUMMARY_FACTOR if kind == "summary" else 1.0


def _with_section_shape(ranked: list[Scored], live: Live) -> list[Scored]:
    """Each section's score times its shape factor (an introduction has no heading of its own:
    the index leaves its heading field empty, as the h1 is in the title)."""
    body, heading = live.postings.lengths("body"), live.postings.lengths("heading")
    return [(score * shape_factor(c.kind, body[c.docnum], heading[c.docnum] == 0), c)
            for score, c in ranked]


def asked_terms(concepts: list[Concept]) -> frozenset[str]:
    """Every analysed term the question asks for, in any of the ways of saying it."""
    return frozenset(t for c in concepts for t in c.terms)


@lru_cache(maxsize=16384)  # the same pages' names come back search after search
def name_terms(name: str) -> frozenset[str]:
    """The analysed words of a page's name that say what it is about ("What I need to know
    about hepatitis C" -> hepatitis)."""
    return frozenset(t for word in name.split() if not questions.is_question_word(word)
                     for t in analyze(word))


def name_fit(name: frozenset[str], asked: frozenset[str]) -> float:
    """How exactly the question names a page: the asked words of a family of page names it
    shares, over those and the page's own (1 when it says the page's name and no sibling's
    qualifier; less for each word of the name it lacks, "uveal" of "uveal melanoma", and for
    each sibling's word it says, "non" of "non-Hodgkin"). 0 when they share no word."""
    return len(name & asked) / len(name | asked) if name else 0.0


def _with_page_names(ranked: list[Scored], asked: frozenset[str]) -> list[Scored]:
    """Lower each of the best pages by how much less of its name the question says than of its
    siblings' names (pages whose names share a word the question asks; ranked: best first)."""
    names: dict[str, frozenset[str]] = {}
    for _, c in ranked:
        if c.path not in names:
            if len(names) == NAMED_PAGES:
                break
            names[c.path] = name_terms(page_title(c.fields))
    factors = sibling_factors(names, asked)
    return [(score * factors.get(c.path, 1.0), c) for score, c in ranked]


def sibling_factors(names: dict[str, frozenset[str]], asked: frozenset[str]) -> dict[str, float]:
    """Page -> its score factor: 1 for the page the question names most exactly among its
    siblings (pages whose names share a word the question asks), less for the others."""
    said_of = {path: name & asked for path, name in names.items()}
    # pages saying the same asked words have the same family: its best fit is worked out once
    # (30 pages compared with each other was 900 fits a search)
    family_best: dict[frozenset[str], tuple[frozenset[str], float]] = {}
    factors = {}
    for path, name in names.items():
        mine = said_of[path]
        if not mine:  # no family: nothing to prefer over it
            factors[path] = 1.0
            continue
        if mine not in family_best:
            family = [names[other] for other, theirs in said_of.items() if mine & theirs]
            said = asked & frozenset().union(*family)  # the words of this family of names it says
            family_best[mine] = said, max(name_fit(theirs, said) for theirs in family)
        said, best = family_best[mine]
        factors[path] = 1.0 - NAME_WEIGHT * (best - name_fit(name, said))
    return factors


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
    question = (pending.result() if pending is not None else live.encoder.encode([text]))[0]
    closeness = live.vectors.closeness([c.key for _, c in ranked], question)
    return [(score / best + SEMANTIC_WEIGHT * float(near), c)
            for (score, c), near in zip(ranked, closeness, strict=True)]
