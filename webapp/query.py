"""Natural text -> clauses -> an expanded Whoosh query. Nothing a visitor types is syntax except
"quoted phrases" and -exclusions: AND/OR/NOT, brackets, colons and * are ordinary text."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from whoosh import query as q

from indexer.analysis import SynonymTable, Variant, acronym_form, analyze
from indexer.schema import FIELD_BOOSTS

MAX_QUERY_WORDS = 64
# Synonyms count a little less than the visitor's own words: they widen, the words decide.
SYNONYM_WEIGHT = 0.7

_PHRASE = re.compile(r'(-?)"([^"]+)"')
_WORD = re.compile(r"(-?)([^\W_][\w'’.+-]*)")


@dataclass(frozen=True)
class Concept:
    """One thing the visitor asked for: the ways to say it, and the words they typed for it."""

    typed: str
    variants: tuple[Variant, ...]
    phrase: bool = False
    weight: float = 1.0

    @property
    def expanded(self) -> bool:
        """True when synonyms added other ways to say it."""
        return len(self.variants) > 1

    @cached_property  # ranking asks for every candidate: 200 candidates x a dozen concepts
    def terms(self) -> frozenset[str]:
        """Every analysed term of every way of saying it."""
        return frozenset(t for v in self.variants for t in v.terms)


@dataclass
class ParsedQuery:
    """A visitor's query after parsing: concepts to find and words to exclude."""

    text: str
    concepts: list[Concept] = field(default_factory=list)
    optional: list[Concept] = field(default_factory=list)
    excluded: list[Variant] = field(default_factory=list)
    corrections: dict[str, str] = field(default_factory=dict)

    @property
    def searchable(self) -> bool:
        """False when nothing is left to search for (empty, only stop words, only exclusions)."""
        return bool(self.concepts)

    @property
    def literal(self) -> bool:
        """True when the visitor used search syntax ("a phrase", -word): they want those words."""
        return bool(self.excluded) or any(c.phrase for c in self.concepts)

    def expansions(self) -> dict[str, list[str]]:
        """What each expanded concept was widened with, for the results page and the API."""
        return {c.typed: [v.surface for v in c.variants if v.surface.lower() != c.typed.lower()]
                for c in self.concepts if c.expanded and c.weight >= 1.0}


def split_query(text: str) -> tuple[list[tuple[str, bool]], list[str], list[str]]:
    """Split raw text into (phrases with their exclusion flag), free words, excluded words."""
    phrases = [(m.group(2), m.group(1) == "-") for m in _PHRASE.finditer(text)]
    rest = _PHRASE.sub(" ", text).replace('"', " ")
    words, excluded = [], []
    for match in _WORD.finditer(rest):
        word = match.group(2).strip(".'’+-")
        if word:
            (excluded if match.group(1) == "-" else words).append(word)
    return phrases, words[:MAX_QUERY_WORDS], excluded


def parse_query(text: str, synonyms: SynonymTable) -> ParsedQuery:
    """Parse visitor text into concepts, expanding synonyms over runs of free words."""
    parsed = ParsedQuery(text=text)
    phrases, words, excluded = split_query(text)
    for phrase, negative in phrases:
        variant = _plain_variant(phrase)
        if variant is None:
            continue
        if negative:
            parsed.excluded.append(variant)
        else:
            parsed.concepts.append(Concept(phrase, (variant,), phrase=True))
    parsed.excluded += [v for v in (_plain_variant(w) for w in excluded) if v]
    parsed.concepts += _concepts_from_words(words, synonyms)
    return parsed


def _plain_variant(text: str) -> Variant | None:
    """Quoted and excluded words are matched as written, never as acronyms or synonyms."""
    terms = tuple(analyze(text))
    return Variant(text, terms, False) if terms else None


def _concepts_from_words(words: list[str], synonyms: SynonymTable) -> list[Concept]:
    """Greedy longest match of synonym rules over the analysed words, left to right."""
    analysed = [(word, tuple(analyze(word))) for word in words]
    analysed = [(w, t) for w, t in analysed if t]
    concepts, i, longest = [], 0, synonyms.longest
    while i < len(analysed):
        for size in range(min(longest, len(analysed) - i), 0, -1):
            run = analysed[i:i + size]
            terms = tuple(t for _, ts in run for t in ts)
            variants = synonyms.variants(terms)
            if variants:
                typed = " ".join(w for w, _ in run)
                concepts.append(Concept(typed, _own_first(typed, variants)))
                i += size
                break
        else:
            word, terms = analysed[i]
            concepts.append(Concept(word, (Variant(word, terms, False),)))
            i += 1
    return concepts


def _own_first(typed: str, variants: tuple[Variant, ...]) -> tuple[Variant, ...]:
    """Put the variant the visitor typed first (it gets full weight), keeping acronym status."""
    own = [v for v in variants if v.surface.lower() == typed.lower()]
    if not own:
        own = [v for v in variants if v.terms == tuple(analyze(typed))][:1]
    rest = [v for v in variants if v not in own]
    return (*own, *rest)


def build_query(parsed: ParsedQuery, fields: dict[str, float] = FIELD_BOOSTS) -> q.Query:
    """The Whoosh query: any concept may match (questions never need every word), weighted
    by field; optional concepts only raise sections that already match; exclusions remove."""
    clauses = [_concept_query(c, fields) for c in parsed.concepts]
    positive: q.Query = q.Or(clauses) if len(clauses) > 1 else clauses[0]
    if parsed.optional:
        positive = q.AndMaybe(positive, q.Or([_concept_query(c, fields) for c in parsed.optional]))
    if parsed.excluded:
        negative = q.Or([_variant_query(v, fields, 1.0) for v in parsed.excluded])
        return q.AndNot(positive, negative)
    return positive


def _concept_query(concept: Concept, fields: dict[str, float]) -> q.Query:
    parts = [_variant_query(v, fields, concept.weight * (1.0 if i == 0 else SYNONYM_WEIGHT))
             for i, v in enumerate(concept.variants)]
    return parts[0] if len(parts) == 1 else q.Or(parts)


def _variant_query(variant: Variant, fields: dict[str, float], weight: float) -> q.Query:
    """One way of saying a concept, over every search field; acronyms only as acronyms."""
    per_field = [
        q.Term(name, variant.terms[0], boost=boost * weight) if len(variant.terms) == 1
        else q.Phrase(name, list(variant.terms), boost=boost * weight)
        for name, boost in fields.items()
    ]
    text_query = q.Or(per_field)
    if variant.acronym:
        # "NET" must be written as an acronym in the section, so "safety net" never matches.
        return q.Require(text_query, q.Term("acronyms", acronym_form(variant.surface)))
    return text_query


def query_terms(parsed: ParsedQuery) -> dict[str, bool]:
    """Analysed terms to highlight -> whether the match must be written in capitals (acronyms)."""
    terms: dict[str, bool] = {}
    for concept in parsed.concepts:
        for variant in concept.variants:
            for term in variant.terms:
                terms[term] = terms.get(term, True) and variant.acronym
    return terms
