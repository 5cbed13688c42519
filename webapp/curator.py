"""Editors' curation applied to searches: their synonyms merged into the service's table, their
best bets put above the results. The one place /search, /ask and the JSON API go through.

Best bets are applied after the result cache (a cached response never carries old picks); a
synonym change swaps the service's table and empties its cache. Each worker checks the editors'
database on every search, so a change made in one worker is used by all of them at once.
"""
from __future__ import annotations

import logging
import sqlite3
import threading
from datetime import date
from pathlib import Path

from indexer.analysis import parse_synonyms
from webapp import present
from webapp.curation import CurationStore, PinnedIndex
from webapp.search import SearchRequest, SearchResponse, SearchService

log = logging.getLogger(__name__)


class Curator:
    """Applies one store's best bets and synonym overlay to one search service."""

    def __init__(self, store: CurationStore, synonyms_file: Path | str | None) -> None:
        self.store = store
        self.synonyms_file = Path(synonyms_file) if synonyms_file else None
        self._version = 0      # of the store, when last read; 0: nothing curated yet
        self._rules: list[str] = []  # the editors' rules the service's table holds (at first none)
        self._pins = PinnedIndex([])
        self._lock = threading.Lock()

    def search(self, service: SearchService, request: SearchRequest, full_passages: bool = False,
               group_pages: bool = True) -> SearchResponse:
        """Search with the editors' synonyms, then put their best bets first."""
        self.refresh(service)
        response = service.search(request, full_passages=full_passages, group_pages=group_pages)
        return self.apply_best_bets(response, service, full_passages)

    def refresh(self, service: SearchService) -> None:
        """Reread best bets and synonyms when an editor has changed them (in any worker); a new
        set of synonym rules replaces the service's table (which empties its result cache)."""
        try:
            version = self.store.version()
            if version == self._version:
                return
            with self._lock:
                self._pins = PinnedIndex(self.store.best_bets())
                rules = [rule.rule for rule in self.store.synonyms()]
                if rules != self._rules:
                    service.use_synonyms(parse_synonyms(self.file_rules() + rules))
                    self._rules = rules
                self._version = version
        except sqlite3.Error:
            log.exception("editors' best bets and synonyms not reread: cannot read %s", self.store.db_path)

    # -- synonyms -------------------------------------------------------------------------

    def file_rules(self) -> list[str]:
        """The synonym file's lines (comments and all): the versioned source of truth."""
        if self.synonyms_file is None or not self.synonyms_file.is_file():
            return []
        return self.synonyms_file.read_text(encoding="utf-8").splitlines()

    def export(self) -> str:
        """The synonym file followed by the editors' rules, ready to replace the file."""
        added = [rule.rule for rule in self.store.synonyms()]
        lines = self.file_rules()
        if added:
            lines += ["", "# Added by editors in the search service (fold into the sections above)", *added]
        return "\n".join(lines) + "\n"

    # -- best bets ------------------------------------------------------------------------

    def pinned_sections(self, service: SearchService, text: str, topic: str = "") -> list[dict]:
        """Stored fields of the sections pinned to `text` today (in the topic, when one is chosen);
        sections no longer in the index are left out."""
        found = [service.section(key) for key in self._pins.pinned(text, date.today())]
        return [f for f in found if f is not None and (not topic or f["topic"] == topic)]

    def apply_best_bets(self, response: SearchResponse, service: SearchService,
                        full_passages: bool) -> SearchResponse:
        """On the first page, the response with the pinned sections first and their repeats
        below dropped (a changed copy: responses are shared by the result cache)."""
        if response.page != 1:
            return response
        pinned = self.pinned_sections(service, response.query, response.topic)
        return put_first(response.copy(), pinned, full_passages) if pinned else response


def put_first(response: SearchResponse, pinned: list[dict], full_passages: bool) -> SearchResponse:
    """Pinned sections as labelled hits above the ranked ones, in place; a ranked hit or deep
    link to a pinned section is dropped, so no section is shown twice."""
    keys = {fields["key"] for fields in pinned}
    ranked = [hit for hit in response.results if f"{hit.path}#{hit.anchor}" not in keys]
    for hit in ranked:
        hit.more_sections = [more for more in hit.more_sections if f"{hit.path}#{more.anchor}" not in keys]
    repeats = len(response.results) - len(ranked)
    new_pages = {fields["path"] for fields in pinned} - {hit.path for hit in response.results}
    response.total += len(pinned) - repeats
    response.matched_pages += len(new_pages)
    if not response.results:
        response.message = ""  # "nothing matched" no longer holds
    response.results = [present.pinned_hit(fields, full_passages) for fields in pinned] + ranked
    return response
