"""A small LRU cache of finished responses, keyed by the live generation and the normalised request.

A new build publishes a new generation, so its key changes and old entries simply age out
(they are dropped at once when the generation changes, to free their memory).
"""
from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

# Responses kept per worker: a few MB at most (a response is a page of hits with snippets).
MAX_ENTRIES = 2048


class ResultCache:
    """Thread-safe LRU of responses for one generation at a time."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._generation = ""
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, generation: str, key: Hashable) -> Any | None:
        """A copy of the cached response (callers may change theirs), or None."""
        with self._lock:
            if generation != self._generation:
                self._entries.clear()
                self._generation = generation
            value = self._entries.get(key)
            if value is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
        return copy.deepcopy(value)

    def clear(self) -> None:
        """Forget every response (the synonyms changed, so any of them may be out of date)."""
        with self._lock:
            self._entries.clear()

    def put(self, generation: str, key: Hashable, value: Any) -> None:
        """Remember a response of a generation (ignored if a newer generation is already live)."""
        with self._lock:
            if generation != self._generation:
                return
            self._entries[key] = copy.deepcopy(value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
