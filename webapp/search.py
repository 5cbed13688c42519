"""The search service: request -> understood, expanded query -> ranked, grouped hits with snippets.

Returns plain objects with to_dict(), never Whoosh objects. Knows nothing of Flask.
"""
from __future__ import annotations

import logging
import os
import threading
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
from whoosh import query as q
from whoosh import scoring
from whoosh.searching import Results, Searcher
from wordfreq import zipf_frequency

from indexer import embeddings, store
from indexer.analysis import SynonymTable, american_spelling, analyze, make_variant
from webapp import questions
from webapp.query import Concept, ParsedQuery, build_query, parse_query, query_terms
from webapp.snippets import passage, snippet
from webapp.spelling import SiteSpelling

log = logging.getLogger(__name__)

MAX_LIMIT = 50
MAX_QUERY_CHARS = 1000
# How many sections are ranked before grouping: far more than a results page shows.
CANDIDATES = 400
MORE_SECTIONS = 2
# Score multipliers applied after BM25F. A section of the kind a question asks for (symptoms
# for "what are the signs...") beats a passing mention; intent words alone are only a hint.
KIND_BONUS = 1.0
INTENT_WORD_WEIGHT = 0.3
PAGE_WEIGHT = 0.5
# BM25 length normalisation and term saturation (Whoosh defaults 0.75 and 1.2). Less length
# normalisation stops short introductions from beating the longer section that answers.
BM25_B = 0.5
BM25_K1 = 1.0
# Words at least this common in English (Zipf scale: 2 is about once per ten million words)
# are never "corrected" to a site word.
COMMON_WORD_ZIPF = 2.0
# Weight of closeness in meaning (cosine of question and passage vectors, about 0.1 to 0.8)
# against the word-match score scaled so the best candidate has 1. Meaning only reorders
# sections that share words with the question: a search that matches no word finds nothing.
SEMANTIC_WEIGHT = 2.0


class SearchUnavailable(Exception):
    """The index cannot be opened; the message tells the operator what to do."""


class BadRequest(ValueError):
    """A search parameter is out of range; the message says which and why."""


@dataclass(frozen=True)
class SearchRequest:
    """What a visitor asked for."""

    text: str
    page: int = 1
    limit: int = 10
    topic: str = ""

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= MAX_LIMIT:
            raise BadRequest(f"limit must be between 1 and {MAX_LIMIT}")
        if self.page < 1:
            raise BadRequest("page must be 1 or more")


@dataclass
class SectionLink:
    """A further matching section of a page already in the results."""

    anchor: str
    heading: str
    url: str
    snippet: str
    score: float


@dataclass
class Hit:
    """The best matching section of one page, with up to two more sections as deep links."""

    path: str
    anchor: str
    url: str
    page_title: str
    heading: str
    heading_path: list[str]
    topic: str
    kind: str
    snippet: str
    score: float
    passage: list[str] = field(default_factory=list)
    text: str = ""
    more_sections: list[SectionLink] = field(default_factory=list)

    def to_dict(self) -> dict:
        """JSON-ready form (the full passage only where it was asked for)."""
        data = asdict(self)
        if not self.passage:
            data.pop("passage")
            data.pop("text")
        return data


@dataclass
class SearchResponse:
    """A page of grouped results plus everything the results page needs to explain them."""

    query: str
    results: list[Hit] = field(default_factory=list)
    total: int = 0
    page: int = 1
    limit: int = 10
    expanded: dict[str, list[str]] = field(default_factory=dict)
    did_you_mean: str | None = None
    corrected: bool = False
    topics: dict[str, int] = field(default_factory=dict)
    topic: str = ""
    intent: list[str] = field(default_factory=list)
    message: str = ""

    @property
    def pages(self) -> int:
        """Number of result pages."""
        return max(1, -(-self.total // self.limit))

    def to_dict(self) -> dict:
        """The JSON of /api/search."""
        return {
            "query": self.query, "expanded": self.expanded, "did_you_mean": self.did_you_mean,
            "corrected": self.corrected, "total": self.total, "page": self.page,
            "pages": self.pages, "limit": self.limit, "topic": self.topic, "topics": self.topics,
            "intent": self.intent, "message": self.message,
            "results": [hit.to_dict() for hit in self.results],
        }


def section_url(url: str, anchor: str) -> str:
    """Page URL plus #anchor."""
    return f"{url}#{anchor}" if anchor else url


def page_title(fields: dict) -> str:
    """The title to show for a stored section's page: its h1, else its <title>."""
    return fields["page"]["h1"] or fields["page"]["title"]


def _topic_filter(topic: str) -> q.Query | None:
    """Restrict a search to one topic (none when no topic is asked for)."""
    return q.Term("topic", topic) if topic else None


class SearchService:
    """Ranked section search over the live index generation; one per worker process."""

    def __init__(self, index_dir: Path | str, synonyms: SynonymTable, semantic: bool = True) -> None:
        self.index_dir = Path(index_dir)
        self.synonyms = synonyms
        self.semantic = semantic
        self._vectors: embeddings.SectionVectors | None = None
        self._encoder: embeddings.Encoder | None = None
        self._lock = threading.RLock()
        self._searcher: Searcher | None = None
        self._generation: store.Generation | None = None
        self._spelling = SiteSpelling(())
        self._labels: list[dict] = []
        # reliability: (name, problem) of a published generation refused as damaged while an
        # older one keeps serving; /healthz reports it
        self._rejected: tuple[str, str] | None = None

    # -- index lifecycle -------------------------------------------------------------------

    def searcher(self) -> Searcher:
        """The searcher of the live generation, reopened when a build has published a new one."""
        with self._lock:
            if self._searcher is None or self._stale():
                self._open()
            return self._searcher

    def warm_up(self) -> None:
        """Open the index and load the model now, so the first visitor does not wait for it
        (no index yet is fine: searches will say what to run)."""
        try:
            self.searcher()
        except SearchUnavailable as exc:
            log.warning("%s", exc)

    def _stale(self) -> bool:
        try:
            current = os.readlink(self.index_dir / store.CURRENT)
        except OSError:
            return True
        return current != self._generation.name and (self._rejected is None or current != self._rejected[0])

    def _open(self) -> None:
        try:
            index, generation = store.open_index(self.index_dir)
            store.validate_generation(generation.path)  # reliability: never open a damaged one
        except store.IndexCorrupt as exc:
            if self._searcher is None:
                raise SearchUnavailable(str(exc)) from exc
            self._rejected = (os.readlink(self.index_dir / store.CURRENT), str(exc))
            log.error("still serving %s: %s", self._generation.name, exc)
            return
        except store.IndexError_ as exc:
            raise SearchUnavailable(str(exc)) from exc
        except Exception as exc:  # a corrupt or unreadable index: tell the operator, not a 500
            raise SearchUnavailable(f"cannot open the index at {self.index_dir}: {exc}") from exc
        old = self._searcher
        self._generation, self._rejected = generation, None
        self._searcher = index.searcher(weighting=scoring.BM25F(B=BM25_B, K1=BM25_K1))
        self._spelling = SiteSpelling(w.decode("utf-8") for w in self._searcher.lexicon("spelling"))
        self._labels = _labels(self._searcher)
        self._open_vectors(generation)
        if old is not None:
            old.close()  # the old generation's files stay on disk until a later prune
        log.info("opened index generation %s", generation.name)

    def _open_vectors(self, generation: store.Generation) -> None:
        """Load the generation's meaning vectors and the encoder; without them search still
        works, by words alone, and the log says why."""
        self._vectors = embeddings.read_vectors(generation.path) if self.semantic else None
        if self._vectors is None:
            if self.semantic:
                log.warning("index generation %s has no meaning vectors: ranking by words only "
                            "(rebuild without --no-semantic to add them)", generation.name)
            return
        try:
            self._encoder = embeddings.load_encoder()
        except embeddings.EmbeddingsUnavailable as exc:
            log.warning("ranking by words only: %s", exc)
            self._vectors = None

    def status(self) -> dict:
        """Document count and build time of the live index (raises SearchUnavailable)."""
        with self._lock:
            searcher = self.searcher()
            info = self._generation.info
            return {"documents": searcher.doc_count(), "pages": len(info.get("pages", {})),
                    "built_at": info.get("built_at"), "generation": self._generation.name,
                    "semantic": self._vectors is not None, **self._serving()}

    def _serving(self) -> dict:
        """reliability: which generation answers, and why not the current one if it does not."""
        if self._rejected is None:
            return {"serving": self._generation.name, "current": self._generation.name}
        return {"status": "degraded", "serving": self._generation.name,
                "current": self._rejected[0], "problem": self._rejected[1]}

    def topics(self) -> list[str]:
        """Every topic in the index, sorted."""
        with self._lock:
            return sorted(t.decode("utf-8") for t in self.searcher().lexicon("topic"))

    def section(self, key: str) -> dict | None:
        """Stored fields of one section by its `path#anchor`, or None."""
        with self._lock:
            return self.searcher().document(key=key)

    def more_like(self, key: str, top: int) -> list[dict]:
        """Stored fields of the sections sharing the most distinctive terms with one section."""
        with self._lock:
            searcher = self.searcher()
            docnum = searcher.document_number(key=key)
            if docnum is None:
                return []
            return [hit.fields() for hit in searcher.more_like(docnum, "body", top=top)]

    def generation_path(self) -> Path:
        """Directory of the live generation (for data stored with the index)."""
        with self._lock:
            self.searcher()
            return self._generation.path

    # -- searching -------------------------------------------------------------------------

    def search(self, request: SearchRequest, full_passages: bool = False,
               group_pages: bool = True) -> SearchResponse:
        """Run a search: understand, expand, rank, group (by page unless told not to), explain."""
        text = " ".join(request.text.split())[:MAX_QUERY_CHARS]
        response = SearchResponse(query=text, page=request.page, limit=request.limit,
                                  topic=request.topic)
        question = questions.understand(text)
        with self._lock:
            searcher = self.searcher()  # an unavailable index is reported for every search
            parsed = self.parse(question)
            if not parsed.searchable:
                response.message = _nothing_to_search(text)
                return response
            response.did_you_mean = self._suggestion(text, parsed)
            hits = self._ranked(searcher, parsed, question, request.topic)
            # misspelt words are searched as corrected too; say so when only that found anything
            response.corrected = bool(response.did_you_mean and hits) and not self._matches(
                searcher, self.parse(question, use_corrections=False), request.topic)
            self._fill(response, hits, parsed, full_passages, group_pages)
        response.expanded = parsed.expansions()
        response.intent = question.labels
        if not response.results:
            response.message = _nothing_found(response)
        return response

    def parse(self, question: questions.Question, use_corrections: bool = True) -> ParsedQuery:
        """Turn an understood question into concepts. Framing words are dropped; the intent's
        own vocabulary only raises matching sections, unless nothing else is left to search."""
        content = question.content
        parsed = parse_query(content, self.synonyms)
        if len(question.text.split()) > 2:
            # after synonym matching, so "the runs" and "being sick" keep their function words
            parsed.concepts = [c for c in parsed.concepts if not _is_framing(c)]
        if use_corrections:
            parsed.corrections = self.corrections(" ".join(c.typed for c in parsed.concepts))
        parsed.concepts = [_with_correction(c, parsed.corrections.get(c.typed)) for c in parsed.concepts]
        intent = " ".join(w for w in question.intent_words if w.lower() not in content.lower())
        if intent:
            extra = parse_query(intent, self.synonyms).concepts
            if parsed.concepts:
                parsed.optional = [replace(c, weight=INTENT_WORD_WEIGHT) for c in extra]
            else:
                parsed.concepts = extra
        return parsed

    def _matches(self, searcher: Searcher, parsed: ParsedQuery, topic: str) -> bool:
        """True when the query finds at least one section."""
        if not parsed.searchable:
            return False
        return not _search(searcher, build_query(parsed), 1, _topic_filter(topic)).is_empty()

    def _ranked(self, searcher: Searcher, parsed: ParsedQuery, question: questions.Question,
                topic: str) -> list[tuple[float, dict]]:
        """Two-level passage ranking: how well the section's page matches (its best section's
        BM25F) plus the section's own match, scaled by how much of the question the section
        covers; then a bonus for sections of the kind the question asks, then meaning."""
        flt = _topic_filter(topic)
        results = _search(searcher, build_query(parsed), CANDIDATES, flt, terms=True)
        page_best: dict[str, float] = {}
        for hit in results:
            page_best[hit["path"]] = max(page_best.get(hit["path"], 0.0), hit.score)
        weights = _concept_weights(searcher, parsed.concepts)
        ranked = []
        for hit in results:
            score = PAGE_WEIGHT * page_best[hit["path"]] + hit.score
            score *= _coverage(_matched_terms(hit), parsed.concepts, weights)
            bonus = 1.0 + (KIND_BONUS if hit["kind"] in question.kinds else 0.0)
            ranked.append((score * bonus, hit.fields()))
        ranked = self._with_meaning(ranked, question.text)
        ranked.sort(key=lambda pair: (-pair[0], pair[1]["key"]))
        return ranked

    def _with_meaning(self, ranked: list[tuple[float, dict]], text: str) -> list[tuple[float, dict]]:
        """Add each candidate's closeness in meaning to the question to its word-match score
        (scaled so the best is 1): a passage that says what the caller means in other words
        ("the runs" and diarrhoea) overtakes one that merely repeats the caller's words."""
        if self._vectors is None or not ranked:
            return ranked
        best = max(score for score, _ in ranked) or 1.0
        rows = self._vectors.rows([fields["key"] for _, fields in ranked])
        question = self._encoder.encode([text])[0]
        closeness = np.where(rows >= 0, self._vectors.matrix[rows] @ question, 0.0)
        return [(score / best + SEMANTIC_WEIGHT * float(near), fields)
                for (score, fields), near in zip(ranked, closeness, strict=True)]

    def _fill(self, response: SearchResponse, ranked: list[tuple[float, dict]], parsed: ParsedQuery,
              full_passages: bool, group_pages: bool) -> None:
        """Group sections by page, count topics, and cut out the requested page of results."""
        groups: dict[str, list[tuple[float, dict]]] = {}
        for score, fields in ranked:
            groups.setdefault(fields["path"] if group_pages else fields["key"], []).append((score, fields))
        response.total = len(groups)
        response.topics = dict(Counter(g[0][1]["topic"] for g in groups.values()).most_common())
        terms = query_terms(parsed)
        start = (response.page - 1) * response.limit
        for sections in list(groups.values())[start:start + response.limit]:
            response.results.append(_hit(sections, terms, full_passages))

    def _suggestion(self, text: str, parsed: ParsedQuery) -> str | None:
        """What the visitor typed with misspelt words corrected, or None when every word is known."""
        if not parsed.corrections:
            return None
        return " ".join(_corrected(token, parsed.corrections) for token in text.split())

    def corrections(self, text: str) -> dict[str, str]:
        """Typed word -> the site's word it most likely misspells ("octreatide" -> "octreotide")."""
        found = {}
        for word in text.split():
            core = questions.plain_word(word)
            if len(core) < 4 or not core.isalpha() or self._known(core):
                continue
            correction = self._spelling.correct(core)
            if correction:
                found[word] = correction
        return found

    def _known(self, word: str) -> bool:
        """In the site's vocabulary, a question word, a synonym, or an inflection of an indexed
        term ("tumours" when only "tumour" is written). A word the stemmer leaves unchanged
        ("neuroendocrin") is not vouched for by its stem."""
        terms = analyze(word)
        if not terms or self._spelling.knows(word) or questions.is_question_word(word):
            return True
        if zipf_frequency(word, "en") >= COMMON_WORD_ZIPF:
            return True  # a real English word the site does not use ("jabs", "kids") is no typo
        if self.synonyms.variants(tuple(terms)):
            return True
        stem = terms[0]
        return stem != american_spelling(word) and ("body", stem) in self._searcher.reader()

    def suggest(self, prefix: str, limit: int = 8) -> list[dict]:
        """Page titles and headings that start with (or have a word starting with) the prefix."""
        prefix = " ".join(prefix.lower().split())
        if len(prefix) < 2:
            return []
        with self._lock:
            self.searcher()
            labels = self._labels
        found = [s for s in labels if s["lower"].startswith(prefix) or f" {prefix}" in s["lower"]]
        found.sort(key=lambda s: (not s["lower"].startswith(prefix), len(s["label"])))
        return [{k: v for k, v in s.items() if k != "lower"} for s in found[:limit]]


def _search(searcher: Searcher, query: q.Query, limit: int, flt: q.Query | None,
            terms: bool = False) -> Results:
    """Run a Whoosh search without block-quality skipping: Whoosh-Reloaded 2.7.5's Require
    matcher (how an acronym such as NET is matched) fails an assertion when it skips blocks of a
    posting list longer than one block, a 500 on a large index. Ranking needs the top 400
    anyway, so the skipping saved little. `terms` records which terms each hit matched."""
    return searcher.search(query, limit=limit, filter=flt, optimize=False, terms=terms)


def _concept_weights(searcher: Searcher, concepts: list[Concept]) -> list[float]:
    """How much each concept says: the inverse document frequency of its rarest term."""
    return [max((searcher.idf("body", t) for t in c.terms), default=0.0) for c in concepts]


def _matched_terms(hit) -> set[str]:
    """The analysed terms a hit matched, in any field."""
    return {t.decode("utf-8") if isinstance(t, bytes) else t for _, t in hit.matched_terms()}


def _coverage(matched: set[str], concepts: list[Concept], weights: list[float]) -> float:
    """The share of the question a section covers, weighted by how much each concept says.

    Questions never need every word, but of two sections the one that matches "liver" and
    "transplant" should beat one that repeats "liver" often: BM25 alone lets repetition of one
    word outweigh the others' absence (the coordination factor of classic search engines)."""
    total = sum(weights)
    if not total:
        return 1.0
    found = sum(w for c, w in zip(concepts, weights, strict=True) if c.terms & matched)
    return found / total


def _labels(searcher: Searcher) -> list[dict]:
    """Distinct page titles and section headings with their links, for as-you-type suggestions."""
    seen: set[str] = set()
    labels = []
    for fields in searcher.all_stored_fields():
        for label, anchor, kind in ((fields["page"]["title"], "", "page"),
                                    (fields["display_heading"], fields["anchor"], "section")):
            if label.lower() in seen:
                continue
            seen.add(label.lower())
            labels.append({"label": label, "lower": label.lower(), "kind": kind, "path": fields["path"],
                           "anchor": anchor, "url": section_url(fields["url"], anchor)})
    return labels


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


def _hit(sections: list[tuple[float, dict]], terms: dict[str, bool], full: bool) -> Hit:
    score, best = sections[0]
    hit = Hit(
        path=best["path"], anchor=best["anchor"], url=best["url"],
        page_title=page_title(best), heading=best["display_heading"],
        heading_path=best["heading_path"], topic=best["topic"], kind=best["kind"],
        snippet=str(snippet(best["body"], terms)), score=round(score, 4),
        more_sections=[
            SectionLink(anchor=f["anchor"], heading=f["display_heading"],
                        url=section_url(f["url"], f["anchor"]),
                        snippet=str(snippet(f["body"], terms, words=16)), score=round(s, 4))
            for s, f in sections[1:1 + MORE_SECTIONS]
        ],
    )
    if full:
        hit.passage = [str(p) for p in passage(best["body"], terms)]
        hit.text = best["body"]
    return hit


def _nothing_to_search(text: str) -> str:
    if not text:
        return "Type a word or a question to search, for example “carcinoid syndrome” or “what is a NET?”."
    return (f"“{text}” has no words we can search for (very common words such as “the” or “what” "
            "are left out). Try adding what it is about, for example “symptoms of a NET”.")


def _nothing_found(response: SearchResponse) -> str:
    if response.topic:
        return f"Nothing matched in {response.topic}. Try searching all topics."
    return ("Nothing matched. Check the spelling, use fewer words, or try a general word such "
            "as “treatment” or “symptoms”.")
