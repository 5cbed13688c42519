"""The live index generation: open it, reopen it when a build publishes a new one, report its health.

A `Live` is one opened generation with everything read from it once (searcher, spelling
vocabulary, suggestion labels, meaning vectors). Stages receive a `Live` and never open anything.
"""
from __future__ import annotations

import gc
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from whoosh import scoring
from whoosh.searching import Searcher

from indexer import embeddings, store
from indexer.acronyms import read_site_acronyms
from webapp.meaning import MeaningIndex
from webapp.postings import Postings
from webapp.spelling import SiteSpelling
from webapp.suggest import Labels

log = logging.getLogger(__name__)

# BM25 length normalisation and term saturation (Whoosh defaults 0.75 and 1.2). Less length
# normalisation stops short introductions from beating the longer section that answers.
BM25_B = 0.5
BM25_K1 = 1.0


class SearchUnavailable(Exception):
    """The index cannot be opened; the message tells the operator what to do."""


@dataclass(frozen=True)
class Live:
    """One opened index generation and what is read from it once."""

    generation: store.Generation
    searcher: Searcher
    spelling: SiteSpelling
    labels: Labels
    postings: Postings
    vectors: embeddings.SectionVectors | None = None
    encoder: embeddings.Encoder | None = None
    meaning: MeaningIndex | None = None
    # acronyms the site's pages define ("normal pressure hydrocephalus (NPH)"), from the build
    acronyms: tuple[dict, ...] = ()
    topics: tuple[str, ...] = ()  # every topic, sorted (the results page lists them on every search)

    @property
    def name(self) -> str:
        """The generation's name: changes with every published build (the cache key uses it)."""
        return self.generation.name


def settle_memory() -> None:
    """Collect garbage once, then exempt everything alive from later collections (gc.freeze).

    What a generation opens, and a worker's caches, are hundreds of thousands of long-lived
    objects; Python's full collections walked them all, pausing a search for 100-400 ms every
    few hundred searches at 10,000 pages. Run after opening a generation (the previous one's
    objects are unfrozen first, so its cycles can still be collected) and after warming up."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


class LiveIndex:
    """The live generation of one index directory, reopened when `current` moves.

    Whoosh searchers are not safe to share between threads mid-search, so callers hold `lock`
    for a whole search (one per worker thread model: see README)."""

    def __init__(self, index_dir: Path | str, semantic: bool = True) -> None:
        self.index_dir = Path(index_dir)
        self.semantic = semantic
        self.lock = threading.RLock()
        self._live: Live | None = None
        # (name, problem) of a published generation refused as damaged while an older one keeps
        # serving; /healthz reports it
        self._rejected: tuple[str, str] | None = None

    def current(self) -> Live:
        """The live generation, reopened when a build has published a new one (raises
        SearchUnavailable when there is no usable index)."""
        with self.lock:
            if self._live is None or self._stale():
                self._open()
            return self._live

    def peek(self) -> Live | None:
        """The opened generation if it is still the current one, without waiting for the lock
        (None when it must be opened or reopened first: current() does that)."""
        live = self._live
        return live if live is not None and self._rejected is None and not self._stale_for(live) else None

    def latest(self) -> Live:
        """The live generation: the opened one without waiting for the lock when it is still
        current, else current() (for what every page shows, such as the topics)."""
        return self.peek() or self.current()

    def _stale(self) -> bool:
        return self._stale_for(self._live)

    def _stale_for(self, live: Live) -> bool:
        try:
            current = os.readlink(self.index_dir / store.CURRENT)
        except OSError:
            return True
        return current != live.name and (self._rejected is None or current != self._rejected[0])

    def _open(self) -> None:
        try:
            index, generation = store.open_index(self.index_dir)
            store.validate_generation(generation.path)  # never open a damaged generation
        except store.IndexCorrupt as exc:
            if self._live is None:
                raise SearchUnavailable(str(exc)) from exc
            self._rejected = (os.readlink(self.index_dir / store.CURRENT), str(exc))
            log.error("still serving %s: %s", self._live.name, exc)
            return
        except store.IndexError_ as exc:
            raise SearchUnavailable(str(exc)) from exc
        except Exception as exc:  # a corrupt or unreadable index: tell the operator, not a 500
            raise SearchUnavailable(f"cannot open the index at {self.index_dir}: {exc}") from exc
        searcher = index.searcher(weighting=scoring.BM25F(B=BM25_B, K1=BM25_K1))
        vectors, encoder = self._meaning(generation)
        old, self._live = self._live, Live(
            generation=generation, searcher=searcher,
            spelling=SiteSpelling.from_reader(searcher.reader()),
            labels=Labels.read(generation.path, searcher), postings=Postings(searcher, BM25_B, BM25_K1),
            vectors=vectors, encoder=encoder, meaning=MeaningIndex(vectors) if encoder else None,
            acronyms=tuple(read_site_acronyms(generation.path)),
            topics=tuple(sorted(t.decode("utf-8") for t in searcher.lexicon("topic"))))
        self._rejected = None
        if old is not None:
            old.searcher.close()  # the old generation's files stay on disk until a later prune
        settle_memory()
        log.info("opened index generation %s", generation.name)

    def _meaning(self, generation: store.Generation) -> tuple[embeddings.SectionVectors | None,
                                                              embeddings.Encoder | None]:
        """The generation's meaning vectors and the encoder; without them search still works,
        by words alone, and the log says why."""
        vectors = embeddings.read_vectors(generation.path) if self.semantic else None
        if vectors is None:
            if self.semantic:
                log.warning("index generation %s has no meaning vectors: ranking by words only "
                            "(rebuild without --no-semantic to add them)", generation.name)
            return None, None
        try:
            encoder = embeddings.load_encoder(threads=1)
        except embeddings.EmbeddingsUnavailable as exc:
            log.warning("ranking by words only: %s", exc)
            return None, None
        if not embeddings.from_this_model(vectors, generation.path):
            return None, None  # the log says to rebuild; words alone rank meanwhile
        return vectors, encoder

    def status(self) -> dict:
        """Document count, build time and state of the live index (raises SearchUnavailable).
        `vectors` says whether meaning vectors are complete, still being computed after a build
        that published its words first ("partial"), or absent."""
        with self.lock:
            live = self.current()
            info = live.generation.info
            return {"documents": live.searcher.doc_count(), "pages": len(info.get("pages", {})),
                    "built_at": info.get("built_at"), "generation": live.name,
                    "semantic": live.vectors is not None,
                    "vectors": info.get("vectors", "complete" if live.vectors is not None else "none"),
                    "vectors_done": len(live.vectors.sections) if live.vectors is not None else 0,
                    **self._serving(live)}

    def _serving(self, live: Live) -> dict:
        """Which generation answers, and why not the current one if it does not."""
        if self._rejected is None:
            return {"serving": live.name, "current": live.name}
        return {"status": "degraded", "serving": live.name, "current": self._rejected[0],
                "problem": self._rejected[1]}
