"""The search service: the query pipeline in a few lines, plus the result cache.

    text -> understand -> candidates -> rank -> present

Each stage lives in its own module (index.py holds the live generation they all read). Knows
nothing of Flask.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from wordfreq import zipf_frequency

from indexer import embeddings
from indexer.acronyms import synonym_lines
from indexer.analysis import SynonymTable, analyze, learn_words
from indexer.schema import SEARCH_FIELDS
from webapp import candidates, meaning, present, understand
from webapp.cache import ResultCache, SharedResults, code_version
from webapp.index import Live, LiveIndex, SearchUnavailable, settle_memory
from webapp.present import Hit, SearchResponse, SectionLink, page_title, section_url
from webapp.query import ParsedQuery
from webapp.questions import Question
from webapp.rank import rank

__all__ = ["BadRequest", "Hit", "SearchRequest", "SearchResponse", "SearchService", "SearchUnavailable",
           "SectionLink", "page_title", "section_url"]

log = logging.getLogger(__name__)

MAX_LIMIT = 50
SHARED_CACHE_FILE = "results.sqlite3"  # beside the generations: every worker serving them shares it
# An acronym the site defines is not learned as a synonym when it is also a word this common in
# English (Zipf 3: once in a million words, "aids", "care"): typed in lower case it means the word.
EVERYDAY_WORD_ZIPF = 3.0
MAX_QUERY_CHARS = understand.MAX_QUERY_CHARS


# Names this code in the shared result cache's keys: a deploy without a rebuild must not serve
# answers ranked by the code it replaced.
_CODE_VERSION = code_version("webapp", "indexer")


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


class SearchService:
    """Ranked section search over the live index generation; one per worker process."""

    def __init__(self, index_dir: Path | str, synonyms: SynonymTable, semantic: bool = True) -> None:
        self.index = LiveIndex(index_dir, semantic)
        self.synonyms = synonyms
        self._synonyms_digest = synonyms.fingerprint()
        self.cache: ResultCache[SearchResponse] = ResultCache(
            shared=SharedResults(self.index.index_dir / SHARED_CACHE_FILE, _CODE_VERSION))
        self._encoding = ThreadPoolExecutor(max_workers=1, thread_name_prefix="encode")
        self._merged: tuple[tuple[str, int] | None, SynonymTable] = (None, synonyms)

    def synonyms_for(self, live: Live) -> SynonymTable:
        """The synonym table a search of `live` uses: the file's and the editors' rules, plus the
        acronyms the site's own pages define where those rules say nothing of them (worked out
        once per generation and table)."""
        key = (live.name, id(self.synonyms))
        if self._merged[0] != key:
            lines = synonym_lines(live.acronyms, _everyday_word)
            self._merged = (key, self.synonyms.merged(lines))
        return self._merged[1]

    def site_acronyms(self) -> list[dict]:
        """The acronyms the live generation's pages define, each with how searches use it:
        "searched" (as a synonym of its long form), "overridden" (the synonym file or an editor
        has a rule for it, which wins) or "everyday word" (left out: "CARE" typed means care)."""
        with self.index.lock:
            acronyms = self.index.current().acronyms
        return [{**item, "use": self._acronym_use(item["acronym"])} for item in acronyms]

    def _acronym_use(self, acronym: str) -> str:
        if self.synonyms.variants(tuple(analyze(acronym))):
            return "overridden"
        return "everyday word" if _everyday_word(acronym.lower()) else "searched"

    def use_synonyms(self, synonyms: SynonymTable) -> None:
        """Search with another synonym table from now on (editors added a rule); cached
        responses are dropped, under the search lock so no search in flight caches an old one."""
        with self.index.lock:
            self.synonyms = synonyms
            self._synonyms_digest = synonyms.fingerprint()
            self.cache.clear()

    @property
    def index_dir(self) -> Path:
        """The index directory served."""
        return self.index.index_dir

    def search(self, request: SearchRequest, full_passages: bool = False,
               group_pages: bool = True) -> SearchResponse:
        """Run a search: understand, find candidates, rank, present (grouped by page unless told not to)."""
        text = understand.normalise(request.text)
        # the synonyms' digest: workers sharing the cache file may briefly hold different tables
        key = (text, request.page, request.limit, request.topic, full_passages, group_pages,
               self._synonyms_digest)
        opened = self.index.peek()  # a cached answer need not wait for a search in another thread
        response = self.cache.get(_scope(opened), key) if opened is not None else None
        if response is not None:
            return response
        with self.index.lock:
            live = self.index.current()  # an unavailable index is reported for every search
            response = self.cache.get(_scope(live), key)
            if response is None:
                response = self._run(live, text, request, full_passages, group_pages)
                self.cache.put(_scope(live), key, response)
        return response

    def _run(self, live: Live, text: str, request: SearchRequest, full_passages: bool,
             group_pages: bool) -> SearchResponse:
        """The pipeline: text -> Query -> candidates -> ranked sections -> response."""
        response = SearchResponse(query=text, page=request.page, limit=request.limit, topic=request.topic)
        # the question's meaning is computed on another thread while its words are understood and
        # searched (the encoder releases the GIL): most of a search's time is one or the other
        vector = self._encoding.submit(live.encoder.encode, [text]) if live.encoder else None
        query = understand.understand(text, self.synonyms_for(live), live)
        if not query.searchable:
            response.message = present.nothing_to_search(text)
            return response
        nearby = (lambda: live.meaning.nearest(vector.result()[0])) if vector and live.meaning else None
        if query.parsed.literal or len(text.split()) < meaning.MIN_QUESTION_WORDS:
            nearby = None  # the words typed are what was asked for (see meaning.MIN_QUESTION_WORDS)
        found = candidates.by_words(live, query.parsed, request.topic, nearby=nearby)
        ranked = rank(found, query, live, vector)
        response.did_you_mean = query.did_you_mean
        # misspelt words are searched as corrected too; say so when only that found anything
        response.corrected = bool(query.did_you_mean and ranked) and not candidates.any_match(
            live, query.as_typed, request.topic)
        response.expanded = query.parsed.expansions()
        response.intent = query.question.labels
        present.fill(response, ranked, query.highlight, full_passages, group_pages)
        return response

    def parse(self, question: Question, use_corrections: bool = True) -> ParsedQuery:
        """Concepts of an understood question (see understand.parse)."""
        with self.index.lock:
            live = self.index.current()
            return understand.parse(question, self.synonyms_for(live), live, use_corrections)

    def corrections(self, text: str) -> dict[str, str]:
        """Typed word -> the site's word it most likely misspells."""
        with self.index.lock:
            live = self.index.current()
            return understand.corrections(text, self.synonyms_for(live), live)

    def suggest(self, prefix: str, limit: int = 8) -> list[dict]:
        """Page titles and headings that start with (or have a word starting with) the prefix."""
        with self.index.lock:
            live = self.index.current()
            return live.labels.find(live.searcher, prefix, limit)

    # -- the index itself ------------------------------------------------------------------

    def load_shared(self) -> None:
        """Load what every worker can share before the server forks them: the meaning model
        (170 MB, read-only once loaded). The index is opened by each worker itself, after the fork
        (warm_up): open files must not be shared between processes."""
        if self.index.semantic:
            try:
                embeddings.load_encoder(threads=1)
            except embeddings.EmbeddingsUnavailable as exc:
                log.warning("%s", exc)
        settle_memory()  # also spares the shared pages the collector's writes after the fork

    def warm_up(self, alive: Callable[[], None] = lambda: None) -> None:
        """Open the index, load the model and decode the commonest words' postings now, so the
        first visitors do not wait for them (no index yet is fine: searches say what to run).
        `alive` is called now and then: a gunicorn worker tells its master it is starting."""
        try:
            with self.index.lock:
                live = self.index.current()
                # the acronyms field too: "NET" asks it of every section that matches
                live.postings.warm((*SEARCH_FIELDS, "acronyms"), alive)
                learn_words(live.spelling.words())
                settle_memory()
        except SearchUnavailable as exc:
            log.warning("%s", exc)

    def status(self) -> dict:
        """Document count and build time of the live index (raises SearchUnavailable)."""
        return self.index.status()

    def topics(self) -> list[str]:
        """Every topic in the index, sorted."""
        return list(self.index.latest().topics)

    def section(self, key: str) -> dict | None:
        """Stored fields of one section by its `path#anchor`, or None."""
        with self.index.lock:
            return self.index.current().searcher.document(key=key)

    def more_like(self, key: str, top: int) -> list[dict]:
        """Stored fields of the sections sharing the most distinctive terms with one section."""
        with self.index.lock:
            searcher = self.index.current().searcher
            docnum = searcher.document_number(key=key)
            if docnum is None:
                return []
            return [hit.fields() for hit in searcher.more_like(docnum, "body", top=top)]

    def generation_path(self) -> Path:
        """Directory of the live generation (for data stored with the index)."""
        return self.index.current().generation.path


def _scope(live: Live) -> str:
    """What a cached response holds for besides the request: the generation, and whether meaning
    ranked it (a worker without the model must neither serve nor share answers ranked with it)."""
    return f"{live.name} {'meaning' if live.encoder is not None else 'words'}"


def _everyday_word(word: str) -> bool:
    return zipf_frequency(word, "en") >= EVERYDAY_WORD_ZIPF
